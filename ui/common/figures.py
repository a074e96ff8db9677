"""Figure builders: numpy in, `plotly.graph_objects.Figure` out.  No Streamlit here.

Conventions: grids are float32 (half the JSON); axis ranges are fixed so nothing
jumps while an animation plays; animation frames only touch the trajectory
traces (the contour is sent once); every colour is set explicitly.
"""

from __future__ import annotations

import base64
import functools
import math
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from surfaces.base import grid
from ui.common.numbers import num

# Okabe–Ito (colour-blind safe) first, then three more distinct hues
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B")
KIND_STYLE = {
    "minimum": ("circle", "#009E73"),
    "maximum": ("triangle-up", "#D55E00"),
    "saddle": ("x", "#E69F00"),
    "degenerate": ("diamond-open", "#7B2CBF"),
}
COLORSCALE = "Viridis"
MAX_FRAMES = 60
MAX_TRAIL_POINTS = 120
MAX_PLANE_ASPECT = 3.0  # a parameter box up to 1:3 is drawn to scale (equal units on both axes)
ANIM_BAR = 118  # px under the x-axis title: the Play/Pause row, then the step slider with its label


def typed(a) -> dict:
    """A float32 array as plotly.js's typed-array spec (base64).

    Compact, and plotly.py accepts it without its per-array validation (≈ 60× faster
    to build than a numpy array argument)."""
    arr = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
    spec = {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = str(arr.shape)[1:-1]
    return spec


def untyped(spec) -> np.ndarray:
    """The inverse of `typed` (for tests and checks)."""
    if not isinstance(spec, dict):
        return np.asarray(spec)
    arr = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")
    if "shape" in spec:
        arr = arr.reshape([int(v) for v in spec["shape"].split(",")])
    return arr


class LeanFigure(go.Figure):
    """A `go.Figure` that carries some of its JSON ready-made: animation frames and
    layout parts (sliders, subplot axes) that plotly would otherwise validate key by key.

    Sixty validated frames cost seconds of server time per rerun; ready-made they
    cost milliseconds.  `to_dict()` — what Streamlit sends — merges them in;
    `frames_json` and `layout_json` expose them to tests."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._frames_json: list[dict] = []
        self._layout_json: dict = {}
        self._data_json: list[dict] = []  # appended after the validated traces

    @property
    def frames_json(self) -> list[dict]:
        return self._frames_json

    @property
    def layout_json(self) -> dict:
        return self._layout_json

    def update_layout(self, dict1=None, overwrite=False, **kwargs):
        """As plotly's, over the ready-made parts too: a ready-made key this call touches is
        handed to plotly first (validated once), so this update lands on it and wins."""
        touched = set((dict1 or {}).keys()) | set(kwargs)
        moved = {}
        for key in touched:
            top = key if key in self._layout_json else key.split("_")[0]
            if top in self._layout_json:
                moved[top] = self._layout_json.pop(top)
        if moved:
            super().update_layout(moved)
        return super().update_layout(dict1, overwrite, **kwargs)

    def to_dict(self):
        d = super().to_dict()
        if self._data_json:
            d["data"] = list(d.get("data", [])) + self._data_json
        if self._frames_json:
            d["frames"] = self._frames_json
        if self._layout_json:
            d.setdefault("layout", {}).update(self._layout_json)
        return d



@dataclass
class Grid:
    xs: np.ndarray  # (n,)
    ys: np.ndarray  # (m,)
    z: np.ndarray  # (m, n) loss; NaN where undefined
    log: bool = False  # colour by log(z − min + δ)


@dataclass
class Path:
    name: str
    color: str
    xy: np.ndarray  # (T+1, 2), frozen after divergence
    diverged_at: int | None = None
    dash: str = "solid"
    loss: np.ndarray | None = None  # (T+1,) for the 3-D view


@dataclass
class Labels:
    x: str = "w₁"
    y: str = "w₂"
    loss: str = "L"
    start: str = "start"
    pick: str = "click: start here"
    play: str = "▶ play"
    pause: str = "❚❚ pause"
    resume: str = "▶ resume"
    step: str = "step"
    step_of: str = "step {k}"  # the animation's current step: 第 {k} 步 in Chinese
    diverged: str = "diverged at step {k}"
    kinds: dict = field(default_factory=lambda: {k: k for k in KIND_STYLE})
    taylor: str = "Taylor model"
    not_to_scale: str = "axes not to scale"
    zero_floor: str = "▼ = 0 (drawn at the floor of the log axis)"


def colour_values(z: np.ndarray, log: bool) -> tuple[np.ndarray, float]:
    """What the contour colours: z itself, or log10(z − min + δ) when the range spans decades."""
    if not log:
        return z, 0.0
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return z, 0.0
    lo, hi = float(finite.min()), float(finite.max())
    delta = max((hi - lo) * 1e-6, 1e-12)
    return np.log10(z - lo + delta), lo - delta


def _tick_text(v: float) -> str:
    return num(v, 3)


def hover_text(z: np.ndarray) -> np.ndarray:
    """The loss of every grid site as the hover shows it (`num`, 3 digits).  A view's grid is
    the same rerun after rerun, and formatting its 10 000 values was a fifth of a 2-D page's
    server time (py-spy): the texts are kept per grid (read-only, shared)."""
    a = np.ascontiguousarray(z, dtype=np.float64)
    return _hover_text(a.tobytes(), a.shape)


@functools.lru_cache(maxsize=32)  # ≤ 32 × (a 160² grid's 200 kB of key + its texts)
def _hover_text(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    out = np.vectorize(_tick_text)(np.frombuffer(raw, dtype=np.float64).reshape(shape))
    out.flags.writeable = False
    return out


def loss_ticks(z: np.ndarray, c: np.ndarray, log: bool, n: int) -> dict:
    """At most `n` colour-bar ticks over the colour values `c` of `z`, labelled in loss units
    (c = log10(z − min + δ) when `log`); {} when nothing is finite.

    On a log scale the ticks sit at whole decades of z − min (plus both ends), so they are
    evenly spread and no two labels read the same; a tick too close to an end is dropped."""
    finite = np.isfinite(c)
    if not finite.any():
        return {}
    lo, hi = float(c[finite].min()), float(c[finite].max())
    if not log or hi - lo < 2:
        ticks = list(np.linspace(lo, hi, n)) if hi > lo else [lo]
    else:
        stride = max(1, math.ceil((hi - lo) / max(n - 1, 1)))
        inner = [float(d) for d in range(math.ceil(lo), math.floor(hi) + 1, stride)]
        gap = 0.35 * stride
        ticks = [lo] + [d for d in inner if d - lo > gap and hi - d > gap] + [hi]
    shift = colour_values(z, True)[1] if log else 0.0
    vals, texts = [], []
    for v in ticks:
        text = _tick_text(10**v + shift if log else v)
        if text not in texts:
            vals.append(float(v))
            texts.append(text)
    return dict(tickvals=vals, ticktext=texts)


def log_axis(values=None, **extra) -> dict:
    """The one tick format of every log axis in the app: decades written 10ⁿ (never bare
    minor digits 2 … 9, never SI prefixes such as 10n or 100μ).

    With `values` (the data the axis shows) the decade stride grows so at most ~7 decades
    are labelled; under one decade plotly's own ticks are kept, written as plain numbers."""
    ax = dict(type="log", exponentformat="power", minorloglabels="none", showexponent="all", automargin=True)
    decades = None
    if values is not None:
        v = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in values]) if isinstance(values, list | tuple) \
            else np.ravel(np.asarray(values, dtype=np.float64))
        v = v[np.isfinite(v) & (v > 0)]
        if v.size:
            decades = float(np.log10(v.max()) - np.log10(v.min()))
    if decades is None or decades >= 1:
        ax["dtick"] = max(1, math.ceil((decades or 0) / 7))
    return ax | extra


