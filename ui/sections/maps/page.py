"""Maps — basins of attraction and hyper-parameter sweeps: thousands of runs, one batched call."""

from __future__ import annotations

import dataclasses
import html
import json
import math

import numpy as np
import streamlit as st

from optim_lab.jobs import POOL
from optim_lab.maps import basins as B
from optim_lab.maps import fractal as F
from optim_lab.maps import sweep as S
from optim_lab.maps import tasks as T
from optim_lab.maps.refusal import Refusal
from optim_lab.optimizers import LR_MAX, LR_MIN
from ui.common import compute, jobs, live, view
from ui.common.figures.contour import PATH_FAINT, PATH_HEAD, PATH_TRAIL
from ui.common.racers import RacerConfig, default_lr, racer_editor
from ui.sections.maps import calc
from ui.sections.maps.figures import MapAxis, MapSpec, Overlay, map_figure
from ui.shell import Shell

KINDS = ("basins", "sweep", "fractal")
DEFAULT_SURFACE = "six-hump-camel"
BASIN_STEPS, SWEEP_STEPS = 200, 100
PATH_COLORS = ("#FFFFFF", "#FF4B4B")
CELL_X, CELL_Y = "cx", "cy"  # the basin map's selected start
HX, HY = "hx", "hy"  # the sweep map's selected cell (axis values)
FRACTAL_KEYS = ("zi0", "zi1", "zo0", "zo1")


# -- the maps: small ones in the script run (cached), large ones on the worker pool ---------------
@st.cache_data(max_entries=12, show_spinner=False)
def _small_map(kind: str, args_json: str):
    return T.run_inline(kind, json.loads(args_json))


def map_key(kind: str, args: dict) -> str:
    return f"maps:{kind}:" + json.dumps(args, sort_keys=True)


def map_of(sh: Shell, kind: str, args: dict):
    """The map of this setting (plain-data `args`, see `optim_lab.maps.tasks`): a small map from the
    script run (cached), a large one from the worker pool — at once when anybody computed it before,
    else None while a fragment shows its progress (the page goes on drawing everything else)."""
    canon = json.dumps(args, sort_keys=True)
    if T.inline(kind, args):
        return _small_map(kind, canon)
    key = map_key(kind, args)
    if jobs.stopped(key):
        st.button(sh.t("job_restart"), key="map_restart", on_click=jobs.resume, args=([key],))
        return None
    out = jobs.show(sh, key, T.TASKS[kind], json.loads(canon))
    if out is None and POOL.peek(key).state in ("queued", "running"):
        st.button(sh.t("job_stop"), key="map_stop", on_click=jobs.stop, args=([key],))
        st.caption(sh.t("job_note"))
    return out


def refusal_text(sh: Shell, exc: ValueError, names: dict | None = None) -> str:
    """A refused request in the page's language (`Refusal.reason`); any other error as it is."""
    if isinstance(exc, Refusal):
        values = dict(exc.values)
        if "name" in values and names and values["name"] in names:
            values["name"] = names[values["name"]]
        return sh.t(f"mp_refused_{exc.reason}", **values)
    return sh.t("mp_failed", error=str(exc))


def racer_dicts(configs: list[RacerConfig]) -> list[dict]:
    return [dataclasses.asdict(c.racer()) for c in configs]


# -- click and box callbacks ---------------------------------------------------------------------
def _points(chart_key: str) -> list:
    return ((st.session_state.get(chart_key) or {}).get("selection") or {}).get("points") or []


def pick_cell(chart_key: str, kx: str, ky: str, xs: np.ndarray, ys: np.ndarray, log_x: bool = False, log_y: bool = False):
    """A map's on_select callback: the clicked cell's centre becomes the selected cell."""
    pts = _points(chart_key)
    if not pts:
        return
    i, j = calc.nearest_cell(calc.display(xs, log_x), calc.display(ys, log_y), float(pts[0]["x"]), float(pts[0]["y"]))
    st.session_state[kx], st.session_state[ky] = float(xs[j]), float(ys[i])


