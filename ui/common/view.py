"""The shared surface view every page builds on: pick a surface and a start, race,
watch it on the contour (click to move the start), read the curves, inspect a point."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle

import numpy as np
import streamlit as st

from optim_lab import jobs
from optim_lab.analysis import Inspection
from optim_lab.engine import MAX_STEPS
from optim_lab.optimizers import CUSTOM, OPTIMIZERS
from surfaces import SURFACES, get_surface
from ui.classroom import room
from ui.common import compute, export, keys, server_costs
from ui.common.figures import Grid, Labels, Path, ReadyFigure, Series, contour_figure, curves_figure, surface3d_figure
from ui.common.figures.lean import layout_size
from ui.common.figures.theme import look, style
from ui.common.markdown import escape
from ui.common.numbers import num, tex
from ui.common.racers import RacerConfig
from ui.common.result import Race
from ui.common.state import shown
from ui.shell import Shell
from ui.text import t

UI_MAX_STEPS = min(MAX_STEPS, 2000)


def anim_labels(sh: Shell) -> dict:
    """The animation's buttons and step label in the page's language (fields of `Labels`)."""
    return dict(step=sh.t("step"), step_of=sh.t("anim_step_of"), play=sh.t("anim_play"), pause=sh.t("anim_pause"),
                resume=sh.t("anim_resume"))


def labels_for(sh: Shell, spec) -> Labels:
    return Labels(
        x=pretty_axis(spec.axes[0]), y=pretty_axis(spec.axes[1]), loss="L", start=sh.t("start"), pick=sh.t("click_to_start"),
        diverged=sh.t("diverged_at_short"), **anim_labels(sh),
        kinds={k: sh.t(f"kind_{k}") for k in ("minimum", "maximum", "saddle", "degenerate")}, taylor=sh.t("taylor_model"),
        not_to_scale=sh.t("axes_not_to_scale"), zero_floor=sh.t("zero_floor"),
    )


def named_for(sh: Shell, labels: Labels, points: list[dict]) -> Labels:
    """`labels` for these critical points: a lone minimum (a convex bowl's) is "the minimum",
    not a "local minimum"."""
    if len(points) == 1 and points[0]["kind"] == "minimum":
        return dataclasses.replace(labels, kinds={**labels.kinds, "minimum": sh.t("kind_minimum_only")})
    return labels


def pretty_axis(axis: str) -> str:
    """"w_1" → "w₁"."""
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    name, _, idx = axis.partition("_")
    return name + idx.translate(sub)


# -- controls -------------------------------------------------------------------------------
# two minima of different depth and a saddle between them, all well inside the default box
DEFAULT_FORMULA = "(x^2 - 2)^2/4 + (y - x/2)^2 + sin(2*y)/2"


def formula_refusal(exc, lang: str) -> str:
    """Why a formula was refused, in `lang`, safe to show as Markdown (the parts quoted from
    the formula are escaped: `__import__` stays `__import__`)."""
    return t("fx_" + exc.code, lang, **{k: escape(v) for k, v in exc.params.items()})


def _formula_check(lang: str):
    """URL validation of a formula: the refusal travels as its translated message."""
    from surfaces.formula import FormulaError, formula

    def validate(text: str) -> None:
        try:
            formula(text)
        except FormulaError as exc:
            raise ValueError(t("fx_" + exc.code, lang, **exc.params)) from None  # the link notice escapes it

    return validate


def formula_controls(sh: Shell, box) -> dict:
    """The formula box "L(x, y) = …" and its view box; a refused formula is explained in
    the page, and the last accepted one keeps the page running."""
    from surfaces.formula import FormulaError, custom_surface

    ss = st.session_state
    text = sh.controls.text("formula", sh.t("formula_label"), DEFAULT_FORMULA, _formula_check(sh.lang), container=box,
                            help=sh.t("formula_help"), max_chars=300)
    c1, c2 = box.columns(2)
    lims = {
        "x_min": sh.controls.number("fx0", sh.t("fx_box_lo", axis="x"), -1e4, 1e4, -3.0, container=c1),
        "x_max": sh.controls.number("fx1", sh.t("fx_box_hi", axis="x"), -1e4, 1e4, 3.0, container=c2),
        "y_min": sh.controls.number("fy0", sh.t("fx_box_lo", axis="y"), -1e4, 1e4, -3.0, container=c1),
        "y_max": sh.controls.number("fy1", sh.t("fx_box_hi", axis="y"), -1e4, 1e4, 3.0, container=c2),
    }
    try:
        custom_surface(text, box=tuple(lims.values()))
        ss[keys.FORMULA_OK] = {"formula": text, **lims}
    except FormulaError as exc:
        box.error(sh.t("formula_refused", why=formula_refusal(exc, sh.lang)))
    return dict(ss.get(keys.FORMULA_OK) or {"formula": DEFAULT_FORMULA, "x_min": -3.0, "x_max": 3.0, "y_min": -3.0, "y_max": 3.0})


def surface_controls(sh: Shell, default: str, allowed: list[str] | None = None, container=None,
                     custom: bool = False) -> tuple[str, dict]:
    """Surface picker and its parameters; returns (name, params).  With `custom`, the
    learner may type a formula instead (validated, never evaluated as Python)."""
    box = container or sh.side
    names = list(allowed or SURFACES) + ([compute.FORMULA_SURFACE] if custom else [])

    def label(n):
        return sh.t("custom_surface") if n == compute.FORMULA_SURFACE else SURFACES[n].label(sh.lang)

    name = sh.controls.select(keys.SURFACE, sh.t("surface"), names, default, format_func=label, container=box)
    if name == compute.FORMULA_SURFACE:
        return name, formula_controls(sh, box)
    spec = get_surface(name)
    params: dict = {}
    if spec.params:
        with box.expander(sh.t("surface_params"), expanded=False):
            for p in spec.params:
                key = f"s_{p.name}"
                label = p.label(sh.lang)
                if p.log:
                    params[p.name] = sh.controls.log_slider(key, label, p.lo, p.hi, p.default)
                else:
                    params[p.name] = sh.controls.slider(key, label, p.lo, p.hi, p.default, integer=p.integer,
                                                        step=1 if p.integer else (p.hi - p.lo) / 200)
    return name, params


def start_controls(sh: Shell, problem, container=None, default: tuple[float, float] | None = None) -> tuple[float, float]:
    """The start boxes; `default` replaces the surface's own start (a page's point needs it)."""
    box = container or sh.side
    x0, x1, y0, y1 = compute.box_of(problem)
    sx, sy = default or problem.start
    spec = problem.spec
    here = (spec.name, (x0, x1, y0, y1))  # a new surface (or a formula's new box) brings its own start
    c1, c2 = box.columns(2)
    x = sh.controls.number(keys.START_X, sh.t("start_coord", axis=pretty_axis(spec.axes[0])), x0, x1, float(sx),
                           step=(x1 - x0) / 100, container=c1, fmt="%.4g", context=here)
    y = sh.controls.number(keys.START_Y, sh.t("start_coord", axis=pretty_axis(spec.axes[1])), y0, y1, float(sy),
                           step=(y1 - y0) / 100, container=c2, fmt="%.4g", context=here)
    box.caption(sh.t("click_hint"))
    return float(x), float(y)


def steps_controls(sh: Shell, default_steps: int, container=None, seed: bool = True) -> tuple[int, int]:
    box = container or sh.side
    steps = sh.controls.slider(keys.STEPS, sh.t("steps"), 1, UI_MAX_STEPS, default_steps, integer=True, container=box)
    s = sh.controls.number(keys.SEED, sh.t("seed"), 0, 99999, 0, integer=True, container=box) if seed else 0
    return int(steps), int(s)


# -- the run ------------------------------------------------------------------------------------
def racer_name(sh: Shell, cfg: RacerConfig) -> str:
    if cfg.optimizer == CUSTOM:
        return sh.t("custom_name", m=cfg.momentum_rule, s=cfg.scaling_rule)
    return OPTIMIZERS[cfg.optimizer].label(sh.lang)


def run_race(sh: Shell, surface: str, params: dict, configs: list[RacerConfig], start, steps: int, seed: int,
             names: list[str] | None = None) -> Race | None:
    """Run (cached) and return the Race, or show the error in the page and return None."""
    problem = compute.build(surface, compute.params_key(params))
    try:
        result = compute.run(surface, compute.params_key(params), compute.racers_key(configs), (tuple(start),), steps, seed)
    except ValueError as exc:
        st.error(sh.t("run_failed", error=str(exc)))
        return None
    names = _unique(names or [racer_name(sh, c) for c in configs])
    # a racer the page did not style takes the palette's pair of row i: its colour and its dash
    colors = [c.color or style(i).color for i, c in enumerate(configs)]
    dashes = [style(i).dash if c.color is None and c.dash == "solid" else c.dash for i, c in enumerate(configs)]
    return Race(surface, params, list(configs), names, colors, tuple(start), steps, seed, result, problem, dashes)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


# -- the selected step ------------------------------------------------------------------------------
def _nudge(key: str, by: int, lo: int, hi: int, default: int) -> None:
    ss = st.session_state
    ss[key] = int(min(max(int(ss.get(key, default)) + by, lo), hi))


def step_picker(sh: Shell, label: str, lo: int, hi: int, default: int, key: str = keys.SELECTED_STEP,
                help: str | None = None) -> int:
    """The selected-step slider with ◀ previous / next ▶ update buttons under it (one update
    each way, for walking a class through a run step by step).  Under, not beside: in a
    half-width column on the projector, buttons beside the slider would be squeezed to a
    letter per line."""
    lo, hi = int(lo), int(hi)
    default = int(min(max(default, lo), hi))
    k = int(sh.controls.slider(key, label, lo, hi, default, integer=True, help=help))
    room.step_key(key)
    if st.query_params.get(key) != (str(k) if k != default else None):  # a fragment rerun writes no URL of its own
        if k != default:
            st.query_params[key] = str(k)
        else:
            st.query_params.pop(key, None)
    if not sh.controls.drawn:  # a student following the teacher, who walks the steps
        return k
    prev, nxt = st.columns(2)
    prev.button(sh.t("step_prev"), key=f"{key}_prev", on_click=_nudge, args=(key, -1, lo, hi, default),
                help=sh.t("step_prev_help"), disabled=k <= lo, width="stretch")
    nxt.button(sh.t("step_next"), key=f"{key}_next", on_click=_nudge, args=(key, 1, lo, hi, default),
               help=sh.t("step_next_help"), disabled=k >= hi, width="stretch")
    return k


def _start_moved(race: Race) -> bool:
    ss = st.session_state
    x, y = ss.get(keys.START_X), ss.get(keys.START_Y)
    if x is None or y is None:
        return False
    return not (np.isclose(float(x), race.start[0]) and np.isclose(float(y), race.start[1]))


@st.fragment
def _step_fragment(draw, race: Race | None) -> None:
    if race is not None and _start_moved(race):  # a click on a chart in here moved the start: a new race
        st.rerun(scope="app")
    with room.step_fragment(st.session_state.get(keys.URL_PAGE, "")):  # a follower takes the teacher's step here
        draw()
    room.publish_fragment()  # in a class, the teacher's step (a run of this fragment alone) reaches the students


def step_view(draw, race: Race | None = None) -> None:
    """Draw `draw()` — the part of a page that shows the selected step — as a fragment: the
    slider, ◀ / ▶ and whatever reads the step rerun alone, not the whole page (the race is
    not looked up again).  A chart click inside that moves the start reruns the page."""
    _step_fragment(draw, race)


# -- drawing --------------------------------------------------------------------------------------
def pick_start(chart_key: str, mode_key: str | None = None) -> None:
    """A chart's on_select callback: the first picked point becomes the start, or, when the
    control `mode_key` says "point", the point the inspector looks at."""
    ss = st.session_state
    event = ss.get(chart_key) or {}
    pts = (event.get("selection") or {}).get("points") or []
    if not pts:
        return
    x, y = shown(pts[0]["x"]), shown(pts[0]["y"])  # the pick grid is float32: keep what the boxes show
    if mode_key and ss.get(mode_key) == "point":
        ss[keys.INSPECT_X], ss[keys.INSPECT_Y] = x, y
        ss[keys.INSPECT] = "point"
    else:
        ss[keys.START_X], ss[keys.START_Y] = x, y


def divergence_notes(sh: Shell, race: Race) -> None:
    msgs = [sh.t("diverged_at", name=n, k=race.diverged(i)) for i, n, _ in race.rows() if race.diverged(i)]
    if msgs:
        st.warning(" · ".join(msgs), icon="💥")


def paths_of(race: Race) -> list[Path]:
    r = race.result
    return [Path(n, color, r.theta[:, i], race.diverged(i), race.dash(i), r.loss[:, i]) for i, n, color in race.rows()]


_FROZEN = server_costs.WhileAlive()  # a read-only array → its values' digest


def _frozen_digest(root: np.ndarray) -> bytes | None:
    """The digest of a read-only array's values and layout, computed once while the array
    lives; None for an array that takes writes or whose memory is another object's (a torch
    tensor's, a writable buffer's: they could change under it).  The arrays a class shares
    refuse writes and never change (`result.read_only`: the races, grids and maps); a follower's
    figures are made of views of them, which were hashed in full on every run (1–2 ms of a
    follower's 20–30 ms).  The layout (strides) is in the digest: a view is keyed by where it
    lies in the memory, and equal values laid out otherwise are other memory."""
    if root.flags.writeable or not (root.flags.owndata or isinstance(root.base, bytes)):
        return None
    got = _FROZEN.get(root)
    if got is not None:
        return got
    digest = hashlib.blake2b(np.ascontiguousarray(root).tobytes(), digest_size=20)
    digest.update(repr((root.dtype.str, root.shape, root.strides)).encode())
    return _FROZEN.put(root, digest.digest())


def _view_of(digest: bytes, dtype: str, shape: tuple, strides: tuple, offset: int):
    """What a view of a read-only array pickles to (`_ByValue`; never called: a digest is never read back)."""
    raise NotImplementedError


class _ByValue(pickle.Pickler):
    """Pickles for a digest only (never read back): an array as its dtype, shape and values in
    C order, whatever its memory layout (a transposed grid and its copy are one setting).  A
    view of an array that refuses writes pickles as that array's digest (`_frozen_digest`) and
    where the view lies in it: the same values give the same bytes."""

    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray) and obj.dtype != object:  # an object array's bytes are addresses: pickled item by item
            root = obj
            while isinstance(root.base, np.ndarray):
                root = root.base
            digest = _frozen_digest(root)
            if digest is not None:
                offset = obj.__array_interface__["data"][0] - root.__array_interface__["data"][0]
                return _view_of, (digest, obj.dtype.str, obj.shape, obj.strides, offset)
            return np.ndarray, (obj.dtype.str, obj.shape, np.ascontiguousarray(obj).tobytes())
        return NotImplemented


def _setting_key(obj) -> bytes:
    """A digest of `obj` by value: arrays by their values (`_ByValue`), and without pickle's
    memo, which writes an object met twice as a back-reference, so that equal arguments give
    equal bytes however one session's objects share parts (a race's start is also its paths'
    first point)."""
    buf = io.BytesIO()
    pickler = _ByValue(buf, protocol=5)
    pickler.fast = True
    pickler.dump(obj)
    return hashlib.blake2b(buf.getbuffer(), digest_size=20).digest()


def _built(build, args: tuple, kwargs: dict, relayout: dict | None) -> dict:
    fig = build(*args, **kwargs)
    if relayout:
        fig.update_layout(**relayout)
    return fig.to_dict()


@dataclasses.dataclass(frozen=True, eq=False)
class SharedFigure:
    """A chart of `figure`: its builder and arguments, built only when a session needs what no
    other session has asked for yet (`chart`).  `key` is None for arguments that do not pickle
    (built by every caller)."""

    name: str
    key: bytes | None
    build: object
    args: tuple
    kwargs: dict
    relayout: dict | None

    def spec(self) -> dict:
        """The figure's JSON (`fig.to_dict()`), built anew: the caller's own."""
        return _built(self.build, self.args, self.kwargs, self.relayout)


def figure(build, *args, relayout: dict | None = None, **kwargs) -> SharedFigure:
    """`build(*args, **kwargs)` (then `update_layout(**relayout)`), built once per setting and
    look for every session: a class whose 60 students follow the teacher asks for the same
    figure 60 times, and building it (plotly's validation, `to_dict`, the JSON text) is most of
    a page's run.  Every chart of a page that a class follows is built through here; `chart`
    builds it in a helper process and keeps its JSON text.  The key is the builder's arguments
    (pickled: arrays by their bytes)."""
    try:
        key = _setting_key((args, kwargs, relayout))
    except (pickle.PicklingError, TypeError, AttributeError, ValueError):  # an argument that does not pickle: build here
        key = None
    return SharedFigure(f"{build.__module__}.{build.__qualname__}", key, build, args, kwargs, relayout)


def chart_text(build, args: tuple, kwargs: dict, relayout: dict | None, big: bool) -> tuple[str, dict, str]:
    """A figure's JSON text with the app's look, its layout's size and the text's digest (what
    `_chart_text` keeps; computed in a helper process)."""
    import plotly.io

    spec = look(_built(build, args, kwargs, relayout), big)
    text = plotly.io.to_json(ReadyFigure(spec), validate=False)
    return text, layout_size(spec), server_costs.payload_digest(text)


@st.cache_resource(max_entries=128, show_spinner=False)
def _chart_text(name: str, key: bytes, big: bool, _fig: SharedFigure) -> tuple[str, dict, str]:
    """The chart's JSON text, once per setting and look for every session: built in a helper
    process (`jobs.HELPERS`), off this process's interpreter lock."""
    return jobs.HELPERS.call(chart_text, _fig.build, _fig.args, _fig.kwargs, _fig.relayout, big)


def chart(fig, key: str, **kw) -> None:
    """A Plotly chart the app's way: our own colours, no Plotly logo, the app's look
    (`theme.look`: dark text; on the projector ≥ 18 px text and ≥ 3 px lines on every chart).
    A `figure` goes out as its shared text (one string for every session: never copied,
    never changed, hashed once: `server_costs.drawing`)."""
    big = bool(st.session_state.get(keys.BIG))
    config = kw.pop("config", {"displaylogo": False})
    if isinstance(fig, SharedFigure) and fig.key is not None:
        text, size, digest = _chart_text(fig.name, fig.key, big, fig)
        with server_costs.drawing(text, digest):
            st.plotly_chart(ReadyFigure.from_text(text, size), key=key, theme=None, config=config, **kw)
        return
    spec = fig.spec() if isinstance(fig, SharedFigure) else fig if isinstance(fig, dict) else fig.to_dict()
    st.plotly_chart(ReadyFigure(look(spec, big)), key=key, theme=None, config=config, **kw)


def show_surface(sh: Shell, race: Race, *, key: str = "main", crit: bool = True, mode_key: str | None = None,
                 arrows=None, taylor: Grid | None = None, marker=None, height: int | None = None, grid_override: Grid | None = None,
                 prefix: str = "", grow: bool = False):
    """Contour (or 3-D) with the race; a click moves the start (or the inspected point).
    `grow`: the chart has the page's whole width, and on the projector its animation's controls
    go under a surface as tall as a still one's (`contour_figure`)."""
    spec = race.spec
    if not sh.big:  # on the projector the formula goes under the chart, which has the first screen
        st.latex(spec.latex)
    labels = labels_for(sh, spec)
    pk = compute.params_key(race.params)
    grid = grid_override or compute.grid(race.surface, pk, log=bool(spec.log_levels))
    box = compute.box_of(race.problem)
    first = st.container() if sh.big else None  # presentation mode: the chart first, its switches under it
    c1, c2 = sh.controls.columns(2)
    three_d = sh.controls.toggle(prefix + keys.VIEW_3D, sh.t("view_3d"), False, container=c1)
    show_crit = sh.controls.toggle(prefix + keys.SHOW_CRITICAL, sh.t("show_critical"), crit, container=c2)
    if sh.big:
        st.latex(spec.latex)
    points = compute.critical(race.surface, pk) if show_crit else []
    labels = named_for(sh, labels, points)
    font = sh.size(14, 18)
    h = height or sh.size(600, 720)
    with first if first is not None else st.container():
        if three_d:
            chart(figure(surface3d_figure, grid, paths_of(race), box, labels, height=h, font_size=font), f"{key}_3d")
            return
        fig = figure(contour_figure, grid, paths_of(race), box, labels, crit=points, start=race.start, arrows=arrows,
                     taylor=taylor, marker=marker, height=h, font_size=font, grow=grow and sh.big)
        chart(fig, key, on_select=lambda: pick_start(key, mode_key), selection_mode="points",
              config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}})


