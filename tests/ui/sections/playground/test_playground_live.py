"""§3.5's η multiplier: the classic selector scales every racer's η (1 leaves the race as it
was); the live control's every position is the command line's run with each racer's η × m."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optim_lab.cli import main
from optim_lab.engine import Racer, race
from surfaces import get_surface
from tests import apptest
from ui.common.figures import MAX_TRAIL_POINTS, PALETTE, thin_path, turn_scores
from ui.common.live import unpack
from ui.sections.playground.calc import MULTIPLIERS
from ui.shell import PAGE_BY_ID
from ui.text import t

PAGE = PAGE_BY_ID["playground"].path
START = (-1.5, 2.5)
RACE = {"n": "3", "o1": "sgd", "o1_lr": "0.001", "o2": "adam", "o2_lr": "0.05", "o3": "rmsprop", "o3_lr": "0.01",
        "steps": "200", "x0": "-1.5", "y0": "2.5"}
LRS = [("sgd", 0.001), ("adam", 0.05), ("rmsprop", 0.01)]


def final_losses(at, lang: str = "en") -> list[float]:
    col = t("col_final_loss", lang)
    (table,) = [d.value for d in at.dataframe if col in d.value.columns]
    return [float(v) for v in table[col]]


def engine_final_losses(m: float) -> list[float]:
    res = race(get_surface("rosenbrock").build(), [Racer(o, lr=lr * m) for o, lr in LRS], [START], 200)
    return res.loss[-1].tolist()


@pytest.fixture(scope="module")
def page_en():
    at = apptest.open_page(PAGE, "en", RACE | {"lrx": "2.51"})
    apptest.assert_clean(at)
    return at


def test_the_multiplier_scales_every_racers_eta(page_en):
    assert page_en.selectbox(key="lrx").value == 2.51
    shown = final_losses(page_en)
    assert shown == pytest.approx(engine_final_losses(2.51), rel=1e-5)
    own = engine_final_losses(1.0)
    assert all(a != pytest.approx(b, rel=1e-3) for a, b in zip(shown, own, strict=True))  # every racer moved


def test_one_leaves_the_race_as_it_was_and_out_of_the_url():
    at = apptest.open_page(PAGE, "en", RACE)
    apptest.assert_clean(at)
    assert at.selectbox(key="lrx").value == 1.0 and "lrx" not in at.query_params
    assert final_losses(at) == pytest.approx(engine_final_losses(1.0), rel=1e-5)
    assert apptest.live_data(at)["index"] == MULTIPLIERS.index(1.0)
    at.selectbox(key="lrx").set_value(0.501).run()
    apptest.assert_clean(at)
    assert at.query_params.get("lrx") in ("0.501", ["0.501"])
    assert final_losses(at) == pytest.approx(engine_final_losses(0.501), rel=1e-5)


@pytest.mark.parametrize("m", [0.1, 1.0, 3.16, 10.0])
def test_a_position_shows_every_racers_command_line_run(page_en, capsys, m):
    data = apptest.live_data(page_en)
    assert data["param"] == "lrx" and data["values"] == list(MULTIPLIERS)
    assert data["values"][data["index"]] == 2.51
    i = data["values"].index(m)
    (surface,) = data["charts"]
    assert surface["key"] == "main"
    diverged = []
    for r, (opt, lr) in enumerate(LRS):
        assert main(["run", "--surface", "rosenbrock", "--optimizer", opt, "--lr", repr(lr * m), "--steps", "200",
                     "--start", "-1.5,2.5", "--format", "json"]) == 0
        run = json.loads(capsys.readouterr().out)["trajectories"][0]
        theta, d = np.array(run["theta"]), run["diverged_at"]
        k = len(theta) - 1 if d is None else d - 1
        keep = thin_path(k + 1, MAX_TRAIL_POINTS, turn_scores(theta[:k + 1]))
        trail = next(tr for tr in surface["traces"] if tr["match"] == {"meta": "path-trail", "line.color": PALETTE[r]})
        np.testing.assert_array_equal(unpack(trail["x"][i]), theta[keep, 0].astype(np.float32))
        np.testing.assert_array_equal(unpack(trail["y"][i]), theta[keep, 1].astype(np.float32))
        if d is not None:
            diverged.append(d)
    assert data["bad"][i] == bool(diverged)
    assert (data["readouts"][i] == t("pg_live_none", "en")) == (not diverged)


def test_the_payload_of_eight_racers_stays_under_2_mb_and_speaks_chinese():
    at = apptest.open_page(PAGE, "zh", {"n": "8"})
    apptest.assert_clean(at)
    (el,) = at.get("bidi_component")
    assert len(el.proto.bytes) < 2 * 2**20
    data = apptest.live_data(at)
    assert data["label"] == t("pg_live_label", "zh") and len(data["charts"][0]["traces"]) == 8 * 3
    assert any("发散" in r for r in data["readouts"])


def test_a_racer_whose_eta_times_m_would_leave_the_engines_range_keeps_the_classic_selector_alone():
    at = apptest.open_page(PAGE, "en", {"n": "2", "o1": "sgd", "o1_lr": "1e-08", "steps": "30"})
    apptest.assert_clean(at)
    assert not at.get("bidi_component")  # 1e-8 × 0.1 is below the engine's η range: no live control
    assert at.selectbox(key="lrx").value == 1.0 and len(at.dataframe) >= 1  # the race itself is drawn
    at.selectbox(key="lrx").set_value(0.1).run()
    assert [e.value for e in at.error] and not at.exception  # one message, the page stays usable


def test_the_3d_view_hides_the_live_control_and_2d_brings_it_back():
    # the live control moves the contour's traces; in 3-D it would move nothing, so it is not shown
    at = apptest.open_page(PAGE, "en", RACE | {"view3d": "1"})
    apptest.assert_clean(at)
    assert at.toggle(key="view3d").value is True
    assert not at.get("bidi_component") and at.selectbox(key="lrx").value == 1.0  # the classic selector stays
    at.toggle(key="view3d").set_value(False).run()
    apptest.assert_clean(at)
    assert apptest.live_data(at)["param"] == "lrx"
    at.toggle(key="view3d").set_value(True).run()
    apptest.assert_clean(at)
    assert not at.get("bidi_component")
