"""§3.5's default race makes the page's point: one update, different m and σ, different fates."""

from __future__ import annotations

from optim_lab.engine import Racer
from tests import apptest
from tests.ui.sections.quiz_engine import lr_of, run, start_of
from ui.shell import PAGE_BY_ID


def test_the_default_race_separates_the_four_classics():
    at = apptest.open_page(PAGE_BY_ID["playground"].path, "en")
    apptest.assert_clean(at)
    n = at.session_state["n"]
    names = [at.session_state[f"o{i}"] for i in range(1, n + 1)]
    assert names == ["sgd", "momentum", "rmsprop", "adam"]
    racers = [Racer(o, lr=lr_of(at, f"o{i}_lr")) for i, o in enumerate(names, 1)]
    _, res = run(at.session_state["surface"], racers, start_of(at), at.session_state["steps"])
    final = dict(zip(names, res.loss[-1], strict=True))
    assert (res.diverged_at < 0).all()  # every one stays on the chart
    assert final["momentum"] < final["sgd"] / 10  # same η, only m differs: momentum is far ahead
    assert final["adam"] < final["rmsprop"] < final["sgd"]  # σ helps; Adam's m helps more
    assert all(v < res.loss[0, 0] for v in final.values())


def test_the_default_formula_stays_in_its_box():
    at = apptest.open_page(PAGE_BY_ID["playground"].path, "en", {"surface": "custom"})
    apptest.assert_clean(at)
    from surfaces.formula import custom_surface
    from ui.common.view import DEFAULT_FORMULA

    problem = custom_surface(DEFAULT_FORMULA, box=(-3.0, 3.0, -3.0, 3.0))
    n = at.session_state["n"]
    racers = [Racer(at.session_state[f"o{i}"], lr=lr_of(at, f"o{i}_lr")) for i in range(1, n + 1)]
    from optim_lab.engine import race

    res = race(problem, racers, [start_of(at)], at.session_state["steps"])
    assert (res.diverged_at < 0).all()
    assert (abs(res.theta) <= 3.0).all()  # no run leaves the box it is drawn in
    assert (res.loss[-1] < res.loss[0]).all()