def log_floor(arrays: list[np.ndarray]) -> float:
    """Where a zero is drawn on a log axis: a decade under the smallest positive value shown
    (1e-16 when nothing is positive)."""
    pos = [np.asarray(a, np.float64) for a in arrays]
    pos = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in pos]) if pos else np.array([])
    if not pos.size:
        return 1e-16
    return float(10 ** (math.floor(np.log10(pos.min())) - 1))


def plane_axes(box, x_title: str, y_title: str, not_to_scale: str = "axes not to scale",
               max_aspect: float = MAX_PLANE_ASPECT) -> tuple[dict, dict, list[dict]]:
    """(xaxis, yaxis, annotations) of a parameter plane: equal units on both axes (a square box
    gives a square plot area, whatever the width) unless the box is more elongated than
    1:`max_aspect`; then the axes scale differently and the chart says so."""
    x0, x1, y0, y1 = (float(v) for v in box)
    xa = dict(range=[x0, x1], autorange=False, title=dict(text=x_title), constrain="domain", automargin=True)
    # a plot area narrower than its box keeps to the top: right under the legend/toolbar, no gap above
    ya = dict(range=[y0, y1], autorange=False, title=dict(text=y_title), constrain="domain", constraintoward="top",
              automargin=True)
    ratio = (x1 - x0) / (y1 - y0) if y1 > y0 else math.inf
    if 1 / max_aspect <= ratio <= max_aspect:
        ya.update(scaleanchor="x", scaleratio=1)
        return xa, ya, []
    note = dict(text=not_to_scale, xref="paper", yref="paper", x=1, y=1, xanchor="right", yanchor="top", showarrow=False,
                font=dict(color="white"), bgcolor="rgba(0,0,0,0.45)", borderpad=3)
    return xa, ya, [note]


