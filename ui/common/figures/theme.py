"""The charts' look, in one place: the palette of runs and racers, critical-point markers,
the colour scale, legends."""

from __future__ import annotations

import math

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B")
KIND_STYLE = {
    "minimum": ("circle", "#009E73"),
    "maximum": ("triangle-up", "#D55E00"),
    "saddle": ("x", "#E69F00"),
    "degenerate": ("diamond-open", "#7B2CBF"),
}
COLORSCALE = "Viridis"


MODEBAR_PX = 34  # the chart's toolbar: a row kept free above the legend


LEGEND_COLUMNS = 2  # legend entries a row, counted low for the top margin (plotly grows it when more rows are needed)


def legend_rows_px(entries: int, font_size: int) -> int:
    """Height of a horizontal legend of LEGEND_COLUMNS entries a row."""
    rows = math.ceil(entries / LEGEND_COLUMNS) if entries else 0
    return rows * int(1.55 * font_size)


def legend_top(entries: int, font_size: int) -> int:
    """Top margin for a horizontal legend of LEGEND_COLUMNS entries a row above the plot, under
    the toolbar's row: the toolbar no longer covers the legend."""
    return MODEBAR_PX + legend_rows_px(entries, font_size) + 4


def bottom_legend(font_size: int) -> dict:
    """A horizontal legend at the bottom of the figure, under the x-axis and its title."""
    return dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0,
                font=dict(size=max(font_size - 1, 9)))


def top_legend(font_size: int, **extra) -> dict:
    """A horizontal legend right above the plot."""
    return dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=max(font_size - 1, 9))) | extra
