"""§3.4 — Learning-rate scheduling: edit a schedule, then race it against the constant η."""

from __future__ import annotations

import numpy as np
import streamlit as st

from optim_lab.optimizers import OPTIMIZERS
from optim_lab.schedules import SCHEDULES
from ui.common import compute, live, view
from ui.common.figures import Series, curves_figure
from ui.common.numbers import num
from ui.common.racers import UI_LR_MAX, UI_LR_MIN, RacerConfig, param_control, schedule_label
from ui.sections.lr_schedule import calc
from ui.sections.lr_schedule.figures import EtaCurve, eta_figure, rectifier_figure
from ui.shell import Shell
from ui.text import t

DEFAULT_SURFACE = "rosenbrock"
DEFAULT_STEPS = 300


def schedule_param(sh: Shell, p, schedule: str, steps: int, lr: float):
    """One schedule knob.  Step counts get a slider that fits the step budget (the registry
    allows up to 10⁵), η_min a slider below η; everything else the registry's own control."""
    key = f"sp_{p.name}"
    label = p.label(sh.lang)
    if p.name in calc.STEP_LIKE:
        d = calc.step_knob_default(p.name, schedule, steps, p.default)
        hi = max(view.UI_MAX_STEPS, int(d))
        return sh.controls.slider(key, label, 1, hi, min(int(d), hi), integer=True)
    if p.name == "eta_min":
        return sh.controls.slider(key, label, 0.0, float(lr), 0.0, step=float(lr) / 100, fmt="%.3g")
    if p.name == "d_model":
        return sh.controls.slider(key, label, 1, 4096, int(p.default), integer=True)
    return param_control(sh, key, p, st)


def optimizer_controls(sh: Shell, surface: str, problem) -> tuple[RacerConfig, bool]:
    """The sidebar's optimizer, its η and hyper-parameters, the batch size; and the RAdam switch."""
    side = sh.side
    side.markdown(f"**{sh.t('optimizer')}**")
    opt = sh.controls.select("opt", sh.t("optimizer"), list(OPTIMIZERS), "adam",
                             format_func=lambda n: OPTIMIZERS[n].label(sh.lang), container=side)
    spec = OPTIMIZERS[opt]
    lr = sh.controls.log_slider("lr", sh.t("ls_base_lr"), UI_LR_MIN, UI_LR_MAX, calc.lr_default(opt, surface), container=side,
                                context=(surface, opt))
    hp = {}
    if spec.params:
        with side.expander(sh.t("hyperparameters"), expanded=False):
            for p in spec.params:
                hp[p.name] = param_control(sh, f"h_{p.name}", p, st, context=opt)
    bs = None
    if problem.n_samples:
        bs = int(sh.controls.slider("bs", sh.t("batch_size"), 1, problem.n_samples, problem.n_samples, integer=True,
                                    container=side))
    with_radam = sh.controls.toggle("radam", sh.t("ls_with_radam"), False, container=side, help=sh.t("ls_with_radam_help"))
    return RacerConfig(opt, lr, hp, batch_size=bs), with_radam


def step_rows(sh: Shell, race, k: int) -> list[dict]:
    r = race.result
    rows = []
    for i, name, _ in race.rows():
        gone = not r.alive(i, k)
        rows.append({sh.t("col_optimizer"): name, "η_k": f"{r.lr[k - 1, i]:.4g}",
                     sh.t("ls_col_loss"): "—" if gone else f"{r.loss[k, i]:.5g}",
                     sh.t("ls_col_move"): "—" if gone else f"{calc.move_lengths(r, i)[k - 1]:.4g}"})
    return rows


def rectifier_view(sh: Shell, beta2: float, steps: int, k: int) -> None:
    rt, first = calc.rectifier(steps, beta2)
    view.chart(view.figure(rectifier_figure, rt, sgd_label=sh.t("ls_sgd_steps"), step_label=sh.t("step"), marker_step=k,
                           title=sh.t("ls_rect_title"), font_size=sh.font), "rect")
    st.caption(sh.t("ls_rect_caption", first=first or "—", rk="—" if np.isnan(rt[k - 1]) else f"{rt[k - 1]:.4f}", k=k))
    with st.expander(sh.t("ls_radam_formula"), expanded=False):
        st.latex(r"\rho_\infty = \frac{2}{1-\beta_2} - 1,\quad \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}")
        st.latex(r"r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}")
        st.markdown(sh.t("ls_radam_text"))