def show_curves(sh: Shell, race: Race, selected: int | None = None, panels: tuple = ("loss", "grad", "lr", "eig"),
                log_loss: bool | None = None):
    r = race.result
    series = {"loss": [], "grad": [], "lr": [], "eig": []}
    for i, n, col in race.rows():
        d = race.diverged(i)
        dash = race.dash(i)
        series["loss"].append(Series(n, col, r.loss[:, i], diverged_at=d, dash=dash))
        series["grad"].append(Series(n, col, r.grad_norm[:, i], diverged_at=d, dash=dash))
        series["lr"].append(Series(n, col, r.lr[:, i], x0=1, diverged_at=d, dash=dash))
        if r.eigvals is not None:  # here the dash tells λ₁ from λ₂, the colour the racer
            series["eig"].append(Series(f"{n} λ₁", col, r.eigvals[:, i, 0], diverged_at=d, dash="dash", group=n))
            series["eig"].append(Series(f"{n} λ₂", col, r.eigvals[:, i, 1], diverged_at=d, group=n))
    if log_loss is None:
        log_loss = sh.controls.toggle(keys.LOG_LOSS, sh.t("log_loss"), bool(race.spec.log_levels))
    titles = {"loss": sh.t("curve_loss"), "grad": sh.t("curve_grad"), "lr": sh.t("curve_lr"), "eig": sh.t("curve_eig")}
    logs = {"loss": log_loss, "grad": True, "lr": False, "eig": False}
    chosen = [(titles[p], series[p], logs[p]) for p in panels if series[p]]
    fig = figure(curves_figure, chosen, labels_for(sh, race.spec), marker_step=selected, font_size=sh.font,
                 height=sh.size(480, 560))
    chart(fig, "curves")


