"""LabOptimizer: the registry's rules as a torch.optim.Optimizer, checked against torch.optim
on a small network in float64 (every PyTorch-convention optimizer × every schedule)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer
from optim_lab.schedules import get_schedule
from optim_lab.torch_optim import LabOptimizer
from tests.oracles import OPTIM_DB, PAPER_DB, PLAIN_STEP, SCHED_DB, MuonAdamWReference, torch_optimizer, torch_scheduler

STEPS = 60
ORACLES = {**{n: e[0] for n, e in OPTIM_DB.items()}, **{n: PAPER_DB[n][0] for n in PLAIN_STEP}}  # SAM, schedule-free: test_beyond_torch.py


def _net(seed: int, bias: bool = True) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(5, 7, bias=bias), torch.nn.Tanh(), torch.nn.Linear(7, 3, bias=bias)).double()


def _data():
    gen = torch.Generator().manual_seed(1)
    return torch.randn(32, 5, generator=gen, dtype=torch.float64), torch.randint(0, 3, (32,), generator=gen)


def _train(model, opt, sched=None, steps=STEPS):
    x, y = _data()
    for k in range(steps):
        batch = slice((k * 8) % 32, (k * 8) % 32 + 8)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
        opt.step()
        if sched is not None:
            sched.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()


def _lr(name: str) -> float:
    return 0.5 if name == "adadelta" else 0.01


@pytest.mark.parametrize("sched", list(SCHED_DB))
@pytest.mark.parametrize("name", list(ORACLES))
def test_network_trained_by_lab_optimizer_equals_torch_optim(name, sched):
    lr, ours, (sp, _) = _lr(name), ORACLES[name], SCHED_DB[sched]
    bias = name != "muon"  # torch's Muon takes matrices only (with biases: the hybrid, below)
    model = _net(0, bias)
    got = _train(model, LabOptimizer(model.parameters(), Racer(name, lr=lr, hparams=ours, schedule=sched, sched_params=sp), STEPS))
    ref_model = _net(0, bias)
    opt = torch_optimizer(name, ref_model.parameters(), lr)
    want = _train(ref_model, opt, torch_scheduler(sched, opt, lr))
    # NAdam mixes g and m in one step where torch applies two addcdiv's: the rounding differs
    # from the first step and a network amplifies it to ~5e-9 relative after 60 steps.
    rtol = 1e-7 if name == "nadam" else 1e-9
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)


def test_group_lr_shows_the_scheduled_eta_and_the_budget_is_enforced():
    model = _net(0)
    opt = LabOptimizer(model.parameters(), Racer("sgd", lr=0.1, schedule="step", sched_params={"step_size": 2, "gamma": 0.5}), 3)
    seen = []
    for _ in range(3):
        for p in model.parameters():
            p.grad = torch.ones_like(p)
        opt.step()
        seen.append(opt.param_groups[0]["lr"])
    assert seen == [0.1, 0.1, 0.05]
    with pytest.raises(RuntimeError, match="all 3 steps"):
        opt.step()


def test_book_momentum_and_custom_rules_step_a_network():
    """The book's conventions and build-your-own rules train networks too (no torch oracle:
    book momentum equals torch's SGD momentum while η is constant)."""
    model, ref = _net(0), _net(0)
    got = _train(model, LabOptimizer(model.parameters(), Racer("momentum-book", lr=0.01, hparams={"lambda": 0.9}), STEPS))
    want = _train(ref, torch.optim.SGD(ref.parameters(), lr=0.01, momentum=0.9))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    custom = _net(0)
    out = _train(custom, LabOptimizer(custom.parameters(), Racer("custom", lr=0.01, momentum_rule="nesterov", scaling_rule="adagrad"), STEPS))
    assert np.isfinite(out).all() and not np.allclose(out, want)


@pytest.mark.parametrize("sched", ["constant", "cosine"])
def test_muon_steps_the_matrices_and_adamw_the_biases_as_torch_does(sched):
    """A network with biases: LabOptimizer(muon) gives the weight matrices to Muon and the biases to
    AdamW (lr 3e-4, weight decay 0.01), each on the racer's schedule, exactly as torch.optim.Muon +
    torch.optim.AdamW with their own lr_schedulers; its two param groups show their own η_k."""
    sp = SCHED_DB[sched][0]
    model, ref_model = _net(0), _net(0)
    opt = LabOptimizer(model.parameters(), Racer("muon", lr=0.02, hparams=ORACLES["muon"], schedule=sched, sched_params=sp), STEPS)
    assert [len(g["params"]) for g in opt.param_groups] == [2, 2] and [g["use_muon"] for g in opt.param_groups] == [True, False]
    assert [p.dim() for p in opt.param_groups[0]["params"]] == [2, 2]
    got = _train(model, opt)
    ref = MuonAdamWReference(ref_model.parameters(), 0.02, sched)
    want = _train(ref_model, ref)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    etas = [get_schedule(sched).etas(lr, STEPS, dict(sp))[-1] for lr in (0.02, 3e-4)]  # of the step just taken
    assert [g["lr"] for g in opt.param_groups] == etas


def test_muon_gives_a_group_marked_use_muon_false_to_adamw_whole():
    """The output layer's matrix goes to AdamW when its group says so (what the one training loop does)."""
    model = _net(0)
    first, head = model[0], model[2]
    opt = LabOptimizer([{"params": first.parameters()}, {"params": head.parameters(), "use_muon": False}], Racer("muon"), 3)
    assert [p.shape for p in opt.param_groups[0]["params"]] == [first.weight.shape]
    assert [p.shape for p in opt.param_groups[1]["params"]] == [first.bias.shape, head.weight.shape, head.bias.shape]
