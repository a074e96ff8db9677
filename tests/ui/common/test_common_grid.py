"""Grids over a view box and per-batch sample weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from surfaces import get_surface
from ui.common.grid import grad_norm_grid, grid_points, loss_grid, sample_weights


def test_grid_points_are_row_major_over_y():
    xs, ys, pts = grid_points((0.0, 1.0, 10.0, 12.0), 3)
    np.testing.assert_array_equal(xs, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(ys, [10.0, 11.0, 12.0])
    np.testing.assert_array_equal(pts.reshape(3, 3, 2)[2, 1], [xs[1], ys[2]])  # row = y index, column = x index


def test_loss_grid_matches_the_surface():
    p = get_surface("rosenbrock").build()
    xs, ys, z = loss_grid(p, p.box, 11)
    assert z.dtype == np.float32 and z.shape == (11, 11)
    direct = float(p.loss(torch.tensor([[xs[7], ys[2]]], dtype=torch.float64))[0])
    assert z[2, 7] == pytest.approx(direct, rel=1e-6)


def test_grad_norm_grid_matches_the_surface():
    p = get_surface("softmax-ce").build()
    xs, ys, g = grad_norm_grid(p, (-10, 10, -10, 10), 21)
    assert g.shape == (21, 21)
    i, j = 3, 17  # row = y index, column = x index
    direct = p.grad(torch.tensor([[xs[j], ys[i]]], dtype=torch.float64))[0].numpy()
    assert g[i, j] == pytest.approx(float(np.hypot(*direct)))


def test_sample_weights_mean_or_sum_like_the_engine():
    mean = get_surface("linreg").build()
    w = sample_weights(mean, [[0, 5, 7], [3]])
    assert w.shape == (2, mean.n_samples)
    assert w[0].sum().item() == pytest.approx(1.0) and w[1, 3].item() == 1.0
    total = get_surface("long-valley").build()
    assert sample_weights(total, [[1, 2]]).sum().item() == 2.0  # summed losses: weight 1 per sample
