"""Parity with torch.optim, in the style of torch's own `optim_db`.

Each PyTorch-convention optimizer and each schedule has an entry here; the
batched engine must reproduce a separate `torch.optim` instance per
trajectory (gradient set by hand) to float64 round-off.  An optimizer or a
schedule registered without an entry fails `test_every_*_has_an_entry`.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer, race
from optim_lab.optimizers import OPTIMIZERS
from optim_lab.schedules import SCHEDULES
from surfaces import get_surface
from tests.oracles import BOOK_OPTIMIZERS, OPTIM_DB, PAPER_DB, PLAIN_STEP, SCHED_DB, torch_optimizer

RTOL = 1e-9
STEPS = 200

# (surface, params, start, lr scale): well-conditioned enough that 200 steps do not amplify round-off
SURFACE_CASES = [
    ("rosenbrock", {}, (-1.2, 1.5), 1e-3),
    ("himmelblau", {}, (0.5, -1.0), 1e-2),
    ("quadratic", {"cond": 10.0, "angle": 30.0}, (1.5, -1.0), 2e-3),
]
PARITY_SCHEDULES = ["constant", "step", "cosine"]


def torch_reference(problem, opt_name, lr, start, steps, sched_name="constant"):
    # torch's Muon takes matrices: θ is the 1×2 matrix the race treats it as
    p = torch.tensor([start] if opt_name == "muon" else start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(opt_name, [p], lr)
    sp, factory = SCHED_DB[sched_name]
    sched = factory(opt, lr, sp)
    out = [p.detach().reshape(2).clone()]
    for _ in range(steps):
        p.grad = problem.grad(p.detach().reshape(1, 2)).reshape(p.shape).clone()
        opt.step()
        sched.step()
        out.append(p.detach().reshape(2).clone())
    return torch.stack(out).numpy()


ORACLES = {**{n: e[0] for n, e in OPTIM_DB.items()}, **{n: PAPER_DB[n][0] for n in PLAIN_STEP}}  # SAM, schedule-free: test_beyond_torch.py


def test_every_optimizer_has_an_entry():
    registered = set(OPTIMIZERS)
    covered = set(OPTIM_DB) | set(PAPER_DB) | BOOK_OPTIMIZERS
    assert registered == covered, f"parity entries missing for {registered - covered}, stale for {covered - registered}"
    for name in OPTIM_DB:
        assert OPTIMIZERS[name].torch_name == OPTIM_DB[name][1]
    for name in PAPER_DB:
        assert OPTIMIZERS[name].torch_name is None and OPTIMIZERS[name].paper


def test_every_schedule_has_an_entry():
    assert set(SCHEDULES) == set(SCHED_DB)


@pytest.mark.parametrize("sched_name", PARITY_SCHEDULES)
@pytest.mark.parametrize("case", SURFACE_CASES, ids=[c[0] for c in SURFACE_CASES])
def test_engine_matches_torch_optim(case, sched_name):
    surface, params, start, base_lr = case
    problem = get_surface(surface).build(**params)
    names = list(ORACLES)
    lrs = {n: base_lr * (100 if n == "adadelta" else 1) for n in names}
    racers = [Racer(n, lr=lrs[n], hparams=ORACLES[n], schedule=sched_name, sched_params=SCHED_DB[sched_name][0]) for n in names]
    res = race(problem, racers, [start], STEPS)
    assert (res.diverged_at < 0).all()
    for i, n in enumerate(names):
        ref = torch_reference(problem, n, lrs[n], start, STEPS, sched_name)
        np.testing.assert_allclose(res.theta[:, res.row(i)], ref, rtol=RTOL, atol=RTOL * np.abs(ref).max(), err_msg=n)


@pytest.mark.parametrize("sched_name", list(SCHED_DB))
def test_schedule_matches_torch_scheduler(sched_name):
    sp, factory = SCHED_DB[sched_name]
    lr = 0.1
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = factory(opt, lr, sp)
    ref = []
    for _ in range(250):
        ref.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    ours = SCHEDULES[sched_name].etas(lr, 250, sp)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)


def test_schedule_drives_every_optimizer_like_torch():
    """Every schedule with one optimizer on one surface, end to end."""
    problem = get_surface("quadratic").build(cond=5.0)
    for sched_name, (sp, _) in SCHED_DB.items():
        res = race(problem, [Racer("adam", lr=0.05, hparams=OPTIM_DB["adam"][0], schedule=sched_name, sched_params=sp)],
                   [(1.0, 1.0)], STEPS)
        ref = torch_reference(problem, "adam", 0.05, (1.0, 1.0), STEPS, sched_name)
        np.testing.assert_allclose(res.theta[:, 0], ref, rtol=RTOL, atol=1e-12, err_msg=sched_name)


def test_many_starts_and_hyperparameters_in_one_batch():
    """Rows with different starts and different hyper-parameters do not mix."""
    problem = get_surface("rosenbrock").build()
    starts = [(-1.2, 1.5), (0.3, -0.5), (1.5, 2.5)]
    racers = [Racer("adam", lr=lr, hparams={"beta1": b1}) for lr, b1 in [(1e-2, 0.9), (3e-3, 0.5), (2e-2, 0.95)]]
    res = race(problem, racers, starts, 150)
    for i, r in enumerate(racers):
        for j, s in enumerate(starts):
            p = torch.tensor(s, dtype=torch.float64, requires_grad=True)
            opt = torch.optim.Adam([p], lr=r.lr, betas=(r.hparams["beta1"], 0.999))
            for _ in range(150):
                p.grad = problem.grad(p.detach().unsqueeze(0))[0].clone()
                opt.step()
            np.testing.assert_allclose(res.theta[-1, res.row(i, j)], p.detach().numpy(), rtol=RTOL)
