"""The building blocks of θ_{t+1} = θ_t − (η_t/σ_t) ⊙ m_t.

A momentum rule says how m_t is made from the gradients, a scaling rule how
σ_t is made.  Neither holds any tensors: each turns the step numbers
k = 1..T (and the scheduled η_k) into per-step coefficients, and `update`
runs every rule through the same few tensor operations:

    m ← a_m·m + b_m·g                  (first moment / velocity)
    d  = c_g·g + c_m·m                 (the direction actually taken; Lion's
                                        `d_first` rules take d from m before m moves)
    u  = d/σ by one of the named σ rules (`kind`):
         "rms":      v ← a_v·v + b_v·g² (+ c_v on step 1),  σ = sqrt(q·v) + e_out
         "amsgrad":  as "rms" with σ from the running max of v
         "centered": as "rms" with v − ḡ² under the root (ḡ: EMA of g)
         "max":      v ← max(a_v·v, |g| + e_out),  σ = v            (Adamax)
         "adadelta": v ← a_v·v + b_v·g²,  σ = sqrt(v + e_out)/sqrt(Δ + e_out),
                     then Δ ← a_v·Δ + b_v·(d/σ)²                    (ρ = a_v)
       or u made from d by a direction rule with no σ of its own:
         "sign":       u = sign(d)                                  (Lion)
         "rprop":      u = s ⊙ sign(d), s grown/shrunk by sign agreement (Rprop)
         "factored":   u = α_k·d/sqrt(v̂), v̂ factored for matrices    (Adafactor)
         "orthogonal": u = NS₅(d)·√max(1, r/c), θ of shape r × c       (Muon)
    p  = a_p·p + u                     (heavy ball on the scaled step: RMSprop's momentum)
    θ ← θ·decay_k − (η_k·f_k)·p

`f_k` absorbs factors torch puts on the learning rate instead of on σ
(RAdam's rectification, Adagrad's lr_decay; ASGD's own η_k).  What a rule needs
beyond these columns it names in `extra` (one column each, e.g. Rprop's η±).  Coefficients are numpy arrays
of shape (T,), computed once before the loop — or, for a sweep of many rows,
k of shape (T, 1) with hyper-parameters of shape (1, R): every rule broadcasts,
so the coefficients of R rows come out as (T, R) (or (T, 1) / (1, R) where a
coefficient depends on one side only) from one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from surfaces.spec import Param, switch


@dataclass
class MomentumCoeffs:
    a_m: np.ndarray
    b_m: np.ndarray
    c_g: np.ndarray
    c_m: np.ndarray
    a_p: np.ndarray | float = 0.0  # heavy ball on the scaled step u (RMSprop's momentum); 0: p = u
    f: np.ndarray | float = 1.0  # multiplies η_k (schedule-free's warm-up and 1 − β(1 − c_k))
    extra: dict = field(default_factory=dict)  # name → coefficients read from `Step.x` (schedule-free's c_k, …)


@dataclass
class ScalingCoeffs:
    a_v: np.ndarray
    b_v: np.ndarray
    q: np.ndarray
    e_out: np.ndarray  # ε of the rule, wherever its σ rule puts it
    f: np.ndarray  # multiplies η_k in the step (the whole step size where the rule's η is its own)
    kind: str = "rms"  # which σ or direction rule (see the module docstring)
    c_v: np.ndarray | float = 0.0  # added to v on step 1: Adagrad's initial_accumulator_value
    decay: np.ndarray | float = 1.0  # multiplies θ before the step (ASGD's 1 − λη_k)
    extra: dict = field(default_factory=dict)  # name → coefficients a direction rule reads from `Step.x`


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
    d_first: bool = False  # d is taken from m BEFORE m moves (Lion: interpolate, then update)

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
    coeffs: Callable[[np.ndarray, np.ndarray, dict], ScalingCoeffs]  # (k, η_k, hp)
    needs_eps_guard: bool = False  # σ can be exactly 0 (book rules have no ε)
    eta_own: bool = False  # the rule sets the whole step size itself in f (Rprop's s, ASGD's η_k, Adafactor's α_k)

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


def _scaled_heavy_ball(k, eta, hp):
    # torch.optim.RMSprop(momentum=μ): p ← μ·p + g/σ, θ ← θ − η·p (the heavy ball rides the scaled step)
    return MomentumCoeffs(_full(k, 0), _full(k, 1), _full(k, 0), _full(k, 1), a_p=_full(k, hp["momentum"]))


def _lion(k, eta, hp):
    # Lion: d = β₁m + (1−β₁)g from the OLD m (d_first), then m ← β₂m + (1−β₂)g
    b1, b2 = hp["beta1"], hp["beta2"]
    return MomentumCoeffs(_full(k, b2), _full(k, 1 - b2), _full(k, 1 - b1), _full(k, b1))


def _muon(k, eta, hp):
    # torch.optim.Muon: B ← μB + (1−μ)g; Nesterov: d = (1−μ)g + μB, else d = B
    mu = hp["momentum"]
    nest = 1.0 if hp["nesterov"] else 0.0
    return MomentumCoeffs(_full(k, mu), _full(k, 1 - mu), _full(k, nest * (1 - mu)), _full(k, nest * mu + (1 - nest)))


def schedule_free_weights(k: np.ndarray, eta: np.ndarray, warmup, r, power) -> tuple[np.ndarray, np.ndarray]:
    """(c_k, warm-up factor) of schedule-free (Defazio et al. 2024, the `schedulefree` package):
    η'_k = η_k·min(1, k/warmup), weight_k = k^r·(max_{i≤k} η'_i)^power, c_k = weight_k/Σ_{i≤k} weight_i."""
    eta = np.broadcast_to(np.asarray(eta, dtype=np.float64), np.broadcast_shapes(np.shape(eta), k.shape))
    warm = np.where(k - 1 < warmup, k / np.maximum(warmup, 1), 1.0)
    lr = eta * warm
    weight = k**r * np.maximum.accumulate(lr, axis=0) ** power
    total = np.cumsum(weight, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(total > 0, weight / total, 0.0)
    return c, warm


def _schedule_free(beta: str):
    def coeffs(k, eta, hp):
        # y ← lerp(y, z, c_k) − η'_k(1 − β(1 − c_k))·u,  z ← z − η'_k·u;  the reported θ is x = lerp(y, z, 1 − 1/β)
        b = hp[beta]
        c, warm = schedule_free_weights(k, eta, hp["warmup_steps"], hp["r"], hp["weight_lr_power"])
        z, one = _full(k, 0), _full(k, 1)
        return MomentumCoeffs(z, one, z, one, f=warm * (1.0 - b * (1.0 - c)),
                              extra={"sf_c": c, "sf_lr": eta * warm, "sf_x": _full(k, 1.0 - 1.0 / b)})
    return coeffs


_SF_PARAMS = (
    Param("warmup_steps", 0, 0, 100_000, integer=True, label_en="warm-up steps", label_zh="预热步数", latex="w"),
    Param("r", 0.0, 0.0, 10.0, label_en="weight power r (on k)", label_zh="权重幂 r（对 k）", latex="r"),
    Param("weight_lr_power", 2.0, 0.0, 10.0, label_en="weight power (on η)", label_zh="权重幂（对 η）", latex="p"),
)

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
    MomentumRule(
        "scaled-heavy-ball", "heavy ball on the scaled step (RMSprop's)", "作用在缩放后步上的动量（RMSprop 的）",
        r"p_t = \mu\, p_{t-1} + g_t/\sigma_t,\quad \theta_t = \theta_{t-1} - \eta\, p_t",
        (_p_momentum(0.0),), _scaled_heavy_ball,
    ),
    MomentumRule(
        "lion", "Lion interpolation (β₁ to step, β₂ to remember)", "Lion 插值（β₁ 用于步，β₂ 用于记忆）",
        r"m_t = \beta_1 b_{t-1} + (1-\beta_1) g_t,\quad b_t = \beta_2 b_{t-1} + (1-\beta_2) g_t",
        (P_BETA1, Param("beta2", 0.99, 0.0, 0.99999, label_en="β₂ (memory)", label_zh="β₂（记忆）", latex=r"\beta_2")),
        _lion, d_first=True,
    ),
    MomentumRule(
        "muon", "Muon momentum (Nesterov EMA)", "Muon 动量（Nesterov 指数移动平均）",
        r"B_t = \mu B_{t-1} + (1-\mu) g_t,\quad m_t = (1-\mu) g_t + \mu B_t",
        (_p_momentum(0.95), switch("nesterov", True, "Nesterov", "Nesterov")), _muon,
    ),
    MomentumRule(
        "schedule-free", "schedule-free averaging (SGD)", "无调度平均（SGD）",
        r"y_t = (1-\beta) z_t + \beta x_t,\ z_{t+1} = z_t - \eta\, g(y_t),\ x_{t+1} = (1-c_{t+1}) x_t + c_{t+1} z_{t+1}",
        (Param("momentum", 0.9, 0.01, 0.999, label_en="interpolation β", label_zh="插值系数 β", latex=r"\beta"), *_SF_PARAMS),
        _schedule_free("momentum"), eta_inside=False,
    ),
    MomentumRule(
        "schedule-free-adam", "schedule-free averaging (AdamW)", "无调度平均（AdamW）",
        r"y_t = (1-\beta_1) z_t + \beta_1 x_t,\ z_{t+1} = z_t - \eta\, g(y_t)/\sigma_t,\ x_{t+1} = (1-c_{t+1}) x_t + c_{t+1} z_{t+1}",
        (Param("beta1", 0.9, 0.01, 0.999, label_en="interpolation β₁", label_zh="插值系数 β₁", latex=r"\beta_1"), *_SF_PARAMS),
        _schedule_free("beta1"),
    ),
)


# -- scaling rules --------------------------------------------------------------
def _sigma_one(k, eta, hp):
    return ScalingCoeffs(_full(k, 0), _full(k, 0), _full(k, 0), _full(k, 1), _full(k, 1))


def _adagrad(k, eta, hp):
    # torch.optim.Adagrad: σ = sqrt(c + Σ g²) + ε, lr_decay divides η by 1 + (k−1)·decay;
    # the sum starts at c = initial_accumulator_value (added with the first g², as torch's sum does)
    f = 1.0 / (1.0 + (k - 1) * hp["lr_decay"])
    c_v = np.where(k == 1, hp.get("initial_accumulator_value", 0.0), 0.0)
    return ScalingCoeffs(_full(k, 1), _full(k, 1), _full(k, 1), _full(k, hp["eps"]), f, c_v=c_v)


def _adagrad_book(k, eta, hp):
    # Book §3.3: σ_t = root MEAN square of all gradients so far (current one included), no ε.
    return ScalingCoeffs(_full(k, 1), _full(k, 1), 1.0 / k, _full(k, 0), _full(k, 1))


def _rmsprop(k, eta, hp):
    # centered: σ = sqrt(v − ḡ²) + ε with ḡ ← lerp(ḡ, g, 1 − α), torch's `centered=True`
    a = hp["alpha"]
    kind = "centered" if hp.get("centered") else "rms"
    return ScalingCoeffs(_full(k, a), _full(k, 1 - a), _full(k, 1), _full(k, hp["eps"]), _full(k, 1), kind=kind)


def _rmsprop_book(k, eta, hp):
    # Book §3.3: σ_0 = |g_0|, then σ_t² = α σ_{t−1}² + (1−α) g_t²; no ε.
    a = hp["alpha"]
    first = k == 1
    return ScalingCoeffs(np.where(first, 0.0, a), np.where(first, 1.0, 1 - a), _full(k, 1), _full(k, 0), _full(k, 1))


def _adam(k, eta, hp):
    # amsgrad (Adam/AdamW's flag): σ from the running maximum of v instead of v
    b2 = hp["beta2"]
    kind = "amsgrad" if hp.get("amsgrad") else "rms"
    return ScalingCoeffs(_full(k, b2), _full(k, 1 - b2), 1.0 / (1.0 - b2**k), _full(k, hp["eps"]), _full(k, 1), kind=kind)


def radam_rectifier(k: np.ndarray, beta2: float) -> np.ndarray:
    """RAdam's r_k, or NaN on the steps where the variance is not yet tractable (ρ_k ≤ 5)."""
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    bc2 = 1.0 - beta2**k
    rho = rho_inf - 2.0 * k * beta2**k / bc2
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return np.where(rho > 5.0, r, np.nan)


