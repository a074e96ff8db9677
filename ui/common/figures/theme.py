"""The charts' look, in one place: the palette of runs and racers, critical-point markers,
the colour scale, legends."""

from __future__ import annotations

import math
from dataclasses import dataclass

# The one palette of runs and racers: Okabe–Ito's eight colour-blind-safe colours, the most
# distinct first, each paired with its own dash (so two runs differ in print, for the colour
# blind and on a washed-out projector too).  No dotted pattern: dots fade on a projector.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999")
DASHES = ("solid", "dash", "dashdot", "longdash", "longdashdot", "24px,6px,8px,6px", "12px,5px,4px,5px,4px,5px",
          "30px,8px")
PALETTE = OKABE_ITO


@dataclass(frozen=True)
class Style:
    color: str
    dash: str


def style(i: int) -> Style:
    """Run or racer i's colour and dash (after eight, the pairs repeat)."""
    return Style(OKABE_ITO[i % len(OKABE_ITO)], DASHES[i % len(DASHES)])


# Colours a chart may use for what is not a run: everything else a chart draws takes its
# colour from `style(i)` (a test reads every colour written in ui/ against these two lists).
NON_RUN = {
    "white": "#FFFFFF",  # paths and markers on the dark contour, outlines of markers
    "black": "#000000",  # outlines on light ground
    "reference": "#666666",  # reference lines: the selected step, zero, 1 + Δ
    "arrow": "#FF4B4B",  # arrows on the contour (gradient, eigenvectors, a jump)
    "degenerate": "#7B2CBF",  # the marker of a degenerate critical point
    "ink": "#111111",  # text and axes
}
INK = NON_RUN["ink"]
REFERENCE = NON_RUN["reference"]
KIND_STYLE = {
    "minimum": ("circle", "#009E73"),
    "maximum": ("triangle-up", "#D55E00"),
    "saddle": ("x", "#E69F00"),
    "degenerate": ("diamond-open", NON_RUN["degenerate"]),
}
COLORSCALE = "Viridis"


MODEBAR_PX = 34  # the chart's toolbar: a row kept free above the legend


LEGEND_COLUMNS = 2  # legend entries a row when their names are not known
LEGEND_FIGURE_PX = 480  # the narrowest a chart with a legend is drawn (a half column at 1280 px, on the projector too)


def legend_width(font_size: int) -> int:
    """Where a horizontal legend above the plot wraps in the narrowest chart: the plot area's
    width, the figure's less the y-axis's margin (60 px) and a colour bar with its labels
    (≈ 68 px + 4.75 × font), as measured in the browser at 14 and 18 px."""
    return max(200, int(LEGEND_FIGURE_PX - 128 - 4.75 * font_size))


def _text_px(text: str, font_size: int) -> float:
    """About how wide `text` is drawn: a CJK character is as wide as the font is tall, others ≈ 0.6 of it."""
    return sum(font_size if ord(ch) > 0x2E7F else 0.6 * font_size for ch in text)


def legend_name(name: str, font_size: int, width: int | None = None) -> str:
    """`name` broken at its spaces into lines (`<br>`) that each fit one legend entry of a chart
    `width` px wide (the symbol and a gap, 50 px, beside it): plotly never breaks an entry, and
    one wider than its chart is cut off at the chart's edge."""
    room = (width or legend_width(font_size)) - 50
    lines: list[str] = []
    for word in name.split(" "):
        if lines and _text_px(f"{lines[-1]} {word}", font_size) <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def legend_rows(names: list[str], font_size: int, width: int | None = None) -> int:
    """Lines of text of a horizontal legend of these entries in a chart `width` px wide (each
    entry: its symbol, its name — of one line or more, `<br>` — and a gap), packed as plotly
    packs them, left to right; a row is as tall as its tallest entry."""
    width = width or legend_width(font_size)
    rows: list[int] = []
    used = width
    for name in names:
        lines = name.split("<br>")
        w = 40 + max(_text_px(line, font_size) for line in lines) + 10
        if used + w > width:
            rows.append(0)
            used = 0
        used += w
        rows[-1] = max(rows[-1], len(lines))
    return sum(rows)


