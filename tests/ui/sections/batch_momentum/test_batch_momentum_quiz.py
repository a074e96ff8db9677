"""§3.2's question on the engine's numbers: GD stops in the local minimum, momentum rolls on."""

from __future__ import annotations

import numpy as np

from optim_lab.engine import Racer
from tests.ui.sections.quiz_engine import preset_params, question, run
from ui.sections.batch_momentum import presets


def test_momentum_rolls_past_the_local_minimum_where_gd_stops():
    q = question(presets, "momentum-rolls")
    p = preset_params(presets, q.preset)
    lr, lam = float(p["m_lr"]), float(p["lam"])
    _, res = run(p["surface"], [Racer("sgd", lr=lr), Racer("momentum-book", lr=lr, hparams={"lambda": lam})],
                 (float(p["x0"]), float(p["y0"])), int(p["steps"]))
    gd, mom = res.theta[-1, 0], res.theta[-1, 1]
    assert q.choices[q.answer] == "qz_bm_b"
    assert np.allclose(gd, (-1.61, -0.57), atol=0.01)  # GD: the local minimum …
    assert np.allclose(mom, (0.09, -0.71), atol=0.01)  # … momentum: the global one (not a, not c)
    assert res.loss[-1, 1] < res.loss[-1, 0] - 3
    assert (res.diverged_at < 0).all()  # not d
