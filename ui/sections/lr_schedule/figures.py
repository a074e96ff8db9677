"""Figure builders for §3.4 (learning-rate scheduling): numpy in, go.Figure out, no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ui.common.figures import log_axis
from ui.common.figures.theme import INK, LEGEND_FIGURE_PX, REFERENCE, bottom_legend, foot_margin, legend_name, legend_rows_px


@dataclass
class EtaCurve:
    name: str
    color: str
    eta: np.ndarray  # η_t of steps 1..T (index 0 is step 1)
    dash: str = "solid"
    meta: str | None = None  # the trace's `meta` (a live control finds it by this)


def eta_figure(curves: list[EtaCurve], *, step_label: str = "step", eta_label: str = "η_t", title: str = "",
               marker_step: int | None = None, log_y: bool = False, height: int = 320, font_size: int = 13,
               width_px: int | None = None) -> go.Figure:
    """η_t against the step (1..T); a dotted line and a dot on each curve mark the selected step.
    The legend sits at the figure's foot, each name broken into lines that fit a chart
    `width_px` wide (the narrowest it is drawn; unless told, the narrowest chart with a legend)."""
    fig = go.Figure()
    legend_font = bottom_legend(font_size)["font"]["size"]
    room = (width_px or LEGEND_FIGURE_PX) - 60  # the legend starts under the plot area, right of the y-axis's margin
    names = [legend_name(c.name, legend_font, room) for c in curves]
    for c, shown in zip(curves, names, strict=True):
        y = np.asarray(c.eta, dtype=np.float64)
        x = np.arange(1, len(y) + 1)
        fig.add_trace(go.Scatter(
            x=x, y=y.astype(np.float32), mode="lines", name=shown, line=dict(color=c.color, dash=c.dash, width=2.5), meta=c.meta,
            hovertemplate=f"{c.name}<br>{step_label} %{{x}}<br>{eta_label} = %{{y:.4g}}<extra></extra>",
        ))
        if marker_step is not None and 1 <= marker_step <= len(y):
            fig.add_trace(go.Scatter(
                x=[marker_step], y=[float(y[marker_step - 1])], mode="markers", showlegend=False, hoverinfo="skip",
                marker=dict(color=c.color, size=11, line=dict(color="white", width=2)),
            ))
    if marker_step is not None:
        fig.add_vline(x=marker_step, line=dict(color=REFERENCE, dash="dash", width=1.5))
    n = max((len(c.eta) for c in curves), default=1)
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left") if title else None, height=height, font=dict(size=font_size),
        margin=dict(l=60, r=10, t=40 if title else 20,
                    b=foot_margin(font_size, legend_rows_px(len(names), legend_font, names, room))),
        xaxis=dict(title=step_label, range=[0.5, n + 0.5]),
        yaxis=dict(title=eta_label, automargin=True) | (log_axis([c.eta for c in curves]) if log_y else
                                                        {"type": "linear", "exponentformat": "power"}),
        legend=bottom_legend(font_size), hovermode="x unified",
    )
    return fig


def rectifier_figure(r: np.ndarray, *, sgd_label: str, r_label: str = "r_t", step_label: str = "step", title: str = "",
                     marker_step: int | None = None, color: str = "#009E73", height: int = 300,
                     font_size: int = 13) -> go.Figure:
    """RAdam's rectifier r_t (NaN on the plain-momentum steps, which are shaded)."""
    r = np.asarray(r, dtype=np.float64)
    k = np.arange(1, len(r) + 1)
    fig = go.Figure()
    off = np.flatnonzero(np.isnan(r))
    if off.size:
        edge = float(off[-1]) + 1.5
        fig.add_vrect(x0=0.5, x1=edge, fillcolor="#E69F00", opacity=0.25, line_width=0)
        fig.add_annotation(x=edge, y=1.0, xref="x", yref="y", xanchor="left", yanchor="top", showarrow=False,
                           text=f"← {sgd_label} (1–{int(off[-1]) + 1})", font=dict(color=INK))
    fig.add_trace(go.Scatter(
        x=k, y=np.where(np.isnan(r), None, r), mode="lines+markers" if len(r) <= 60 else "lines", name=r_label,
        line=dict(color=color, width=2.5), marker=dict(size=5),
        hovertemplate=f"{step_label} %{{x}}<br>{r_label} = %{{y:.4f}}<extra></extra>",
    ))
    if marker_step is not None:
        fig.add_vline(x=marker_step, line=dict(color=REFERENCE, dash="dash", width=1.5))
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left") if title else None, height=height, font=dict(size=font_size),
        margin=dict(l=60, r=10, t=40 if title else 20, b=50),
        xaxis=dict(title=step_label, range=[0.5, len(r) + 0.5]), yaxis=dict(title=r_label, range=[0, 1.05]), showlegend=False,
    )
    return fig
