"""The one training loop (`optim_lab.training.loop.fit`) and its hooks; the bounds of its callers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from optim_lab.engine import Racer
from optim_lab.training.loop import Every, Fit, Hook, Progress, Snapshots, StopAtLoss, fit
from optim_lab.training.losses import LOSSES, criterion
from tests.toys import tiny_data, tiny_net


def _ce(out, y):
    return criterion(out, y, "ce")


class _Log(Hook):
    def __init__(self):
        self.calls = []

    def start(self, f):
        self.calls.append(("start", f.k))

    def step(self, f):
        self.calls.append(("step", f.k))

    def epoch(self, f):
        self.calls.append(("epoch", f.k))

    def end(self, f):
        self.calls.append(("end", f.k))


def test_the_loop_is_hw3s_order_with_one_permutation_per_epoch():
    """The oracle: HW3's loop with torch.optim.SGD + momentum written out here, the same seeded
    permutation per epoch; batches are its consecutive slices (the last one shorter)."""
    x, y = tiny_data()
    a, b = tiny_net(), tiny_net()
    f = fit(a, x, y, _ce, Racer("momentum", lr=0.05, hparams={"momentum": 0.9}), 12, batch_size=16, seed=3, clip=1.0)
    opt = torch.optim.SGD(b.parameters(), lr=0.05, momentum=0.9)
    gen, losses, k = torch.Generator().manual_seed(3), [], 0
    while k < 12:
        perm = torch.randperm(40, generator=gen)
        for j in range(3):
            if k == 12:
                break
            idx = perm[j * 16 : (j + 1) * 16]
            loss = _ce(b(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(b.parameters(), max_norm=1.0)
            opt.step()
            losses.append(float(loss.detach()))
            k += 1
    assert f.k == 12 and f.epoch == 4 and len(f.orders) == 4
    np.testing.assert_allclose(f.loss, losses, rtol=1e-12)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)


def test_hooks_are_called_at_start_after_each_update_each_epoch_and_at_the_end():
    x, y = tiny_data(20)
    log = _Log()
    fit(tiny_net(), x, y, _ce, Racer("sgd", lr=0.1), 5, batch_size=8, hooks=[log])  # 3 updates per epoch
    assert log.calls == [("start", 0), ("step", 1), ("step", 2), ("step", 3), ("epoch", 3), ("step", 4), ("step", 5),
                         ("epoch", 5), ("end", 5)]


def test_every_snapshots_and_progress():
    x, y = tiny_data()
    seen, marks = [], []
    snaps = Snapshots(4)
    every = Every(3, lambda f: marks.append(f.k))
    f = fit(tiny_net(), x, y, _ce, Racer("sgd", lr=0.1), 10, batch_size=10, hooks=[snaps, every, Progress(5, lambda k, n: seen.append((k, n)))])
    assert marks == [0, 3, 6, 9, 10] and snaps.updates == [0, 4, 8, 10]
    assert seen == [(5, 10), (10, 10), (10, 10)]  # every 5 updates, and once at the end
    torch.testing.assert_close(snaps.weights[-1], torch.cat([p.detach().reshape(-1) for p in f.model.parameters()]))
    assert not torch.equal(snaps.weights[0], snaps.weights[-1])
    with pytest.raises(ValueError):
        Every(0, lambda f: None)


def test_should_stop_between_updates_and_stop_at_loss_after_an_epoch():
    x, y = tiny_data()
    calls = iter(range(1000))
    f = fit(tiny_net(), x, y, _ce, Racer("sgd", lr=0.1), 50, should_stop=lambda: next(calls) >= 7)
    assert f.stopped and f.k == 7 and not f.done
    target = StopAtLoss(lambda m: _ce(m(x), y), 0.3)
    f = fit(tiny_net(), x, y, _ce, Racer("adam", lr=0.05), 2000, batch_size=10, hooks=[target])
    assert f.done and target.reached and f.k < 2000 and f.k % 4 == 0
    assert target.values[0][0] == 0 and target.values[-1][1] <= 0.3 < target.values[-2][1]


def test_a_batch_hook_can_end_the_run_before_the_update():
    class Enough(Hook):
        def batch(self, f: Fit):
            f.done = f.k == 4

    x, y = tiny_data()
    f = fit(tiny_net(), x, y, _ce, Racer("sgd", lr=0.1), 10, hooks=[Enough()])
    assert f.done and f.k == 4


def test_divergence_is_the_update_that_made_the_bad_weights():
    x, y = tiny_data()
    f = fit(tiny_net(), x * 30, y, lambda o, t: criterion(o, t, "half-mse"), Racer("sgd", lr=50.0), 100)
    assert f.diverged_at is not None and 1 <= f.diverged_at <= f.k < 100 and f.diverged_epoch == f.epoch


def test_one_definition_per_loss_name():
    """mse: the book's Σᵢ (ŷᵢ − y′ᵢ)² on softmax outputs; half-mse: ½‖out − e_y‖² on raw outputs."""
    out = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]], dtype=torch.float64)
    y = torch.tensor([0, 2])
    onehot = torch.eye(3, dtype=torch.float64)[y]
    assert LOSSES == ("ce", "mse", "half-mse")
    assert float(criterion(out, y, "mse")) == pytest.approx(float(((out.softmax(1) - onehot) ** 2).sum(1).mean()))
    assert float(criterion(out, y, "half-mse")) == pytest.approx(float(0.5 * ((out - onehot) ** 2).sum(1).mean()))
    assert float(criterion(out, y, "ce")) == pytest.approx(float(nn.functional.cross_entropy(out, y)))
    target = torch.tensor([[1.0], [-1.0]], dtype=torch.float64)  # real-valued targets: the regression of the minimum ratio
    assert float(criterion(out[:, :1], target, "half-mse")) == pytest.approx(0.5 * ((2 - 1) ** 2 + 1.5**2) / 2)
    with pytest.raises(ValueError, match="loss"):
        criterion(out, y, "hinge")


