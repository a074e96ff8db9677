"""The building blocks of θ_{t+1} = θ_t − (η_t/σ_t) ⊙ m_t.

A momentum rule says how m_t is made from the gradients, a scaling rule how
σ_t is made.  Neither holds any tensors: each turns the step numbers
k = 1..T (and the scheduled η_k) into per-step coefficients, and `update`
runs every rule through the same few tensor operations:

    m ← a_m·m + b_m·g                  (first moment / velocity)
    d  = c_g·g + c_m·m                 (the direction actually taken)
    σ  from one of three named σ rules (`kind`):
         "rms":      v ← a_v·v + b_v·g²,  σ = sqrt(q·v) + e_out
         "max":      v ← max(a_v·v, |g| + e_out),  σ = v            (Adamax)
         "adadelta": v ← a_v·v + b_v·g²,  σ = sqrt(v + e_out)/sqrt(Δ + e_out),
                     then Δ ← a_v·Δ + b_v·(d/σ)²                    (ρ = a_v)
    θ ← θ − (η_k·f_k)·d/σ

`f_k` absorbs factors torch puts on the learning rate instead of on σ
(RAdam's rectification, Adagrad's lr_decay).  Coefficients are numpy arrays
of shape (T,), computed once before the loop — or, for a sweep of many rows,
k of shape (T, 1) with hyper-parameters of shape (1, R): every rule broadcasts,
so the coefficients of R rows come out as (T, R) (or (T, 1) / (1, R) where a
coefficient depends on one side only) from one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from surfaces.spec import Param


@dataclass
class MomentumCoeffs:
    a_m: np.ndarray
    b_m: np.ndarray
    c_g: np.ndarray
    c_m: np.ndarray


@dataclass
class ScalingCoeffs:
    a_v: np.ndarray
    b_v: np.ndarray
    q: np.ndarray
    e_out: np.ndarray  # ε of the rule, wherever its σ rule puts it
    f: np.ndarray  # multiplies η_k in the step
    kind: str = "rms"  # which σ rule: "rms" | "max" (Adamax) | "adadelta"


@dataclass(frozen=True)
class MomentumRule:
    """How m_t is built.  `eta_inside`: the book's convention, where m is the
    movement itself and already contains η (the step's own η factor is 1)."""

    name: str
    label_en: str
    label_zh: str
    latex: str
    params: tuple[Param, ...]
    coeffs: Callable[[np.ndarray, np.ndarray, dict], MomentumCoeffs]
    eta_inside: bool = False

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class ScalingRule:
    """How σ_t is built."""

    name: str
    label_en: str
    label_zh: str
    latex: str
    params: tuple[Param, ...]
    coeffs: Callable[[np.ndarray, dict], ScalingCoeffs]
    needs_eps_guard: bool = False  # σ can be exactly 0 (book rules have no ε)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def _full(k: np.ndarray, x) -> np.ndarray:
    """x at every step: k's shape broadcast against x's ((T,) with a float, (T, R) with a (1, R) row)."""
    x = np.asarray(x, dtype=np.float64)
    full = np.broadcast_to(x, np.broadcast_shapes(k.shape, x.shape))
    return full.copy() if x.ndim == 0 else full  # a row's hyper-parameter: a view, not T copies of it


# -- hyper-parameter specs shared by several rules ------------------------------
def _p_momentum(default: float = 0.9) -> Param:
    return Param("momentum", default, 0.0, 0.999, label_en="momentum μ", label_zh="动量系数 μ", latex=r"\mu")


P_BETA1 = Param("beta1", 0.9, 0.0, 0.999, label_en="β₁ (first moment)", label_zh="β₁（一阶矩）", latex=r"\beta_1")
P_BETA2 = Param("beta2", 0.999, 0.0, 0.99999, label_en="β₂ (second moment)", label_zh="β₂（二阶矩）", latex=r"\beta_2")


def _p_eps(default: float) -> Param:
    return Param("eps", default, 0.0, 1.0, label_en="ε", label_zh="ε", latex=r"\epsilon")


# -- momentum rules -------------------------------------------------------------
def _none(k, eta, hp):
    return MomentumCoeffs(_full(k, 0), _full(k, 1), _full(k, 0), _full(k, 1))


def _heavy_ball(k, eta, hp):
    # torch.optim.SGD: b_1 = g_1 (no dampening on the first step), then b = μ·b + (1−τ)·g
    b = np.where(k == 1, 1.0, 1.0 - hp["dampening"])
    return MomentumCoeffs(_full(k, hp["momentum"]), b, _full(k, 0), _full(k, 1))


def _nesterov(k, eta, hp):
    mu = hp["momentum"]
    return MomentumCoeffs(_full(k, mu), _full(k, 1), _full(k, 1), _full(k, mu))


def _ema(k, eta, hp):
    b1 = hp["beta1"]
    return MomentumCoeffs(_full(k, b1), _full(k, 1 - b1), _full(k, 0), 1.0 / (1.0 - b1**k))


def _ema_raw(k, eta, hp):
    b1 = hp["beta1"]
    return MomentumCoeffs(_full(k, b1), _full(k, 1 - b1), _full(k, 0), _full(k, 1))


def _nadam(k, eta, hp):
    # torch.optim.NAdam: μ_k = β1(1 − ½·0.96^(kψ)); the step mixes g and m with
    # weights built from the running product of μ.
    b1, psi = hp["beta1"], hp["momentum_decay"]
    mu = b1 * (1.0 - 0.5 * 0.96 ** (k * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((k + 1) * psi))
    prod = np.cumprod(mu, axis=0)  # along the steps (axis 0), each row its own product
    c_g = (1.0 - mu) / (1.0 - prod)
    c_m = mu_next / (1.0 - prod * mu_next)
    return MomentumCoeffs(_full(k, b1), _full(k, 1 - b1), c_g, c_m)


def _book(k, eta, hp):
    # The book's m_{t+1} = λ·m_t − η·g_t, θ_{t+1} = θ_t + m_{t+1}; we keep −m so the
    # engine's θ ← θ − d holds.  η sits INSIDE m: a changed η only affects new gradients.
    return MomentumCoeffs(_full(k, hp["lambda"]), np.asarray(eta, float), _full(k, 0), _full(k, 1))


MOMENTUM_RULES: tuple[MomentumRule, ...] = (
    MomentumRule("none", "none (m = g)", "无（m = g）", r"m_t = g_t", (), _none),
    MomentumRule(
        "heavy-ball", "heavy ball (PyTorch)", "动量（PyTorch 约定）", r"m_t = \mu\, m_{t-1} + (1-\tau)\, g_t",
        (_p_momentum(), Param("dampening", 0.0, 0.0, 1.0, label_en="dampening τ", label_zh="阻尼 τ", latex=r"\tau")),
        _heavy_ball,
    ),
    MomentumRule(
        "nesterov", "Nesterov", "Nesterov 动量", r"b_t = \mu\, b_{t-1} + g_t,\quad m_t = g_t + \mu\, b_t",
        (_p_momentum(),), _nesterov,
    ),
    MomentumRule(
        "ema", "EMA, bias-corrected (Adam)", "指数移动平均，偏差校正（Adam）",
        r"m_t = \frac{\beta_1 m_{t-1} + (1-\beta_1) g_t}{1-\beta_1^t}", (P_BETA1,), _ema,
    ),
    MomentumRule(
        "ema-raw", "EMA, no bias correction", "指数移动平均，无偏差校正",
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t", (P_BETA1,), _ema_raw,
    ),
    MomentumRule(
        "nadam", "Nesterov EMA (NAdam)", "Nesterov 指数移动平均（NAdam）",
        r"m_t = \frac{1-\mu_t}{1-\prod_{i\le t}\mu_i} g_t + \frac{\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i} \hat m_t",
        (P_BETA1, Param("momentum_decay", 4e-3, 0.0, 0.1, label_en="momentum decay ψ", label_zh="动量衰减 ψ", latex=r"\psi")),
        _nadam,
    ),
    MomentumRule(
        "book", "movement, book §3.2 (η inside m)", "移动量，书中 §3.2 约定（η 在 m 内）",
        r"m_{t+1} = \lambda\, m_t - \eta_t\, g_t,\quad \theta_{t+1} = \theta_t + m_{t+1}",
        (Param("lambda", 0.9, 0.0, 0.999, label_en="momentum λ", label_zh="动量系数 λ", latex=r"\lambda"),),
        _book, eta_inside=True,
    ),
)


# -- scaling rules --------------------------------------------------------------
def _sigma_one(k, hp):
    return ScalingCoeffs(_full(k, 0), _full(k, 0), _full(k, 0), _full(k, 1), _full(k, 1))


def _adagrad(k, hp):
    # torch.optim.Adagrad: σ = sqrt(Σ g²) + ε, lr_decay divides η by 1 + (k−1)·decay
    f = 1.0 / (1.0 + (k - 1) * hp["lr_decay"])
    return ScalingCoeffs(_full(k, 1), _full(k, 1), _full(k, 1), _full(k, hp["eps"]), f)


def _adagrad_book(k, hp):
    # Book §3.3: σ_t = root MEAN square of all gradients so far (current one included), no ε.
    return ScalingCoeffs(_full(k, 1), _full(k, 1), 1.0 / k, _full(k, 0), _full(k, 1))


def _rmsprop(k, hp):
    a = hp["alpha"]
    return ScalingCoeffs(_full(k, a), _full(k, 1 - a), _full(k, 1), _full(k, hp["eps"]), _full(k, 1))


def _rmsprop_book(k, hp):
    # Book §3.3: σ_0 = |g_0|, then σ_t² = α σ_{t−1}² + (1−α) g_t²; no ε.
    a = hp["alpha"]
    first = k == 1
    return ScalingCoeffs(np.where(first, 0.0, a), np.where(first, 1.0, 1 - a), _full(k, 1), _full(k, 0), _full(k, 1))


def _adam(k, hp):
    b2 = hp["beta2"]
    return ScalingCoeffs(_full(k, b2), _full(k, 1 - b2), 1.0 / (1.0 - b2**k), _full(k, hp["eps"]), _full(k, 1))


def radam_rectifier(k: np.ndarray, beta2: float) -> np.ndarray:
    """RAdam's r_k, or NaN on the steps where the variance is not yet tractable (ρ_k ≤ 5)."""
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    bc2 = 1.0 - beta2**k
    rho = rho_inf - 2.0 * k * beta2**k / bc2
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return np.where(rho > 5.0, r, np.nan)


def _radam(k, hp):
    # torch.optim.RAdam: while ρ_k ≤ 5 the step is plain momentum-SGD (σ = 1);
    # afterwards σ = sqrt(v) + ε and η is multiplied by sqrt(1 − β2^k)·r_k.
    b2 = hp["beta2"]
    r = radam_rectifier(k, b2)
    on = ~np.isnan(r)
    f = np.where(on, np.sqrt(1.0 - b2**k) * np.nan_to_num(r), 1.0)
    return ScalingCoeffs(_full(k, b2), _full(k, 1 - b2), np.where(on, 1.0, 0.0), np.where(on, hp["eps"], 1.0), f)


def _adamax(k, hp):
    # torch.optim.Adamax: u = max(β2·u, |g| + ε), σ = u (ε inside the max)
    z = _full(k, 0)
    return ScalingCoeffs(_full(k, hp["beta2"]), z, z, _full(k, hp["eps"]), _full(k, 1), kind="max")


def _adadelta(k, hp):
    # torch.optim.Adadelta: σ = sqrt(v + ε) / sqrt(Δ + ε), Δ ← ρΔ + (1−ρ)(g/σ)²
    rho = hp["rho"]
    return ScalingCoeffs(_full(k, rho), _full(k, 1 - rho), _full(k, 1), _full(k, hp["eps"]), _full(k, 1), kind="adadelta")


SCALING_RULES: tuple[ScalingRule, ...] = (
    ScalingRule("none", "none (σ = 1)", "无（σ = 1）", r"\sigma_t = 1", (), _sigma_one),
    ScalingRule(
        "adagrad", "AdaGrad (PyTorch)", "AdaGrad（PyTorch 约定）", r"\sigma_t = \sqrt{\textstyle\sum_{i\le t} g_i^2} + \epsilon",
        (_p_eps(1e-10), Param("lr_decay", 0.0, 0.0, 1.0, label_en="lr decay", label_zh="学习率衰减", latex=r"\delta")),
        _adagrad,
    ),
    ScalingRule(
        "adagrad-book", "AdaGrad, book §3.3 (RMS of all g)", "AdaGrad，书中约定（全部梯度的均方根）",
        r"\sigma_t = \sqrt{\tfrac{1}{t+1}\textstyle\sum_{i=0}^{t} g_i^2}", (), _adagrad_book, needs_eps_guard=True,
    ),
    ScalingRule(
        "rmsprop", "RMSProp (PyTorch)", "RMSProp（PyTorch 约定）",
        r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\ \sigma_t = \sqrt{v_t} + \epsilon",
        (Param("alpha", 0.99, 0.0, 0.9999, label_en="α (smoothing)", label_zh="α（平滑常数）", latex=r"\alpha"), _p_eps(1e-8)),
        _rmsprop,
    ),
    ScalingRule(
        "rmsprop-book", "RMSProp, book §3.3 (σ₀ = |g₀|)", "RMSProp，书中约定（σ₀ = |g₀|）",
        r"\sigma_t = \sqrt{\alpha \sigma_{t-1}^2 + (1-\alpha) g_t^2},\ \sigma_0 = |g_0|",
        (Param("alpha", 0.9, 0.0, 0.9999, label_en="α (smoothing)", label_zh="α（平滑常数）", latex=r"\alpha"),),
        _rmsprop_book, needs_eps_guard=True,
    ),
    ScalingRule(
        "adam", "Adam RMS, bias-corrected", "Adam 均方根，偏差校正",
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\ \sigma_t = \sqrt{v_t/(1-\beta_2^t)} + \epsilon",
        (P_BETA2, _p_eps(1e-8)), _adam,
    ),
    ScalingRule(
        "radam", "RAdam (rectified)", "RAdam（方差修正）",
        r"\sigma_t = \begin{cases} 1 & \rho_t \le 5 \\ (\sqrt{v_t}+\epsilon)/(r_t \sqrt{1-\beta_2^t}) & \rho_t > 5\end{cases}",
        (P_BETA2, _p_eps(1e-8)), _radam,
    ),
    ScalingRule(
        "adamax", "Adamax (∞-norm)", "Adamax（无穷范数）", r"\sigma_t = \max(\beta_2 \sigma_{t-1}, |g_t| + \epsilon)",
        (P_BETA2, _p_eps(1e-8)), _adamax,
    ),
    ScalingRule(
        "adadelta", "AdaDelta", "AdaDelta", r"\sigma_t = \sqrt{v_t + \epsilon}\,/\sqrt{\Delta_{t-1} + \epsilon}",
        (Param("rho", 0.9, 0.0, 0.9999, label_en="ρ", label_zh="ρ", latex=r"\rho"), _p_eps(1e-6)), _adadelta,
    ),
)

MOMENTUM = {r.name: r for r in MOMENTUM_RULES}
SCALING = {r.name: r for r in SCALING_RULES}
