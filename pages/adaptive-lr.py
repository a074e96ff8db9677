"""§3.3 — Adaptive learning rate: one η is too big across the valley and too small along it."""

import numpy as np
import streamlit as st

from ui.common import compute, view
from ui.calc_adaptive import cached_curvature, final_rows, widened
from ui.fig_adaptive import LossGrad, LossGradText, loss_grad_figure
from ui.common.figures import Series, curves_figure
from ui.common.racers import UI_LR_MAX, UI_LR_MIN
from ui.shell import page_setup

SURFACES = ["long-valley", "quadratic"]
# racer id → (optimizer, schedule, colour, dash); "agd" is book AdaGrad with η/√(t+1) and shares agb's η
LINEUP = {
    "gd": ("sgd", "constant", "#0072B2", "solid"),
    "gd2": ("sgd", "constant", "#56B4E9", "solid"),
    "agb": ("adagrad-book", "constant", "#D55E00", "solid"),
    "agd": ("adagrad-book", "inverse-time", "#E69F00", "solid"),
    "agt": ("adagrad", "constant", "#8C564B", "dash"),
    "rmb": ("rmsprop-book", "constant", "#009E73", "solid"),
    "rmt": ("rmsprop", "constant", "#CC79A7", "dash"),
    "adam": ("adam", "constant", "#000000", "solid"),
}
ON_BY_DEFAULT = {"gd": True, "gd2": False, "agb": True, "agd": False, "agt": False, "rmb": True, "rmt": False, "adam": True}
ADAPTIVE_LR = {
    "long-valley": {"agb": 1.0, "agt": 1.0, "rmb": 0.5, "rmt": 0.5, "adam": 2.0},
    "quadratic": {"agb": 0.5, "agt": 0.5, "rmb": 0.05, "rmt": 0.05, "adam": 0.1},
}
LR_KEYS = ("agb", "agt", "rmb", "rmt", "adam")


def _lr_defaults_follow_surface(prev: str | None, surface: str) -> None:
    if prev is not None and prev != surface:
        for r in LR_KEYS:
            st.session_state.pop(f"lr_{r}__log", None)


