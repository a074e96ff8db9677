"""LabOptimizer trains the CNN exactly as torch.optim + lr_scheduler do (float64 round-off).

Same initial weights, same batches, 200 updates of a tiny CNN on a small subset: every
PyTorch-convention optimizer of the registry with the constant schedule and with one
other schedule, so that every schedule of the registry is covered too.  The oracles come
from the shared table in tests/oracles.py; a registered optimizer or schedule without an
entry there fails here.

The CNN here has no BN: a convolution's bias right before BN has a gradient that is pure
round-off (BN subtracts the batch mean), and σ ≈ ε-small rules (AdaGrad, book rules)
blow that noise up into different, irrelevant bias values.  The BN case below compares
what the network computes (every batch loss, validation numbers) instead."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import optim_lab.training.train as train_mod
from optim_lab.engine import Racer
from optim_lab.optimizers import OPTIMIZERS
from optim_lab.schedules import SCHEDULES
from optim_lab.training.models import ModelConfig
from optim_lab.training.train import RunConfig, train_run
from tests.oracles import BOOK_OPTIMIZERS, OPTIM_DB, SCHED_DB, MuonAdamWReference, torch_optimizer, torch_scheduler

STEPS = 200
# Muon steps the CNN as a hybrid (Muon for matrices and kernels, AdamW for the rest): its own test below
PYTORCH = [o.name for o in OPTIMIZERS.values() if o.convention == "pytorch" and o.scaling != "orthogonal"]
OTHER_SCHEDULES = [s for s in SCHEDULES if s != "constant"]
CASES = [(name, "constant") for name in PYTORCH] + [
    (name, sched) for name, sched in zip(PYTORCH, itertools.cycle(OTHER_SCHEDULES), strict=False)
]


def test_every_registered_optimizer_and_schedule_has_an_oracle():
    assert set(PYTORCH) <= set(OPTIM_DB), sorted(set(PYTORCH) - set(OPTIM_DB))
    assert {o.name for o in OPTIMIZERS.values() if o.convention == "book"} <= BOOK_OPTIMIZERS
    assert set(SCHEDULES) <= set(SCHED_DB), sorted(set(SCHEDULES) - set(SCHED_DB))
    covered = {s for _, s in CASES}
    assert covered == set(SCHEDULES)


class _TorchPair:
    """torch.optim's optimizer + its lr_scheduler behind the optimizer interface train_run uses."""

    def __init__(self, params, name: str, sched: str, lr: float):
        self.opt = torch_optimizer(name, params, lr)
        self.sched = torch_scheduler(sched, self.opt, lr)

    def zero_grad(self):
        self.opt.zero_grad()

    def step(self):
        self.opt.step()
        self.sched.step()


def _cfg(name: str, sched: str, bn: bool = False) -> RunConfig:
    lr = OPTIMIZERS[name].lr
    racer = Racer(name, lr=lr, hparams=OPTIM_DB[name][0], schedule=sched, sched_params=SCHED_DB[sched][0])
    return RunConfig(model=ModelConfig(width=4, blocks=1, bn=bn), racer=racer, batch_size=20, steps=STEPS, epochs=None,
                     samples=200, dtype="float64", seed=3)


@pytest.mark.parametrize("name, sched", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_lab_optimizer_matches_torch_optim_on_the_cnn(name, sched, monkeypatch):
    torch.set_num_threads(1)
    cfg = _cfg(name, sched)
    ours = train_run(cfg)
    monkeypatch.setattr(train_mod, "make_optimizer",
                        lambda params, racer, total: _TorchPair(params, name, sched, racer.resolved_lr()))
    theirs = train_run(cfg)
    assert ours.updates == theirs.updates == STEPS
    assert ours.diverged_at is None and theirs.diverged_at is None
    np.testing.assert_allclose(ours.batch_loss, theirs.batch_loss, rtol=1e-9, atol=1e-12)
    # weights of units that are dead for long stretches (g ≈ 0, σ ≈ ε) amplify round-off:
    # atol is 1e-7, i.e. under a ten-thousandth of one step of η ≥ 1e-3
    for key, value in theirs.state_dict.items():
        np.testing.assert_allclose(ours.state_dict[key], value, rtol=1e-8, atol=1e-7, err_msg=key)
    np.testing.assert_array_equal(ours.batch_order, theirs.batch_order)


@pytest.mark.parametrize("name", ["sgd", "adam", "adagrad"])
def test_with_bn_the_network_computes_the_same(name, monkeypatch):
    torch.set_num_threads(1)
    cfg = _cfg(name, "constant", bn=True)
    ours = train_run(cfg)
    monkeypatch.setattr(train_mod, "make_optimizer",
                        lambda params, racer, total: _TorchPair(params, name, "constant", racer.resolved_lr()))
    theirs = train_run(cfg)
    np.testing.assert_allclose(ours.batch_loss, theirs.batch_loss, rtol=1e-9, atol=1e-12)
    a = [[e.train_loss, e.val_loss, e.val_acc] for e in ours.epochs]
    b = [[e.train_loss, e.val_loss, e.val_acc] for e in theirs.epochs]
    np.testing.assert_allclose(a, b, rtol=1e-8)


@pytest.mark.parametrize("sched", ["constant", "warmup-cosine"])
@pytest.mark.parametrize("blocks", [1, 2])
def test_muon_steps_the_cnn_as_torch_optim_muon_plus_adamw_do(sched, blocks, monkeypatch):
    """A Muon run is the hybrid torch's documentation recommends: torch.optim.Muon for the kernels
    (as (out, in·k·k) matrices) and the hidden Linear, torch.optim.AdamW for the biases and the
    output layer, each on its own lr_scheduler.  Muon's Newton–Schulz runs in bfloat16 in both
    and lands on the same values: float64 round-off, as for every other optimizer here."""
    torch.set_num_threads(1)
    racer = Racer("muon", lr=0.02, hparams=OPTIM_DB["muon"][0], schedule=sched, sched_params=SCHED_DB[sched][0])
    cfg = RunConfig(model=ModelConfig(width=4, blocks=blocks, bn=False), racer=racer, batch_size=20, steps=STEPS, epochs=None,
                    samples=200, dtype="float64", seed=3)
    ours = train_run(cfg)
    seen = []

    def reference(params, racer, total):
        seen.append(params)
        return MuonAdamWReference(params, racer.resolved_lr(), sched)

    monkeypatch.setattr(train_mod, "make_optimizer", reference)
    theirs = train_run(cfg)
    # the output layer came as its own group, marked for AdamW
    assert [g.get("use_muon", True) for g in seen[0]] == [True, False]
    assert ours.updates == theirs.updates == STEPS and ours.diverged_at is None
    assert ours.batch_loss[-1] < 0.5 * ours.batch_loss[0]  # it learns
    np.testing.assert_allclose(ours.batch_loss, theirs.batch_loss, rtol=1e-9, atol=1e-12)
    for key, value in theirs.state_dict.items():
        np.testing.assert_allclose(ours.state_dict[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
