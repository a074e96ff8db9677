"""§3.6 page: renders in both languages, presets apply cleanly, the softmax calculator is
right, and GD/Adam on the MSE and cross-entropy surfaces behave as the presets claim."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer, race
from surfaces import get_surface
from tests import apptest
from ui.sections.classification.calc import SURFACES, softmax
from ui.sections.classification.page import DEFAULT_LOGITS
from ui.sections.classification.presets import PRESETS as _PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

SCRIPT = PAGE_BY_ID["classification"].path
PRESETS = {p.id: p for p in _PRESETS}


def _open(lang: str, params: dict | None = None):
    return apptest.open_page(SCRIPT, lang, params, timeout=60)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_defaults_show_the_softmax_of_the_default_logits_and_both_surfaces(lang):
    at = _open(lang)
    apptest.assert_clean(at)
    probs = apptest.chart(at, "probs")["data"][0]["y"]
    np.testing.assert_allclose(probs, [0.878878, 0.118943, 0.002179], atol=5e-7)
    np.testing.assert_allclose(probs, softmax([float(v) for v in DEFAULT_LOGITS.split(",")]), atol=1e-12)
    for key in ["gap"] + [f"{kind}_{s}" for kind in ("contour", "gmap") for s in SURFACES]:
        apptest.chart(at, key)


def test_typing_logits_changes_the_bars_and_bad_text_is_contained():
    at = _open("en")
    at.text_input(key="logits").input("10, 2, 0").run()
    apptest.assert_clean(at)
    probs = apptest.chart(at, "probs")["data"][0]["y"]
    np.testing.assert_allclose(probs, softmax([10, 2, 0]), atol=1e-6)
    at.text_input(key="logits").input("1, two").run()
    assert not at.exception
    assert any(t("cl_bad_number", "en") in e.value for e in at.error)
    np.testing.assert_allclose(apptest.chart(at, "probs")["data"][0]["y"], [0.878878, 0.118943, 0.002179], atol=5e-7)


def test_bad_logits_in_the_link_are_refused():
    at = _open("en", {"logits": "1"})
    assert any(w.value.startswith(apptest.notice_prefix("en")) for w in at.warning)
    assert not at.exception


def test_moving_the_start_changes_the_race():
    at = _open("en")
    before = apptest.chart(at, "contour_softmax-ce")["data"]
    at.number_input(key="x0").set_value(0.0).run()
    apptest.assert_clean(at)
    assert apptest.chart(at, "contour_softmax-ce")["data"] != before


def test_softmax_check_case():
    np.testing.assert_allclose(softmax([3, 1, -3]), [0.878878, 0.118943, 0.002179], atol=5e-7)
    np.testing.assert_allclose(softmax([1003, 1001, 997]), softmax([3, 1, -3]), rtol=1e-12)  # shift-invariant, no overflow


def _moves(surface: str, racers: list[Racer], start, steps: int):
    problem = get_surface(surface).build()
    res = race(problem, racers, [start], steps, seed=0)
    assert (res.diverged_at == -1).all()
    return np.linalg.norm(res.theta[-1] - np.asarray(start), axis=1), res


def test_gd_stuck_on_mse_plateau_while_adam_escapes():
    setting = PRESETS["book"].params
    start, steps = (float(setting["x0"]), float(setting["y0"])), int(setting["steps"])
    racers = [Racer(setting["o1"], lr=float(setting["o1_lr"])), Racer(setting["o2"], lr=float(setting["o2_lr"]))]
    d_ce, r_ce = _moves("softmax-ce", racers, start, steps)
    d_mse, r_mse = _moves("softmax-mse", racers, start, steps)
    assert d_mse[0] < 0.01 * d_ce[0]  # GD: under 1 % of the distance (≈ 0.006 against ≈ 12.8)
    assert d_ce[0] > 10 and r_ce.loss[-1, 0] < 0.01
    assert r_mse.loss[-1, 0] > 1.99  # still on the plateau (e ≈ 2: y′ ≈ (0, 1, 0))
    assert d_mse[1] > 10 and r_mse.loss[-1, 1] < 1e-3  # Adam crosses it
    assert r_mse.grad_norm[0, 0] < 1e-4 < 1.0 < r_ce.grad_norm[0, 0]


def test_from_the_centre_both_losses_work():
    setting = PRESETS["centre"].params
    start, steps = (float(setting["x0"]), float(setting["y0"])), int(setting["steps"])
    for s in ("softmax-ce", "softmax-mse"):
        _, res = _moves(s, [Racer("sgd", lr=float(setting["o1_lr"]))], start, steps)
        p1 = softmax([res.theta[-1, 0, 0], res.theta[-1, 0, 1], -1000.0])[0]
        assert p1 > 0.97, s
