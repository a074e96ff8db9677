"""§3.2 — Batch size and momentum: every batch has its own error surface; momentum keeps rolling."""

from __future__ import annotations

import numpy as np
import streamlit as st

from optim_lab.schedules import SCHEDULES
from surfaces.base import grid
from ui.common import compute, keys, live, state, view
from ui.common.boxes import widened
from ui.common.figures import Grid as ViewGrid
from ui.common.figures import Labels
from ui.common.figures.theme import REFERENCE
from ui.common.numbers import num, tex
from ui.common.racers import UI_LR_MAX, UI_LR_MIN, RacerConfig, default_lr, param_control, schedule_label
from ui.common.result import read_only
from ui.sections.batch_momentum import calc
from ui.sections.batch_momentum.figures import (
    BatchFrame,
    BatchText,
    Curve,
    CurvesText,
    WeightSeries,
    batch_figure,
    curves_xy_figure,
    weights_figure,
)
from ui.shell import Shell
from ui.text import t

SECTION = "batch_momentum"
DATA_SURFACES = ["linreg", "logreg", "feature-scale", "long-valley"]
B_COLORS = {"full": "#0072B2", "mini": "#D55E00", "one": "#009E73"}
M_COLORS = {"gd": "#0072B2", "book": "#D55E00", "torch": "#CC79A7"}
ARROW = {"prev": "#56B4E9", "grad": "#FF4B4B", "move": "#FFFFFF"}
# controls both parts share (same keys in the shared view): forgotten when the part changes, so each part starts from its defaults
SHARED = (keys.SURFACE, keys.START_X, keys.START_Y, keys.STEPS, keys.SEED, keys.SELECTED_STEP, keys.LOG_LOSS, keys.VIEW_3D,
          keys.SHOW_CRITICAL)
PART_SEEN = "_bm_part"  # the part drawn last in this session
BATCH_GRID_N = 40


# -- the calculations' caches (plain keys in, numpy out) ---------------------------------------
# A window's batches (up to 30 of up to N sample indices) are keyed by their text (`batches_key`):
# Streamlit hashes a nested tuple item by item in Python, a millisecond per call on every run
# of the page (the batch view asks twice), a string at once.
def batches_key(batches: tuple[tuple[int, ...], ...]) -> str:
    return repr(batches)


# Each is one read-only result for every session (`result.read_only`): no copy per caller, and the
# window's figures take their digest once (`view._frozen_digest`).
@st.cache_resource(max_entries=16, show_spinner=False)
def cached_surfaces(surface: str, params: tuple, batches: str, box: tuple, n: int = 40, *, _batches: tuple) -> ViewGrid:
    """The loss of each batch on the n × n grid: z is (F, n, n), one surface per batch
    (`batches` is `batches_key(_batches)`)."""
    problem = compute.build(surface, params)
    sites = grid(box, n)
    z = calc.batch_surfaces(problem, [list(b) for b in _batches], sites).astype(np.float32)
    return ViewGrid(*map(read_only, (sites.xs, sites.ys, z)))


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_minima(surface: str, params: tuple, batches: str, starts: tuple, box: tuple, *, _batches: tuple) -> np.ndarray:
    problem = compute.build(surface, params)
    return read_only(calc.batch_minima(problem, [list(b) for b in _batches], np.asarray(starts, np.float64), box))


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_full_grads(surface: str, params: tuple, points: tuple) -> np.ndarray:
    return read_only(calc.full_grads(compute.build(surface, params), np.asarray(points, np.float64)))


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_batch_grads(surface: str, params: tuple, batches: tuple, points: tuple) -> np.ndarray:
    return read_only(calc.batch_grads(compute.build(surface, params), [list(b) for b in batches],
                                      np.asarray(points, np.float64)))


def window_frames(surface: str, params: tuple, win: calc.BatchWindow, box, n: int) -> tuple[ViewGrid, list[BatchFrame]]:
    """(the batches' surfaces on an n × n grid, one BatchFrame per step of the window): each
    batch's loss, the point, the batch's and the full gradient there, and the batch's minimum."""
    key = batches_key(win.batches)
    surfaces = cached_surfaces(surface, params, key, tuple(box), n, _batches=win.batches)
    points = tuple(map(tuple, win.points.round(12)))
    g_full = cached_full_grads(surface, params, points)
    minima = cached_minima(surface, params, key, points, tuple(box), _batches=win.batches)
    frames = [BatchFrame(step, surfaces.z[j], win.points[j], win.grads[j], g_full[j],
                         None if np.isnan(minima[j]).any() else minima[j]) for j, step in enumerate(win.steps)]
    return surfaces, frames


