"""The inside views' trace of a run (the one loop with their hooks) and sharpness along training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer
from optim_lab.inside import hessian as hs
from optim_lab.inside import sharpness as sp
from optim_lab.inside.trace import TraceConfig as LoopConfig
from optim_lab.inside.trace import traced as train
from tests.toys import tiny_data, tiny_net


def test_full_batch_gd_is_torch_sgd():
    """The oracle: the same run with torch.optim.SGD written out in the test (the loop permutes
    the full batch once per epoch, from a generator seeded with the run's seed)."""
    x, y = tiny_data()
    a, b = tiny_net(), tiny_net()
    train(a, x, y, "half-mse", LoopConfig(Racer("sgd", lr=0.3), 25, every=0))
    opt = torch.optim.SGD(b.parameters(), lr=0.3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(25):
        perm = torch.randperm(len(y), generator=gen)
        opt.zero_grad()
        hs.loss_value(b(x[perm]), y[perm], "half-mse").backward()
        opt.step()
    torch.testing.assert_close(hs.flat_params(a), hs.flat_params(b), rtol=1e-12, atol=1e-14)


def test_mini_batches_are_seeded_and_epochs_reshuffle():
    x, y = tiny_data()
    cfg = LoopConfig(Racer("momentum", lr=0.05, hparams={"momentum": 0.9}), 30, batch_size=8, every=0, seed=3)
    a, b, c = tiny_net(), tiny_net(), tiny_net()
    ta = train(a, x, y, "ce", cfg)
    train(b, x, y, "ce", cfg)
    train(c, x, y, "ce", LoopConfig(cfg.racer, 30, batch_size=8, every=0, seed=4))
    assert torch.equal(hs.flat_params(a), hs.flat_params(b))
    assert not torch.equal(hs.flat_params(a), hs.flat_params(c))
    assert ta.updates == 30
    assert [u for u, _ in ta.full_loss] == [0, 5, 10, 15, 20, 25, 30]  # one full-loss measurement per epoch


def test_sharpness_every_k_updates_matches_the_full_hessian_at_the_end():
    x, y = tiny_data()
    model = tiny_net()
    tr = train(model, x, y, "half-mse", LoopConfig(Racer("sgd", lr=0.2), 40, every=10, tol=1e-8, max_iter=2000))
    assert [p["update"] for p in tr.sharpness] == [0, 10, 20, 30, 40]
    top = float(hs.eigenvalues(hs.loss_fn(model, x, y, "half-mse"), hs.flat_params(model))[-1])
    assert tr.sharpness[-1]["lambda_max"] == pytest.approx(top, rel=1e-5)
    a = tr.as_arrays()
    assert a["lambda_max"].shape == (5,) and np.isnan(a["preconditioned"]).all()
    assert a["loss"].shape == (40,)


def test_progress_and_should_stop():
    x, y = tiny_data()
    seen = []
    calls = iter(range(1000))
    tr = train(tiny_net(), x, y, "half-mse", LoopConfig(Racer("sgd", lr=0.1), 50, every=10),
               progress=lambda k, total: seen.append((k, total)), should_stop=lambda: next(calls) >= 25)
    assert tr.stopped and tr.updates == 25
    assert seen[:2] == [(10, 50), (20, 50)] and seen[-1] == (50, 50)


def test_divergence_is_reported_with_its_update():
    x, y = tiny_data()
    tr = train(tiny_net(), x * 30, y, "half-mse", LoopConfig(Racer("sgd", lr=50.0), 100, every=0))
    assert tr.diverged_at is not None and tr.updates < 100


def test_stop_loss_ends_the_run_once_reached():
    x, y = tiny_data()
    tr = train(tiny_net(), x, y, "ce", LoopConfig(Racer("adam", lr=0.05), 2000, batch_size=10, every=0, stop_loss=0.3))
    assert tr.reached and tr.final_loss <= 0.3 and tr.updates < 2000 and tr.updates % 4 == 0


def test_adam_preconditioner_is_torch_adams_and_its_sharpness_the_top_eigenvalue_of_p_inv_h():
    x, y = tiny_data()
    a, b = tiny_net(), tiny_net()
    from optim_lab.torch_optim import LabOptimizer

    opt = LabOptimizer(a.parameters(), Racer("adam", lr=0.01), 12)
    ref = torch.optim.Adam(b.parameters(), lr=0.01)
    for _ in range(12):
        for m, o in ((a, opt), (b, ref)):
            o.zero_grad()
            hs.loss_value(m(x), y, "ce").backward()
            o.step()
    P = sp.adam_preconditioner(a, opt)
    k = 12
    want = torch.cat([(1 - 0.9**k) * ((ref.state[p]["exp_avg_sq"] / (1 - 0.999**k)).sqrt() + 1e-8).reshape(-1)
                      for p in b.parameters()])
    torch.testing.assert_close(P, want, rtol=1e-10, atol=0)
    meter = sp.SharpnessMeter(x, y, "ce", tol=1e-8, max_iter=3000)
    point = meter.measure(a, 12, opt)
    H = hs.full_hessian(hs.loss_fn(a, x, y, "ce"), hs.flat_params(a))
    s = P.rsqrt()
    assert point["preconditioned"] == pytest.approx(float(torch.linalg.eigvalsh(s[:, None] * H * s[None, :])[-1]), rel=1e-4)
    assert point["threshold"] == pytest.approx(38 / 0.01)
    assert sp.adam_preconditioner(a, LabOptimizer(a.parameters(), Racer("sgd", lr=0.1), 3)) is None


def test_a_run_with_adam_records_the_preconditioned_sharpness():
    x, y = tiny_data()
    tr = train(tiny_net(), x, y, "ce", LoopConfig(Racer("adam", lr=0.01), 20, every=10))
    a = tr.as_arrays()
    assert np.isnan(a["preconditioned"][0])  # no second moment before the first step
    assert np.isfinite(a["preconditioned"][1:]).all() and (a["threshold"][1:] == pytest.approx(3800.0))


@pytest.mark.parametrize("batch, augment, bn", [(32, False, False), (32, True, True), (None, False, True)])
def test_a_training_lab_run_replayed_here_is_the_same_run(batch, augment, bn):
    """runs.run trains the training lab's RunConfig with the same init, batches, augmentation,
    clipping and optimizer as train_run: the same weights, bit for bit (so λ_max measured along
    it belongs to that run)."""
    from optim_lab.inside import runs
    from optim_lab.training.models import ModelConfig
    from optim_lab.training.train import RunConfig, train_run

    cfg = RunConfig(model=ModelConfig("mlp", 16, depth=1, bn=bn), racer=Racer("adam", lr=1e-2), batch_size=batch, epochs=2,
                    samples=100, augment=augment, clip=1.0).checked()
    rec = train_run(cfg)
    r = runs.run(cfg, sharpness_every=3)
    mine = r.model.state_dict()
    for k, v in rec.state_dict.items():
        assert torch.equal(torch.as_tensor(v), mine[k]), k
    assert r.trace.loss == pytest.approx(rec.batch_loss, rel=0, abs=0)
    total = cfg.total_updates
    assert [p["update"] for p in r.trace.sharpness] == sorted(set(range(0, total + 1, 3)) | {total})
