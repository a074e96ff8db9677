"""A 2-D slice of a real network's loss around its trained weights θ*.

    L(α, β) = L(θ* + α·d₁ + β·d₂)           d₁, d₂ ∈ ℝᴾ

Two kinds of plane (Li et al. 2018, "Visualizing the loss landscape of neural nets"):

- `random`: two Gaussian directions with *filter normalization*: every filter of a direction
  (one output row of a Linear weight, one output channel of a Conv weight) is rescaled to
  the norm of the same filter of θ*, so α = 1 means "as far again as the filter's own
  size", comparable between layers and networks.  Biases and BatchNorm's γ/β (every 1-D
  parameter) are zero in the direction: the slice moves only the weights.
- `pca`: the top-2 principal directions of the trajectory's differences θ_t − θ* (unit
  vectors).  The path then lies in (nearly) the plane, and its points projected on it are
  drawn on the same axes; the share of the path's variance the plane keeps is reported.

The grid is evaluated batched: `torch.func.vmap` over many weight vectors at once through
`functional_call`, in chunks that bound memory — not a Python loop of `load_state_dict`.
BN layers use their running statistics (eval mode) throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.func import functional_call, vmap

from .hessian import Criterion, Flat, eval_mode, flat_params, hvp_operator, loss_fn, loss_value

ACT_BUDGET = 2.5e7  # activations (elements) alive at once in one batched chunk: ≈ 100 MB in float32
PLANES = ("random", "pca")


def filter_normalize(direction: torch.Tensor, theta: torch.Tensor, flat: Flat) -> torch.Tensor:
    """Rescale each filter of `direction` to the norm of θ's filter; 1-D parts (biases, BN) → 0."""
    out = []
    for d, w, shape in zip(direction.split(flat.sizes), theta.split(flat.sizes), flat.shapes, strict=True):
        if len(shape) <= 1:
            out.append(torch.zeros_like(d))
            continue
        d2, w2 = d.reshape(shape[0], -1), w.reshape(shape[0], -1)
        scale = w2.norm(dim=1, keepdim=True) / d2.norm(dim=1, keepdim=True).clamp_min(1e-30)
        out.append((d2 * scale).reshape(-1))
    return torch.cat(out)


def random_directions(model: torch.nn.Module, seed: int = 0, k: int = 2) -> torch.Tensor:
    """(k, P) filter-normalized Gaussian directions around the model's current weights."""
    theta, flat = flat_params(model), Flat.of(model)
    gen = torch.Generator().manual_seed(int(seed))
    return torch.stack([filter_normalize(torch.randn(theta.shape, generator=gen, dtype=theta.dtype), theta, flat)
                        for _ in range(k)])


def pca_directions(trajectory: torch.Tensor, theta: torch.Tensor) -> tuple[torch.Tensor, np.ndarray]:
    """Top-2 principal directions (2, P) of the rows θ_t − θ* of a trajectory (T, P), and the
    share of the differences' total square norm each keeps (2,)."""
    diffs = (trajectory - theta).to(torch.float64)
    _, s, vh = torch.linalg.svd(diffs, full_matrices=False)
    if len(s) < 2:
        raise ValueError("pca: the trajectory needs at least two points besides the final weights")
    share = (s**2 / (s**2).sum().clamp_min(1e-300)).numpy()
    dirs = vh[:2]
    # a sign convention, so the same run always gives the same picture: the path starts at α, β ≤ 0
    first = diffs[0] @ dirs.T
    dirs = dirs * torch.where(first > 0, -1.0, 1.0).unsqueeze(1).to(dirs.dtype)
    return dirs.to(theta.dtype), share[:2]


def project(points: torch.Tensor, theta: torch.Tensor, dirs: torch.Tensor) -> np.ndarray:
    """Plane coordinates (T, 2) of weight vectors (T, P): least squares on θ* + α d₁ + β d₂."""
    D = dirs.T.to(torch.float64)  # (P, 2)
    coef = torch.linalg.lstsq(D, (points - theta).to(torch.float64).T).solution  # (2, T)
    return coef.T.numpy()


@dataclass(frozen=True)
class Plane:
    theta: torch.Tensor  # (P,) the centre θ*
    dirs: torch.Tensor  # (2, P)
    kind: str
    share: np.ndarray | None = None  # pca: variance share of each direction

    def point(self, a: float, b: float) -> torch.Tensor:
        return self.theta + a * self.dirs[0] + b * self.dirs[1]


def make_plane(model: torch.nn.Module, kind: str = "random", seed: int = 0, trajectory: torch.Tensor | None = None) -> Plane:
    theta = flat_params(model)
    if kind == "random":
        return Plane(theta, random_directions(model, seed), "random")
    if kind == "pca":
        if trajectory is None:
            raise ValueError("pca: needs the trajectory of the run")
        dirs, share = pca_directions(trajectory, theta)
        return Plane(theta, dirs, "pca", share)
    raise ValueError(f"plane: unknown {kind!r} (choose from: {', '.join(PLANES)})")


