"""§3.5 live equation: written from the engine's records of the step, θ_k = decay·θ_{k−1} − eff ⊙ d."""

from __future__ import annotations

import numpy as np

from ui.common.result import StepRecord
from ui.sections.playground.calc import step_latex


def _step(decay=1.0) -> StepRecord:
    return StepRecord(7, np.array([1.0, 2.0]), np.array([0.9, 1.5]), 0.01, np.array([0.5, 2.0]),
                      np.array([0.02, 0.005]), np.array([5.0, 100.0]), decay, np.array([5.0, 100.0]))


def test_the_equation_shows_the_recorded_factor_and_direction():
    text = step_latex(_step())
    assert r"\theta_{7}" in text and r"d_{7}" in text and r"(\eta/\sigma)_{7}" in text
    for number in ("0.9", "1.5", "0.02", "0.005", "100"):
        assert number in text
    assert " - " in text and "+" not in text  # θ_k = θ_{k−1} − eff ⊙ d, never + (−m)
    assert r"(1/\sigma)_{7}" in step_latex(_step(), eta_inside=True)


def test_the_decay_factor_appears_only_when_it_is_not_one():
    assert "0.999" not in step_latex(_step())
    assert r"0.999\," in step_latex(_step(decay=0.999))


def test_equal_budget_reads_the_engines_counts():
    # SAM on the budget of the race's 60 steps is SAM's own 30-step run; SGD keeps its 60 steps
    from optim_lab.engine import Racer, race
    from surfaces import get_surface
    from ui.common.result import RaceResult
    from ui.sections.playground.calc import equal_budget

    problem = get_surface("rosenbrock").build()
    racers = [Racer("sgd", lr=1e-3), Racer("sam", lr=1e-3)]
    res = RaceResult.from_engine(race(problem, racers, [(-1.5, 2.0)], 60))
    rows = equal_budget(res)
    half = race(problem, racers[1:], [(-1.5, 2.0)], 30)
    assert rows[0] == (1, 60, float(res.loss[60, 0]))
    assert rows[1][:2] == (2, 30) and rows[1][2] == float(half.loss[-1, 0])
    assert rows[1][2] != float(res.loss[60, 1])  # the view shows another number than the step axis does
    assert equal_budget(RaceResult.from_engine(race(problem, racers[:1], [(-1.5, 2.0)], 60))) is None
