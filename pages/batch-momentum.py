"""§3.2 — Batch size and momentum: every batch has its own error surface; momentum keeps rolling."""

import math

import numpy as np
import streamlit as st

from optim_lab.schedules import SCHEDULES
from ui import calc_batch
from ui.common import compute, view
from ui.calc_adaptive import final_rows, widened
from ui.fig_batch import (
    MAX_BATCH_FRAMES,
    BatchFrame,
    BatchText,
    Curve,
    CurvesText,
    WeightSeries,
    batch_figure,
    curves_xy_figure,
    weights_figure,
)
from ui.common.racers import UI_LR_MAX, UI_LR_MIN, default_lr, param_control
from ui.shell import page_setup

DATA_SURFACES = ["linreg", "logreg", "feature-scale", "long-valley"]
BATCH_LR = {"linreg": 0.1, "logreg": 1.0, "feature-scale": 1e-5, "long-valley": 1e-6}
B_COLORS = {"full": "#0072B2", "mini": "#D55E00", "one": "#009E73"}
M_COLORS = {"gd": "#0072B2", "book": "#D55E00", "torch": "#CC79A7"}
ARROW = {"prev": "#56B4E9", "grad": "#FF4B4B", "move": "#FFFFFF"}
# controls both parts share (same keys in view.py): forgotten when the part changes, so each part starts from its defaults
SHARED = ("surface", "x0", "y0", "steps", "seed", "k", "logloss", "view3d", "crit")
BAR_WINDOW = 40


def _forget(keys) -> None:
    ss = st.session_state
    for key in list(ss.keys()):
        if key in keys or key.startswith("s_"):
            del ss[key]


def _lr_default_follows_surface(prev: str | None, surface: str, key: str) -> None:
    """A new surface brings its own default learning rate (the slider is not drawn yet in this run)."""
    if prev is not None and prev != surface:
        st.session_state.pop(f"{key}__log", None)


def _default_bs(n: int) -> int:
    return max(1, min(n, round(n / 5)))


