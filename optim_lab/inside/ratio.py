"""The minimum ratio of real networks (the book's Fig. 3.6, after ML2021 HW2-2).

Many small seeded networks fit the same 1-D regression, y = sin(5πx)/(5πx) (HW2-2's
target), each for its own number of updates.  Each is then driven to a critical point by
minimizing ‖∇L‖² (the course's way: a point where the gradient is ≈ 0, whatever kind it
is), and there the FULL Hessian ∇²L is formed and all of its eigenvalues computed:

    minimum ratio = #{λᵢ > τ} / #{λᵢ}

The full Hessian, not the Gauss–Newton matrix HW2-2 uses: Gauss–Newton is positive
semi-definite by construction, so it can never show a saddle.  Eigenvalues with |λ| ≤ τ
(τ relative to the largest |λ|) are counted apart as "zero" — the book's test says
nothing about them — and are not counted as positive (the tolerance rule of
`optim_lab.analysis.classify`, the one Hessian test of the project).  A local minimum would have ratio
1; every network here stops at a saddle-like point with ratio well below 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..analysis import ZERO_TOL, eigen_counts
from ..engine import Racer
from ..training.loop import Hook, fit
from ..training.losses import criterion
from ..training.train import ENGINE_LIMITS
from .hessian import eigenvalues, flat_params, load_flat, loss_fn

ACTIVATIONS = ("relu", "tanh")


def target(x: torch.Tensor) -> torch.Tensor:
    """sin(5πx)/(5πx), HW2-2's function (x ≠ 0)."""
    z = 5 * math.pi * x
    return torch.sin(z) / z


