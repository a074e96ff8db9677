"""§3.7 — Normalization: feature scales shape the error surface; what batch norm computes."""

from __future__ import annotations

import numpy as np
import streamlit as st

from surfaces import get_surface
from ui.common import compute, keys, view
from ui.common.figures import contour_figure
from ui.common.numbers import num, tex
from ui.common.racers import UI_LR_MAX, UI_LR_MIN, RacerConfig
from ui.sections.normalization import calc, presets
from ui.sections.normalization.figures import batch_stats_figure, stages_figure
from ui.shell import Shell

SURFACE = "feature-scale"
BOOK_X = np.array([[1.0, 200.0], [2.0, 400.0], [3.0, 100.0], [4.0, 300.0]])
BOOK_BATCH = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
FEATURES = [f"z{j + 1}".translate(SUB) for j in range(calc.N_FEATURES)]


def _vec(v) -> str:
    return ", ".join(f"{x:.4g}" for x in v)


# == 1. feature scaling ============================================================================
def data_controls(sh: Shell, side) -> dict:
    """The feature-scale surface's parameters (scales in the sidebar, the data in an expander)."""
    sp = {p.name: p for p in get_surface(SURFACE).params}

    def log_slider(name):
        p = sp[name]
        return sh.controls.log_slider(f"s_{name}", p.label(sh.lang), p.lo, p.hi, p.default, container=side)

    params = {"scale1": log_slider("scale1"), "scale2": log_slider("scale2")}
    with side.expander(sh.t("nm_data"), expanded=False):
        params["n"] = sh.controls.slider("s_n", sp["n"].label(sh.lang), sp["n"].lo, sp["n"].hi, sp["n"].default, integer=True)
        params["noise"] = sh.controls.slider("s_noise", sp["noise"].label(sh.lang), sp["noise"].lo, sp["noise"].hi,
                                             sp["noise"].default, step=0.05)
        params["seed"] = sh.controls.number("s_seed", sp["seed"].label(sh.lang), 0, 9999, 0, integer=True)
    return params


def start_controls(sh: Shell, side, raw) -> tuple[float, float]:
    box = calc.start_box(compute.box_of(raw))
    sx, sy = get_surface(SURFACE).start
    c1, c2 = side.columns(2)
    x0 = sh.controls.number(keys.START_X, sh.t("start_coord", axis="w₁"), box[0], box[1], sx, step=0.1, container=c1, fmt="%.4g")
    y0 = sh.controls.number(keys.START_Y, sh.t("start_coord", axis="w₂"), box[2], box[3], sy, step=0.1, container=c2, fmt="%.4g")
    side.caption(sh.t("click_hint"))
    return float(x0), float(y0)


def curvature_facts(sh: Shell, tag: str, problem, eta: float) -> None:
    h, lam = calc.spectrum(problem)
    st.markdown(f"**{sh.t('nm_' + tag)}**")
    m1, m2, m3 = st.columns(3)
    m1.metric(sh.t("nm_kappa"), num(problem.condition_number()))
    m2.metric("λ_max", num(lam[-1]))
    m3.metric(sh.t("nm_eta_max"), num(2 / lam[-1], 3))
    sc = float(np.abs(h).max())
    e = [[calc.matrix_entry(h[i, j], sc) for j in range(2)] for i in range(2)]
    st.latex(rf"H = \begin{{bmatrix}} {e[0][0]} & {e[0][1]} \\ {e[1][0]} & {e[1][1]} \end{{bmatrix}},\quad "
             rf"\eta\,\lambda_{{\max}} = {tex(eta * lam[-1], 3)}")


