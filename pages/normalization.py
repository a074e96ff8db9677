"""§3.7 — Normalization: feature scales shape the error surface; what batch norm computes."""

import numpy as np
import streamlit as st
import torch

from surfaces import get_surface
from ui import calc_norm
from ui.common import compute, view
from ui.fig_norm import batch_stats_figure, stages_figure
from ui.common.figures import Grid, contour_figure
from ui.common.racers import UI_LR_MAX, UI_LR_MIN
from ui.shell import page_setup

BOOK_X = np.array([[1.0, 200.0], [2.0, 400.0], [3.0, 100.0], [4.0, 300.0]])
BOOK_BATCH = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
FEATURES = [f"z{j + 1}".translate(SUB) for j in range(calc_norm.N_FEATURES)]


def _vec(v) -> str:
    return ", ".join(f"{x:.4g}" for x in v)


def _num(x: float, scale: float) -> str:
    """A matrix entry, with round-off dust (|x| < 10⁻⁹ of the largest entry) shown as 0."""
    return "0" if abs(x) < 1e-9 * scale else f"{x:.4g}"


def _pick(chart_key: str) -> None:
    pts = ((st.session_state.get(chart_key) or {}).get("selection") or {}).get("points") or []
    if pts:
        st.session_state["x0"], st.session_state["y0"] = float(pts[0]["x"]), float(pts[0]["y"])


def _spectrum(problem) -> tuple[np.ndarray, np.ndarray]:
    h = problem.hessian_matrix()
    return h.numpy(), torch.linalg.eigvalsh(h).numpy()


