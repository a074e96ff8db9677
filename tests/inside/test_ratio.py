"""The minimum ratio of real networks: the batched ensemble is K separate networks; the book's claim on our numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer
from optim_lab.inside import hessian as hs
from optim_lab.inside import ratio as rt
from optim_lab.torch_optim import LabOptimizer


def test_the_ensemble_steps_each_network_as_if_it_were_alone():
    x, y = rt.regression_data(16)
    nets = [rt.tiny_net(5, "tanh", s) for s in (3, 4)]
    ens = rt.Ensemble(nets)
    stops = [7, 12]
    trained = rt.train_ensemble(ens, x, y, Racer("adam", lr=1e-2), stops)
    for net, k, row in zip(nets, stops, trained, strict=True):
        opt = LabOptimizer(net.parameters(), Racer("adam", lr=1e-2), k)
        for _ in range(k):
            opt.zero_grad()
            hs.loss_value(net(x), y, "half-mse").backward()
            opt.step()
        torch.testing.assert_close(row, hs.flat_params(net), rtol=1e-10, atol=1e-12)
    # the ensemble's per-row loss is each network's own loss
    alone = torch.stack([hs.loss_value(ens.net(i, 5, "tanh", trained[i])(x), y, "half-mse") for i in range(2)])
    with torch.no_grad():
        for p, part in zip(ens.parameters(), trained.split([5, 5, 5, 1], dim=1), strict=True):
            p.copy_(part)
        torch.testing.assert_close(ens.losses(x, y), alone, rtol=1e-12, atol=0)


def test_driving_to_a_critical_point_lowers_the_gradient_norm_of_every_network():
    x, y = rt.regression_data(16)
    ens = rt.Ensemble([rt.tiny_net(4, "tanh", s) for s in range(3)])
    before = rt._grad_norms(ens, x, y, False)[0].sqrt().numpy()
    rows, gn = rt.drive_to_critical(ens, x, y, Racer("adam", lr=1e-2), 200, 1e-12)
    assert (gn < before).all()
    for i in range(3):
        net = ens.net(i, 4, "tanh", rows[i])
        g = torch.func.grad(hs.loss_fn(net, x, y, "half-mse"))(hs.flat_params(net))
        assert float(g.norm()) == pytest.approx(gn[i], rel=1e-9)


def test_the_counts_are_the_projects_one_hessian_test():
    """ratio.py counts with analysis.eigen_counts: |λ| ≤ tol·max(1, max|λ|) apart, as `classify` does."""
    from optim_lab.analysis import classify, eigen_counts

    eig = np.array([-2.0, -1e-9, 0.0, 1e-8, 0.5, 3.0])
    assert eigen_counts(eig, 1e-6) == (2, 1, 3)
    assert classify(eig) == "degenerate" and classify(eig[[0, 4, 5]]) == "saddle" and classify(eig[4:]) == "minimum"
    assert not hasattr(rt, "classify")


def test_bad_settings_are_refused():
    for bad in (dict(networks=0), dict(width=1), dict(activation="gelu"), dict(train_steps=(5, 2)), dict(samples=2)):
        with pytest.raises(ValueError):
            rt.RatioConfig(**bad).checked()


@pytest.fixture(scope="module")
def dots():
    return rt.minimum_ratios(rt.RatioConfig())


def test_every_network_stops_at_a_point_with_minimum_ratio_well_below_one(dots):
    """The book's Fig. 3.6 conclusion, on our numbers: no network reached a true local minimum."""
    cfg = rt.RatioConfig()
    assert len(dots) == cfg.networks
    for d in dots:
        assert len(d.eigvals) == cfg.n_params == d.n_pos + d.n_neg + d.n_zero
        assert d.ratio < 0.75, d
        assert d.n_neg > 0  # a direction curving down: the point is a saddle, not a minimum
        assert d.grad_norm <= d.grad_norm_trained * (1 + 1e-9)
    assert max(d.ratio for d in dots) < 0.75
    converged = [d for d in dots if d.converged]
    assert len(converged) >= cfg.networks // 3  # ‖∇L‖ < 1e-3 for a good share of them
    assert all(d.ratio < 0.75 for d in converged)
    assert 0 < min(d.loss for d in dots) < max(d.loss for d in dots) < 0.1  # the book's figure spans 0 … 0.09


def test_the_dots_are_full_hessian_eigenvalues(dots):
    d = dots[0]
    cfg = rt.RatioConfig()
    x, y = rt.regression_data(cfg.samples)
    assert d.eigvals[0] < 0 < d.eigvals[-1]
    assert np.all(np.diff(d.eigvals) >= 0)
    js = d.as_json()
    assert js["eigenvalues"] == cfg.n_params and js["minimum_ratio"] == pytest.approx(d.n_pos / cfg.n_params)
    assert x.shape == (cfg.samples, 1) and y.shape == (cfg.samples, 1)