def _side_by_side(sh: Shell, numbers: list[str]) -> bool:
    """Whether two of the inspector's formulas fit side by side (half of its column): not on the
    projector, and not with any of these numbers (LaTeX) written with a power of ten."""
    return not sh.big and not any("10^" in n for n in numbers)


def inspector(sh: Shell, race: Race, at: tuple[float, float], title: str) -> Inspection:
    """Loss, gradient, Hessian, eigen-decomposition and the verdict at one point."""
    info = compute.inspect_at(race.surface, compute.params_key(race.params), float(at[0]), float(at[1]))
    ax, ay = (pretty_axis(a) for a in race.spec.axes)
    st.markdown(f"**{title}** &nbsp; ({ax}, {ay}) = ({num(at[0])}, {num(at[1])})")
    g, h, lam, vec = info.grad, info.hessian, info.eigvals, info.eigvecs
    # one line, not st.metric: metric tiles cut numbers like 9.664e-30 in a narrow column
    st.markdown(f"{sh.t('loss')} **{num(info.loss)}** &nbsp;·&nbsp; ‖∇L‖ **{num(float(np.hypot(*g)), 3)}** "
                f"&nbsp;·&nbsp; {sh.t('minimum_ratio')} **{num(info.minimum_ratio, 2)}**")
    # one block each, side by side only where two fit (a wide line is cut off in a narrow column:
    # on the projector never, on a screen not with a number written with its power of ten beside a
    # matrix, e.g. a saddle's H with 1.916×10⁻¹⁹ on its diagonal); the eigenvectors as columns, like the gradient
    hs = [tex(h[0][0]), tex(h[0][1]), tex(h[1][0]), tex(h[1][1])]
    ls = [tex(lam[0]), tex(lam[1])]
    c1, c2 = st.columns(2) if _side_by_side(sh, hs) else (st, st)
    c1.latex(rf"\nabla L = \begin{{bmatrix}} {tex(g[0])} \\ {tex(g[1])} \end{{bmatrix}}")
    c2.latex(rf"H = \begin{{bmatrix}} {hs[0]} & {hs[1]} \\ {hs[2]} & {hs[3]} \end{{bmatrix}}")
    for j, col in enumerate(st.columns(2) if _side_by_side(sh, ls) else (st, st)):  # λ over its u: a line each
        col.latex(rf"\begin{{aligned}} \lambda_{j + 1} &= {ls[j]} \\ "
                  rf"u_{j + 1} &= \begin{{bmatrix}} {tex(vec[j][0], 3)} \\ {tex(vec[j][1], 3)} \end{{bmatrix}} \end{{aligned}}")
    verdict = sh.t(f"kind_{info.kind}")
    why = sh.t(f"why_{info.kind}")
    if info.critical:
        st.success(sh.t("verdict_critical", kind=verdict, why=why))
    else:
        st.info(sh.t("verdict_not_critical", kind=verdict, why=why))
    return info


