"""Hessian-vector products and power iteration against the full Hessian of small networks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from optim_lab.inside import hessian as hs


def _net(act=nn.Tanh, bn=False, seed=0):
    torch.manual_seed(seed)
    layers = [nn.Linear(4, 6)] + ([nn.BatchNorm1d(6)] if bn else []) + [act(), nn.Linear(6, 3)]
    return nn.Sequential(*layers).double()


def _data(n=24, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=g, dtype=torch.float64), torch.randint(0, 3, (n,), generator=g)


@pytest.mark.parametrize("loss", ["ce", "mse", "half-mse"])
@pytest.mark.parametrize("act", [nn.Tanh, nn.ReLU])
def test_hvp_equals_full_hessian_times_v(loss, act):
    model, (x, y) = _net(act), _data()
    L = hs.loss_fn(model, x, y, loss)
    theta = hs.flat_params(model)
    H = hs.full_hessian(L, theta)
    assert H.shape == (theta.numel(), theta.numel())
    v = torch.randn(theta.shape, generator=torch.Generator().manual_seed(3), dtype=theta.dtype)
    torch.testing.assert_close(hs.hvp_operator(L, theta)(v), H @ v, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss", ["ce", "mse", "half-mse"])
def test_power_iteration_finds_the_top_eigenvalue_of_the_full_hessian(loss):
    model, (x, y) = _net(), _data()
    L = hs.loss_fn(model, x, y, loss)
    theta = hs.flat_params(model)
    eig = hs.eigenvalues(L, theta)
    top = hs.top_eigen(L, theta, tol=1e-8, max_iter=2000)
    assert top.lambda_max == pytest.approx(float(eig[-1]), rel=1e-5)
    # the vector is an eigenvector: Hv ≈ λv
    torch.testing.assert_close(hs.hvp_operator(L, theta)(top.vector), top.lambda_max * top.vector, rtol=0, atol=1e-3 * abs(top.lambda_max))


def test_warm_start_from_the_eigenvector_stops_at_once():
    model, (x, y) = _net(), _data()
    L = hs.loss_fn(model, x, y, "half-mse")
    theta = hs.flat_params(model)
    cold = hs.top_eigen(L, theta, tol=1e-8, max_iter=2000)
    warm = hs.top_eigen(L, theta, v0=cold.vector, tol=1e-8, max_iter=2000)
    assert warm.iterations <= 3 < cold.iterations
    assert warm.lambda_max == pytest.approx(cold.lambda_max, rel=1e-7)


def test_a_negative_dominant_eigenvalue_still_gives_the_largest_algebraic_one():
    d = torch.tensor([-5.0, 1.0, 2.0], dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    A = q @ torch.diag(d) @ q.T

    def L(theta):
        return 0.5 * theta @ A @ theta

    top = hs.top_eigen(L, torch.zeros(3, dtype=torch.float64), tol=1e-12, max_iter=5000)
    assert top.lambda_max == pytest.approx(2.0, rel=1e-6)


def test_power_iteration_relative_tolerance_on_a_known_operator():
    d = torch.tensor([1.0, 3.0, 10.0], dtype=torch.float64)
    lam, v, its = hs.power_iteration(lambda u: d * u, torch.ones(3, dtype=torch.float64), tol=1e-12, max_iter=500)
    assert lam == pytest.approx(10.0, rel=1e-10)
    assert abs(float(v[2])) == pytest.approx(1.0, abs=1e-6)
    assert its < 500


def test_bn_is_measured_in_eval_mode_and_the_mode_and_statistics_are_kept():
    model, (x, y) = _net(bn=True), _data()
    model.train()
    model(x)  # some running statistics
    stats = {k: v.clone() for k, v in model.state_dict().items()}
    s = hs.lambda_max(model, x, y, "ce", tol=1e-8, max_iter=2000)
    assert model.training
    for k, v in model.state_dict().items():
        assert torch.equal(v, stats[k]), k
    with hs.eval_mode(model):
        eig = hs.eigenvalues(hs.loss_fn(model, x, y, "ce"), hs.flat_params(model))
    assert s.lambda_max == pytest.approx(float(eig[-1]), rel=1e-5)


def test_preconditioned_sharpness_is_the_top_eigenvalue_of_p_inv_h():
    model, (x, y) = _net(), _data()
    L = hs.loss_fn(model, x, y, "half-mse")
    theta = hs.flat_params(model)
    H = hs.full_hessian(L, theta)
    p = 0.1 + torch.rand(theta.shape, generator=torch.Generator().manual_seed(5), dtype=theta.dtype)
    s = p.rsqrt()
    want = float(torch.linalg.eigvalsh(s[:, None] * H * s[None, :])[-1])
    got = hs.preconditioned_sharpness(L, theta, p, tol=1e-8, max_iter=5000)
    assert got.lambda_max == pytest.approx(want, rel=1e-5)
    assert hs.adam_threshold(0.01, 0.9) == pytest.approx(3800.0)


def test_flat_round_trip_and_load():
    model = _net()
    theta = hs.flat_params(model)
    flat = hs.Flat.of(model)
    assert flat.size == theta.numel() == sum(p.numel() for p in model.parameters())
    parts = flat.unflatten(theta)
    for name, p in model.named_parameters():
        assert torch.equal(parts[name], p.detach())
    other = _net(seed=9)
    hs.load_flat(other, theta)
    assert torch.equal(hs.flat_params(other), theta)
    theta += 1.0  # the model got its own copy: changing θ afterwards leaves it alone
    assert not torch.equal(hs.flat_params(other), theta)
    with pytest.raises(ValueError, match="theta"):
        hs.load_flat(other, theta[:-1])


def test_unknown_loss_is_refused():
    with pytest.raises(ValueError, match="loss"):
        hs.loss_value(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long), "hinge")
