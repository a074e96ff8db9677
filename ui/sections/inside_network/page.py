"""Inside the real network: λ_max along training with 2/η, the edge of stability, sharp vs flat
minima, the minimum ratio of real networks, and a network's own error surface.

Widgets → a frozen setting (`calc`) → one bounded `st.cache_data` function per view (the
progress bar is drawn inside it, so a cache hit replays nothing but an empty bar) →
pure figure builders.
"""

from __future__ import annotations

import streamlit as st

from optim_lab.optimizers import OPTIMIZERS
from optim_lab.training.train import MAX_UPDATES
from ui.common import view
from ui.common.figures import Grid, Labels, Path, contour_figure
from ui.common.racers import UI_LR_MAX, UI_LR_MIN
from ui.sections.inside_network import calc, figures
from ui.shell import Shell

PICK_KEY, AT_KEY = "in_surface_chart", "_in_at"


# one cached function per view; `_lang` (not part of the key) only picks the progress bar's words
@st.cache_data(max_entries=12, show_spinner=False)
def _net(setting: calc.NetSetting, _lang: str) -> dict:
    from ui.text import t

    bar = st.progress(0.0, text=t("in_running", _lang, done=0, total=setting.steps))
    out = calc.net_run(setting, lambda k, n: bar.progress(min(1.0, k / n), text=t("in_running", _lang, done=k, total=n)))
    bar.empty()
    return out


@st.cache_data(max_entries=64, show_spinner=False)
def _curvature(setting: calc.NetSetting, a: float, b: float, _d: dict) -> dict:
    # keyed by the setting and the point; the run's arrays (_d) belong to the setting
    return calc.curvature(setting, _d["theta"], _d["dirs"], a, b, _d["buffers"])


@st.cache_data(max_entries=8, show_spinner=False)
def _eos(cfg, _lang: str) -> dict:
    from ui.text import t

    bar = st.progress(0.0, text=t("in_running", _lang, done=0, total=cfg.steps * len(cfg.lrs)))
    out = calc.eos(cfg, lambda k, n: bar.progress(min(1.0, k / n), text=t("in_running", _lang, done=k, total=n)))
    bar.empty()
    return out


@st.cache_data(max_entries=8, show_spinner=False)
def _sharp(cfg, _lang: str) -> dict:
    from ui.text import t

    bar = st.progress(0.0, text=t("in_running", _lang, done=0, total=2))
    out = calc.sharp_flat(cfg, lambda k, n: bar.progress(k / n, text=t("in_running", _lang, done=k, total=n)))
    bar.empty()
    return out


@st.cache_data(max_entries=8, show_spinner=False)
def _ratio(cfg, _lang: str) -> dict:
    from ui.text import t

    bar = st.progress(0.0, text=t("in_running", _lang, done=0, total=3))
    out = calc.ratio(cfg, lambda k, n: bar.progress(k / n, text=t("in_running", _lang, done=k, total=n)))
    bar.empty()
    return out


def _sharp_labels(sh: Shell) -> dict:
    return {"sharp_title": sh.t("in_sharp_title_chart"), "loss_title": sh.t("in_loss_title"), "update": sh.t("in_update"),
            "sharp_axis": sh.t("in_sharp_axis"), "loss_axis": sh.t("in_loss_axis")}


# == your network ===================================================================================
def net_controls(sh: Shell) -> calc.NetSetting:
    side = st.sidebar
    kind = sh.controls.select("kind", sh.t("in_model"), ["mlp", "cnn"], "mlp", format_func=lambda k: sh.t(f"in_model_{k}"),
                              container=side)
    opt = sh.controls.select("opt", sh.t("in_optimizer"), list(calc.NET_OPTIMIZERS), "sgd",
                             format_func=lambda o: OPTIMIZERS[o].label(sh.lang), container=side)
    lr = sh.controls.log_slider("lr", sh.t("in_lr"), UI_LR_MIN, min(UI_LR_MAX, 2.0), 0.1, container=side)
    bs = sh.controls.select("bs", sh.t("in_batch"), list(calc.BATCHES), "full",
                            format_func=lambda b: sh.t("in_full", n=calc.NET_SAMPLES) if b == "full" else b, container=side)
    steps = int(sh.controls.slider("steps", sh.t("in_steps"), 40, MAX_UPDATES, 300, step=20, integer=True, container=side))
    plane = sh.controls.select("plane", sh.t("in_plane"), list(calc.PLANES), "pca", format_func=lambda p: sh.t(f"in_plane_{p}"),
                               container=side)
    return calc.NetSetting(kind, opt, float(lr), bs, steps, plane)


