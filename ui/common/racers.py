"""The racer editor: one optimizer with its own hyper-parameters and schedule.

Every slider comes from the registries (range, default, log scale); no page
hard-codes an optimizer list or a range.  Racer i keeps its controls under the
URL keys `o{i}`, `o{i}_lr`, `o{i}_h_<param>`, `o{i}_sch`, `o{i}_sp_<param>`,
`o{i}_m`, `o{i}_s`, `o{i}_bs`.
"""

from __future__ import annotations

import math

import streamlit as st

from optim_lab.optimizers import CUSTOM, OPTIMIZERS, custom_optimizer, get_optimizer
from optim_lab.rules import MOMENTUM, SCALING
from optim_lab.schedules import SCHEDULES
from surfaces.spec import Param
from ui.common.lineup import GD_FAMILY, LR_HINT, SECTION_LR, UI_LR_MAX, UI_LR_MIN, RacerConfig, default_lr  # noqa: F401 — the editor's names


def schedule_label(sh, name: str) -> str:
    """A schedule's name in the page's language ("constant" reads 固定学习率, as the book says)."""
    return sh.t("schedule_constant") if name == "constant" else SCHEDULES[name].label(sh.lang)


def _uses_number_input(p: Param) -> bool:
    # ε-like knobs live on a scale a linear slider cannot reach; so does weight decay: a slider
    # over [0, 1] moves in steps of 10⁻³ (HW3 uses 10⁻⁵), and a log slider cannot reach 0
    return p.name in ("eps", "weight_decay") or (p.lo == 0 and 0 < p.default < 1e-3 * p.hi)


UI_MAX_STEP_PARAM = 2000  # step counts (t_max, warm-up, step size) beyond the app's step budget are useless on a slider


def param_control(sh, key: str, p: Param, container, default=None, context=None):
    default = p.default if default is None else default
    label = p.label(sh.lang)
    if p.boolean:  # a torch switch (amsgrad, maximize, …): on or off
        return sh.controls.toggle(key, label, default=bool(default), container=container, context=context)
    if p.integer and p.hi > UI_MAX_STEP_PARAM:
        p = Param(p.name, min(p.default, UI_MAX_STEP_PARAM), p.lo, UI_MAX_STEP_PARAM, integer=True, label_en=p.label_en,
                  label_zh=p.label_zh, latex=p.latex)
        default = min(default, UI_MAX_STEP_PARAM)
    ctx = {"context": context}
    if p.name == "eta_min":
        return sh.controls.number(key, label, p.lo, p.hi, default, step=1e-4, container=container, fmt="%.3g", **ctx)
    if p.log and p.lo > 0:
        return sh.controls.log_slider(key, label, p.lo, p.hi, default, container=container, **ctx)
    if _uses_number_input(p):
        # the ± buttons move by a tenth of the default (from 0: by 10⁻⁵ of the range); typed values keep 3 digits
        return sh.controls.number(key, label, p.lo, p.hi, default, step=default / 10 or (p.hi - p.lo) * 1e-5,
                                  container=container, fmt="%.3g", **ctx)
    if p.integer:
        return sh.controls.slider(key, label, p.lo, p.hi, default, integer=True, container=container, **ctx)
    step = 10.0 ** math.floor(math.log10(max((p.hi - p.lo) / 1000, 1e-6)))  # a float: wide ranges (ASGD t0) gave an int step
    return sh.controls.slider(key, label, p.lo, p.hi, default, step=step, container=container, fmt="%.4g", **ctx)


def racer_editor(sh, i: int, surface: str, *, default_opt: str, default_sched: str = "constant",
                 container=None, data_n: int | None = None, defaults: dict | None = None, allow_custom: bool = True,
                 steps: int = 100, section: str | None = None) -> RacerConfig:
    """Draw racer i's controls; return its config.  `surface` names the row of `LR_HINT` whose η
    each optimizer starts from ("digits" for the training lab's networks, which have no 2-D surface),
    `section` a page's own row of `SECTION_LR`; η and every hyper-parameter follow the chosen
    optimizer (their context)."""
    box = container or sh.side
    defaults = defaults or {}
    k = f"o{i}"
    options = list(OPTIMIZERS) + ([CUSTOM] if allow_custom else [])

    def fmt(name):
        return sh.t("build_your_own") if name == CUSTOM else OPTIMIZERS[name].label(sh.lang)

    name = sh.controls.select(k, sh.t("optimizer"), options, default_opt, format_func=fmt, container=box)
    rules: dict = {}
    if name == CUSTOM:
        rules["momentum_rule"] = sh.controls.select(f"{k}_m", sh.t("momentum_rule"), list(MOMENTUM), defaults.get("m", "heavy-ball"),
                                                  format_func=lambda r: MOMENTUM[r].label_zh if sh.lang == "zh" else MOMENTUM[r].label_en,
                                                  container=box)
        rules["scaling_rule"] = sh.controls.select(f"{k}_s", sh.t("scaling_rule"), list(SCALING), defaults.get("s", "adagrad"),
                                                 format_func=lambda r: SCALING[r].label_zh if sh.lang == "zh" else SCALING[r].label_en,
                                                 container=box)
        spec = custom_optimizer(rules["momentum_rule"], rules["scaling_rule"])
    else:
        spec = get_optimizer(name)
    lr0 = defaults.get("lr", default_lr(name, surface, section))
    # each optimizer (on each surface) brings its own η: Adam must not inherit SGD's η = 0.001
    who = (name, rules.get("momentum_rule"), rules.get("scaling_rule"))
    lr = sh.controls.log_slider(f"{k}_lr", sh.t("learning_rate"), UI_LR_MIN, UI_LR_MAX, lr0, container=box,
                                context=(surface, *who))
    hp = {}
    if spec.params:
        with box.expander(sh.t("hyperparameters"), expanded=False):
            for p in spec.params:
                hp[p.name] = param_control(sh, f"{k}_h_{p.name}", p, st, default=defaults.get(p.name), context=who)
    sched = sh.controls.select(f"{k}_sch", sh.t("schedule"), list(SCHEDULES), defaults.get("schedule", default_sched),
                               format_func=lambda s: schedule_label(sh, s), container=box)
    sp = {}
    if SCHEDULES[sched].params:
        with box.expander(sh.t("schedule_params"), expanded=False):
            for p in SCHEDULES[sched].params:
                d = defaults.get(f"sp_{p.name}", p.default)
                if p.name == "t_max" and f"sp_{p.name}" not in defaults:
                    d = max(1, steps)
                sp[p.name] = param_control(sh, f"{k}_sp_{p.name}", p, st, default=d, context=sched)
    bs = None
    if data_n:
        bs = int(sh.controls.slider(f"{k}_bs", sh.t("batch_size"), 1, data_n, defaults.get("bs", data_n), integer=True, container=box))
    return RacerConfig(name, lr, hp, sched, sp, bs, **rules)
