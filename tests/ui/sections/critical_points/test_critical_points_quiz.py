"""§3.1's question on the engine's numbers: GD from the line w₁ = −w₂ stops at the saddle."""

from __future__ import annotations

import numpy as np

from optim_lab.analysis import inspect
from optim_lab.engine import Racer
from tests.ui.sections.quiz_engine import preset_params, question, run
from ui.sections.critical_points import presets


def test_gd_ends_at_the_saddle_not_in_the_valley():
    q = question(presets, "gd-stops")
    p = preset_params(presets, q.preset)
    problem, res = run(p["surface"], [Racer("sgd", lr=float(p["o1_lr"]))], (float(p["x0"]), float(p["y0"])), int(p["steps"]))
    theta = res.theta[:, 0]
    assert q.choices[q.answer] == "qz_cp_b"
    assert np.hypot(*theta[-1]) < 1e-3 and abs(res.loss[-1, 0] - 1) < 1e-3  # (b) at (0, 0), loss 1 …
    assert sorted(inspect(problem, (0.0, 0.0)).eigvals) == [-2.0, 2.0]  # … a saddle
    assert res.loss[-1, 0] > 0.5  # not (a): the valley has loss 0
    assert res.diverged_at[0] < 0  # not (c)
    assert (np.diff(np.hypot(*theta.T)) < 0).all()  # not (d): straight in, no circling
    assert np.allclose(theta[:, 0], -theta[:, 1])  # it never leaves the line
