"""The trainability map: independent of how cells are chunked, stepped by `update.apply`
(one cell equals a hand-checked GD run), bounded, and its classes as the paper defines them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.maps.fractal import DEFAULT_BOX, Net, check, fractal_map, train_cells


def test_converged_share_stable_under_chunk_size():
    a = fractal_map(DEFAULT_BOX, 16, 40, chunk=256)
    b = fractal_map(DEFAULT_BOX, 16, 40, chunk=50)
    assert a.converged_share == b.converged_share
    np.testing.assert_array_equal(a.converged, b.converged)
    assert 0.05 < a.converged_share < 0.95  # the default view straddles the boundary


def test_one_cell_is_plain_gradient_descent_on_the_network():
    """Autograd on one network with θ ← θ − η·g per layer gives the batched cell's losses."""
    net = Net.make(0)
    eta_in, eta_out, steps = 3.0, 5.0, 15
    norm = train_cells(net, np.array([eta_in]), np.array([eta_out]), steps)[:, 0]
    W = net.W0.clone().requires_grad_(True)
    v = net.v0.clone().requires_grad_(True)
    losses = []
    for _ in range(steps + 1):
        f = (v @ torch.tanh(W @ net.X / np.sqrt(net.dim))) / net.width
        loss = ((f[0] - net.Y) ** 2).mean()
        losses.append(float(loss.detach()))
        gW, gv = torch.autograd.grad(loss, (W, v))
        with torch.no_grad():
            W -= eta_in * gW
            v -= eta_out * gv
    np.testing.assert_allclose(norm, np.array(losses) / losses[0], rtol=1e-4)


def test_bounds_and_classes():
    m = fractal_map((-3.0, 2.0, -3.0, 2.0), 16, 40)
    assert m.converged[0, 0] and not m.converged[-1, -1]  # tiny rates train, huge ones blow up
    assert m.intensity.min() >= 0 and m.intensity.max() <= 1
    with pytest.raises(ValueError, match="largest grid"):
        check((0, 1, 0, 1), 256, 1000)
    with pytest.raises(ValueError, match="log10 η must stay within"):
        check((0, 3, 0, 1), 16, 10)
    with pytest.raises(ValueError, match="from < to"):
        check((1, 0, 0, 1), 16, 10)
