"""Maps figures (pure: numpy in, `go.Figure` out): a map is one PNG image (uint8 RGB, a few
tens of kB even at 256 × 256), an invisible pick grid over it (images are not selectable),
a legend or a colour bar, and overlays: trajectories, minima, the analytic stability line."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from optim_lab.maps.sweep import HOVER_MAX, hover_index
from ui.common.figures import typed
from ui.common.figures.theme import REFERENCE

PICK_MAX = HOVER_MAX  # pick points per side at most (a click snaps to the nearest cell); the cells with hover paths


def png_uri(img: np.ndarray) -> str:
    """An (ny, nx, 3) uint8 image as a PNG data URI (on an ascending y axis plotly draws row 0 at the bottom)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img), mode="RGB").save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@dataclass
class MapAxis:
    title: str
    values: np.ndarray  # (n,) cell centres in axis coordinates (log10 of the value on a log axis)
    log: bool = False  # label decades 10ⁿ (coordinates are already log10)


@dataclass
class Overlay:
    """A line or markers over the map, in axis coordinates."""

    name: str
    x: np.ndarray
    y: np.ndarray
    color: str = "#FFFFFF"
    mode: str = "lines"
    dash: str = "solid"
    symbol: str = "circle"
    size: int = 10
    width: float = 2.5
    text: list[str] | None = None
    legend: bool = True


@dataclass
class MapSpec:
    image: np.ndarray  # (ny, nx, 3) uint8
    x: MapAxis
    y: MapAxis
    legend: list[tuple[str, str]] = field(default_factory=list)  # (label, colour) swatches
    colorbar: dict | None = None  # {"title", "colors", "lo", "hi", "log"}: a colour bar for the image's ramp
    overlays: list[Overlay] = field(default_factory=list)
    pick_hint: str = "click"
    title: str = ""


def _edges(v: np.ndarray) -> tuple[float, float, float]:
    """(first centre, spacing, half cell) of evenly spaced centres."""
    v = np.asarray(v, dtype=np.float64)
    d = float((v[-1] - v[0]) / (len(v) - 1)) if len(v) > 1 else 1.0
    return float(v[0]), d, d / 2


def _axis(ax: MapAxis, lo: float, hi: float) -> dict:
    out = dict(range=[lo, hi], autorange=False, title=dict(text=ax.title), showgrid=False, zeroline=False, automargin=True)
    if ax.log:
        decades = list(range(math.ceil(lo), math.floor(hi) + 1))
        if len(decades) >= 2:
            step = max(1, math.ceil(len(decades) / 8))
            decades = decades[::step]
            out |= dict(tickvals=decades, ticktext=[f"10<sup>{d}</sup>" for d in decades])
        else:  # under two decades: a few values between, written plainly
            ticks = np.linspace(lo, hi, 5)
            out |= dict(tickvals=ticks.tolist(), ticktext=[f"{10 ** t:.3g}" for t in ticks])
    return out


def pick_points(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres thinned to at most PICK_MAX per side (both ends kept)."""
    xs, ys = np.asarray(xs), np.asarray(ys)
    gx, gy = np.meshgrid(xs[hover_index(len(xs), PICK_MAX)], ys[hover_index(len(ys), PICK_MAX)])
    return gx.ravel(), gy.ravel()


def map_figure(spec: MapSpec, *, height: int = 560, font_size: int = 13, box_select: bool = False,
               equal_units: bool = True) -> go.Figure:
    """The map as an image with its pick grid and overlays.  `equal_units`: a parameter plane drawn to scale
    (plotly's default for images); off for hyper-parameter axes, whose units differ (the plot area is filled)."""
    x0, dx, hx = _edges(spec.x.values)
    y0, dy, hy = _edges(spec.y.values)
    xr = (x0 - hx, float(spec.x.values[-1]) + hx)
    yr = (y0 - hy, float(spec.y.values[-1]) + hy)
    fig = go.Figure()
    fig.add_trace(go.Image(source=png_uri(spec.image), x0=x0, dx=dx, y0=y0, dy=dy, hoverinfo="skip", name="map"))
    px, py = pick_points(spec.x.values, spec.y.values)
    fig.add_trace(go.Scatter(
        x=typed(px), y=typed(py), mode="markers", marker=dict(size=8, opacity=0, color="#ffffff"),
        unselected=dict(marker=dict(opacity=0)), selected=dict(marker=dict(opacity=0)), showlegend=False, name="pick",
        hovertemplate=f"{spec.pick_hint}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
    ))
    for label, color in spec.legend:  # swatches: markers off the plot area, shown in the legend only
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label,
                                 marker=dict(symbol="square", size=14, color=color, line=dict(color=REFERENCE, width=1))))
    if spec.colorbar:
        cb = spec.colorbar
        ticks = np.arange(math.ceil(cb["lo"]), math.floor(cb["hi"]) + 1)
        scale = [[i / (len(cb["colors"]) - 1), c] for i, c in enumerate(cb["colors"])]
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(color=[cb["lo"]], cmin=cb["lo"], cmax=cb["hi"], colorscale=scale, showscale=True,
                        # the title runs along the bar (beside it, not over the plot); the bar is the plot's height
                        colorbar=dict(title=dict(text=cb["title"], side="right"), tickvals=ticks.tolist(), thickness=18,
                                      len=1.0, lenmode="fraction", y=0.5, yanchor="middle",
                                      ticktext=[f"10<sup>{int(t)}</sup>" if cb.get("log", True) else f"{t:g}" for t in ticks])),
        ))
    for o in spec.overlays:
        fig.add_trace(go.Scatter(
            x=typed(o.x), y=typed(o.y), mode=o.mode, name=o.name, showlegend=o.legend, hoverinfo="skip" if o.text is None else "text",
            text=o.text, textposition="top center", textfont=dict(color=o.color, size=font_size),
            line=dict(color=o.color, width=o.width, dash=o.dash),
            marker=dict(color=o.color, symbol=o.symbol, size=o.size, line=dict(color="#000000", width=1)),
        ))
    fig.update_layout(
        height=height, margin=dict(l=60, r=20, t=60 if spec.title or spec.legend else 30, b=50), font=dict(size=font_size),
        title=dict(text=spec.title, x=0.01, y=0.99) if spec.title else None,
        xaxis=_axis(spec.x, *xr), yaxis=_axis(spec.y, *yr) | (dict(constrain="domain", constraintoward="top") if equal_units else dict(scaleanchor=False)),
        # over the plot, where no axis title is (under it the x title and the legend collided at some heights);
        # a grey ground so that the white lines show
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, bgcolor="rgba(120,120,120,0.35)"),
        clickmode="event+select", dragmode="select" if box_select else "pan", uirevision=spec.title or "map",
        plot_bgcolor="#ffffff",
    )
    return fig