# -- part 1: batches ------------------------------------------------------------------------------
def batches_part(sh) -> None:
    st.markdown(sh.t("bm_batches_intro"))
    c1, c2 = st.columns(2)
    c1.latex(r"g_k = \frac{1}{B}\sum_{i \in \mathcal{B}_k} \nabla \ell_i(\theta_{k-1}),\qquad \theta_k = \theta_{k-1} - \eta\, g_k")
    c2.latex(r"\text{" + sh.t("bm_updates_per_epoch") + r"} = \left\lceil \frac{N}{B} \right\rceil,\qquad "
             r"\text{" + sh.t("bm_epoch_of_step") + r"}(k) = \left\lfloor \frac{k-1}{\lceil N/B \rceil} \right\rfloor + 1")
    prev = st.session_state.get("surface")
    surface, params = view.surface_controls(sh, "linreg", allowed=DATA_SURFACES)
    _lr_default_follows_surface(prev, surface, "lr")
    pk = compute.params_key(params)
    problem = compute.build(surface, pk)
    if problem.reduction == "sum":
        st.caption(sh.t("bm_batches_formula_note"))
    n = int(problem.n_samples)
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 200, seed=True)
    lr = sh.controls.log_slider("lr", sh.t("bm_lr_shared"), UI_LR_MIN, UI_LR_MAX, BATCH_LR.get(surface, 0.05), container=st.sidebar)
    bs = sh.controls.slider("bs", sh.t("bm_mini_bs", n=n), 1, n, _default_bs(n), integer=True, container=st.sidebar)

    kinds = ["full", "mini", "one"]
    sizes = {"full": n, "mini": int(bs), "one": 1}
    configs = [{"optimizer": "sgd", "lr": lr, "hparams": {}, "schedule": "constant", "sched_params": {}, "batch_size": sizes[c],
                "color": B_COLORS[c]} for c in kinds]
    names = [sh.t("bm_name_full", n=n), sh.t("bm_name_mini", b=bs), sh.t("bm_name_one")]
    rc = view.run_race(sh, surface, params, configs, start, steps, seed, names=names)
    if rc is None:
        return
    view.divergence_notes(sh, rc)
    r = rc.result

    c1, c2 = st.columns([3, 2])
    with c1:
        # by default the last window of batches, so that ▶ plays forward from the selected step
        k = sh.controls.slider("k", sh.t("bm_selected_step"), 1, steps, max(1, steps - MAX_BATCH_FRAMES + 1), integer=True)
    with c2:
        who = sh.controls.select("who", sh.t("bm_who"), ["mini", "one", "full"], "mini", radio=True, horizontal=True,
                                 format_func=lambda v: sh.t(f"bm_who_{v}"))
    i = kinds.index(who)

    # counters: updates per epoch and the epoch of the selected step
    rows = []
    for j, c in enumerate(kinds):
        b = sizes[c]
        per = math.ceil(n / b)
        rows.append({
            sh.t("col_optimizer"): names[j], "B": b, sh.t("bm_col_per_epoch"): per,
            sh.t("bm_col_epoch_of_k", k=k): sh.t("bm_epoch_value", e=int(r["epoch"][k - 1, j]) + 1, u=(k - 1) % per + 1, per=per),
            sh.t("bm_col_epochs_done", t=steps): f"{steps / per:.3g}",
        })
    st.dataframe(rows, hide_index=True, width="stretch")

    rcw, grid, box = widened(rc)
    d = rc.diverged(i)
    upto = k - 1 if d is None else min(k - 1, d - 1)
    here = r["theta"][upto, i]
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{sh.t('bm_full_surface')}**")
        view.show_surface(sh, rcw, marker=(float(here[0]), float(here[1])), grid_override=grid,
                          height=640 if sh.big else 540)
    with right:
        st.markdown(f"**{sh.t('bm_batch_surface', name=names[i], k=k)}**")
        _batch_view(sh, rc, i, k, box, sizes[kinds[i]], surface, pk)

    st.markdown(f"#### {sh.t('bm_curves_title')}")
    c1, c2 = st.columns([2, 1])
    by = sh.controls.select("xby", sh.t("bm_x_by"), ["updates", "epochs"], "updates", radio=True, horizontal=True,
                            format_func=lambda v: sh.t(f"bm_x_{v}"), container=c1)
    log_y = sh.controls.toggle("blog", sh.t("log_loss"), bool(rc.spec.log_levels), container=c2)
    curves, marks = [], []
    for j, c in enumerate(kinds):
        per = math.ceil(n / sizes[c])
        scale = per if by == "epochs" else 1
        dj = rc.diverged(j)
        end = len(r["loss"]) if dj is None else dj
        x = np.arange(end) / scale
        curves.append(Curve(names[j], B_COLORS[c], x, r["loss"][:end, j], group=names[j]))
        bl = r["batch_loss"][: max(end - 1, 0), j]
        curves.append(Curve(f"{names[j]} · {sh.t('bm_batch_loss')}", B_COLORS[c], np.arange(len(bl)) / scale, bl,
                            dash="dot", width=1, opacity=0.55, group=names[j], showlegend=False))
        marks.append((k / scale, B_COLORS[c]))
    x_range = None
    if by == "updates":
        marks = [(k, "#888")]
    else:  # up to the epoch count of the run with the fewest epochs: there every run has data
        x_range = (0.0, min(steps / math.ceil(n / sizes[c]) for c in kinds))
    fig = curves_xy_figure(curves, CurvesText(x=sh.t(f"bm_axis_{by}"), y=sh.t("bm_axis_loss")), log_y=log_y, markers=marks,
                           y_from=[c for c in curves if c.showlegend], x_range=x_range,
                           height=480 if sh.big else 400, font_size=16 if sh.big else 13)
    st.plotly_chart(fig, key="bm_curves", theme=None, config={"displaylogo": False})
    st.caption(sh.t(f"bm_curves_note_{by}", n=n, b=bs, t=steps))
    view.downloads(sh, rc, f"batch-{surface}")


