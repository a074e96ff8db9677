"""The surface view: the contour with its racers (animated on the client), and the 3-D surface."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from surfaces.base import grid
from ui.common.figures.axes import MAX_PLANE_ASPECT, colour_values, hover_text, loss_ticks, plane_axes
from ui.common.figures.lean import LeanFigure, typed
from ui.common.figures.paths import MAX_FRAMES, MAX_TRAIL_POINTS, _thin, _trail, frame_steps, thin_path, turn_scores
from ui.common.figures.theme import (
    COLORSCALE,
    KIND_STYLE,
    MODEBAR_PX,
    REFERENCE,
    bottom_legend,
    legend_rows_px,
    legend_top,
    top_legend,
)

TITLE_STANDOFF = 8  # px between an animated chart's x tick labels and its title (animation_controls counts on it)
ANIM_BAR = 84  # px under the Play/Pause row (at 14 px type): the step slider, its "step k" label just above it

# what a path's three traces say they are (`meta`): a live control finds them by it (with their
# colour), whatever the presentation mode made of their widths
PATH_FAINT, PATH_TRAIL, PATH_HEAD = "path-faint", "path-trail", "path-head"


@dataclass(frozen=True)
class Grid:
    xs: np.ndarray  # (n,)
    ys: np.ndarray  # (m,)
    z: np.ndarray  # (m, n) loss; NaN where undefined
    log: bool = False  # colour by log(z − min + δ)


@dataclass
class Path:
    name: str
    color: str
    xy: np.ndarray  # (T+1, 2), frozen after divergence
    diverged_at: int | None = None
    dash: str = "solid"
    loss: np.ndarray | None = None  # (T+1,) for the 3-D view


@dataclass
class Labels:
    x: str = "w₁"
    y: str = "w₂"
    loss: str = "L"
    start: str = "start"
    pick: str = "click: start here"
    play: str = "▶ play"
    pause: str = "❚❚ pause"
    resume: str = "▶ resume"
    step: str = "step"
    step_of: str = "step {k}"  # the animation's current step: 第 {k} 步 in Chinese
    diverged: str = "diverged at step {k}"
    kinds: dict = field(default_factory=lambda: {k: k for k in KIND_STYLE})
    taylor: str = "Taylor model"
    not_to_scale: str = "axes not to scale"
    zero_floor: str = "▼ = 0 (drawn at the floor of the log axis)"


TAYLOR = "taylor"  # the legend group of the Taylor model's lines and their key
HOVER_SITES = 160 * 160  # a contour's hover names each site's loss up to this many sites


def contour_trace(grid: Grid, labels: Labels, showscale: bool = True, ncontours: int = 30) -> go.Contour:
    """The surface's filled contour.  Its hover names each site's loss from the `text` that
    `contour_hover` gives the figure ready-made (`LeanFigure.add_ready`)."""
    c, _ = colour_values(grid.z, grid.log)
    kw: dict = {"colorbar": dict(title=labels.loss)}
    if grid.log:
        kw["colorbar"].update(loss_ticks(grid.z, c, True, 6))
    return go.Contour(
        x=typed(grid.xs), y=typed(grid.ys), z=typed(c),
        colorscale=COLORSCALE, ncontours=ncontours, showscale=showscale, line=dict(width=0.5),
        contours=dict(coloring="heatmap"),
        hovertemplate=f"{labels.x}=%{{x:.4g}}<br>{labels.y}=%{{y:.4g}}<br>{labels.loss}=%{{text}}<extra></extra>"
        if grid.z.size <= HOVER_SITES else f"{labels.x}=%{{x:.4g}}<br>{labels.y}=%{{y:.4g}}<extra></extra>",
        name=labels.loss, **kw,
    )


def contour_hover(grid: Grid) -> list | None:
    """The hover texts of `contour_trace` (rows of the loss at each site), None past HOVER_SITES."""
    return hover_text(grid.z).tolist() if grid.z.size <= HOVER_SITES else None


def pick_grid_trace(box, labels: Labels, n: int = 25) -> go.Scatter:
    """Invisible points over the contour: contours are not selectable, these are."""
    pts = grid(box, n).points
    return go.Scatter(
        x=typed(pts[:, 0]), y=typed(pts[:, 1]), mode="markers",
        marker=dict(size=14, opacity=0, color="white"), unselected=dict(marker=dict(opacity=0)),
        selected=dict(marker=dict(opacity=0)), hovertemplate=f"{labels.pick}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
        showlegend=False, name="pick",
    )


def _last(p: Path, k: int) -> int:
    return min(k, p.diverged_at - 1) if p.diverged_at else k


def contour_figure(
    grid: Grid,
    paths: list[Path],
    box,
    labels: Labels,
    *,
    crit: list[dict] | None = None,
    start: tuple[float, float] | None = None,
    pick: bool = True,
    animate: bool = True,
    arrows: list[dict] | None = None,
    taylor: Grid | None = None,
    marker: tuple[float, float] | None = None,
    height: int = 620,
    font_size: int = 14,
    n_frames: int = MAX_FRAMES,
    legend_below: bool = False,  # only for a still figure: an animation's controls are at the bottom
    grow: bool = False,
) -> go.Figure:
    """The surface view: contour, critical points, trajectories (animated), start, arrows.
    With `grow` (the projector, where the chart has the whole width) an animation's controls
    are added under the plot, not taken from `height`: the surface is as tall as a still one's."""
    x0, x1, y0, y1 = box
    fig = LeanFigure()
    fig.add_trace(contour_trace(grid, labels))
    text = contour_hover(grid)
    if text is not None:
        fig.add_ready(0, text=text)
    if taylor is not None:  # white dashes on the dark contour; its legend key, on the page's white, in grey dashes
        fig.add_trace(go.Contour(
            x=typed(taylor.xs), y=typed(taylor.ys), z=typed(taylor.z),
            contours=dict(coloring="none", showlabels=False), line=dict(color="white", width=1.5, dash="dash"),
            ncontours=14, showscale=False, hoverinfo="skip", name=labels.taylor, showlegend=False, legendgroup=TAYLOR,
        ))
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="lines", line=dict(color=REFERENCE, width=1.5, dash="dash"), hoverinfo="skip",
            name=labels.taylor, legendgroup=TAYLOR,
        ))
    if pick:
        fig.add_trace(pick_grid_trace(box, labels))
    for kind, pts in _by_kind(crit or []).items():
        sym, col = KIND_STYLE[kind]
        fig.add_trace(go.Scatter(
            x=[p["at"][0] for p in pts], y=[p["at"][1] for p in pts], mode="markers", name=labels.kinds.get(kind, kind),
            marker=dict(symbol=sym, size=12, color=col, line=dict(width=2, color=col)), hoverinfo="skip",
        ))
    T = max((len(p.xy) - 1 for p in paths), default=0)
    # faint full paths, then the growing trails and heads that the frames update
    for p in paths:
        end = len(p.xy) if not p.diverged_at else p.diverged_at
        fig.add_trace(go.Scatter(
            x=typed(p.xy[:end, 0]), y=typed(p.xy[:end, 1]), mode="lines",
            line=dict(color=p.color, width=1, dash=p.dash), opacity=0.35, hoverinfo="skip", showlegend=False,
            meta=PATH_FAINT,
        ))
    first_dynamic = len(fig.data)
    scores = [turn_scores(p.xy[:_last(p, T) + 1]) for p in paths]
    for p, sc in zip(paths, scores, strict=True):
        k = _last(p, T)
        tr = _trail(p.xy, k, thin_path(k + 1, MAX_TRAIL_POINTS, sc))
        fig.add_trace(go.Scatter(
            x=typed(tr[:, 0]), y=typed(tr[:, 1]), mode="lines", line=dict(color=p.color, width=3, dash=p.dash), name=p.name,
            hoverinfo="skip", legendgroup=p.name, meta=PATH_TRAIL,
        ))
    for p in paths:
        k = _last(p, T)
        diverged = bool(p.diverged_at) and k < T
        fig.add_trace(go.Scatter(
            x=[float(p.xy[k, 0])], y=[float(p.xy[k, 1])], mode="markers",
            marker=dict(color=p.color, size=13, symbol="x" if diverged else "circle", line=dict(color="white", width=2)),
            showlegend=False, hoverinfo="skip", legendgroup=p.name, meta=PATH_HEAD,
        ))
    if start is not None:
        fig.add_trace(go.Scatter(
            x=[start[0]], y=[start[1]], mode="markers", name=labels.start,
            marker=dict(symbol="star", size=18, color="white", line=dict(color="black", width=1.5)), hoverinfo="skip",
        ))
    if marker is not None:
        fig.add_trace(go.Scatter(
            x=[marker[0]], y=[marker[1]], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(symbol="circle-open", size=22, color="white", line=dict(width=3)),
        ))
    for kind, pts in _by_kind(crit or []).items():  # again on top, as rings: a run that ends on a minimum must not hide it
        sym, col = KIND_STYLE[kind]
        fig.add_trace(go.Scatter(
            x=[p["at"][0] for p in pts], y=[p["at"][1] for p in pts], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(symbol=sym if sym.endswith("-open") else f"{sym}-open", size=19, color=col, line=dict(width=2.5, color=col)),
        ))
    annotations = arrow_annotations(arrows or [], font_size)
    xa, ya, notes = plane_axes(box, labels.x, labels.y, labels.not_to_scale)
    names = ([labels.taylor] if taylor is not None else []) + [labels.kinds.get(k, k) for k in _by_kind(crit or [])] \
        + [p.name for p in paths] + ([labels.start] if start is not None else [])
    n_legend = len(names)
    animated = bool(animate and paths and T > 0)
    if legend_below and not animated:  # the projector: the plot area under the toolbar, its legend under the x-axis
        top, bottom = MODEBAR_PX + 4, 50 + legend_rows_px(n_legend, font_size, names)
        legend = bottom_legend(font_size)
    else:
        top, bottom = legend_top(n_legend, font_size, names), 50
        legend = top_legend(font_size, bgcolor="rgba(255,255,255,0.6)")
    if animated and grow:
        height += animation_bottom(font_size) - bottom
    fig._layout_json.update(  # ready-made: plotly's update_layout costs ~0.1 s here
        height=height, margin=dict(l=60, r=10, t=top, b=bottom), font=dict(size=font_size),
        xaxis=xa, yaxis=ya, legend=legend,
        clickmode="event+select", dragmode="pan", uirevision="surface", annotations=annotations + notes,
    )
    if animated:
        xa["title"]["standoff"] = TITLE_STANDOFF
        _add_animation(fig, paths, T, first_dynamic, labels, n_frames, scores)
    return fig


