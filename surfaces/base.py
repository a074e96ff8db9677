"""The contract every error surface fulfils.

A `SurfaceSpec` is registry data (name, labels, formula, view box, knobs); its
`build(**params)` returns a `Problem`: the loss bound to concrete parameter
values, as torch functions on a (K, 2) batch of points.

Data-backed problems (`n_samples` is not None) evaluate their loss on weighted
samples: `weights` is (K, N) and the loss of row k is Σ_i weights[k, i]·ℓ_i(θ_k).
`weights=None` means the full loss: the same formula over all samples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from .spec import Param, resolve

Tensor = torch.Tensor
DTYPE = torch.float64


class Problem:
    """A loss L(θ) on (K, 2) points.  Subclasses give `loss`; `grad` and `hessian`
    default to autograd and may be overridden by closed forms (tests compare them)."""

    n_samples: int | None = None
    reduction: str = "mean"  # how a batch's per-sample losses are combined: "mean" or "sum"

    def __init__(self, spec: SurfaceSpec, params: dict[str, float]):
        self.spec = spec
        self.params = params

    # -- to override -------------------------------------------------------
    def loss(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        """(K, 2) -> (K,)."""
        raise NotImplementedError

    def minima(self) -> list[tuple[float, float, float]]:
        """Known global/local minima inside the box as (x, y, value); [] when unknown."""
        return []

    # -- derived -----------------------------------------------------------
    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        """(K, 2) -> (K, 2), by autograd unless a subclass gives a closed form."""
        with torch.enable_grad():
            x = theta.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self.loss(x, weights).sum(), x)
        return g

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        """(K, 2) -> (K, 2, 2) Hessian of the (weighted) loss, by double backward."""
        return autograd_hessian(lambda x: self.loss(x, weights), theta)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.spec.box

    @property
    def start(self) -> tuple[float, float]:
        return self.spec.start

    def batch_weights(self, batches: Sequence[Sequence[int]] | Tensor) -> Tensor:
        """(G, N) sample weights of G batches — index lists, or a (G, N) boolean mask:
        1/|batch| on the batch's samples for mean losses, 1 for summed ones, 0 elsewhere.
        The engine steps with these, and the pages draw each batch's own surface with them."""
        n = self.n_samples
        assert n is not None, "batch weights apply to data-backed surfaces only"
        if isinstance(batches, Tensor):
            mask = batches.to(torch.bool)
        else:
            mask = torch.zeros(len(batches), n, dtype=torch.bool)
            for row, idx in enumerate(batches):
                mask[row, list(idx)] = True
        w = mask.to(DTYPE)
        return w if self.reduction == "sum" else w / mask.sum(-1, keepdim=True).clamp_min(1).to(DTYPE)

    def full_weights(self) -> Tensor:
        """(1, N) weights that make `loss(θ, w)` the full loss."""
        n = self.n_samples
        assert n is not None
        w = 1.0 / n if self.reduction == "mean" else 1.0
        return torch.full((1, n), w, dtype=DTYPE)

    def data(self) -> dict[str, list]:
        """The samples behind a data-backed surface, for display ({} otherwise)."""
        return {}


@dataclass(frozen=True)
class SurfaceSpec:
    """Registry entry of one surface."""

    name: str  # kebab-case, used in URLs and on the command line
    label_en: str
    label_zh: str
    latex: str  # L(w_1, w_2) = ...
    box: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max
    start: tuple[float, float]
    factory: Callable[[SurfaceSpec, dict[str, float]], Problem]
    params: tuple[Param, ...] = ()
    axes: tuple[str, str] = ("w_1", "w_2")
    log_levels: bool = False  # contour levels log-spaced (range spans decades)
    blurb_en: str = ""
    blurb_zh: str = ""
    tags: tuple[str, ...] = field(default=())  # e.g. "data", "textbook", "classic"

    def build(self, **values: object) -> Problem:
        return self.factory(self, resolve(f"surface {self.name}", self.params, values))

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    @property
    def data_backed(self) -> bool:
        return "data" in self.tags


# -- row-by-row products ----------------------------------------------------------------------------
# A race steps all its rows (racers × starts, a family's positions) as one batch, and a row must
# come out bit for bit as it does alone (the command line's run of one racer).  A matrix product
# does not promise that: on an AVX-512 machine torch's (K, 2) @ (2, N) takes another kernel, with
# another order of additions, for K = 1 than for K = 4.  These are written as products and sums
# whose order for one row does not depend on the others.
def rows_dot(theta: Tensor, x: Tensor) -> Tensor:
    """(K, 2) rows θ_k and (N, 2) vectors x_n → (K, N) θ_k · x_n."""
    return theta[:, 0:1] * x[:, 0] + theta[:, 1:2] * x[:, 1]


