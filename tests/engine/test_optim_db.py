"""torch's own optimizer test table, replayed against the one update.

`torch.testing._internal.common_optimizers.optim_db` is torch's specification of its
optimizers: every class with the keyword configurations its tests run
(`optim_inputs_func(device="cpu")`).  Each configuration of each class but the two
in SKIPPED becomes a racer of our registry (`tests.oracles.from_torch`: tuples split,
names kept) and must match torch on a small float64 network (`LabOptimizer`) and on a
2-D surface (the batched race), to float64 round-off: TOL relative to the largest
parameter — Muon included: its Newton–Schulz runs in bfloat16 as torch's does (on the
network with torch's own ops; on the race as float32 ops rounded to bfloat16 where
torch's kernels round), and lands on the same bfloat16 values.

Run as a script to print the parity table: `python -m tests.engine.test_optim_db`.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer, race
from optim_lab.torch_optim import LabOptimizer
from surfaces import get_surface
from tests.oracles import from_torch

common_optimizers = pytest.importorskip("torch.testing._internal.common_optimizers")  # needs expecttest

TOL = 1e-9
# configurations where torch itself computes in float32: (class, description) → (tolerance, why)
FLOAT32 = {
    ("Muon", "Tensor lr"): (1e-6, "torch forms Muon's decay 1 − η·λ from the float32 lr tensor, in float32"),
}
STEPS = 25

# class → why its configurations are not replayed.  Everything else of optim_db is: the table
# holds no implementation switches (foreach/fused/capturable/differentiable are switches of
# how torch runs the same rule; LabOptimizer has one implementation and takes none of them)
# and no complex parameters (the lab's parameters are real); a 1-element tensor lr is taken
# by its value (tests.oracles.from_torch).
SKIPPED = {
    "SparseAdam": "sparse gradients only (embedding tables); the lab's gradients are dense",
    "LBFGS": "a quasi-Newton method with a line search inside step(closure), not a per-step rule of m and σ",
}


def _configs() -> list[tuple[str, str, dict]]:
    out = []
    for info in common_optimizers.optim_db:
        cls = info.optim_cls.__name__
        if cls in SKIPPED:
            continue
        for oi in info.optim_inputs_func(device="cpu"):
            out.append((cls, oi.desc, dict(oi.kwargs)))
    return out


CONFIGS = _configs()
IDS = [f"{cls}-{desc}" for cls, desc, _ in CONFIGS]


def _net(cls: str) -> torch.nn.Module:
    torch.manual_seed(0)
    bias = cls != "Muon"  # torch's Muon takes matrices only
    return torch.nn.Sequential(torch.nn.Linear(5, 6, bias=bias), torch.nn.Tanh(), torch.nn.Linear(6, 3, bias=bias)).double()


def _train(model, opt, steps=STEPS) -> np.ndarray:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(32, 5, generator=gen, dtype=torch.float64), torch.randint(0, 3, (32,), generator=gen)
    for k in range(steps):
        batch = slice((k * 8) % 32, (k * 8) % 32 + 8)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
        opt.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()


def _racer(cls: str, kwargs: dict) -> Racer:
    name, lr, hp = from_torch(cls, kwargs)
    return Racer(name, lr=lr, hparams=hp)


def network_error(cls: str, kwargs: dict) -> float:
    ref_model, model = _net(cls), _net(cls)
    want = _train(ref_model, getattr(torch.optim, cls)(ref_model.parameters(), **kwargs))
    got = _train(model, LabOptimizer(model.parameters(), _racer(cls, kwargs), STEPS))
    return float(np.abs(got - want).max() / np.abs(want).max())


SURFACE = ("quadratic", {"cond": 10.0, "angle": 30.0}, (1.5, -1.0))


def race_errors(cls: str, configs: list[dict]) -> list[float]:
    """Every configuration of one class as one racer of ONE batched race, each against its own torch instance."""
    name, params, start = SURFACE
    problem = get_surface(name).build(**params)
    res = race(problem, [_racer(cls, kw) for kw in configs], [start], STEPS, detail=False)
    errors = []
    for i, kw in enumerate(configs):
        p = torch.tensor([start] if cls == "Muon" else start, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, cls)([p], **kw)
        ref = [p.detach().reshape(2).clone()]
        for _ in range(STEPS):
            p.grad = problem.grad(p.detach().reshape(1, 2)).reshape(p.shape).clone()
            opt.step()
            ref.append(p.detach().reshape(2).clone())
        ref_np = torch.stack(ref).numpy()
        errors.append(float(np.abs(res.theta[:, res.row(i)] - ref_np).max() / np.abs(ref_np).max()))
    return errors


def _tol(cls: str, desc: str) -> float:
    return FLOAT32[cls, desc][0] if (cls, desc) in FLOAT32 else TOL


def test_the_table_is_torch_s_whole_table():
    """82 configurations of 13 classes (torch 2.13): a class torch adds must be mapped or skipped with a reason."""
    classes = {info.optim_cls.__name__ for info in common_optimizers.optim_db}
    replayed = {cls for cls, _, _ in CONFIGS}
    assert classes == replayed | set(SKIPPED)
    assert len(CONFIGS) >= 82


@pytest.mark.parametrize(("cls", "desc", "kwargs"), CONFIGS, ids=IDS)
def test_network_matches_torch(cls, desc, kwargs):
    assert network_error(cls, kwargs) <= _tol(cls, desc)


@pytest.mark.parametrize("cls", sorted({c for c, _, _ in CONFIGS}))
def test_race_matches_torch(cls):
    configs = [(desc, kw) for c, desc, kw in CONFIGS if c == cls]
    errors = race_errors(cls, [kw for _, kw in configs])
    bad = {desc: e for (desc, _), e in zip(configs, errors, strict=True) if not e <= _tol(cls, desc)}
    assert not bad, bad


def parity_table() -> str:
    """class × configuration → max relative error on the network and on the race."""
    lines = [f"{'class':<10} {'configuration':<46} {'network':>9} {'race':>9}"]
    for cls in sorted({c for c, _, _ in CONFIGS}):
        configs = [(desc, kw) for c, desc, kw in CONFIGS if c == cls]
        race_err = race_errors(cls, [kw for _, kw in configs])
        for (desc, kw), r in zip(configs, race_err, strict=True):
            lines.append(f"{cls:<10} {desc:<46} {network_error(cls, kw):9.1e} {r:9.1e}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(parity_table())