def _batch_view(sh, rc, i: int, k: int, box, b: int, surface: str, pk: tuple) -> None:
    """The batch of step k (and the following ones as frames): its own surface, point, directions, minimum."""
    r = rc.result
    steps = rc.steps
    d = rc.diverged(i)
    last = steps if d is None else max(1, d - 1)
    nf = min(MAX_BATCH_FRAMES, last)
    k = min(k, last)
    first = max(1, min(k, last - nf + 1))
    window = list(range(first, first + nf))
    plan = r["batches"][b]["indices"]
    batches = tuple(tuple(int(v) for v in plan[j - 1]) for j in window)
    points = np.array([r["theta"][j - 1, i] for j in window], np.float64)
    g_batch = np.array([r["step_grad"][j - 1, i] for j in window], np.float64)
    n_grid = 40
    sb = calc_batch.cached_surfaces(surface, pk, batches, tuple(box), n_grid)
    full = compute.grid(surface, pk, n_grid, tuple(box))
    pts_key = tuple(map(tuple, points.round(12)))
    g_full = calc_batch.cached_full_grads(surface, pk, pts_key)
    mins = calc_batch.cached_minima(surface, pk, batches, pts_key, tuple(box))
    frames = [BatchFrame(step, sb["z"][f], points[f], g_batch[f], g_full[f], None if np.isnan(mins[f]).any() else mins[f])
              for f, step in enumerate(window)]
    spec = rc.spec
    axes = view.labels_for(sh, spec)
    text = BatchText(
        x=axes.x, y=axes.y, batch_surface=sh.t("bm_leg_batch_surface"),
        full_lines=sh.t("bm_leg_full_lines"), point=sh.t("bm_leg_point"), g_batch=sh.t("bm_leg_g_batch"),
        g_full=sh.t("bm_leg_g_full"), bmin=sh.t("bm_leg_bmin"), step=sh.t("step"), play=sh.t("anim_play"),
        pause=sh.t("anim_pause"),
    )
    fig = batch_figure(sb["xs"], sb["ys"], frames, box, text, full_z=full["z"], active=k - first, log=bool(spec.log_levels),
                       color=rc.colors[i], height=640 if sh.big else 540, font_size=16 if sh.big else 13)
    st.plotly_chart(fig, key="bm_batch", theme=None, config={"displaylogo": False})
    f = frames[k - first]
    sample_list = ", ".join(str(v) for v in sorted(batches[k - first])[:12]) + (" …" if b > 12 else "")
    st.caption(sh.t("bm_batch_caption", k=k, b=b, samples=sample_list, gb=float(np.hypot(*f.g_batch)),
                    gf=float(np.hypot(*f.g_full))))
    # the batch's minimum is critical for this batch only
    if f.bmin is not None and k < steps:
        nxt = tuple(int(v) for v in r["batches"][b]["indices"][k])  # the batch of step k + 1
        g_next = calc_batch.cached_batch_grads(surface, pk, (nxt,), (tuple(f.bmin),))[0]
        g_all = calc_batch.cached_full_grads(surface, pk, (tuple(f.bmin),))[0]
        st.info(sh.t("bm_star_note", x=float(f.bmin[0]), y=float(f.bmin[1]), gn=float(np.hypot(*g_next)),
                     gf=float(np.hypot(*g_all))), icon="⭐")
    elif f.bmin is None:
        st.caption(sh.t("bm_no_batch_min"))


# -- part 2: momentum ----------------------------------------------------------------------------
def _arrow_offsets(parts: dict, delta: float) -> dict:
    """Nearly collinear arrows would hide each other: shift them sideways (drawing only, the lengths stay true)."""
    zero = np.zeros(2)
    a, b = parts["prev"], parts["grad"]
    na, nb = float(np.hypot(*a)), float(np.hypot(*b))
    if na == 0 or nb == 0 or abs(float(a @ b)) < 0.9 * na * nb:
        return {"prev": zero, "grad": zero, "move": zero}
    u = a / na
    perp = np.array([-u[1], u[0]])
    return {"prev": zero, "grad": delta * perp, "move": -delta * perp}


