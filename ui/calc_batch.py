"""Computations of the §3.2 page: each batch's own error surface, its minimum, gradients.

The pure functions take a built problem; the `cached_*` wrappers are bounded
`st.cache_data` entries keyed by plain values and return numpy arrays only.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from ui.common import compute

DTYPE = torch.float64


def batch_weights(problem, batches: list[list[int]]) -> torch.Tensor:
    """(F, N) sample weights of each batch: 1/|batch| for mean losses, 1 for summed ones (as the engine does)."""
    n = problem.n_samples
    w = torch.zeros(len(batches), n, dtype=DTYPE)
    for f, idx in enumerate(batches):
        w[f, list(idx)] = 1.0 if problem.reduction == "sum" else 1.0 / len(idx)
    return w


def batch_surfaces(problem, batches: list[list[int]], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """(F, m, n) loss of each batch on the grid xs × ys (one per-sample evaluation, one matmul)."""
    gx, gy = np.meshgrid(xs, ys)
    pts = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=DTYPE)
    with torch.no_grad():
        per = problem.per_sample(pts)  # (P, N)
        z = per @ batch_weights(problem, batches).T  # (P, F)
    z = z.T.reshape(len(batches), len(ys), len(xs)).numpy()
    return np.where(np.isfinite(z), z, np.nan)


def batch_grads(problem, batches: list[list[int]], points: np.ndarray) -> np.ndarray:
    """(F, 2) gradient of batch f at points[f]."""
    th = torch.as_tensor(np.asarray(points, np.float64).reshape(-1, 2), dtype=DTYPE)
    with torch.no_grad():
        return problem.grad(th, batch_weights(problem, batches)).numpy()


def full_grads(problem, points: np.ndarray) -> np.ndarray:
    th = torch.as_tensor(np.asarray(points, np.float64).reshape(-1, 2), dtype=DTYPE)
    with torch.no_grad():
        return problem.grad(th).numpy()


def batch_minima(problem, batches: list[list[int]], starts: np.ndarray, box, iters: int = 60) -> np.ndarray:
    """(F, 2): for each batch, the minimum of its loss nearest to starts[f], by Newton's method
    (pseudo-inverse of the batch Hessian, so a batch whose minima form a line, e.g. one sample
    of a linear regression, gives the point of that line reached from the start).  NaN where
    the batch has no finite minimum near the view (e.g. one sample of a logistic regression)."""
    w = batch_weights(problem, batches)
    th = torch.as_tensor(np.asarray(starts, np.float64).reshape(-1, 2), dtype=DTYPE).clone()
    x0, x1, y0, y1 = box
    span = max(x1 - x0, y1 - y0)
    h = 1e-6 * span
    eye = torch.eye(2, dtype=DTYPE)
    with torch.no_grad():
        g0 = problem.grad(th, w).norm(dim=1)
        for _ in range(iters):
            g = problem.grad(th, w)
            cols = [(problem.grad(th + h * eye[j], w) - problem.grad(th - h * eye[j], w)) / (2 * h) for j in range(2)]
            hess = torch.stack(cols, dim=-1)
            hess = 0.5 * (hess + hess.transpose(-1, -2))
            step = (torch.linalg.pinv(hess, rtol=1e-9) @ g[..., None])[..., 0]
            length = step.norm(dim=1, keepdim=True)
            step = step * torch.clamp(0.5 * span / length.clamp_min(1e-300), max=1.0)  # a damped Newton step
            th = th - step
            if bool((length < 1e-12 * span).all()):
                break
        g_end = problem.grad(th, w).norm(dim=1)
    out = th.numpy().copy()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    far = (np.abs(out[:, 0] - cx) > 1.5 * (x1 - x0)) | (np.abs(out[:, 1] - cy) > 1.5 * (y1 - y0))
    stuck = g_end.numpy() > 1e-6 * np.maximum(g0.numpy(), 1e-12)
    out[far | stuck | ~np.isfinite(out).all(axis=1)] = np.nan
    return out


# -- cached wrappers (plain keys in, numpy out) -------------------------------------------
@st.cache_data(max_entries=16, show_spinner=False)
def cached_surfaces(surface: str, params: tuple, batches: tuple, box: tuple, n: int = 40) -> dict:
    problem = compute.build(surface, params)
    xs, ys = np.linspace(box[0], box[1], n), np.linspace(box[2], box[3], n)
    z = batch_surfaces(problem, [list(b) for b in batches], xs, ys).astype(np.float32)
    return {"xs": xs, "ys": ys, "z": z}


@st.cache_data(max_entries=32, show_spinner=False)
def cached_minima(surface: str, params: tuple, batches: tuple, starts: tuple, box: tuple) -> np.ndarray:
    problem = compute.build(surface, params)
    return batch_minima(problem, [list(b) for b in batches], np.asarray(starts, np.float64), box)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_full_grads(surface: str, params: tuple, points: tuple) -> np.ndarray:
    return full_grads(compute.build(surface, params), np.asarray(points, np.float64))


@st.cache_data(max_entries=64, show_spinner=False)
def cached_batch_grads(surface: str, params: tuple, batches: tuple, points: tuple) -> np.ndarray:
    return batch_grads(compute.build(surface, params), [list(b) for b in batches], np.asarray(points, np.float64))
