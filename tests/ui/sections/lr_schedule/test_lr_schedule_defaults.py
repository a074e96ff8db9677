"""§3.4's default view makes the page's point: warm-up tames Adam's first steps and ends lower."""

from __future__ import annotations

from optim_lab.engine import Racer
from tests import apptest
from tests.ui.sections.quiz_engine import lr_of, run, start_of
from ui.shell import PAGE_BY_ID


def test_the_default_warm_up_beats_the_constant_rate():
    at = apptest.open_page(PAGE_BY_ID["lr-schedule"].path, "en")
    apptest.assert_clean(at)
    opt, lr, steps, sch = at.session_state["opt"], lr_of(at, "lr"), at.session_state["steps"], at.session_state["sch"]
    sp = {k[3:]: at.session_state[k] for k in ("sp_warmup", "sp_t_max", "sp_eta_min")}
    assert sch == "warmup-cosine" and sp["t_max"] == steps
    _, res = run(at.session_state["surface"], [Racer(opt, lr=lr, schedule=sch, sched_params=sp), Racer(opt, lr=lr)],
                 start_of(at), steps)
    sched, const = res.loss[:, 0], res.loss[:, 1]
    assert const[1] > 30 * const[0]  # constant η: the first step jumps up the wall
    assert sched.max() <= sched[0] + 1e-9  # warm-up: never above the start
    assert sched[-1] < const[-1] / 5
