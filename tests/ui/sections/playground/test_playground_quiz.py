"""§3.5's question on the engine's numbers: PyTorch's RMSProp takes a first step 10 times the book's."""

from __future__ import annotations

import numpy as np

from optim_lab.engine import Racer
from tests.ui.sections.quiz_engine import preset_params, question, run
from ui.sections.playground import presets


def test_pytorch_rmsprops_first_step_is_ten_times_the_books():
    q = question(presets, "conventions")
    p = preset_params(presets, q.preset)
    lr = float(p["o1_lr"])
    assert p["o1"] == "rmsprop" and p["o2"] == "rmsprop-book" and float(p["o2_lr"]) == lr
    _, res = run(p["surface"], [Racer("rmsprop", lr=lr), Racer("rmsprop-book", lr=lr)], (float(p["x0"]), float(p["y0"])),
                 int(p["steps"]), cond=float(p["s_cond"]), angle=float(p["s_angle"]))
    torch_, book = np.abs(res.theta[1] - res.theta[0])
    assert q.choices[q.answer] == "qz_pg_c"
    np.testing.assert_allclose(book, [lr, lr], rtol=1e-9)  # the book: exactly η per parameter
    np.testing.assert_allclose(torch_ / book, [10, 10], rtol=1e-6)  # PyTorch: η/√(1 − 0.99) = 10·η