def rows_combine(c: Tensor, x: Tensor) -> Tensor:
    """(K, N) weights and (N, D) vectors x_n → (K, D) Σ_n c_kn x_n (each row's sum in the same order)."""
    return (c[:, None, :] * x.T[None]).sum(-1)


def lane_free(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """`fn`, elementwise, taken on a strided copy of its argument: torch then runs its scalar loop
    for every element.  Its float64 kernels for sigmoid, softplus and powers other than 2, 3, ½
    and −1 round the elements taken eight at a time (AVX-512) differently from the leftovers, so
    a race's row would depend on the rows beside it; the backward passes read the same strided
    argument and take the scalar loop too."""

    def apply(t: Tensor) -> Tensor:
        spread = t.new_empty(t.shape + (2,))
        spread[..., 0] = t
        return fn(spread[..., 0])

    return apply


sigmoid = lane_free(torch.sigmoid)  # its derivatives are products of its value: the same everywhere too


def autograd_hessian(loss: Callable[[Tensor], Tensor], theta: Tensor) -> Tensor:
    """(K, 2) -> (K, 2, 2) Hessians of a loss of (K, 2) rows, by double backward; zero
    where the loss does not depend on a coordinate (or is linear in it).

    Rows are independent, so the gradient of Σ_k g_k[i] with respect to θ is row k's
    i-th Hessian row: two backward passes serve every point."""
    zeros = torch.zeros(theta.shape[0], 2, 2, dtype=DTYPE)
    with torch.enable_grad():
        x = theta.detach().to(DTYPE).requires_grad_(True)
        out = loss(x)
        if not out.requires_grad:
            return zeros
        (g,) = torch.autograd.grad(out.sum(), x, create_graph=True, allow_unused=True)
        if g is None or not g.requires_grad:  # linear: the gradient is constant
            return zeros
        rows = []
        for i in range(2):
            (h,) = torch.autograd.grad(g[:, i].sum(), x, retain_graph=i == 0, allow_unused=True)
            rows.append(torch.zeros_like(x) if h is None else h)
    return torch.stack(rows, dim=1).detach()


@dataclass(frozen=True)
class Grid:
    """An n × n grid over a view box: xs, ys, and the (n², 2) sites row-major over ys,
    so `values.reshape(len(ys), len(xs))` has rows = ys and columns = xs, as a contour wants."""

    xs: np.ndarray
    ys: np.ndarray
    points: np.ndarray

    def tensor(self) -> Tensor:
        return torch.as_tensor(self.points, dtype=DTYPE)


def grid(box: Sequence[float], n: int) -> Grid:
    """The n × n grid of box = (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = box
    xs, ys = np.linspace(x0, x1, int(n)), np.linspace(y0, y1, int(n))
    gx, gy = np.meshgrid(xs, ys)
    return Grid(xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1))


def newton(problem: Problem, theta: Tensor, weights: Tensor | None = None, iters: int = 60,
           max_step: float | None = None, tol: float = 0.0) -> Tensor:
    """Damped Newton steps θ ← θ − H⁺∇L from every row of (K, 2) `theta`: the one solver
    behind the critical-point finder, the data surfaces' minima and each batch's minimum.

    H⁺ is the pseudo-inverse, so where the minima form a line (one sample of a linear
    regression) a row goes to the point of that line it reaches; a step longer than
    `max_step` is shortened to it (no flying off through a flat Hessian); non-finite steps
    are skipped.  Stops early once every step is shorter than `tol`."""
    th = theta.detach().to(DTYPE).clone()
    with torch.no_grad():
        for _ in range(int(iters)):
            g = problem.grad(th, weights)
            h = problem.hessian(th, weights)
            step = (torch.linalg.pinv(0.5 * (h + h.transpose(-1, -2)), hermitian=True) @ g[..., None])[..., 0]
            length = step.norm(dim=1, keepdim=True)
            if max_step is not None:
                step = torch.where(length > max_step, step * (max_step / length), step)
            th = torch.where(torch.isfinite(step), th - step, th)
            if bool((length <= tol).all()):
                break
    return th
