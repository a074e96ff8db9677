"""§3.3's question on the engine's numbers: the loss stalls while ‖g‖ stays large."""

from __future__ import annotations

from tests.ui.sections.adaptive_lr.engine_race import race_of
from tests.ui.sections.quiz_engine import preset_params, question
from ui.sections.adaptive_lr import presets


def test_gd_stalls_with_a_large_gradient():
    q = question(presets, "gd-oscillates")
    problem, ids, res = race_of(preset_params(presets, q.preset))
    loss, g = res.loss[:, ids["gd"]], res.grad_norm[:, ids["gd"]]
    assert q.choices[q.answer] == "qz_al_c"
    assert abs(loss[-1] - loss[150]) < 1e-3 * loss[-1]  # (c) the loss has stopped falling …
    assert 350 < g[-1] < 410  # … with ‖g‖ ≈ 380
    assert loss[-1] - problem.minima()[0][2] > 1e4  # not (a)
    assert res.diverged_at[ids["gd"]] < 0  # not (b)
    assert loss[-1] > 0.999 * loss[100]  # not (d): no steady fall
