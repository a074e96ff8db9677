"""Any optimizer of the registry as a `torch.optim.Optimizer`, for real networks.

The network is stepped by the same `update.apply` as the 2-D race: the racer's
rules become coefficient tables for `total_steps` steps, and each `step()` feeds
every parameter tensor through the one update with step k's coefficients
(all Python floats, so torch's fused scalar kernels apply).  The schedule is part
of the racer: η_k is applied inside `step()`, there is no separate lr_scheduler,
and `param_groups[i]["lr"]` shows the η_k of the step just taken.

    opt = LabOptimizer(model.parameters(), Racer("adam", lr=3e-4, hparams={"weight_decay": 1e-5}), total_steps=T)
    loss.backward(); opt.step(); opt.zero_grad()

SAM takes its second gradient from `step(closure)` (the closure recomputes the loss and calls
backward, as for torch's LBFGS): the first is the one already in `.grad`, ρ·g/‖g‖ is formed
with ‖g‖ over all parameters, and θ is restored exactly before the step.  Schedule-free rules
keep y in the parameters while training, as the `schedulefree` package does: call `eval()`
before evaluating (the parameters become x; recompute BatchNorm statistics there) and
`train()` before stepping again.

Muon is made for the weight matrices of the hidden layers (torch.optim.Muon's documentation;
Jordan et al.): a Muon racer steps every parameter of two or more dimensions with Muon — a
convolution kernel (out, in, k, k) as the matrix (out, in·k·k), as Muon's authors do (torch's
class takes 2-D parameters only) — and every other one (biases, BatchNorm's γ and β) with
AdamW, `muon_partner(racer)`: torch's documented pairing, lr 3·10⁻⁴, weight decay 0.01,
betas (0.9, 0.999) and ε 10⁻⁸ AdamW's defaults, on the Muon racer's schedule.  A param group
with `use_muon=False` goes to AdamW whole (the authors leave the output layer to AdamW; see
`optim_lab.training.loop.param_groups`).  The optimizer then holds two param groups, Muon's
then AdamW's (an empty one is left out), each with its own scheduled η in `lr`.
"""

from __future__ import annotations

import torch

from .engine import Racer, _row_coeffs
from .update import State, Tables, apply

MAX_UPDATES = 200_000
# what takes Muon's leftovers: torch.optim.Muon's documented example pairs it with
# AdamW(lr=3e-4, weight_decay=0.01), betas and eps AdamW's defaults
MUON_PARTNER_LR = 3e-4
MUON_PARTNER_HPARAMS = {"weight_decay": 0.01}


def is_muon(racer: Racer) -> bool:
    return racer.spec().scaling == "orthogonal"


def muon_partner(racer: Racer) -> Racer:
    """The AdamW that steps what a Muon racer does not (biases, norms, the output layer):
    torch's documented pairing, on the Muon racer's own schedule."""
    return Racer("adamw", lr=MUON_PARTNER_LR, hparams=dict(MUON_PARTNER_HPARAMS), schedule=racer.schedule,
                 sched_params=dict(racer.sched_params))


def takes_muon(p: torch.Tensor, group: dict | None = None) -> bool:
    """Muon steps a parameter of ≥ 2 dimensions (a kernel as its (out, in·k·k) matrix) unless its
    group says `use_muon=False`; everything else goes to AdamW."""
    return p.dim() >= 2 and bool((group or {}).get("use_muon", True))