def feature_scaling(sh: Shell, side, warn: bool = True) -> None:
    """`warn`: say above the charts when a run diverges (not while a batch-norm preset is shown:
    each panel's caption still says it, and the warning would point away from batch norm)."""
    if not sh.big:  # on the projector the panels' titles say it, and the chart gains the line
        st.header(sh.t("nm_fs_title"))
    with sh.intro():
        st.markdown(sh.t("nm_fs_intro"))
        st.latex(r"\hat y = w_1 x_1 + w_2 x_2,\qquad L = \frac1N\sum_i (\hat y_i - y_i)^2,\qquad "
                 r"\tilde x_{j} = \frac{x_{j} - m_j}{\sigma_j}")
    side.markdown(f"### {sh.t('nm_fs_title')}")
    params = data_controls(sh, side)
    show_std = sh.controls.toggle("std", sh.t("nm_std_toggle"), True, container=side, help=sh.t("nm_std_help"))
    eta = sh.controls.log_slider("eta", sh.t("nm_eta"), UI_LR_MIN, UI_LR_MAX, 0.1, container=side)
    steps, _ = view.steps_controls(sh, 100, container=side, seed=False)
    variants = {"raw": params | {"standardize": 0}, "std": params | {"standardize": 1}}
    problems = {tag: compute.build(SURFACE, compute.params_key(p)) for tag, p in variants.items()}
    start = start_controls(sh, side, problems["raw"])

    shown = ["raw"] + (["std"] if show_std else [])
    place = sh.chart_slot()
    for col, tag in zip(st.columns(len(shown)), shown, strict=True):
        with col:
            curvature_facts(sh, tag, problems[tag], eta)
    gd = RacerConfig("sgd", eta)
    races = {tag: view.run_race(sh, SURFACE, variants[tag], [gd], start, steps, 0, names=[sh.t("nm_gd_name")]) for tag in shown}
    if all(race is not None for race in races.values()):
        for race in races.values() if warn else ():
            view.divergence_notes(sh, race)
        for col, tag in zip(place().columns(len(shown)), shown, strict=True):
            race, problem = races[tag], problems[tag]
            # the marker at the float32 precision of the contour under it: LAPACK's least-squares minimum
            # may differ in its last bit from one build of the problem to the next, and every session
            # builds its own, so the exact value made each student's chart a new figure to build
            mins = [{"at": (float(np.float32(m[0])), float(np.float32(m[1]))), "kind": "minimum"} for m in problem.minima()]
            fig = view.figure(contour_figure, compute.grid(SURFACE, compute.params_key(variants[tag]), log=True), view.paths_of(race), compute.box_of(problem),
                              view.named_for(sh, view.labels_for(sh, problem.spec), mins), crit=mins, start=start, font_size=sh.font,
                              height=sh.size(480, 560))
            col.markdown(f"<div style='text-align:center'><b>{sh.t('nm_' + tag)}</b></div>", unsafe_allow_html=True)
            with col:
                view.chart(fig, f"fs_{tag}", on_select=lambda key=f"fs_{tag}": view.pick_start(key), selection_mode="points")
            d = race.diverged(0)
            last = race.result.loss[race.result.end(0) - 1, 0]
            col.caption(sh.t("nm_run_caption", steps=steps, loss=f"{last:.4g}", best=f"{problem.minima()[0][2]:.4g}")
                        if d is None else sh.t("diverged_at", name=race.names[0], k=d))
        st.caption(sh.t("nm_eta_caption"))
    with st.expander(sh.t("nm_book_x_title"), expanded=False):
        xt, m, s = calc.zscore(BOOK_X)
        st.markdown(sh.t("nm_book_x_text", m=_vec(m), s=_vec(s)))
        sh.table([{"x₁": f"{a:g}", "x₂": f"{b:g}", "x̃₁": f"{c:.6f}", "x̃₂": f"{e:.6f}"}
                      for (a, b), (c, e) in zip(BOOK_X, xt, strict=True)])


# == 2. the batch-normalization sandbox ==============================================================
def bn_controls(sh: Shell, side):
    side.markdown(f"### {sh.t('nm_bn_title')}")
    bsz = int(sh.controls.slider("bn_bs", sh.t("nm_bn_bs"), calc.BATCH_MIN, 128, 8, integer=True, container=side))
    nb = int(sh.controls.slider("bn_n", sh.t("nm_bn_n"), 1, 300, 50, integer=True, container=side))
    mom = float(sh.controls.slider("bn_mom", sh.t("nm_bn_mom"), 0.0, 1.0, 0.1, step=0.01, container=side,
                                   help=sh.t("nm_bn_mom_help")))
    bseed = int(sh.controls.number("bn_seed", sh.t("nm_bn_seed"), 0, 9999, 0, integer=True, container=side))
    gamma, beta = [], []
    with side.expander(sh.t("nm_bn_affine"), expanded=False):
        for j, name in enumerate(FEATURES):
            gamma.append(sh.controls.slider(f"bn_g{j + 1}", f"γ · {name}", 0.0, 3.0, 1.0, step=0.05))
            beta.append(sh.controls.slider(f"bn_b{j + 1}", f"β · {name}", -5.0, 5.0, 0.0, step=0.1))
    return bsz, nb, mom, bseed, gamma, beta


def sample_rows(sh: Shell, run, bsz: int) -> list[dict]:
    rows = []
    for i in range(bsz):
        row = {"#": i + 1}
        for j, name in enumerate(FEATURES):
            row[f"{name}"] = f"{run.last[i, j]:.4f}"
            row[f"{name} → z̃"] = f"{run.z_tilde[i, j]:.4f}"
            row[f"{name} → {sh.t('nm_train_short')}"] = f"{run.out_train[i, j]:.4f}"
            row[f"{name} → {sh.t('nm_eval_short')}"] = f"{run.out_eval[i, j]:.4f}"
        rows.append(row)
    return rows


