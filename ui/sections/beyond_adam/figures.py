"""Pure figures of the beyond-Adam page (numbers in, figure out): SAM's sharpness and loss
along training, one line per run, measured every k updates."""

from __future__ import annotations

from ui.common.figures import LeanFigure, log_axis
from ui.common.figures.theme import bottom_legend, style


def sam_figure(runs: list[dict], labels: dict, height: int = 420, font_size: int = 13) -> LeanFigure:
    """Left: λ_max against the update; right: the training loss (log) at the same updates.
    Each run: name, update (M,), lambda_max (M,), loss (M,)."""
    fig = LeanFigure()
    gap = 0.1
    w = (1 - gap) / 2
    data = []
    for i, r in enumerate(runs):
        s = style(i)
        line = {"color": s.color, "dash": s.dash, "width": 2.5}
        data.append({"type": "scatter", "x": list(r["update"]), "y": list(r["lambda_max"]), "mode": "lines+markers",
                     "name": r["name"], "legendgroup": r["name"], "line": line, "marker": {"size": 6},
                     "hovertemplate": f"{labels['update']} %{{x}}<br>λ_max %{{y:.4g}}<extra>{r['name']}</extra>"})
        data.append({"type": "scatter", "x": list(r["update"]), "y": list(r["loss"]), "mode": "lines+markers",
                     "name": r["name"], "legendgroup": r["name"], "showlegend": False, "line": line, "marker": {"size": 6},
                     "xaxis": "x2", "yaxis": "y2",
                     "hovertemplate": f"{labels['update']} %{{x}}<br>%{{y:.4g}}<extra>{r['name']}</extra>"})
    losses = [r["loss"] for r in runs if len(r["loss"])]
    fig._data_json = data
    fig._layout_json = {
        "height": height, "font": {"size": font_size}, "margin": {"l": 60, "r": 20, "t": 50, "b": 40 + 3 * font_size},
        "xaxis": {"domain": [0, w], "title": {"text": labels["update"], "standoff": 6}, "rangemode": "tozero", "automargin": True},
        "yaxis": {"rangemode": "tozero", "title": {"text": "λ_max"}},
        "xaxis2": {"domain": [w + gap, 1], "title": {"text": labels["update"], "standoff": 6}, "anchor": "y2", "matches": "x",
                   "automargin": True},
        "yaxis2": {"anchor": "x2", **(log_axis(losses) if losses else {"type": "log"})},
        "annotations": [
            {"text": labels["sharp_title"], "x": w / 2, "y": 1.0, "xref": "paper", "yref": "paper", "xanchor": "center",
             "yanchor": "bottom", "showarrow": False, "font": {"size": font_size + 1}},
            {"text": labels["loss_title"], "x": w + gap + w / 2, "y": 1.0, "xref": "paper", "yref": "paper",
             "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": font_size + 1}}],
        "legend": bottom_legend(font_size), "hovermode": "closest", "template": "plotly_white",
    }
    return fig
