"""Inside the real network: λ_max along training with 2/η, the edge of stability, sharp vs flat
minima, the minimum ratio of real networks, and a network's own error surface.

Each view: widgets → a frozen setting (`calc`) → its explanation (one fold in presentation
mode) → its job (`_job`: the view's computation, `calc.*_task`) → pure figure builders.
A view whose run diverged says where, draws its curves up to that update and none of the
claims that no longer hold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from optim_lab.training.train import MAX_UPDATES
from ui.common import jobs, view
from ui.common.figures import Grid, Labels, Path, contour_figure
from ui.common.racers import racer_editor
from ui.sections.inside_network import calc, figures
from ui.shell import Shell

PICK_KEY, AT_KEY = "in_surface_chart", "_in_at"
SECTION = "inside_network"  # its own row of the racer editor's default-η table (SECTION_LR)
SURFACE = "digits"  # the racer editor's default-η table: the digits networks (as the training lab)
TASK = "ui.sections.inside_network.calc:{}"


# == the view's computation ===========================================================================
def _job(sh: Shell, task: str, key: str, args, live: Callable | None = None) -> Any:
    """The result of `calc.<task>(args, report, should_stop)` for this setting, or None while it
    computes on the worker pool (its progress, and `live(view)` of its partial result, are drawn
    here meanwhile; the page reruns when it is done).  `key`: the setting as canonical JSON."""
    return jobs.show(sh, f"inside-network:{task}:{key}", TASK.format(task), args, live=live)


def _sharp_labels(sh: Shell) -> dict:
    return {"sharp_title": sh.t("in_sharp_title_chart"), "loss_title": sh.t("in_loss_title"), "update": sh.t("in_update"),
            "sharp_axis": sh.t("in_sharp_axis"), "loss_axis": sh.t("in_loss_axis")}


# == your network ===================================================================================
def net_controls(sh: Shell) -> calc.NetSetting:
    side = sh.side
    kind = sh.controls.select("kind", sh.t("in_model"), ["mlp", "cnn"], "mlp", format_func=lambda k: sh.t(f"in_model_{k}"),
                              container=side)
    bs = sh.controls.select("bs", sh.t("in_batch"), list(calc.BATCHES), "full",
                            format_func=lambda b: sh.t("in_full", n=calc.NET_SAMPLES) if b == "full" else b, container=side)
    steps = int(sh.controls.slider("steps", sh.t("in_steps"), 40, MAX_UPDATES, 300, step=20, integer=True, container=side))
    racer = racer_editor(sh, 1, SURFACE, default_opt="sgd", container=side, allow_custom=False, steps=steps,
                         section=SECTION)
    plane = sh.controls.select("plane", sh.t("in_plane"), list(calc.PLANES), "pca", format_func=lambda p: sh.t(f"in_plane_{p}"),
                               container=side)
    return calc.NetSetting(kind, racer.engine_dict(), bs, steps, plane)


def net_explain(sh: Shell, s: calc.NetSetting) -> None:
    st.markdown(sh.t("in_net_text"))
    st.latex(r"\lambda_{\max}\big(\nabla^2 L(\theta_k)\big)\ \text{vs}\ \frac{2}{\eta}, \qquad "
             r"v \leftarrow \frac{Hv}{\lVert Hv\rVert},\ \ \lambda \approx v^\top H v")
    if s.optimizer == "adam":
        st.markdown(sh.t("in_net_adam"))
        st.latex(r"\lambda_{\max}\!\left(P^{-1/2} H P^{-1/2}\right) \le \frac{2 + 2\beta_1}{\eta\,(1-\beta_1)} = \frac{38}{\eta}")
        if s.batch != "full":
            st.caption(sh.t("in_net_adam_batch"))


def _net_runs(sh: Shell, s: calc.NetSetting, d: dict) -> list[dict]:
    k = d["diverged_at"]
    mark = {"diverged_at": k, "diverged": sh.t("in_diverged_short", k=k)} if k is not None else {}
    runs = [{"name": sh.t("in_lambda"), "update": d["sharp_update"], "sharp": d["lambda_max"], "threshold": 2 / d["lr"],
             "threshold_name": sh.t("in_two_over_eta"), "loss": d["loss"], **mark}]
    if s.optimizer == "adam" and d["full_batch"]:
        runs.append({"name": sh.t("in_precond"), "update": d["sharp_update"], "sharp": d["preconditioned"],
                     "threshold": 38 / d["lr"], "threshold_name": sh.t("in_38_over_eta"), "loss": [], **mark})
    return runs


def net_draw(sh: Shell, s: calc.NetSetting, d: dict) -> None:
    k = d["diverged_at"]
    if k is not None:
        if d["start_loss"] is not None and math.isfinite(d["train_loss"]) and math.isfinite(d["val_acc"]):
            st.warning(sh.t("in_diverged_rose", k=k, start=d["start_loss"], end=d["train_loss"], acc=d["val_acc"]), icon="💥")
        else:
            st.warning(sh.t("in_diverged", k=k), icon="💥")
    if sh.big and k is None:  # on the projector the view's own chart, the surface, comes first
        net_surface(sh, s, d)
    view.chart(view.figure(figures.sharpness_figure, _net_runs(sh, s, d), _sharp_labels(sh), height=sh.size(440, 500), font_size=sh.font,
                           legend_below=sh.big), "in_sharp_net")
    if k is not None:
        return
    st.markdown(sh.t("in_net_facts", n=calc.NET_SAMPLES, loss=d["train_loss"], acc=d["val_acc"], two=2 / d["lr"]))
    if not sh.big:
        net_surface(sh, s, d)


def net_surface(sh: Shell, s: calc.NetSetting, d: dict) -> None:
    if not sh.big:
        st.subheader(sh.t("in_surface_title"))
        st.markdown(sh.t("in_surface_text"))
        st.latex(r"L(\alpha,\beta) = L(\theta^* + \alpha d_1 + \beta d_2)")
    key, values = calc.plane_caption(d)
    box = calc.surface_box(d)
    labels = Labels(x=sh.t("in_axis_a"), y=sh.t("in_axis_b"), loss=sh.t("in_loss_axis"), pick=sh.t("in_click"),
                    start=sh.t("start"), not_to_scale=sh.t("axes_not_to_scale"))
    grid = Grid(d["alpha"], d["beta"], d["surface"], log=True)
    path = Path(sh.t("in_path"), "#ffffff", d["path"])
    at = st.session_state.get(AT_KEY)
    if not at or not (box[0] <= at[0] <= box[1] and box[2] <= at[1] <= box[3]):
        at = (0.0, 0.0)
    fig = view.figure(contour_figure, grid, [path], box, labels, start=tuple(d["path"][0]), animate=False, marker=at,
                      height=sh.size(480, 540), font_size=sh.size(14, 18), legend_below=sh.big)
    view.chart(fig, PICK_KEY, on_select=_picked, selection_mode="points")
    st.caption(sh.t("in_click") + " " + sh.t(key, **values))
    # the point inspector under the surface: the chart keeps the page's width (to scale, no strip)
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {sh.t('in_inspector')}")
        st.markdown(sh.t("in_inspect_text"))
    with right:
        args = (s, d["theta"], d["dirs"], float(at[0]), float(at[1]), d["buffers"])
        info = _job(sh, "curvature_task", f"{_key(s)}|{at[0]:.6g},{at[1]:.6g}", args)
        if info is None:
            st.caption(sh.t("in_inspect_wait"))
        else:
            st.markdown(sh.t("in_inspect_at", a=at[0], b=at[1], loss=info["loss"]))
            g, h, lam = info["grad"], info["hessian"], info["eigvals"]
            st.latex(rf"\nabla_{{\alpha\beta}} L = \begin{{bmatrix}} {g[0]:.4g} \\ {g[1]:.4g} \end{{bmatrix}}")
            st.latex(rf"H_2 = D^\top H D = \begin{{bmatrix}} {h[0][0]:.4g} & {h[0][1]:.4g} \\ {h[1][0]:.4g} & {h[1][1]:.4g} \end{{bmatrix}}")
            st.latex(rf"\lambda_1 = {lam[0]:.4g},\quad \lambda_2 = {lam[1]:.4g}")
            st.info(f"**{sh.t('kind_' + info['kind'])}** — {sh.t('in_plane_kind_' + info['kind'])}")


def _picked() -> None:
    event = st.session_state.get(PICK_KEY) or {}
    pts = (event.get("selection") or {}).get("points") or []
    if pts:
        st.session_state[AT_KEY] = (round(float(pts[0]["x"]), 4), round(float(pts[0]["y"]), 4))


# == edge of stability ================================================================================
def eos_controls(sh: Shell):
    side = sh.side
    opt = sh.controls.select("eos_opt", sh.t("in_eos_opt"), ["sgd", "adam"], "sgd",
                             format_func=lambda o: sh.t("in_eos_gd" if o == "sgd" else "in_eos_adam"), container=side)
    d1, d2 = calc.ex.EOS_DEFAULT_LRS[opt]
    lr1 = sh.controls.log_slider("lr1", sh.t("in_lr1"), 1e-5, 1.0, d1, container=side, context=opt)
    lr2 = sh.controls.log_slider("lr2", sh.t("in_lr2"), 1e-5, 1.0, d2, container=side, context=opt)
    return calc.eos_config(opt, lr1, lr2)


def eos_explain(sh: Shell, cfg) -> None:
    if cfg.optimizer == "sgd":
        st.markdown(sh.t("in_eos_text"))
        st.latex(r"\theta_{k} = \theta_{k-1} - \eta\,\nabla L(\theta_{k-1}),\qquad "
                 r"L = \frac{1}{N}\sum_i \tfrac12\lVert f(x_i;\theta) - e_{y_i}\rVert^2,\qquad \lambda_{\max} \to \frac{2}{\eta}")
    else:
        st.markdown(sh.t("in_eos_text_adam"))
        st.markdown(sh.t("in_net_adam"))
        st.latex(r"\lambda_{\max}\!\left(P^{-1/2} H P^{-1/2}\right) \to \frac{2 + 2\beta_1}{\eta\,(1-\beta_1)} = \frac{38}{\eta}")


def _eos_chart(sh: Shell, cfg, d: dict) -> None:
    thr_name = sh.t("in_two_over_eta" if cfg.optimizer == "sgd" else "in_38_over_eta")
    runs = []
    for r in d["runs"]:
        k = r["diverged_at"]
        mark = {"diverged_at": k, "diverged": sh.t("in_diverged_short", k=k)} if k is not None else {}
        runs.append({"name": f"η = {r['lr']:g}", "update": r["update"], "sharp": r["curve"], "threshold": r["threshold"],
                     "threshold_name": f"{thr_name} = {r['threshold']:.4g}", "loss": r["loss"], **mark})
    view.chart(view.figure(figures.sharpness_figure, runs, _sharp_labels(sh), height=sh.size(460, 500), font_size=sh.font, legend_below=sh.big),
               "in_eos")


def eos_draw(sh: Shell, cfg, d: dict) -> None:
    _eos_chart(sh, cfg, d)
    for r in d["runs"]:
        key, values = calc.eos_row(r)
        st.markdown("- " + sh.t(key, **values))


# == sharp vs flat ======================================================================================
def sharp_controls(sh: Shell):
    side = sh.side
    small = sh.controls.select("small", sh.t("in_small"), ["8", "16", "32"], "16", container=side)
    large = sh.controls.select("large", sh.t("in_large"), ["256", "full"], "full",
                               format_func=lambda b: sh.t("in_full", n=1347) if b == "full" else b, container=side)
    lr = sh.controls.select("slr", sh.t("in_sharp_lr"), ["0.05", "0.1", "0.2"], "0.1", container=side)
    return calc.sharp_config(int(small), large, float(lr))


def sharp_explain(sh: Shell, cfg) -> None:
    st.markdown(sh.t("in_sharp_text", target=cfg.target_loss))
    st.latex(r"\text{" + sh.t("in_sharp_axis") + r"} \approx \lambda_{\max}\big(\nabla^2 L(\theta^*)\big), \qquad "
             r"L(\theta^* + \alpha d),\ \ d_{\text{filter}} \leftarrow \frac{d_{\text{filter}}}{\lVert d_{\text{filter}}\rVert}\lVert\theta^*_{\text{filter}}\rVert")


def sharp_draw(sh: Shell, cfg, d: dict) -> None:
    small, large = cfg.batches
    names = [f"{sh.t('in_small')} B = {small}", f"{sh.t('in_large')} B = {'N' if large is None else large}"]
    runs = [{**r, "name": n} for r, n in zip(d["runs"], names, strict=True)]
    key, values = calc.sharp_claim(runs)
    if key in ("in_sharp_diverged", "in_sharp_not_reached"):
        st.warning(sh.t(key), icon="💥" if key == "in_sharp_diverged" else "⏱️")
    labels = {"alpha": sh.t("in_alpha"), "loss_axis": sh.t("in_loss_axis"), "title": sh.t("in_line_title")}
    view.chart(view.figure(figures.line_figure, runs, labels, height=sh.size(420, 480), font_size=sh.font, legend_below=sh.big), "in_line")

    def diverged(r):
        return sh.t("in_diverged_short", k=r["diverged_at"]) if r["diverged_at"] is not None else ""

    sh.table([{sh.t("in_col_run"): r["name"], sh.t("in_col_updates"): r["updates"], sh.t("in_col_epochs"): f"{r['epochs']:.1f}",
               sh.t("in_col_loss"): diverged(r) or f"{r['train_loss']:.4g}", sh.t("in_col_lmax"): f"{r['lambda_max']:.3g}",
               sh.t("in_col_val"): f"{r['val_acc']:.1%}"} for r in runs])
    if key not in ("in_sharp_diverged", "in_sharp_not_reached"):
        st.markdown(sh.t(key, **values))


# == minimum ratio ========================================================================================
def ratio_controls(sh: Shell):
    side = sh.side
    n = int(sh.controls.slider("nets", sh.t("in_networks"), 4, 48, 24, step=4, integer=True, container=side))
    w = int(sh.controls.select("rw", sh.t("in_width"), ["8", "16", "32"], "16", container=side))
    act = sh.controls.select("ract", sh.t("in_activation"), ["tanh", "relu"], "tanh", container=side)
    return calc.ratio_config(n, w, act)


def ratio_explain(sh: Shell, cfg) -> None:
    st.markdown(sh.t("in_ratio_text", n=cfg.networks, w=cfg.width, act=cfg.activation, p=cfg.n_params))
    st.latex(r"\text{" + sh.t("in_ratio_axis") + r"} = \frac{\#\{\lambda_i > \tau\}}{\#\{\lambda_i\}}, \qquad "
             r"\tau = 10^{-6}\max_i|\lambda_i|, \qquad \min_\theta \lVert \nabla L(\theta)\rVert^2")
    st.caption(sh.t("in_ratio_formula", tol=cfg.zero_tol))


def ratio_draw(sh: Shell, cfg, d: dict) -> None:
    labels = {"loss": sh.t("in_loss_axis"), "ratio": sh.t("in_ratio_axis"), "converged": sh.t("in_converged"),
              "not_converged": sh.t("in_not_converged"), "minimum_line": sh.t("in_minimum_line")}
    view.chart(view.figure(figures.ratio_figure, d["dots"], labels, height=sh.size(460, 500), font_size=sh.font), "in_ratio")
    key, values = calc.ratio_claim(d["dots"])
    st.markdown(sh.t(key, **values))
    if any(not x["converged"] for x in d["dots"]):
        st.caption(sh.t("in_ratio_hollow", tol=d["gnorm_tol"]))


# == the page =============================================================================================
@dataclass(frozen=True)
class View:
    controls: Callable  # sh → setting (the sidebar's widgets)
    explain: Callable  # (sh, setting) → its text and formulas (folded on the projector)
    task: str  # calc.<task>(setting, report, should_stop)
    draw: Callable  # (sh, setting, result)
    live: Callable | None = None  # (sh, setting, partial) while the job runs


def _key(setting) -> str:
    return json.dumps(asdict(setting), sort_keys=True, default=str)


VIEWS = {
    "net": View(net_controls, net_explain, "net_task", net_draw),
    "eos": View(eos_controls, eos_explain, "eos_task", eos_draw, live=_eos_chart),
    "sharp": View(sharp_controls, sharp_explain, "sharp_task", sharp_draw),
    "ratio": View(ratio_controls, ratio_explain, "ratio_task", ratio_draw),
}


def render(sh: Shell) -> None:
    sh.preamble(columns=5)
    if not sh.big:
        st.markdown(sh.t("in_intro"))
    which = sh.controls.select("view", sh.t("in_view"), list(calc.VIEWS), "net", radio=True, horizontal=True,
                               format_func=lambda v: sh.t(f"in_view_{v}"))
    v = VIEWS[which]
    setting = v.controls(sh)
    if not sh.big:  # on the projector the view's radio names it
        st.subheader(sh.t(f"in_{which}_title"))
    # one fold in presentation mode, under the chart (the chart has the projector's first screen): the
    # page's intro and the view's explanation; above the chart on a screen
    explain_box = st.container()
    result_box = st.container()
    if sh.big:
        explain_box, result_box = result_box, explain_box
    with explain_box, sh.intro():
        if sh.big:
            st.markdown(sh.t("in_intro"))
        v.explain(sh, setting)
    with result_box:
        live = None if v.live is None else (lambda job: job.partial and v.live(sh, setting, job.partial))
        d = _job(sh, v.task, f"{which}|{_key(setting)}", setting, live)
        if d is not None:
            v.draw(sh, setting, d)
    st.caption(sh.t("job_note"))
