"""The surfaces of LeeDL chapter 3, rebuilt from the book's formulas and data.

- textbook-saddle (§3.1): one example (x, ŷ) = (1, 1) for y = w1·w2·x, L = (1 − w1w2)².
- quadratic (§3.3): ½θᵀAθ with a chosen condition number and orientation.
- long-valley (§3.3, figs 3.21–3.29): the course's 10-point linear regression.
- softmax-ce / softmax-mse (§3.6): 3 classes, target class 1, logits (y1, y2, −1000).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from surfaces.base import DTYPE, Problem, SurfaceSpec, rows_dot
from surfaces.classic import ClosedForm, sym2
from surfaces.data import LeastSquares

from .spec import Param

Tensor = torch.Tensor

# -- §3.1: L(w1, w2) = (1 − w1·w2)² ------------------------------------------------
SADDLE = ClosedForm(
    f=lambda x, y, p: (1 - x * y) ** 2,
    df=lambda x, y, p: (-2 * y * (1 - x * y), -2 * x * (1 - x * y)),
    d2f=lambda x, y, p: (2 * y**2, -2 + 4 * x * y, 2 * x**2),
    # the whole hyperbola w1·w2 = 1 is a (degenerate) global minimum; two of its points:
    minima=lambda p: [(1.0, 1.0, 0.0), (-1.0, -1.0, 0.0)],
)


# -- §3.3: L(θ) = ½ θᵀAθ, A = λ_min·u uᵀ + λ_max·v vᵀ --------------------------------
class Quadratic(Problem):
    """L(θ) = ½ θᵀAθ, eigenvalues 1 (along u = (cos φ, sin φ)) and `cond` (along v ⊥ u).

    ∇L = Aθ, H = A."""

    def matrix(self) -> Tensor:
        """A (2, 2)."""
        phi = math.radians(self.params["angle"])
        u = torch.tensor([math.cos(phi), math.sin(phi)], dtype=DTYPE)
        v = torch.tensor([-math.sin(phi), math.cos(phi)], dtype=DTYPE)
        return torch.outer(u, u) + self.params["cond"] * torch.outer(v, v)

    def loss(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return 0.5 * (self.grad(theta) * theta).sum(-1)

    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        a = self.matrix()  # θA, row by row (`rows_dot`: A is symmetric)
        return rows_dot(theta, a)

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return self.matrix().expand(theta.shape[0], 2, 2).clone()

    def condition_number(self) -> float:
        return float(self.params["cond"])

    def minima(self) -> list[tuple[float, float, float]]:
        return [(0.0, 0.0, 0.0)]


# -- §3.3: the course's linear-regression demo, ŷ = b + w·x, θ = (b, w) ----------------
LONG_VALLEY_X = (338, 333, 328, 207, 226, 25, 179, 60, 208, 606)
LONG_VALLEY_Y = (640, 633, 619, 393, 428, 27, 193, 66, 226, 1591)


def _long_valley(spec: SurfaceSpec, p: dict[str, float]) -> Problem:
    x, y = np.array(LONG_VALLEY_X, dtype=float), np.array(LONG_VALLEY_Y, dtype=float)
    design = np.stack((np.ones_like(x), x), axis=1)
    samples = {"x": list(LONG_VALLEY_X), "y": list(LONG_VALLEY_Y)}
    return LeastSquares(spec, p, design, y, samples, reduction="mean" if p["reduction"] else "sum")


# -- §3.6: softmax over logits (y1, y2, −1000), target class 1 ---------------------
TARGET = (1.0, 0.0, 0.0)
Y3 = -1000.0


def _softmax(theta: Tensor) -> tuple[Tensor, Tensor]:
    """(p, ln p), each (K, 3), computed with log-softmax so no logit overflows."""
    logits = torch.cat((theta, torch.full_like(theta[:, :1], Y3)), dim=1)
    logp = torch.log_softmax(logits, dim=1)
    return logp.exp(), logp


class SoftmaxCE(Problem):
    """e = −Σ_i ŷ_i ln y′_i = −ln y′_1.  ∇e = (y′_1 − 1, y′_2), H = diag(y′) − y′y′ᵀ (2×2 block)."""

    def loss(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return -_softmax(theta)[1][:, 0]

    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        p = _softmax(theta)[0][:, :2]
        return p - torch.tensor(TARGET[:2], dtype=DTYPE)

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        p1, p2 = _softmax(theta)[0][:, :2].unbind(1)
        return sym2(p1 * (1 - p1), -p1 * p2, p2 * (1 - p2), like=p1)


class SoftmaxMSE(Problem):
    """e = Σ_i (ŷ_i − y′_i)², summed over the 3 classes (book convention).

    With r_i = (y′_i − ŷ_i) y′_i, S = Σ r_i, q_i = y′_i (2y′_i − ŷ_i), Q = Σ q_i:
    ∂e/∂y_j = 2 (r_j − y′_j S),
    ∂²e/∂y_j∂y_k = 2 [δ_jk (q_j − y′_j S) − y′_k q_j − y′_j q_k + y′_j y′_k (S + Q)]."""

    def loss(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        p = _softmax(theta)[0]
        return ((p - torch.tensor(TARGET, dtype=DTYPE)) ** 2).sum(-1)

    def _parts(self, theta: Tensor):
        p = _softmax(theta)[0]
        t = torch.tensor(TARGET, dtype=DTYPE)
        r, q = (p - t) * p, p * (2 * p - t)
        return p, r, q, r.sum(-1, keepdim=True), q.sum(-1, keepdim=True)

    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        p, r, _, s, _ = self._parts(theta)
        return (2 * (r - p * s))[:, :2]

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        p, r, q, s, qs = self._parts(theta)
        p, q = p[:, :2], q[:, :2]
        h = -p[:, None, :] * q[:, :, None] - p[:, :, None] * q[:, None, :] + p[:, :, None] * p[:, None, :] * (s + qs)[:, :, None]
        return 2 * (h + torch.diag_embed(q - p * s))


TEXTBOOK_SURFACES: tuple[SurfaceSpec, ...] = (
    SurfaceSpec(
        name="textbook-saddle", label_en="The book's saddle: (1 − w₁w₂)²", label_zh="教材中的鞍点：(1 − w₁w₂)²",
        latex=r"L(w_1, w_2) = (1 - w_1 w_2)^2",
        box=(-2.0, 2.0, -2.0, 2.0), start=(-0.6, 0.62), factory=SADDLE,
        blurb_en="Gradient zero at the origin, yet it is a saddle point: escape along the Hessian's negative-eigenvalue direction.",
        blurb_zh="原点处梯度为零却是鞍点：沿海森矩阵负特征值对应的特征向量方向即可逃离。",
        tags=("textbook",),
    ),
    SurfaceSpec(
        name="quadratic", label_en="Quadratic bowl (condition number)", label_zh="二次碗（条件数可调）",
        latex=r"L(\boldsymbol\theta) = \tfrac12 \boldsymbol\theta^\top A \boldsymbol\theta,\ \operatorname{eig}(A) = \{1, \kappa\}",
        box=(-3.0, 3.0, -3.0, 3.0), start=(-2.5, 1.5), factory=Quadratic,
        params=(
            Param("cond", 10.0, 1.0, 1e4, log=True, label_en="condition number κ", label_zh="条件数 κ", latex=r"\kappa"),
            Param("angle", 0.0, -90.0, 90.0, label_en="rotation (degrees)", label_zh="旋转角度（度）", latex=r"\varphi"),
        ),
        log_levels=True,
        blurb_en="One learning rate is too large along the steep axis and too small along the flat one.",
        blurb_zh="同一个学习率在陡峭方向上太大，在平坦方向上又太小。",
        tags=("textbook",),
    ),
    SurfaceSpec(
        name="long-valley", label_en="Long valley (course regression)", label_zh="狭长山谷（课程线性回归）",
        latex=r"L(b, w) = \sum_{i=1}^{10} \left(\hat y_i - (b + w x_i)\right)^2",
        box=(-200.0, -100.0, -5.0, 5.0), start=(-120.0, -4.0), factory=_long_valley,
        params=(
            Param(
                "reduction", 0, 0, 1, integer=True,
                label_en="loss: 0 = sum of squared errors (book demo), 1 = mean",
                label_zh="损失：0 = 平方误差求和（书中示例），1 = 平均", latex=r"\Sigma / \tfrac1N\Sigma",
            ),
        ),
        axes=("b", "w"), log_levels=True,
        blurb_en="Hessian eigenvalues about 3·10⁵ apart: the convex valley where a single learning rate fails.",
        blurb_zh="海森矩阵特征值相差约 3·10⁵ 倍：单一学习率难以应付的凸形狭长山谷。",
        tags=("textbook", "data"),
    ),
    SurfaceSpec(
        name="softmax-ce", label_en="Softmax + cross-entropy", label_zh="Softmax + 交叉熵",
        latex=r"e = -\ln y'_1,\quad y'_i = \frac{e^{y_i}}{\sum_j e^{y_j}},\ y_3 = -1000",
        box=(-10.0, 10.0, -10.0, 10.0), start=(-6.5, 5.7), factory=SoftmaxCE,
        axes=("y_1", "y_2"),
        blurb_en="Where the prediction is badly wrong, cross-entropy still has a slope to follow.",
        blurb_zh="预测错得很离谱的地方，交叉熵依然有坡度可以下降。",
        tags=("textbook",),
    ),
    SurfaceSpec(
        name="softmax-mse", label_en="Softmax + mean squared error", label_zh="Softmax + 均方误差",
        latex=r"e = \sum_{i=1}^{3} (\hat y_i - y'_i)^2,\quad y'_i = \frac{e^{y_i}}{\sum_j e^{y_j}},\ y_3 = -1000",
        box=(-10.0, 10.0, -10.0, 10.0), start=(-6.5, 5.7), factory=SoftmaxMSE,
        axes=("y_1", "y_2"),
        blurb_en="Where the loss is large the MSE surface is a plateau: gradient descent barely moves.",
        blurb_zh="损失大的地方均方误差的表面是一片平原：梯度下降几乎不动。",
        tags=("textbook",),
    ),
)
