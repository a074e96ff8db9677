"""Hyper-parameter maps: two hyper-parameters of one optimizer (or its schedule) on a grid,
every cell a run from the same start, all cells rows of ONE batched `engine.sweep` call.

Cell (i, j) has x = xs[j], y = ys[i].  Its colour is the final loss gap relative to the
start's, (L_T − L*)/(L_0 − L*) with L* the lowest known minimum, or the steps it took to get
99 % of the way down; cells that diverged (non-finite, or far outside the view) have their own.
On a quadratic surface (constant Hessian) the analytic stability boundary is known:
GD converges iff η < 2/λ_max, heavy-ball momentum (PyTorch's, or the book's at constant η)
iff η < 2(1 + μ)/λ_max.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..engine import BATCH_SIZE, MAX_POINT_STEPS, Racer, sweep
from ..optimizers import get_optimizer
from ..schedules import get_schedule
from .basins import MAX_GRID, find_minima
from .refusal import Refusal

SHARE = 0.01  # "99 % of the way down"
# Hover paths: every cell's path kept with the map (exact engine rows, thinned), for the page to
# show a hovered cell's path in the browser.  At most HOVER_MAX cells per side (a larger map keeps
# the paths of an evenly spread HOVER_MAX × HOVER_MAX subgrid, its ends included: a hover snaps to
# the nearest of those), HOVER_POINTS points each, float32: 64 × 64 × 41 × 2 × 4 B = 1.34 MB
# (1.79 MB as base64), under the 2 MB a view may send.
HOVER_MAX = 64
HOVER_POINTS = 41


@dataclass(frozen=True)
class Axis:
    """One axis of a sweep: a hyper-parameter's name and n values from lo to hi."""

    name: str
    lo: float
    hi: float
    n: int
    log: bool = False

    def values(self, integer: bool = False) -> np.ndarray:
        if not 2 <= self.n <= MAX_GRID:
            raise Refusal("grid", f"{self.name}: {self.n} cells is outside the allowed range [2, {MAX_GRID}]", most=MAX_GRID)
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)) or self.lo >= self.hi:
            raise Refusal("axis_order", f"{self.name}: expected LO < HI, got {self.lo:g}:{self.hi:g}", name=self.name)
        if self.log and self.lo <= 0:
            raise Refusal("axis_log", f"{self.name}: a log axis needs LO > 0, got {self.lo:g}", name=self.name)
        v = np.geomspace(self.lo, self.hi, self.n) if self.log else np.linspace(self.lo, self.hi, self.n)
        return np.round(v) if integer else v


def parse_axis(text: str) -> Axis:
    """NAME=LO:HI:N[:log] → Axis (ValueError with one line otherwise)."""
    name, sep, rest = text.partition("=")
    parts = rest.split(":")
    if not sep or not name.strip() or len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] not in ("log", "lin")):
        raise ValueError(f"axis: expected NAME=LO:HI:N[:log], got {text!r}")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"axis: expected NAME=LO:HI:N[:log] with numbers, got {text!r}") from None
    return Axis(name.strip(), lo, hi, n, len(parts) == 4 and parts[3] == "log")


def axis_params(racer: Racer, data_n: int | None = None) -> dict:
    """name → Param of everything a sweep of this racer may vary: "lr", the optimizer's
    hyper-parameters, its schedule's parameters, and "batch_size" on data-backed surfaces."""
    from surfaces.spec import Param

    spec = racer.spec()
    out = {"lr": spec.lr_param()}
    out |= {p.name: p for p in spec.params}
    out |= {p.name: p for p in get_schedule(racer.schedule).params if p.name not in out}
    if data_n:
        out[BATCH_SIZE] = Param(BATCH_SIZE, data_n, 1, data_n, integer=True, label_en="batch size B", label_zh="批量大小 B",
                                latex="B")
    return out


def largest_grid(steps: int) -> int:
    """The largest n of an n × n sweep at this step count: one call holds rows × (steps + 1) ≤ MAX_POINT_STEPS."""
    return int(min(MAX_GRID, math.floor(math.sqrt(MAX_POINT_STEPS / (steps + 1)))))


def check_size(nx: int, ny: int, steps: int) -> None:
    if nx * ny * (steps + 1) > MAX_POINT_STEPS:
        g = largest_grid(steps)
        raise Refusal("work", f"cells × steps: {nx} × {ny} cells × {steps} steps is too much work for one batched call; at "
                      f"{steps} steps the largest grid is {g} × {g} (keep cells × (steps + 1) ≤ {MAX_POINT_STEPS:,})",
                      steps=steps, largest=g)


