"""§3.6's question on the engine's numbers: GD gets far on cross-entropy, nowhere on MSE."""

from __future__ import annotations

import numpy as np

from optim_lab.engine import Racer
from tests.ui.sections.quiz_engine import preset_params, question, run
from ui.sections.classification import calc, presets


def test_gd_moves_on_cross_entropy_and_sits_on_the_mse_plateau():
    q = question(presets, "gd-only")
    p = preset_params(presets, q.preset)
    start, steps, gd = (float(p["x0"]), float(p["y0"])), int(p["steps"]), [Racer("sgd", lr=float(p["o1_lr"]))]
    moved = {}
    for s in calc.SURFACES:
        _, res = run(s, gd, start, steps)
        assert res.diverged_at[0] < 0
        moved[s] = float(np.hypot(*(res.theta[-1, 0] - np.asarray(start))))
        g0 = res.grad_norm[0, 0]
        if s == "softmax-mse":
            assert 1e-5 < g0 < 1e-4  # the plateau: ‖g‖ ≈ 3·10⁻⁵
    assert q.choices[q.answer] == "qz_cl_b"
    assert moved["softmax-ce"] > 10 and moved["softmax-mse"] < 0.01  # (b), not a, c or d