def legend_rows_px(entries: int, font_size: int, names: list[str] | None = None, width: int | None = None) -> int:
    """Height of a horizontal legend: of these `names` in a chart `width` px wide (the narrowest
    chart, unless told), else of LEGEND_COLUMNS entries a row."""
    rows = legend_rows(names, font_size, width) if names is not None else math.ceil(entries / LEGEND_COLUMNS) if entries else 0
    return rows * int(1.55 * font_size)


def legend_top(entries: int, font_size: int, names: list[str] | None = None) -> int:
    """Top margin for a horizontal legend above the plot, under the toolbar's row: the toolbar
    does not cover the legend, and plotly need not push the plot down (which would move an
    animation's controls, placed in fractions of the plot's height, over the x-axis title)."""
    return MODEBAR_PX + legend_rows_px(entries, font_size, names) + 4


FOOT_LINES = 4.2  # the x tick labels, the x-axis title and the gaps around them, in lines of the font


def foot_margin(font_size: int, legend_px: int) -> int:
    """The bottom margin of a figure with its legend at the foot (`bottom_legend`): the x tick
    labels, the x-axis title under them and the legend's `legend_px`.  With 3.2 lines plotly drew
    the title over the middle tick label (seen in the browser: `TITLE_ON_TICKS_JS`)."""
    return int(FOOT_LINES * font_size) + legend_px


def bottom_legend(font_size: int) -> dict:
    """A horizontal legend at the bottom of the figure, under the x-axis and its title."""
    return dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0,
                font=dict(size=max(font_size - 1, 9)))


def top_legend(font_size: int, **extra) -> dict:
    """A horizontal legend right above the plot."""
    return dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=max(font_size - 1, 9))) | extra


# -- the projector --------------------------------------------------------------------------------
BIG_FONT = 18  # px: the least text size of a chart in presentation mode (read from the back row)
BIG_LINE = 3  # px: the least width of a line in presentation mode
_FONT_KEYS = ("font", "tickfont", "titlefont", "textfont", "insidetextfont", "outsidetextfont")


def _fonts(node, least: int) -> None:
    """Every font under `node` (a figure's layout or trace, as JSON) at `least` px or more."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FONT_KEYS and isinstance(value, dict):
                if value.get("size") is None or value["size"] < least:
                    value["size"] = least
            if isinstance(value, dict | list):
                _fonts(value, least)
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        for item in node:
            _fonts(item, least)


def _line(line: dict | None) -> None:
    if line is None:
        return
    if line.get("width") is None or line["width"] < BIG_LINE:
        line["width"] = BIG_LINE
    if line.get("dash") == "dot":
        line["dash"] = "dash"


def look(fig: dict, big: bool) -> dict:
    """The app's chart look, applied to a figure's JSON (`fig.to_dict()`) where every chart is
    drawn (`view.chart`): dark text; in presentation mode every text of the chart (ticks,
    axis titles, legends, colour bars, annotations, the animation's controls) at least
    BIG_FONT px and every line (runs, reference lines) at least BIG_LINE px, never dotted."""
    layout = fig.setdefault("layout", {})
    font = layout.setdefault("font", {})
    font.setdefault("color", INK)
    if not big:
        return fig
    _fonts(layout, BIG_FONT)
    for shape in layout.get("shapes") or []:
        if shape.get("type") == "line":
            _line(shape.setdefault("line", {}))
    for trace in fig.get("data") or []:
        _fonts(trace, BIG_FONT)
        if trace.get("type", "scatter") in ("scatter", "scattergl") and "lines" in trace.get("mode", "lines"):
            _line(trace.setdefault("line", {}))
    return fig