def batch_norm(sh: Shell, side) -> None:
    st.header(sh.t("nm_bn_title"))
    st.markdown(sh.t("nm_bn_intro"))
    st.latex(r"\mu = \frac1B\sum_{i=1}^{B} z^i,\quad \sigma = \sqrt{\frac1B\sum_{i=1}^{B}(z^i-\mu)^2},\quad "
             r"\tilde z^i = \frac{z^i-\mu}{\sigma},\quad \hat z^i = \gamma\odot\tilde z^i + \beta")
    st.latex(r"\text{" + sh.t("nm_test_time") + r"}:\ \bar\mu \leftarrow p\,\bar\mu + (1-p)\,\mu")
    st.latex(r"\text{PyTorch}:\ \bar\mu \leftarrow (1-m)\,\bar\mu + m\,\mu \;\Rightarrow\; p = 1-m")
    bsz, nb, mom, bseed, gamma, beta = bn_controls(sh, side)
    st.info(sh.t("nm_p_note", m=f"{mom:g}", p=f"{1 - mom:g}"), icon="ℹ️")
    run = calc.simulate(calc.make_batches(nb, bsz, bseed), gamma, beta, momentum=mom)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(sh.t("nm_bn_bs_short"), bsz)
    c2.metric(sh.t("nm_bn_n_short"), nb)
    c3.metric(sh.t("nm_bn_mom_short"), f"{mom:g}")
    c4.metric(sh.t("nm_book_p"), f"{run.p:g}")
    st.markdown(f"**{sh.t('nm_stages_title')}**")
    stage_names = ["z", "z̃", sh.t("nm_stage_train"), sh.t("nm_stage_eval")]
    fig = view.figure(stages_figure, list(zip(stage_names, (run.last, run.z_tilde, run.out_train, run.out_eval), strict=True)), FEATURES,
                      font_size=sh.font, height=sh.size(380, 440))
    view.chart(fig, "bn_stages")
    st.caption(sh.t("nm_stages_caption"))
    sh.table([{
        sh.t("nm_col_feature"): name,
        sh.t("nm_col_mu"): f"{run.mu[-1, j]:.4f}", sh.t("nm_col_sigma"): f"{run.sd[-1, j]:.4f}",
        "running_mean": f"{run.running_mean[-1, j]:.4f}", "running_var": f"{run.running_var[-1, j]:.4f}",
        sh.t("nm_col_true"): f"{calc.TRUE_MEAN[j]:g} / {calc.TRUE_STD[j]:g}",
    } for j, name in enumerate(FEATURES)])
    st.markdown(f"**{sh.t('nm_noise_title')}**")
    fig = view.figure(batch_stats_figure, run.mu, run.sd, run.running_mean, run.running_sd, calc.TRUE_MEAN,
                      calc.TRUE_STD, FEATURES, titles=(sh.t("nm_panel_mu"), sh.t("nm_panel_sigma")),
                      step_label=sh.t("nm_batch_axis"), batch_label=sh.t("nm_batch_value"),
                      running_label=sh.t("nm_running"), true_label=sh.t("nm_truth"), font_size=sh.font,
                      height=sh.size(420, 480))
    view.chart(fig, "bn_noise")
    if nb >= 2:
        st.caption(sh.t("nm_spread_caption", b=bsz, got=_vec(calc.batch_mean_spread(run.mu)),
                        want=_vec(calc.expected_mean_spread(bsz))))
    with st.expander(sh.t("nm_numbers_title"), expanded=False):
        sh.table(sample_rows(sh, run, bsz), height=420 if bsz > 8 else None)
    with st.expander(sh.t("nm_book_batch_title"), expanded=False):
        mu, var = calc.batch_stats(BOOK_BATCH)
        zt = calc.normalize(BOOK_BATCH, mu, var, eps=0.0)
        st.markdown(sh.t("nm_book_batch_text", mu=_vec(mu), s=_vec(np.sqrt(var))))
        sh.table([{"z₁": f"{a:g}", "z₂": f"{b:g}", "z̃₁": f"{c:.6f}", "z̃₂": f"{e:.6f}"}
                      for (a, b), (c, e) in zip(BOOK_BATCH, zt, strict=True)])
        st.markdown(sh.t("nm_torch_details"))


def render(sh: Shell) -> None:
    active = sh.preamble()
    side = sh.side
    feature_scaling(sh, side, warn=not (active and active.id in presets.BATCH_NORM))
    batch_norm(sh, side)