def contour_trace(grid: Grid, labels: Labels, showscale: bool = True, ncontours: int = 30) -> go.Contour:
    c, _ = colour_values(grid.z, grid.log)
    kw: dict = {"colorbar": dict(title=labels.loss)}
    if grid.log:
        kw["colorbar"].update(loss_ticks(grid.z, c, True, 6))
    text = hover_text(grid.z) if grid.z.size <= 160 * 160 else None
    return go.Contour(
        x=typed(grid.xs), y=typed(grid.ys), z=typed(c),
        colorscale=COLORSCALE, ncontours=ncontours, showscale=showscale, line=dict(width=0.5),
        contours=dict(coloring="heatmap"), text=text,
        hovertemplate=f"{labels.x}=%{{x:.4g}}<br>{labels.y}=%{{y:.4g}}<br>{labels.loss}=%{{text}}<extra></extra>"
        if text is not None else f"{labels.x}=%{{x:.4g}}<br>{labels.y}=%{{y:.4g}}<extra></extra>",
        name=labels.loss, **kw,
    )


def pick_grid_trace(box, labels: Labels, n: int = 25) -> go.Scatter:
    """Invisible points over the contour: contours are not selectable, these are."""
    pts = grid(box, n).points
    return go.Scatter(
        x=typed(pts[:, 0]), y=typed(pts[:, 1]), mode="markers",
        marker=dict(size=14, opacity=0, color="#ffffff"), unselected=dict(marker=dict(opacity=0)),
        selected=dict(marker=dict(opacity=0)), hovertemplate=f"{labels.pick}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
        showlegend=False, name="pick",
    )


def _thin(n: int, at_most: int) -> np.ndarray:
    """Indices 0..n−1 thinned to at most `at_most`, evenly, both ends kept.

    When n > at_most the spacing exceeds 1, so rounding half up keeps the indices strictly
    increasing: no `np.unique` sort (this ran 60 frames × 8 racers times per rerun)."""
    if n <= at_most:
        return np.arange(n)
    return np.floor(np.linspace(0, n - 1, at_most) + 0.5).astype(np.intp)


def turn_scores(xy: np.ndarray) -> np.ndarray:
    """How much the drawn path changes if point i is left out: its distance from the chord
    between its neighbours, in units of the path's own extent (both axes scaled alike
    would favour the long axis of an elongated box).  Ends score ∞ (always kept)."""
    p = np.asarray(xy, dtype=np.float64)
    n = len(p)
    out = np.full(n, np.inf)
    if n <= 2:
        return out
    finite = np.all(np.isfinite(p), axis=1)
    span = np.ptp(p[finite], axis=0) if finite.any() else np.ones(2)
    q = p / np.where(span > 0, span, 1.0)
    a, b, c = q[:-2], q[1:-1], q[2:]
    chord = c - a
    cross = np.abs(chord[:, 0] * (b - a)[:, 1] - chord[:, 1] * (b - a)[:, 0])
    length = np.hypot(chord[:, 0], chord[:, 1])
    # a point that returns to where it came from (chord ≈ 0) is a full turn: its distance from a
    dist = np.where(length > 1e-12, cross / np.maximum(length, 1e-300), np.hypot(*(b - a).T))
    out[1:-1] = np.where(np.isfinite(dist), dist, np.inf)
    return out