def zoom_to_box(chart_key: str) -> None:
    """The fractal map's on_select callback: a dragged box becomes the new range (log10 η)."""
    sel = (st.session_state.get(chart_key) or {}).get("selection") or {}
    boxes = sel.get("box") or []
    if not boxes:
        return
    bx, by = boxes[0].get("x") or [], boxes[0].get("y") or []
    if len(bx) < 2 or len(by) < 2:
        return
    lo, hi = math.log10(LR_MIN), math.log10(LR_MAX)
    x0, x1 = sorted(float(v) for v in bx[:2])
    y0, y1 = sorted(float(v) for v in by[:2])
    if x1 - x0 < 1e-6 or y1 - y0 < 1e-6:
        return
    ss = st.session_state
    ss["zi0"], ss["zi1"] = max(lo, x0), min(hi, x1)
    ss["zo0"], ss["zo1"] = max(lo, y0), min(hi, y1)


def reset_zoom() -> None:
    for k, v in zip(FRACTAL_KEYS, F.DEFAULT_BOX, strict=True):
        st.session_state[k] = float(v)


# -- basin maps ----------------------------------------------------------------------------------
def basin_legend(sh: Shell, minima: list[B.Minimum]) -> list[tuple[str, str]]:
    out = [(sh.t("mp_legend_minimum", i=i, where=sh.t("mp_global") if m.is_global else sh.t("mp_local")),
            calc.BASIN_COLORS[i % len(calc.BASIN_COLORS)]) for i, m in enumerate(minima)]
    return out + [(sh.t("mp_legend_diverged"), calc.DIVERGED_COLOR), (sh.t("mp_legend_not_converged"), calc.NOT_CONVERGED_COLOR)]


def swatches(items: list[tuple[str, str]], lines: list[tuple[str, str]] = ()) -> None:
    """One row of colour swatches (and line samples) under the maps: the legend, in the page's language."""
    chips = [f"<span style='display:inline-block;width:0.9em;height:0.9em;background:{c};border:1px solid #666666;"
             f"vertical-align:middle;margin-right:0.3em'></span>{html.escape(t)}" for t, c in items]
    chips += [f"<span style='display:inline-block;width:1.6em;height:0.35em;background:{c};border:1px solid #666666;"
              f"vertical-align:middle;margin-right:0.3em'></span>{html.escape(t)}" for t, c in lines]
    st.markdown("&emsp;".join(chips), unsafe_allow_html=True)


def minima_overlays(minima: list[B.Minimum]) -> list[Overlay]:
    out = []
    for glob, symbol in ((True, "star"), (False, "circle")):
        ms = [(i, m) for i, m in enumerate(minima) if m.is_global == glob]
        if ms:
            out.append(Overlay("min", np.array([m.x for _, m in ms]), np.array([m.y for _, m in ms]), "#FFFFFF",
                               mode="markers+text", symbol=symbol, size=14 if glob else 10, text=[f"#{i}" for i, _ in ms],
                               legend=False))
    return out


def fate(sh: Shell, bmap: B.BasinMap, r: int, i: int, j: int) -> str:
    b, k = int(bmap.basin[r, i, j]), int(bmap.steps_needed[r, i, j])
    if b == B.DIVERGED:
        return sh.t("mp_fate_div", k=k)
    if b == B.NOT_CONVERGED:
        return sh.t("mp_fate_nc", k=bmap.steps)
    return sh.t("mp_fate_min", i=b, k=k)


def fit_height(sh: Shell, ratio: float, columns: int, top: int) -> int:
    """The height of a map drawn to scale (height/width `ratio`) in one of `columns` side by side:
    its plot as tall as the column's plot width allows on the narrowest screen we design for (a
    1280 px projector or laptop), so no band of empty figure is left under it (a fixed height left
    ~300 px under the camel's 2 : 1 maps); `top` is the space over the plot (title)."""
    main = sh.size(900, 845)  # Streamlit's main column at 1280 px: normal, presentation mode
    plot_w = (main - 16 * (columns - 1)) / columns - 80  # minus the axis margins
    plot_h = min(max(plot_w * ratio, 200.0), sh.size(520, 600))
    return int(round(plot_h + top + 60))