def downloads(sh: Shell, race: Race, stem: str) -> None:
    """CSV and JSON of every trajectory, generated only when a button is pressed."""
    c1, c2 = st.columns(2)
    c1.download_button(sh.t("download_csv"), lambda: export.race_csv(race), file_name=f"{stem}.csv", mime="text/csv",
                       key="dl_csv")
    c2.download_button(sh.t("download_json"), lambda: export.race_json(race), file_name=f"{stem}.json",
                       mime="application/json", key="dl_json")
    st.caption(sh.t("png_hint"))


def results_table(sh: Shell, race: Race, share: float = 0.01) -> None:
    """Final loss, steps until the loss is within `share` of the way from the start to the
    lowest known value, final ‖g‖, divergence — one row per optimizer (all text cells)."""
    r = race.result
    loss = r.loss
    minima = [m[2] for m in race.problem.minima()] if hasattr(race.problem, "minima") else []
    target = min(minima) if minima else float(np.nanmin(loss))
    rows = []
    for i, n, _ in race.rows():
        d = race.diverged(i)
        gap0 = float(loss[0, i]) - target
        hit = np.flatnonzero(loss[:, i] - target <= share * max(gap0, 1e-300))
        rows.append({
            sh.t("col_optimizer"): n,
            sh.t("col_final_loss"): f"{loss[-1, i]:.6g}" if d is None else "—",
            sh.t("col_steps_to_tol", pct=f"{100 * (1 - share):g}"): str(int(hit[0])) if hit.size and (d is None or hit[0] < d) else "—",
            sh.t("col_final_grad"): f"{r.grad_norm[-1, i]:.3g}" if d is None else "—",
            sh.t("col_diverged"): "—" if d is None else str(d),
        })
    sh.table(rows)


def final_rows(sh: Shell, race: Race) -> list[dict]:
    """One row per run: where it ended, its loss and gradient norm (all text, one type per column)."""
    r = race.result
    labels = labels_for(sh, race.spec)
    rows = []
    for i, name, _ in race.rows():
        d = race.diverged(i)
        x, y = r.at(i, -1)
        rows.append({
            sh.t("col_optimizer"): name,
            f"{sh.t('col_end')} ({labels.x}, {labels.y})": f"({x:.4g}, {y:.4g})",
            sh.t("col_final_loss"): "—" if d is not None else f"{r.loss[-1, i]:.6g}",
            sh.t("col_final_grad"): "—" if d is not None else f"{r.grad_norm[-1, i]:.3g}",
            sh.t("col_diverged"): "—" if d is None else str(d),
        })
    return rows
