"""§3.4's question on the engine's numbers: Adam's first constant-η step raises the loss to ≈ 409."""

from __future__ import annotations

import numpy as np

from optim_lab.engine import Racer
from tests.ui.sections.quiz_engine import preset_params, question, run
from ui.sections.lr_schedule import presets


def test_adams_first_step_jumps_up_the_wall():
    q = question(presets, "adam-warmup")
    p = preset_params(presets, q.preset)
    lr, steps = float(p["lr"]), int(p["steps"])
    sp = {"warmup": int(p["sp_warmup"]), "t_max": int(p["sp_t_max"]), "eta_min": float(p["sp_eta_min"])}
    _, res = run(p["surface"], [Racer("adam", lr=lr), Racer("adam", lr=lr, schedule=p["sch"], sched_params=sp)],
                 (float(p["x0"]), float(p["y0"])), steps)
    assert q.choices[q.answer] == "qz_ls_b"
    assert res.loss[0, 0] == 12.5 and abs(res.loss[1, 0] - 409) < 1  # (b)
    assert np.allclose(res.theta[1, 0], (-2.0, 2.0), atol=1e-6)  # η in each coordinate
    assert np.isfinite(res.loss[:, 0]).all() and res.diverged_at[0] < 0  # not (c)
    assert res.loss[:, 1].max() <= res.loss[0, 1] + 1e-9  # with warm-up the loss never rises above the start
