"""The beyond-Adam question on the engine's numbers: near the end of the Lion preset, Lion still moves
every coordinate by exactly η while Adam's step along b has shrunk to ≈ 0.09·η."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import race
from surfaces import get_surface
from tests.ui.sections.quiz_engine import preset_params, question
from ui.sections.beyond_adam import calc, presets


def test_lion_keeps_stepping_by_eta_while_adam_shrinks():
    q = question(presets, "lion")
    p = preset_params(presets, q.preset)
    lr, steps = float(p["lr_lion"]), int(p["steps_lion"])
    configs, roles = calc.lineup(p["part"], lr, steps)
    problem = get_surface(calc.SURFACE[p["part"]]).build()
    res = race(problem, [c.racer() for c in configs], [problem.start], steps)
    moves = np.abs(np.diff(res.theta, axis=0))  # (T, racers, 2): each coordinate's step
    lion, adam = moves[-1, roles.index("lion")], moves[-1, roles.index("adam")]
    assert q.choices[q.answer] == "qz_ba_c"
    assert lion == pytest.approx([lr, lr], abs=1e-12)  # (c): Lion exactly η in both coordinates
    assert adam[0] == pytest.approx(0.09 * lr, abs=0.01 * lr)  # along b (θ's first coordinate) ≈ 0.09·η
    assert adam[0] < 0.5 * lr  # so not (b) and not (d); the two differ, so not (a)