def _radam(k, eta, hp):
    # torch.optim.RAdam: while ρ_k ≤ 5 the step is plain momentum-SGD (σ = 1);
    # afterwards σ = sqrt(v) + ε and η is multiplied by sqrt(1 − β2^k)·r_k.
    b2 = hp["beta2"]
    r = radam_rectifier(k, b2)
    on = ~np.isnan(r)
    f = np.where(on, np.sqrt(1.0 - b2**k) * np.nan_to_num(r), 1.0)
    return ScalingCoeffs(_full(k, b2), _full(k, 1 - b2), np.where(on, 1.0, 0.0), np.where(on, hp["eps"], 1.0), f)


def _adamax(k, eta, hp):
    # torch.optim.Adamax: u = max(β2·u, |g| + ε), σ = u (ε inside the max)
    z = _full(k, 0)
    return ScalingCoeffs(_full(k, hp["beta2"]), z, z, _full(k, hp["eps"]), _full(k, 1), kind="max")


def _adadelta(k, eta, hp):
    # torch.optim.Adadelta: σ = sqrt(v + ε) / sqrt(Δ + ε), Δ ← ρΔ + (1−ρ)(g/σ)²
    rho = hp["rho"]
    return ScalingCoeffs(_full(k, rho), _full(k, 1 - rho), _full(k, 1), _full(k, hp["eps"]), _full(k, 1), kind="adadelta")


