"""§3.1 — Critical points and saddles: the Hessian decides, and a saddle can be escaped."""

import numpy as np
import streamlit as st

from optim_lab.analysis import escape_step
from ui.common import compute, view
from ui.common.racers import racer_editor
from ui.shell import page_setup

sh = page_setup("critical-points")
with sh.guard():
    sh.header()
    sh.preset_bar()

    st.markdown(sh.t("cp_taylor"))
    st.latex(r"L(\theta) \approx L(\theta') + (\theta-\theta')^\top g + \tfrac12 (\theta-\theta')^\top H (\theta-\theta')")
    with st.expander(sh.t("cp_theory_title"), expanded=False):
        st.markdown(sh.t("cp_cases"))
        st.latex(r"\lambda_1,\lambda_2 > 0:\ \text{" + sh.t("kind_minimum") + r"}\qquad \lambda_1,\lambda_2 < 0:\ \text{"
                 + sh.t("kind_maximum") + r"}\qquad \lambda_1 < 0 < \lambda_2:\ \text{" + sh.t("kind_saddle") + "}")
        st.markdown(sh.t("cp_escape"))
        st.latex(r"H u = \lambda u,\ \lambda < 0 \;\Rightarrow\; L(\theta' + u) \approx L(\theta') + \tfrac12 \lambda \lVert u\rVert^2 < L(\theta')")
        st.markdown(sh.t("cp_ratio"))
        st.latex(r"\text{" + sh.t("minimum_ratio") + r"} = \frac{\#\{\lambda_i > 0\}}{\#\{\lambda_i\}}")

    surface, params = view.surface_controls(sh, "textbook-saddle", custom=True)
    problem = compute.build(surface, compute.params_key(params))
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 200, seed=problem.n_samples is not None)
    with st.sidebar.expander(f"1 · {sh.t('racer')}", expanded=True):
        cfg = racer_editor(sh, 1, surface, default_opt="sgd", container=st, data_n=problem.n_samples, steps=steps)
    escape = sh.controls.toggle("esc", sh.t("cp_escape_toggle"), False, container=st.sidebar, help=sh.t("cp_escape_help"))

    rc = view.run_race(sh, surface, params, [cfg], start, steps, seed)
    if rc is not None:
        r = rc.result
        end = tuple(float(v) for v in r["theta"][-1, 0])
        jump = None
        if escape and rc.diverged(0) is None:
            try:
                after = escape_step(problem, end)
            except ValueError:
                st.info(sh.t("cp_nothing_to_escape"))
            else:
                rc2 = view.run_race(sh, surface, params, [cfg], after, steps, seed)
                if rc2 is not None:
                    jump = (end, after)
                    r = {key: rc.result[key] for key in rc.result}
                    for key in ("theta", "loss", "grad_norm", "eigvals"):
                        r[key] = np.concatenate([rc.result[key], rc2.result[key]], axis=0)
                    for key in ("lr", "sigma", "direction", "eff_step", "step_grad", "batch_loss"):
                        gap = np.full((1,) + rc.result[key].shape[1:], np.nan)  # the jump θ′ → θ′ + u is no step of the optimizer
                        r[key] = np.concatenate([rc.result[key], gap, rc2.result[key]], axis=0)
                    r["diverged_at"] = rc2.result["diverged_at"] + (steps + 1) * (rc2.result["diverged_at"] >= 0)
                    rc = view.Racing(rc.surface, rc.params, rc.configs, rc.names, rc.colors, rc.start, 2 * steps + 1, rc.seed, r,
                                     rc.problem)
                    st.success(sh.t("cp_escaped", x=after[0], y=after[1], lx=end[0], ly=end[1]))
        view.divergence_notes(sh, rc)
        total = len(rc.result["theta"]) - 1
        left, right = st.columns([3, 2])
        with right:
            st.markdown(f"#### {sh.t('inspector')}")
            what = sh.controls.select("inspect", sh.t("inspect_what"), ["step", "point"], "step", radio=True, horizontal=True,
                                      format_func=lambda v: sh.t(f"inspect_{v}"))
            if what == "step":
                k = sh.controls.slider("k", sh.t("selected_step"), 0, total, total, integer=True)
                d = rc.diverged(0)
                shown = k if d is None or k < d else d - 1  # θ is frozen after divergence: inspect the last usable step
                if shown != k:
                    st.caption(sh.t("diverged_at", name=rc.names[0], k=d))
                at = tuple(float(v) for v in rc.result["theta"][shown, 0])
                title = f"{sh.t('step')} {shown}"
            else:
                k = None
                x0, x1, y0, y1 = compute.box_of(problem)
                c1, c2 = st.columns(2)
                ix = sh.controls.number("ix", sh.t("inspect_x"), x0, x1, float(start[0]), container=c1, fmt="%.4g")
                iy = sh.controls.number("iy", sh.t("inspect_y"), y0, y1, float(start[1]), container=c2, fmt="%.4g")
                at = (float(ix), float(iy))
                title = sh.t("inspect_point")
            info = view.inspector(sh, rc, at, title)
            taylor_on = sh.controls.toggle("taylor", sh.t("cp_show_taylor"), True)
        with left:
            mode = sh.controls.select("click", sh.t("click_sets"), ["start", "point"], "start", radio=True, horizontal=True,
                                      format_func=lambda v: sh.t(f"click_sets_{v}"))
            arrows = view.eigen_arrows(info, compute.box_of(problem))
            if jump:
                arrows.append({"from": jump[0], "to": jump[1], "color": "#FF4B4B", "text": "θ′ + u"})
            view.show_surface(sh, rc, mode_key="click", arrows=arrows,
                              taylor=view.taylor_grid(rc, info["at"], info) if taylor_on else None, marker=info["at"])
        view.show_curves(sh, rc, selected=k)
        view.downloads(sh, rc, f"critical-points-{surface}")
sh.finish()
