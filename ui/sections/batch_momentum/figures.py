"""Figure builders of §3.2 (batch size and momentum): numpy in, `go.Figure` out, no Streamlit.

- `batch_figure`: the loss of ONE batch on a grid, with the current point, the batch's
  own descent direction, the full-data direction and the batch's minimum; frames swap
  the batch (client-side animation over consecutive steps).
- `curves_xy_figure`: loss curves on an x axis of updates or of epochs.
- `weights_figure`: the weights of the past gradients inside the momentum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from ui.common.figures import (
    COLORSCALE,
    Labels,
    animation_bottom,
    animation_controls,
    colour_values,
    legend_top,
    log_axis,
    loss_ticks,
    plane_axes,
    top_legend,
)

MAX_BATCH_FRAMES = 40
STILL_BOTTOM = 50  # px under a still batch view's plot: tick labels and the axis title
FULL_ARROW = "#FF4B4B"


@dataclass
class BatchFrame:
    """What the batch view shows at step k (the update θ_{k−1} → θ_k)."""

    step: int
    z: np.ndarray  # (m, n) loss of step k's batch on the grid
    point: np.ndarray  # (2,) θ_{k−1}
    g_batch: np.ndarray  # (2,) gradient of the batch at θ_{k−1}
    g_full: np.ndarray  # (2,) gradient of the full loss at θ_{k−1}
    bmin: np.ndarray | None = None  # (2,) the batch's own minimum (None: not finite / not in view)


@dataclass
class BatchText:
    x: str = "w₁"
    y: str = "w₂"
    batch_surface: str = "this batch's loss"
    full_lines: str = "full-data loss (lines)"
    point: str = "θ before the step"
    g_batch: str = "−g (this batch)"
    g_full: str = "−∇L (all data)"
    bmin: str = "this batch's minimum"
    anim: Labels = field(default_factory=Labels)  # the animation's buttons and step label, shared with the surface view
    title: str = ""  # the chart's title; "{k}" in it becomes the step each frame shows
    not_to_scale: str = "axes not to scale"


def _arrow_ends(frame: BatchFrame, span: float) -> tuple[np.ndarray, np.ndarray]:
    """Heads of the two arrows: both directions scaled by one factor so the longer is 15 % of the view."""
    longest = max(float(np.hypot(*frame.g_batch)), float(np.hypot(*frame.g_full)), 1e-300)
    s = 0.15 * span / longest
    return frame.point - s * frame.g_batch, frame.point - s * frame.g_full


def _colorbar(z: np.ndarray, c: np.ndarray, log: bool, title: str) -> dict:
    """Colour-bar ticks in loss units (the colours may be on a log scale)."""
    return dict(title=title, **loss_ticks(z, c, log, 5))


def _xy(p) -> tuple[list, list]:
    if p is None or not np.all(np.isfinite(p)):
        return [None], [None]
    return [float(p[0])], [float(p[1])]


def _frame_traces(frame: BatchFrame, span: float, zc: np.ndarray) -> list:
    hb, hf = _arrow_ends(frame, span)
    p = frame.point
    bx, by = _xy(frame.bmin)
    return [
        go.Contour(z=zc.astype(np.float32)),
        go.Scatter(x=[float(p[0]), float(hb[0])], y=[float(p[1]), float(hb[1])]),
        go.Scatter(x=[float(p[0]), float(hf[0])], y=[float(p[1]), float(hf[1])]),
        go.Scatter(x=[float(p[0])], y=[float(p[1])]),
        go.Scatter(x=bx, y=by),
    ]


def batch_figure(xs: np.ndarray, ys: np.ndarray, frames: list[BatchFrame], box, text: BatchText, *,
                 full_z: np.ndarray | None = None, active: int = 0, log: bool = False, color: str = "#D55E00",
                 height: int = 560, font_size: int = 14, grow: bool = False) -> go.Figure:
    """One batch's error surface; with several frames, ▶ plays through consecutive batches.
    With `grow` (the projector, where the chart has the whole width) the animation's controls are
    added under the plot, not taken from its `height`: the surface is as tall as a still one's.

    Colours and contour levels are shared by all frames (computed over every frame), so a
    change of colour is a change of the loss, not of the scale."""
    if not frames:
        raise ValueError("batch_figure: no frames")
    frames = frames[:MAX_BATCH_FRAMES]
    active = int(min(max(active, 0), len(frames) - 1))
    x0, x1, y0, y1 = box
    span = min(x1 - x0, y1 - y0)
    stack = np.stack([fr.z for fr in frames]).astype(np.float64)
    cvals, _ = colour_values(stack, log)
    finite = cvals[np.isfinite(cvals)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    size = (hi - lo) / 24
    fa = frames[active]
    first = _frame_traces(fa, span, cvals[active])
    fig = go.Figure()
    fig.add_trace(go.Contour(
        x=np.asarray(xs, np.float32), y=np.asarray(ys, np.float32), z=first[0].z, colorscale=COLORSCALE,
        zauto=False, zmin=lo, zmax=hi, autocontour=False, contours=dict(start=lo, end=hi, size=size, coloring="heatmap"),
        line=dict(width=0.5), colorbar=_colorbar(stack, cvals, log, text.batch_surface), name=text.batch_surface,
        hovertemplate=f"{text.x}=%{{x:.4g}}<br>{text.y}=%{{y:.4g}}<extra></extra>",
    ))
    if full_z is not None:
        fz, _ = colour_values(np.asarray(full_z, np.float64), log)
        fig.add_trace(go.Contour(
            x=np.asarray(xs, np.float32), y=np.asarray(ys, np.float32), z=fz.astype(np.float32), showscale=False,
            contours=dict(coloring="none"), line=dict(color="white", width=1, dash="dot"), ncontours=16,
            hoverinfo="skip", name=text.full_lines, showlegend=True,
        ))
    arrow = dict(symbol=["circle", "arrow"], angleref="previous", size=[5, 16])
    fig.add_trace(go.Scatter(x=first[1].x, y=first[1].y, mode="lines+markers", name=text.g_batch,
                             line=dict(color=color, width=4), marker=dict(color=color, **arrow), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=first[2].x, y=first[2].y, mode="lines+markers", name=text.g_full,
                             line=dict(color=FULL_ARROW, width=3, dash="dash"), marker=dict(color=FULL_ARROW, **arrow),
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=first[3].x, y=first[3].y, mode="markers", name=text.point, hoverinfo="skip",
                             marker=dict(color=color, size=14, line=dict(color="white", width=2))))
    fig.add_trace(go.Scatter(x=first[4].x, y=first[4].y, mode="markers", name=text.bmin, hoverinfo="skip",
                             marker=dict(symbol="star", color="#F0E442", size=18, line=dict(color="black", width=1))))
    dynamic = [0] + list(range(len(fig.data) - 4, len(fig.data)))
    xa, ya, notes = plane_axes(box, text.x, text.y, text.not_to_scale)
    top = legend_top(5 if full_z is not None else 4, font_size) + (int(1.8 * font_size) if text.title else 0)

    def title(step: int) -> dict:
        return dict(text=text.title.replace("{k}", str(step)), x=0, xanchor="left", y=1, yanchor="top", yref="container",
                    pad=dict(t=6, l=4), font=dict(size=font_size + 1))

    fig.update_layout(
        height=height, font=dict(size=font_size), margin=dict(l=60, r=10, t=top, b=STILL_BOTTOM),
        xaxis=xa, yaxis=ya, annotations=notes, title=title(fa.step) if text.title else None,
        legend=top_legend(font_size, bgcolor="rgba(150,150,150,0.35)"),
        uirevision="batch",
    )
    if len(frames) > 1:
        fig.frames = [go.Frame(data=_frame_traces(fr, span, cvals[j]), traces=dynamic, name=str(fr.step),
                               layout=dict(title=title(fr.step)) if text.title else None)
                      for j, fr in enumerate(frames)]
        if grow:
            height += animation_bottom(font_size) - STILL_BOTTOM
        menus, sliders, bottom = animation_controls([fr.step for fr in frames], text.anim, height, top, font_size,
                                                    active=active, duration=700)
        fig.update_layout(height=height, updatemenus=menus, sliders=sliders, margin=dict(l=60, r=10, t=top, b=bottom))
    return fig


@dataclass
class Curve:
    name: str
    color: str
    x: np.ndarray
    y: np.ndarray
    dash: str = "solid"
    width: float = 2.0
    opacity: float = 1.0
    group: str | None = None
    showlegend: bool = True


@dataclass
class CurvesText:
    x: str = "updates"
    y: str = "loss"
    title: str = ""
    marker: str = ""


def curves_xy_figure(curves: list[Curve], text: CurvesText, *, log_y: bool = False,
                     markers: list[tuple[float, str]] | None = None, y_from: list[Curve] | None = None,
                     x_range: tuple[float, float] | None = None,
                     height: int = 420, font_size: int = 13) -> go.Figure:
    """Lines on a shared x axis (updates or epochs); `markers` are vertical lines (x, colour).

    `y_from`: the curves that fix the y range (others may leave it, e.g. noisy batch losses)."""
    fig = go.Figure()
    for c in curves:
        x = np.asarray(c.x, np.float64)
        y = np.asarray(c.y, np.float64)
        keep = np.isfinite(y) & (y > 0 if log_y else True)
        fig.add_trace(go.Scatter(
            x=x[keep].astype(np.float32), y=y[keep].astype(np.float32), mode="lines", name=c.name,
            line=dict(color=c.color, dash=c.dash, width=c.width), opacity=c.opacity,
            legendgroup=c.group or c.name, showlegend=c.showlegend,
            hovertemplate=f"{c.name}<br>{text.x} %{{x:.4g}}<br>%{{y:.5g}}<extra></extra>",
        ))
    for x, col in markers or []:
        fig.add_vline(x=float(x), line=dict(color=col, dash="dot", width=1.5))
    yaxis = dict(title=text.y, automargin=True) | (log_axis([c.y for c in (y_from or curves)]) if log_y else {"type": "linear"})
    if y_from:
        ys = np.concatenate([np.asarray(c.y, np.float64) for c in y_from])
        ys = ys[np.isfinite(ys) & ((ys > 0) if log_y else True)]
        if ys.size:
            lo, hi = float(ys.min()), float(ys.max())
            if log_y:
                lo, hi = np.log10(lo), np.log10(hi)
            pad = 0.08 * (hi - lo) if hi > lo else (abs(hi) * 0.1 or 1.0)
            yaxis["range"] = [lo - pad, hi + pad]
    fig.update_layout(
        height=height, font=dict(size=font_size), margin=dict(l=70, r=10, t=40 if text.title else 20, b=10),
        title=text.title or None, yaxis=yaxis,
        xaxis=dict(title=text.x, automargin=True, **({"range": list(x_range), "autorange": False} if x_range else {})),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0), hovermode="closest",
    )
    return fig


@dataclass
class WeightSeries:
    name: str
    color: str
    weights: np.ndarray  # (J,) weight on g_j


def weights_figure(js: np.ndarray, series: list[WeightSeries], *, x_title: str, y_title: str, title: str = "",
                   height: int = 300, font_size: int = 13) -> go.Figure:
    """Bars over j: how much of g_j is inside the movement of the selected step."""
    fig = go.Figure()
    for s in series:
        fig.add_trace(go.Bar(x=np.asarray(js, np.int64), y=np.asarray(s.weights, np.float64), name=s.name,
                             marker_color=s.color, hovertemplate=f"{s.name}<br>j=%{{x}}<br>%{{y:.4g}}<extra></extra>"))
    top = max((float(np.nanmax(s.weights)) for s in series if len(s.weights)), default=1.0)
    fig.update_layout(
        barmode="group", height=height, font=dict(size=font_size), title=title or None,
        margin=dict(l=70, r=10, t=60 if title else 30, b=60), bargap=0.15,
        xaxis=dict(title=x_title, automargin=True), yaxis=dict(title=y_title, range=[0, 1.08 * top if top > 0 else 1.0],
                                                             automargin=True, tickformat=".2g"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return fig