def _no_sigma(k, f, kind, **extra) -> ScalingCoeffs:
    """A direction rule's coefficients: no σ of its own (σ's columns off), `f` on η."""
    z = _full(k, 0)
    return ScalingCoeffs(z, z, z, _full(k, 1), f, kind=kind, extra={n: _full(k, v) for n, v in extra.items()})


def _sign(k, eta, hp):
    return _no_sigma(k, _full(k, 1), "sign")


def _rprop(k, eta, hp):
    # torch.optim.Rprop: the step sizes s start at η (its lr is read once, on the first step:
    # a schedule changes nothing afterwards) and are the whole step: θ ← θ − s ⊙ sign(g)
    s0 = np.where(k == 1, eta, 0.0)
    return _no_sigma(k, _full(k, 1), "rprop", eta_minus=hp["eta_minus"], eta_plus=hp["eta_plus"],
                     s_min=hp["step_size_min"], s_max=hp["step_size_max"], s0=s0)


def asgd_etas(k: np.ndarray, eta: np.ndarray, lambd, alpha) -> np.ndarray:
    """ASGD's η_k: η_1 = the lr of step 1; after step j, η_{j+1} = lr_j/(1 + λ·lr_j·j)^α.  torch keeps
    η in a float32 scalar tensor (its default dtype), so the value is rounded to float32."""
    later = eta / (1.0 + lambd * eta * k) ** alpha  # computed after step k, used by step k + 1
    etas = np.concatenate([eta[:1], later[:-1]], axis=0)
    return np.asarray(etas, dtype=np.float32).astype(np.float64)