def view_net(sh: Shell) -> None:
    s = net_controls(sh)
    if not sh.big:  # on the projector the view's radio names it, and the chart gains the line
        st.subheader(sh.t("in_net_title"))
    with sh.intro():  # explanation and formulas: folded in presentation mode, so the chart is on the first screen
        st.markdown(sh.t("in_net_text"))
        st.latex(r"\lambda_{\max}\big(\nabla^2 L(\theta_k)\big)\ \text{vs}\ \frac{2}{\eta}, \qquad "
                 r"v \leftarrow \frac{Hv}{\lVert Hv\rVert},\ \ \lambda \approx v^\top H v")
    d = _net(s, sh.lang)
    if not sh.big:
        st.caption(sh.t("in_cached"))
    if d["diverged_at"] is not None:
        st.warning(sh.t("in_diverged", k=d["diverged_at"]), icon="💥")
    runs = [{"name": sh.t("in_lambda"), "update": d["sharp_update"], "sharp": d["lambda_max"], "threshold": 2 / d["lr"],
             "threshold_name": sh.t("in_two_over_eta"), "loss": d["loss"]}]
    if s.optimizer == "adam":
        st.markdown(sh.t("in_net_adam"))
        st.latex(r"\lambda_{\max}\!\left(P^{-1/2} H P^{-1/2}\right) \le \frac{2 + 2\beta_1}{\eta\,(1-\beta_1)} = \frac{38}{\eta}")
        if d["full_batch"]:
            runs.append({"name": sh.t("in_precond"), "update": d["sharp_update"], "sharp": d["preconditioned"],
                         "threshold": 38 / d["lr"], "threshold_name": sh.t("in_38_over_eta"), "loss": []})
        else:
            st.caption(sh.t("in_net_adam_batch"))
    view.chart(figures.sharpness_figure(runs, _sharp_labels(sh), height=sh.size(440, 540), font_size=sh.font, legend_below=sh.big), "in_sharp_net")
    if d["diverged_at"] is not None:
        return
    st.markdown(sh.t("in_net_facts", n=calc.NET_SAMPLES, loss=d["train_loss"], acc=d["val_acc"], two=2 / d["lr"]))
    net_surface(sh, s, d)


def net_surface(sh: Shell, s: calc.NetSetting, d: dict) -> None:
    st.subheader(sh.t("in_surface_title"))
    st.markdown(sh.t("in_surface_text"))
    st.latex(r"L(\alpha,\beta) = L(\theta^* + \alpha d_1 + \beta d_2)")
    if s.plane == "pca":
        st.caption(sh.t("in_surface_pca", s1=d["share"][0], s2=d["share"][1]))
    else:
        st.caption(sh.t("in_surface_random"))
    box = calc.surface_box(d)
    labels = Labels(x=sh.t("in_axis_a"), y=sh.t("in_axis_b"), loss=sh.t("in_loss_axis"), pick=sh.t("in_click"),
                    start=sh.t("start"), not_to_scale=sh.t("axes_not_to_scale"))
    grid = Grid(d["alpha"], d["beta"], d["surface"], log=True)
    path = Path(sh.t("in_path"), "#ffffff", d["path"])
    at = st.session_state.get(AT_KEY)
    if not at or not (box[0] <= at[0] <= box[1] and box[2] <= at[1] <= box[3]):
        at = (0.0, 0.0)
    left, right = st.columns([3, 2])
    with left:
        fig = contour_figure(grid, [path], box, labels, start=tuple(d["path"][0]), animate=False, marker=at,
                             height=sh.size(540, 660), font_size=sh.size(14, 18), legend_below=sh.big)
        view.chart(fig, PICK_KEY, on_select=_picked, selection_mode="points")
        st.caption(sh.t("in_click"))
    with right:
        st.markdown(f"#### {sh.t('in_inspector')}")
        st.markdown(sh.t("in_inspect_text"))
        info = _curvature(s, float(at[0]), float(at[1]), d)
        st.markdown(sh.t("in_inspect_at", a=at[0], b=at[1], loss=info["loss"]))
        g, h, lam = info["grad"], info["hessian"], info["eigvals"]
        st.latex(rf"\nabla_{{\alpha\beta}} L = \begin{{bmatrix}} {g[0]:.4g} \\ {g[1]:.4g} \end{{bmatrix}}")
        st.latex(rf"H_2 = D^\top H D = \begin{{bmatrix}} {h[0][0]:.4g} & {h[0][1]:.4g} \\ {h[1][0]:.4g} & {h[1][1]:.4g} \end{{bmatrix}}")
        st.latex(rf"\lambda_1 = {lam[0]:.4g},\quad \lambda_2 = {lam[1]:.4g}")
        st.info(sh.t(f"in_plane_kind_{info['kind']}"))


