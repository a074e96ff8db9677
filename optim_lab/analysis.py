"""Critical points and the Hessian test of §3.1, in float64.

    L(θ) ≈ L(θ′) + (θ−θ′)ᵀg + ½(θ−θ′)ᵀH(θ−θ′)

At a critical point (g = 0) the eigenvalues of H decide: all > 0 a local
minimum, all < 0 a local maximum, mixed signs a saddle.  The book never treats
a zero eigenvalue; we report such points as `degenerate` (the test is
inconclusive), as on the valley w1·w2 = 1 of (1 − w1·w2)².
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from surfaces.base import grid, newton

from .engine import DTYPE, eigvals2

KINDS = ("minimum", "maximum", "saddle", "degenerate")
ZERO_TOL = 1e-6  # |λ| ≤ ZERO_TOL·max(1, |λ|_max) counts as zero (2-D surfaces and networks alike)


def _pt(at) -> torch.Tensor:
    return torch.as_tensor(np.asarray(at, dtype=np.float64).reshape(-1, 2), dtype=DTYPE)


def eigen_counts(eigvals, tol: float = ZERO_TOL) -> tuple[int, int, int]:
    """(#positive, #negative, #zero) of Hessian eigenvalues, any number of them: |λ| ≤
    tol·max(1, max|λ|) counts as zero (the test says nothing about it), and so does a
    non-finite λ (an overflowed Hessian)."""
    lam = np.asarray(eigvals, dtype=np.float64).reshape(-1)
    finite = np.isfinite(lam)
    scale = max(1.0, float(np.abs(lam[finite]).max())) if finite.any() else 1.0
    tau = tol * scale
    pos, neg = int((finite & (lam > tau)).sum()), int((finite & (lam < -tau)).sum())
    return pos, neg, lam.size - pos - neg


def classify(eigvals, tol: float = ZERO_TOL) -> str:
    """The kind of a critical point from its Hessian eigenvalues (the one Hessian test of the
    project: the 2-D pages, the network-plane inspector, the minimum ratio's counts)."""
    pos, neg, zero = eigen_counts(eigvals, tol)
    if zero:
        return "degenerate"
    if neg == 0:
        return "minimum"
    if pos == 0:
        return "maximum"
    return "saddle"


def minimum_ratio(eigvals, tol: float = ZERO_TOL) -> float:
    """Share of positive eigenvalues (the book's "minimum ratio").  An eigenvalue that
    `classify` counts as zero is not positive, whatever its rounding-error sign."""
    pos, neg, zero = eigen_counts(eigvals, tol)
    return pos / (pos + neg + zero)


@dataclass
class Inspection:
    at: tuple[float, float]
    loss: float
    grad: tuple[float, float]
    hessian: list[list[float]]
    eigvals: tuple[float, float]  # ascending
    eigvecs: list[list[float]]  # one unit eigenvector per row, in eigvals' order
    kind: str  # as if the point were critical; see `critical`
    minimum_ratio: float
    critical: bool  # ‖g‖ small relative to the surface's scale

    def as_dict(self) -> dict:
        return {
            "at": list(self.at), "loss": self.loss, "grad": list(self.grad), "hessian": self.hessian,
            "eigvals": list(self.eigvals), "eigvecs": self.eigvecs, "kind": self.kind,
            "minimum_ratio": self.minimum_ratio, "critical": self.critical,
        }


def inspect(problem, at, gtol: float = 1e-6) -> Inspection:
    """Loss, gradient, Hessian and its eigen-decomposition at one point."""
    x = _pt(at)
    with torch.no_grad():
        loss = float(problem.loss(x)[0])
    g = problem.grad(x)[0].numpy()
    h = problem.hessian(x)[0].numpy()
    h = 0.5 * (h + h.T)
    lam, vec = np.linalg.eigh(h)
    vecs = [_canonical(vec[:, i]) for i in range(2)]
    scale = max(1.0, float(np.abs(lam).max()))
    return Inspection(
        at=(float(x[0, 0]), float(x[0, 1])), loss=loss, grad=(float(g[0]), float(g[1])),
        hessian=h.tolist(), eigvals=(float(lam[0]), float(lam[1])), eigvecs=vecs,
        kind=classify(lam), minimum_ratio=minimum_ratio(lam),
        critical=bool(np.linalg.norm(g) <= gtol * scale),
    )


def _canonical(v: np.ndarray) -> list[float]:
    # sign convention: first non-zero component positive, so output is reproducible
    v = v / np.linalg.norm(v)
    if v[0] < 0 or (v[0] == 0 and v[1] < 0):
        v = -v
    return [float(v[0]), float(v[1])]


def taylor(problem, at, xs: np.ndarray, ys: np.ndarray, order: int = 2) -> np.ndarray:
    """The Taylor model around `at` on the grid xs × ys, shape (len(ys), len(xs))."""
    info = inspect(problem, at)
    dx = xs[None, :] - info.at[0]
    dy = ys[:, None] - info.at[1]
    g, h = info.grad, info.hessian
    out = info.loss + g[0] * dx + g[1] * dy
    if order >= 2:
        out = out + 0.5 * (h[0][0] * dx * dx + 2 * h[0][1] * dx * dy + h[1][1] * dy * dy)
    return out


def escape_step(problem, at, length: float = 1.0) -> tuple[float, float]:
    """θ = θ′ + u: step along the eigenvector of the most negative eigenvalue.

    Both ±u lower the quadratic model; we take the sign that lowers the true loss
    more.  Raises ValueError where no eigenvalue is negative (nothing to escape)."""
    info = inspect(problem, at)
    if info.eigvals[0] >= 0:
        raise ValueError("escape: the Hessian has no negative eigenvalue here, so there is no escape direction")
    u = np.asarray(info.eigvecs[0]) * float(length)
    cands = np.array([np.add(info.at, u), np.subtract(info.at, u)])
    with torch.no_grad():
        losses = problem.loss(_pt(cands)).numpy()
    best = cands[int(np.nanargmin(losses))]
    return float(best[0]), float(best[1])


def critical_points(problem, box=None, grid_n: int = 40, iters: int = 60, max_points: int = 400) -> list[dict]:
    """Every critical point Newton's method finds from a grid of starts inside the box,
    classified and de-duplicated, sorted by loss."""
    x0, x1, y0, y1 = box or problem.box
    th = grid((x0, x1, y0, y1), grid_n).tensor()
    gscale = float(torch.nanmedian(problem.grad(th).norm(dim=1))) + 1e-12
    span = max(x1 - x0, y1 - y0)
    th = newton(problem, th, iters=iters, max_step=0.25 * span)  # damped: no start flies off through a flat Hessian
    g = problem.grad(th)
    inside = (th[:, 0] >= x0) & (th[:, 0] <= x1) & (th[:, 1] >= y0) & (th[:, 1] <= y1)
    ok = inside & torch.isfinite(g).all(dim=1) & (g.norm(dim=1) <= 1e-7 * gscale + 1e-10)
    pts = th[ok]
    if len(pts) == 0:
        return []
    with torch.no_grad():
        losses = problem.loss(pts).numpy()
    lam = eigvals_of(problem, pts)
    found: list[dict] = []
    kinds = [classify(v) for v in lam]
    order = np.argsort(losses, kind="stable")
    xy = pts.numpy()
    taken = np.zeros(len(xy), dtype=bool)
    is_degen = np.array([k == "degenerate" for k in kinds], dtype=bool)
    for i in order:  # greedy de-duplication, vectorised over the remaining candidates
        if taken[i]:
            continue
        degenerate = bool(is_degen[i])
        r = (0.04 if degenerate else 1e-4) * span
        close = (np.hypot(*(xy - xy[i]).T) < r) & (is_degen == degenerate)
        taken |= close
        found.append({"at": [float(xy[i, 0]), float(xy[i, 1])], "loss": float(losses[i]),
                      "eigvals": [float(v) for v in lam[i]], "kind": kinds[i]})
        if len(found) >= max_points:
            break
    return found


def eigvals_of(problem, pts) -> np.ndarray:
    """Ascending Hessian eigenvalues at (K, 2) points, shape (K, 2)."""
    return eigvals2(problem.hessian(_pt(pts))).numpy()
