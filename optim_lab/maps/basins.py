"""Basins of attraction: a grid of starts over the view box, every start run with the
same optimizer and step budget, each start coloured by the minimum it ends in.

The runs are `engine.race` calls with `detail=False`, in chunks that keep every call
inside the engine's memory bound (rows × (steps + 1) ≤ MAX_POINT_STEPS, ≤ MAX_STARTS
starts); the whole map is bounded by MAP_POINT_STEPS.  A start has *converged* to
minimum j when its trajectory ends within `radius` of j and stays there; the steps it
needed are the first step after which it never leaves that disc again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..analysis import critical_points
from ..engine import MAX_POINT_STEPS, MAX_STARTS, Racer, race
from .refusal import Refusal

MAX_GRID = 256
MAP_POINT_STEPS = MAX_GRID * MAX_GRID * 301  # one map: a 256 × 256 grid of one optimizer for 300 steps
NOT_CONVERGED, DIVERGED = -1, -2
GLOBAL_RTOL = 1e-6  # minima whose loss is within this (relative) of the lowest are all global


@dataclass
class Minimum:
    x: float
    y: float
    loss: float
    is_global: bool
    source: str  # "known" (the surface's own list) or "found" (critical-point finder)

    def as_dict(self) -> dict:
        return {"x": self.x, "y": self.y, "loss": self.loss, "global": self.is_global, "source": self.source}


@dataclass
class BasinMap:
    """One map per racer over the same grid; cell (i, j) is the start (xs[j], ys[i])."""

    xs: np.ndarray  # (nx,)
    ys: np.ndarray  # (ny,)
    minima: list[Minimum]
    racers: list[Racer]
    steps: int
    seed: int
    radius: float
    basin: np.ndarray  # (n_racers, ny, nx) int16: index into minima, NOT_CONVERGED or DIVERGED
    steps_needed: np.ndarray  # (n_racers, ny, nx) int32: steps to settle; the step of divergence; −1 if not converged
    final: np.ndarray  # (n_racers, ny, nx, 2) float32 θ_T (last usable θ after a divergence)
    global_share: list[float] = field(default_factory=list)  # share of starts ending in a global minimum, per racer

    def as_json(self) -> dict:
        return {
            "x": self.xs.tolist(), "y": self.ys.tolist(), "steps": self.steps, "seed": self.seed, "radius": self.radius,
            "minima": [m.as_dict() for m in self.minima],
            "maps": [{"basin": self.basin[i].tolist(), "steps": self.steps_needed[i].tolist(),
                      "global_share": self.global_share[i]} for i in range(len(self.racers))],
        }


def largest_grid(steps: int, n_racers: int = 1, budget: int = MAP_POINT_STEPS) -> int:
    """The largest n for an n × n grid at this step count (at most MAX_GRID)."""
    return int(min(MAX_GRID, np.floor(np.sqrt(budget / (n_racers * (steps + 1))))))


def check_size(nx: int, ny: int, steps: int, n_racers: int = 1) -> None:
    if not (2 <= nx <= MAX_GRID and 2 <= ny <= MAX_GRID):
        raise Refusal("grid", f"grid: {nx} × {ny} is outside the allowed range [2, {MAX_GRID}] per side", most=MAX_GRID)
    if n_racers * nx * ny * (steps + 1) > MAP_POINT_STEPS:
        g = largest_grid(steps, n_racers)
        raise Refusal(
            "work",
            f"grid × steps: {n_racers} × {nx} × {ny} starts × {steps} steps is too much work; at {steps} steps "
            f"the largest grid is {g} × {g} (keep optimizers × starts × (steps + 1) ≤ {MAP_POINT_STEPS:,})",
            steps=steps, largest=g,
        )


def find_minima(problem, box=None) -> list[Minimum]:
    """The surface's known minima inside the box, plus the minima the critical-point finder
    finds that are not already known; sorted by loss (index 0 is a global minimum)."""
    x0, x1, y0, y1 = box or problem.box
    span = max(x1 - x0, y1 - y0)
    pts: list[Minimum] = []
    for x, y, v in problem.minima():
        if x0 <= x <= x1 and y0 <= y <= y1:
            pts.append(Minimum(float(x), float(y), float(v), False, "known"))
    for c in critical_points(problem, box=(x0, x1, y0, y1)):
        if c["kind"] != "minimum":
            continue
        x, y = c["at"]
        if all(np.hypot(x - m.x, y - m.y) > 1e-3 * span for m in pts):
            pts.append(Minimum(float(x), float(y), float(c["loss"]), False, "found"))
    pts.sort(key=lambda m: m.loss)
    if pts:
        low = pts[0].loss
        for m in pts:
            m.is_global = m.loss <= low + GLOBAL_RTOL * max(1.0, abs(low))
    return pts


def basin_radius(minima: Sequence[Minimum], box) -> float:
    """2 % of the view, or less where minima are closer than that (a third of the closest pair)."""
    x0, x1, y0, y1 = box
    r = 0.02 * max(x1 - x0, y1 - y0)
    xy = np.array([[m.x, m.y] for m in minima])
    if len(xy) > 1:
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        r = min(r, float(d[np.triu_indices(len(xy), 1)].min()) / 3)
    return r


def classify(theta: np.ndarray, diverged_at: np.ndarray, minima_xy: np.ndarray, radius: float):
    """(basin, steps_needed) for K trajectories theta (T+1, K, 2) (frozen after divergence)."""
    T = theta.shape[0] - 1
    K = theta.shape[1]
    basin = np.full(K, NOT_CONVERGED, dtype=np.int16)
    needed = np.full(K, -1, dtype=np.int32)
    if len(minima_xy):
        end = theta[-1]
        d = np.hypot(end[:, None, 0] - minima_xy[None, :, 0], end[:, None, 1] - minima_xy[None, :, 1])  # (K, M)
        j = np.argmin(d, axis=1)
        near = d[np.arange(K), j] < radius
        target = minima_xy[j]  # (K, 2)
        out = np.hypot(theta[..., 0] - target[:, 0], theta[..., 1] - target[:, 1]) >= radius  # (T+1, K)
        last_out = np.where(out.any(0), T - np.argmax(out[::-1], axis=0), -1)  # last step outside the disc
        basin = np.where(near, j, NOT_CONVERGED).astype(np.int16)
        needed = np.where(near, last_out + 1, -1).astype(np.int32)
    bad = diverged_at >= 0
    basin[bad] = DIVERGED
    needed[bad] = diverged_at[bad]
    return basin, needed


def basin_map(problem, racers: Sequence[Racer], n: int | tuple[int, int], steps: int, seed: int = 0,
              box=None, minima: list[Minimum] | None = None, progress=None, should_stop=None) -> BasinMap | None:
    """Every start of an n × n grid over the box (the problem's own unless given), run by each
    racer for `steps` steps with the same batches.  `progress(done, total)` is called after each
    chunk of starts; when `should_stop()` says so between chunks, the map is given up (None)."""
    racers = list(racers)
    nx, ny = (n, n) if isinstance(n, int) else n
    steps = int(steps)
    check_size(nx, ny, steps, len(racers))
    x0, x1, y0, y1 = box or problem.box
    xs, ys = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    gx, gy = np.meshgrid(xs, ys)
    starts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    mins = find_minima(problem, (x0, x1, y0, y1)) if minima is None else minima
    radius = basin_radius(mins, (x0, x1, y0, y1))
    mxy = np.array([[m.x, m.y] for m in mins]).reshape(-1, 2)
    R, S = len(racers), len(starts)
    chunk = max(1, min(MAX_STARTS, MAX_POINT_STEPS // (R * (steps + 1))))
    basin = np.empty((R, S), dtype=np.int16)
    needed = np.empty((R, S), dtype=np.int32)
    final = np.empty((R, S, 2), dtype=np.float32)
    for a in range(0, S, chunk):
        if should_stop is not None and should_stop():
            return None
        part = starts[a : a + chunk]
        res = race(problem, racers, part, steps, seed=seed, detail=False)
        b, k = classify(res.theta, res.diverged_at, mxy, radius)
        m = len(part)
        basin[:, a : a + m] = b.reshape(R, m)
        needed[:, a : a + m] = k.reshape(R, m)
        final[:, a : a + m] = res.theta[-1].reshape(R, m, 2)
        if progress is not None:
            progress(a + m, S)
    glob = np.array([i for i, m in enumerate(mins) if m.is_global], dtype=np.int64)
    share = [float(np.isin(basin[i], glob).mean()) for i in range(R)]
    return BasinMap(xs=xs, ys=ys, minima=mins, racers=racers, steps=steps, seed=seed, radius=radius,
                    basin=basin.reshape(R, ny, nx), steps_needed=needed.reshape(R, ny, nx),
                    final=final.reshape(R, ny, nx, 2), global_share=share)