def forget_shared_controls() -> None:
    state.forget(*SHARED, *[key for key in st.session_state.get(keys.URL_HELD, {}) if key.startswith("s_")])


# -- part 1: batches ------------------------------------------------------------------------------
def epoch_table(sh: Shell, race, n: int, k: int, steps: int) -> None:
    rows = []
    for i, name, _ in race.rows():
        c = calc.epoch_count(race.result, i, n, k, steps)
        rows.append({
            sh.t("col_optimizer"): name, "B": c.batch_size, sh.t("bm_col_per_epoch"): c.per_epoch,
            sh.t("bm_col_epoch_of_k", k=k): sh.t("bm_epoch_value", e=c.epoch, u=c.update, per=c.per_epoch),
            sh.t("bm_col_epochs_done", t=steps): f"{c.epochs_done:.3g}",
        })
    sh.table(rows)


def batch_view(sh: Shell, race, i: int, k: int, box, pk: tuple) -> None:
    """The batch of step k (and the following ones as frames): its own surface, point, directions, minimum."""
    surface = race.surface
    win = calc.batch_window(race.result, i, k)
    b = int(race.result.batch_size[i])
    sb, frames = window_frames(surface, pk, win, box, BATCH_GRID_N)
    full = compute.grid(surface, pk, BATCH_GRID_N, tuple(box))
    axes = view.labels_for(sh, race.spec)
    text = BatchText(
        x=axes.x, y=axes.y, batch_surface=sh.t("bm_leg_batch_surface"),
        full_lines=sh.t("bm_leg_full_lines"), point=sh.t("bm_leg_point"), g_batch=sh.t("bm_leg_g_batch"),
        g_full=sh.t("bm_leg_g_full"), bmin=sh.t("bm_leg_bmin"), anim=Labels(**view.anim_labels(sh)),
        not_to_scale=sh.t("axes_not_to_scale"),
        title=sh.t("bm_batch_surface", name=race.names[i], k="{k}"),  # the chart writes each frame's step
    )
    fig = view.figure(batch_figure, sb.xs, sb.ys, frames, box, text, full_z=full.z, active=win.active, log=bool(race.spec.log_levels),
                      color=race.colors[i], height=sh.size(540, 640), font_size=sh.font, grow=sh.big)
    view.chart(fig, "bm_batch")
    shown = frames[win.active]
    k = shown.step
    sample_list = ", ".join(str(v) for v in sorted(win.batches[win.active])[:12]) + (" …" if b > 12 else "")
    st.caption(sh.t("bm_batch_caption", k=k, b=b, samples=sample_list, gb=float(np.hypot(*shown.g_batch)),
                    gf=float(np.hypot(*shown.g_full))))
    nxt = calc.next_batch(race.result, i, k) if k < race.steps else None
    if shown.bmin is not None and nxt is not None:  # the batch's minimum is critical for this batch only
        g_next = cached_batch_grads(surface, pk, (nxt,), (tuple(shown.bmin),))[0]
        g_all = cached_full_grads(surface, pk, (tuple(shown.bmin),))[0]
        st.info(sh.t("bm_star_note", x=float(shown.bmin[0]), y=float(shown.bmin[1]), gn=float(np.hypot(*g_next)),
                     gf=float(np.hypot(*g_all))), icon="⭐")
    elif shown.bmin is None:
        st.caption(sh.t("bm_no_batch_min"))


def loss_curves(sh: Shell, race, n: int, k: int, sizes: dict, steps: int) -> None:
    st.markdown(f"#### {sh.t('bm_curves_title')}")
    c1, c2 = sh.controls.columns([2, 1])
    by = sh.controls.select("xby", sh.t("bm_x_by"), ["updates", "epochs"], "updates", radio=True, horizontal=True,
                            format_func=lambda v: sh.t(f"bm_x_{v}"), container=c1)
    log_y = sh.controls.toggle("blog", sh.t("log_loss"), bool(race.spec.log_levels), container=c2)
    r = race.result
    curves, marks = [], []
    for i, name, color in race.rows():
        c = calc.loss_curves(r, i, n, k, by_epochs=by == "epochs")
        curves.append(Curve(name, color, c.x, c.loss, group=name))
        curves.append(Curve(f"{name} · {sh.t('bm_batch_loss')}", color, c.x_batch, c.batch_loss,
                            dash="dot", width=1, opacity=0.55, group=name, showlegend=False))
        marks.append((c.mark, color))
    x_range = None
    if by == "updates":
        marks = [(k, REFERENCE)]
    else:
        x_range = (0.0, calc.epoch_axis_end(n, sizes.values(), steps))
    fig = view.figure(curves_xy_figure, curves, CurvesText(x=sh.t(f"bm_axis_{by}"), y=sh.t("bm_axis_loss")), log_y=log_y, markers=marks,
                      y_from=[c for c in curves if c.showlegend], x_range=x_range, height=sh.size(400, 480),
                      font_size=sh.font)
    view.chart(fig, "bm_curves")
    st.caption(sh.t(f"bm_curves_note_{by}", n=n, b=sizes["mini"], t=steps))