def basins_view(sh: Shell, surface: str, params: dict, problem) -> None:
    box = sh.side
    data_n = problem.n_samples
    grid = sh.controls.slider("grid", sh.t("mp_grid"), 8, B.MAX_GRID, 64, integer=True, container=box)
    steps, seed = view.steps_controls(sh, BASIN_STEPS, seed=data_n is not None)
    two = sh.controls.toggle("two", sh.t("mp_compare"), True, container=box)
    defaults = ("sgd", "momentum")
    configs = []
    for i in range(1, 3 if two else 2):
        with box.expander(f"{i} · {sh.t('racer')}", expanded=i == 1) as racer_box:
            configs.append(racer_editor(sh, i, surface, default_opt=defaults[i - 1], container=racer_box, data_n=data_n, steps=steps))
    x0, x1, y0, y1 = compute.box_of(problem)
    with box.expander(sh.t("mp_cell"), expanded=False):
        ax = [view.pretty_axis(a) for a in problem.spec.axes]
        cx = sh.controls.number(CELL_X, sh.t("mp_cell_x", axis=ax[0]), x0, x1, float(problem.start[0]), fmt="%.4g")
        cy = sh.controls.number(CELL_Y, sh.t("mp_cell_y", axis=ax[1]), y0, y1, float(problem.start[1]), fmt="%.4g")
    try:
        B.check_size(grid, grid, steps, len(configs))
    except Refusal as exc:
        st.error(refusal_text(sh, exc))
        return
    args = {"surface": surface, "params": dict(params), "racers": racer_dicts(configs), "grid": grid, "steps": steps,
            "seed": seed}
    try:
        bmap = map_of(sh, "basins", args)
    except ValueError as exc:
        st.error(refusal_text(sh, exc))
        return
    if bmap is None:
        return
    if not bmap.minima:
        st.info(sh.t("mp_minima_none"))
    names = [view.racer_name(sh, c) for c in configs]
    cols = st.columns(len(configs))

    def share(col, r: int) -> None:
        col.metric(f"{names[r]} · {sh.t('mp_share_label')}", f"{bmap.global_share[r]:.1%}")

    if not sh.big:  # on the projector the maps come first, each share under its map
        for r, col in enumerate(cols):
            share(col, r)
    race = view.run_race(sh, surface, params, configs, (cx, cy), steps, seed, names=names)
    i, j = calc.nearest_cell(bmap.xs, bmap.ys, cx, cy)
    paths = []
    if race is not None:
        for r in range(len(configs)):
            d = race.diverged(r)
            xy = race.result.theta[: d if d else None, r]
            paths.append(Overlay(f"{names[r]} · {sh.t('mp_trajectory')}", xy[:, 0], xy[:, 1], PATH_COLORS[r % 2], width=3,
                                 legend=False))
    labels = view.labels_for(sh, problem.spec)
    legend = basin_legend(sh, bmap.minima)
    height = fit_height(sh, (y1 - y0) / (x1 - x0), len(configs), top=60)
    for r, (col, name) in enumerate(zip(cols, names, strict=True)):
        spec = MapSpec(calc.basin_rgb(bmap.basin[r], bmap.steps_needed[r], bmap.steps), MapAxis(labels.x, bmap.xs),
                       MapAxis(labels.y, bmap.ys),
                       overlays=minima_overlays(bmap.minima) + paths + [Overlay("start", np.array([cx]), np.array([cy]),
                                                                                "#FFFFFF", mode="markers", symbol="x", size=12, legend=False)],
                       pick_hint=sh.t("mp_click"), title=name)
        key = f"basin{r}"
        with col:
            view.chart(view.figure(map_figure, spec, height=height, font_size=sh.font), key,
                       on_select=lambda k=key: pick_cell(k, CELL_X, CELL_Y, bmap.xs, bmap.ys), selection_mode="points")
            if sh.big:
                share(st, r)
            st.caption(sh.t("mp_cell_result", name=name, fate=fate(sh, bmap, r, i, j)))
    swatches(legend, [(p.name, p.color) for p in paths])
    st.caption(sh.t("mp_lightness") + " " + sh.t("mp_cell_hint"))
    st.page_link("pages/playground.py", label=sh.t("mp_open_playground"), icon="🏁",
                 query_params=sh.query | calc.playground_query(surface, params, configs, (cx, cy), steps, seed))


