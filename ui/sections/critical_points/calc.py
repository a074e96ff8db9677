"""§3.1 calculations: the eigen-directions to draw, the Taylor model, the escape splice.
Pure (numpy in and out); `info` is an `optim_lab.analysis.Inspection`."""

from __future__ import annotations

import dataclasses

import numpy as np

from optim_lab.analysis import Inspection
from ui.common.figures import Grid
from ui.common.figures.theme import NON_RUN
from ui.common.result import Race

EIGEN_COLORS = (NON_RUN["arrow"], NON_RUN["white"])
JUMP_COLOR = NON_RUN["arrow"]


def eigen_arrows(info: Inspection, box, colors=EIGEN_COLORS) -> list[dict]:
    """Arrows along the two eigenvectors at the inspected point, scaled to the view."""
    x0, x1, y0, y1 = box
    scale = 0.12 * min(x1 - x0, y1 - y0)
    at = info.at
    out = []
    for j in range(2):
        u, lam = info.eigvecs[j], info.eigvals[j]
        out.append({"from": at, "to": (at[0] + scale * u[0], at[1] + scale * u[1]), "color": colors[j],
                    "text": f"λ{'₁₂'[j]}={lam:.3g}"})
    return out


def jump_arrow(before: tuple[float, float], after: tuple[float, float]) -> dict:
    """The escape θ′ → θ′ + u, drawn on the contour."""
    return {"from": before, "to": after, "color": JUMP_COLOR, "text": "θ′ + u"}


def taylor_grid(box, at, info: Inspection, n: int = 40) -> Grid:
    """The quadratic Taylor model on a window around `at` (¼ of the view each way)."""
    x0, x1, y0, y1 = box
    wx, wy = (x1 - x0) / 4, (y1 - y0) / 4
    xs = np.linspace(max(x0, at[0] - wx), min(x1, at[0] + wx), n)
    ys = np.linspace(max(y0, at[1] - wy), min(y1, at[1] + wy), n)
    g, h = info.grad, info.hessian
    dx, dy = xs[None, :] - at[0], ys[:, None] - at[1]
    z = info.loss + g[0] * dx + g[1] * dy + 0.5 * (h[0][0] * dx * dx + 2 * h[0][1] * dx * dy + h[1][1] * dy * dy)
    return Grid(xs, ys, z)


def with_escape(before: Race, after: Race) -> Race:
    """The run, then the jump θ′ → θ′ + u, then the run continued from θ′ + u: one race of
    2T + 1 steps (the jump is no step of the optimizer: its step quantities are NaN)."""
    result = before.result.then(after.result)
    return dataclasses.replace(before, result=result, steps=result.steps)
