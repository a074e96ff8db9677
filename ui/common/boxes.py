"""The view box of a race: the surface view draws the problem's own box; when a run
legitimately leaves it (GD bouncing across the long valley, AdaGrad's burst) the view
gets a race whose problem reports a grown box, and a loss grid over it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ui.common import compute
from ui.common.figures import Grid
from ui.common.result import Race


def fit_box(box, paths: list[np.ndarray], margin: float = 0.06, cap: float = 3.0) -> tuple[float, float, float, float]:
    """The view box, grown (never shrunk) so every finite point of `paths` is in view.

    Each side may grow by at most `cap` times the box's span, so one wild run cannot
    squeeze the surface into a corner; the result is rounded outwards a little so
    small changes of a run do not make the axes jitter."""
    x0, x1, y0, y1 = (float(v) for v in box)
    wx, wy = x1 - x0, y1 - y0
    pts = [np.asarray(p, np.float64).reshape(-1, 2) for p in paths if p is not None and len(p)]
    pts = [p[np.isfinite(p).all(axis=1)] for p in pts]
    pts = [p for p in pts if len(p)]
    if not pts:
        return (x0, x1, y0, y1)
    allp = np.concatenate(pts)
    lo, hi = allp.min(axis=0), allp.max(axis=0)

    def grow(a, b, lo_, hi_, w):
        na = min(a, lo_ - margin * w) if lo_ < a else a
        nb = max(b, hi_ + margin * w) if hi_ > b else b
        na, nb = max(na, a - cap * w), min(nb, b + cap * w)
        step = w / 20  # snap outwards to 5 % of the original span
        if na < a:
            na = a - np.ceil((a - na) / step) * step
        if nb > b:
            nb = b + np.ceil((nb - b) / step) * step
        return float(na), float(nb)

    nx0, nx1 = grow(x0, x1, lo[0], hi[0], wx)
    ny0, ny1 = grow(y0, y1, lo[1], hi[1], wy)
    return (nx0, nx1, ny0, ny1)


class BoxView:
    """A problem seen through a different view box; everything else is the problem's own."""

    def __init__(self, problem, box):
        self._problem = problem
        self._box = tuple(float(v) for v in box)

    def view_box(self):
        return self._box

    @property
    def box(self):
        return self._box

    def __getattr__(self, name):
        return getattr(self._problem, name)


def widened(race: Race, n: int = compute.GRID_N) -> tuple[Race, Grid | None, tuple]:
    """(race', grid, box): the race with a view box grown to hold every trajectory, and the
    loss grid over it.  The race itself and grid None when nothing leaves the problem's box."""
    base = compute.box_of(race.problem)
    r = race.result
    box = fit_box(base, [r.theta[: r.end(i), i] for i in range(r.n_rows)])
    if box == tuple(base):
        return race, None, base
    grid = compute.grid(race.surface, compute.params_key(race.params), n, box, log=bool(race.spec.log_levels))
    return dataclasses.replace(race, problem=BoxView(race.problem, box)), grid, box