sh = page_setup("adaptive-lr")
with sh.guard():
    sh.header()
    st.markdown(sh.t("al_intro"))
    st.latex(r"\theta_{t+1,i} = \theta_{t,i} - \frac{\eta}{\sigma_{t,i}}\, g_{t,i}"
             r"\qquad\text{(" + sh.t("al_each_coordinate") + r")}")
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**AdaGrad** ({sh.t('al_book')})")
        st.latex(r"\sigma_{t,i} = \sqrt{\frac{1}{t+1}\sum_{j=0}^{t} g_{j,i}^2}")
    with c2:
        st.markdown(f"**RMSProp** ({sh.t('al_book')})")
        st.latex(r"\sigma_{0,i} = |g_{0,i}|,\quad \sigma_{t,i} = \sqrt{\alpha\,\sigma_{t-1,i}^2 + (1-\alpha)\, g_{t,i}^2}")
    st.markdown(f"**Adam** ({sh.t('al_adam_source')})")
    st.latex(r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
             r"\theta_t = \theta_{t-1} - \eta\,\frac{m_t/(1-\beta_1^{t})}{\sqrt{v_t/(1-\beta_2^{t})} + \epsilon}")
    with st.expander(sh.t("al_book_vs_torch_title")):
        st.markdown(sh.t("al_book_vs_torch"))
    sh.preset_bar(2)

    prev = st.session_state.get("surface")
    surface, params = view.surface_controls(sh, "long-valley", allowed=SURFACES)
    _lr_defaults_follow_surface(prev, surface)
    pk = compute.params_key(params)
    problem = compute.build(surface, pk)
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 1000, seed=False)
    lam_min, lam_max = cached_curvature(surface, pk, tuple(start))
    unit = 2.0 / lam_max

    side = st.sidebar
    on, lrs = {}, {}
    with side.expander(sh.t("al_gd_group"), expanded=True):
        on["gd"] = sh.controls.toggle("gd", sh.t("al_run_gd"), ON_BY_DEFAULT["gd"])
        eta_u = sh.controls.slider("eta_u", sh.t("al_eta_u"), 0.01, 1.2, 0.95, step=0.01, help=sh.t("al_eta_u_help"))
        on["gd2"] = sh.controls.toggle("gd2", sh.t("al_run_gd2"), ON_BY_DEFAULT["gd2"])
        eta_u2 = sh.controls.slider("eta_u2", sh.t("al_eta_u2"), 0.01, 1.2, 0.05, step=0.01)
        st.caption(sh.t("al_gd_lr", u=eta_u, lr=eta_u * unit, u2=eta_u2, lr2=eta_u2 * unit))
    lrs["gd"], lrs["gd2"] = eta_u * unit, eta_u2 * unit
    defaults = ADAPTIVE_LR.get(surface, ADAPTIVE_LR["long-valley"])
    with side.expander("AdaGrad", expanded=True):
        on["agb"] = sh.controls.toggle("agb", sh.t("al_run_agb"), ON_BY_DEFAULT["agb"])
        lrs["agb"] = sh.controls.log_slider("lr_agb", sh.t("al_lr_agb"), UI_LR_MIN, UI_LR_MAX, defaults["agb"])
        on["agd"] = sh.controls.toggle("agd", sh.t("al_run_agd"), ON_BY_DEFAULT["agd"], help=sh.t("al_run_agd_help"))
        lrs["agd"] = lrs["agb"]
        on["agt"] = sh.controls.toggle("agt", sh.t("al_run_agt"), ON_BY_DEFAULT["agt"])
        lrs["agt"] = sh.controls.log_slider("lr_agt", sh.t("al_lr_agt"), UI_LR_MIN, UI_LR_MAX, defaults["agt"])
    with side.expander("RMSProp", expanded=False):
        on["rmb"] = sh.controls.toggle("rmb", sh.t("al_run_rmb"), ON_BY_DEFAULT["rmb"])
        lrs["rmb"] = sh.controls.log_slider("lr_rmb", sh.t("al_lr_rmb"), UI_LR_MIN, UI_LR_MAX, defaults["rmb"])
        a_rmb = sh.controls.slider("a_rmb", sh.t("al_alpha_book"), 0.5, 0.999, 0.9, step=0.001)
        on["rmt"] = sh.controls.toggle("rmt", sh.t("al_run_rmt"), ON_BY_DEFAULT["rmt"])
        lrs["rmt"] = sh.controls.log_slider("lr_rmt", sh.t("al_lr_rmt"), UI_LR_MIN, UI_LR_MAX, defaults["rmt"])
        a_rmt = sh.controls.slider("a_rmt", sh.t("al_alpha_torch"), 0.5, 0.999, 0.99, step=0.001)
    with side.expander("Adam", expanded=False):
        on["adam"] = sh.controls.toggle("adam", sh.t("al_run_adam"), ON_BY_DEFAULT["adam"])
        lrs["adam"] = sh.controls.log_slider("lr_adam", sh.t("al_lr_adam"), UI_LR_MIN, UI_LR_MAX, defaults["adam"])

    hparams = {"rmb": {"alpha": a_rmb}, "rmt": {"alpha": a_rmt}}
    ids = [r for r in LINEUP if on[r]]
    # the η metrics: the book's figures in units of 2/λ_max
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("λ_max", f"{lam_max:.4g}")
    m2.metric("λ_min", f"{lam_min:.4g}")
    m3.metric(sh.t("al_condition"), f"{lam_max / lam_min:.3g}" if lam_min > 0 else "∞")
    m4.metric("2/λ_max", f"{unit:.4g}")
    st.caption(sh.t("al_units_note"))
    if not ids:
        st.info(sh.t("al_pick_one"))
    else:
        configs, names = [], []
        for r in ids:
            opt, sched, color, dash = LINEUP[r]
            configs.append({"optimizer": opt, "lr": lrs[r], "hparams": hparams.get(r, {}), "schedule": sched, "sched_params": {},
                            "color": color, "dash": dash})
            names.append(sh.t(f"al_name_{r}", u=eta_u if r == "gd" else eta_u2))
        rc = view.run_race(sh, surface, params, configs, start, steps, seed, names=names)
        if rc is not None:
            view.divergence_notes(sh, rc)
            r = rc.result
            k = sh.controls.slider("k", sh.t("al_selected_step"), 1, steps, min(steps, 100), integer=True)
            ax = view.labels_for(sh, rc.spec)
            rcw, grid, _ = widened(rc)
            left, right = st.columns([3, 2])
            with left:
                view.show_surface(sh, rcw, grid_override=grid)
                if grid is not None:
                    st.caption(sh.t("al_view_grown"))
            with right:
                lg_opts = list(range(len(rc.names)))
                who = sh.controls.select("lg", sh.t("al_lg_who"), ["all"] + ids, "all",
                                         format_func=lambda v: sh.t("al_lg_all") if v == "all" else rc.names[ids.index(v)])
                chosen = lg_opts if who == "all" else [ids.index(who)]
                runs = [LossGrad(rc.names[i], rc.colors[i], r["loss"][:, i], r["grad_norm"][:, i], rc.diverged(i)) for i in chosen]
                st.markdown(f"**{sh.t('al_lg_title')}**")
                fig = loss_grad_figure(runs, LossGradText(step=sh.t("step"), loss=sh.t("al_axis_loss"), grad=sh.t("al_axis_grad")),
                                       marker_step=k, height=460 if sh.big else 380, font_size=15 if sh.big else 12)
                st.plotly_chart(fig, key="al_lossgrad", theme=None, config={"displaylogo": False})
                st.caption(sh.t("al_lg_note"))

            st.markdown(f"**{sh.t('al_at_step', k=k)}**")
            rows = []
            for i, name in enumerate(rc.names):
                d = rc.diverged(i)
                if d is not None and k >= d:
                    rows.append({sh.t("col_optimizer"): name, "η_t": "—", f"σ ({ax.x})": "—", f"σ ({ax.y})": "—",
                                 f"η/σ ({ax.x})": "—", f"η/σ ({ax.y})": "—", f"Δ{ax.y}": "—"})
                    continue
                sig, eff = r["sigma"][k - 1, i], r["eff_step"][k - 1, i]
                dth = r["theta"][k, i] - r["theta"][k - 1, i]
                rows.append({sh.t("col_optimizer"): name, "η_t": f"{r['lr'][k - 1, i]:.3g}",
                             f"σ ({ax.x})": f"{sig[0]:.3g}", f"σ ({ax.y})": f"{sig[1]:.3g}",
                             f"η/σ ({ax.x})": f"{eff[0]:.3g}", f"η/σ ({ax.y})": f"{eff[1]:.3g}",
                             f"Δ{ax.y}": f"{dth[1]:+.3g}"})
            st.dataframe(rows, hide_index=True, width="stretch")
            st.caption(sh.t("al_table_note"))
            st.markdown(f"#### {sh.t('al_coord_title')}")
            panels = {"eff": [], "sigma": [], "theta": [], "step": []}
            for i, name in enumerate(rc.names):
                d, col = rc.diverged(i), rc.colors[i]
                for c, dash in ((1, "solid"), (0, "dot")):
                    lab = name if c == 1 else f"{name} · {ax.x}"
                    panels["eff"].append(Series(lab, col, r["eff_step"][:, i, c], x0=1, dash=dash, diverged_at=d, group=name))
                    panels["sigma"].append(Series(lab, col, r["sigma"][:, i, c], x0=1, dash=dash, diverged_at=d, group=name))
                panels["theta"].append(Series(f"{name} · {ax.y}", col, r["theta"][:, i, 1], diverged_at=d, group=name))
                panels["step"].append(Series(f"{name} · |Δ{ax.y}|", col, np.abs(np.diff(r["theta"][:, i, 1])), x0=1, diverged_at=d,
                                             group=name))
            chosen = [(sh.t("al_panel_eff"), panels["eff"], True), (sh.t("al_panel_sigma"), panels["sigma"], True),
                      (sh.t("al_panel_theta", y=ax.y), panels["theta"], False), (sh.t("al_panel_step", y=ax.y), panels["step"], True)]
            fig = curves_figure(chosen, view.labels_for(sh, rc.spec), marker_step=k, font_size=16 if sh.big else 13,
                                height=640 if sh.big else 560)
            fig.update_layout(legend=dict(orientation="h", y=-0.16), margin=dict(b=40))
            st.plotly_chart(fig, key="al_coords", theme=None, config={"displaylogo": False})
            st.caption(sh.t("al_coord_note", x=ax.x, y=ax.y))
            st.dataframe(final_rows(sh, rc), hide_index=True, width="stretch")
            view.downloads(sh, rc, f"adaptive-{surface}")
sh.finish()
