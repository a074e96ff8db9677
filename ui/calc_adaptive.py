"""Computations of the §3.3 page (and the widened view both §3.2/§3.3 pages use).

- `curvature`: the Hessian's eigenvalues at a point, for "η in units of 2/λ_max".
- `widened`: the shared surface view always draws the problem's own view box; when a
  run legitimately leaves it (GD bouncing across the long valley, AdaGrad's burst) the
  page hands the view a Racing whose problem reports a grown box, and a grid over it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st
import torch

from ui.common import compute
from ui.fig_adaptive import fit_box
from ui.common.figures import Grid


def curvature(problem, point) -> tuple[float, float]:
    """(λ_min, λ_max) of the full loss's Hessian at `point` (constant for quadratic losses)."""
    with torch.no_grad():
        h = problem.hessian(torch.tensor([list(point)], dtype=torch.float64))[0].numpy()
    lo, hi = np.linalg.eigvalsh(0.5 * (h + h.T)).tolist()
    return float(lo), float(hi)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_curvature(surface: str, params: tuple, point: tuple) -> tuple[float, float]:
    return curvature(compute.build(surface, params), point)


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


def widened(rc, n: int = compute.GRID_N):
    """(rc', grid, box): rc with a view box grown to hold every trajectory, and the loss grid over it.
    Returns rc itself and grid None when nothing leaves the problem's box."""
    base = compute.box_of(rc.problem)
    paths = []
    for i in range(len(rc.names)):
        d = rc.diverged(i)
        paths.append(rc.result["theta"][: d if d else None, i])
    box = fit_box(base, paths)
    if box == tuple(base):
        return rc, None, base
    g = compute.grid(rc.surface, compute.params_key(rc.params), n, box)
    grid = Grid(g["xs"], g["ys"], g["z"], log=rc.spec.log_levels)
    return dataclasses.replace(rc, problem=BoxView(rc.problem, box)), grid, box


def final_rows(sh, rc) -> list[dict]:
    """One row per run: where it ended, its loss and gradient norm (all text, so the table has one type per column)."""
    from ui.common.view import labels_for

    r = rc.result
    labels = labels_for(sh, rc.spec)
    ax = (labels.x, labels.y)
    rows = []
    for i, name in enumerate(rc.names):
        d = rc.diverged(i)
        th = r["theta"][-1, i]
        rows.append({
            sh.t("col_optimizer"): name,
            f"{sh.t('al_col_end')} ({ax[0]}, {ax[1]})": f"({th[0]:.4g}, {th[1]:.4g})",
            sh.t("col_final_loss"): "—" if d is not None else f"{r['loss'][-1, i]:.6g}",
            sh.t("col_final_grad"): "—" if d is not None else f"{r['grad_norm'][-1, i]:.3g}",
            sh.t("col_diverged"): "—" if d is None else str(d),
        })
    return rows
