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


def test_the_shared_grids_are_one_read_only_object_for_every_session():
    """A grid or gradient map is kept once for every session and refuses writes: what one
    session did to it, every other would draw (and a figure's key hashes it once)."""
    from ui.common import compute

    params = compute.params_key({})
    grid = compute.grid("rosenbrock", params, 11)
    gmap = compute.grad_norms("rosenbrock", params, 11)
    assert compute.grid("rosenbrock", params, 11) is grid and compute.grad_norms("rosenbrock", params, 11) is gmap
    for a in (grid.xs, grid.ys, grid.z, *gmap):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 0.0
        assert a.flags.owndata  # its own memory, not a view of an array that takes writes


def test_a_problem_is_built_once_per_setting_for_every_session(monkeypatch):
    """`compute.build` keeps the problem of a setting: the same object for the same setting, a
    new one for another; a parameter that does not hash is built each time, as before."""
    from ui.common import compute

    calls = []
    real = compute.build_problem
    monkeypatch.setattr(compute, "build_problem", lambda s, p: calls.append((s, p)) or real(s, p))
    compute._built.cache_clear()
    a = compute.params_key({"n": 12})
    b = compute.params_key({"n": 13})
    assert compute.build("linreg", a) is compute.build("linreg", a)
    other = compute.build("linreg", b)
    assert other is not compute.build("linreg", a) and other.n_samples == 13
    assert calls == [("linreg", a), ("linreg", b)]
    odd = (("n", 12), ("unused", [1]))  # a list: not a key
    with pytest.raises(ValueError):
        compute.build("linreg", odd)  # built (and refused by the surface) here, not kept
    with pytest.raises(ValueError):
        compute.build("linreg", odd)
    assert calls[-2:] == [("linreg", odd)] * 2
    compute._built.cache_clear()