sh = page_setup("normalization")
with sh.guard():
    sh.header()
    sh.preset_bar()
    font = 16 if sh.big else 13
    side = st.sidebar

    # == 1. feature scaling ======================================================================
    st.header(sh.t("nm_fs_title"))
    st.markdown(sh.t("nm_fs_intro"))
    st.latex(r"\hat y = w_1 x_1 + w_2 x_2,\qquad L = \frac1N\sum_i (\hat y_i - y_i)^2,\qquad "
             r"\tilde x_{j} = \frac{x_{j} - m_j}{\sigma_j}")
    spec = get_surface("feature-scale")
    side.markdown(f"### {sh.t('nm_fs_title')}")
    sp = {p.name: p for p in spec.params}
    params = {
        "scale1": sh.controls.log_slider("s_scale1", sp["scale1"].label(sh.lang), sp["scale1"].lo, sp["scale1"].hi,
                                         sp["scale1"].default, container=side),
        "scale2": sh.controls.log_slider("s_scale2", sp["scale2"].label(sh.lang), sp["scale2"].lo, sp["scale2"].hi,
                                         sp["scale2"].default, container=side),
    }
    with side.expander(sh.t("nm_data"), expanded=False):
        params["n"] = sh.controls.slider("s_n", sp["n"].label(sh.lang), sp["n"].lo, sp["n"].hi, sp["n"].default, integer=True)
        params["noise"] = sh.controls.slider("s_noise", sp["noise"].label(sh.lang), sp["noise"].lo, sp["noise"].hi,
                                             sp["noise"].default, step=0.05)
        params["seed"] = sh.controls.number("s_seed", sp["seed"].label(sh.lang), 0, 9999, 0, integer=True)
    show_std = sh.controls.toggle("std", sh.t("nm_std_toggle"), True, container=side, help=sh.t("nm_std_help"))
    eta = sh.controls.log_slider("eta", sh.t("nm_eta"), UI_LR_MIN, UI_LR_MAX, 0.1, container=side)
    steps, _ = view.steps_controls(sh, 100, container=side, seed=False)
    raw_p = params | {"standardize": 0}
    std_p = params | {"standardize": 1}
    raw = compute.build("feature-scale", compute.params_key(raw_p))
    std = compute.build("feature-scale", compute.params_key(std_p))
    bx = compute.box_of(raw)
    box_all = (min(bx[0], -3.0), max(bx[1], 3.0), min(bx[2], -3.0), max(bx[3], 3.0))
    c1, c2 = side.columns(2)
    sx, sy = spec.start
    x0 = sh.controls.number("x0", sh.t("start_coord", axis="w₁"), box_all[0], box_all[1], sx, step=0.1, container=c1, fmt="%.4g")
    y0 = sh.controls.number("y0", sh.t("start_coord", axis="w₂"), box_all[2], box_all[3], sy, step=0.1, container=c2, fmt="%.4g")
    start = (float(x0), float(y0))
    side.caption(sh.t("click_hint"))

    shown = [("raw", raw, raw_p)] + ([("std", std, std_p)] if show_std else [])
    cols = st.columns(len(shown))
    for col, (tag, prob, _) in zip(cols, shown, strict=True):
        h, lam = _spectrum(prob)
        with col:
            st.markdown(f"**{sh.t('nm_' + tag)}**")
            m1, m2, m3 = st.columns(3)
            m1.metric(sh.t("nm_kappa"), f"{prob.condition_number():.4g}")
            m2.metric("λ_max", f"{lam[-1]:.4g}")
            m3.metric(sh.t("nm_eta_max"), f"{2 / lam[-1]:.3g}")
            sc = float(np.abs(h).max())
            st.latex(rf"H = \begin{{bmatrix}} {_num(h[0, 0], sc)} & {_num(h[0, 1], sc)} \\ {_num(h[1, 0], sc)} & {_num(h[1, 1], sc)} "
                     rf"\end{{bmatrix}},\quad "
                     rf"\eta\,\lambda_{{\max}} = {eta * lam[-1]:.3g}")
    cfg = {"optimizer": "sgd", "lr": eta, "hparams": {}, "schedule": "constant", "sched_params": {}}
    races = {tag: view.run_race(sh, "feature-scale", p, [cfg], start, steps, 0, names=[sh.t("nm_gd_name")])
             for tag, _, p in shown}
    if all(rc is not None for rc in races.values()):
        for rc in races.values():
            view.divergence_notes(sh, rc)
        cols = st.columns(len(shown))
        for col, (tag, prob, p) in zip(cols, shown, strict=True):
            rc = races[tag]
            g = compute.grid("feature-scale", compute.params_key(p))
            mins = [{"at": (m[0], m[1]), "kind": "minimum"} for m in prob.minima()]
            fig = contour_figure(Grid(g["xs"], g["ys"], g["z"], log=True), view.paths_of(rc), compute.box_of(prob),
                                 view.labels_for(sh, prob.spec), crit=mins, start=start, font_size=font,
                                 height=560 if sh.big else 480)
            col.markdown(f"<div style='text-align:center'><b>{sh.t('nm_' + tag)}</b></div>", unsafe_allow_html=True)
            col.plotly_chart(fig, key=f"fs_{tag}", theme=None, on_select=lambda k=f"fs_{tag}": _pick(k),
                             selection_mode="points", config={"displaylogo": False})
            d = rc.diverged(0)
            last = rc.result["loss"][(d - 1) if d else -1, 0]
            col.caption(sh.t("nm_run_caption", steps=steps, loss=f"{last:.4g}", best=f"{prob.minima()[0][2]:.4g}")
                        if d is None else sh.t("diverged_at", name=rc.names[0], k=d))
        st.caption(sh.t("nm_eta_caption"))
    with st.expander(sh.t("nm_book_x_title"), expanded=False):
        xt, m, s = calc_norm.zscore(BOOK_X)
        st.markdown(sh.t("nm_book_x_text", m=_vec(m), s=_vec(s)))
        st.dataframe([{"x₁": f"{a:g}", "x₂": f"{b:g}", "x̃₁": f"{c:.6f}", "x̃₂": f"{e:.6f}"}
                      for (a, b), (c, e) in zip(BOOK_X, xt, strict=True)], hide_index=True)

    # == 2. the batch-normalization sandbox ========================================================
    st.header(sh.t("nm_bn_title"))
    st.markdown(sh.t("nm_bn_intro"))
    st.latex(r"\mu = \frac1B\sum_{i=1}^{B} z^i,\quad \sigma = \sqrt{\frac1B\sum_{i=1}^{B}(z^i-\mu)^2},\quad "
             r"\tilde z^i = \frac{z^i-\mu}{\sigma},\quad \hat z^i = \gamma\odot\tilde z^i + \beta")
    st.latex(r"\text{" + sh.t("nm_test_time") + r"}:\ \bar\mu \leftarrow p\,\bar\mu + (1-p)\,\mu")
    st.latex(r"\text{PyTorch}:\ \bar\mu \leftarrow (1-m)\,\bar\mu + m\,\mu \;\Rightarrow\; p = 1-m")
    side.markdown(f"### {sh.t('nm_bn_title')}")
    bsz = int(sh.controls.slider("bn_bs", sh.t("nm_bn_bs"), calc_norm.BATCH_MIN, 128, 8, integer=True, container=side))
    nb = int(sh.controls.slider("bn_n", sh.t("nm_bn_n"), 1, 300, 50, integer=True, container=side))
    mom = float(sh.controls.slider("bn_mom", sh.t("nm_bn_mom"), 0.0, 1.0, 0.1, step=0.01, container=side,
                                   help=sh.t("nm_bn_mom_help")))
    bseed = int(sh.controls.number("bn_seed", sh.t("nm_bn_seed"), 0, 9999, 0, integer=True, container=side))
    gamma, beta = [], []
    with side.expander(sh.t("nm_bn_affine"), expanded=False):
        for j, name in enumerate(FEATURES):
            gamma.append(sh.controls.slider(f"bn_g{j + 1}", f"γ · {name}", 0.0, 3.0, 1.0, step=0.05))
            beta.append(sh.controls.slider(f"bn_b{j + 1}", f"β · {name}", -5.0, 5.0, 0.0, step=0.1))
    st.info(sh.t("nm_p_note", m=f"{mom:g}", p=f"{1 - mom:g}"), icon="ℹ️")
    run = calc_norm.simulate(calc_norm.make_batches(nb, bsz, bseed), gamma, beta, momentum=mom)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(sh.t("nm_bn_bs_short"), bsz)
    c2.metric(sh.t("nm_bn_n_short"), nb)
    c3.metric("PyTorch momentum m", f"{mom:g}")
    c4.metric(sh.t("nm_book_p"), f"{run.p:g}")
    st.markdown(f"**{sh.t('nm_stages_title')}**")
    stage_names = ["z", "z̃", sh.t("nm_stage_train"), sh.t("nm_stage_eval")]
    fig = stages_figure(list(zip(stage_names, (run.last, run.z_tilde, run.out_train, run.out_eval), strict=True)), FEATURES,
                        font_size=font, height=440 if sh.big else 380)
    st.plotly_chart(fig, key="bn_stages", theme=None, config={"displaylogo": False})
    st.caption(sh.t("nm_stages_caption"))
    st.dataframe([{
        sh.t("nm_col_feature"): name,
        sh.t("nm_col_mu"): f"{run.mu[-1, j]:.4f}", sh.t("nm_col_sigma"): f"{np.sqrt(run.var[-1, j]):.4f}",
        "running_mean": f"{run.running_mean[-1, j]:.4f}", "running_var": f"{run.running_var[-1, j]:.4f}",
        sh.t("nm_col_true"): f"{calc_norm.TRUE_MEAN[j]:g} / {calc_norm.TRUE_STD[j]:g}",
    } for j, name in enumerate(FEATURES)], hide_index=True, width="stretch")
    st.markdown(f"**{sh.t('nm_noise_title')}**")
    fig = batch_stats_figure(run.mu, np.sqrt(run.var), run.running_mean, np.sqrt(run.running_var), calc_norm.TRUE_MEAN,
                             calc_norm.TRUE_STD, FEATURES, titles=(sh.t("nm_panel_mu"), sh.t("nm_panel_sigma")),
                             step_label=sh.t("nm_batch_axis"), batch_label=sh.t("nm_batch_value"),
                             running_label=sh.t("nm_running"), true_label=sh.t("nm_truth"), font_size=font,
                             height=480 if sh.big else 420)
    st.plotly_chart(fig, key="bn_noise", theme=None, config={"displaylogo": False})
    spread = calc_norm.batch_mean_spread(run.mu)
    if nb >= 2:
        st.caption(sh.t("nm_spread_caption", b=bsz, got=_vec(spread), want=_vec(calc_norm.TRUE_STD / np.sqrt(bsz))))
    with st.expander(sh.t("nm_numbers_title"), expanded=False):
        rows = []
        for i in range(bsz):
            row = {"#": i + 1}
            for j, name in enumerate(FEATURES):
                row[f"{name}"] = f"{run.last[i, j]:.4f}"
                row[f"{name} → z̃"] = f"{run.z_tilde[i, j]:.4f}"
                row[f"{name} → {sh.t('nm_train_short')}"] = f"{run.out_train[i, j]:.4f}"
                row[f"{name} → {sh.t('nm_eval_short')}"] = f"{run.out_eval[i, j]:.4f}"
            rows.append(row)
        st.dataframe(rows, hide_index=True, width="stretch")
    with st.expander(sh.t("nm_book_batch_title"), expanded=False):
        mu, var = calc_norm.batch_stats(BOOK_BATCH)
        zt = calc_norm.normalize(BOOK_BATCH, mu, var, eps=0.0)
        st.markdown(sh.t("nm_book_batch_text", mu=_vec(mu), s=_vec(np.sqrt(var))))
        st.dataframe([{"z₁": f"{a:g}", "z₂": f"{b:g}", "z̃₁": f"{c:.6f}", "z̃₂": f"{e:.6f}"}
                      for (a, b), (c, e) in zip(BOOK_BATCH, zt, strict=True)], hide_index=True)
        st.markdown(sh.t("nm_torch_details"))
sh.finish()