# -- sweeps --------------------------------------------------------------------------------------
def axis_controls(sh: Shell, which: str, params: dict, default: str, cfg: RacerConfig, surface: str, steps: int,
                  n: int) -> S.Axis:
    box = sh.side
    names = list(params)
    name = sh.controls.select(f"s{which}", sh.t(f"mp_{which}_axis"), names, default if default in names else names[0],
                              format_func=lambda k: params[k].label(sh.lang), container=box)
    p = params[name]
    if name == "lr":
        lr0 = default_lr(cfg.optimizer, surface)
        lo_d, hi_d = max(LR_MIN, lr0 / 30), min(LR_MAX, lr0 * 30)
    else:
        lo_d, hi_d = float(p.lo), float(min(p.hi, steps)) if p.integer else float(p.hi)
    c1, c2 = box.columns(2)
    lo = sh.controls.number(f"s{which}_lo_{name}", sh.t("mp_from"), p.lo, p.hi, lo_d, container=c1, fmt="%.4g")
    hi = sh.controls.number(f"s{which}_hi_{name}", sh.t("mp_to"), p.lo, p.hi, hi_d, container=c2, fmt="%.4g")
    log = sh.controls.toggle(f"s{which}_log_{name}", sh.t("mp_log_axis"), bool(p.log), container=box)
    return S.Axis(name, float(lo), float(hi), n, log)


