"""§3.2 calculations: each batch's own surface, its minimum and gradients (no Streamlit)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from surfaces import get_surface
from surfaces.base import grid
from ui.sections.batch_momentum import calc


def test_batch_surfaces_match_the_weighted_loss():
    p = get_surface("linreg").build()
    batches = [[0, 5, 7], [3]]
    sites = grid((-1.0, 3.0, 0.0, 2.0), 4)
    xs, ys = sites.xs, sites.ys
    z = calc.batch_surfaces(p, batches, sites)
    assert z.shape == (2, 4, 4)
    th = torch.tensor([[xs[1], ys[2]]], dtype=torch.float64)
    w = torch.zeros(1, p.n_samples, dtype=torch.float64)
    w[0, [0, 5, 7]] = 1 / 3
    assert z[0, 2, 1] == pytest.approx(float(p.loss(th, w)[0]))


def test_batch_minima_zero_the_batch_gradient():
    for name in ("linreg", "feature-scale", "long-valley"):
        p = get_surface(name).build()
        batches = [[0], [1, 2], list(range(p.n_samples))]
        starts = np.array([p.start] * 3)
        mins = calc.batch_minima(p, batches, starts, p.view_box())
        assert np.isfinite(mins).all(), name
        g = calc.batch_grads(p, batches, mins)
        g0 = calc.batch_grads(p, batches, starts)
        assert (np.linalg.norm(g, axis=1) <= 1e-6 * np.linalg.norm(g0, axis=1)).all(), name
        np.testing.assert_allclose(mins[2], p.minimum(), rtol=1e-6, atol=1e-9)


def test_one_logistic_sample_has_no_finite_minimum():
    p = get_surface("logreg").build()
    mins = calc.batch_minima(p, [[0], list(range(p.n_samples))], np.array([p.start] * 2), p.view_box())
    assert np.isnan(mins[0]).all()
    np.testing.assert_allclose(mins[1], p.minimum(), atol=1e-6)


def _race(sizes=(40, 8, 1), steps=60):
    from optim_lab.engine import Racer, race
    from ui.common.result import RaceResult

    p = get_surface("linreg").build()
    return p, RaceResult.from_engine(race(p, [Racer("sgd", lr=0.1, batch_size=b) for b in sizes], [p.start], steps, seed=0))


def test_epoch_counts_follow_ceil_n_over_b():
    p, r = _race()
    n = p.n_samples
    for i, b in enumerate((40, 8, 1)):
        c = calc.epoch_count(r, i, n, 23, 60)
        per = -(-n // b)
        assert (c.batch_size, c.per_epoch) == (b, per)
        assert (c.epoch, c.update) == (22 // per + 1, 22 % per + 1)
        assert c.epochs_done == pytest.approx(60 / per)
    assert calc.epoch_axis_end(n, (40, 8, 1), 60) == pytest.approx(1.5)


def test_the_batch_window_holds_the_selected_step_and_its_batches():
    p, r = _race()
    win = calc.batch_window(r, 1, 30, at_most=10)
    assert len(win.steps) == 10 and win.steps[win.active] == 30
    assert win.steps == list(range(win.first, win.first + 10))
    plan = r.batches[8].indices
    assert [list(b) for b in win.batches] == [plan[k - 1] for k in win.steps]
    np.testing.assert_array_equal(win.points[win.active], r.theta[29, 1])
    np.testing.assert_array_equal(win.grads[win.active], r.step_grad[29, 1])
    assert calc.batch_window(r, 1, 60, at_most=10).steps[-1] == 60  # the last window ends at the last step
    assert calc.next_batch(r, 1, 60) is None and list(calc.next_batch(r, 1, 5)) == plan[5]


def test_momentum_arrows_chain_and_share_one_scale():
    step = calc.MomentumStep(3, np.zeros(2), np.array([1.0, 0.0]), np.array([0.5, 0.5]), np.array([2.0, -5.0]), 0.1, 0.5)
    arrows, scale = calc.momentum_arrows(step, (-1.0, 1.0, -1.0, 1.0))
    ends = {key: (np.array(frm), np.array(to)) for key, frm, to in arrows}
    assert set(ends) == {"prev", "grad", "move"}
    np.testing.assert_allclose(ends["prev"][1] - ends["prev"][0], scale * step.kept)
    np.testing.assert_allclose(ends["grad"][0], ends["prev"][1])  # −ηg starts where λm ends
    longest = max(np.hypot(*v) for v in (step.kept, step.pushed, step.m))
    assert scale * longest == pytest.approx(0.25 * 2.0)


def _segment_distance(p, q, r, s) -> float:
    """Shortest distance between segments pq and rs (sampled finely: enough for a drawing test)."""
    t = np.linspace(0, 1, 201)[:, None]
    a, b = p + t * (q - p), r + t * (s - r)
    return float(np.min(np.hypot(*(a[:, None, :] - b[None, :, :]).T)))


def test_collinear_momentum_arrows_lie_side_by_side():
    """The "momentum rolls past" step: −ηg points back along λm; the three arrows and the
    labels at their heads stay apart by at least the gap."""
    step = calc.MomentumStep(3, np.zeros(2), m_prev=np.array([0.188, 0.0215]), m=np.array([0.134, 0.00892]),
                             grad=np.array([0.626, 0.234]), eta=0.04, lam=0.85)
    box = (-2.0, 2.0, -1.0, 1.0)
    arrows, _ = calc.momentum_arrows(step, box)
    ends = {key: (np.array(frm), np.array(to)) for key, frm, to in arrows}
    gap = calc.ARROW_GAP * 2.0
    for a, b in (("prev", "grad"), ("prev", "move"), ("grad", "move")):
        assert _segment_distance(*ends[a], *ends[b]) > 0.75 * gap, (a, b)  # neighbouring rails, m slightly slanted
        assert np.hypot(*(ends[a][1] - ends[b][1])) > 0.9 * gap, (a, b)  # the labels sit at the heads