def _asgd(k, eta, hp):
    # torch.optim.ASGD: θ ← θ(1 − λη_k) − η_k g; the average θ̄ ← θ̄ + μ_k(θ − θ̄), μ_k = 1/max(1, k − 1 − t0)
    eta = np.broadcast_to(np.asarray(eta, dtype=np.float64), np.broadcast_shapes(np.shape(eta), k.shape))
    f = asgd_etas(k, eta, hp["lambd"], hp["alpha"])
    mu = np.asarray(1.0 / np.maximum(1.0, k - 1.0 - hp["t0"]), dtype=np.float32).astype(np.float64)
    c = _no_sigma(k, f, "rms", mu_avg=mu)
    c.decay = 1.0 - hp["lambd"] * f
    return c


def _adafactor(k, eta, hp):
    # torch.optim.Adafactor: 1 − β₂,k = k^c; α_k = max(ε₂, RMS(θ))·min(η_k, 1/√k) is the step
    return _no_sigma(k, _full(k, 1), "factored", w=k ** hp["beta2_decay"], rho=np.minimum(eta, 1.0 / k**0.5),
                     eps1=hp["eps1"], eps2=hp["eps2"], d=hp["d"])


def _orthogonal(k, eta, hp):
    return _no_sigma(k, _full(k, 1), "orthogonal", ns_a=hp["ns_a"], ns_b=hp["ns_b"], ns_c=hp["ns_c"],
                     ns_eps=hp["eps"], ns_steps=hp["ns_steps"])