def batches_part(sh: Shell) -> None:
    with sh.intro():
        batches_formulas(sh)
    batches_run(sh)


def batches_formulas(sh: Shell) -> None:
    st.markdown(sh.t("bm_batches_intro"))
    c1, c2 = st.columns(2) if not sh.big else (st, st)  # stacked on the projector: the two never run into each other
    c1.latex(r"g_k = \frac{1}{B}\sum_{i \in \mathcal{B}_k} \nabla \ell_i(\theta_{k-1}),\qquad \theta_k = \theta_{k-1} - \eta\, g_k")
    c2.latex(r"\text{" + sh.t("bm_updates_per_epoch") + r"} = \left\lceil \frac{N}{B} \right\rceil,\qquad "
             r"\text{" + sh.t("bm_epoch_of_step") + r"}(k) = \left\lfloor \frac{k-1}{\lceil N/B \rceil} \right\rfloor + 1")


def batches_run(sh: Shell) -> None:
    surface, params = view.surface_controls(sh, "linreg", allowed=DATA_SURFACES)
    pk = compute.params_key(params)
    problem = compute.build(surface, pk)
    if problem.reduction == "sum":
        st.caption(sh.t("bm_batches_formula_note"))
    n = int(problem.n_samples)
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 200, seed=True)
    lr = sh.controls.log_slider("lr", sh.t("bm_lr_shared"), UI_LR_MIN, UI_LR_MAX, default_lr("sgd", surface, SECTION),
                                container=sh.side, context=surface)
    bs = sh.controls.slider("bs", sh.t("bm_mini_bs", n=n), 1, n, calc.default_batch_size(n), integer=True, container=sh.side)

    sizes = calc.batch_sizes(n, bs)
    configs = [RacerConfig("sgd", lr, batch_size=sizes[c], color=B_COLORS[c]) for c in calc.BATCH_KINDS]
    names = [sh.t("bm_name_full", n=n), sh.t("bm_name_mini", b=bs), sh.t("bm_name_one")]
    race = view.run_race(sh, surface, params, configs, start, steps, seed, names=names)
    if race is None:
        return
    view.divergence_notes(sh, race)
    view.step_view(lambda: batches_step(sh, race, names, n, steps, sizes, pk), race)
    view.downloads(sh, race, f"batch-{surface}")


def batches_step(sh: Shell, race, names: list[str], n: int, steps: int, sizes: dict, pk: tuple) -> None:
    """The selected step of the batch race: table, both surfaces, curves (a fragment: the
    slider and ◀ / ▶ rerun only this).  In presentation mode the charts come first."""
    place = sh.chart_slot()
    c1, c2 = st.columns([3, 2])
    with c1:
        # by default the last window of batches, so that ▶ plays forward from the selected step
        k = view.step_picker(sh, sh.t("bm_selected_step"), 1, steps, max(1, steps - calc.MAX_BATCH_FRAMES + 1))
    with c2:
        who = sh.controls.select("who", sh.t("bm_who"), ["mini", "one", "full"], "mini", radio=True, horizontal=True,
                                 format_func=lambda v: sh.t(f"bm_who_{v}"))
    i = calc.BATCH_KINDS.index(who)
    epoch_table(sh, race, n, k, steps)

    in_view, grid, box = widened(race)
    # side by side on a screen; stacked on the projector, where half a column would draw them small
    left, right = (place(), place()) if sh.big else place().columns(2)
    with left:
        if not sh.big:  # on the projector the chart has the first screen; its legend names the batch sizes
            st.markdown(f"**{sh.t('bm_full_surface')}**")
        view.show_surface(sh, in_view, marker=race.result.at(i, race.result.usable(i, k - 1)), grid_override=grid,
                          height=sh.size(540, 640), grow=True)  # stacked on the projector, as tall as the batch view
    with right:
        st.markdown(f"**{sh.t('bm_leg_batch_surface')}**")  # the step is in the chart's title, which follows ▶
        batch_view(sh, race, i, k, box, pk)
    loss_curves(sh, race, n, k, sizes, steps)


