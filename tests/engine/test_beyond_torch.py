"""The rules outside torch.optim that need more than optimizer.step() — SAM (a second gradient,
step(closure)) and schedule-free (train()/eval(), the reported θ is x) — against their
references in `tests.oracles.PAPER_DB`, on the 2-D race and on a small float64 network.
Lion, a plain step, runs with the torch oracles in test_parity.py and test_torch_optim.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer, race
from optim_lab.optimizers import OPTIMIZERS
from optim_lab.torch_optim import LabOptimizer
from surfaces import get_surface
from tests.oracles import PAPER_DB, PLAIN_STEP, torch_optimizer

TOL = 1e-9
STEPS = 40
DRIVEN = sorted(set(PAPER_DB) - PLAIN_STEP)
LR = {"sam": 1e-3, "sgd-schedule-free": 2e-3, "adamw-schedule-free": 2e-2}
NET_LR = {"sam": 0.1, "sgd-schedule-free": 0.5, "adamw-schedule-free": 0.01}


def _reference_path(name, lr, start, grad_at, steps=STEPS) -> np.ndarray:
    """θ_0..θ_T of the reference on a 2-D surface (its θ as a (2,) tensor)."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(name, [p], lr)
    how = PAPER_DB[name][2]
    out = [p.detach().clone()]
    for _ in range(steps):
        if how == "schedule-free":
            opt.train()
        p.grad = grad_at(p.detach())

        def closure():
            p.grad = grad_at(p.detach())

        opt.step(closure) if how == "closure" else opt.step()
        if how == "schedule-free":
            opt.eval()  # the reported θ is x
        out.append(p.detach().clone())
    return torch.stack(out).numpy()


@pytest.mark.parametrize("name", DRIVEN)
def test_race_matches_reference(name):
    problem = get_surface("rosenbrock").build()
    start = (-1.2, 1.5)
    res = race(problem, [Racer(name, lr=LR[name], hparams=PAPER_DB[name][0]), Racer("adam", lr=1e-2)], [start], STEPS)
    ref = _reference_path(name, LR[name], start, lambda th: problem.grad(th.reshape(1, 2)).reshape(2).clone())
    err = np.abs(res.theta[:, 0] - ref).max() / np.abs(ref).max()
    assert err <= TOL
    assert not np.allclose(res.theta[:, 0], res.theta[:, 1])


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)).double()


def _train(model, opt, how) -> np.ndarray:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(32, 5, generator=gen, dtype=torch.float64), torch.randint(0, 3, (32,), generator=gen)
    for k in range(STEPS):
        batch = slice((k * 8) % 32, (k * 8) % 32 + 8)

        def closure(batch=batch):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()

        if how == "schedule-free":
            opt.train()
        closure()
        opt.step(closure) if how == "closure" else opt.step()
        if how == "schedule-free":
            opt.eval()
    return torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()


@pytest.mark.parametrize("name", DRIVEN)
def test_network_matches_reference(name):
    ours, _, how = PAPER_DB[name]
    ref_model, model = _net(), _net()
    want = _train(ref_model, torch_optimizer(name, ref_model.parameters(), NET_LR[name]), how)
    got = _train(model, LabOptimizer(model.parameters(), Racer(name, lr=NET_LR[name], hparams=ours), STEPS), how)
    assert np.abs(got - want).max() / np.abs(want).max() <= TOL


def test_schedule_free_eval_and_train_round_trip_exactly():
    model = _net()
    opt = LabOptimizer(model.parameters(), Racer("sgd-schedule-free", lr=0.5), STEPS + 1)
    _train(model, opt, "schedule-free")  # ends in eval(): the parameters are x
    x = [p.detach().clone() for p in model.parameters()]
    opt.train()
    y = [p.detach().clone() for p in model.parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(x, y, strict=True))
    opt.eval()
    with pytest.raises(RuntimeError, match="train"):
        opt.step()
    opt.train()
    assert all(torch.equal(a, p) for a, p in zip(y, model.parameters(), strict=True))


def test_sam_needs_a_closure_and_counts_two_gradients():
    model = _net()
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    with pytest.raises(RuntimeError, match="closure"):
        LabOptimizer(model.parameters(), Racer("sam", lr=0.1), 3).step()
    sam = OPTIMIZERS["sam"]
    assert sam.gradient_evaluations(sam.resolve({})) == 2
    assert sam.gradient_evaluations(sam.resolve({"rho": 0.0})) == 1
    assert OPTIMIZERS["sgd"].gradient_evaluations(OPTIMIZERS["sgd"].resolve({})) == 1


def test_build_your_own_takes_sam_s_gradient_with_any_rules():
    """custom = SAM's gradient (ρ > 0) × Nesterov × Adam's σ; ρ = 0 is the plain gradient."""
    problem = get_surface("himmelblau").build()
    mk = dict(optimizer="custom", lr=1e-2, momentum_rule="nesterov", scaling_rule="adam")
    res = race(problem, [Racer(**mk, hparams={"rho": 0.2}), Racer(**mk)], [(0.5, -1.0)], 30)
    assert not np.allclose(res.theta[:, 0], res.theta[:, 1])
    # the SAM row alone: its gradient is the one at θ + ρ g/‖g‖
    th = torch.tensor([[0.5, -1.0]], dtype=torch.float64)
    g = problem.grad(th)
    g_sam = problem.grad(th + 0.2 * g / (g.norm() + 1e-12))
    alone = race(problem, [Racer(**mk, hparams={"rho": 0.2})], [(0.5, -1.0)], 1)
    np.testing.assert_allclose(alone.step_grad[0, 0], g_sam[0].numpy(), rtol=1e-12)