def _activation_size(model: torch.nn.Module, x1: torch.Tensor) -> int:
    """Elements of every leaf module's output for one sample (the memory a forward pass holds)."""
    total = [x1.numel()]
    hooks = [m.register_forward_hook(lambda m, i, o: total.append(o.numel()))
             for m in model.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            model(x1)
    finally:
        for h in hooks:
            h.remove()
    return sum(total)


def batched_losses(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, thetas: torch.Tensor,
                   loss: Criterion = "ce", chunk: int | None = None) -> np.ndarray:
    """L(θ) over (x, y) for every row of `thetas` (M, P), vmapped in chunks; eval mode."""
    flat = Flat.of(model)
    crit = loss if callable(loss) else (lambda out, t: loss_value(out, t, loss))
    with eval_mode(model):
        buffers = dict(model.named_buffers())
        if chunk is None:
            chunk = max(1, int(ACT_BUDGET // max(1, _activation_size(model, x[:1]) * len(x))))

        def one(theta):
            return crit(functional_call(model, (flat.unflatten(theta), buffers), (x,)), y)

        many = vmap(one)
        out = []
        with torch.no_grad():
            for i in range(0, len(thetas), chunk):
                out.append(many(thetas[i : i + chunk]))
    return torch.cat(out).to(torch.float64).numpy()


@dataclass
class Slice:
    """The loss on a grid of the plane: `loss[i, j]` at (alpha[j], beta[i])."""

    alpha: np.ndarray  # (n,)
    beta: np.ndarray  # (m,)
    loss: np.ndarray  # (m, n)
    kind: str
    share: np.ndarray | None
    path: np.ndarray | None = None  # (T, 2) the trajectory's points projected on the plane
    path_loss: np.ndarray | None = None  # (T,) the true loss of the trajectory's points (off-plane)


def grid(model, x, y, plane: Plane, alpha: np.ndarray, beta: np.ndarray, loss: Criterion = "ce",
         chunk: int | None = None) -> Slice:
    A, B = np.meshgrid(np.asarray(alpha, np.float64), np.asarray(beta, np.float64))
    a = torch.as_tensor(A.ravel(), dtype=plane.theta.dtype).unsqueeze(1)
    b = torch.as_tensor(B.ravel(), dtype=plane.theta.dtype).unsqueeze(1)
    thetas = plane.theta + a * plane.dirs[0] + b * plane.dirs[1]
    values = batched_losses(model, x, y, thetas, loss, chunk).reshape(A.shape)
    return Slice(np.asarray(alpha, np.float64), np.asarray(beta, np.float64), values, plane.kind, plane.share)


def default_extent(plane: Plane, path: np.ndarray | None, margin: float = 0.25) -> tuple[float, float, float, float]:
    """[−1, 1]² for random planes (Li et al.); for PCA the projected path's box plus a margin."""
    if plane.kind == "random" or path is None or len(path) == 0:
        return -1.0, 1.0, -1.0, 1.0
    lo, hi = path.min(0), path.max(0)
    span = np.maximum(hi - lo, 1e-3 * max(1e-12, float(np.abs(path).max())))
    pad = margin * span
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])


def slice_around(model, x, y, loss: Criterion = "ce", kind: str = "random", n: int = 41, seed: int = 0,
                 trajectory: torch.Tensor | None = None, extent=None) -> tuple[Slice, Plane]:
    """The whole job: plane, grid n × n over its extent, and (if given) the trajectory on it."""
    plane = make_plane(model, kind, seed, trajectory)
    path = project(trajectory, plane.theta, plane.dirs) if trajectory is not None else None
    x0, x1, y0, y1 = extent or default_extent(plane, path)
    s = grid(model, x, y, plane, np.linspace(x0, x1, n), np.linspace(y0, y1, n), loss)
    if trajectory is not None:
        s.path = path
        s.path_loss = batched_losses(model, x, y, trajectory.to(plane.theta.dtype), loss)
    return s, plane


def line(model, x, y, direction: torch.Tensor, alpha: np.ndarray, loss: Criterion = "ce") -> np.ndarray:
    """The 1-D curve L(θ* + α·d) for each α (Keskar et al.'s stand-in for sharpness)."""
    theta = flat_params(model)
    a = torch.as_tensor(np.asarray(alpha, np.float64), dtype=theta.dtype).unsqueeze(1)
    return batched_losses(model, x, y, theta + a * direction, loss)


def plane_curvature(model, x, y, plane: Plane, a: float, b: float, loss: Criterion = "ce") -> dict:
    """At θ* + a·d₁ + b·d₂: the loss, the gradient in the plane (2,), the plane's 2 × 2 Hessian
    H₂ = Dᵀ H D with D = [d₁ d₂] (the Hessian of L(α, β) itself) and its eigenvalues."""
    theta = plane.point(a, b)
    with eval_mode(model):
        L = loss_fn(model, x, y, loss)
        with torch.enable_grad():
            t = theta.detach().clone().requires_grad_(True)
            value = L(t)
            (g,) = torch.autograd.grad(value, t)
        H = hvp_operator(L, theta)
        hd = torch.stack([H(plane.dirs[0]), H(plane.dirs[1])])  # (2, P)
    h2 = (plane.dirs.to(torch.float64) @ hd.to(torch.float64).T).numpy()
    h2 = (h2 + h2.T) / 2
    return {
        "at": (float(a), float(b)), "loss": float(value.detach()),
        "grad": (plane.dirs.to(torch.float64) @ g.to(torch.float64)).numpy(),
        "hessian": h2, "eigvals": np.linalg.eigvalsh(h2),
    }
