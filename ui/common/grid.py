"""Grids over a view box and per-batch sample weights: the small computations several
views share (pure: numpy/torch in and out, no Streamlit).

Both could live in the engine's layer; they are kept here until they move down.
"""

from __future__ import annotations

import numpy as np
import torch

DTYPE = torch.float64


def grid_axes(box, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(xs, ys): n evenly spaced values along each side of box = (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = box
    return np.linspace(x0, x1, n), np.linspace(y0, y1, n)


def sites(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """(len(ys)·len(xs), 2): every (x, y) of the grid, row-major over ys
    (`values.reshape(len(ys), len(xs))` has rows = ys, columns = xs, as the contour wants)."""
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def grid_points(box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, sites): the n × n grid of the box."""
    xs, ys = grid_axes(box, n)
    return xs, ys, sites(xs, ys)


def sample_weights(problem, batches) -> torch.Tensor:
    """(F, N) sample weights of each batch: 1/|batch| for mean losses, 1 for summed ones
    (the weights the engine steps with)."""
    w = torch.zeros(len(batches), problem.n_samples, dtype=DTYPE)
    for f, idx in enumerate(batches):
        w[f, list(idx)] = 1.0 if problem.reduction == "sum" else 1.0 / len(idx)
    return w


def loss_grid(problem, box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, z): the full loss on the n × n grid, float32, NaN where undefined."""
    xs, ys, pts = grid_points(box, n)
    with torch.no_grad():
        z = problem.loss(torch.as_tensor(pts, dtype=DTYPE)).numpy().reshape(n, n)
    return xs, ys, np.where(np.isfinite(z), z, np.nan).astype(np.float32)


def grad_norm_grid(problem, box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, ‖∇L‖ on the n × n grid), shape (n, n) with rows = ys."""
    xs, ys, pts = grid_points(box, n)
    with torch.no_grad():
        g = problem.grad(torch.as_tensor(pts, dtype=DTYPE)).numpy()
    return xs, ys, np.hypot(g[:, 0], g[:, 1]).reshape(n, n)