def thin_path(n: int, at_most: int, scores: np.ndarray | None = None) -> np.ndarray:
    """Indices of the first `n` points of a path, at most `at_most`, strictly increasing, both
    ends kept: half of the budget evenly spread (the pace of the run stays readable), the other
    half where the path turns or jumps most (`turn_scores`), so a wild start over a long run
    is drawn as it went, not as one straight chord."""
    if n <= at_most:
        return np.arange(n)
    even = _thin(n, max(2, at_most // 2))
    if scores is None or n <= 2:
        return _thin(n, at_most)
    inner = np.asarray(scores[1:n - 1], dtype=np.float64).copy()
    inner[even[1:-1] - 1] = -np.inf  # already kept
    extra = at_most - len(even)
    if extra > 0:
        top = np.argpartition(-inner, extra - 1)[:extra] + 1
        top = top[np.isfinite(inner[top - 1]) | (inner[top - 1] > 0)]
        keep = np.union1d(even, top)
    else:
        keep = even
    return keep.astype(np.intp)


def _trail(xy: np.ndarray, upto: int, idx: np.ndarray | None = None) -> np.ndarray:
    """The path up to step `upto`, thinned to at most MAX_TRAIL_POINTS (ends kept)."""
    if idx is None:
        idx = thin_path(upto + 1, MAX_TRAIL_POINTS, turn_scores(xy[:upto + 1]))
    return xy[idx].astype(np.float32)


def frame_steps(n_steps: int, n_frames: int = MAX_FRAMES) -> list[int]:
    """Which steps get an animation frame: all of them, or evenly spaced ones (0 and T included)."""
    if n_steps + 1 <= n_frames:
        return list(range(n_steps + 1))
    return sorted(set(np.linspace(0, n_steps, n_frames).round().astype(int).tolist()))


def _last(p: Path, k: int) -> int:
    return min(k, p.diverged_at - 1) if p.diverged_at else k


def contour_figure(
    grid: Grid,
    paths: list[Path],
    box,
    labels: Labels,
    *,
    crit: list[dict] | None = None,
    start: tuple[float, float] | None = None,
    pick: bool = True,
    animate: bool = True,
    arrows: list[dict] | None = None,
    taylor: Grid | None = None,
    marker: tuple[float, float] | None = None,
    height: int = 620,
    font_size: int = 14,
    n_frames: int = MAX_FRAMES,
    legend_below: bool = False,  # only for a still figure: an animation's controls are at the bottom
) -> go.Figure:
    """The surface view: contour, critical points, trajectories (animated), start, arrows."""
    x0, x1, y0, y1 = box
    fig = LeanFigure()
    fig.add_trace(contour_trace(grid, labels))
    if taylor is not None:
        fig.add_trace(go.Contour(
            x=typed(taylor.xs), y=typed(taylor.ys), z=typed(taylor.z),
            contours=dict(coloring="none", showlabels=False), line=dict(color="white", width=1.5, dash="dash"),
            ncontours=14, showscale=False, hoverinfo="skip", name=labels.taylor, showlegend=True,
        ))
    if pick:
        fig.add_trace(pick_grid_trace(box, labels))
    for kind, pts in _by_kind(crit or []).items():
        sym, col = KIND_STYLE[kind]
        fig.add_trace(go.Scatter(
            x=[p["at"][0] for p in pts], y=[p["at"][1] for p in pts], mode="markers", name=labels.kinds.get(kind, kind),
            marker=dict(symbol=sym, size=12, color=col, line=dict(width=2, color=col)), hoverinfo="skip",
        ))
    T = max((len(p.xy) - 1 for p in paths), default=0)
    # faint full paths, then the growing trails and heads that the frames update
    for p in paths:
        end = len(p.xy) if not p.diverged_at else p.diverged_at
        fig.add_trace(go.Scatter(
            x=typed(p.xy[:end, 0]), y=typed(p.xy[:end, 1]), mode="lines",
            line=dict(color=p.color, width=1, dash=p.dash), opacity=0.35, hoverinfo="skip", showlegend=False,
        ))
    first_dynamic = len(fig.data)
    scores = [turn_scores(p.xy[:_last(p, T) + 1]) for p in paths]
    for p, sc in zip(paths, scores, strict=True):
        k = _last(p, T)
        tr = _trail(p.xy, k, thin_path(k + 1, MAX_TRAIL_POINTS, sc))
        fig.add_trace(go.Scatter(
            x=typed(tr[:, 0]), y=typed(tr[:, 1]), mode="lines", line=dict(color=p.color, width=3, dash=p.dash), name=p.name,
            hoverinfo="skip", legendgroup=p.name,
        ))
    for p in paths:
        k = _last(p, T)
        diverged = bool(p.diverged_at) and k < T
        fig.add_trace(go.Scatter(
            x=[float(p.xy[k, 0])], y=[float(p.xy[k, 1])], mode="markers",
            marker=dict(color=p.color, size=13, symbol="x" if diverged else "circle", line=dict(color="white", width=2)),
            showlegend=False, hoverinfo="skip", legendgroup=p.name,
        ))
    if start is not None:
        fig.add_trace(go.Scatter(
            x=[start[0]], y=[start[1]], mode="markers", name=labels.start,
            marker=dict(symbol="star", size=18, color="white", line=dict(color="black", width=1.5)), hoverinfo="skip",
        ))
    if marker is not None:
        fig.add_trace(go.Scatter(
            x=[marker[0]], y=[marker[1]], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(symbol="circle-open", size=22, color="white", line=dict(width=3)),
        ))
    for kind, pts in _by_kind(crit or []).items():  # again on top, as rings: a run that ends on a minimum must not hide it
        sym, col = KIND_STYLE[kind]
        fig.add_trace(go.Scatter(
            x=[p["at"][0] for p in pts], y=[p["at"][1] for p in pts], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(symbol=sym if sym.endswith("-open") else f"{sym}-open", size=19, color=col, line=dict(width=2.5, color=col)),
        ))
    annotations = arrow_annotations(arrows or [], font_size)
    xa, ya, notes = plane_axes(box, labels.x, labels.y, labels.not_to_scale)
    n_legend = len(paths) + len(_by_kind(crit or [])) + (start is not None) + (taylor is not None)
    animated = bool(animate and paths and T > 0)
    if legend_below and not animated:  # the projector: the plot area under the toolbar, its legend under the x-axis
        top, bottom = MODEBAR_PX + 4, 50 + legend_rows_px(n_legend, font_size)
        legend = bottom_legend(font_size)
    else:
        top, bottom = legend_top(n_legend, font_size), 50
        legend = top_legend(font_size, bgcolor="rgba(255,255,255,0.6)")
    fig._layout_json.update(  # ready-made: plotly's update_layout costs ~0.1 s here
        height=height, margin=dict(l=60, r=10, t=top, b=bottom), font=dict(size=font_size),
        xaxis=xa, yaxis=ya, legend=legend,
        clickmode="event+select", dragmode="pan", uirevision="surface", annotations=annotations + notes,
    )
    if animated:
        _add_animation(fig, paths, T, first_dynamic, labels, n_frames, scores)
    return fig


MODEBAR_PX = 34  # the chart's toolbar: a row kept free above the legend


LEGEND_COLUMNS = 2  # legend entries a row, counted low for the top margin (plotly grows it when more rows are needed)


def legend_rows_px(entries: int, font_size: int) -> int:
    """Height of a horizontal legend of LEGEND_COLUMNS entries a row."""
    rows = math.ceil(entries / LEGEND_COLUMNS) if entries else 0
    return rows * int(1.55 * font_size)


def legend_top(entries: int, font_size: int) -> int:
    """Top margin for a horizontal legend of LEGEND_COLUMNS entries a row above the plot, under
    the toolbar's row: the toolbar no longer covers the legend."""
    return MODEBAR_PX + legend_rows_px(entries, font_size) + 4


def bottom_legend(font_size: int) -> dict:
    """A horizontal legend at the bottom of the figure, under the x-axis and its title."""
    return dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0,
                font=dict(size=max(font_size - 1, 9)))


def top_legend(font_size: int, **extra) -> dict:
    """A horizontal legend right above the plot."""
    return dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=max(font_size - 1, 9))) | extra


