"""Curves over the steps (small multiples sharing the step axis) and bar charts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ui.common.figures.axes import log_axis, log_floor
from ui.common.figures.contour import Labels
from ui.common.figures.lean import LeanFigure, typed
from ui.common.figures.theme import REFERENCE, bottom_legend, foot_margin, legend_rows_px


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
    legend_names: list[str] = []  # the legend's entries, one a group
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
            if group not in seen:
                legend_names.append(s.name)
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
                               y0=0, y1=1, line=dict(color=REFERENCE, dash="dot", width=1)))
    # the legend at the figure's foot, under the step axis's numbers and title in pixels (placed in
    # fractions of the plot's height, it ran into the title in presentation mode's bigger text)
    below = legend_rows_px(len(legend_names), font_size, legend_names)
    fig._layout_json.update(layout, annotations=annotations, shapes=shapes, height=height,
                            margin=dict(l=60, r=20, t=40, b=foot_margin(font_size, below)), font=dict(size=font_size),
                            legend=bottom_legend(font_size), hovermode="x unified")
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