# -- part 2: momentum ----------------------------------------------------------------------------
def schedule_controls(sh: Shell, box, steps: int) -> tuple[str, dict]:
    sched = sh.controls.select("m_sch", sh.t("schedule"), list(SCHEDULES), "constant",
                               format_func=lambda s: schedule_label(sh, s), container=box)
    sp = {}
    if SCHEDULES[sched].params:
        with box.expander(sh.t("schedule_params"), expanded=True):
            for p in SCHEDULES[sched].params:
                sp[p.name] = param_control(sh, f"m_sp_{p.name}", p, st, default=max(1, steps) if p.name == "t_max" else None)
    return sched, sp


def momentum_equation(sh: Shell, step: calc.MomentumStep) -> None:
    k, m, mp, g = step.k, step.m, step.m_prev, step.grad
    st.latex(
        rf"\underbrace{{\begin{{bmatrix}}{tex(m[0], 3)}\\{tex(m[1], 3)}\end{{bmatrix}}}}_{{m_{{{k}}}}} = "
        rf"{step.lam:.2f}\underbrace{{\begin{{bmatrix}}{tex(mp[0], 3)}\\{tex(mp[1], 3)}\end{{bmatrix}}}}_{{m_{{{k - 1}}}}} - "
        rf"{tex(step.eta, 3)}\underbrace{{\begin{{bmatrix}}{tex(g[0], 3)}\\{tex(g[1], 3)}\end{{bmatrix}}}}_{{g_{{{k - 1}}}}}"
    )
    st.markdown(sh.t("bm_arrow_legend"))


def weights_view(sh: Shell, race, ids: list[str], ib: int, k: int, lam: float) -> None:
    js, book, torch_ = calc.past_gradient_weights(race.result, ib, k, lam)
    series = [WeightSeries(race.names[ib], M_COLORS["book"], book)]
    if "torch" in ids:
        series.append(WeightSeries(race.names[ids.index("torch")], M_COLORS["torch"], torch_))
    fig = view.figure(weights_figure, js, series, x_title=sh.t("bm_bars_x"), y_title=sh.t("bm_bars_y"), title=sh.t("bm_bars_title", k=k),
                      height=sh.size(300, 360), font_size=sh.size(12, 15))
    view.chart(fig, "bm_weights")
    st.caption(sh.t("bm_bars_note"))


def momentum_part(sh: Shell) -> None:
    with sh.intro():
        st.markdown(sh.t("bm_mom_intro"))
        c1, c2 = st.columns(2) if not sh.big else (st, st)
        c1.latex(r"m_0 = 0,\quad m_{t+1} = \lambda\, m_t - \eta_t\, g_t,\quad \theta_{t+1} = \theta_t + m_{t+1}")
        c2.latex(r"m_{t+1} = -\sum_{j=0}^{t} \lambda^{\,t-j}\, \eta_j\, g_j")
        st.caption(sh.t("bm_mom_formula_note"))

    surface, params = view.surface_controls(sh, "six-hump-camel")
    problem = compute.build(surface, compute.params_key(params))
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 300, seed=problem.n_samples is not None)
    box = sh.side
    lr = sh.controls.log_slider("m_lr", sh.t("bm_lr_shared"), UI_LR_MIN, UI_LR_MAX, default_lr("sgd", surface), container=box,
                                context=surface)
    lo, hi, by = calc.LAMBDA_RANGE
    lam = sh.controls.slider("lam", sh.t("bm_lambda"), lo, hi, 0.9, step=by, container=box)
    gd_on = sh.controls.toggle("m_gd", sh.t("bm_show_gd"), True, container=box)
    pt_on = sh.controls.toggle("m_pt", sh.t("bm_show_torch"), False, container=box, help=sh.t("bm_show_torch_help"))
    sched, sp = schedule_controls(sh, box, steps)

    lineup = {"gd": RacerConfig("sgd", lr, {}, sched, sp, color=M_COLORS["gd"]),
              "book": RacerConfig("momentum-book", lr, {"lambda": lam}, sched, sp, color=M_COLORS["book"]),
              "torch": RacerConfig("momentum", lr, {"momentum": lam}, sched, sp, color=M_COLORS["torch"])}
    ids = [x for x, on in (("gd", gd_on), ("book", True), ("torch", pt_on)) if on]
    race = view.run_race(sh, surface, params, [lineup[x] for x in ids], start, steps, seed, names=[sh.t(f"bm_m_{x}") for x in ids])
    if race is None:
        return
    view.divergence_notes(sh, race)
    ib = ids.index("book")
    live_lambda(sh, surface, compute.params_key(params), lineup["book"], start, steps, seed, lam)

    view.step_view(lambda: momentum_step(sh, race, ids, ib, steps, lam, problem), race)
    with st.expander(sh.t("bm_book_vs_torch_title"), expanded=pt_on):
        st.markdown(sh.t("bm_book_vs_torch"))
        st.latex(r"\text{" + sh.t("bm_book") + r"}:\ \theta_{t+1} = \theta_t - \sum_{j \le t} \lambda^{t-j}\,\eta_j\, g_j"
                 r"\qquad \text{PyTorch}:\ \theta_{t+1} = \theta_t - \eta_t \sum_{j \le t} \mu^{t-j}\, g_j")
    sh.table(view.final_rows(sh, race))