def _picked() -> None:
    event = st.session_state.get(PICK_KEY) or {}
    pts = (event.get("selection") or {}).get("points") or []
    if pts:
        st.session_state[AT_KEY] = (round(float(pts[0]["x"]), 4), round(float(pts[0]["y"]), 4))


# == edge of stability ================================================================================
def view_eos(sh: Shell) -> None:
    side = st.sidebar
    opt = sh.controls.select("eos_opt", sh.t("in_eos_opt"), ["sgd", "adam"], "sgd",
                             format_func=lambda o: sh.t("in_eos_gd" if o == "sgd" else "in_eos_adam"), container=side)
    d1, d2 = calc.ex.EOS_DEFAULT_LRS[opt]
    lr1 = sh.controls.log_slider("lr1", sh.t("in_lr1"), 1e-5, 1.0, d1, container=side, context=opt)
    lr2 = sh.controls.log_slider("lr2", sh.t("in_lr2"), 1e-5, 1.0, d2, container=side, context=opt)
    if not sh.big:  # on the projector the view's radio names it, and the chart gains the line
        st.subheader(sh.t("in_eos_title"))
    with sh.intro():  # explanation and formulas: folded in presentation mode, so the chart is on the first screen
        st.markdown(sh.t("in_eos_text" if opt == "sgd" else "in_eos_text_adam"))
        if opt == "sgd":
            st.latex(r"\theta_{k} = \theta_{k-1} - \eta\,\nabla L(\theta_{k-1}),\qquad "
                     r"L = \frac{1}{N}\sum_i \tfrac12\lVert f(x_i;\theta) - e_{y_i}\rVert^2,\qquad \lambda_{\max} \to \frac{2}{\eta}")
        else:
            st.markdown(sh.t("in_net_adam"))
            st.latex(r"\lambda_{\max}\!\left(P^{-1/2} H P^{-1/2}\right) \to \frac{2 + 2\beta_1}{\eta\,(1-\beta_1)} = \frac{38}{\eta}")
    d = _eos(calc.eos_config(opt, lr1, lr2), sh.lang)
    if not sh.big:
        st.caption(sh.t("in_cached"))
    thr_name = sh.t("in_two_over_eta" if opt == "sgd" else "in_38_over_eta")
    runs = [{"name": f"η = {r['lr']:g}", "update": r["update"], "sharp": r["curve"], "threshold": r["threshold"],
             "threshold_name": f"{thr_name} = {r['threshold']:.4g}", "loss": r["loss"]} for r in d["runs"]]
    view.chart(figures.sharpness_figure(runs, _sharp_labels(sh), height=sh.size(460, 560), font_size=sh.font, legend_below=sh.big), "in_eos")
    for r in d["runs"]:
        s = r["summary"]
        key = "in_eos_row" if s["first_reach"] is not None else "in_eos_row_never"
        st.markdown("- " + sh.t(key, lr=r["lr"], first=s["lambda_first"], thr=s["threshold"], reach=s["first_reach"],
                               end=s["lambda_end"], ratio=s["end_over_threshold"]))


