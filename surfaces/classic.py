"""Classic optimisation test functions of two variables, with closed-form derivatives.

Each surface is three torch expressions of (x, y) and the spec's parameters —
f, ∇f = (f_x, f_y) and ∇²f = (f_xx, f_xy, f_yy) — plus its known minima as data
(the scipy-benchmark habit: formula, bounds and optimum travel together so that
tests can check them).  Every expression is vectorised over K rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from surfaces.base import DTYPE, Problem, SurfaceSpec

from .spec import Param

Tensor = torch.Tensor
Minimum = tuple[float, float, float]
PI = math.pi


def _no_minima(params: dict) -> list[Minimum]:
    return []


@dataclass(frozen=True)
class ClosedForm:
    """f, ∇f, ∇²f as functions of (x, y, params); calling it builds an `Analytic` problem.

    `df` returns (f_x, f_y) and `d2f` returns (f_xx, f_xy, f_yy); entries may be
    Python numbers where the derivative is constant."""

    f: Callable[[Tensor, Tensor, dict], Tensor]
    df: Callable[[Tensor, Tensor, dict], tuple]
    d2f: Callable[[Tensor, Tensor, dict], tuple]
    minima: Callable[[dict], list[Minimum]] = _no_minima

    def __call__(self, spec: SurfaceSpec, params: dict[str, float]) -> Problem:
        return Analytic(spec, params, self)


def _full(v: Tensor | float, like: Tensor) -> Tensor:
    return torch.as_tensor(v, dtype=DTYPE).expand_as(like)


def sym2(hxx, hxy, hyy, like: Tensor) -> Tensor:
    """(K, 2, 2) symmetric matrices from their three (K,) (or constant) entries."""
    hxx, hxy, hyy = (_full(h, like) for h in (hxx, hxy, hyy))
    return torch.stack((torch.stack((hxx, hxy), -1), torch.stack((hxy, hyy), -1)), -2)


class Analytic(Problem):
    """A surface given in closed form: loss, grad and hessian all come from a `ClosedForm`."""

    def __init__(self, spec: SurfaceSpec, params: dict[str, float], form: ClosedForm):
        super().__init__(spec, params)
        self.form = form

    def loss(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return _full(self.form.f(theta[:, 0], theta[:, 1], self.params), theta[:, 0])

    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        x = theta[:, 0]
        gx, gy = self.form.df(x, theta[:, 1], self.params)
        if not (isinstance(gx, Tensor) and isinstance(gy, Tensor) and gx.shape == gy.shape == x.shape):
            gx, gy = _full(gx, x), _full(gy, x)
        return torch.stack((gx, gy), -1)

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return sym2(*self.form.d2f(theta[:, 0], theta[:, 1], self.params), like=theta[:, 0])

    def minima(self) -> list[Minimum]:
        return list(self.form.minima(self.params))


# -- Rosenbrock: (a − x)² + b(y − x²)² ---------------------------------------
def _rosen_f(x, y, p):
    r = torch.addcmul(y, x, x, value=-1.0)
    s = x - p["a"]
    return torch.addcmul(s * s, r, r, value=p["b"])


def _rosen_df(x, y, p):
    # written with fused ops: the engine's race benchmark steps on this surface
    r = torch.addcmul(y, x, x, value=-1.0)  # y − x²
    return torch.addcmul((x - p["a"]) * 2.0, x, r, value=-4.0 * p["b"]), r * (2.0 * p["b"])


ROSENBROCK = ClosedForm(
    f=_rosen_f,
    df=_rosen_df,
    d2f=lambda x, y, p: (2 - 4 * p["b"] * y + 12 * p["b"] * x**2, -4 * p["b"] * x, 2 * p["b"]),
    minima=lambda p: [(p["a"], p["a"] ** 2, 0.0)],
)


# -- Beale: Σ_{k=1..3} (c_k − x + x·y^k)², c = (1.5, 2.25, 2.625) --------------
_BEALE_C = (1.5, 2.25, 2.625)


def _beale_terms(x: Tensor, y: Tensor):
    """Residual r_k, its gradient (r_x, r_y) and Hessian (0, r_xy, r_yy) for k = 1, 2, 3."""
    for k, c in enumerate(_BEALE_C, start=1):
        yk1 = y ** (k - 1)
        r = c - x + x * yk1 * y
        yield r, (yk1 * y - 1, k * x * yk1), (k * yk1, k * (k - 1) * x * y ** max(k - 2, 0))


def _beale_d2f(x, y, p):
    hxx = hxy = hyy = 0.0
    for r, (rx, ry), (rxy, ryy) in _beale_terms(x, y):
        hxx = hxx + 2 * rx * rx
        hxy = hxy + 2 * (rx * ry + r * rxy)
        hyy = hyy + 2 * (ry * ry + r * ryy)
    return hxx, hxy, hyy


BEALE = ClosedForm(
    f=lambda x, y, p: sum(r**2 for r, _, _ in _beale_terms(x, y)),
    df=lambda x, y, p: tuple(sum(2 * r * d[i] for r, d, _ in _beale_terms(x, y)) for i in (0, 1)),
    d2f=_beale_d2f,
    minima=lambda p: [(3.0, 0.5, 0.0)],
)


# -- Himmelblau: (x² + y − 11)² + (x + y² − 7)² --------------------------------
HIMMELBLAU = ClosedForm(
    f=lambda x, y, p: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    df=lambda x, y, p: (
        4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
        2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7),
    ),
    d2f=lambda x, y, p: (12 * x**2 + 4 * y - 42, 4 * (x + y), 12 * y**2 + 4 * x - 26),
    minima=lambda p: [
        (3.0, 2.0, 0.0),
        (-2.805118086952745, 3.131312518250573, 0.0),
        (-3.779310253377747, -3.283185991286169, 0.0),
        (3.5844283403304917, -1.8481265269644034, 0.0),
    ],
)


# -- Booth: (x + 2y − 7)² + (2x + y − 5)² --------------------------------------
BOOTH = ClosedForm(
    f=lambda x, y, p: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    df=lambda x, y, p: (10 * x + 8 * y - 34, 8 * x + 10 * y - 38),
    d2f=lambda x, y, p: (10.0, 8.0, 10.0),
    minima=lambda p: [(1.0, 3.0, 0.0)],
)


# -- Rastrigin: 2A + Σ (t² − A·cos 2πt) ----------------------------------------
RASTRIGIN = ClosedForm(
    f=lambda x, y, p: 2 * p["A"] + x**2 - p["A"] * torch.cos(2 * PI * x) + y**2 - p["A"] * torch.cos(2 * PI * y),
    df=lambda x, y, p: tuple(2 * t + 2 * PI * p["A"] * torch.sin(2 * PI * t) for t in (x, y)),
    d2f=lambda x, y, p: (
        2 + 4 * PI**2 * p["A"] * torch.cos(2 * PI * x),
        0.0,
        2 + 4 * PI**2 * p["A"] * torch.cos(2 * PI * y),
    ),
    minima=lambda p: [(0.0, 0.0, 0.0)],
)


# -- Ackley: −20·exp(−0.2·r) − exp(½(cos 2πx + cos 2πy)) + e + 20, r = √(½(x² + y²))
def _ackley_parts(x: Tensor, y: Tensor):
    """r, 1/r and (r_x, r_y), with 1/r and ∇r set to 0 at the exact origin.

    The cone term is not differentiable at r = 0; calling its gradient and
    Hessian 0 there keeps every value finite (the origin is the minimum)."""
    r = torch.sqrt(0.5 * (x**2 + y**2))
    inv_r = torch.where(r > 0, 1.0 / torch.where(r > 0, r, 1.0), 0.0)
    return r, inv_r, 0.5 * x * inv_r, 0.5 * y * inv_r


def _ackley_f(x, y, p):
    r = torch.sqrt(0.5 * (x**2 + y**2))
    wave = torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y)))
    return -20 * torch.exp(-0.2 * r) - wave + math.e + 20


def _ackley_df(x, y, p):
    r, _, rx, ry = _ackley_parts(x, y)
    cone = 4 * torch.exp(-0.2 * r)  # a·b·exp(−b·r)
    wave = PI * torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y)))
    return cone * rx + wave * torch.sin(2 * PI * x), cone * ry + wave * torch.sin(2 * PI * y)


def _ackley_d2f(x, y, p):
    r, inv_r, rx, ry = _ackley_parts(x, y)
    cone = 4 * torch.exp(-0.2 * r)
    wave = PI**2 * torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y)))
    sx, sy = torch.sin(2 * PI * x), torch.sin(2 * PI * y)
    hxx = cone * (0.5 * inv_r - rx * rx * inv_r - 0.2 * rx * rx) + wave * (2 * torch.cos(2 * PI * x) - sx * sx)
    hyy = cone * (0.5 * inv_r - ry * ry * inv_r - 0.2 * ry * ry) + wave * (2 * torch.cos(2 * PI * y) - sy * sy)
    hxy = cone * (-rx * ry * inv_r - 0.2 * rx * ry) - wave * sx * sy
    return hxx, hxy, hyy


ACKLEY = ClosedForm(f=_ackley_f, df=_ackley_df, d2f=_ackley_d2f, minima=lambda p: [(0.0, 0.0, 0.0)])


# -- Six-hump camel: (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y² ------------------
_SIX_X, _SIX_Y, _SIX_F = 0.08984201310031807, -0.7126564030207396, -1.0316284534898774
SIX_HUMP = ClosedForm(
    f=lambda x, y, p: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    df=lambda x, y, p: (8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3),
    d2f=lambda x, y, p: (8 - 25.2 * x**2 + 10 * x**4, 1.0, -8 + 48 * y**2),
    minima=lambda p: [(_SIX_X, _SIX_Y, _SIX_F), (-_SIX_X, -_SIX_Y, _SIX_F)],
)


# -- Three-hump camel: 2x² − 1.05x⁴ + x⁶/6 + xy + y² --------------------------
_THREE_X, _THREE_Y, _THREE_F = 1.747552345830289, -0.8737761729151445, 0.29863844223686054
THREE_HUMP = ClosedForm(
    f=lambda x, y, p: 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2,
    df=lambda x, y, p: (4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y),
    d2f=lambda x, y, p: (4 - 12.6 * x**2 + 5 * x**4, 1.0, 2.0),
    minima=lambda p: [(0.0, 0.0, 0.0), (_THREE_X, _THREE_Y, _THREE_F), (-_THREE_X, -_THREE_Y, _THREE_F)],
)


# -- Matyas: 0.26(x² + y²) − 0.48xy -------------------------------------------
MATYAS = ClosedForm(
    f=lambda x, y, p: 0.26 * (x**2 + y**2) - 0.48 * x * y,
    df=lambda x, y, p: (0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x),
    d2f=lambda x, y, p: (0.52, -0.48, 0.52),
    minima=lambda p: [(0.0, 0.0, 0.0)],
)


# -- Styblinski–Tang: ½ Σ (t⁴ − 16t² + 5t) --------------------------------------
_ST = (-2.903534027771177, 2.7468027709908367)  # roots of 4t³ − 32t + 5 with f'' > 0


def _st1(t: float) -> float:
    return 0.5 * (t**4 - 16 * t**2 + 5 * t)


STYBLINSKI_TANG = ClosedForm(
    f=lambda x, y, p: 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y),
    df=lambda x, y, p: (2 * x**3 - 16 * x + 2.5, 2 * y**3 - 16 * y + 2.5),
    d2f=lambda x, y, p: (6 * x**2 - 16, 0.0, 6 * y**2 - 16),
    minima=lambda p: [(a, b, _st1(a) + _st1(b)) for a in _ST for b in _ST],
)


# -- Monkey saddle: x³ − 3xy² ---------------------------------------------------
MONKEY_SADDLE = ClosedForm(
    f=lambda x, y, p: x**3 - 3 * x * y**2,
    df=lambda x, y, p: (3 * x**2 - 3 * y**2, -6 * x * y),
    d2f=lambda x, y, p: (6 * x, -6 * y, -6 * x),
)


# -- River valley: ½a·w₁² + c·(√(w₂² + δ²) − δ) --------------------------------
# The "river valley" picture of Wen et al. 2024 and Hägele et al. 2024: a valley floor that falls
# gently along w₁ (the river) between walls that rise steeply along w₂ (the hillsides).  The wall is
# a smoothed |w₂| (curvature c/δ at the floor, falling off beside it): a large constant η cannot
# settle there and bounces across the valley in a 2-cycle of half-width √((ηc/2)² − δ²), while
# each step still moves it along w₁.  Only a smaller η brings it down to the floor.
def _river_root(y, p):
    return torch.sqrt(y * y + p["delta"] ** 2)


RIVER_VALLEY = ClosedForm(
    f=lambda x, y, p: 0.5 * p["a"] * x * x + p["c"] * (_river_root(y, p) - p["delta"]),
    df=lambda x, y, p: (p["a"] * x, p["c"] * y / _river_root(y, p)),
    d2f=lambda x, y, p: (p["a"], 0.0, p["c"] * p["delta"] ** 2 / _river_root(y, p) ** 3),
    minima=lambda p: [(0.0, 0.0, 0.0)],
)


def _spec(name, label_en, label_zh, latex, box, start, form, blurb_en, blurb_zh, **kw) -> SurfaceSpec:
    return SurfaceSpec(
        name=name, label_en=label_en, label_zh=label_zh, latex=latex, box=box, start=start,
        factory=form, blurb_en=blurb_en, blurb_zh=blurb_zh, tags=("classic",), **kw,
    )


CLASSIC_SURFACES: tuple[SurfaceSpec, ...] = (
    _spec(
        "rosenbrock", "Rosenbrock (banana valley)", "Rosenbrock 香蕉函数",
        r"L(w_1, w_2) = (a - w_1)^2 + b\,(w_2 - w_1^2)^2",
        (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.5), ROSENBROCK,
        "A curved, flat-bottomed valley: finding it is easy, following it to (a, a²) is hard.",
        "弯曲而平坦的山谷：找到谷底容易，沿谷底走到 (a, a²) 却很难。",
        params=(
            Param("a", 1.0, -1.5, 1.5, label_en="a (minimum at (a, a²))", label_zh="a（极小值位于 (a, a²)）", latex="a"),
            Param("b", 100.0, 1.0, 1000.0, log=True, label_en="b (valley steepness)", label_zh="b（谷壁陡峭程度）", latex="b"),
        ),
        log_levels=True,
    ),
    _spec(
        "beale", "Beale", "Beale 函数",
        r"L = (1.5 - w_1 + w_1 w_2)^2 + (2.25 - w_1 + w_1 w_2^2)^2 + (2.625 - w_1 + w_1 w_2^3)^2",
        (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5), BEALE,
        "Flat plateaus and sharp ridges around a single minimum at (3, 0.5).",
        "平坦的高原与陡峭的山脊环绕着位于 (3, 0.5) 的唯一极小值。",
        log_levels=True,
    ),
    _spec(
        "himmelblau", "Himmelblau (four minima)", "Himmelblau 函数（4 个极小值）",
        r"L = (w_1^2 + w_2 - 11)^2 + (w_1 + w_2^2 - 7)^2",
        (-5.0, 5.0, -5.0, 5.0), (-0.3, -0.9), HIMMELBLAU,
        "Four equally good minima: which one you reach depends on the start and the optimizer.",
        "四个同样好的局部极小值：走到哪一个取决于起点和优化器。",
        log_levels=True,
    ),
    _spec(
        "booth", "Booth", "Booth 函数",
        r"L = (w_1 + 2 w_2 - 7)^2 + (2 w_1 + w_2 - 5)^2",
        (-10.0, 10.0, -10.0, 10.0), (-8.0, 8.0), BOOTH,
        "A tilted convex quadratic bowl with its minimum at (1, 3).",
        "倾斜的凸二次碗，极小值位于 (1, 3)。",
        log_levels=True,
    ),
    _spec(
        "rastrigin", "Rastrigin (many local minima)", "Rastrigin 函数（大量局部极小值）",
        r"L = 2A + \sum_{i=1}^{2} \left(w_i^2 - A\cos(2\pi w_i)\right)",
        (-5.12, 5.12, -5.12, 5.12), (3.3, -2.7), RASTRIGIN,
        "A bowl covered with ripples: plain gradient descent stops in the nearest local minimum.",
        "布满波纹的碗：普通梯度下降会停在最近的局部极小值。",
        params=(Param("A", 10.0, 0.0, 20.0, label_en="ripple height A", label_zh="波纹高度 A", latex="A"),),
    ),
    _spec(
        "ackley", "Ackley", "Ackley 函数",
        r"L = -20 e^{-0.2\sqrt{(w_1^2 + w_2^2)/2}} - e^{(\cos 2\pi w_1 + \cos 2\pi w_2)/2} + e + 20",
        (-5.0, 5.0, -5.0, 5.0), (3.5, -4.0), ACKLEY,
        "A nearly flat, bumpy plain around a deep funnel at the origin.",
        "近乎平坦、坑坑洼洼的平原中间有一个通向原点的深漏斗。",
    ),
    _spec(
        "six-hump-camel", "Six-hump camel", "六峰驼背函数",
        r"L = \left(4 - 2.1 w_1^2 + \tfrac{w_1^4}{3}\right) w_1^2 + w_1 w_2 + (-4 + 4 w_2^2)\, w_2^2",
        (-2.0, 2.0, -1.0, 1.0), (-1.5, 0.8), SIX_HUMP,
        "Two global minima, four more local minima and several saddle points in one small box.",
        "一个小区域里有两个全局极小值、另外四个局部极小值和若干鞍点。",
    ),
    _spec(
        "three-hump-camel", "Three-hump camel", "三峰驼背函数",
        r"L = 2 w_1^2 - 1.05 w_1^4 + \tfrac{w_1^6}{6} + w_1 w_2 + w_2^2",
        (-2.0, 2.0, -2.0, 2.0), (-1.9, 1.8), THREE_HUMP,
        "One global minimum at the origin flanked by two shallower local minima.",
        "原点处的全局极小值两侧各有一个较浅的局部极小值。",
    ),
    _spec(
        "matyas", "Matyas", "Matyas 函数",
        r"L = 0.26\,(w_1^2 + w_2^2) - 0.48\, w_1 w_2",
        (-10.0, 10.0, -10.0, 10.0), (-8.0, -4.0), MATYAS,
        "A diagonal valley whose curvatures differ 25-fold: slow along the valley floor.",
        "沿对角线的山谷，两个方向曲率相差 25 倍：沿谷底前进很慢。",
    ),
    _spec(
        "styblinski-tang", "Styblinski–Tang", "Styblinski–Tang 函数",
        r"L = \tfrac12 \sum_{i=1}^{2} \left(w_i^4 - 16 w_i^2 + 5 w_i\right)",
        (-5.0, 5.0, -5.0, 5.0), (0.5, 0.3), STYBLINSKI_TANG,
        "Four local minima of different depths; the deepest is at (−2.90, −2.90).",
        "四个深浅不同的局部极小值，最深的位于 (−2.90, −2.90)。",
    ),
    _spec(
        "monkey-saddle", "Monkey saddle", "猴鞍面",
        r"L = w_1^3 - 3 w_1 w_2^2",
        (-1.5, 1.5, -1.5, 1.5), (0.6, 0.05), MONKEY_SADDLE,
        "A critical point whose Hessian is zero: the eigenvalue test cannot classify it, and there is no minimum.",
        "原点是海森矩阵为零的临界点：特征值判据无法判断，而且函数没有极小值。",
    ),
    _spec(
        "river-valley", "River valley (steep walls, gentle slope)", "河谷（陡峭谷壁，平缓坡度）",
        r"L = \tfrac12\, a\, w_1^2 + c\left(\sqrt{w_2^2 + \delta^2} - \delta\right)",
        (-11.0, 1.0, -1.2, 1.2), (-10.0, 1.0), RIVER_VALLEY,
        "A valley that falls gently along w₁ between steep walls along w₂: a large η bounces from wall to wall "
        "while it travels down the river; only a smaller η reaches the floor.",
        "沿 w₁ 缓缓下降、沿 w₂ 两侧谷壁陡峭的河谷：大学习率在两壁之间来回反弹，同时沿河而下；只有较小的学习率才能落到谷底。",
        params=(
            Param("a", 0.01, 1e-4, 1.0, log=True, label_en="a (slope along the river)", label_zh="a（沿河方向的坡度）", latex="a"),
            Param("c", 1.0, 0.1, 10.0, log=True, label_en="c (steepness of the walls)", label_zh="c（谷壁陡峭程度）", latex="c"),
            Param("delta", 0.05, 1e-3, 1.0, log=True, label_en="δ (width of the floor)", label_zh="δ（谷底宽度）",
                  latex=r"\delta"),
        ),
        log_levels=True,
    ),
)
