"""Figure builders: numpy in, `plotly.graph_objects.Figure` out.  No Streamlit here.

Conventions: grids are float32 (half the JSON); axis ranges are fixed so nothing
jumps while an animation plays; animation frames only touch the trajectory
traces (the contour is sent once); every colour is set explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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


def contour_trace(grid: Grid, labels: Labels, showscale: bool = True, ncontours: int = 30) -> go.Contour:
    c, shift = colour_values(grid.z, grid.log)
    kw: dict = {}
    if grid.log:
        finite = c[np.isfinite(c)]
        if finite.size:
            ticks = np.linspace(finite.min(), finite.max(), 6)
            kw["colorbar"] = dict(tickvals=ticks.tolist(), ticktext=[_tick_text(10**v + shift) for v in ticks], title=labels.loss)
    else:
        kw["colorbar"] = dict(title=labels.loss)
    text = np.vectorize(_tick_text)(grid.z.astype(np.float64)) if grid.z.size <= 160 * 160 else None
    return go.Contour(
        x=grid.xs.astype(np.float32), y=grid.ys.astype(np.float32), z=c.astype(np.float32),
        colorscale=COLORSCALE, ncontours=ncontours, showscale=showscale, line=dict(width=0.5),
        contours=dict(coloring="heatmap"), text=text,
        hovertemplate=f"{labels.x}=%{{x:.4g}}<br>{labels.y}=%{{y:.4g}}<br>{labels.loss}=%{{text}}<extra></extra>"
        if text is not None else f"{labels.x}=%{{x:.4g}}<br>{labels.y}=%{{y:.4g}}<extra></extra>",
        name=labels.loss, **kw,
    )


def pick_grid_trace(box, labels: Labels, n: int = 25) -> go.Scatter:
    """Invisible points over the contour: contours are not selectable, these are."""
    x0, x1, y0, y1 = box
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return go.Scatter(
        x=gx.ravel().astype(np.float32), y=gy.ravel().astype(np.float32), mode="markers",
        marker=dict(size=14, opacity=0, color="#ffffff"), unselected=dict(marker=dict(opacity=0)),
        selected=dict(marker=dict(opacity=0)), hovertemplate=f"{labels.pick}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
        showlegend=False, name="pick",
    )


def _trail(xy: np.ndarray, upto: int) -> np.ndarray:
    """The path up to step `upto`, thinned to at most MAX_TRAIL_POINTS (ends kept)."""
    seg = xy[: upto + 1]
    if len(seg) > MAX_TRAIL_POINTS:
        idx = np.unique(np.linspace(0, len(seg) - 1, MAX_TRAIL_POINTS).round().astype(int))
        seg = seg[idx]
    return seg.astype(np.float32)


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
    fig = go.Figure()
    fig.add_trace(contour_trace(grid, labels))
    if taylor is not None:
        fig.add_trace(go.Contour(
            x=taylor.xs.astype(np.float32), y=taylor.ys.astype(np.float32), z=taylor.z.astype(np.float32),
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
            x=p.xy[:end, 0].astype(np.float32), y=p.xy[:end, 1].astype(np.float32), mode="lines",
            line=dict(color=p.color, width=1, dash=p.dash), opacity=0.35, hoverinfo="skip", showlegend=False,
        ))
    first_dynamic = len(fig.data)
    for p in paths:
        k = _last(p, T)
        tr = _trail(p.xy, k)
        fig.add_trace(go.Scatter(
            x=tr[:, 0], y=tr[:, 1], mode="lines", line=dict(color=p.color, width=3, dash=p.dash), name=p.name,
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
    for a in arrows or []:
        fig.add_annotation(
            x=a["to"][0], y=a["to"][1], ax=a["from"][0], ay=a["from"][1], xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=3, arrowsize=1.3, arrowwidth=3, arrowcolor=a.get("color", "white"),
            text=a.get("text", ""), font=dict(color=a.get("color", "white"), size=font_size),
        )
    fig.update_layout(
        height=height, margin=dict(l=60, r=10, t=30, b=50), font=dict(size=font_size),
        xaxis=dict(range=[x0, x1], autorange=False, title=labels.x, constrain="domain"),
        yaxis=dict(range=[y0, y1], autorange=False, title=labels.y),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, bgcolor="rgba(255,255,255,0.6)"),
        clickmode="event+select", dragmode="pan", uirevision="surface",
    )
    if animate and paths and T > 0:
        _add_animation(fig, paths, T, first_dynamic, labels, n_frames)
    return fig


def _by_kind(crit: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for p in crit:
        out.setdefault(p["kind"], []).append(p)
    return {k: out[k] for k in KIND_STYLE if k in out}


def _add_animation(fig: go.Figure, paths: list[Path], T: int, first: int, labels: Labels, n_frames: int) -> None:
    steps = frame_steps(T, n_frames)
    n = len(paths)
    trace_ids = list(range(first, first + 2 * n))
    frames = []
    for k in steps:
        data = []
        for p in paths:
            tr = _trail(p.xy, _last(p, k))
            data.append(go.Scatter(x=tr[:, 0], y=tr[:, 1]))
        for p in paths:
            j = _last(p, k)
            diverged = bool(p.diverged_at) and j < k
            data.append(go.Scatter(x=[float(p.xy[j, 0])], y=[float(p.xy[j, 1])],
                                   marker=dict(color=p.color, size=13, symbol="x" if diverged else "circle",
                                               line=dict(color="white", width=2))))
        frames.append(go.Frame(data=data, traces=trace_ids, name=str(k)))
    fig.frames = frames
    play = dict(frame=dict(duration=80, redraw=True), transition=dict(duration=0), mode="immediate")
    fig.update_layout(
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
    )
    fig.update_layout(margin=dict(l=60, r=10, t=30, b=130))


def surface3d_figure(grid: Grid, paths: list[Path], box, labels: Labels, height: int = 620, font_size: int = 14) -> go.Figure:
    c, _ = colour_values(grid.z, grid.log)
    fig = go.Figure(go.Surface(
        x=grid.xs.astype(np.float32), y=grid.ys.astype(np.float32), z=grid.z.astype(np.float32),
        surfacecolor=c.astype(np.float32), colorscale=COLORSCALE, showscale=False, opacity=0.92, name=labels.loss,
    ))
    for p in paths:
        end = len(p.xy) if not p.diverged_at else p.diverged_at
        if p.loss is None:
            continue
        fig.add_trace(go.Scatter3d(
            x=p.xy[:end, 0], y=p.xy[:end, 1], z=p.loss[:end], mode="lines+markers", name=p.name,
            line=dict(color=p.color, width=6), marker=dict(size=2, color=p.color),
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
    """Small multiples sharing the step axis: each panel is (title, series, log_y)."""
    rows = (len(panels) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p[0] for p in panels], shared_xaxes=True,
                        vertical_spacing=0.14, horizontal_spacing=0.08)
    seen: set[str] = set()
    for i, (_title, series, log_y) in enumerate(panels):
        r, c = i // cols + 1, i % cols + 1
        for s in series:
            y = np.asarray(s.y, dtype=np.float64)
            x = np.arange(s.x0, s.x0 + len(y))
            if s.diverged_at:
                keep = x < s.diverged_at
                x, y = x[keep], y[keep]
            if log_y:
                y = np.where(y > 0, y, np.nan)
            group = s.group or s.name
            fig.add_trace(go.Scatter(
                x=x, y=y.astype(np.float32), mode="lines", name=s.name, line=dict(color=s.color, dash=s.dash, width=2),
                legendgroup=group, showlegend=group not in seen,
                hovertemplate=f"{s.name}<br>{labels.step} %{{x}}<br>%{{y:.6g}}<extra></extra>",
            ), row=r, col=c)
            seen.add(group)
            if s.diverged_at and len(x):
                fig.add_trace(go.Scatter(
                    x=[x[-1]], y=[float(y[-1])] if np.isfinite(y[-1]) else [None], mode="markers+text",
                    marker=dict(symbol="x", size=12, color=s.color), text=[labels.diverged.format(k=s.diverged_at)],
                    textposition="top left", showlegend=False, legendgroup=group, hoverinfo="text",
                ), row=r, col=c)
        if log_y:
            fig.update_yaxes(type="log", row=r, col=c)
        if marker_step is not None:
            fig.add_vline(x=marker_step, line=dict(color="#888", dash="dot", width=1), row=r, col=c)
    fig.update_layout(height=height, margin=dict(l=60, r=20, t=40, b=10), font=dict(size=font_size),
                      legend=dict(orientation="h", y=-0.12), hovermode="x unified")
    fig.update_xaxes(title_text=labels.step, row=rows)
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
