"""The shared homes of small computations: grid, batch weights, the weighted Hessian, Newton."""

from __future__ import annotations

import numpy as np
import torch

from surfaces import get_surface
from surfaces.base import autograd_hessian, grid, newton


def test_grid_is_row_major_over_ys():
    g = grid((0.0, 1.0, 10.0, 12.0), 3)
    np.testing.assert_allclose(g.xs, [0, 0.5, 1])
    np.testing.assert_allclose(g.points[:3], [[0, 10], [0.5, 10], [1, 10]])
    z = g.points[:, 0] + 100 * g.points[:, 1]
    assert z.reshape(len(g.ys), len(g.xs))[2, 0] == 1200  # rows = ys, columns = xs


def test_batch_weights_mean_and_sum_from_indices_or_masks():
    p = get_surface("linreg").build()
    w = p.batch_weights([[0, 2], [1]])
    assert w.shape == (2, p.n_samples)
    expect = 1.0 if p.reduction == "sum" else 0.5
    assert float(w[0, 0]) == float(w[0, 2]) == expect and float(w[0, 1]) == 0.0
    mask = torch.zeros(2, p.n_samples, dtype=torch.bool)
    mask[0, [0, 2]] = True
    mask[1, 1] = True
    assert torch.equal(p.batch_weights(mask), w)


def test_weighted_hessian_matches_autograd_of_the_weighted_loss():
    for name in ("linreg", "logreg"):
        p = get_surface(name).build()
        w = p.batch_weights([[0, 1, 2]])
        th = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
        closed = p.hessian(th, w)
        auto = autograd_hessian(lambda x, p=p, w=w: p.loss(x, w), th)
        torch.testing.assert_close(closed, auto, rtol=1e-10, atol=1e-12)


def test_newton_reaches_a_critical_point_and_keeps_lines_of_minima():
    p = get_surface("textbook-saddle").build()
    th = newton(p, torch.tensor([[0.1, -0.05]], dtype=torch.float64), iters=40)
    assert float(p.grad(th).norm()) < 1e-10
    q = get_surface("linreg").build()
    one = q.batch_weights([[0]])  # one sample: its minima form a line
    start = torch.tensor([[0.5, 0.5]], dtype=torch.float64)
    end = newton(q, start, one, iters=5)
    assert float(q.grad(end, one).norm()) < 1e-8