def muon_split(params) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(the parameters Muon steps, those AdamW steps) of parameters or param groups."""
    groups = list(params)
    if groups and not isinstance(groups[0], dict):
        groups = [{"params": groups}]
    muon, rest = [], []
    for g in groups:
        ps = [g["params"]] if isinstance(g["params"], torch.Tensor) else list(g["params"])
        for p in ps:
            (muon if takes_muon(p, g) else rest).append(p)
    return muon, rest


def _as_matrix(t: torch.Tensor) -> torch.Tensor:
    """A kernel (out, in, k, k) as the matrix (out, in·k·k) that Muon orthogonalises (a view)."""
    return t if t.dim() == 2 else t.view(t.shape[0], -1)


class LabOptimizer(torch.optim.Optimizer):
    """θ_k = θ_{k−1}·decay_k − (η_k/σ_k) ⊙ d_k for every parameter, with the racer's rules."""

    def __init__(self, params, racer: Racer, total_steps: int):
        total = int(total_steps)
        if not 1 <= total <= MAX_UPDATES:
            raise ValueError(f"total_steps: {total} is outside the allowed range [1, {MAX_UPDATES}]")
        self.racer = racer
        self.tables = Tables([_row_coeffs(racer, total)])
        self.k = 0  # steps taken
        self.training = True  # schedule-free: the parameters hold y (False: x, after eval())
        self.partner = None  # Muon: the AdamW racer of the other parameters, and its tables
        if is_muon(racer):
            self.partner = muon_partner(racer)
            self.partner_tables = Tables([_row_coeffs(self.partner, total)])
            muon, rest = muon_split(params)
            params = [g for g in ({"params": muon, "use_muon": True},
                                  {"params": rest, "use_muon": False, "lr": float(self.partner_tables.lr[0, 0])})
                      if g["params"]]
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
        if not self.training:
            raise RuntimeError("LabOptimizer: call train() before step() (the parameters hold x since eval())")
        coeffs = self.tables.at(self.k)
        if self.tables.sam:
            self._sam_gradient(closure, coeffs)
        for group in self.param_groups:
            tables, c, muon = self.tables, coeffs, self.partner is not None and group["use_muon"]
            if self.partner is not None and not muon:
                tables = self.partner_tables
                c = tables.at(self.k)
            for p in group["params"]:
                if p.grad is None:
                    continue
                theta, g = (_as_matrix(p), p.grad.reshape(p.shape[0], -1)) if muon and p.dim() > 2 else (p, p.grad)
                state = self.state[p]
                if not state:
                    state["moments"] = State.zeros_like(theta)
                apply(theta, g, state["moments"], c, tables, out=theta)
            group["lr"] = float(tables.lr[self.k, 0])
        self.k += 1
        return loss

    def _params(self):
        return [p for group in self.param_groups for p in group["params"] if p.grad is not None]

    def _sam_gradient(self, closure, coeffs) -> None:
        """.grad ← ∇L(θ + ρ·g/‖g‖), ‖g‖ over all parameters (Foret et al. 2021); θ restored exactly."""
        if closure is None:
            raise RuntimeError("LabOptimizer: SAM needs step(closure): the closure recomputes the loss and calls backward()")
        params = self._params()
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params]))
        scale = coeffs.x["sam_rho"] / (norm + 1e-12)
        saved = [p.detach().clone() for p in params]
        for p in params:
            p.add_(p.grad * scale)
            p.grad = None
        with torch.enable_grad():
            closure()
        for p, old in zip(params, saved, strict=True):
            p.copy_(old)

    @torch.no_grad()
    def eval(self) -> None:
        """Schedule-free: the parameters become x, the point to evaluate (no-op for other rules)."""
        if self.training and self.tables.anchored:
            for p in self._all_params():
                st = self.state[p].get("moments")
                if st is not None and "z" in st.more:
                    st.more["y"] = p.detach().clone()
                    p.lerp_(st.more["z"], self.tables.extras["sf_x"].values[0])
        self.training = False

    @torch.no_grad()
    def train(self) -> None:
        """Back to y after `eval()`, exactly as it was."""
        if not self.training and self.tables.anchored:
            for p in self._all_params():
                st = self.state[p].get("moments")
                if st is not None and "y" in st.more:
                    p.copy_(st.more.pop("y"))
        self.training = True

    def _all_params(self):
        return [p for group in self.param_groups for p in group["params"]]