def live_lambda(sh: Shell, surface: str, pk: tuple, book: RacerConfig, start, steps: int, seed: int, lam: float) -> None:
    """Momentum's λ, live: drag it and the book momentum's path rolls further or stops short at
    once (every position an exact engine run, one batched call); on release one rerun."""
    if not sh.controls.drawn:  # a student following the teacher, who holds the setting
        return
    live.live_slider("lam", lambda_data(sh.lang, sh.big, surface, pk, book, tuple(start), steps, seed), lam)


@live.shared
def lambda_data(lang: str, big: bool, surface: str, pk: tuple, book: RacerConfig, start: tuple, steps: int, seed: int) -> dict:
    """The live λ's data (every session showing this setting shares it)."""
    lams = calc.LAMBDA_POSITIONS
    fam = live.family_view(surface, pk, live.racer_key(book), "lambda", tuple(lams.tolist()), start, steps, seed,
                           book.color)
    readouts = []
    for i, _ in enumerate(lams):
        d = int(fam.diverged_at[i])
        x, y = fam.final_theta[i]
        readouts.append(t("diverged_at", lang, name=t("bm_m_book", lang), k=d) if d >= 0 else
                        t("bm_live_readout", lang, x=num(float(x)), y=num(float(y)), loss=num(float(fam.final_loss[i]))))
    return live.payload("lam", t("bm_live_label", lang), lams, [f"{v:.2f}" for v in lams], readouts,
                        [d >= 0 for d in fam.diverged_at], {"main": fam.paths}, marks=[(0.5, "0.5"), (0.9, "0.9")],
                        font=20 if big else 15)


def momentum_step(sh: Shell, race, ids: list[str], ib: int, steps: int, lam: float, problem) -> None:
    """The selected step of the momentum race: arrows, equation, weights, curves (a fragment:
    the slider and ◀ / ▶ rerun only this)."""
    k = view.step_picker(sh, sh.t("bm_selected_step"), 1, steps, min(steps, 10))
    ok = race.result.alive(ib, k)
    step = calc.momentum_step(race.result, ib, k, lam) if ok else None
    arrows, scale = [], None
    if step is not None:
        parts, scale = calc.momentum_arrows(step, compute.box_of(problem))
        arrows = [{"from": frm, "to": to, "color": ARROW[key], "text": sh.t(f"bm_arrow_{key}")} for key, frm, to in parts]

    in_view, grid, _ = widened(race)
    left, right = st.columns([3, 2])
    with left:
        view.show_surface(sh, in_view, arrows=arrows, marker=race.result.at(ib, k - 1) if ok else None, grid_override=grid)
        if scale is not None:
            st.caption(sh.t("bm_arrow_scale", s=scale))
    with right:
        st.markdown(f"**{sh.t('bm_at_step', k=k)}**")
        if step is not None:
            momentum_equation(sh, step)
        else:
            st.caption(sh.t("diverged_at", name=race.names[ib], k=race.diverged(ib)))
        weights_view(sh, race, ids, ib, k, lam)

    view.show_curves(sh, race, selected=k, panels=("loss", "grad", "lr"))


def render(sh: Shell) -> None:
    sh.preamble(columns=3)
    part = sh.controls.select("part", sh.t("bm_part"), ["batches", "momentum"], "batches", radio=True, horizontal=True,
                              format_func=lambda v: sh.t(f"bm_part_{v}"),
                              container=sh.side if sh.big else st)  # the projector: the chart gains the row
    ss = st.session_state
    if ss.get(PART_SEEN) not in (None, part):
        forget_shared_controls()
    ss[PART_SEEN] = part
    if part == "batches":
        batches_part(sh)
    else:
        momentum_part(sh)