@dataclass
class SweepMap:
    x: Axis
    y: Axis
    xs: np.ndarray  # (nx,)
    ys: np.ndarray  # (ny,)
    racer: Racer
    start: tuple[float, float]
    steps: int
    seed: int
    floor: float  # L*: the lowest known minimum (or the lowest loss seen)
    start_loss: float
    final_loss: np.ndarray  # (ny, nx) L_T (the last usable loss where a cell diverged)
    ratio: np.ndarray  # (ny, nx) (L_T − L*)/(L_0 − L*)
    diverged_at: np.ndarray  # (ny, nx) int, −1 if none
    steps_to_99: np.ndarray  # (ny, nx) int, −1 if never 99 % of the way down
    boundary: list | None = None  # [(x, y), …] analytic stability boundary (quadratics), in axis units
    hover_rows: np.ndarray | None = None  # (hy,) the rows i that have hover paths (`hover_index`)
    hover_cols: np.ndarray | None = None  # (hx,) the columns j that have hover paths
    hover: np.ndarray | None = None  # (hy, hx, 2, HOVER_POINTS) float32: x then y of the thinned path (`thin_steps`)

    def as_json(self) -> dict:
        return {
            "x": {"name": self.x.name, "values": self.xs.tolist(), "log": self.x.log},
            "y": {"name": self.y.name, "values": self.ys.tolist(), "log": self.y.log},
            "start": list(self.start), "steps": self.steps, "seed": self.seed, "start_loss": self.start_loss,
            "floor": self.floor, "final_loss": self.final_loss.tolist(), "diverged_at": self.diverged_at.tolist(),
            "steps_to_converge": self.steps_to_99.tolist(), "boundary": self.boundary,
        }

    def cell(self, i: int, j: int) -> dict:
        """The settings of cell (row i, column j): axis name → value."""
        return {self.x.name: float(self.xs[j]), self.y.name: float(self.ys[i])}


def hover_index(n: int, most: int = HOVER_MAX) -> np.ndarray:
    """Indices of at most `most` evenly spread cells of an axis of n (both ends kept)."""
    return np.arange(n) if n <= most else np.unique(np.round(np.linspace(0, n - 1, most)).astype(np.intp))


def thin_steps(last: int, points: int = HOVER_POINTS) -> np.ndarray:
    """`points` step indices 0 … last of a path: every s-th step, s odd (an oscillation that flips
    sign every step keeps its zigzag; an even stride would show one side only), `last` itself at
    the end, padded with `last` when the path is short."""
    s = max(1, math.ceil(last / (points - 1)))
    s += 1 - s % 2
    idx = np.arange(0, last + 1, s)
    if idx[-1] != last:
        idx = np.append(idx, last)
    return np.concatenate([idx, np.full(points - len(idx), last, dtype=idx.dtype)]) if len(idx) < points else idx


def last_step(steps: int, diverged_at):
    """The last drawn step of a path (of each path, for an array): the one before divergence (as the surface chart draws it)."""
    d = np.asarray(diverged_at)
    return np.where(d < 0, steps, np.clip(d - 1, 0, steps))


def hover_paths(path: np.ndarray, diverged_at: np.ndarray, shape: tuple[int, int]):
    """(rows, cols, (hy, hx, 2, HOVER_POINTS) float32) of an engine sweep's `path` (T+1, R, 2), R = ny·nx."""
    T = path.shape[0] - 1
    rows, cols = hover_index(shape[0]), hover_index(shape[1])
    r = (rows[:, None] * shape[1] + cols[None, :]).ravel()  # the engine rows of the kept cells
    last = last_step(T, diverged_at[r])
    table = {int(k): thin_steps(int(k)) for k in np.unique(last)}
    idx = np.stack([table[int(k)] for k in last])  # (cells, P) steps
    out = path[idx, r[:, None]].astype(np.float32)  # (cells, P, 2)
    return rows, cols, out.transpose(0, 2, 1).reshape(len(rows), len(cols), 2, HOVER_POINTS).copy()


