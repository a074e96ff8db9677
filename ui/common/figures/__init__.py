"""Figure builders: numpy in, `plotly.graph_objects.Figure` out.  No Streamlit here.

Conventions: grids are float32 (half the JSON); axis ranges are fixed so nothing
jumps while an animation plays; animation frames only touch the trajectory
traces (the contour is sent once); every colour is set explicitly, runs and racers
from the one palette (`theme.style(i)`).

The modules, by job: `theme` (palette, dashes, markers, legends, the presentation
look), `lean` (ready-made JSON), `axes` (colour and log axes, parameter planes),
`paths` (thinning trajectories), `contour` (the surface view, 2-D and 3-D),
`curves` (curves over the steps, bars).  Every name is importable from here.
"""

from ui.common.figures.axes import (
    MAX_PLANE_ASPECT,
    _tick_text,
    colour_values,
    hover_text,
    log_axis,
    log_floor,
    loss_ticks,
    plane_axes,
)
from ui.common.figures.contour import (
    ANIM_BAR,
    MESH_3D,
    PATH_3D_POINTS,
    Grid,
    Labels,
    Path,
    _add_animation,
    _around,
    _by_kind,
    _last,
    animation_bottom,
    animation_controls,
    arrow_annotations,
    contour_figure,
    contour_trace,
    pick_grid_trace,
    surface3d_figure,
)
from ui.common.figures.curves import Series, bars_figure, curves_figure
from ui.common.figures.lean import LeanFigure, ReadyFigure, typed, untyped
from ui.common.figures.paths import MAX_FRAMES, MAX_TRAIL_POINTS, _thin, _trail, frame_steps, thin_path, turn_scores
from ui.common.figures.theme import (
    COLORSCALE,
    KIND_STYLE,
    LEGEND_COLUMNS,
    MODEBAR_PX,
    PALETTE,
    bottom_legend,
    foot_margin,
    legend_rows_px,
    legend_top,
    top_legend,
)

__all__ = [
    "ANIM_BAR", "COLORSCALE", "KIND_STYLE", "LEGEND_COLUMNS", "MAX_FRAMES", "MAX_PLANE_ASPECT", "MAX_TRAIL_POINTS",
    "MESH_3D", "MODEBAR_PX", "PALETTE", "PATH_3D_POINTS", "Grid", "Labels", "LeanFigure", "Path", "ReadyFigure", "Series",
    "_add_animation", "_around", "_by_kind", "_last", "_thin", "_tick_text", "_trail", "animation_bottom",
    "animation_controls",
    "arrow_annotations", "bars_figure", "bottom_legend", "colour_values", "contour_figure", "contour_trace",
    "curves_figure", "foot_margin", "frame_steps", "hover_text", "legend_rows_px", "legend_top", "log_axis", "log_floor", "loss_ticks",
    "pick_grid_trace", "plane_axes", "surface3d_figure", "thin_path", "top_legend", "turn_scores", "typed", "untyped",
]