def arrow_annotations(arrows: list[dict], font_size: int) -> list[dict]:
    """Arrows from a["from"] to a["to"] (data units); each label sits just beyond its head,
    away from the tail, so it does not overprint the marker at the tail."""
    out = []
    for a in arrows:
        (fx, fy), (tx, ty) = a["from"], a["to"]
        col = a.get("color", "white")
        out.append(dict(x=tx, y=ty, ax=fx, ay=fy, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=3,
                        arrowsize=1.3, arrowwidth=3, arrowcolor=col, text=""))
        if a.get("text"):
            dx, dy = tx - fx, ty - fy
            out.append(dict(x=tx, y=ty, xref="x", yref="y", showarrow=False, text=a["text"],
                            font=dict(color=col, size=font_size), bgcolor="rgba(0,0,0,0.45)", borderpad=2,
                            xanchor="left" if dx >= 0 else "right", yanchor="bottom" if dy >= 0 else "top",
                            xshift=6 if dx >= 0 else -6, yshift=6 if dy >= 0 else -6))
    return out


def _around(template: str) -> dict:
    """Plotly's slider shows prefix + value + suffix: split a "… {k} …" template around the value."""
    prefix, _, suffix = template.partition("{k}")
    return {"prefix": prefix, "suffix": suffix}


def _animation_rows(font_size: int) -> tuple[int, int]:
    """(px from the plot's bottom to the ▶ buttons, the buttons' row): tick labels (ticks, then ≈ 1.7
    lines of the font), the axis title TITLE_STANDOFF px under them, a gap; then the buttons."""
    return int(5 + 1.7 * font_size + TITLE_STANDOFF + 1.4 * font_size + 12), int(34 * font_size / 14)


def animation_bottom(font_size: int) -> int:
    """The bottom margin an animation's controls need under the plot (`animation_controls`)."""
    axis_px, buttons_px = _animation_rows(font_size)
    return axis_px + buttons_px + int(ANIM_BAR * font_size / 14)


def animation_controls(steps: list[int], labels: Labels, height: int, margin_t: int, font_size: int, *,
                       active: int | None = None, duration: int = 80, resume: bool = True) -> tuple[list, list, int]:
    """(updatemenus, sliders, bottom margin) of a client-side animation, laid out in rows under
    the x-axis title: the ▶ / ❚❚ / ▶ resume buttons, then the step slider across the whole
    width with its "step k" label on its own line, so nothing covers the axis title or the label.
    Positions are paper fractions computed from the chart's pixel height."""
    axis_px, buttons_px = _animation_rows(font_size)
    bottom = animation_bottom(font_size)
    scale = font_size / 14
    plot_h = max(height - margin_t - bottom, 100)
    y_buttons = -axis_px / plot_h
    y_slider = -(axis_px + buttons_px) / plot_h
    play = dict(frame=dict(duration=duration, redraw=True), transition=dict(duration=0), mode="immediate")
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    buttons = [dict(label=labels.play, method="animate", args=[None, dict(play, fromcurrent=False)]),
               dict(label=labels.pause, method="animate", args=[[None], still])]
    if resume:
        buttons.append(dict(label=labels.resume, method="animate", args=[None, dict(play, fromcurrent=True)]))
    menus = [dict(type="buttons", direction="left", x=0.0, y=y_buttons, xanchor="left", yanchor="top", pad=dict(t=0, r=4),
                  showactive=False, buttons=buttons, font=dict(size=font_size))]
    sliders = [dict(
        active=len(steps) - 1 if active is None else active, x=0.0, y=y_slider, len=1.0, xanchor="left", yanchor="top",
        pad=dict(t=int(8 * scale), b=0), currentvalue=dict(**_around(labels.step_of), xanchor="left", font=dict(size=font_size)),
        font=dict(size=max(font_size - 3, 9)),
        steps=[dict(method="animate", label=str(k),
                    args=[[str(k)], dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))])
               for k in steps],
    )]
    return menus, sliders, bottom


