"""The contract every error surface fulfils.

A `SurfaceSpec` is registry data (name, labels, formula, view box, knobs); its
`build(**params)` returns a `Problem`: the loss bound to concrete parameter
values, as torch functions on a (K, 2) batch of points.

Data-backed problems (`n_samples` is not None) evaluate their loss on weighted
samples: `weights` is (K, N) and the loss of row k is Σ_i weights[k, i]·ℓ_i(θ_k).
`weights=None` means the full loss: the same formula over all samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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

    def hessian(self, theta: Tensor) -> Tensor:
        """(K, 2) -> (K, 2, 2) Hessian of the full loss, by double backward.

        Rows are independent, so the gradient of Σ_k g_k[i] with respect to θ
        is row k's i-th Hessian row: two backward passes serve every point."""
        with torch.enable_grad():
            x = theta.detach().to(DTYPE).requires_grad_(True)
            (g,) = torch.autograd.grad(self.loss(x).sum(), x, create_graph=True)
            rows = []
            for i in range(2):
                (h,) = torch.autograd.grad(g[:, i].sum(), x, retain_graph=i == 0, allow_unused=True)
                rows.append(torch.zeros_like(x) if h is None else h)
        return torch.stack(rows, dim=1).detach()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.spec.box

    @property
    def start(self) -> tuple[float, float]:
        return self.spec.start

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