SCALING_RULES: tuple[ScalingRule, ...] = (
    ScalingRule("none", "none (σ = 1)", "无（σ = 1）", r"\sigma_t = 1", (), _sigma_one),
    ScalingRule(
        "adagrad", "AdaGrad (PyTorch)", "AdaGrad（PyTorch 约定）", r"\sigma_t = \sqrt{\textstyle\sum_{i\le t} g_i^2} + \epsilon",
        (_p_eps(1e-10), Param("lr_decay", 0.0, 0.0, 1.0, label_en="lr decay", label_zh="学习率衰减", latex=r"\delta"),
         Param("initial_accumulator_value", 0.0, 0.0, 1e3, label_en="initial Σg²", label_zh="Σg² 初值", latex="c")),
        _adagrad,
    ),
    ScalingRule(
        "adagrad-book", "AdaGrad, book §3.3 (RMS of all g)", "AdaGrad，书中约定（全部梯度的均方根）",
        r"\sigma_t = \sqrt{\tfrac{1}{t+1}\textstyle\sum_{i=0}^{t} g_i^2}", (), _adagrad_book, needs_eps_guard=True,
    ),
    ScalingRule(
        "rmsprop", "RMSProp (PyTorch)", "RMSProp（PyTorch 约定）",
        r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\ \sigma_t = \sqrt{v_t} + \epsilon",
        (Param("alpha", 0.99, 0.0, 0.9999, label_en="α (smoothing)", label_zh="α（平滑常数）", latex=r"\alpha"), _p_eps(1e-8),
         switch("centered", False, "centered (v − ḡ²)", "中心化（v − ḡ²）")),
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
    ScalingRule(
        "sign", "sign step (Lion)", "符号步（Lion）", r"u_t = \operatorname{sign}(m_t)", (), _sign,
    ),
    ScalingRule(
        "rprop", "Rprop (sign, own step sizes)", "Rprop（符号步，逐元素步长）",
        r"s_t = \operatorname{clip}(s_{t-1}\cdot\eta_\pm),\ u_t = s_t \odot \operatorname{sign}(g_t),\ s_0 = \eta",
        (Param("eta_minus", 0.5, 0.0, 1.0, label_en="η₋ (shrink)", label_zh="η₋（缩小）", latex=r"\eta_-"),
         Param("eta_plus", 1.2, 1.0, 10.0, label_en="η₊ (grow)", label_zh="η₊（放大）", latex=r"\eta_+"),
         Param("step_size_min", 1e-6, 0.0, 1.0, label_en="smallest step", label_zh="最小步长", latex=r"s_{\min}"),
         Param("step_size_max", 50.0, 1e-6, 1e3, log=True, label_en="largest step", label_zh="最大步长", latex=r"s_{\max}")),
        _rprop, eta_own=True,
    ),
    ScalingRule(
        "asgd", "ASGD (decaying η, averaged θ)", "ASGD（衰减 η，平均 θ）",
        r"\eta_{t+1} = \frac{\eta}{(1+\lambda\eta t)^{\alpha}},\ \theta \leftarrow \theta(1-\lambda\eta_t) - \eta_t g_t,"
        r"\ \bar\theta \leftarrow \bar\theta + \mu_t(\theta - \bar\theta)",
        (Param("lambd", 1e-4, 0.0, 1.0, label_en="decay λ", label_zh="衰减 λ", latex=r"\lambda"),
         Param("alpha", 0.75, 0.0, 2.0, label_en="power α", label_zh="幂 α", latex=r"\alpha"),
         Param("t0", 1e6, 0.0, 1e9, label_en="averaging starts t₀", label_zh="开始平均 t₀", latex="t_0")),
        _asgd, eta_own=True,
    ),
    ScalingRule(
        "adafactor", "Adafactor (factored RMS, relative step)", "Adafactor（分解的均方根，相对步长）",
        r"\hat v_t = \frac{R_t C_t}{\operatorname{mean} R_t},\ u_t = \alpha_t \frac{g_t/\sqrt{\hat v_t}}{\max(1, \mathrm{RMS}/d)},"
        r"\ \alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta))\min(\eta, t^{-1/2})",
        (Param("beta2_decay", -0.8, -10.0, 0.0, label_en="β₂ decay (1 − β₂ = t^c)", label_zh="β₂ 衰减（1 − β₂ = t^c）", latex="c"),
         Param("eps1", float(np.finfo(np.float64).eps), 0.0, 1.0, label_en="ε₁ (σ floor)", label_zh="ε₁（σ 下限）", latex=r"\epsilon_1"),
         Param("eps2", 1e-3, 0.0, 1.0, label_en="ε₂ (θ scale floor)", label_zh="ε₂（θ 尺度下限）", latex=r"\epsilon_2"),
         Param("d", 1.0, 1.0, 100.0, label_en="clipping threshold d", label_zh="裁剪阈值 d", latex="d")),
        _adafactor, eta_own=True,
    ),
    ScalingRule(
        "orthogonal", "orthogonalised (Muon)", "正交化（Muon）",
        r"u_t = \sqrt{\max(1, r/c)}\ \mathrm{NS}_5(m_t)\quad(\theta \in \mathbb{R}^{r \times c};\ \mathrm{bfloat16})",
        (Param("ns_a", 3.4445, -10.0, 10.0, label_en="NS a", label_zh="NS a", latex="a"),
         Param("ns_b", -4.775, -10.0, 10.0, label_en="NS b", label_zh="NS b", latex="b"),
         Param("ns_c", 2.0315, -10.0, 10.0, label_en="NS c", label_zh="NS c", latex="c"),
         _p_eps(1e-7),
         Param("ns_steps", 5, 0, 99, integer=True, label_en="Newton–Schulz steps", label_zh="Newton–Schulz 步数", latex="n")),
        _orthogonal,
    ),
)

MOMENTUM = {r.name: r for r in MOMENTUM_RULES}
SCALING = {r.name: r for r in SCALING_RULES}