def arrow_annotations(arrows: list[dict], font_size: int) -> list[dict]:
    """Arrows from a["from"] to a["to"] (data units); each label sits just beyond its head,
    away from the tail, so it does not overprint the marker at the tail."""
    out = []
    for a in arrows:
        (fx, fy), (tx, ty) = a["from"], a["to"]
        col = a.get("color", "white")
        out.append(dict(x=tx, y=ty, ax=fx, ay=fy, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=3,
                        arrowsize=1.3, arrowwidth=3, arrowcolor=col, text=""))
        if a.get("text"):
            dx, dy = tx - fx, ty - fy
            out.append(dict(x=tx, y=ty, xref="x", yref="y", showarrow=False, text=a["text"],
                            font=dict(color=col, size=font_size), bgcolor="rgba(0,0,0,0.45)", borderpad=2,
                            xanchor="left" if dx >= 0 else "right", yanchor="bottom" if dy >= 0 else "top",
                            xshift=6 if dx >= 0 else -6, yshift=6 if dy >= 0 else -6))
    return out


def _around(template: str) -> dict:
    """Plotly's slider shows prefix + value + suffix: split a "… {k} …" template around the value."""
    prefix, _, suffix = template.partition("{k}")
    return {"prefix": prefix, "suffix": suffix}