def momentum_part(sh) -> None:
    st.markdown(sh.t("bm_mom_intro"))
    c1, c2 = st.columns(2)
    c1.latex(r"m_0 = 0,\quad m_{t+1} = \lambda\, m_t - \eta_t\, g_t,\quad \theta_{t+1} = \theta_t + m_{t+1}")
    c2.latex(r"m_{t+1} = -\sum_{j=0}^{t} \lambda^{\,t-j}\, \eta_j\, g_j")
    st.caption(sh.t("bm_mom_formula_note"))

    prev = st.session_state.get("surface")
    surface, params = view.surface_controls(sh, "six-hump-camel")
    _lr_default_follows_surface(prev, surface, "m_lr")
    pk = compute.params_key(params)
    problem = compute.build(surface, pk)
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 300, seed=problem.n_samples is not None)
    box = st.sidebar
    lr = sh.controls.log_slider("m_lr", sh.t("bm_lr_shared"), UI_LR_MIN, UI_LR_MAX, default_lr("sgd", surface), container=box)
    lam = sh.controls.slider("lam", sh.t("bm_lambda"), 0.0, 0.99, 0.9, step=0.01, container=box)
    gd_on = sh.controls.toggle("m_gd", sh.t("bm_show_gd"), True, container=box)
    pt_on = sh.controls.toggle("m_pt", sh.t("bm_show_torch"), False, container=box, help=sh.t("bm_show_torch_help"))
    sched = sh.controls.select("m_sch", sh.t("schedule"), list(SCHEDULES), "constant",
                               format_func=lambda s: SCHEDULES[s].label(sh.lang), container=box)
    sp = {}
    if SCHEDULES[sched].params:
        with box.expander(sh.t("schedule_params"), expanded=True):
            for p in SCHEDULES[sched].params:
                sp[p.name] = param_control(sh, f"m_sp_{p.name}", p, st, default=max(1, steps) if p.name == "t_max" else None)

    def cfg(opt, hp, color):
        c = {"optimizer": opt, "lr": lr, "hparams": hp, "schedule": sched, "sched_params": sp, "color": color}
        return c

    ids, configs = [], []
    if gd_on:
        ids.append("gd")
        configs.append(cfg("sgd", {}, M_COLORS["gd"]))
    ids.append("book")
    configs.append(cfg("momentum-book", {"lambda": lam}, M_COLORS["book"]))
    if pt_on:
        ids.append("torch")
        configs.append(cfg("momentum", {"momentum": lam}, M_COLORS["torch"]))
    names = [sh.t(f"bm_m_{x}") for x in ids]
    rc = view.run_race(sh, surface, params, configs, start, steps, seed, names=names)
    if rc is None:
        return
    view.divergence_notes(sh, rc)
    r = rc.result
    ib = ids.index("book")

    k = sh.controls.slider("k", sh.t("bm_selected_step"), 1, steps, min(steps, 10), integer=True)
    db = rc.diverged(ib)
    ok = db is None or k < db
    arrows, scale = [], None
    if ok:
        theta = r["theta"][k - 1, ib]
        g = r["step_grad"][k - 1, ib]
        eta = float(r["lr"][k - 1, ib])
        m_prev = -r["direction"][k - 2, ib] if k >= 2 else np.zeros(2)
        m_new = -r["direction"][k - 1, ib]
        parts = {"prev": lam * m_prev, "grad": -eta * g, "move": m_new}
        x0, x1, y0, y1 = compute.box_of(problem)
        span = min(x1 - x0, y1 - y0)
        longest = max(float(np.hypot(*v)) for v in parts.values())
        scale = 0.25 * span / longest if longest > 0 else 1.0
        shift = _arrow_offsets(parts, 0.03 * span)
        a = theta + scale * parts["prev"]
        for key, frm, to in (("prev", theta, a), ("grad", a, a + scale * parts["grad"]),
                             ("move", theta, theta + scale * parts["move"])):
            frm, to = frm + shift[key], to + shift[key]
            if float(np.hypot(*(to - frm))) > 1e-9 * span:
                arrows.append({"from": (float(frm[0]), float(frm[1])), "to": (float(to[0]), float(to[1])), "color": ARROW[key],
                               "text": sh.t(f"bm_arrow_{key}")})

    rcw, grid, _ = widened(rc)
    left, right = st.columns([3, 2])
    with left:
        marker = tuple(float(v) for v in r["theta"][k - 1, ib]) if ok else None
        view.show_surface(sh, rcw, arrows=arrows, marker=marker, grid_override=grid)
        if scale is not None:
            st.caption(sh.t("bm_arrow_scale", s=scale))
    with right:
        st.markdown(f"**{sh.t('bm_at_step', k=k)}**")
        if ok:
            st.latex(
                rf"\underbrace{{\begin{{bmatrix}}{m_new[0]:.3g}\\{m_new[1]:.3g}\end{{bmatrix}}}}_{{m_{{{k}}}}} = "
                rf"{lam:.2f}\underbrace{{\begin{{bmatrix}}{m_prev[0]:.3g}\\{m_prev[1]:.3g}\end{{bmatrix}}}}_{{m_{{{k - 1}}}}} - "
                rf"{eta:.3g}\underbrace{{\begin{{bmatrix}}{g[0]:.3g}\\{g[1]:.3g}\end{{bmatrix}}}}_{{g_{{{k - 1}}}}}"
            )
            st.markdown(sh.t("bm_arrow_legend"))
        else:
            st.caption(sh.t("diverged_at", name=rc.names[ib], k=db))
        js = np.arange(max(1, k - BAR_WINDOW + 1), k + 1)
        etas = r["lr"][js - 1, ib]
        series = [WeightSeries(rc.names[ib], M_COLORS["book"], lam ** (k - js) * etas)]
        if pt_on:
            series.append(WeightSeries(rc.names[ids.index("torch")], M_COLORS["torch"], float(r["lr"][k - 1, ib]) * lam ** (k - js)))
        fig = weights_figure(js - 1, series, x_title=sh.t("bm_bars_x"), y_title=sh.t("bm_bars_y"),
                             title=sh.t("bm_bars_title", k=k), height=360 if sh.big else 300, font_size=15 if sh.big else 12)
        st.plotly_chart(fig, key="bm_weights", theme=None, config={"displaylogo": False})
        st.caption(sh.t("bm_bars_note"))

    view.show_curves(sh, rc, selected=k, panels=("loss", "grad", "lr"))
    with st.expander(sh.t("bm_book_vs_torch_title"), expanded=pt_on):
        st.markdown(sh.t("bm_book_vs_torch"))
        st.latex(r"\text{" + sh.t("bm_book") + r"}:\ \theta_{t+1} = \theta_t - \sum_{j \le t} \lambda^{t-j}\,\eta_j\, g_j"
                 r"\qquad \text{PyTorch}:\ \theta_{t+1} = \theta_t - \eta_t \sum_{j \le t} \mu^{t-j}\, g_j")
    st.dataframe(final_rows(sh, rc), hide_index=True, width="stretch")


sh = page_setup("batch-momentum")
with sh.guard():
    sh.header()
    sh.preset_bar(3)
    part = sh.controls.select("part", sh.t("bm_part"), ["batches", "momentum"], "batches", radio=True, horizontal=True,
                              format_func=lambda v: sh.t(f"bm_part_{v}"))
    ss = st.session_state
    if ss.get("_bm_part") not in (None, part):
        _forget(SHARED)
    ss["_bm_part"] = part
    if part == "batches":
        batches_part(sh)
    else:
        momentum_part(sh)
sh.finish()