def check_request(racer: Racer, x: Axis, y: Axis, steps: int, data_n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The cells' values (xs, ys) of this sweep, or a `Refusal` saying why it cannot run (cheap: nothing is stepped)."""
    if x.name == y.name:
        raise Refusal("same_axis", f"axes: x and y both vary {x.name!r}; choose two different hyper-parameters", name=x.name)
    params = axis_params(racer, data_n)
    for a in (x, y):
        if a.name not in params:
            raise Refusal("axis_unknown", f"axis {a.name!r}: not a hyper-parameter of {racer.optimizer} or its schedule "
                                          f"(allowed: {', '.join(params)})", name=a.name)
    xs, ys = x.values(params[x.name].integer), y.values(params[y.name].integer)
    check_size(len(xs), len(ys), int(steps))
    return xs, ys


def sweep_map(problem, racer: Racer, x: Axis, y: Axis, start, steps: int, seed: int = 0) -> SweepMap:
    xs, ys = check_request(racer, x, y, steps, problem.n_samples)
    gx, gy = np.meshgrid(xs, ys)
    res = sweep(problem, racer, {x.name: gx.ravel(), y.name: gy.ravel()}, start, steps, seed, paths=True)
    mins = [m.loss for m in find_minima(problem)] if problem.n_samples is None or problem.minima() else []
    loss = res.loss
    finite = loss[np.isfinite(loss)]
    floor = min(mins) if mins else float(finite.min())
    floor = min(floor, float(finite.min()))  # never above a loss the map reached
    gap0 = float(loss[0, 0]) - floor
    gap = loss - floor
    ratio = gap[-1] / max(gap0, 1e-300)
    hit = gap <= SHARE * max(gap0, 1e-300)
    first = np.where(hit.any(0), np.argmax(hit, axis=0), -1)
    d = res.diverged_at
    first = np.where((d >= 0) & (first >= d), -1, first)
    shape = (len(ys), len(xs))
    rows, cols, hover = hover_paths(res.path, d, shape)
    return SweepMap(
        x=x, y=y, xs=xs, ys=ys, racer=racer, start=tuple(float(v) for v in res.start), steps=res.steps, seed=res.seed,
        floor=floor, start_loss=float(loss[0, 0]), final_loss=loss[-1].reshape(shape), ratio=ratio.reshape(shape),
        diverged_at=d.reshape(shape), steps_to_99=first.reshape(shape),
        boundary=stability_boundary(problem, racer, x, y, xs, ys), hover_rows=rows, hover_cols=cols, hover=hover,
    )


def constant_hessian(problem) -> np.ndarray | None:
    """The Hessian if it is the same everywhere in the view (a quadratic), else None."""
    x0, x1, y0, y1 = problem.box
    pts = torch.tensor([[x0, y0], [x1, y1], [(x0 + x1) / 2, (y0 + y1) / 2], [x0, y1]], dtype=torch.float64)
    h = problem.hessian(pts).numpy()
    if not np.isfinite(h).all():
        return None
    scale = float(np.abs(h).max()) or 1.0
    return h[0] if np.abs(h - h[0]).max() <= 1e-9 * scale else None


def stability_boundary(problem, racer: Racer, x: Axis, y: Axis, xs, ys) -> list | None:
    """The analytic line η = 2(1 + μ)/(λ_max + wd) in the axes' units, where it applies: a
    quadratic surface, full batch, constant schedule, GD or heavy-ball momentum without
    dampening (μ = 0 for GD; wd the coupled L2 term), one axis η and the other μ or wd."""
    if racer.schedule != "constant" or racer.batch_size is not None:
        return None
    if racer.optimizer not in ("sgd", "momentum", "momentum-book") or "lr" not in (x.name, y.name):
        return None
    hp = get_optimizer(racer.optimizer).resolve(dict(racer.hparams))
    mu_name = {"momentum": "momentum", "momentum-book": "lambda"}.get(racer.optimizer)
    other, values = (y, ys) if x.name == "lr" else (x, xs)
    if hp.get("dampening", 0.0) != 0.0 or other.name not in (mu_name, "weight_decay"):
        return None
    h = constant_hessian(problem)
    if h is None:
        return None
    lam = float(np.linalg.eigvalsh(0.5 * (h + h.T)).max())
    if lam <= 0:
        return None
    v = np.linspace(float(np.min(values)), float(np.max(values)), 200)
    mu = v if other.name == mu_name else np.full_like(v, hp.get(mu_name, 0.0) if mu_name else 0.0)
    wd = v if other.name == "weight_decay" else np.full_like(v, hp.get("weight_decay", 0.0))
    etas = 2.0 * (1.0 + mu) / (lam + wd)
    return [(float(e), float(o)) if x.name == "lr" else (float(o), float(e)) for e, o in zip(etas, v, strict=True)]