def animation_controls(steps: list[int], labels: Labels, height: int, margin_t: int, font_size: int, *,
                       active: int | None = None, duration: int = 80, resume: bool = True) -> tuple[list, list, int]:
    """(updatemenus, sliders, bottom margin) of a client-side animation, laid out in rows under
    the x-axis title: the ▶ / ❚❚ / ▶ resume buttons, then the step slider across the whole
    width with its "step k" label on its own line, so nothing covers the axis title or the label.
    Positions are paper fractions computed from the chart's pixel height."""
    scale = font_size / 14
    axis_px = int(58 * scale)  # tick labels and the x-axis title
    buttons_px = int(34 * scale)
    bottom = axis_px + buttons_px + int(ANIM_BAR * scale)
    plot_h = max(height - margin_t - bottom, 100)
    y_buttons = -axis_px / plot_h
    y_slider = -(axis_px + buttons_px) / plot_h
    play = dict(frame=dict(duration=duration, redraw=True), transition=dict(duration=0), mode="immediate")
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    buttons = [dict(label=labels.play, method="animate", args=[None, dict(play, fromcurrent=False)]),
               dict(label=labels.pause, method="animate", args=[[None], still])]
    if resume:
        buttons.append(dict(label=labels.resume, method="animate", args=[None, dict(play, fromcurrent=True)]))
    menus = [dict(type="buttons", direction="left", x=0.0, y=y_buttons, xanchor="left", yanchor="top", pad=dict(t=0, r=4),
                  showactive=False, buttons=buttons, font=dict(size=font_size))]
    sliders = [dict(
        active=len(steps) - 1 if active is None else active, x=0.0, y=y_slider, len=1.0, xanchor="left", yanchor="top",
        pad=dict(t=int(30 * scale), b=0), currentvalue=dict(**_around(labels.step_of), xanchor="left", font=dict(size=font_size)),
        font=dict(size=max(font_size - 3, 9)),
        steps=[dict(method="animate", label=str(k),
                    args=[[str(k)], dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))])
               for k in steps],
    )]
    return menus, sliders, bottom


