"""§3.6 — Classification: softmax, and why cross-entropy is easier to optimise than MSE."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.common import compute, view
from ui.common.figures import bars_figure, contour_figure
from ui.common.figures.theme import style
from ui.common.racers import racer_editor
from ui.sections.classification import calc
from ui.sections.classification.figures import gap_figure, grad_map_figure
from ui.shell import Shell

DEFAULT_LOGITS = "3, 1, -3"
LINEUP = ("sgd", "adam")
DEFAULT_STEPS = 200
GMAP_FLOOR = -8.0  # log10 ‖g‖ below this is drawn as the darkest colour (both maps share the scale)
GMAP_N = 120
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _validate(text: str) -> None:
    calc.parse_logits(text)


def softmax_calculator(sh: Shell) -> None:
    st.subheader(sh.t("cl_softmax_title"))
    st.latex(r"y'_i = \frac{e^{y_i}}{\sum_j e^{y_j}},\qquad \frac{y'_a}{y'_b} = e^{\,y_a - y_b}")
    left, right = st.columns([2, 3])
    with left:
        text = sh.controls.text("logits", sh.t("cl_logits"), DEFAULT_LOGITS, _validate, help=sh.t("cl_logits_help"), max_chars=200)
        try:
            logits = calc.parse_logits(text)
        except ValueError as exc:
            st.error(sh.t("cl_logits_refused", why=sh.t(str(exc)), default=DEFAULT_LOGITS))
            logits = calc.parse_logits(DEFAULT_LOGITS)
        probs = calc.softmax(logits)
        shifted = calc.exp_shifted(logits)
        names = [f"y{i + 1}".translate(SUB) for i in range(len(logits))]
        sh.table([{"i": i + 1, sh.t("cl_col_logit"): f"{y:.4g}", "e^(y − max y)": f"{e:.6g}", "y′": f"{p:.6f}"}
                      for i, (y, e, p) in enumerate(zip(logits, shifted, probs, strict=True))])
        delta, ratio = calc.top_two_gap(logits)
        c1, c2 = st.columns(2)
        c1.metric(sh.t("cl_gap"), f"{delta:.4g}")
        c2.metric(sh.t("cl_ratio"), f"{ratio:.5g}")
        st.caption(sh.t("cl_gap_caption", delta=f"{delta:.3g}", ratio=f"{ratio:.4g}", exp=f"{np.exp(delta):.4g}"))
    with right:
        fig = view.figure(bars_figure, names, {sh.t("cl_prob"): [float(p) for p in probs]}, [style(0).color],
                          title=sh.t("cl_bars_title"), height=sh.size(300, 340), font_size=sh.font, y_range=[0, 1.15],
                          relayout=dict(margin=dict(l=50, b=40), showlegend=False))
        view.chart(fig, "probs")
        view.chart(view.figure(gap_figure, delta, ratio, x_label=sh.t("cl_gap_axis"), y_label=sh.t("cl_ratio_axis"), curve_label="e^Δ",
                               point_label=sh.t("cl_your_logits"), font_size=sh.font, height=sh.size(280, 320)), "gap")


def contours(sh: Shell, races: dict, titles: dict) -> None:
    cols = st.columns(2)
    for col, s in zip(cols, calc.SURFACES, strict=True):
        race = races[s]
        fig = view.figure(contour_figure, compute.grid(s, ()), view.paths_of(race), compute.box_of(race.problem),
                          view.labels_for(sh, race.spec), start=race.start, height=sh.size(480, 560), font_size=sh.font)
        col.markdown(f"<div style='text-align:center'><b>{titles[s]}</b></div>", unsafe_allow_html=True)
        with col:  # both surfaces share the box: a click on either moves the shared start
            view.chart(fig, f"contour_{s}", on_select=lambda key=f"contour_{s}": view.pick_start(key), selection_mode="points")


def gradient_maps(sh: Shell, races: dict, titles: dict) -> None:
    st.markdown(f"**{sh.t('cl_gmap_title')}**")
    st.caption(sh.t("cl_gmap_caption"))
    maps = {s: compute.grad_norms(races[s].surface, compute.params_key(races[s].params), GMAP_N) for s in calc.SURFACES}
    top = calc.gmap_top(m[2] for m in maps.values())
    cols = st.columns(2)
    for col, s in zip(cols, calc.SURFACES, strict=True):
        race = races[s]
        xs, ys, gn = maps[s]
        labels = view.labels_for(sh, race.spec)
        fig = view.figure(grad_map_figure, xs, ys, gn, view.paths_of(race), compute.box_of(race.problem), x_label=labels.x, y_label=labels.y,
                          title=f"‖∇e‖ · {titles[s]}", colorbar="‖g‖", start=race.start, font_size=sh.font,
                          zrange=(GMAP_FLOOR, top), height=sh.size(440, 520), not_to_scale=sh.t("axes_not_to_scale"))
        with col:
            view.chart(fig, f"gmap_{s}")


def outcome_table(sh: Shell, races: dict, titles: dict) -> None:
    rows = []
    for s in calc.SURFACES:
        race = races[s]
        r = race.result
        for i, name, _ in race.rows():
            d = race.diverged(i)
            rows.append({
                sh.t("cl_col_loss_fn"): titles[s], sh.t("col_optimizer"): name,
                sh.t("cl_col_g0"): f"{r.grad_norm[0, i]:.3g}",
                sh.t("cl_col_moved"): f"{calc.moved(r, i, race.start):.4g}",
                sh.t("col_final_loss"): f"{r.loss[r.end(i) - 1, i]:.4g}",
                sh.t("cl_col_p1"): f"{calc.p_first(r, i):.4f}",
                sh.t("col_diverged"): "—" if d is None else d,
            })
    sh.table(rows)
    ce, mse = races["softmax-ce"], races["softmax-mse"]
    if ce.diverged(0) is None and mse.diverged(0) is None:
        d_ce, d_mse = calc.moved(ce.result, 0, ce.start), calc.moved(mse.result, 0, mse.start)
        if d_ce > 0:
            st.caption(sh.t("cl_moved_caption", name=ce.names[0], mse=f"{d_mse:.3g}", ce=f"{d_ce:.3g}",
                            pct=f"{100 * d_mse / d_ce:.2g}"))


def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        st.markdown(sh.t("cl_intro"))
    sh.preset_bar()
    softmax_calculator(sh)

    st.subheader(sh.t("cl_surfaces_title"))
    st.markdown(sh.t("cl_surfaces_intro"))
    st.latex(r"e_{\mathrm{MSE}} = \sum_{i=1}^{3} (\hat y_i - y'_i)^2 \qquad "
             r"e_{\mathrm{CE}} = -\sum_{i=1}^{3} \hat y_i \ln y'_i = -\ln y'_1")
    st.latex(r"\hat y = (1, 0, 0),\qquad y_3 = -1000")
    start = view.start_controls(sh, compute.build("softmax-ce", ()))
    steps, _ = view.steps_controls(sh, DEFAULT_STEPS, seed=False)
    n = int(sh.controls.slider("n", sh.t("n_racers"), 1, len(LINEUP), len(LINEUP), integer=True, container=sh.side))
    configs = []
    for i in range(1, n + 1):
        with sh.side.expander(f"{i} · {sh.t('racer')}", expanded=True) as box:
            configs.append(racer_editor(sh, i, "softmax-mse", default_opt=LINEUP[i - 1], container=box, steps=steps))
    races = {s: view.run_race(sh, s, {}, configs, start, steps, 0) for s in calc.SURFACES}
    if all(race is not None for race in races.values()):
        for race in races.values():
            view.divergence_notes(sh, race)
        titles = {"softmax-ce": sh.t("cl_ce"), "softmax-mse": sh.t("cl_mse")}
        contours(sh, races, titles)
        gradient_maps(sh, races, titles)
        outcome_table(sh, races, titles)
    with st.expander(sh.t("cl_torch_title"), expanded=False):
        st.markdown(sh.t("cl_torch_text"))
