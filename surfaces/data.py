"""Data-backed error surfaces: the loss is a weighted sum of per-sample losses.

    L(θ_k; w) = Σ_i w[k, i] · ℓ_i(θ_k),   w of shape (K, N) or (1, N)

`weights=None` is the full loss, i.e. `full_weights()`: 1/N per sample for a
mean, 1 for a sum.  A mini-batch is a weight row that is 1/B on the B chosen
samples, so batch noise comes from real samples.  Samples are drawn from numpy
Generators seeded by the `seed` parameter: the same parameters give the same
data, and growing N appends samples without moving the existing ones
(linreg, logreg).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .base import DTYPE, Problem, SurfaceSpec, newton, rows_combine, rows_dot, sigmoid
from .spec import Param

Tensor = torch.Tensor
Minimum = tuple[float, float, float]


def _generators(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two independent streams (inputs, noise) so that N and noise move nothing else."""
    a, b = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.default_rng(a), np.random.default_rng(b)


def zoom_factor(box: tuple[float, float, float, float], point: tuple[float, float], fill: float = 0.8) -> float:
    """1 if `point` is inside `box`; otherwise the smallest 1-2-5 factor by which the
    box, scaled about its centre, holds `point` in its central `fill` fraction."""
    x0, x1, y0, y1 = box
    reach = max(abs(point[0] - (x0 + x1) / 2) / ((x1 - x0) / 2), abs(point[1] - (y0 + y1) / 2) / ((y1 - y0) / 2))
    if reach <= 1.0 or not math.isfinite(reach):
        return 1.0
    need = reach / fill
    decade = 10.0 ** math.floor(math.log10(need))
    return next(m * decade for m in (1.0, 2.0, 5.0, 10.0) if m * decade >= need)