def _by_kind(crit: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for p in crit:
        out.setdefault(p["kind"], []).append(p)
    return {k: out[k] for k in KIND_STYLE if k in out}


def _add_animation(fig: LeanFigure, paths: list[Path], T: int, first: int, labels: Labels, n_frames: int,
                   scores: list[np.ndarray]) -> None:
    steps = frame_steps(T, n_frames)
    n = len(paths)
    trace_ids = list(range(first, first + 2 * n))
    frames = []
    for k in steps:
        data = []
        for p, sc in zip(paths, scores, strict=True):
            j = _last(p, k)
            tr = _trail(p.xy, j, thin_path(j + 1, MAX_TRAIL_POINTS, sc))
            data.append({"type": "scatter", "x": typed(tr[:, 0]), "y": typed(tr[:, 1])})
        for p in paths:
            j = _last(p, k)
            diverged = bool(p.diverged_at) and j < k
            data.append({"type": "scatter", "x": [float(p.xy[j, 0])], "y": [float(p.xy[j, 1])],
                         "marker": {"color": p.color, "size": 13, "symbol": "x" if diverged else "circle",
                                    "line": {"color": "white", "width": 2}}})
        frames.append({"data": data, "traces": trace_ids, "name": str(k)})
    fig._frames_json = frames
    height = fig._layout_json.get("height", 620)
    top = fig._layout_json.get("margin", {}).get("t", 30)
    font = fig._layout_json.get("font", {}).get("size", 14)
    menus, sliders, bottom = animation_controls(steps, labels, height, top, font)
    fig._layout_json.update(updatemenus=menus, sliders=sliders, margin=dict(l=60, r=10, t=top, b=bottom))


MESH_3D = 60  # vertices per side of the 3-D surface
PATH_3D_POINTS = 300  # points per trajectory in 3-D


def surface3d_figure(grid: Grid, paths: list[Path], box, labels: Labels, height: int = 620, font_size: int = 14) -> go.Figure:
    """The surface in 3-D with the trajectories on it.

    The mesh is at most MESH_3D² vertices and each path at most PATH_3D_POINTS points (the
    ends kept, a marker where it stopped): the shape reads the same, and 8 racers × 2000
    steps send ~7× less.  (Measured: without a GPU the toggle's cost is WebGL's own set-up
    in software, ~2.5 s in headless Chromium, whatever the mesh size.)"""
    ix, iy = _thin(len(grid.xs), MESH_3D), _thin(len(grid.ys), MESH_3D)
    z = grid.z[np.ix_(iy, ix)]
    c, _ = colour_values(z, grid.log)
    fig = go.Figure(go.Surface(
        x=typed(grid.xs[ix]), y=typed(grid.ys[iy]), z=typed(z),
        surfacecolor=typed(c), colorscale=COLORSCALE, showscale=False, opacity=0.85, name=labels.loss,
    ))
    zf = z[np.isfinite(z)]
    lift = 0.015 * float(np.ptp(zf)) if zf.size else 0.0
    for p in paths:
        end = len(p.xy) if not p.diverged_at else p.diverged_at
        if p.loss is None:
            continue
        k = thin_path(end, PATH_3D_POINTS, turn_scores(p.xy[:end]))
        fig.add_trace(go.Scatter3d(  # lifted a little: on the surface itself the opaque mesh hides the path
            x=typed(p.xy[k, 0]), y=typed(p.xy[k, 1]), z=typed(p.loss[k] + lift), mode="lines", name=p.name,
            line=dict(color=p.color, width=8),
        ))
        fig.add_trace(go.Scatter3d(  # where it ended
            x=[float(p.xy[end - 1, 0])], y=[float(p.xy[end - 1, 1])], z=[float(p.loss[end - 1] + lift)], mode="markers",
            marker=dict(size=6, color=p.color, line=dict(color="white", width=1)), showlegend=False, hoverinfo="skip",
        ))
    x0, x1, y0, y1 = box
    ratio = (y1 - y0) / (x1 - x0) if x1 > x0 else 1.0
    if not 1 / MAX_PLANE_ASPECT <= ratio <= MAX_PLANE_ASPECT:
        ratio = 1.0  # an elongated box: not to scale, as on the contour
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=legend_top(len(paths), font_size), b=10), font=dict(size=font_size),
        scene=dict(xaxis=dict(title=labels.x, range=[x0, x1]), yaxis=dict(title=labels.y, range=[y0, y1]),
                   zaxis=dict(title=labels.loss, exponentformat="power"),
                   aspectmode="manual", aspectratio=dict(x=1.0, y=ratio, z=0.7) if ratio <= 1 else dict(x=1 / ratio, y=1.0, z=0.7),
                   camera=dict(eye=dict(x=1.7, y=-1.7, z=1.2))),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig


@dataclass
class Series:
    name: str
    color: str
    y: np.ndarray  # values per step (NaN where absent)
    x0: int = 0  # step of y[0]
    dash: str = "solid"
    diverged_at: int | None = None
    group: str | None = None