def race_curves(sh: Shell, race, surface: str, k: int) -> None:
    """Loss, gradient norm and step length: bursts are easiest to see in ‖Δθ‖."""
    r = race.result
    series = {"loss": [], "grad": [], "move": []}
    for i, name, col in race.rows():
        d, dash = race.diverged(i), race.configs[i].dash
        series["loss"].append(Series(name, col, r.loss[:, i], diverged_at=d, dash=dash))
        series["grad"].append(Series(name, col, r.grad_norm[:, i], diverged_at=d, dash=dash))
        series["move"].append(Series(name, col, calc.move_lengths(r, i), x0=1, diverged_at=d, dash=dash))
    panels = [(sh.t("curve_loss"), series["loss"], bool(race.spec.log_levels) or surface == "rosenbrock"),
              (sh.t("curve_grad"), series["grad"], True), (sh.t("ls_curve_move"), series["move"], True)]
    fig = view.figure(curves_figure, panels, view.labels_for(sh, race.spec), marker_step=k, cols=3, font_size=sh.font,
                      height=sh.size(360, 440))
    view.chart(fig, "curves")


RACE_ETA_PX = 320  # the η_t chart beside the race, at 1280 px with the sidebar open (its narrowest, measured)


def race_step(sh: Shell, race, surface: str, steps: int) -> None:
    """The selected step of the race: arrows, η_t, the step's numbers, the curves (a fragment:
    the slider and ◀ / ▶ rerun only this)."""
    k = view.step_picker(sh, sh.t("ls_step_k"), 1, steps, 1)
    left, right = st.columns([3, 2])
    with left:
        view.show_surface(sh, race, arrows=calc.step_arrows(race.result, race.colors, k))
    with right:
        curves = [EtaCurve(n, col, race.result.lr[:, i], race.configs[i].dash,
                           meta=calc.SCHED_ETA if race.configs[i].color == calc.COLORS["sched"] else None)
                  for i, n, col in race.rows()]
        st.markdown(f"**{sh.t('ls_eta_used')}**")  # above the chart, not its title: the narrow column wraps it, plotly would cut it
        view.chart(view.figure(eta_figure, curves, step_label=sh.t("step"), eta_label="η_t", marker_step=k,
                               font_size=sh.font, height=sh.size(300, 360), width_px=RACE_ETA_PX), "eta_race")
        st.markdown(f"**{sh.t('ls_at_step', k=k)}**")
        sh.table(step_rows(sh, race, k))
        beta2 = calc.radam_beta2(race.configs)
        if beta2 is not None:
            rectifier_view(sh, beta2, steps, k)
    race_curves(sh, race, surface, k)


def live_warmup(sh: Shell, surface: str, pk: tuple, sched: RacerConfig, start, steps: int, seed: int, warmup: int) -> None:
    """The warm-up length, live: drag it and the scheduled run's path and η_t follow at once
    (every position an exact engine run, one batched call); on release one rerun."""
    if not sh.controls.drawn:  # a student following the teacher, who holds the setting
        return
    data = warmup_data(sh.lang, sh.big, surface, pk, sched, tuple(start), steps, seed, warmup)
    live.live_slider("sp_warmup", data, warmup, integer=True)