def sweep_view(sh: Shell, surface: str, params: dict, problem) -> None:
    box = sh.side
    data_n = problem.n_samples
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, SWEEP_STEPS, seed=data_n is not None)
    n = sh.controls.slider("sgrid", sh.t("mp_grid"), 8, S.MAX_GRID, 64, integer=True, container=box)
    with box.expander(f"1 · {sh.t('racer')}", expanded=True) as racer_box:
        cfg = racer_editor(sh, 1, surface, default_opt="momentum", container=racer_box, data_n=data_n, steps=steps)
    avail = S.axis_params(cfg.racer(), data_n)
    x = axis_controls(sh, "x", avail, "lr", cfg, surface, steps, n)
    y_default = next((k for k in avail if k not in ("lr", x.name)), "lr")
    y = axis_controls(sh, "y", avail, "momentum" if "momentum" in avail and x.name != "momentum" else y_default, cfg, surface,
                      steps, n)
    metric = sh.controls.select("metric", sh.t("mp_metric"), ["loss", "steps"], "loss", container=box,
                                format_func=lambda m: sh.t(f"mp_metric_{m}"))
    names = {k: p.label(sh.lang) for k, p in avail.items()}
    try:
        xs, ys = S.check_request(cfg.racer(), x, y, steps, data_n)
    except Refusal as exc:
        st.error(refusal_text(sh, exc, names))
        return
    xs_d, ys_d = calc.display(xs, x.log), calc.display(ys, y.log)
    with box.expander(sh.t("mp_cell"), expanded=False):
        hx = sh.controls.number(HX, names[x.name], avail[x.name].lo, avail[x.name].hi, float(xs[len(xs) // 3]), fmt="%.4g",
                                context=(x.name,))
        hy = sh.controls.number(HY, names[y.name], avail[y.name].lo, avail[y.name].hi, float(ys[len(ys) // 3]), fmt="%.4g",
                                context=(y.name,))
    i, j = calc.nearest_cell(xs, ys, hx, hy)
    args = {"surface": surface, "params": dict(params), "racer": racer_dicts([cfg])[0], "x": dataclasses.asdict(x),
            "y": dataclasses.asdict(y), "start": list(start), "steps": steps, "seed": seed}
    try:
        smap = map_of(sh, "sweep", args)
    except ValueError as exc:
        st.error(refusal_text(sh, exc, names))
        smap = None
    if smap is not None:
        overlays = []
        if smap.boundary:
            line = np.array(smap.boundary)
            overlays.append(Overlay(sh.t("mp_boundary"), calc.display(line[:, 0], x.log), calc.display(line[:, 1], y.log),
                                    "#FFFFFF", width=3, dash="dash"))
        overlays.append(Overlay("cell", np.array([xs_d[j]]), np.array([ys_d[i]]), "#FFFFFF", mode="markers", symbol="x",
                                size=14, legend=False))
        lo, hi = calc.sweep_values(smap.ratio, smap.steps_to_99, smap.diverged_at, metric, smap.steps)[1]
        legend = [(sh.t("mp_sweep_legend_div"), calc.SWEEP_DIVERGED_COLOR)]
        if metric == "steps":
            legend.append((sh.t("mp_sweep_legend_never"), calc.NEVER_COLOR))
        spec = MapSpec(calc.sweep_rgb(smap.ratio, smap.steps_to_99, smap.diverged_at, metric, smap.steps),
                       MapAxis(names[x.name], xs_d, x.log), MapAxis(names[y.name], ys_d, y.log),
                       legend=legend, overlays=overlays, pick_hint=sh.t("mp_click"),
                       colorbar={"title": sh.t(f"mp_cb_{metric}"), "colors": calc.VIRIDIS, "lo": lo, "hi": hi, "log": True})
        # the whole width: two hyper-parameters fill the plot (their units differ), the colour bar at its right
        view.chart(view.figure(map_figure, spec, height=sh.size(540, 520), font_size=sh.font, equal_units=False), "sweep",
                   on_select=lambda: pick_cell("sweep", HX, HY, xs, ys, x.log, y.log), selection_mode="points")
        stable = float(((smap.ratio < 1) & (smap.diverged_at < 0)).mean())
        note = sh.t("mp_sweep_stats", conv=f"{stable:.1%}", div=f"{(smap.diverged_at >= 0).mean():.1%}",
                    floor=f"{smap.floor:.4g}", start=f"{smap.start_loss:.4g}")
        if smap.boundary:
            h = S.constant_hessian(problem)
            note += " " + sh.t("mp_boundary_note", lam=f"{float(np.linalg.eigvalsh(h).max()):.4g}")
        st.caption(note)
    cell_view(sh, surface, params, cfg, {x.name: float(xs[j]), y.name: float(ys[i])}, names, start, steps, seed,
              hover=None if smap is None else (smap, xs_d, ys_d))


def hover_data(sh: Shell, smap: S.SweepMap, xs_d: np.ndarray, ys_d: np.ndarray, names: dict, color: str) -> dict | None:
    """The sweep's hover paths for the browser: hovering the map draws that cell's path (exact engine
    rows, thinned, `S.hover_paths`) into the trajectory chart "cell_view" — its faint path, trail and
    head in the racer's `color` — without a rerun.  None when the map kept no paths."""
    if smap.hover is None:
        return None
    rows, cols = smap.hover_rows, smap.hover_cols
    n = max(len(smap.xs), len(smap.ys))
    idle = sh.t("mp_hover_idle_snap", n=S.HOVER_MAX) if n > S.HOVER_MAX else sh.t("mp_hover_idle")
    traces = [{"match": {"meta": PATH_FAINT, "line.color": color}, "kind": "line"},
              {"match": {"meta": PATH_TRAIL, "line.color": color}, "kind": "line"},
              {"match": {"meta": PATH_HEAD, "marker.color": color}, "kind": "head"}]
    return live.hover_payload("sweep", "cell_view", traces, xs_d[cols], ys_d[rows], smap.hover, idle,
                              sh.t("mp_hover_shown", cell="{cell}"), (names[smap.x.name], names[smap.y.name]),
                              (smap.xs[cols], smap.ys[rows]), font=sh.size(14, 18))


def cell_view(sh: Shell, surface: str, params: dict, cfg: RacerConfig, values: dict, names: dict, start, steps: int,
              seed: int, hover: tuple | None = None) -> None:
    """The selected sweep cell as a race of its own: its path on the surface and its curves, side by
    side on a wide screen, one under the other on the projector (each big enough to read).  `hover`:
    (the map, its display coordinates): hovering a cell of the map shows its path here at once."""
    cell_cfg = calc.cell_racer(cfg, values)
    settings = ", ".join(f"{names[k]} = {v:.4g}" for k, v in values.items())
    st.subheader(sh.t("mp_cell_settings", settings=settings))
    race = view.run_race(sh, surface, params, [cell_cfg], start, steps, seed)
    if race is not None:
        view.divergence_notes(sh, race)
        left, right = (st.container(), st.container()) if sh.big else st.columns(2)
        with left:
            data = hover_data(sh, *hover, names, race.rows()[0][2]) if hover is not None else None
            if data is not None:
                live.hover_source("sweep_hover", data)
            view.show_surface(sh, race, key="cell_view")
        with right:
            view.show_curves(sh, race, panels=("loss", "grad"))
    st.page_link("pages/playground.py", label=sh.t("mp_open_playground_cell"), icon="🏁",
                 query_params=sh.query | calc.playground_query(surface, params, [cell_cfg], start, steps, seed))


# -- the trainability boundary -------------------------------------------------------------------
def fractal_view(sh: Shell) -> None:
    box = sh.side
    lo, hi = math.log10(LR_MIN), math.log10(LR_MAX)
    c1, c2 = box.columns(2)
    rng = [sh.controls.number(k, sh.t("mp_range_in" if k.startswith("zi") else "mp_range_out") + f" ({sh.t('mp_from') if k.endswith('0') else sh.t('mp_to')})",
                              lo, hi, float(d), container=c1 if k.endswith("0") else c2, fmt="%.6g")
           for k, d in zip(FRACTAL_KEYS, F.DEFAULT_BOX, strict=True)]
    box.button(sh.t("mp_reset_zoom"), key="zreset", on_click=reset_zoom)
    grid = sh.controls.slider("fgrid", sh.t("mp_grid"), 16, B.MAX_GRID, 128, integer=True, container=box)
    steps = sh.controls.slider("fsteps", sh.t("mp_fractal_steps"), 20, F.MAX_FRACTAL_STEPS, 100, integer=True, container=box)
    seed = sh.controls.number("fseed", sh.t("mp_fseed"), 0, 99999, 0, integer=True, container=box)
    net = F.Net.make(seed)
    intro = sh.t("mp_fractal_intro", h=net.width, n=net.X.shape[1])
    if not sh.big:  # on the projector the map has the first screen, its explanation comes under it
        st.markdown(intro)
    try:
        F.check(tuple(rng), grid, steps)
        fmap = map_of(sh, "fractal", {"box": list(rng), "grid": grid, "steps": steps, "seed": seed})
    except ValueError as exc:
        st.error(refusal_text(sh, exc))
        fmap = None
    if fmap is not None:
        spec = MapSpec(calc.fractal_rgb(fmap.converged, fmap.intensity), MapAxis(sh.t("mp_eta_in"), fmap.log_in, True),
                       MapAxis(sh.t("mp_eta_out"), fmap.log_out, True),
                       legend=[(sh.t("mp_legend_converged"), calc.CONVERGED_FAMILY[1]),
                               (sh.t("mp_legend_fdiverged"), calc.DIVERGED_FAMILY[1])],
                       pick_hint=sh.t("mp_zoom_hint"))
        view.chart(view.figure(map_figure, spec, height=sh.size(600, 560), font_size=sh.font, box_select=True, equal_units=False),
                   "fractal", on_select=lambda: zoom_to_box("fractal"), selection_mode=("box",))
        c1, c2 = st.columns(2)
        c1.metric(sh.t("mp_converged_share"), f"{fmap.converged_share:.1%}")
        c2.caption(sh.t("mp_zoom_span", dx=rng[1] - rng[0], dy=rng[3] - rng[2]) + " · " + sh.t("mp_zoom_hint"))
    if sh.big:
        st.markdown(intro)


def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        st.markdown(sh.t("mp_intro"))
    sh.preset_bar(columns=3)
    kind = sh.controls.select("map", sh.t("mp_kind"), list(KINDS), "basins", radio=True, horizontal=True,
                              label_visibility="collapsed" if sh.big else "visible",  # the projector: the options say it
                              format_func=lambda k: sh.t(f"mp_kind_{k}"))
    if kind == "fractal":
        fractal_view(sh)
    else:
        surface, params = view.surface_controls(sh, DEFAULT_SURFACE, custom=True)
        problem = compute.build(surface, compute.params_key(params))
        (basins_view if kind == "basins" else sweep_view)(sh, surface, params, problem)
    with st.expander(sh.t("mp_how")):
        st.markdown(sh.t("mp_how_text"))