# == sharp vs flat ======================================================================================
def view_sharp(sh: Shell) -> None:
    side = st.sidebar
    small = sh.controls.select("small", sh.t("in_small"), ["8", "16", "32"], "16", container=side)
    large = sh.controls.select("large", sh.t("in_large"), ["256", "full"], "full",
                               format_func=lambda b: sh.t("in_full", n=1347) if b == "full" else b, container=side)
    lr = sh.controls.select("slr", sh.t("in_sharp_lr"), ["0.05", "0.1", "0.2"], "0.1", container=side)
    cfg = calc.sharp_config(int(small), large, float(lr))
    if not sh.big:  # on the projector the view's radio names it, and the chart gains the line
        st.subheader(sh.t("in_sharp_title"))
    with sh.intro():  # explanation and formulas: folded in presentation mode, so the chart is on the first screen
        st.markdown(sh.t("in_sharp_text", target=cfg.target_loss))
        st.latex(r"\text{" + sh.t("in_sharp_axis") + r"} \approx \lambda_{\max}\big(\nabla^2 L(\theta^*)\big), \qquad "
                 r"L(\theta^* + \alpha d),\ \ d_{\text{filter}} \leftarrow \frac{d_{\text{filter}}}{\lVert d_{\text{filter}}\rVert}\lVert\theta^*_{\text{filter}}\rVert")
    d = _sharp(cfg, sh.lang)
    if not sh.big:
        st.caption(sh.t("in_cached"))
    names = [f"{sh.t('in_small')} B = {small}", f"{sh.t('in_large')} B = {'N' if large == 'full' else large}"]
    runs = [{**r, "name": n} for r, n in zip(d["runs"], names, strict=True)]
    labels = {"alpha": sh.t("in_alpha"), "loss_axis": sh.t("in_loss_axis"), "title": sh.t("in_line_title")}
    view.chart(figures.line_figure(runs, labels, height=sh.size(420, 520), font_size=sh.font), "in_line")
    sh.table([{sh.t("in_col_run"): r["name"], sh.t("in_col_updates"): r["updates"], sh.t("in_col_epochs"): round(r["epochs"], 1),
                   sh.t("in_col_loss"): round(r["train_loss"], 4), sh.t("in_col_lmax"): round(r["lambda_max"], 3),
                   sh.t("in_col_val"): f"{r['val_acc']:.1%}"} for r in runs])
    s_, l_ = runs[0]["lambda_max"], runs[1]["lambda_max"]
    st.markdown(sh.t("in_sharp_claim", large=l_, small=s_, x=l_ / s_))


# == minimum ratio ========================================================================================
def view_ratio(sh: Shell) -> None:
    side = st.sidebar
    n = int(sh.controls.slider("nets", sh.t("in_networks"), 4, 48, 24, step=4, integer=True, container=side))
    w = int(sh.controls.select("rw", sh.t("in_width"), ["8", "16", "32"], "16", container=side))
    act = sh.controls.select("ract", sh.t("in_activation"), ["tanh", "relu"], "tanh", container=side)
    cfg = calc.ratio_config(n, w, act)
    if not sh.big:  # on the projector the view's radio names it, and the chart gains the line
        st.subheader(sh.t("in_ratio_title"))
    with sh.intro():  # explanation and formulas: folded in presentation mode, so the chart is on the first screen
        st.markdown(sh.t("in_ratio_text", n=n, w=w, act=act, p=cfg.n_params))
        st.latex(r"\text{" + sh.t("in_ratio_axis") + r"} = \frac{\#\{\lambda_i > \tau\}}{\#\{\lambda_i\}}, \qquad "
                 r"\tau = 10^{-6}\max_i|\lambda_i|, \qquad \min_\theta \lVert \nabla L(\theta)\rVert^2")
        st.caption(sh.t("in_ratio_formula", tol=cfg.zero_tol))
    d = _ratio(cfg, sh.lang)
    if not sh.big:
        st.caption(sh.t("in_cached"))
    labels = {"loss": sh.t("in_loss_axis"), "ratio": sh.t("in_ratio_axis"), "converged": sh.t("in_converged"),
              "not_converged": sh.t("in_not_converged"), "minimum_line": sh.t("in_minimum_line")}
    view.chart(figures.ratio_figure(d["dots"], labels, height=sh.size(460, 560), font_size=sh.font), "in_ratio")
    st.markdown(sh.t("in_ratio_claim", max=max(x["minimum_ratio"] for x in d["dots"])))
    if any(not x["converged"] for x in d["dots"]):
        st.caption(sh.t("in_ratio_hollow", tol=d["gnorm_tol"]))


VIEWS = {"net": view_net, "eos": view_eos, "sharp": view_sharp, "ratio": view_ratio}


def render(sh: Shell) -> None:
    sh.preamble(columns=5)
    with sh.intro():
        st.markdown(sh.t("in_intro"))
    which = sh.controls.select("view", sh.t("in_view"), list(calc.VIEWS), "net", radio=True, horizontal=True,
                               format_func=lambda v: sh.t(f"in_view_{v}"))
    VIEWS[which](sh)