@live.shared
def warmup_data(lang: str, big: bool, surface: str, pk: tuple, sched: RacerConfig, start: tuple, steps: int, seed: int,
                warmup: int) -> dict:
    """The live warm-up's data (every session showing this setting shares it); its positions
    depend on the warm-up shown (`calc.warmup_positions`)."""
    ws = calc.warmup_positions(steps, warmup)
    fam = live.family_view(surface, pk, live.racer_key(sched), "warmup", tuple(ws.astype(float).tolist()), start,
                           steps, seed, sched.color)
    spec = SCHEDULES[sched.schedule]
    steps_x = live.f32(np.arange(1, steps + 1))
    etas = [live.f32(spec.etas(sched.lr, steps, dict(sched.sched_params) | {"warmup": int(w)})) for w in ws]
    eta = live.TraceSwap({"meta": calc.SCHED_ETA}, [steps_x] * len(ws), etas)
    readouts = [t("diverged_at", lang, name=t("ls_live_run", lang), k=int(d)) if d >= 0 else
                t("ls_live_readout", lang, loss=num(float(loss))) for d, loss in zip(fam.diverged_at, fam.final_loss, strict=True)]
    return live.payload("sp_warmup", t("ls_live_label", lang), ws, [str(int(w)) for w in ws], readouts,
                        [d >= 0 for d in fam.diverged_at], {"main": fam.paths, "eta_editor": [eta], "eta_race": [eta]},
                        font=20 if big else 15)


def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        st.markdown(sh.t("ls_intro"))
        st.latex(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t,\qquad "
                 r"\text{" + sh.t("ls_decay_word") + r"}:\ \eta_t = \frac{\eta}{\sqrt{t+1}}")
    sh.preset_bar()

    surface, params = view.surface_controls(sh, DEFAULT_SURFACE)
    problem = compute.build(surface, compute.params_key(params))
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, DEFAULT_STEPS, seed=problem.n_samples is not None)
    base, with_radam = optimizer_controls(sh, surface, problem)

    st.subheader(sh.t("ls_editor"))
    ed_left, ed_right = st.columns([2, 3])
    with ed_left:
        sch = sh.controls.select("sch", sh.t("schedule"), list(SCHEDULES), "warmup-cosine",
                                 format_func=lambda s: schedule_label(sh, s))
        sspec = SCHEDULES[sch]
        sp = {p.name: schedule_param(sh, p, sch, steps, base.lr) for p in sspec.params}
        st.caption(sh.t("ls_torch_equiv", name=sspec.torch_equivalent))
    try:
        etas = sspec.etas(base.lr, steps, sp)
    except ValueError as exc:
        st.error(sh.t("run_failed", error=str(exc)))
        etas = None

    configs, roles = calc.lineup(base, sch, sp, with_radam)
    label = OPTIMIZERS[base.optimizer].label(sh.lang)
    role_names = {"sched": f"{label} + {sspec.label(sh.lang)}", "const": sh.t("ls_constant_name", opt=label),
                  "radam": sh.t("ls_radam_name")}
    names = [role_names[r] for r in roles]
    with ed_right:
        st.latex(sspec.latex)
        if etas is not None:
            curves = [EtaCurve(n, c.color, e, c.dash, meta=calc.SCHED_ETA if r == "sched" else None)
                      for n, c, e, r in zip(names, configs, calc.scheduled_etas(configs, steps), roles, strict=True)]
            view.chart(view.figure(eta_figure, curves, step_label=sh.t("step"), eta_label="η_t", title=sh.t("ls_eta_title"),
                                   font_size=sh.font, height=sh.size(320, 380)), "eta_editor")
            st.caption(sh.t("ls_eta_summary", first=f"{etas[0]:.3g}", peak=f"{etas.max():.3g}", k=int(np.argmax(etas)) + 1,
                            last=f"{etas[-1]:.3g}"))

    race = view.run_race(sh, surface, params, configs, start, steps, seed, names=names) if etas is not None else None
    if race is not None:
        view.divergence_notes(sh, race)
        if "sched" in roles and "warmup" in sp:
            live_warmup(sh, surface, compute.params_key(params), configs[roles.index("sched")], start, steps, seed,
                        int(sp["warmup"]))
        st.subheader(sh.t("ls_race"))
        view.step_view(lambda: race_step(sh, race, surface, steps), race)
        st.markdown(f"**{sh.t('results')}**")
        view.results_table(sh, race)
    with st.expander(sh.t("ls_why_title"), expanded=False):
        st.markdown(sh.t("ls_why_text"))
        st.latex(r"\eta_t = d^{-0.5}\cdot\min\!\left(t^{-0.5},\ t\cdot w^{-1.5}\right)")
