"""§3.1's default view makes the page's point: gradient descent stops where ‖g‖ = 0, at a saddle."""

from __future__ import annotations

import numpy as np

from optim_lab.analysis import inspect
from optim_lab.engine import Racer
from tests import apptest
from tests.ui.sections.quiz_engine import lr_of, run, start_of
from ui.shell import PAGE_BY_ID


def test_the_default_run_stops_at_the_saddle_and_the_inspector_says_so():
    at = apptest.open_page(PAGE_BY_ID["critical-points"].path, "en")
    apptest.assert_clean(at)
    surface, steps = at.session_state["surface"], at.session_state["steps"]
    problem, res = run(surface, [Racer(at.session_state["o1"], lr=lr_of(at, "o1_lr"))], start_of(at), steps)
    end = res.theta[-1, 0]
    assert np.hypot(*end) < 1e-3 and res.grad_norm[-1, 0] < 1e-3 and abs(res.loss[-1, 0] - 1) < 1e-3
    assert inspect(problem, tuple(end)).kind == "saddle"
    assert any("saddle point" in s.value for s in at.success)  # the inspector, at the selected (last) step
