"""Trajectories thinned for drawing: ends kept, turns kept, frames evenly spread."""

from __future__ import annotations

import numpy as np

MAX_FRAMES = 60
MAX_TRAIL_POINTS = 120


def _thin(n: int, at_most: int) -> np.ndarray:
    """Indices 0..n−1 thinned to at most `at_most`, evenly, both ends kept.

    When n > at_most the spacing exceeds 1, so rounding half up keeps the indices strictly
    increasing: no `np.unique` sort (this ran 60 frames × 8 racers times per rerun)."""
    if n <= at_most:
        return np.arange(n)
    return np.floor(np.linspace(0, n - 1, at_most) + 0.5).astype(np.intp)


def turn_scores(xy: np.ndarray) -> np.ndarray:
    """How much the drawn path changes if point i is left out: its distance from the chord
    between its neighbours, in units of the path's own extent (both axes scaled alike
    would favour the long axis of an elongated box).  Ends score ∞ (always kept)."""
    p = np.asarray(xy, dtype=np.float64)
    n = len(p)
    out = np.full(n, np.inf)
    if n <= 2:
        return out
    finite = np.all(np.isfinite(p), axis=1)
    span = np.ptp(p[finite], axis=0) if finite.any() else np.ones(2)
    q = p / np.where(span > 0, span, 1.0)
    a, b, c = q[:-2], q[1:-1], q[2:]
    chord = c - a
    cross = np.abs(chord[:, 0] * (b - a)[:, 1] - chord[:, 1] * (b - a)[:, 0])
    length = np.hypot(chord[:, 0], chord[:, 1])
    # a point that returns to where it came from (chord ≈ 0) is a full turn: its distance from a
    dist = np.where(length > 1e-12, cross / np.maximum(length, 1e-300), np.hypot(*(b - a).T))
    out[1:-1] = np.where(np.isfinite(dist), dist, np.inf)
    return out


def thin_path(n: int, at_most: int, scores: np.ndarray | None = None) -> np.ndarray:
    """Indices of the first `n` points of a path, at most `at_most`, strictly increasing, both
    ends kept: half of the budget evenly spread (the pace of the run stays readable), the other
    half where the path turns or jumps most (`turn_scores`), so a wild start over a long run
    is drawn as it went, not as one straight chord."""
    if n <= at_most:
        return np.arange(n)
    even = _thin(n, max(2, at_most // 2))
    if scores is None or n <= 2:
        return _thin(n, at_most)
    inner = np.asarray(scores[1:n - 1], dtype=np.float64).copy()
    inner[even[1:-1] - 1] = -np.inf  # already kept
    extra = at_most - len(even)
    if extra > 0:
        top = np.argpartition(-inner, extra - 1)[:extra] + 1
        top = top[np.isfinite(inner[top - 1]) | (inner[top - 1] > 0)]
        keep = np.union1d(even, top)
    else:
        keep = even
    return keep.astype(np.intp)


def _trail(xy: np.ndarray, upto: int, idx: np.ndarray | None = None) -> np.ndarray:
    """The path up to step `upto`, thinned to at most MAX_TRAIL_POINTS (ends kept)."""
    if idx is None:
        idx = thin_path(upto + 1, MAX_TRAIL_POINTS, turn_scores(xy[:upto + 1]))
    return xy[idx].astype(np.float32)


def frame_steps(n_steps: int, n_frames: int = MAX_FRAMES) -> list[int]:
    """Which steps get an animation frame: all of them, or evenly spaced ones (0 and T included)."""
    if n_steps + 1 <= n_frames:
        return list(range(n_steps + 1))
    return sorted(set(np.linspace(0, n_steps, n_frames).round().astype(int).tolist()))