def curves_figure(panels: list[tuple[str, list[Series], bool]], labels: Labels, height: int = 520, font_size: int = 13,
                  marker_step: int | None = None, cols: int = 2) -> go.Figure:
    """Small multiples sharing the step axis: each panel is (title, series, log_y).

    The subplot grid is laid out by hand (make_subplots costs ~170 ms a call)."""
    rows = (len(panels) + cols - 1) // cols
    hgap, vgap = 0.08, 0.14
    width = (1 - hgap * (cols - 1)) / cols
    tall = (1 - vgap * (rows - 1)) / rows
    fig = LeanFigure()
    layout: dict = {}
    annotations, shapes = [], []
    seen: set[str] = set()
    for i, (title, series, log_y) in enumerate(panels):
        r, c = i // cols, i % cols
        ax = "" if i == 0 else str(i + 1)
        x0 = c * (width + hgap)
        y1 = 1 - r * (tall + vgap)
        layout[f"xaxis{ax}"] = {"domain": [x0, x0 + width], "anchor": f"y{ax}",
                                "title": {"text": labels.step} if r == rows - 1 else {}}
        ys_panel = [np.asarray(se.y, np.float64) for se in series]
        yaxis = {"domain": [y1 - tall, y1], "anchor": f"x{ax}", "automargin": True}
        yaxis |= log_axis(ys_panel) if log_y else {"type": "linear", "exponentformat": "power"}
        layout[f"yaxis{ax}"] = yaxis
        floor = log_floor(ys_panel) if log_y else None
        zeros_here = False
        if i:
            layout[f"xaxis{ax}"]["matches"] = "x"
        annotations.append({"text": title, "x": x0 + width / 2, "y": y1, "xref": "paper", "yref": "paper",
                            "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": font_size + 1}})
        for s in series:
            y = np.asarray(s.y, dtype=np.float64)
            x = np.arange(s.x0, s.x0 + len(y))
            if s.diverged_at:
                keep = x < s.diverged_at
                x, y = x[keep], y[keep]
            zero_x = None
            if log_y:
                zero = y == 0
                if zero.any():
                    zero_x = x[zero]
                y = np.where(y > 0, y, np.nan)
            group = s.group or s.name
            fig._data_json.append(dict(
                type="scatter", x=typed(x), y=typed(y), mode="lines", name=s.name,
                line=dict(color=s.color, dash=s.dash, width=2), legendgroup=group, showlegend=group not in seen,
                xaxis=f"x{ax}", yaxis=f"y{ax}", hovertemplate=f"{s.name}<br>{labels.step} %{{x}}<br>%{{y:.6g}}<extra></extra>",
            ))
            seen.add(group)
            if zero_x is not None:  # an exact zero has no place on a log axis: a marker on the floor
                zeros_here = True
                fig._data_json.append(dict(
                    type="scatter", x=typed(zero_x), y=typed(np.full(len(zero_x), floor)), mode="markers",
                    marker=dict(symbol="triangle-down", size=9, color=s.color), showlegend=False, legendgroup=group,
                    xaxis=f"x{ax}", yaxis=f"y{ax}", hovertemplate=f"{s.name}<br>{labels.step} %{{x}}<br>0<extra></extra>",
                ))
            if s.diverged_at and len(x):
                fig._data_json.append(dict(
                    type="scatter", x=[float(x[-1])], y=[float(y[-1])] if np.isfinite(y[-1]) else [None],
                    mode="markers+text", marker=dict(symbol="x", size=12, color=s.color),
                    text=[labels.diverged.format(k=s.diverged_at)], textposition="top left", showlegend=False,
                    legendgroup=group, hoverinfo="text", xaxis=f"x{ax}", yaxis=f"y{ax}",
                ))
        if zeros_here:
            annotations.append({"text": labels.zero_floor, "x": x0, "y": y1 - tall, "xref": "paper", "yref": "paper",
                                "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                                "font": {"size": max(font_size - 2, 9)}, "bgcolor": "rgba(255,255,255,0.7)"})
        if marker_step is not None:
            shapes.append(dict(type="line", xref=f"x{ax}", yref=f"y{ax} domain", x0=marker_step, x1=marker_step,
                               y0=0, y1=1, line=dict(color="#888", dash="dot", width=1)))
    fig._layout_json.update(layout, annotations=annotations, shapes=shapes, height=height,
                            margin=dict(l=60, r=20, t=40, b=60), font=dict(size=font_size),
                            # below the step-axis title, whatever the number of rows
                            legend=dict(orientation="h", y=-0.16 if rows > 1 else -0.34, yanchor="top"),
                            hovermode="x unified")
    return fig


def bars_figure(categories: list[str], values: dict[str, list[float]], colors: list[str], title: str = "",
                height: int = 320, font_size: int = 13, y_range=None) -> go.Figure:
    fig = go.Figure()
    for (name, vals), col in zip(values.items(), colors, strict=False):
        fig.add_trace(go.Bar(x=categories, y=vals, name=name, marker_color=col, text=[f"{v:.4g}" for v in vals],
                             textposition="outside"))
    fig.update_layout(height=height, title=title, barmode="group", margin=dict(l=10, r=10, t=40, b=10),
                      font=dict(size=font_size), yaxis=dict(range=y_range) if y_range else {})
    return fig
