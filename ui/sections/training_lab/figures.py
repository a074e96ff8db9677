"""Figure builders of the training lab: numpy and plain lists in, `go.Figure` out.  No Streamlit.

Images are drawn as heatmaps in a grey scale with the digit dark on light, as the
data set's viewer shows them; every colour is set explicitly (the Streamlit theme
must not restyle them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ui.common.figures import PALETTE, LeanFigure, bottom_legend, foot_margin, legend_rows_px, log_axis

GREYS = [[0.0, "#ffffff"], [1.0, "#111111"]]


@dataclass
class CurveRun:
    """What the curves of one run need (per-epoch lists; per-update batch losses)."""

    name: str
    epoch: list[int]
    updates: list[int]
    train_loss: list[float]
    val_loss: list[float]
    train_acc: list[float]
    val_acc: list[float]
    batch_loss: list[float]
    diverged: str | None = None  # the label at the point where it diverged
    number: int | None = None  # the run's number on the page (its colour); None: its place in the list


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def curves_figure(runs: list[CurveRun], by: str, labels: dict, epochs: int, total_updates: int,
                  height: int = 420, font_size: int = 13) -> go.Figure:
    """Loss (left) and accuracy (right) against epochs or updates; validation solid,
    training dashed (a dotted line fades on a projector); by updates the per-update batch loss is drawn faintly too.  Axis
    ranges are fixed to the planned run, so the curves grow into a still frame.

    The traces and the layout are plain JSON (`LeanFigure`): this figure is redrawn every
    second of every live training in the one server, and plotly's validation of its dozen
    traces took 30 ms a time (the JSON sent is the same)."""
    fig = LeanFigure()
    data = fig._data_json
    x_max = epochs if by == "epochs" else max(total_updates, 1)
    for i, r in enumerate(runs):
        c = colour(i if r.number is None else r.number - 1)
        x = list(r.epoch if by == "epochs" else r.updates)
        if by == "updates" and r.batch_loss:
            step = max(1, len(r.batch_loss) // 600)
            data.append({"type": "scatter", "x": list(range(1, len(r.batch_loss) + 1, step)),
                         "y": [float(v) for v in r.batch_loss[::step]], "mode": "lines", "opacity": 0.25,
                         "line": {"color": c, "width": 1}, "name": f"{r.name} · {labels['batch_loss']}",
                         "legendgroup": r.name, "showlegend": False, "xaxis": "x", "yaxis": "y", "hoverinfo": "skip"})
        for key, yaxis, xaxis, dash, what in (("val_loss", "y", "x", "solid", labels["val"]),
                                              ("train_loss", "y", "x", "dash", labels["train"]),
                                              ("val_acc", "y2", "x2", "solid", labels["val"]),
                                              ("train_acc", "y2", "x2", "dash", labels["train"])):
            data.append({"type": "scatter", "x": x, "y": [float(v) for v in getattr(r, key)], "mode": "lines+markers",
                         "marker": {"size": 5}, "line": {"color": c, "dash": dash, "width": 2}, "name": r.name,
                         "legendgroup": r.name, "showlegend": key == "val_loss", "xaxis": xaxis, "yaxis": yaxis,
                         "hovertemplate": f"{r.name} · {what}<br>%{{x}}: %{{y:.4f}}<extra></extra>"})
        if r.diverged and x:
            for xaxis, yaxis, key in (("x", "y", "val_loss"), ("x2", "y2", "val_acc")):
                data.append({"type": "scatter", "x": [x[-1]], "y": [float(getattr(r, key)[-1])], "mode": "markers+text",
                             "text": [r.diverged], "textposition": "top left",
                             "marker": {"symbol": "x", "size": 13, "color": c}, "showlegend": False, "xaxis": xaxis,
                             "yaxis": yaxis, "hoverinfo": "text"})
    # the type size on every axis too: Streamlit's chart theme sets its own for ticks and axis titles,
    # which left them small on the projector
    size = {"size": font_size}
    xtitle = {"text": labels["epoch"] if by == "epochs" else labels["update"], "font": size}
    fig._layout_json.update(
        height=height, font=size, margin={"l": 60, "r": 20, "t": 40, "b": 50}, hovermode="closest",
        xaxis={"domain": [0, 0.46], "title": xtitle, "range": [0, x_max * 1.02], "tickfont": size},
        yaxis={"title": {"text": labels["loss"], "font": size}, "rangemode": "tozero", "tickfont": size},
        xaxis2={"domain": [0.56, 1], "title": xtitle, "range": [0, x_max * 1.02], "anchor": "y2", "tickfont": size},
        yaxis2={"title": {"text": labels["acc"], "font": size}, "range": [0, 1.02], "anchor": "x2", "tickfont": size},
        legend={"orientation": "h", "y": -0.2, "yanchor": "top", "font": size},
        title={"text": labels["title"], "font": {"size": font_size + 1}},
    )
    return fig


def image_grid(images: np.ndarray, titles: list[str], cols: int = 10, height: int | None = None,
               font_size: int = 12, zmax: float = 1.0) -> go.Figure:
    """Small images (n, 8, 8) in a grid, each with its caption below it."""
    n = len(images)
    rows = max(1, (n + cols - 1) // cols)
    side = images.shape[-1]
    gap_x, gap_y = 2, 5  # room for the caption under each image
    canvas = np.full((rows * (side + gap_y), cols * (side + gap_x) - gap_x), np.nan)
    annotations = []
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        top, left = r * (side + gap_y), c * (side + gap_x)
        canvas[top : top + side, left : left + side] = img
        annotations.append(dict(x=left + (side - 1) / 2, y=top + side + 1.2, text=titles[i], showarrow=False,
                                font=dict(size=font_size), xref="x", yref="y", yanchor="middle"))
    fig = go.Figure(go.Heatmap(z=canvas.astype(np.float32), colorscale=GREYS, zmin=0, zmax=zmax, showscale=False,
                               hoverinfo="skip"))
    fig.update_layout(
        height=height or (30 + rows * 95), margin=dict(l=5, r=5, t=5, b=5), annotations=annotations,
        xaxis=dict(visible=False, constrain="domain"), yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"),
        plot_bgcolor="#ffffff", font=dict(size=font_size),
    )
    return fig


def class_counts_figure(counts: dict[str, np.ndarray], labels: dict, height: int = 260, font_size: int = 13) -> go.Figure:
    fig = go.Figure()
    for i, (name, c) in enumerate(counts.items()):
        fig.add_trace(go.Bar(x=[str(d) for d in range(10)], y=c, name=name, marker_color=colour(i)))
    # the legend under the x-axis: above the plot it ran into the title in a narrow column
    below = legend_rows_px(len(counts), font_size, list(counts))
    fig.update_layout(height=height + below, barmode="group", font=dict(size=font_size),
                      margin=dict(l=50, r=10, t=40, b=foot_margin(font_size, below)), title=dict(text=labels["title"]),
                      xaxis=dict(title=labels["class"], dtick=1),  # every digit named
                      yaxis=dict(title=labels["count"]), legend=bottom_legend(font_size))
    return _type_size(fig, font_size)


def pixel_hist_figure(raw: np.ndarray, norm: np.ndarray, labels: dict, height: int = 300, font_size: int = 13) -> go.Figure:
    fig = go.Figure()
    counts = []
    for i, (vals, name) in enumerate(((raw, labels["raw"]), (norm, labels["norm"]))):
        hist, edges = np.histogram(vals, bins=34)
        counts.append(hist)
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=hist, width=np.diff(edges), name=name,
                             marker_color=colour(i), opacity=0.7))
    below = legend_rows_px(2, font_size, [labels["raw"], labels["norm"]])  # the legend under the x-axis title
    fig.update_layout(height=height - 30 + below, barmode="overlay", font=dict(size=font_size),
                      margin=dict(l=50, r=10, t=40, b=foot_margin(font_size, below)), title=dict(text=labels["title"]),
                      xaxis=dict(title=labels["pixel"]), yaxis=log_axis(counts, title=labels["count"]),  # the data's decades
                      legend=bottom_legend(font_size))
    return _type_size(fig, font_size)


def confusion_figure(matrix: np.ndarray, labels: dict, height: int = 380, font_size: int = 13) -> go.Figure:
    m = np.asarray(matrix)
    fig = go.Figure(go.Heatmap(
        z=m, x=[str(d) for d in range(10)], y=[str(d) for d in range(10)], colorscale="Blues", showscale=False,
        text=m.astype(str), texttemplate="%{text}", hovertemplate=f"{labels['true']} %{{y}}<br>{labels['pred']} %{{x}}<br>%{{z}}<extra></extra>"))
    fig.update_layout(height=height, font=dict(size=font_size), margin=dict(l=60, r=10, t=20, b=50),
                      xaxis=dict(title=labels["pred"], side="bottom", dtick=1),
                      yaxis=dict(title=labels["true"], autorange="reversed", dtick=1))
    return _type_size(fig, font_size)


def softmax_bars(probs: np.ndarray, names: list[str], labels: dict, height: int = 300, font_size: int = 13,
                 title: str = "", numbers: list[int] | None = None) -> go.Figure:
    """(runs, 10) probabilities as grouped bars per digit (run `numbers[i]` in its page colour)."""
    fig = go.Figure()
    for i, (p, name) in enumerate(zip(probs, names, strict=True)):
        c = colour(i if numbers is None else numbers[i] - 1)
        fig.add_trace(go.Bar(x=[str(d) for d in range(10)], y=p, name=name, marker_color=c,
                             hovertemplate=f"{name}<br>%{{x}}: %{{y:.3f}}<extra></extra>"))
    fig.update_layout(height=height, barmode="group", font=dict(size=font_size), margin=dict(l=50, r=10, t=40, b=40),
                      yaxis=dict(range=[0, 1], title=labels["prob"]), xaxis=dict(title=labels["class"], dtick=1),
                      title=dict(text=title), legend=dict(orientation="h", y=-0.3, yanchor="top"))
    return _type_size(fig, font_size)


def preact_figure(bands: list[np.ndarray], names: list[str], labels: dict, height: int = 340, font_size: int = 13,
                  numbers: list[int] | None = None) -> go.Figure:
    """Per run, the median and the 16–84 % and 2–98 % bands of the pre-activations per epoch
    (run `numbers[i]` in its page colour)."""
    fig = go.Figure()
    for i, (b, name) in enumerate(zip(bands, names, strict=True)):
        if len(b) == 0:
            continue
        c = colour(i if numbers is None else numbers[i] - 1)
        x = np.arange(len(b))
        for lo, hi, alpha in ((0, 4, 0.12), (1, 3, 0.25)):
            fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[b[:, hi], b[::-1, lo]], fill="toself", mode="lines",
                                     line=dict(width=0, color=c), fillcolor=_rgba(c, alpha), showlegend=False,
                                     legendgroup=name, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=b[:, 2], mode="lines+markers", line=dict(color=c, width=2), name=name,
                                 legendgroup=name, hovertemplate=f"{name}<br>%{{x}}: median %{{y:.3f}}<extra></extra>"))
    fig.update_layout(height=height, font=dict(size=font_size), margin=dict(l=60, r=10, t=20, b=50),
                      xaxis=dict(title=labels["epoch"]), yaxis=dict(title=labels["preact"]),
                      legend=dict(orientation="h", y=-0.2, yanchor="top"))
    return _type_size(fig, font_size)


def _type_size(fig: go.Figure, font_size: int) -> go.Figure:
    """Ticks, axis titles and legend at the figure's type size: Streamlit's chart theme sets its
    own for them, which stays small on the projector."""
    fig.update_xaxes(tickfont_size=font_size, title_font_size=font_size, automargin=True)
    fig.update_yaxes(tickfont_size=font_size, title_font_size=font_size, automargin=True)
    fig.update_layout(legend_font_size=font_size)
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
