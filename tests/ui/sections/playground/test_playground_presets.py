"""What the §3.5 presets claim, on the engine's numbers."""

from __future__ import annotations

import numpy as np

from optim_lab.engine import Racer
from tests.ui.sections.quiz_engine import preset_params, run
from ui.sections.playground import presets


def test_from_himmelblaus_hilltop_gd_and_adaptive_runs_pick_different_minima():
    p = preset_params(presets, "himmelblau")
    racers = [Racer(p[f"o{i}"], lr=float(p[f"o{i}_lr"])) for i in range(1, 5)]
    problem, res = run(p["surface"], racers, (float(p["x0"]), float(p["y0"])), int(p["steps"]))
    g0 = res.grad_norm[0, 0]
    assert g0 < 0.1  # the start is (almost) the local maximum: the gradient there is nearly zero
    ends = res.theta[-1]
    np.testing.assert_allclose(ends[0], (3.584, -1.848), atol=0.01)  # GD
    np.testing.assert_allclose(ends[1], (3.584, -1.848), atol=0.01)  # momentum
    np.testing.assert_allclose(ends[2], (3.0, 2.0), atol=0.01)  # Adam
    np.testing.assert_allclose(ends[3], (3.0, 2.0), atol=0.01)  # AdaGrad
    assert (res.diverged_at < 0).all()
