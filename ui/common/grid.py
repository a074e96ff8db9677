"""The loss and its gradient norm over a view box (pure: a problem in, numpy out).

The grid itself is the surfaces' (`surfaces.base.grid`); these are the two views of a
problem that several sections draw on it.
"""

from __future__ import annotations

import numpy as np
import torch

from surfaces.base import grid


def loss_grid(problem, box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, z): the full loss on the n × n grid, float32, NaN where undefined."""
    sites = grid(box, n)
    with torch.no_grad():
        z = problem.loss(sites.tensor()).numpy().reshape(n, n)
    return sites.xs, sites.ys, np.where(np.isfinite(z), z, np.nan).astype(np.float32)


def grad_norm_grid(problem, box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, ‖∇L‖ on the n × n grid), shape (n, n) with rows = ys."""
    sites = grid(box, n)
    with torch.no_grad():
        g = problem.grad(sites.tensor()).numpy()
    return sites.xs, sites.ys, np.hypot(g[:, 0], g[:, 1]).reshape(n, n)
