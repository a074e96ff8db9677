"""Figure builders of §3.6 classification: numpy in, go.Figure out, no Streamlit."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ui.common.figures import Path, log_axis, plane_axes
from ui.common.figures.theme import REFERENCE, style
from ui.common.numbers import num

# Magma, with the darkest stop lifted off pure black (the app's chart renderer drew the
# original #000004 as a pale colour in the browser; standalone plotly drew it black).
GRAD_COLORSCALE = [[0.0, "#0b0724"], [0.111, "#180f3d"], [0.222, "#440f76"], [0.333, "#721f81"], [0.444, "#9e2f7f"],
                   [0.556, "#cd4071"], [0.667, "#f1605d"], [0.778, "#fd9668"], [0.889, "#feca8d"], [1.0, "#fcfdbf"]]


def gap_figure(delta: float, ratio: float, *, x_label: str, y_label: str, curve_label: str, point_label: str,
               height: int = 320, font_size: int = 13) -> go.Figure:
    """p_max/p_second = e^Δ against the logit gap Δ (log y), with the current logits marked."""
    top = max(6.0, math.ceil(delta) + 1.0)
    d = np.linspace(0.0, top, 200)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=d, y=np.exp(d), mode="lines", name=curve_label, line=dict(color=style(0).color, width=2.5),
                             hovertemplate="Δ = %{x:.3g}<br>e^Δ = %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=d, y=1.0 + d, mode="lines", name="1 + Δ", line=dict(color=REFERENCE, width=1.5, dash="dash"),
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[delta], y=[ratio], mode="markers+text", name=point_label, text=[f"{ratio:.4g}"],
                             textposition="top left", marker=dict(color=style(1).color, size=13, line=dict(color="white", width=2)),
                             hovertemplate=f"Δ = {delta:.4g}<br>{ratio:.6g}<extra></extra>"))
    fig.update_layout(height=height, font=dict(size=font_size), margin=dict(l=70, r=10, t=20, b=50),
                      xaxis=dict(title=x_label, range=[0, top]), yaxis=dict(title=y_label) | log_axis([np.exp(d)]),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def grad_map_figure(xs: np.ndarray, ys: np.ndarray, gnorm: np.ndarray, paths: list[Path], box, *, x_label: str, y_label: str,
                    title: str, colorbar: str, start=None, zrange: tuple[float, float] | None = None, height: int = 420,
                    font_size: int = 13, not_to_scale: str = "axes not to scale") -> go.Figure:
    """log10 ‖∇L‖ as a heatmap (ticks labelled 10^k), with the trajectories drawn on top.
    `zrange` = (lo, hi) in log10 units fixes the colour scale (to compare two maps); values
    below lo get the darkest colour."""
    lg = np.log10(np.maximum(np.asarray(gnorm, dtype=np.float64), 1e-300))
    if zrange is None:
        lo, hi = math.floor(float(lg.min())), math.ceil(float(lg.max()))
    else:
        lo, hi = math.floor(zrange[0]), math.ceil(zrange[1])
    lg = np.clip(lg, lo, hi)
    step = max(1, (hi - lo) // 6)
    ticks = list(range(lo, hi + 1, step))
    fig = go.Figure(go.Heatmap(
        x=xs.astype(np.float32), y=ys.astype(np.float32), z=lg.astype(np.float32), colorscale=GRAD_COLORSCALE, zmin=lo, zmax=hi,
        colorbar=dict(title=colorbar, tickvals=ticks, ticktext=[num(10.0**t) for t in ticks]),
        hovertemplate=f"{x_label}=%{{x:.3g}}<br>{y_label}=%{{y:.3g}}<br>log₁₀‖g‖=%{{z:.2f}}<extra></extra>",
    ))
    for p in paths:
        end = len(p.xy) if not p.diverged_at else p.diverged_at
        xy = p.xy[:end]
        fig.add_trace(go.Scatter(x=xy[:, 0].astype(np.float32), y=xy[:, 1].astype(np.float32), mode="lines", name=p.name,
                                 line=dict(color=p.color, width=3, dash=p.dash), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[float(xy[-1, 0])], y=[float(xy[-1, 1])], mode="markers", showlegend=False,
                                 marker=dict(color=p.color, size=12, line=dict(color="white", width=2)), hoverinfo="skip"))
    if start is not None:
        fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(symbol="star", size=17, color="white", line=dict(color="black", width=1.5))))
    x0, x1, y0, y1 = box
    xa, ya, notes = plane_axes(box, x_label, y_label, not_to_scale)
    fig.update_layout(title=dict(text=title, x=0.5), height=height, font=dict(size=font_size), margin=dict(l=60, r=10, t=50, b=90),
                      xaxis=xa, yaxis=ya, annotations=notes,
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig
