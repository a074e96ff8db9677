"""Learning-rate schedules: pure functions of the 0-based schedule index t.

Step k (1-based) of a run uses η_{t=k−1}, the value a `torch.optim.lr_scheduler`
holds before its k-th `scheduler.step()`.  Each entry names the torch scheduler
it matches (tests pin this); `inverse-time`, `warmup-cosine` and `noam` are
`LambdaLR` with the lambda written out.

Every schedule broadcasts: with η and the schedule's parameters given as arrays
of one value per row (a sweep), `etas` returns η_t of shape (T, R) from one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from surfaces.spec import Param, lookup, resolve

MAX_T = 100_000


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    label_en: str
    label_zh: str
    latex: str
    params: tuple[Param, ...]
    fn: Callable[[np.ndarray, float, dict], np.ndarray]  # (t, η, params) -> η_t
    torch_equivalent: str

    def resolve(self, values: dict | None) -> dict[str, float]:
        return resolve(f"schedule {self.name}", self.params, values)

    def etas(self, lr, steps: int, values: dict | None = None) -> np.ndarray:
        """η_t for t = 0..steps−1 as float64, shape (steps,) — or (steps, R) when η or a
        parameter is an array of R values (one per row; each checked against its `Param`)."""
        rows = np.ndim(lr) > 0 or any(np.ndim(v) > 0 for v in (values or {}).values())
        if not rows:
            hp = self.resolve(values)
            t = np.arange(steps, dtype=np.float64)
            return np.asarray(self.fn(t, float(lr), hp), dtype=np.float64) * np.ones(steps)
        hp = {k: np.reshape(v, (1, -1)) if np.ndim(v) else v
              for k, v in resolve(f"schedule {self.name}", self.params, values).items()}
        lr_row = np.reshape(np.asarray(lr, dtype=np.float64), (1, -1))
        t = np.arange(steps, dtype=np.float64)[:, None]
        width = max([lr_row.shape[1]] + [np.shape(v)[1] for v in hp.values() if np.ndim(v)])
        return np.broadcast_to(np.asarray(self.fn(t, lr_row, hp), dtype=np.float64), (steps, width))

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def _int(name, default, lo, hi, en, zh, latex):
    return Param(name, default, lo, hi, integer=True, label_en=en, label_zh=zh, latex=latex)


P_TMAX = _int("t_max", 100, 1, MAX_T, "T_max (steps)", "T_max（步数）", r"T_{\max}")
P_ETA_MIN = Param("eta_min", 0.0, 0.0, 100.0, label_en="η_min", label_zh="η_min", latex=r"\eta_{\min}")
P_WARMUP = _int("warmup", 10, 1, MAX_T, "warm-up steps", "预热步数", "w")


def _constant(t, lr, p):
    return np.zeros_like(t) + lr


def _step(t, lr, p):
    return lr * p["gamma"] ** np.floor(t / p["step_size"])


def _exponential(t, lr, p):
    return lr * p["gamma"] ** t


def _inverse_time(t, lr, p):
    return lr / np.sqrt(t + 1.0)


def _cosine(t, lr, p):
    lo = p["eta_min"]
    return lo + (lr - lo) * (1.0 + np.cos(np.pi * t / p["t_max"])) / 2.0


def _warmup_cosine(t, lr, p):
    w, T, lo = p["warmup"], p["t_max"], p["eta_min"]
    rise = lr * (t + 1.0) / w
    span = np.maximum(T - w, 1)
    frac = np.clip((t - w) / span, 0.0, 1.0)
    fall = lo + (lr - lo) * (1.0 + np.cos(np.pi * frac)) / 2.0
    return np.where(t < w, rise, fall)


def _noam(t, lr, p):
    s = t + 1.0
    return lr * p["factor"] * p["d_model"] ** -0.5 * np.minimum(s**-0.5, s * p["warmup"] ** -1.5)


def _wsd(t, lr, p):
    # warm-up–stable–decay (Hu et al. 2024; the river-valley picture of arXiv 2410.05192): linear
    # warm-up over w steps, η held until the last D steps of T, then a linear fall to η_min at t = T
    w, T, D, lo = p["warmup"], p["t_max"], p["decay_steps"], p["eta_min"]
    rise = lr * (t + 1.0) / w
    fall = lo + (lr - lo) * np.clip((T - t) / D, 0.0, 1.0)
    return np.where(t < w, rise, np.minimum(lr, fall))


def _one_cycle(t, lr, p):
    # torch OneCycleLR(max_lr=η, total_steps=T, anneal_strategy="cos", three_phase=False,
    # cycle_momentum=False); after T steps it stays at the final value.
    T = p["t_max"]
    start = lr / p["div_factor"]
    end = start / p["final_div_factor"]
    up_end = np.asarray(p["pct_start"] * T, dtype=np.float64) - 1.0
    down_end = np.asarray(T - 1, dtype=np.float64)

    def anneal(a, b, frac):
        return b + (a - b) / 2.0 * (np.cos(np.pi * frac) + 1.0)

    tt = np.minimum(t, down_end)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = anneal(start, lr, np.where(up_end > 0, np.clip(tt / up_end, 0, 1), 1.0))
        down = anneal(lr, end, (tt - up_end) / np.maximum(down_end - up_end, 1e-12))
    return np.where(tt <= up_end, up, down)


SCHEDULES_LIST: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("constant", "constant", "固定学习率", r"\eta_t = \eta", (), _constant, "ConstantLR(factor=1)"),
    ScheduleSpec(
        "step", "step decay", "阶梯衰减", r"\eta_t = \eta\,\gamma^{\lfloor t/s \rfloor}",
        (_int("step_size", 50, 1, MAX_T, "step size s", "间隔 s", "s"),
         Param("gamma", 0.5, 0.0, 1.0, label_en="γ", label_zh="γ", latex=r"\gamma")),
        _step, "StepLR",
    ),
    ScheduleSpec(
        "exponential", "exponential decay", "指数衰减", r"\eta_t = \eta\,\gamma^{t}",
        (Param("gamma", 0.99, 0.0, 1.0, label_en="γ", label_zh="γ", latex=r"\gamma"),), _exponential, "ExponentialLR",
    ),
    ScheduleSpec(
        "inverse-time", "inverse square root", "平方根倒数衰减", r"\eta_t = \frac{\eta}{\sqrt{t+1}}", (),
        _inverse_time, "LambdaLR(lambda t: 1/sqrt(t+1))",
    ),
    ScheduleSpec(
        "cosine", "cosine annealing", "余弦退火",
        r"\eta_t = \eta_{\min} + \tfrac12(\eta-\eta_{\min})\left(1+\cos\tfrac{\pi t}{T_{\max}}\right)",
        (P_TMAX, P_ETA_MIN), _cosine, "CosineAnnealingLR",
    ),
    ScheduleSpec(
        "warmup-cosine", "linear warm-up + cosine", "线性预热 + 余弦",
        r"\eta_t = \begin{cases}\eta\,\frac{t+1}{w} & t < w\\ \eta_{\min} + \tfrac12(\eta-\eta_{\min})\left(1+\cos\pi\frac{t-w}{T_{\max}-w}\right) & t \ge w\end{cases}",
        (P_WARMUP, P_TMAX, P_ETA_MIN), _warmup_cosine, "LambdaLR(warm-up then cosine)",
    ),
    ScheduleSpec(
        "noam", "noam (Transformer warm-up)", "noam（Transformer 预热）",
        r"\eta_t = \eta\cdot c\cdot d^{-0.5}\min\!\left(s^{-0.5},\ s\,w^{-1.5}\right),\ s = t+1",
        (_int("d_model", 64, 1, 65536, "d_model", "d_model", "d"),
         _int("warmup", 20, 1, MAX_T, "warm-up steps", "预热步数", "w"),
         Param("factor", 1.0, 1e-3, 1e3, log=True, label_en="factor c", label_zh="系数 c", latex="c")),
        _noam, "LambdaLR(noam)",
    ),
    ScheduleSpec(
        "wsd", "warm-up, stable, decay (WSD)", "预热–平稳–衰减（WSD）",
        r"\eta_t = \begin{cases}\eta\,\frac{t+1}{w} & t < w\\ \eta & t < T - D\\ "
        r"\eta_{\min} + (\eta-\eta_{\min})\,\frac{T-t}{D} & t \ge T - D\end{cases}",
        (P_WARMUP, P_TMAX, _int("decay_steps", 20, 1, MAX_T, "decay steps D", "衰减步数 D", "D"), P_ETA_MIN),
        _wsd, "LambdaLR(warm-up, constant, linear decay)",
    ),
    ScheduleSpec(
        "one-cycle", "one-cycle", "单周期（one-cycle）", r"\eta/25 \nearrow \eta \searrow \eta/(25\cdot 10^4)\ \text{(cosine)}",
        (P_TMAX,
         Param("pct_start", 0.3, 0.01, 0.99, label_en="rising fraction", label_zh="上升比例", latex="p"),
         Param("div_factor", 25.0, 1.0, 1e4, log=True, label_en="initial divisor", label_zh="初始除数", latex="D"),
         Param("final_div_factor", 1e4, 1.0, 1e6, log=True, label_en="final divisor", label_zh="最终除数", latex="F")),
        _one_cycle, "OneCycleLR(cycle_momentum=False)",
    ),
)

SCHEDULES: dict[str, ScheduleSpec] = {s.name: s for s in SCHEDULES_LIST}


def get_schedule(name: str) -> ScheduleSpec:
    return lookup("schedule", SCHEDULES, name)
