"""2-D slices of a real loss: filter normalization, the PCA plane, batched grid = loop, the plane's Hessian."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from optim_lab.inside import hessian as hs
from optim_lab.inside import landscape as ls


def _cnn(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 10)).double()


def _data(n=30, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 8, 8, generator=g, dtype=torch.float64), torch.randint(0, 10, (n,), generator=g)


def test_filter_normalization_matches_each_filters_norm_and_zeroes_biases_and_bn():
    model = _cnn()
    model.train()
    model(_data()[0])  # BN running statistics away from their defaults
    with torch.no_grad():
        model[1].weight.mul_(1.7)  # γ ≠ 1: still zero in the direction
    theta, flat = hs.flat_params(model), hs.Flat.of(model)
    d = ls.random_directions(model, seed=3)[0]
    parts, weights = flat.unflatten(d), flat.unflatten(theta)
    for name, shape in zip(flat.names, flat.shapes, strict=True):
        if len(shape) <= 1:
            assert torch.count_nonzero(parts[name]) == 0, name  # biases, BN γ and β
        else:
            got = parts[name].reshape(shape[0], -1).norm(dim=1)
            want = weights[name].reshape(shape[0], -1).norm(dim=1)
            torch.testing.assert_close(got, want, rtol=1e-12, atol=0)
    assert set(n for n, s in zip(flat.names, flat.shapes, strict=True) if len(s) <= 1) == {"0.bias", "1.weight", "1.bias", "5.bias"}


def test_two_random_directions_differ_and_are_seeded():
    model = _cnn()
    a, b = ls.random_directions(model, seed=0)
    assert not torch.allclose(a, b)
    torch.testing.assert_close(ls.random_directions(model, seed=0), torch.stack([a, b]))


def test_pca_plane_holds_a_path_that_lies_in_a_plane_through_the_final_weights():
    g = torch.Generator().manual_seed(0)
    P, T = 50, 12
    theta = torch.randn(P, generator=g, dtype=torch.float64)
    u, v = torch.randn(P, generator=g, dtype=torch.float64), torch.randn(P, generator=g, dtype=torch.float64)
    coef = torch.randn(T, 2, generator=g, dtype=torch.float64)
    coef[-1] = 0  # the last point is θ* itself
    traj = theta + coef[:, :1] * u + coef[:, 1:] * v
    dirs, share = ls.pca_directions(traj, theta)
    torch.testing.assert_close(dirs @ dirs.T, torch.eye(2, dtype=torch.float64), atol=1e-12, rtol=0)
    assert share.sum() == pytest.approx(1.0, abs=1e-12)
    xy = ls.project(traj, theta, dirs)
    back = theta + torch.as_tensor(xy) @ dirs
    torch.testing.assert_close(back, traj, atol=1e-10, rtol=0)  # every trajectory point lies in the plane
    assert np.abs(xy[-1]).max() < 1e-12
    assert (xy[0] <= 1e-12).all()  # sign convention: the path starts at α, β ≤ 0


def test_pca_share_is_below_one_when_the_path_leaves_the_plane():
    g = torch.Generator().manual_seed(1)
    traj = torch.randn(10, 30, generator=g, dtype=torch.float64)
    _, share = ls.pca_directions(traj, traj[-1])
    assert share.sum() < 0.999


def test_batched_grid_equals_the_loop_of_loaded_weights():
    model, (x, y) = _cnn(), _data()
    model.train()
    model(x)
    plane = ls.make_plane(model, "random", seed=2)
    alpha, beta = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.8, 4)
    s = ls.grid(model, x, y, plane, alpha, beta, "ce", chunk=3)  # a chunk that does not divide 20
    A, B = np.meshgrid(alpha, beta)
    thetas = torch.stack([plane.point(a, b) for a, b in zip(A.ravel(), B.ravel(), strict=True)])
    before = hs.flat_params(model)
    ref = _loop_losses(model, x, y, thetas, "ce").reshape(A.shape)
    np.testing.assert_allclose(s.loss, ref, rtol=1e-10)
    assert torch.equal(hs.flat_params(model), before)  # weights restored
    assert model.training  # mode restored
    centre = ls.batched_losses(model, x, y, plane.theta.unsqueeze(0), "ce")[0]
    with hs.eval_mode(model), torch.no_grad():
        assert centre == pytest.approx(float(hs.loss_value(model(x), y, "ce")), rel=1e-12)


def test_line_is_the_grid_row_through_the_centre():
    model, (x, y) = _cnn(), _data()
    plane = ls.make_plane(model, "random", seed=4)
    alpha = np.linspace(-1, 1, 7)
    row = ls.grid(model, x, y, plane, alpha, np.array([0.0]), "mse").loss[0]
    np.testing.assert_allclose(ls.line(model, x, y, plane.dirs[0], alpha, "mse"), row, rtol=1e-12)


def test_plane_hessian_is_the_hessian_of_the_two_dimensional_slice():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 8), nn.Tanh(), nn.Linear(8, 10)).double()
    x, y = _data(20)
    plane = ls.make_plane(model, "random", seed=1)
    L = hs.loss_fn(model, x, y, "ce")

    def l2(ab):
        return L(plane.theta + ab[0] * plane.dirs[0] + ab[1] * plane.dirs[1])

    at = torch.tensor([0.3, -0.2], dtype=torch.float64)
    want_h = torch.func.hessian(l2)(at).numpy()
    want_g = torch.func.grad(l2)(at).numpy()
    got = ls.plane_curvature(model, x, y, plane, 0.3, -0.2, "ce")
    np.testing.assert_allclose(got["hessian"], want_h, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(got["grad"], want_g, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(got["eigvals"], np.linalg.eigvalsh(want_h), rtol=1e-8, atol=1e-12)
    assert got["loss"] == pytest.approx(float(l2(at)), rel=1e-12)


def test_slice_around_a_trajectory_draws_it_on_the_pca_plane():
    model, (x, y) = _cnn(), _data()
    theta = hs.flat_params(model)
    g = torch.Generator().manual_seed(0)
    traj = torch.cat([theta + 0.05 * torch.randn(6, theta.numel(), generator=g, dtype=theta.dtype), theta.unsqueeze(0)])
    s, plane = ls.slice_around(model, x, y, "ce", "pca", n=9, trajectory=traj)
    assert s.loss.shape == (9, 9) and s.path.shape == (7, 2) and s.path_loss.shape == (7,)
    assert s.alpha[0] < s.path[:, 0].min() and s.alpha[-1] > s.path[:, 0].max()
    assert s.beta[0] < s.path[:, 1].min() and s.beta[-1] > s.path[:, 1].max()
    with pytest.raises(ValueError, match="pca"):
        ls.make_plane(model, "pca")
    with pytest.raises(ValueError, match="plane"):
        ls.make_plane(model, "hilly")


def _loop_losses(model, x, y, thetas, loss="ce"):
    """The oracle, the slow way: load each weight vector into the model, forward once (eval mode);
    the model's weights are restored."""
    keep = hs.flat_params(model)
    out = []
    with hs.eval_mode(model), torch.no_grad():
        for th in thetas:
            hs.load_flat(model, th)
            out.append(float(hs.loss_value(model(x), y, loss)))
    hs.load_flat(model, keep)
    return np.asarray(out)
