"""A family of runs: every position of one control, stepped by the engine in one batched call.

A live control (the browser swaps paths as its thumb moves) may only show exact runs, so
before it is drawn the server runs every position the control can take: one racer, one
start, R values of one parameter ("lr", a hyper-parameter of the optimizer or of its
schedule), as R rows of one `engine.sweep` with the whole paths kept.  Nothing here is
interpolated: position i is the run `python -m optim_lab run` makes for values[i].
A control that moves every racer of a race at once (the playground's η multiplier) has the
family of the whole race: racers × positions as the rows of ONE loop (`race_family`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .engine import Racer, over_points, sweep, sweeps

MAX_POSITIONS = 241  # a control's positions: enough for a slider's every step, bounded


@dataclass(frozen=True)
class Family:
    """R runs that differ only in `axis`; row i ran with values[i]."""

    axis: str
    values: np.ndarray  # (R,)
    theta: np.ndarray  # (T+1, R, 2), frozen after divergence
    loss: np.ndarray  # (T+1, R) full loss at θ_k, frozen after divergence
    grad_norm: np.ndarray  # (T+1, R) ‖∇L(θ_k)‖
    diverged_at: np.ndarray  # (R,) first unusable step, −1 if none

    @property
    def steps(self) -> int:
        return self.theta.shape[0] - 1

    def diverged(self, i: int) -> int | None:
        d = int(self.diverged_at[i])
        return None if d < 0 else d


def positions(lo: float, hi: float, step: float) -> np.ndarray:
    """The values a slider from `lo` to `hi` by `step` can take, as the floats the slider
    reports (0.95, not 0.9500000000000001)."""
    n = int(round((hi - lo) / step)) + 1
    if not 2 <= n <= MAX_POSITIONS:
        raise ValueError(f"positions: {n} between {lo:g} and {hi:g}, the allowed range is [2, {MAX_POSITIONS}]")
    decimals = max(0, -int(np.floor(np.log10(step))) + 2)
    return np.array([round(lo + i * step, decimals) for i in range(n)], dtype=np.float64)


def family(problem, racer: Racer, axis: str, values: Sequence[float], start: Sequence[float], steps: int,
           seed: int = 0) -> Family:
    """Every value of `axis` for `racer` from `start`: one batched engine call (`sweep` with
    the paths kept), then ‖g‖ along every path in one pass over the points."""
    vals = np.ravel(np.asarray(values, dtype=np.float64))
    if not 1 <= len(vals) <= MAX_POSITIONS:
        raise ValueError(f"family: {len(vals)} positions, the allowed range is [1, {MAX_POSITIONS}]")
    res = sweep(problem, racer, {axis: vals}, start, steps, seed=seed, paths=True)
    path = res.path
    with torch.no_grad():
        g = over_points(problem.grad, problem, torch.as_tensor(path.reshape(-1, 2)))
    grad_norm = np.linalg.norm(g.numpy().reshape(path.shape), axis=-1)
    return Family(axis=axis, values=vals, theta=path, loss=res.loss, grad_norm=grad_norm, diverged_at=res.diverged_at)


def race_family(problem, racers: Sequence[Racer], axis: str, values: Sequence[Sequence[float]], start: Sequence[float],
                steps: int, seed: int = 0) -> list[Family]:
    """Every racer of a race at every position: racer i at values[i] (e.g. its η × every
    multiplier), racers × positions as the rows of one batched loop (`engine.sweeps`), then
    ‖g‖ along every path in one pass.  Family i is racer i's, each row the run `python -m
    optim_lab run` makes for that racer at that value."""
    vals = [np.ravel(np.asarray(v, dtype=np.float64)) for v in values]
    if any(not 1 <= len(v) <= MAX_POSITIONS for v in vals):
        raise ValueError(f"family: {[len(v) for v in vals]} positions, the allowed range is [1, {MAX_POSITIONS}] each")
    runs = sweeps(problem, racers, [{axis: v} for v in vals], start, steps, seed=seed, paths=True)
    path = np.concatenate([r.path for r in runs], axis=1)
    with torch.no_grad():
        g = over_points(problem.grad, problem, torch.as_tensor(path.reshape(-1, 2)))
    grad_norm = np.linalg.norm(g.numpy().reshape(path.shape), axis=-1)
    out, a = [], 0
    for v, r in zip(vals, runs, strict=True):
        rows = slice(a, a + len(v))
        out.append(Family(axis=axis, values=v, theta=r.path, loss=r.loss, grad_norm=grad_norm[:, rows],
                          diverged_at=r.diverged_at))
        a += len(v)
    return out
