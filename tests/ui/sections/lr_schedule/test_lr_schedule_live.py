"""§3.4's live warm-up: each position the control offers is the command line's run with that
warm-up length (several positions), and its η_t curve is the schedule's; the classic slider stays."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.schedules import SCHEDULES
from surfaces import get_surface
from tests import apptest
from tests.ui.sections.live_cli import cli_trail
from ui.common.live import unpack
from ui.sections.lr_schedule.calc import SCHED_ETA, lr_default, warmup_positions
from ui.shell import PAGE_BY_ID

PAGE = PAGE_BY_ID["lr-schedule"].path
STEPS = 100  # ≤ 120: every warm-up length is a position


@pytest.fixture(scope="module")
def page_en():
    at = apptest.open_page(PAGE, "en", {"steps": str(STEPS), "sp_warmup": "40"})
    apptest.assert_clean(at)
    return at


def test_positions_are_whole_steps_within_the_run():
    assert warmup_positions(50).tolist() == list(range(1, 51))
    w = warmup_positions(2000)
    assert len(w) == 120 and w[0] == 1 and w[-1] == 2000 and (np.diff(w) > 0).all()
    assert 50 not in w.tolist() and warmup_positions(2000, 50).tolist() == sorted(w.tolist() + [50])
    assert warmup_positions(2000, 1).tolist() == w.tolist()  # already a position


def test_the_control_starts_at_the_classic_sliders_value(page_en):
    assert page_en.slider(key="sp_warmup").value == 40
    data = apptest.live_data(page_en)
    assert data["param"] == "sp_warmup" and data["values"] == list(range(1, STEPS + 1))
    assert data["values"][data["index"]] == 40


def test_with_spread_positions_the_control_still_starts_at_the_sliders_value():
    at = apptest.open_page(PAGE, "en", {"steps": "300", "sp_warmup": "50"})  # 50 is none of the 120 spread steps
    apptest.assert_clean(at)
    data = apptest.live_data(at)
    assert len(data["values"]) == 121 and data["values"][data["index"]] == 50 == at.slider(key="sp_warmup").value


@pytest.mark.parametrize("w", [1, 40, 90])
def test_a_position_shows_the_command_lines_run(page_en, capsys, w):
    problem = get_surface("rosenbrock").build()
    lr = lr_default("adam", "rosenbrock")
    x0, y0 = problem.start
    run, theta, keep = cli_trail(["run", "--surface", "rosenbrock", "--optimizer", "adam", "--lr", repr(lr), "--schedule", "warmup-cosine",
                 "--sched", f"warmup={w}", "--sched", f"t_max={STEPS}", "--sched", "eta_min=0", "--start", f"{x0!r},{y0!r}",
                 "--steps", str(STEPS), "--format", "json"], capsys)
    data = apptest.live_data(page_en)
    i = data["values"].index(w)
    charts = {c["key"]: c["traces"] for c in data["charts"]}
    trail = next(tr for tr in charts["main"] if tr["match"].get("meta") == "path-trail")
    np.testing.assert_array_equal(unpack(trail["x"][i]), theta[keep, 0].astype(np.float32))
    np.testing.assert_array_equal(unpack(trail["y"][i]), theta[keep, 1].astype(np.float32))
    (eta,) = charts["eta_editor"]
    assert eta["match"] == {"meta": SCHED_ETA}
    np.testing.assert_array_equal(unpack(eta["y"][i]), np.array(run["lr"], dtype=np.float32))
    expected = SCHEDULES["warmup-cosine"].etas(lr, STEPS, {"warmup": w, "t_max": STEPS, "eta_min": 0.0})
    np.testing.assert_array_equal(unpack(eta["y"][i]), expected.astype(np.float32))
