"""Any optimizer of the registry as a `torch.optim.Optimizer`, for real networks.

The network is stepped by the same `update.apply` as the 2-D race: the racer's
rules become coefficient tables for `total_steps` steps, and each `step()` feeds
every parameter tensor through the one update with step k's coefficients
(all Python floats, so torch's fused scalar kernels apply).  The schedule is part
of the racer: η_k is applied inside `step()`, there is no separate lr_scheduler,
and `param_groups[i]["lr"]` shows the η_k of the step just taken.

    opt = LabOptimizer(model.parameters(), Racer("adam", lr=3e-4, hparams={"weight_decay": 1e-5}), total_steps=T)
    loss.backward(); opt.step(); opt.zero_grad()
"""

from __future__ import annotations

import torch

from .engine import Racer, _row_coeffs
from .update import State, Tables, apply

MAX_UPDATES = 200_000


class LabOptimizer(torch.optim.Optimizer):
    """θ_k = θ_{k−1}·decay_k − (η_k/σ_k) ⊙ d_k for every parameter, with the racer's rules."""

    def __init__(self, params, racer: Racer, total_steps: int):
        total = int(total_steps)
        if not 1 <= total <= MAX_UPDATES:
            raise ValueError(f"total_steps: {total} is outside the allowed range [1, {MAX_UPDATES}]")
        self.racer = racer
        self.tables = Tables([_row_coeffs(racer, total)])
        self.k = 0  # steps taken
        super().__init__(params, {"lr": float(self.tables.lr[0, 0])})

    @property
    def total_steps(self) -> int:
        return self.tables.T

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if self.k >= self.tables.T:
            raise RuntimeError(f"LabOptimizer: all {self.tables.T} steps it was built for have been taken")
        coeffs = self.tables.at(self.k)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["moments"] = State.zeros_like(p)
                apply(p, p.grad, state["moments"], coeffs, self.tables, out=p)
            group["lr"] = float(self.tables.lr[self.k, 0])
        self.k += 1
        return loss
