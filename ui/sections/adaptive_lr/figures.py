"""Figure builders of §3.3 (adaptive learning rate): numpy in, `go.Figure` out, no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.common.figures import log_axis, log_floor
from ui.common.figures.theme import REFERENCE


@dataclass
class LossGrad:
    name: str
    color: str
    loss: np.ndarray  # (T+1,)
    grad: np.ndarray  # (T+1,)
    diverged_at: int | None = None
    uid: str | None = None  # its traces' `meta`: "<uid>-loss", "<uid>-grad" (a live control finds them by these)


@dataclass
class LossGradText:
    step: str = "step"
    loss: str = "loss L (solid)"
    grad: str = "‖g‖ (dotted)"
    title: str = ""
    zero_floor: str = "▼ ‖g‖ = 0 (drawn at the floor of the log axis)"


def loss_grad_figure(runs: list[LossGrad], text: LossGradText, *, marker_step: int | None = None,
                     height: int = 420, font_size: int = 13) -> go.Figure:
    """Loss (left axis, solid) and gradient norm (right axis, dotted) against the step, both log."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    floor = log_floor([r.grad for r in runs])
    zeros = False
    for r in runs:
        end = len(r.loss) if r.diverged_at is None else r.diverged_at
        x = np.arange(end)
        loss = np.asarray(r.loss[:end], np.float64)
        grad = np.asarray(r.grad[:end], np.float64)
        loss = np.where(loss > 0, loss, np.nan)
        grad = np.where(grad > 0, grad, np.nan)
        uid_loss, uid_grad = (f"{r.uid}-loss", f"{r.uid}-grad") if r.uid else (None, None)
        fig.add_trace(go.Scatter(x=x, y=loss.astype(np.float32), mode="lines", name=r.name, legendgroup=r.name, meta=uid_loss,
                                 line=dict(color=r.color, width=2.5),
                                 hovertemplate=f"{r.name}<br>{text.step} %{{x}}<br>L=%{{y:.6g}}<extra></extra>"),
                      secondary_y=False)
        fig.add_trace(go.Scatter(x=x, y=grad.astype(np.float32), mode="lines", name=f"{r.name} ‖g‖", legendgroup=r.name, meta=uid_grad,
                                 showlegend=False, line=dict(color=r.color, width=2, dash="dot"),
                                 hovertemplate=f"{r.name}<br>{text.step} %{{x}}<br>‖g‖=%{{y:.4g}}<extra></extra>"),
                      secondary_y=True)
        zero = np.asarray(r.grad[:end], np.float64) == 0
        if zero.any():  # ‖g‖ = 0 exactly (a critical point reached): a marker on the floor, not an empty chart
            zeros = True
            fig.add_trace(go.Scatter(x=x[zero], y=np.full(int(zero.sum()), floor, np.float32), mode="markers",
                                     marker=dict(symbol="triangle-down", size=9, color=r.color), showlegend=False,
                                     legendgroup=r.name, hovertemplate=f"{r.name}<br>{text.step} %{{x}}<br>‖g‖ = 0<extra></extra>"),
                          secondary_y=True)
    if zeros:
        fig.add_annotation(text=text.zero_floor, xref="paper", yref="paper", x=1, y=0, xanchor="right", yanchor="bottom",
                           showarrow=False, font=dict(size=max(font_size - 2, 9)), bgcolor="rgba(255,255,255,0.7)")
    if marker_step is not None:
        fig.add_vline(x=marker_step, line=dict(color=REFERENCE, dash="dash", width=1.5))
    fig.update_yaxes(title_text=text.loss, secondary_y=False, **log_axis([r.loss for r in runs]))
    fig.update_yaxes(title_text=text.grad, secondary_y=True, showgrid=False, **log_axis([r.grad for r in runs]))
    fig.update_xaxes(title_text=text.step, automargin=True)
    fig.update_layout(height=height, font=dict(size=font_size), title=text.title or None,
                      margin=dict(l=70, r=70, t=40 if text.title else 10, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=max(font_size - 1, 9))),
                      hovermode="x unified")
    return fig
