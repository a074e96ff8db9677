"""Pure Plotly figures of the inside-network page (numpy in, `go.Figure` out)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.common.figures import log_axis
from ui.common.figures.theme import PALETTE, REFERENCE, style

THRESHOLD_DASH = "8px,4px"  # a run's limit (2/η, 38/η): short dashes, unlike any run's own line (theme.DASHES)


def _layout(fig: go.Figure, height: int, font_size: int, **kw) -> go.Figure:
    fig.update_layout(height=height, font=dict(size=font_size), margin=dict(l=60, r=20, t=60, b=50),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0), template="plotly_white", **kw)
    return fig


def _finite(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), a, np.nan)


def sharpness_figure(runs: list[dict], labels: dict, height: int = 460, font_size: int = 13,
                     legend_below: bool = False) -> go.Figure:
    """Left: the sharpness of each run along training with its threshold (dashed, same colour).
    Right: the training loss of each run (log axis).  Each run: name, update, sharp, threshold,
    loss (per update); optional `diverged_at` (k) and `diverged` (its label): then only the
    measurements up to update k are drawn, with an ✗ and the label at the loss's last point.
    Both x axes span the updates actually run (a run that diverged at update 5 is drawn on
    0…5, not around a lone point)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["sharp_title"], labels["loss_title"]), horizontal_spacing=0.1)
    x_end = 1.0
    for i, r in enumerate(runs):
        c, dash = style(i).color, style(i).dash
        k = r.get("diverged_at")
        upd, sharp = np.asarray(r["update"]), _finite(r["sharp"])
        loss = _finite(r["loss"])
        if k is not None:
            keep = upd <= k
            upd, sharp, loss = upd[keep], sharp[keep], loss[: k + 1]  # θ_0 … θ_k
        end = float(max(np.max(upd, initial=0), len(loss) - 1, 1))
        x_end = max(x_end, end)
        fig.add_trace(go.Scatter(x=upd, y=sharp, mode="lines+markers", name=r["name"],
                                 line=dict(color=c, dash=dash, width=2.5), marker=dict(size=5 if len(upd) > 1 else 10), legendgroup=r["name"],
                                 hovertemplate=f"{labels['update']} %{{x}}<br>%{{y:.4g}}<extra>{r['name']}</extra>"), 1, 1)
        fig.add_trace(go.Scatter(x=[0, end], y=[r["threshold"]] * 2, mode="lines",
                                 name=r["threshold_name"], line=dict(color=c, dash=THRESHOLD_DASH, width=2), legendgroup=r["name"],
                                 hoverinfo="skip"), 1, 1)
        fig.add_trace(go.Scatter(x=np.arange(len(loss)), y=loss, mode="lines", line=dict(color=c, width=1.2), showlegend=False,
                                 legendgroup=r["name"], hovertemplate=f"{labels['update']} %{{x}}<br>%{{y:.4g}}<extra>{r['name']}</extra>"),
                      1, 2)
        if k is not None and len(loss):
            fig.add_trace(go.Scatter(x=[len(loss) - 1], y=[loss[-1]], mode="markers+text", text=[r.get("diverged", "")],
                                     textposition="top left", marker=dict(symbol="x", size=13, color=c), showlegend=False,
                                     legendgroup=r["name"], hoverinfo="text", textfont=dict(color=c)), 1, 2)
    fig.update_xaxes(title_text=labels["update"], range=[0, x_end * 1.03])
    fig.update_yaxes(title_text=labels["sharp_axis"], row=1, col=1, rangemode="tozero")
    fig.update_yaxes(title_text=labels["loss_axis"], **log_axis([_finite(r["loss"])[: (r["diverged_at"] + 1) if r.get("diverged_at") is not None else None]
                                                                    for r in runs]),
                     row=1, col=2)
    _layout(fig, height, font_size)
    rows = max(1, len(runs))
    if legend_below:  # the projector: the plots first, the legend (a row per run) at the bottom
        fig.update_layout(margin=dict(t=50, b=60 + 26 * rows), legend=dict(yref="container", y=0, yanchor="bottom"))
        return fig
    # the legend (one row per run: its curve and its threshold) sits above the subplot titles
    fig.update_layout(margin=dict(t=50 + 26 * rows), legend=dict(y=1.08 + 0.03 * rows))
    return fig


def line_figure(runs: list[dict], labels: dict, height: int = 420, font_size: int = 13, legend_below: bool = False) -> go.Figure:
    """The training loss along one filter-normalized random direction through each solution."""
    fig = go.Figure()
    for i, r in enumerate(runs):
        fig.add_trace(go.Scatter(x=np.asarray(r["alpha"]), y=_finite(r["curve"]), mode="lines", name=r["name"],
                                 line=dict(color=style(i).color, dash=style(i).dash, width=3),
                                 hovertemplate="α = %{x:.3g}<br>L = %{y:.4g}<extra></extra>"))
    fig.update_xaxes(title_text=labels["alpha"], zeroline=True)
    fig.update_yaxes(title_text=labels["loss_axis"], rangemode="tozero")
    # the title at the top of the figure, the legend in its own row under it, above the plot
    _layout(fig, height, font_size, title=dict(text=labels["title"], x=0, y=1, yref="container", yanchor="top", pad=dict(t=10)))
    if legend_below:  # the projector: the plot right under its title, the legend at the bottom
        fig.update_layout(margin=dict(t=int(2 * font_size) + 24, b=50 + 2 * font_size),
                          legend=dict(yref="container", y=0, yanchor="bottom"))
        return fig
    fig.update_layout(margin=dict(t=int(3.6 * font_size) + 30), legend=dict(y=1.0, yanchor="bottom"))
    return fig


def ratio_figure(dots: list[dict], labels: dict, height: int = 460, font_size: int = 13) -> go.Figure:
    """One dot per network: training loss (x) against minimum ratio (y); hollow where ‖g‖ did
    not get below the tolerance.  The line y = 1 is where a local minimum would sit."""
    fig = go.Figure()
    for conv in (True, False):
        ds = [d for d in dots if d["converged"] is conv]
        if not ds:
            continue
        fig.add_trace(go.Scatter(
            x=[d["loss"] for d in ds], y=[d["minimum_ratio"] for d in ds], mode="markers",
            name=labels["converged"] if conv else labels["not_converged"],
            marker=dict(size=11, color=PALETTE[0], symbol="circle" if conv else "circle-open", line=dict(width=2, color=PALETTE[0])),
            customdata=[[d["grad_norm"], d["positive"], d["negative"], d["zero"], d["seed"]] for d in ds],
            hovertemplate=(f"{labels['loss']} %{{x:.4g}}<br>{labels['ratio']} %{{y:.3f}}<br>‖g‖ %{{customdata[0]:.2e}}<br>"
                           "+%{customdata[1]} / −%{customdata[2]} / 0: %{customdata[3]}<extra>seed %{customdata[4]}</extra>"),
        ))
    xs = [d["loss"] for d in dots] or [0.0]
    fig.add_trace(go.Scatter(x=[0, max(xs) * 1.05], y=[1, 1], mode="lines", name=labels["minimum_line"],
                             line=dict(color=REFERENCE, dash="dash"), hoverinfo="skip"))
    fig.update_xaxes(title_text=labels["loss"], rangemode="tozero")
    fig.update_yaxes(title_text=labels["ratio"], range=[0, 1.05])
    return _layout(fig, height, font_size)
