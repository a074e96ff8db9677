"""§3.6 — Classification: softmax, and why cross-entropy is easier to optimise than MSE."""

import numpy as np
import streamlit as st

from ui.common import compute, view
from ui.fig_classify import gap_figure, grad_map_figure, grad_norm_on_grid, parse_logits, softmax, top_two_gap
from ui.common.figures import Grid, bars_figure, contour_figure
from ui.common.racers import racer_editor
from ui.shell import page_setup

DEFAULT_LOGITS = "3, 1, -3"
SURFACES = ("softmax-ce", "softmax-mse")
LINEUP = ("sgd", "adam")
GMAP_FLOOR = -8.0  # log10 ‖g‖ below this is drawn as the darkest colour (both maps share the scale)
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _validate(text: str) -> None:
    parse_logits(text)


def _pick(chart_key: str) -> None:
    """A click on a contour moves the shared start (both surfaces share the box)."""
    pts = ((st.session_state.get(chart_key) or {}).get("selection") or {}).get("points") or []
    if pts:
        st.session_state["x0"], st.session_state["y0"] = float(pts[0]["x"]), float(pts[0]["y"])


sh = page_setup("classification")
with sh.guard():
    sh.header()
    st.markdown(sh.t("cl_intro"))
    sh.preset_bar()
    font = 16 if sh.big else 13

    # -- 1. the softmax calculator ----------------------------------------------------------
    st.subheader(sh.t("cl_softmax_title"))
    st.latex(r"y'_i = \frac{e^{y_i}}{\sum_j e^{y_j}},\qquad \frac{y'_a}{y'_b} = e^{\,y_a - y_b}")
    left, right = st.columns([2, 3])
    with left:
        text = sh.controls.text("logits", sh.t("cl_logits"), DEFAULT_LOGITS, _validate, help=sh.t("cl_logits_help"), max_chars=200)
        try:
            logits = parse_logits(text)
        except ValueError as exc:
            st.error(sh.t(str(exc)) + " " + sh.t("cl_using_default", default=DEFAULT_LOGITS))
            logits = parse_logits(DEFAULT_LOGITS)
        probs = softmax(logits)
        shifted = np.exp(np.asarray(logits) - max(logits))
        names = [f"y{i + 1}".translate(SUB) for i in range(len(logits))]
        st.dataframe([{"i": i + 1, sh.t("cl_col_logit"): f"{y:.4g}", "e^(y − max y)": f"{e:.6g}", "y′": f"{p:.6f}"}
                      for i, (y, e, p) in enumerate(zip(logits, shifted, probs, strict=True))], hide_index=True, width="stretch")
        delta, ratio = top_two_gap(logits)
        c1, c2 = st.columns(2)
        c1.metric(sh.t("cl_gap"), f"{delta:.4g}")
        c2.metric(sh.t("cl_ratio"), f"{ratio:.5g}")
        st.caption(sh.t("cl_gap_caption", delta=f"{delta:.3g}", ratio=f"{ratio:.4g}", exp=f"{np.exp(delta):.4g}"))
    with right:
        fig = bars_figure(names, {sh.t("cl_prob"): [float(p) for p in probs]}, ["#0072B2"], title=sh.t("cl_bars_title"),
                          height=340 if sh.big else 300, font_size=font, y_range=[0, 1.15])
        fig.update_layout(margin=dict(l=50, b=40), showlegend=False)
        st.plotly_chart(fig, key="probs", theme=None, config={"displaylogo": False})
        st.plotly_chart(gap_figure(delta, ratio, x_label=sh.t("cl_gap_axis"), y_label=sh.t("cl_ratio_axis"),
                                   curve_label="e^Δ", point_label=sh.t("cl_your_logits"), font_size=font,
                                   height=320 if sh.big else 280),
                        key="gap", theme=None, config={"displaylogo": False})

    # -- 2. MSE and cross-entropy surfaces, one race on each -----------------------------------
    st.subheader(sh.t("cl_surfaces_title"))
    st.markdown(sh.t("cl_surfaces_intro"))
    st.latex(r"e_{\mathrm{MSE}} = \sum_{i=1}^{3} (\hat y_i - y'_i)^2 \qquad "
             r"e_{\mathrm{CE}} = -\sum_{i=1}^{3} \hat y_i \ln y'_i = -\ln y'_1")
    st.latex(r"\hat y = (1, 0, 0),\qquad y_3 = -1000")
    problems = {s: compute.build(s, ()) for s in SURFACES}
    start = view.start_controls(sh, problems["softmax-ce"])
    steps, _ = view.steps_controls(sh, 200, seed=False)
    n = int(sh.controls.slider("n", sh.t("n_racers"), 1, 2, 2, integer=True, container=st.sidebar))
    configs = []
    for i in range(1, n + 1):
        with st.sidebar.expander(f"{i} · {sh.t('racer')}", expanded=True):
            configs.append(racer_editor(sh, i, "softmax-mse", default_opt=LINEUP[i - 1], container=st, steps=steps))
    races = {s: view.run_race(sh, s, {}, configs, start, steps, 0) for s in SURFACES}
    if all(rc is not None for rc in races.values()):
        for rc in races.values():
            view.divergence_notes(sh, rc)
        titles = {"softmax-ce": sh.t("cl_ce"), "softmax-mse": sh.t("cl_mse")}
        cols = st.columns(2)
        for col, s in zip(cols, SURFACES, strict=True):
            rc = races[s]
            g = compute.grid(s, ())
            labels = view.labels_for(sh, rc.spec)
            fig = contour_figure(Grid(g["xs"], g["ys"], g["z"]), view.paths_of(rc), compute.box_of(rc.problem), labels,
                                 start=rc.start, height=560 if sh.big else 480, font_size=font)
            col.markdown(f"<div style='text-align:center'><b>{titles[s]}</b></div>", unsafe_allow_html=True)
            col.plotly_chart(fig, key=f"contour_{s}", theme=None, on_select=lambda k=f"contour_{s}": _pick(k),
                             selection_mode="points", config={"displaylogo": False})
        st.markdown(f"**{sh.t('cl_gmap_title')}**")
        st.caption(sh.t("cl_gmap_caption"))
        maps = {s: grad_norm_on_grid(races[s].problem, compute.box_of(races[s].problem), n=120) for s in SURFACES}
        top = float(np.ceil(np.log10(max(m[2].max() for m in maps.values()))))
        cols = st.columns(2)
        for col, s in zip(cols, SURFACES, strict=True):
            rc = races[s]
            xs, ys, gn = maps[s]
            labels = view.labels_for(sh, rc.spec)
            fig = grad_map_figure(xs, ys, gn, view.paths_of(rc), compute.box_of(rc.problem), x_label=labels.x, y_label=labels.y,
                                  title=f"‖∇e‖ · {titles[s]}", colorbar="‖g‖", start=rc.start, font_size=font,
                                  zrange=(GMAP_FLOOR, top), height=520 if sh.big else 440)
            col.plotly_chart(fig, key=f"gmap_{s}", theme=None, config={"displaylogo": False})
        rows = []
        for s in SURFACES:
            rc = races[s]
            r = rc.result
            for i, name in enumerate(rc.names):
                d = rc.diverged(i)
                last = (d - 1) if d else len(r["theta"]) - 1
                th = r["theta"][last, i]
                rows.append({
                    sh.t("cl_col_loss_fn"): titles[s], sh.t("col_optimizer"): name,
                    sh.t("cl_col_g0"): f"{r['grad_norm'][0, i]:.3g}",
                    sh.t("cl_col_moved"): f"{float(np.linalg.norm(th - np.asarray(rc.start))):.4g}",
                    sh.t("col_final_loss"): f"{r['loss'][last, i]:.4g}",
                    sh.t("cl_col_p1"): f"{softmax([th[0], th[1], -1000.0])[0]:.4f}",
                    sh.t("col_diverged"): "—" if d is None else d,
                })
        st.dataframe(rows, hide_index=True, width="stretch")
        moved = {s: float(np.linalg.norm(races[s].result["theta"][-1, 0] - np.asarray(start))) for s in SURFACES}
        if races["softmax-ce"].diverged(0) is None and races["softmax-mse"].diverged(0) is None and moved["softmax-ce"] > 0:
            st.caption(sh.t("cl_moved_caption", name=races["softmax-ce"].names[0], mse=f"{moved['softmax-mse']:.3g}",
                            ce=f"{moved['softmax-ce']:.3g}", pct=f"{100 * moved['softmax-mse'] / moved['softmax-ce']:.2g}"))
    with st.expander(sh.t("cl_torch_title"), expanded=False):
        st.markdown(sh.t("cl_torch_text"))
sh.finish()
