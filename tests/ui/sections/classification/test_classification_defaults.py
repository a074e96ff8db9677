"""§3.6's default view makes the page's point: from the book's start GD moves on cross-entropy, not on MSE."""

from __future__ import annotations

import numpy as np

from optim_lab.engine import Racer
from tests import apptest
from tests.ui.sections.quiz_engine import lr_of, run, start_of
from ui.sections.classification import calc
from ui.shell import PAGE_BY_ID


def test_the_default_race_shows_the_mse_plateau():
    at = apptest.open_page(PAGE_BY_ID["classification"].path, "en")
    apptest.assert_clean(at)
    n = at.session_state["n"]
    racers = [Racer(at.session_state[f"o{i}"], lr=lr_of(at, f"o{i}_lr")) for i in range(1, n + 1)]
    start = start_of(at)
    assert start == (-6.5, 5.7) and racers[0].optimizer == "sgd"
    moved = {}
    for s in calc.SURFACES:
        _, res = run(s, racers, start, at.session_state["steps"])
        moved[s] = np.hypot(*(res.theta[-1] - np.asarray(start)).T)
    assert moved["softmax-ce"][0] > 10 and moved["softmax-mse"][0] < 0.01  # GD: slope vs plateau
    if n > 1:
        assert moved["softmax-mse"][1] > 10  # Adam divides by σ and crosses the plateau