def test_bounds_belong_to_their_caller():
    """checked() keeps a page's bound (the pages call it without an argument); the engine's own
    limits — the command line's — allow thousands of updates."""
    from optim_lab.training.models import ModelConfig
    from optim_lab.training.train import ENGINE_LIMITS, EPOCHS, MAX_UPDATES, PAGE_LIMITS, RunConfig

    assert MAX_UPDATES == PAGE_LIMITS.updates == 400 and EPOCHS.hi == PAGE_LIMITS.epochs == 15
    cfg = RunConfig(model=ModelConfig("mlp", 16, depth=1, bn=False), racer=Racer("sgd", lr=0.1), batch_size=None,
                    epochs=None, steps=2500, samples=100)
    with pytest.raises(ValueError, match=r"\[1, 400\]"):
        cfg.checked()
    assert cfg.checked(ENGINE_LIMITS).total_updates == 2500
    with pytest.raises(ValueError, match="updates"):
        RunConfig(batch_size=1, epochs=15).checked(ENGINE_LIMITS)  # 15 × 1347 updates


def test_sam_trains_through_the_one_loop_as_its_closure_loop_does():
    """SAM needs `step(closure)`: `fit` hands it one, and the result is SAM's own loop written out
    (gradient at θ, then at θ + ρg/‖g‖ on the same batch, θ restored, the step taken)."""
    from optim_lab.torch_optim import LabOptimizer

    x, y = tiny_data()
    racer = Racer("sam", lr=0.1, hparams={"rho": 0.2})
    a, b = tiny_net(), tiny_net()
    f = fit(a, x, y, _ce, racer, 12, batch_size=16, seed=3)
    assert f.diverged_at is None and f.k == 12
    opt = LabOptimizer(list(b.parameters()), racer, 12)
    gen = torch.Generator().manual_seed(3)
    k = 0
    while k < 12:
        perm = torch.randperm(len(y), generator=gen)
        for j in range(0, len(y), 16):
            if k == 12:
                break
            idx = perm[j : j + 16]

            def closure(idx=idx):
                opt.zero_grad()
                loss = _ce(b(x[idx]), y[idx])
                loss.backward()
                return loss

            closure()
            opt.step(closure)
            k += 1
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)
    plain = tiny_net()
    fit(plain, x, y, _ce, Racer("sgd", lr=0.1), 12, batch_size=16, seed=3)
    assert any(not torch.allclose(p, q) for p, q in zip(a.parameters(), plain.parameters(), strict=True))
