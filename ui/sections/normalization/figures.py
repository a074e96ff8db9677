"""Figure builders for §3.7 normalization: numpy in, go.Figure out, no Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.common.figures.theme import REFERENCE, style

FEATURE_COLORS = tuple(style(j).color for j in range(5))


def stages_figure(stages: list[tuple[str, np.ndarray]], feature_names: list[str], *, height: int = 380,
                  font_size: int = 13, colors=FEATURE_COLORS) -> go.Figure:
    """One panel per feature; x = the stages (z, z̃, ẑ train, ẑ eval …), one thin line per sample
    joining its values through the stages, so a reader follows each example."""
    n_feat = len(feature_names)
    fig = make_subplots(rows=1, cols=n_feat, subplot_titles=feature_names, horizontal_spacing=0.06)
    names = [s[0] for s in stages]
    vals = np.stack([np.asarray(s[1], dtype=np.float64) for s in stages])  # (S, B, F)
    b = vals.shape[1]
    s = len(names)
    # one trace per feature: the examples' polylines joined with None gaps (B traces would be slow to build)
    xs = (names + [None]) * b
    for j in range(n_feat):
        col = colors[j % len(colors)]
        ys = np.full((b, s + 1), np.nan)
        ys[:, :s] = vals[:, :, j].T
        ids = np.repeat(np.arange(1, b + 1), s + 1)
        fig.add_trace(go.Scatter(
            x=xs, y=ys.ravel().astype(np.float32), mode="lines+markers", showlegend=False, customdata=ids,
            line=dict(color=col, width=1), opacity=0.55 if b > 12 else 0.85, marker=dict(size=7, color=col),
            connectgaps=False, hovertemplate="#%{customdata}<br>%{x}: %{y:.4g}<extra></extra>",
        ), row=1, col=j + 1)
        fig.add_hline(y=0, line=dict(color=REFERENCE, width=1, dash="dash"), row=1, col=j + 1)
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    fig.update_layout(height=height, font=dict(size=font_size), margin=dict(l=50, r=10, t=40, b=50))
    return fig


def batch_stats_figure(mu: np.ndarray, sd: np.ndarray, run_mean: np.ndarray, run_sd: np.ndarray, true_mean, true_sd,
                       feature_names: list[str], *, titles: tuple[str, str], step_label: str, batch_label: str,
                       running_label: str, true_label: str, height: int = 420, font_size: int = 13,
                       colors=FEATURE_COLORS) -> go.Figure:
    """Batch μ and σ over the training batches (dots), the running averages (lines) and the truth (dashed)."""
    mu, sd = np.asarray(mu), np.asarray(sd)
    run_mean, run_sd = np.asarray(run_mean), np.asarray(run_sd)
    n, f = mu.shape
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.08)
    x = np.arange(1, n + 1)
    xr = np.arange(0, n + 1)
    for panel, (batch, running, truth) in enumerate(((mu, run_mean, true_mean), (sd, run_sd, true_sd)), start=1):
        for j in range(f):
            col = colors[j % len(colors)]
            name = feature_names[j]
            first = panel == 1
            fig.add_trace(go.Scatter(
                x=x, y=batch[:, j].astype(np.float32), mode="markers", name=f"{name} · {batch_label}", legendgroup=name,
                marker=dict(color=col, size=6, opacity=0.7), showlegend=first,
                hovertemplate=f"{name}<br>{step_label} %{{x}}<br>%{{y:.4g}}<extra></extra>",
            ), row=1, col=panel)
            fig.add_trace(go.Scatter(
                x=xr, y=running[:, j].astype(np.float32), mode="lines", name=f"{name} · {running_label}", legendgroup=name,
                line=dict(color=col, width=2.5), showlegend=first,
                hovertemplate=f"{name} {running_label}<br>{step_label} %{{x}}<br>%{{y:.4g}}<extra></extra>",
            ), row=1, col=panel)
            fig.add_trace(go.Scatter(
                x=[0, n], y=[float(truth[j])] * 2, mode="lines", name=f"{name} · {true_label}", legendgroup=name,
                line=dict(color=col, width=1.5, dash="dash"), showlegend=False, hoverinfo="skip",
            ), row=1, col=panel)
    fig.update_xaxes(title_text=step_label, automargin=True)
    fig.update_yaxes(automargin=True)  # room for the tick labels: "−2" kept its minus sign only with a margin that fits it
    fig.update_layout(height=height, font=dict(size=font_size), margin=dict(l=60, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    return fig
