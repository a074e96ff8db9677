"""The racer editor: one optimizer with its own hyper-parameters and schedule.

Every slider comes from the registries (range, default, log scale); no page
hard-codes an optimizer list or a range.  Racer i keeps its controls under the
URL keys `o{i}`, `o{i}_lr`, `o{i}_h_<param>`, `o{i}_sch`, `o{i}_sp_<param>`,
`o{i}_m`, `o{i}_s`, `o{i}_bs`.
"""

from __future__ import annotations

import math

import streamlit as st

from optim_lab.optimizers import CUSTOM, LR_MIN, OPTIMIZERS, get_optimizer
from optim_lab.rules import MOMENTUM, SCALING
from optim_lab.schedules import SCHEDULES
from optim_lab.spec import Param
from ui.shell import Shell

GD_FAMILY = {"sgd", "momentum", "nesterov", "momentum-book"}

# A learning rate that makes each surface's default race worth watching (GD family, adaptive family).
LR_HINT = {
    "textbook-saddle": (0.05, 0.05), "quadratic": (0.05, 0.1), "long-valley": (1e-6, 2.0), "softmax-ce": (1.0, 0.5),
    "softmax-mse": (1.0, 0.5), "rosenbrock": (1e-3, 0.05), "beale": (1e-3, 0.05), "himmelblau": (0.01, 0.1),
    "booth": (0.02, 0.2), "rastrigin": (2e-3, 0.05), "ackley": (0.05, 0.1), "six-hump-camel": (0.02, 0.05),
    "three-hump-camel": (0.01, 0.05), "matyas": (0.5, 0.1), "styblinski-tang": (0.01, 0.1), "monkey-saddle": (0.01, 0.02),
    "linreg": (0.05, 0.1), "logreg": (0.5, 0.1), "feature-scale": (1e-5, 0.05),
}
UI_LR_MIN, UI_LR_MAX = max(LR_MIN, 1e-8), 10.0


def default_lr(optimizer: str, surface: str) -> float:
    if optimizer == "adadelta":
        return 1.0
    gd, ada = LR_HINT.get(surface, (1e-2, 1e-2))
    return gd if optimizer in GD_FAMILY else ada


def _uses_number_input(p: Param) -> bool:
    # ε-like knobs live on a scale a linear slider cannot reach
    return p.name == "eps" or (p.lo == 0 and 0 < p.default < 1e-3 * p.hi)


UI_MAX_STEP_PARAM = 2000  # step counts (t_max, warm-up, step size) beyond the app's step budget are useless on a slider


def param_control(sh: Shell, key: str, p: Param, container, default=None):
    default = p.default if default is None else default
    label = p.label(sh.lang)
    if p.integer and p.hi > UI_MAX_STEP_PARAM:
        p = Param(p.name, min(p.default, UI_MAX_STEP_PARAM), p.lo, UI_MAX_STEP_PARAM, integer=True, label_en=p.label_en,
                  label_zh=p.label_zh, latex=p.latex)
        default = min(default, UI_MAX_STEP_PARAM)
    if p.name == "eta_min":
        return sh.controls.number(key, label, p.lo, p.hi, default, step=1e-4, container=container, fmt="%.3g")
    if p.log and p.lo > 0:
        return sh.controls.log_slider(key, label, p.lo, p.hi, default, container=container)
    if _uses_number_input(p):
        return sh.controls.number(key, label, p.lo, p.hi, default, step=default / 10 or 1e-9, container=container, fmt="%.3g")
    if p.integer:
        return sh.controls.slider(key, label, p.lo, p.hi, default, integer=True, container=container)
    step = 10 ** math.floor(math.log10(max((p.hi - p.lo) / 1000, 1e-6)))
    return sh.controls.slider(key, label, p.lo, p.hi, default, step=step, container=container, fmt="%.4g")


def racer_editor(sh: Shell, i: int, surface: str, *, default_opt: str, default_sched: str = "constant",
                 container=None, data_n: int | None = None, defaults: dict | None = None, allow_custom: bool = True,
                 steps: int = 100) -> dict:
    """Draw racer i's controls; return its plain config (JSON-able)."""
    box = container or st.sidebar
    defaults = defaults or {}
    k = f"o{i}"
    options = list(OPTIMIZERS) + ([CUSTOM] if allow_custom else [])

    def fmt(name):
        return sh.t("build_your_own") if name == CUSTOM else OPTIMIZERS[name].label(sh.lang)

    name = sh.controls.select(k, sh.t("optimizer"), options, default_opt, format_func=fmt, container=box)
    cfg: dict = {"optimizer": name}
    if name == CUSTOM:
        cfg["momentum_rule"] = sh.controls.select(f"{k}_m", sh.t("momentum_rule"), list(MOMENTUM), defaults.get("m", "heavy-ball"),
                                                  format_func=lambda r: MOMENTUM[r].label_zh if sh.lang == "zh" else MOMENTUM[r].label_en,
                                                  container=box)
        cfg["scaling_rule"] = sh.controls.select(f"{k}_s", sh.t("scaling_rule"), list(SCALING), defaults.get("s", "adagrad"),
                                                 format_func=lambda r: SCALING[r].label_zh if sh.lang == "zh" else SCALING[r].label_en,
                                                 container=box)
        from optim_lab.optimizers import custom_optimizer

        spec = custom_optimizer(cfg["momentum_rule"], cfg["scaling_rule"])
    else:
        spec = get_optimizer(name)
    lr0 = defaults.get("lr", default_lr(name, surface))
    cfg["lr"] = sh.controls.log_slider(f"{k}_lr", sh.t("learning_rate"), UI_LR_MIN, UI_LR_MAX, lr0, container=box)
    hp = {}
    if spec.params:
        with box.expander(sh.t("hyperparameters"), expanded=False):
            for p in spec.params:
                hp[p.name] = param_control(sh, f"{k}_h_{p.name}", p, st, default=defaults.get(p.name))
    cfg["hparams"] = hp
    sched = sh.controls.select(f"{k}_sch", sh.t("schedule"), list(SCHEDULES), defaults.get("schedule", default_sched),
                               format_func=lambda s: SCHEDULES[s].label(sh.lang), container=box)
    cfg["schedule"] = sched
    sp = {}
    if SCHEDULES[sched].params:
        with box.expander(sh.t("schedule_params"), expanded=False):
            for p in SCHEDULES[sched].params:
                d = defaults.get(f"sp_{p.name}", p.default)
                if p.name == "t_max" and f"sp_{p.name}" not in defaults:
                    d = max(1, steps)
                sp[p.name] = param_control(sh, f"{k}_sp_{p.name}", p, st, default=d)
    cfg["sched_params"] = sp
    if data_n:
        bs = sh.controls.slider(f"{k}_bs", sh.t("batch_size"), 1, data_n, defaults.get("bs", data_n), integer=True, container=box)
        cfg["batch_size"] = int(bs)
    return cfg