class DataProblem(Problem):
    """Shared machinery: weights, samples for display, and a view box that follows the minimum."""

    def __init__(self, spec: SurfaceSpec, params: dict[str, float], samples: dict[str, list], reduction: str = "mean"):
        super().__init__(spec, params)
        self.samples = samples
        self.n_samples = len(next(iter(samples.values())))
        self.reduction = reduction

    def per_sample(self, theta: Tensor) -> Tensor:
        """(K, 2) -> (K, N): ℓ_i(θ_k)."""
        raise NotImplementedError

    def _weights(self, weights: Tensor | None) -> Tensor:
        if weights is None:
            return self.full_weights()
        if weights.shape[-1] != self.n_samples:
            raise ValueError(f"surface {self.name}: weights have {weights.shape[-1]} columns, expected {self.n_samples}")
        return weights.to(DTYPE)

    def loss(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return (self._weights(weights) * self.per_sample(theta)).sum(-1)

    def data(self) -> dict[str, list]:
        return self.samples

    # -- view ----------------------------------------------------------------
    def zoom(self) -> float:
        """Factor by which the spec's box is scaled about its centre for these params."""
        return 1.0

    def view_box(self) -> tuple[float, float, float, float]:
        """The spec's box, scaled about its centre by `zoom()` so the minimum is in view."""
        x0, x1, y0, y1 = self.spec.box
        f, cx, cy = self.zoom(), (x0 + x1) / 2, (y0 + y1) / 2
        return (cx - f * (cx - x0), cx + f * (x1 - cx), cy - f * (cy - y0), cy + f * (y1 - cy))

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.view_box()

    @property
    def start(self) -> tuple[float, float]:
        x0, x1, y0, y1 = self.spec.box
        f, cx, cy = self.zoom(), (x0 + x1) / 2, (y0 + y1) / 2
        sx, sy = self.spec.start
        return (cx + f * (sx - cx), cy + f * (sy - cy))


class LeastSquares(DataProblem):
    """ℓ_i(θ) = (x_i·θ − y_i)² for design rows x_i ∈ R², a quadratic in θ.

    ∇L = 2 Σ_i w_i r_i x_i with r_i = x_i·θ − y_i;  H = 2 Σ_i w_i x_i x_iᵀ (constant)."""

    def __init__(self, spec, params, design: np.ndarray, target: np.ndarray, samples: dict[str, list], reduction: str = "mean"):
        super().__init__(spec, params, samples, reduction)
        self.X = torch.as_tensor(design, dtype=DTYPE)  # (N, 2)
        self.y = torch.as_tensor(target, dtype=DTYPE)  # (N,)
        self._minimum = self._solve()  # the data never change: solve once

    def _residual(self, theta: Tensor) -> Tensor:
        return rows_dot(theta, self.X) - self.y  # (K, N)

    def per_sample(self, theta: Tensor) -> Tensor:
        return self._residual(theta) ** 2

    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return 2 * rows_combine(self._weights(weights) * self._residual(theta), self.X)

    def hessian_matrix(self) -> Tensor:
        """(2, 2) Hessian of the full loss, the same at every θ."""
        return self._hessians(self.full_weights())[0]

    def _hessians(self, w: Tensor) -> Tensor:
        h = 2 * rows_combine(w, (self.X[:, :, None] * self.X[:, None, :]).reshape(-1, 4)).reshape(-1, 2, 2)
        return (h + h.transpose(-1, -2)) / 2  # exactly symmetric: the sum's rounding need not be

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        if weights is None:
            return self.hessian_matrix().expand(theta.shape[0], 2, 2).clone()
        return self._hessians(self._weights(weights)).expand(theta.shape[0], 2, 2).clone()

    def condition_number(self) -> float:
        """λ_max / λ_min of the Hessian (inf if it is singular)."""
        lo, hi = torch.linalg.eigvalsh(self.hessian_matrix()).tolist()
        return hi / lo if lo > 0 else math.inf

    def _solve(self) -> tuple[float, float]:
        s = self.full_weights()[0].sqrt()
        sol = torch.linalg.lstsq(self.X * s[:, None], (self.y * s)[:, None]).solution[:, 0]
        return (float(sol[0]), float(sol[1]))

    def minimum(self) -> tuple[float, float]:
        """Least-squares solution of the full loss, θ* = argmin Σ_i w_i (x_i·θ − y_i)²."""
        return self._minimum

    def minima(self) -> list[Minimum]:
        t = self.minimum()
        return [(t[0], t[1], float(self.loss(torch.tensor([t], dtype=DTYPE))[0]))]

    def zoom(self) -> float:
        return zoom_factor(self.spec.box, self.minimum())


class Logistic(DataProblem):
    """ℓ_i(θ) = softplus(−s_i θ·x_i) = −ln σ(s_i θ·x_i), labels s_i = ±1 (binary cross-entropy, no bias).

    ∇ℓ_i = −σ(−m_i) s_i x_i and ∇²ℓ_i = σ(m_i) σ(−m_i) x_i x_iᵀ, with m_i = s_i θ·x_i."""

    MAX_ZOOM = 10.0

    def __init__(self, spec, params, features: np.ndarray, labels: np.ndarray, samples: dict[str, list]):
        super().__init__(spec, params, samples, "mean")
        self.X = torch.as_tensor(features, dtype=DTYPE)  # (N, 2)
        self.V = self.X * torch.as_tensor(2.0 * labels - 1.0, dtype=DTYPE)[:, None]  # s_i x_i
        self._minimum = None if self.separable() else self._newton()

    def _margin(self, theta: Tensor) -> Tensor:
        return rows_dot(theta, self.V)  # (K, N)

    def per_sample(self, theta: Tensor) -> Tensor:
        return -torch.nn.functional.logsigmoid(self._margin(theta))

    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return -rows_combine(self._weights(weights) * sigmoid(-self._margin(theta)), self.V)

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        m = self._margin(theta)
        c = sigmoid(m) * sigmoid(-m) * self._weights(weights)
        outer = (self.X[:, :, None] * self.X[:, None, :]).reshape(-1, 4)  # (N, 4)
        return rows_combine(c, outer).reshape(-1, 2, 2)

    def separable(self) -> bool:
        """True if some θ ≠ 0 has s_i θ·x_i ≥ 0 for all i: then no finite minimum exists.

        In 2-D that means all s_i x_i fit in a closed half-plane, i.e. the sorted
        angles leave a gap of at least π."""
        v = self.V[(self.V != 0).any(dim=1)]
        if v.shape[0] < 2:
            return True
        ang = torch.sort(torch.atan2(v[:, 1], v[:, 0])).values
        gaps = torch.diff(torch.cat((ang, ang[:1] + 2 * math.pi)))
        return bool(gaps.max() >= math.pi - 1e-12)

    def minimum(self) -> tuple[float, float] | None:
        """θ* of the full loss; None when the data are separable (the infimum is at infinity)."""
        return self._minimum

    def _newton(self) -> tuple[float, float]:
        """Newton's method from θ = 0 (the loss is strictly convex here), steps at most a box span long."""
        x0, x1, y0, y1 = self.spec.box
        theta = newton(self, torch.zeros(1, 2, dtype=DTYPE), iters=100, max_step=max(x1 - x0, y1 - y0), tol=1e-15)
        return (float(theta[0, 0]), float(theta[0, 1]))

    def zoom(self) -> float:
        """Follow a finite minimum out of the box, but at most 10× (near-separable data send it far)."""
        t = self.minimum()
        return 1.0 if t is None else min(zoom_factor(self.spec.box, t), self.MAX_ZOOM)

    def minima(self) -> list[Minimum]:
        t = self.minimum()
        x0, x1, y0, y1 = self.box
        if t is None or not (x0 <= t[0] <= x1 and y0 <= t[1] <= y1):
            return []
        return [(t[0], t[1], float(self.loss(torch.tensor([t], dtype=DTYPE))[0]))]


# -- factories ----------------------------------------------------------------
LINREG_W, LINREG_B = 2.0, 1.0  # the line the samples scatter around


def _linreg(spec: SurfaceSpec, p: dict[str, float]) -> Problem:
    g_x, g_noise = _generators(p["seed"])
    x = g_x.uniform(0.0, 2.0, p["n"])
    y = LINREG_W * x + LINREG_B + p["noise"] * g_noise.standard_normal(p["n"])
    design = np.stack((x, np.ones_like(x)), axis=1)  # θ = (w, b)
    return LeastSquares(spec, p, design, y, {"x": x.tolist(), "y": y.tolist()})


LOGREG_DIRECTION = (0.8, 0.6)  # unit vector from class 0's centre to class 1's


def _logreg(spec: SurfaceSpec, p: dict[str, float]) -> Problem:
    g_noise, _ = _generators(p["seed"])
    label = np.arange(p["n"]) % 2  # alternate classes, so N = 2 already has both
    centre = (2.0 * label[:, None] - 1.0) * p["separation"] / 2 * np.array(LOGREG_DIRECTION)
    x = centre + p["noise"] * g_noise.standard_normal((p["n"], 2))
    samples = {"x1": x[:, 0].tolist(), "x2": x[:, 1].tolist(), "label": label.tolist()}
    return Logistic(spec, p, x, label.astype(float), samples)


FEATURE_COEF = (1.5, -1.0)  # y = c1·z1 + c2·z2 + noise: the minimum with standardised features


def _unit_uncorrelated(g: np.random.Generator, n: int) -> np.ndarray:
    """(n, 2) columns with mean 0, population variance 1 and zero correlation."""
    u = g.standard_normal((n, 2))
    u -= u.mean(axis=0)
    u[:, 1] -= (u[:, 0] @ u[:, 1]) / (u[:, 0] @ u[:, 0]) * u[:, 0]
    return u / np.sqrt((u**2).mean(axis=0))


def _feature_scale(spec: SurfaceSpec, p: dict[str, float]) -> Problem:
    g_x, g_noise = _generators(p["seed"])
    z = _unit_uncorrelated(g_x, p["n"])
    x = z * np.array([p["scale1"], p["scale2"]])
    y = z @ np.array(FEATURE_COEF) + p["noise"] * g_noise.standard_normal(p["n"])
    if p["standardize"]:
        x = (x - x.mean(axis=0)) / x.std(axis=0)  # z-score, population σ (ddof=0)
    return LeastSquares(spec, p, x, y, {"x1": x[:, 0].tolist(), "x2": x[:, 1].tolist(), "y": y.tolist()})


def _n(default: int = 40, lo: int = 2) -> Param:
    return Param("n", default, lo, 200, integer=True, label_en="number of samples N", label_zh="样本数 N", latex="N")


def _noise(default: float, lo: float = 0.0) -> Param:
    return Param("noise", default, lo, 3.0, label_en="noise", label_zh="噪声", latex=r"\sigma_\epsilon")


SEED = Param("seed", 0, 0, 9999, integer=True, label_en="random seed", label_zh="随机种子")

DATA_SURFACES: tuple[SurfaceSpec, ...] = (
    SurfaceSpec(
        name="linreg", label_en="Linear regression (synthetic)", label_zh="线性回归（生成数据）",
        latex=r"L(w, b) = \frac{1}{N} \sum_{i=1}^{N} \left(w x_i + b - y_i\right)^2",
        box=(-2.0, 6.0, -3.0, 5.0), start=(-1.5, 4.0), factory=_linreg,
        params=(_n(), _noise(0.5), SEED), axes=("w", "b"), log_levels=True,
        blurb_en="Fit a line to noisy points: each mini-batch of points has its own error surface.",
        blurb_zh="用直线拟合带噪声的点：每个小批量的数据都有自己的误差表面。",
        tags=("data",),
    ),
    SurfaceSpec(
        name="logreg", label_en="Logistic regression (synthetic)", label_zh="逻辑回归（生成数据）",
        latex=r"L(w_1, w_2) = \frac{1}{N} \sum_{i=1}^{N} \ln\!\left(1 + e^{-s_i (w_1 x_{i1} + w_2 x_{i2})}\right),\ s_i = \pm 1",
        box=(-4.0, 4.0, -4.0, 4.0), start=(-3.0, 3.0), factory=_logreg,
        params=(
            _n(),
            Param("separation", 1.0, 0.0, 3.0, label_en="distance between class centres", label_zh="两类中心的距离"),
            _noise(1.0, lo=0.1),
            SEED,
        ),
        blurb_en="Binary cross-entropy of a two-weight classifier; separable data push the minimum to infinity.",
        blurb_zh="两参数分类器的二元交叉熵；数据线性可分时极小值跑到无穷远处。",
        tags=("data",),
    ),
    SurfaceSpec(
        name="feature-scale", label_en="Feature scaling and normalization", label_zh="特征尺度与特征归一化",
        latex=r"L(w_1, w_2) = \frac{1}{N} \sum_{i=1}^{N} \left(w_1 x_{i1} + w_2 x_{i2} - y_i\right)^2",
        box=(-3.0, 3.0, -3.0, 3.0), start=(-2.5, 2.5), factory=_feature_scale,
        params=(
            Param("scale1", 1.0, 0.01, 1000.0, log=True, label_en="scale of x₁", label_zh="x₁ 的尺度", latex="s_1"),
            Param("scale2", 100.0, 0.01, 1000.0, log=True, label_en="scale of x₂", label_zh="x₂ 的尺度", latex="s_2"),
            _n(lo=4),
            _noise(0.5),
            SEED,
            Param("standardize", 0, 0, 1, integer=True, label_en="z-score the features (1 = on)", label_zh="特征标准化（1 = 开启）"),
        ),
        log_levels=True,
        blurb_en="Features on different scales stretch the surface into a narrow valley; z-scoring them makes it round.",
        blurb_zh="尺度差异很大的特征把误差表面拉成狭长的山谷；特征归一化后它变圆了。",
        tags=("data",),
    ),
)
