"""§3.4 — Learning-rate scheduling: edit a schedule, then race it against the constant η."""

import numpy as np
import streamlit as st

from optim_lab.optimizers import OPTIMIZERS
from optim_lab.rules import radam_rectifier
from optim_lab.schedules import SCHEDULES
from ui.common import compute, view
from ui.fig_schedule import EtaCurve, eta_figure, rectifier_figure
from ui.common.figures import PALETTE, Series, curves_figure
from ui.common.racers import UI_LR_MAX, UI_LR_MIN, default_lr, param_control
from ui.shell import page_setup

COLORS = {"sched": PALETTE[0], "const": PALETTE[1], "radam": PALETTE[2]}

STEP_LIKE = {"t_max", "warmup", "step_size"}  # counted in steps: a slider over the UI's step range


def schedule_param(p, sch: str, steps: int, lr: float):
    """One schedule knob.  Step counts get a slider that fits the step budget (the registry
    allows up to 10⁵), η_min a slider below η; everything else the registry's own control."""
    key = f"sp_{p.name}"
    label = p.label(sh.lang)
    if p.name in STEP_LIKE:
        d = {"t_max": steps, "warmup": min(50, max(1, steps // 6)) if sch == "warmup-cosine" else p.default}.get(p.name, p.default)
        hi = max(view.UI_MAX_STEPS, int(d))
        return sh.controls.slider(key, label, 1, hi, min(int(d), hi), integer=True)
    if p.name == "eta_min":
        return sh.controls.slider(key, label, 0.0, float(lr), 0.0, step=float(lr) / 100, fmt="%.3g")
    if p.name == "d_model":
        return sh.controls.slider(key, label, 1, 4096, int(p.default), integer=True)
    return param_control(sh, key, p, st)


sh = page_setup("lr-schedule")
with sh.guard():
    sh.header()
    st.markdown(sh.t("ls_intro"))
    st.latex(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t,\qquad "
             r"\text{" + sh.t("ls_decay_word") + r"}:\ \eta_t = \frac{\eta}{\sqrt{t+1}}")
    sh.preset_bar()

    # -- sidebar: where, from where, how long, which optimizer ---------------------------------
    surface, params = view.surface_controls(sh, "rosenbrock")
    problem = compute.build(surface, compute.params_key(params))
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 300, seed=problem.n_samples is not None)
    side = st.sidebar
    side.markdown(f"**{sh.t('optimizer')}**")
    opt = sh.controls.select("opt", sh.t("optimizer"), list(OPTIMIZERS), "adam",
                             format_func=lambda n: OPTIMIZERS[n].label(sh.lang), container=side)
    spec = OPTIMIZERS[opt]
    lr = sh.controls.log_slider("lr", sh.t("ls_base_lr"), UI_LR_MIN, UI_LR_MAX,
                                0.5 if (opt, surface) == ("adam", "rosenbrock") else default_lr(opt, surface), container=side)
    hp = {}
    if spec.params:
        with side.expander(sh.t("hyperparameters"), expanded=False):
            for p in spec.params:
                hp[p.name] = param_control(sh, f"h_{p.name}", p, st)
    bs = None
    if problem.n_samples:
        bs = int(sh.controls.slider("bs", sh.t("batch_size"), 1, problem.n_samples, problem.n_samples, integer=True,
                                    container=side))
    with_radam = sh.controls.toggle("radam", sh.t("ls_with_radam"), False, container=side, help=sh.t("ls_with_radam_help"))

    # -- the schedule editor ------------------------------------------------------------------
    st.subheader(sh.t("ls_editor"))
    ed_left, ed_right = st.columns([2, 3])
    with ed_left:
        sch = sh.controls.select("sch", sh.t("schedule"), list(SCHEDULES), "warmup-cosine",
                                 format_func=lambda s: SCHEDULES[s].label(sh.lang))
        sspec = SCHEDULES[sch]
        sp = {p.name: schedule_param(p, sch, steps, lr) for p in sspec.params}
        st.caption(sh.t("ls_torch_equiv", name=sspec.torch_equivalent))
    try:
        etas = sspec.etas(lr, steps, sp)
    except ValueError as exc:
        st.error(sh.t("run_failed", error=str(exc)))
        etas = None

    # -- the race: scheduled vs constant (vs RAdam) ----------------------------------------------
    base = {"optimizer": opt, "lr": lr, "hparams": hp}
    if bs:
        base["batch_size"] = bs
    label = spec.label(sh.lang)
    configs, names = [], []
    if sch != "constant":
        configs.append(base | {"schedule": sch, "sched_params": sp, "color": COLORS["sched"]})
        names.append(f"{label} + {sspec.label(sh.lang)}")
    configs.append(base | {"schedule": "constant", "sched_params": {}, "color": COLORS["const"],
                           "dash": "dash" if sch != "constant" else "solid"})
    names.append(sh.t("ls_constant_name", opt=label))
    if with_radam and not (opt == "radam" and sch == "constant"):
        cfg = {"optimizer": "radam", "lr": lr, "hparams": {}, "schedule": "constant", "sched_params": {}, "color": COLORS["radam"]}
        if bs:
            cfg["batch_size"] = bs
        configs.append(cfg)
        names.append(sh.t("ls_radam_name"))

    with ed_right:
        st.latex(sspec.latex)
        if etas is not None:
            curves = [EtaCurve(n, c["color"], SCHEDULES[c["schedule"]].etas(lr, steps, c["sched_params"]), c.get("dash", "solid"))
                      for n, c in zip(names, configs, strict=True)]
            st.plotly_chart(eta_figure(curves, step_label=sh.t("step"), eta_label="η_t", title=sh.t("ls_eta_title"),
                                       font_size=16 if sh.big else 13, height=380 if sh.big else 320),
                            key="eta_editor", theme=None, config={"displaylogo": False})
            peak = int(np.argmax(etas)) + 1
            st.caption(sh.t("ls_eta_summary", first=f"{etas[0]:.3g}", peak=f"{etas.max():.3g}", k=peak, last=f"{etas[-1]:.3g}"))

    rc = view.run_race(sh, surface, params, configs, start, steps, seed, names=names) if etas is not None else None
    if rc is not None:
        view.divergence_notes(sh, rc)
        r = rc.result
        st.subheader(sh.t("ls_race"))
        k = int(sh.controls.slider("k", sh.t("ls_step_k"), 1, steps, 1, integer=True))
        arrows = []  # step k of every run, as an arrow from θ_{k−1} to θ_k
        for i in range(len(rc.names)):
            d = rc.diverged(i)
            if d is None or k < d:
                a, b = r["theta"][k - 1, i], r["theta"][k, i]
                arrows.append({"from": (float(a[0]), float(a[1])), "to": (float(b[0]), float(b[1])), "color": rc.colors[i]})
        left, right = st.columns([3, 2])
        with left:
            view.show_surface(sh, rc, arrows=arrows)
        with right:
            curves = [EtaCurve(n, rc.colors[i], r["lr"][:, i], rc.configs[i].get("dash", "solid")) for i, n in enumerate(rc.names)]
            st.plotly_chart(eta_figure(curves, step_label=sh.t("step"), eta_label="η_t", title=sh.t("ls_eta_used"), marker_step=k,
                                       font_size=16 if sh.big else 13, height=360 if sh.big else 300),
                            key="eta_race", theme=None, config={"displaylogo": False})
            rows = []
            for i, n in enumerate(rc.names):
                d = rc.diverged(i)
                gone = d is not None and k >= d
                move = float(np.linalg.norm(r["theta"][k, i] - r["theta"][k - 1, i]))
                rows.append({sh.t("col_optimizer"): n, "η_k": f"{r['lr'][k - 1, i]:.4g}",
                             sh.t("ls_col_loss"): "—" if gone else f"{r['loss'][k, i]:.5g}",
                             sh.t("ls_col_move"): "—" if gone else f"{move:.4g}"})
            st.markdown(f"**{sh.t('ls_at_step', k=k)}**")
            st.dataframe(rows, hide_index=True, width="stretch")
            if any(c["optimizer"] == "radam" for c in rc.configs):
                beta2 = next((c["hparams"].get("beta2") for c in rc.configs if c["optimizer"] == "radam" and c["hparams"]), None)
                beta2 = 0.999 if beta2 is None else beta2
                rt = radam_rectifier(np.arange(1, steps + 1, dtype=np.float64), beta2)
                st.plotly_chart(rectifier_figure(rt, sgd_label=sh.t("ls_sgd_steps"), step_label=sh.t("step"), marker_step=k,
                                                 title=sh.t("ls_rect_title"), font_size=16 if sh.big else 13),
                                key="rect", theme=None, config={"displaylogo": False})
                first = int(np.flatnonzero(~np.isnan(rt))[0]) + 1 if (~np.isnan(rt)).any() else None
                st.caption(sh.t("ls_rect_caption", first=first or "—",
                                rk="—" if np.isnan(rt[k - 1]) else f"{rt[k - 1]:.4f}", k=k))
                with st.expander(sh.t("ls_radam_formula"), expanded=False):
                    st.latex(r"\rho_\infty = \frac{2}{1-\beta_2} - 1,\quad \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}")
                    st.latex(r"r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}")
                    st.markdown(sh.t("ls_radam_text"))
        # loss, gradient norm and step length: bursts are easiest to see in ‖Δθ‖
        series = {"loss": [], "grad": [], "move": []}
        for i, n in enumerate(rc.names):
            d, col, dash = rc.diverged(i), rc.colors[i], rc.configs[i].get("dash", "solid")
            series["loss"].append(Series(n, col, r["loss"][:, i], diverged_at=d, dash=dash))
            series["grad"].append(Series(n, col, r["grad_norm"][:, i], diverged_at=d, dash=dash))
            series["move"].append(Series(n, col, np.linalg.norm(np.diff(r["theta"][:, i], axis=0), axis=1), x0=1, diverged_at=d,
                                         dash=dash))
        panels = [(sh.t("curve_loss"), series["loss"], bool(rc.spec.log_levels) or surface == "rosenbrock"),
                  (sh.t("curve_grad"), series["grad"], True), (sh.t("ls_curve_move"), series["move"], True)]
        fig = curves_figure(panels, view.labels_for(sh, rc.spec), marker_step=k, cols=3, font_size=16 if sh.big else 13,
                            height=440 if sh.big else 360)
        fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0), margin=dict(b=90))
        st.plotly_chart(fig, key="curves", theme=None, config={"displaylogo": False})
        st.markdown(f"**{sh.t('results')}**")
        view.results_table(sh, rc)
    with st.expander(sh.t("ls_why_title"), expanded=False):
        st.markdown(sh.t("ls_why_text"))
        st.latex(r"\eta_t = d^{-0.5}\cdot\min\!\left(t^{-0.5},\ t\cdot w^{-1.5}\right)")
sh.finish()
