"""The loss and its gradient norm over a view box."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from surfaces import get_surface
from ui.common.grid import grad_norm_grid, loss_grid


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


def test_the_shared_gradient_map_is_the_problems_own():
    from ui.common import compute

    params = compute.params_key({})
    p = compute.build("softmax-ce", params)
    for box in (None, (-10.0, 10.0, -10.0, 10.0)):
        shared = compute.grad_norms("softmax-ce", params, 21, box)
        own = grad_norm_grid(p, box or compute.box_of(p), 21)
        for a, b in zip(shared, own, strict=True):
            np.testing.assert_array_equal(a, b)
