"""Figure builders: numpy in, `plotly.graph_objects.Figure` out.  No Streamlit here.

Conventions: grids are float32 (half the JSON); axis ranges are fixed so nothing
jumps while an animation plays; animation frames only touch the trajectory
traces (the contour is sent once); every colour is set explicitly.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from surfaces.base import grid

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
    diverged: str = "diverged at step {k}"
    kinds: dict = field(default_factory=lambda: {k: k for k in KIND_STYLE})
    taylor: str = "Taylor model"


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
    return f"{v:.3g}"


def loss_ticks(z: np.ndarray, c: np.ndarray, log: bool, n: int) -> dict:
    """`n` colour-bar ticks over the colour values `c` of `z`, labelled in loss units
    (c = log10(z − min + δ) when `log`); {} when nothing is finite."""
    finite = np.isfinite(c)
    if not finite.any():
        return {}
    ticks = np.linspace(float(c[finite].min()), float(c[finite].max()), n)
    shift = colour_values(z, True)[1] if log else 0.0
    return dict(tickvals=ticks.tolist(), ticktext=[_tick_text(10**v + shift if log else v) for v in ticks])


def contour_trace(grid: Grid, labels: Labels, showscale: bool = True, ncontours: int = 30) -> go.Contour:
    c, _ = colour_values(grid.z, grid.log)
    kw: dict = {"colorbar": dict(title=labels.loss)}
    if grid.log:
        kw["colorbar"].update(loss_ticks(grid.z, c, True, 6))
    text = np.vectorize(_tick_text)(grid.z.astype(np.float64)) if grid.z.size <= 160 * 160 else None
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


def _trail(xy: np.ndarray, upto: int, idx: np.ndarray | None = None) -> np.ndarray:
    """The path up to step `upto`, thinned to at most MAX_TRAIL_POINTS (ends kept)."""
    if idx is None:
        idx = _thin(upto + 1, MAX_TRAIL_POINTS)
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
    for p in paths:
        k = _last(p, T)
        tr = _trail(p.xy, k)
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
    annotations = [
        dict(x=a["to"][0], y=a["to"][1], ax=a["from"][0], ay=a["from"][1], xref="x", yref="y", axref="x", ayref="y",
             showarrow=True, arrowhead=3, arrowsize=1.3, arrowwidth=3, arrowcolor=a.get("color", "white"),
             text=a.get("text", ""), font=dict(color=a.get("color", "white"), size=font_size))
        for a in arrows or []
    ]
    fig._layout_json.update(  # ready-made: plotly's update_layout costs ~0.1 s here
        height=height, margin=dict(l=60, r=10, t=30, b=50), font=dict(size=font_size),
        xaxis=dict(range=[x0, x1], autorange=False, title=dict(text=labels.x), constrain="domain"),
        yaxis=dict(range=[y0, y1], autorange=False, title=dict(text=labels.y)),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, bgcolor="rgba(255,255,255,0.6)"),
        clickmode="event+select", dragmode="pan", uirevision="surface", annotations=annotations,
    )
    if animate and paths and T > 0:
        _add_animation(fig, paths, T, first_dynamic, labels, n_frames)
    return fig


def _by_kind(crit: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for p in crit:
        out.setdefault(p["kind"], []).append(p)
    return {k: out[k] for k in KIND_STYLE if k in out}


def _add_animation(fig: LeanFigure, paths: list[Path], T: int, first: int, labels: Labels, n_frames: int) -> None:
    steps = frame_steps(T, n_frames)
    n = len(paths)
    trace_ids = list(range(first, first + 2 * n))
    frames = []
    thinned: dict[int, np.ndarray] = {}  # paths of equal length share their indices
    for k in steps:
        data = []
        for p in paths:
            j = _last(p, k)
            if j not in thinned:
                thinned[j] = _thin(j + 1, MAX_TRAIL_POINTS)
            tr = _trail(p.xy, j, thinned[j])
            data.append({"type": "scatter", "x": typed(tr[:, 0]), "y": typed(tr[:, 1])})
        for p in paths:
            j = _last(p, k)
            diverged = bool(p.diverged_at) and j < k
            data.append({"type": "scatter", "x": [float(p.xy[j, 0])], "y": [float(p.xy[j, 1])],
                         "marker": {"color": p.color, "size": 13, "symbol": "x" if diverged else "circle",
                                    "line": {"color": "white", "width": 2}}})
        frames.append({"data": data, "traces": trace_ids, "name": str(k)})
    fig._frames_json = frames
    play = dict(frame=dict(duration=80, redraw=True), transition=dict(duration=0), mode="immediate")
    fig._layout_json.update(
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=-0.10, xanchor="left", yanchor="top", pad=dict(t=4, r=4),
            showactive=False,
            buttons=[
                dict(label=labels.play, method="animate", args=[None, dict(play, fromcurrent=False)]),
                dict(label=labels.pause, method="animate",
                     args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))]),
                dict(label=labels.resume, method="animate", args=[None, dict(play, fromcurrent=True)]),
            ],
        )],
        sliders=[dict(
            active=len(steps) - 1, x=0.30, y=-0.10, len=0.70, xanchor="left", yanchor="top", pad=dict(t=4),
            currentvalue=dict(prefix=f"{labels.step} "),
            steps=[dict(method="animate", label=str(k),
                        args=[[str(k)], dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))])
                   for k in steps],
        )],
        margin=dict(l=60, r=10, t=30, b=130),
    )


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
        surfacecolor=typed(c), colorscale=COLORSCALE, showscale=False, opacity=0.92, name=labels.loss,
    ))
    for p in paths:
        end = len(p.xy) if not p.diverged_at else p.diverged_at
        if p.loss is None:
            continue
        k = _thin(end, PATH_3D_POINTS)
        fig.add_trace(go.Scatter3d(
            x=typed(p.xy[k, 0]), y=typed(p.xy[k, 1]), z=typed(p.loss[k]), mode="lines", name=p.name,
            line=dict(color=p.color, width=6),
        ))
        fig.add_trace(go.Scatter3d(  # where it ended
            x=[float(p.xy[end - 1, 0])], y=[float(p.xy[end - 1, 1])], z=[float(p.loss[end - 1])], mode="markers",
            marker=dict(size=5, color=p.color, line=dict(color="white", width=1)), showlegend=False, hoverinfo="skip",
        ))
    x0, x1, y0, y1 = box
    fig.update_layout(
        height=height, margin=dict(l=0, r=0, t=30, b=0), font=dict(size=font_size),
        scene=dict(xaxis=dict(title=labels.x, range=[x0, x1]), yaxis=dict(title=labels.y, range=[y0, y1]), zaxis=dict(title=labels.loss)),
        legend=dict(orientation="h", y=1.02),
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
        layout[f"yaxis{ax}"] = {"domain": [y1 - tall, y1], "anchor": f"x{ax}", "type": "log" if log_y else "linear"}
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
            if log_y:
                y = np.where(y > 0, y, np.nan)
            group = s.group or s.name
            fig._data_json.append(dict(
                type="scatter", x=typed(x), y=typed(y), mode="lines", name=s.name,
                line=dict(color=s.color, dash=s.dash, width=2), legendgroup=group, showlegend=group not in seen,
                xaxis=f"x{ax}", yaxis=f"y{ax}", hovertemplate=f"{s.name}<br>{labels.step} %{{x}}<br>%{{y:.6g}}<extra></extra>",
            ))
            seen.add(group)
            if s.diverged_at and len(x):
                fig._data_json.append(dict(
                    type="scatter", x=[float(x[-1])], y=[float(y[-1])] if np.isfinite(y[-1]) else [None],
                    mode="markers+text", marker=dict(symbol="x", size=12, color=s.color),
                    text=[labels.diverged.format(k=s.diverged_at)], textposition="top left", showlegend=False,
                    legendgroup=group, hoverinfo="text", xaxis=f"x{ax}", yaxis=f"y{ax}",
                ))
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