def regression_data(n: int = 64, dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """n inputs evenly spread over [0.02, 1] and their targets, as (n, 1) columns."""
    x = torch.linspace(0.02, 1.0, n, dtype=dtype).unsqueeze(1)
    return x, target(x)


def tiny_net(width: int, activation: str, seed: int, dtype=torch.float64) -> nn.Module:
    """Linear(1, width) → activation → Linear(width, 1): HW2-2's shape (it uses 128 ReLUs)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: unknown {activation!r} (choose from: {', '.join(ACTIVATIONS)})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        net = nn.Sequential(nn.Linear(1, width), nn.Tanh() if activation == "tanh" else nn.ReLU(), nn.Linear(width, 1))
    return net.to(dtype)


@dataclass(frozen=True)
class RatioConfig:
    networks: int = 24
    width: int = 16
    activation: str = "tanh"
    samples: int = 64
    train_steps: tuple[int, int] = (200, 3000)  # each network trains for its own count in this range (log-spaced)
    lr: float = 1e-2  # Adam, for training
    gnorm_steps: int = 1000  # then Adam on ‖∇L‖² …
    gnorm_lr: float = 1e-3
    gnorm_tol: float = 1e-3  # … until ‖∇L‖ < this (HW2-2's criterion)
    zero_tol: float = ZERO_TOL
    seed: int = 0

    def checked(self) -> RatioConfig:
        if not 1 <= self.networks <= 200:
            raise ValueError(f"networks: {self.networks} is outside the allowed range [1, 200]")
        if not 2 <= self.width <= 64:
            raise ValueError(f"width: {self.width} is outside the allowed range [2, 64]")
        if not 4 <= self.samples <= 512:
            raise ValueError(f"samples: {self.samples} is outside the allowed range [4, 512]")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation: unknown {self.activation!r} (choose from: {', '.join(ACTIVATIONS)})")
        lo, hi = self.train_steps
        top = ENGINE_LIMITS.updates
        if not 1 <= lo <= hi <= top:
            raise ValueError(f"train steps: expected 1 ≤ low ≤ high ≤ {top}, got {lo}, {hi}")
        if not 0 <= self.gnorm_steps <= top:
            raise ValueError(f"gradient-norm steps: {self.gnorm_steps} is outside the allowed range [0, {top}]")
        return self

    @property
    def n_params(self) -> int:
        return 3 * self.width + 1


@dataclass(frozen=True)
class Dot:
    """One network at its critical point."""

    seed: int
    train_steps: int
    loss: float
    grad_norm: float  # ‖∇L‖ at the point (after minimizing ‖∇L‖²)
    grad_norm_trained: float  # ‖∇L‖ where training ended, before that
    eigvals: np.ndarray  # all of them, ascending
    n_pos: int
    n_neg: int
    n_zero: int
    converged: bool  # ‖∇L‖ < gnorm_tol

    @property
    def ratio(self) -> float:
        return self.n_pos / len(self.eigvals)

    def as_json(self) -> dict:
        return {"seed": self.seed, "train_steps": self.train_steps, "loss": self.loss, "grad_norm": self.grad_norm,
                "grad_norm_trained": self.grad_norm_trained,
                "minimum_ratio": self.ratio, "positive": self.n_pos, "negative": self.n_neg, "zero": self.n_zero,
                "eigenvalues": len(self.eigvals), "converged": self.converged,
                "lambda_min": float(self.eigvals[0]), "lambda_max": float(self.eigvals[-1])}


def gnorm_racer(cfg: RatioConfig) -> Racer:
    """Adam on ‖∇L‖² (HW2-2's choice of optimizer for this phase)."""
    return Racer("adam", lr=cfg.gnorm_lr)


def _steps_for(cfg: RatioConfig) -> list[int]:
    lo, hi = cfg.train_steps
    if cfg.networks == 1:
        return [hi]
    return [int(round(v)) for v in np.geomspace(lo, hi, cfg.networks)]


class Ensemble(nn.Module):
    """K independent copies of `tiny_net`, stacked: row i holds network i's parameters.

    The loss of the ensemble is the SUM of the K networks' losses, so the gradient of row i
    is network i's own gradient; Adam (like every rule of the registry) acts coordinate by
    coordinate, so stepping the ensemble with one LabOptimizer is stepping each network
    alone, K at once (a test checks this against one network trained by itself)."""

    def __init__(self, nets: list[nn.Module]):
        super().__init__()
        self.act = nets[0][1]
        self.w1 = nn.Parameter(torch.stack([n[0].weight.detach()[:, 0] for n in nets]))  # (K, h)
        self.b1 = nn.Parameter(torch.stack([n[0].bias.detach() for n in nets]))  # (K, h)
        self.w2 = nn.Parameter(torch.stack([n[2].weight.detach()[0] for n in nets]))  # (K, h)
        self.b2 = nn.Parameter(torch.stack([n[2].bias.detach() for n in nets]))  # (K, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (n, 1) → outputs (K, n)."""
        h = self.act(x[None, :, 0:1] * self.w1[:, None, :] + self.b1[:, None, :])  # (K, n, h)
        return (h * self.w2[:, None, :]).sum(-1) + self.b2

    def losses(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(K,) each network's loss, "half-mse": ½·mean (ŷ − y)²."""
        return 0.5 * ((self(x) - y[:, 0]) ** 2).mean(-1)

    def rows(self) -> torch.Tensor:
        """(K, P) each network's flat parameters, in `tiny_net`'s order (W1, b1, W2, b2)."""
        return torch.cat([self.w1, self.b1, self.w2, self.b2], dim=1).detach().clone()

    def net(self, i: int, width: int, activation: str, flat: torch.Tensor) -> nn.Module:
        """Network i as a `tiny_net` with the given flat parameters."""
        net = tiny_net(width, activation, 0, flat.dtype)
        load_flat(net, flat)
        return net


def _grad_norms(ens: Ensemble, x, y, create_graph: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
    params = list(ens.parameters())
    grads = torch.autograd.grad(ens.losses(x, y).sum(), params, create_graph=create_graph)
    sq = sum((g * g).reshape(g.shape[0], -1).sum(1) for g in grads)  # (K,) ‖∇L_i‖²
    return sq, grads


def ensemble_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The sum over the K networks of each one's "half-mse": the outputs (K, n) read as K outputs
    per sample, the target repeated for each."""
    return criterion(out.T, y.expand(-1, out.shape[0]), "half-mse")


class _KeepRows(Hook):
    """Row i's weights after stops[i] updates (rows not reached when the run ends: its last weights)."""

    def __init__(self, ens: Ensemble, stops: list[int]):
        self.ens, self.stops = ens, np.asarray(stops)
        self.out = torch.empty_like(ens.rows())
        self.kept = np.zeros(len(stops), dtype=bool)

    def step(self, f) -> None:
        rows = np.flatnonzero(self.stops == f.k)
        if len(rows):
            self.out[rows] = self.ens.rows()[rows]
            self.kept[rows] = True

    def end(self, f) -> None:
        rest = np.flatnonzero(~self.kept)
        if len(rest):
            self.out[rest] = self.ens.rows()[rest]


def train_ensemble(ens: Ensemble, x, y, racer: Racer, stops: list[int]) -> torch.Tensor:
    """Train all rows together (full batch, the one loop) for max(stops) updates; row i's weights
    after stops[i] updates (K, P)."""
    keep = _KeepRows(ens, stops)
    fit(ens, x, y, ensemble_loss, racer, max(stops), hooks=[keep])
    return keep.out


class _GradNormSq(nn.Module):
    """‖∇L_i‖² of every network of the ensemble (K,), as a module of the ensemble's own parameters:
    its input is the samples with their targets, (n, 2)."""

    def __init__(self, ens: Ensemble):
        super().__init__()
        self.ens = ens

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        return _grad_norms(self.ens, xy[:, :1], xy[:, 1:], create_graph=torch.is_grad_enabled())[0]


class _FreezeAtTol(Hook):
    """Keeps row i's weights at the first point where ‖∇L_i‖ < tol (or turned non-finite); ends the
    run once every row is kept; rows never kept: their last weights."""

    def __init__(self, ens: Ensemble, x, y, tol: float):
        self.ens, self.x, self.y, self.tol = ens, x, y, tol
        K = ens.w1.shape[0]
        self.out, self.gn, self.done = ens.rows(), np.full(K, np.inf), np.zeros(K, dtype=bool)

    def _keep(self, norms: np.ndarray, last: bool) -> bool:
        fresh = ~self.done & ((norms < self.tol) | last | ~np.isfinite(norms))
        if fresh.any():
            rows = self.ens.rows()
            for i in np.flatnonzero(fresh):
                self.out[i], self.gn[i] = rows[i], norms[i]
            self.done |= fresh
        return bool(self.done.all())

    def batch(self, f) -> None:  # f.out: ‖∇L_i‖² at the weights before this update
        if self._keep(f.out.detach().sqrt().numpy(), last=False):
            f.done = True

    def end(self, f) -> None:
        if not self.done.all():
            with torch.enable_grad():
                sq = _grad_norms(self.ens, self.x, self.y, create_graph=False)[0]
            self._keep(sq.detach().sqrt().numpy(), last=True)


def drive_to_critical(ens: Ensemble, x, y, racer: Racer, steps: int, tol: float) -> tuple[torch.Tensor, np.ndarray]:
    """Minimize each row's ‖∇L_i‖² (the one loop, full batch, `racer`); a row's weights are kept
    at the first update where ‖∇L_i‖ < tol (else after the last).  Returns (K, P) and ‖∇L_i‖ (K,)."""
    freeze = _FreezeAtTol(ens, x, y, tol)
    if steps > 0:
        fit(_GradNormSq(ens), torch.cat([x, y], dim=1), y, lambda sq, _: sq.sum(), racer, steps, hooks=[freeze],
            loss_bound=math.inf)
    else:
        freeze.end(None)
    return freeze.out, freeze.gn


def minimum_ratios(cfg: RatioConfig, progress: Callable[[int, int], None] | None = None) -> list[Dot]:
    """One dot per network.  The loss is ½(ŷ − y)² averaged over the samples ("half-mse").
    `progress(done, total)` after each phase (train, ‖∇L‖², eigenvalues)."""
    cfg = cfg.checked()
    x, y = regression_data(cfg.samples)
    stops = _steps_for(cfg)
    nets = [tiny_net(cfg.width, cfg.activation, cfg.seed + i) for i in range(cfg.networks)]
    ens = Ensemble(nets)
    trained = train_ensemble(ens, x, y, Racer("adam", lr=cfg.lr), stops)
    if progress is not None:
        progress(1, 3)
    with torch.no_grad():
        for p, part in zip(ens.parameters(), trained.split([cfg.width, cfg.width, cfg.width, 1], dim=1), strict=True):
            p.copy_(part)
    with torch.enable_grad():
        before = _grad_norms(ens, x, y, create_graph=False)[0].sqrt().numpy()
    critical, gn = drive_to_critical(ens, x, y, gnorm_racer(cfg), cfg.gnorm_steps, cfg.gnorm_tol)
    if progress is not None:
        progress(2, 3)
    dots = []
    for i in range(cfg.networks):
        net = ens.net(i, cfg.width, cfg.activation, critical[i])
        L = loss_fn(net, x, y, "half-mse")
        theta = flat_params(net)
        eig = eigenvalues(L, theta).numpy()
        pos, neg, zero = eigen_counts(eig, cfg.zero_tol)
        dots.append(Dot(cfg.seed + i, stops[i], float(L(theta).detach()), float(gn[i]), float(before[i]), eig, pos, neg, zero,
                        bool(gn[i] < cfg.gnorm_tol)))
    if progress is not None:
        progress(3, 3)
    return dots