def _by_kind(crit: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for p in crit:
        out.setdefault(p["kind"], []).append(p)
    return {k: out[k] for k in KIND_STYLE if k in out}


def _add_animation(fig: LeanFigure, paths: list[Path], T: int, first: int, labels: Labels, n_frames: int,
                   scores: list[np.ndarray]) -> None:
    steps = frame_steps(T, n_frames)
    n = len(paths)
    trace_ids = list(range(first, first + 2 * n))
    frames = []
    for k in steps:
        data = []
        for p, sc in zip(paths, scores, strict=True):
            j = _last(p, k)
            tr = _trail(p.xy, j, thin_path(j + 1, MAX_TRAIL_POINTS, sc))
            data.append({"type": "scatter", "x": typed(tr[:, 0]), "y": typed(tr[:, 1])})
        for p in paths:
            j = _last(p, k)
            diverged = bool(p.diverged_at) and j < k
            data.append({"type": "scatter", "x": [float(p.xy[j, 0])], "y": [float(p.xy[j, 1])],
                         "marker": {"color": p.color, "size": 13, "symbol": "x" if diverged else "circle",
                                    "line": {"color": "white", "width": 2}}})
        frames.append({"data": data, "traces": trace_ids, "name": str(k)})
    fig._frames_json = frames
    height = fig._layout_json.get("height", 620)
    top = fig._layout_json.get("margin", {}).get("t", 30)
    font = fig._layout_json.get("font", {}).get("size", 14)
    menus, sliders, bottom = animation_controls(steps, labels, height, top, font)
    fig._layout_json.update(updatemenus=menus, sliders=sliders, margin=dict(l=60, r=10, t=top, b=bottom))


MESH_3D = 60  # vertices per side of the 3-D surface
PATH_3D_POINTS = 300  # points per trajectory in 3-D


def surface3d_figure(grid: Grid, paths: list[Path], box, labels: Labels, height: int = 620, font_size: int = 14) -> go.Figure:
    """The surface in 3-D with the trajectories on it.

    The mesh is at most MESH_3D² vertices and each path at most PATH_3D_POINTS points (the
    ends kept, a marker where it stopped): the shape reads the same, and 8 racers × 2000
    steps send ~7× less.  (Measured: without a GPU the toggle's cost is WebGL's own set-up
    in software, ~2.5 s in headless Chromium, whatever the mesh size.)"""
    ix, iy = _thin(len(grid.xs), MESH_3D), _thin(len(grid.ys), MESH_3D)
    z = grid.z[np.ix_(iy, ix)]
    c, _ = colour_values(z, grid.log)
    fig = go.Figure(go.Surface(
        x=typed(grid.xs[ix]), y=typed(grid.ys[iy]), z=typed(z),
        surfacecolor=typed(c), colorscale=COLORSCALE, showscale=False, opacity=0.85, name=labels.loss,
    ))
    zf = z[np.isfinite(z)]
    lift = 0.015 * float(np.ptp(zf)) if zf.size else 0.0
    for p in paths:
        end = len(p.xy) if not p.diverged_at else p.diverged_at
        if p.loss is None:
            continue
        k = thin_path(end, PATH_3D_POINTS, turn_scores(p.xy[:end]))
        fig.add_trace(go.Scatter3d(  # lifted a little: on the surface itself the opaque mesh hides the path
            x=typed(p.xy[k, 0]), y=typed(p.xy[k, 1]), z=typed(p.loss[k] + lift), mode="lines", name=p.name,
            line=dict(color=p.color, width=8),
        ))
        fig.add_trace(go.Scatter3d(  # where it ended
            x=[float(p.xy[end - 1, 0])], y=[float(p.xy[end - 1, 1])], z=[float(p.loss[end - 1] + lift)], mode="markers",
            marker=dict(size=6, color=p.color, line=dict(color="white", width=1)), showlegend=False, hoverinfo="skip",
        ))
    x0, x1, y0, y1 = box
    ratio = (y1 - y0) / (x1 - x0) if x1 > x0 else 1.0
    if not 1 / MAX_PLANE_ASPECT <= ratio <= MAX_PLANE_ASPECT:
        ratio = 1.0  # an elongated box: not to scale, as on the contour
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=legend_top(len(paths), font_size), b=10), font=dict(size=font_size),
        scene=dict(xaxis=dict(title=labels.x, range=[x0, x1]), yaxis=dict(title=labels.y, range=[y0, y1]),
                   zaxis=dict(title=labels.loss, exponentformat="power"),
                   aspectmode="manual", aspectratio=dict(x=1.0, y=ratio, z=0.7) if ratio <= 1 else dict(x=1 / ratio, y=1.0, z=0.7),
                   camera=dict(eye=dict(x=1.7, y=-1.7, z=1.2))),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig
