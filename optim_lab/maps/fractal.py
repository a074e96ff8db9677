"""The trainability boundary (Sohl-Dickstein 2024, "The boundary of neural network
trainability is fractal"): a tiny real network trained by full-batch gradient descent
with one learning rate for the input layer and one for the output layer; every cell of
a log-spaced (η_in, η_out) grid is one training run, and all runs step together.

Network (mean-field scaling):  f(x) = (1/h) · v · tanh(W x / √d),  W (h, d), v (1, h);
n = h·d + h random points (as many as parameters), random targets, MSE over all of them.
The C cells' weights are batched tensors W (C, h, d) and v (C, 1, h); gradients are in
closed form; the step is `update.apply` with plain GD's coefficients (`Racer("sgd")`),
built for the C cells at once with an η column per cell and per layer.

Score, as the paper: losses normalized by the initial loss (non-finite → 1e6); a cell
converged iff the mean of its last 20 normalized losses is < 1; intensity = speed,
rank-equalized within each class (converged: low mean loss; diverged: fast blow-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..engine import Racer, batched_coeffs
from ..optimizers import LR_MAX, LR_MIN
from ..update import State, Tables, apply
from .basins import MAX_GRID
from .refusal import Refusal

DTYPE = torch.float32  # twice as fast as float64 here; the map's classes do not change
WIDTH, DIM = 4, 2  # h hidden units, d inputs: 12 parameters, so 12 data points
MAX_FRACTAL_STEPS = 1000
MAX_CELL_STEPS = MAX_GRID * MAX_GRID * 200  # cells × steps of one map (bounds the server time)
CHUNK = 16384  # cells stepped at once (bounds memory: a few (C, h, n) tensors)
BLOWUP = 1e6  # a normalized loss that is non-finite counts as this
TAIL = 20  # converged iff the mean of the last TAIL normalized losses is < 1
DEFAULT_BOX = (0.0, 2.0, 0.0, 2.0)  # log10 η_in from, to; log10 η_out from, to


@dataclass(frozen=True)
class Net:
    """The fixed data and initial weights every cell starts from (one seed)."""

    X: torch.Tensor  # (d, n)
    Y: torch.Tensor  # (n,)
    W0: torch.Tensor  # (h, d)
    v0: torch.Tensor  # (1, h)

    @classmethod
    def make(cls, seed: int = 0, width: int = WIDTH, dim: int = DIM) -> Net:
        g = torch.Generator().manual_seed(int(seed))
        n = width * dim + width
        return cls(X=torch.randn(dim, n, generator=g, dtype=DTYPE), Y=torch.randn(n, generator=g, dtype=DTYPE),
                   W0=torch.randn(width, dim, generator=g, dtype=DTYPE), v0=torch.randn(1, width, generator=g, dtype=DTYPE))

    @property
    def Xs(self) -> torch.Tensor:
        return self.X * (1.0 / math.sqrt(self.dim))

    @property
    def XsT(self) -> torch.Tensor:
        return self.Xs.T.contiguous()

    @property
    def one(self) -> torch.Tensor:
        return torch.ones((), dtype=self.X.dtype)

    @property
    def width(self) -> int:
        return self.W0.shape[0]

    @property
    def dim(self) -> int:
        return self.W0.shape[1]

    def loss_grad(self, W: torch.Tensor, v: torch.Tensor):
        """(loss (C,), ∂L/∂W (C, h, d), ∂L/∂v (C, 1, h)) of L = mean_i (f(x_i) − y_i)²."""
        C, h, d = W.shape
        n = self.X.shape[1]
        # tiny per-cell matrices: one GEMM over all cells' rows, else elementwise (a batched matmul of
        # 4 × 2 blocks is slow); 1/√d is folded into X and 1/h into v, so no pass over (C, h, n) is spent on them
        a = torch.tanh(W.reshape(C * h, d) @ self.Xs).view(C, h, n)
        vh = (v * (1.0 / h)).view(C, h, 1)
        r = (vh * a).sum(1, keepdim=True).sub_(self.Y)  # (C, 1, n) residual f − y
        loss = (r * r).mean(-1).squeeze(-1)
        dout = r.mul_(2.0 / n)  # ∂L/∂f
        gv = (a * dout).sum(-1).mul_(1.0 / h).view(C, 1, h)
        dz = torch.addcmul(self.one, a, a, value=-1.0).mul_(vh).mul_(dout)  # (1 − a²)·v/h·∂L/∂f, (C, h, n)
        gW = (dz.view(C * h, n) @ self.XsT).view(C, h, d)
        return loss, gW, gv


def check(box, n: int | tuple[int, int], steps: int) -> tuple[int, int]:
    nx, ny = (n, n) if isinstance(n, int) else n
    if not (2 <= nx <= MAX_GRID and 2 <= ny <= MAX_GRID):
        raise Refusal("grid", f"grid: {nx} × {ny} is outside the allowed range [2, {MAX_GRID}] per side", most=MAX_GRID)
    if not 1 <= steps <= MAX_FRACTAL_STEPS:
        raise Refusal("steps", f"steps: {steps} is outside the allowed range [1, {MAX_FRACTAL_STEPS}]", most=MAX_FRACTAL_STEPS)
    if nx * ny * steps > MAX_CELL_STEPS:
        g = int(min(MAX_GRID, math.isqrt(MAX_CELL_STEPS // steps)))
        raise Refusal("work", f"cells × steps: {nx} × {ny} × {steps} is too much work; at {steps} steps the largest grid "
                      f"is {g} × {g} (keep cells × steps ≤ {MAX_CELL_STEPS:,})", steps=steps, largest=g)
    lo, hi = math.log10(LR_MIN), math.log10(LR_MAX)
    x0, x1, y0, y1 = box
    if not all(math.isfinite(v) for v in box) or not (x0 < x1 and y0 < y1):
        raise Refusal("range", f"range: expected from < to on both axes, got {tuple(box)}", lo=lo, hi=hi)
    if min(x0, y0) < lo - 1e-9 or max(x1, y1) > hi + 1e-9:
        raise Refusal("range", f"range: log10 η must stay within [{lo:g}, {hi:g}] (η in [{LR_MIN:g}, {LR_MAX:g}]), got "
                      f"{tuple(box)}", lo=lo, hi=hi)
    return nx, ny


def train_cells(net: Net, eta_in: np.ndarray, eta_out: np.ndarray, steps: int) -> np.ndarray:
    """Normalized losses (steps + 1, C) of C cells, each trained with its own (η_in, η_out)."""
    C = len(eta_in)
    sgd = Racer("sgd")
    tables = [Tables.batched(batched_coeffs(sgd, steps, {"lr": e})[0], C, rest=(1, 1), dtype=DTYPE) for e in (eta_in, eta_out)]
    W = net.W0.expand(C, -1, -1).clone()
    v = net.v0.expand(C, -1, -1).clone()
    sW, sv = State.zeros_like(W), State.zeros_like(v)
    losses = torch.empty(steps + 1, C, dtype=DTYPE)
    with torch.no_grad():
        for t in range(steps):
            loss, gW, gv = net.loss_grad(W, v)
            losses[t] = loss
            W = apply(W, gW, sW, tables[0].at(t), tables[0]).theta
            v = apply(v, gv, sv, tables[1].at(t), tables[1]).theta
        losses[steps] = net.loss_grad(W, v)[0]
    norm = (losses / losses[0]).double().numpy()
    return np.where(np.isfinite(norm), np.minimum(norm, BLOWUP), BLOWUP)


def _rank01(x: np.ndarray) -> np.ndarray:
    """Ranks scaled to [0, 1] (ties broken by position): histogram equalization."""
    if x.size <= 1:
        return np.ones_like(x, dtype=np.float64)
    r = np.empty(x.size)
    r[np.argsort(x, kind="stable")] = np.arange(x.size)
    return r / (x.size - 1)


@dataclass
class FractalMap:
    box: tuple[float, float, float, float]  # log10 η_in from, to; log10 η_out from, to
    log_in: np.ndarray  # (nx,) log10 η_in of each column
    log_out: np.ndarray  # (ny,) log10 η_out of each row
    steps: int
    seed: int
    converged: np.ndarray  # (ny, nx) bool
    intensity: np.ndarray  # (ny, nx) float32 in [0, 1]: speed, rank-equalized within its class
    final: np.ndarray  # (ny, nx) float32 final normalized loss

    @property
    def converged_share(self) -> float:
        return float(self.converged.mean())

    def as_json(self) -> dict:
        return {"box": list(self.box), "log10_eta_in": self.log_in.tolist(), "log10_eta_out": self.log_out.tolist(),
                "steps": self.steps, "seed": self.seed, "converged": self.converged.astype(int).tolist(),
                "converged_share": self.converged_share}


def fractal_map(box=DEFAULT_BOX, n: int | tuple[int, int] = 128, steps: int = 100, seed: int = 0,
                chunk: int = CHUNK, progress=None, should_stop=None) -> FractalMap | None:
    """Train every cell of the (η_in, η_out) grid over `box` (log10 units), `chunk` cells at a time;
    `progress(done, total)` after each chunk, given up (None) when `should_stop()` says so between chunks."""
    nx, ny = check(box, n, steps)
    x0, x1, y0, y1 = (float(v) for v in box)
    log_in, log_out = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    gi, go = np.meshgrid(log_in, log_out)
    eta_in, eta_out = np.clip(10.0 ** gi.ravel(), LR_MIN, LR_MAX), np.clip(10.0 ** go.ravel(), LR_MIN, LR_MAX)
    net = Net.make(seed)
    C = len(eta_in)
    norm = np.empty((steps + 1, C))
    for a in range(0, C, max(1, int(chunk))):
        if should_stop is not None and should_stop():
            return None
        b = min(C, a + max(1, int(chunk)))
        norm[:, a:b] = train_cells(net, eta_in[a:b], eta_out[a:b], steps)
        if progress is not None:
            progress(b, C)
    tail = norm[-min(TAIL, steps + 1):].mean(0)
    conv = tail < 1.0
    speed = np.where(conv, -norm.mean(0), np.log10(norm).mean(0))  # higher = faster (to converge / to blow up)
    inten = np.zeros(C)
    for mask in (conv, ~conv):
        if mask.any():
            inten[mask] = _rank01(speed[mask])
    shape = (ny, nx)
    return FractalMap(box=(x0, x1, y0, y1), log_in=log_in, log_out=log_out, steps=steps, seed=int(seed),
                      converged=conv.reshape(shape), intensity=inten.reshape(shape).astype(np.float32),
                      final=norm[-1].reshape(shape).astype(np.float32))
