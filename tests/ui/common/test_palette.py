"""One palette for runs and racers (Okabe–Ito, each colour with its own dash), and charts
readable from the back row in presentation mode (issue 19 item 4)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np

from tests import apptest
from ui.common.figures import Grid, Labels, Series, contour_figure, curves_figure
from ui.common.figures import Path as Run
from ui.common.figures.theme import BIG_FONT, BIG_LINE, DASHES, NON_RUN, OKABE_ITO, look, style
from ui.shell import PAGE_BY_ID

ROOT = Path(__file__).resolve().parents[3]
HEX = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b")
THEME = "ui/common/figures/theme.py"  # where the palette and the non-run colours are written, once
NOT_A_CHART = {"ui/sections/training_lab/canvas.py": "the drawing canvas's CSS"}

# Colours a section writes itself that are no run's or racer's: the basin maps' hue families (one per
# minimum, lightness by speed) and their colour scales.  An entry that is gone fails too, so the list
# only shrinks.
KNOWN_OFFENDERS = {
    "ui/sections/maps/calc.py": {"#8C564B", "#2CA02C", "#17BECF", "#BCBD22", "#A0A0A0", "#D62728", "#C6DBEF", "#08306B",
                                 "#FCBBA1", "#67000D", "#440154", "#482878", "#3E4A89", "#31688E", "#26828E", "#1F9E89",
                                 "#35B779", "#6DCD59", "#B4DE2C", "#FDE725"},
}


def _norm(c: str) -> str:
    c = c.upper()
    return "#" + "".join(ch * 2 for ch in c[1:]) if len(c) == 4 else c


def colours_written(path: Path) -> set[str]:
    """Every hex colour in the file's string literals, except in a colour scale (an assignment
    to a name ending in COLORSCALE: a scale of values, not a run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    scales = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id.upper().endswith("COLORSCALE") for t in targets):
                scales |= {id(n) for n in ast.walk(node)}
    return {_norm(m) for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in scales for m in HEX.findall(node.value)}


def test_the_palette_is_okabe_ito_each_colour_with_its_own_dash():
    assert sorted(OKABE_ITO) == sorted(["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"])
    assert len(set(DASHES)) == len(DASHES) == len(OKABE_ITO) and "dot" not in DASHES
    assert [style(i) for i in range(8)] == [style(i + 8) for i in range(8)]
    assert not set(OKABE_ITO) & set(NON_RUN.values())


def test_every_colour_a_chart_of_ui_uses_is_the_palettes_or_a_named_non_run_colour():
    allowed = set(OKABE_ITO) | set(NON_RUN.values())
    found = {}
    for path in sorted((ROOT / "ui").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == THEME or rel in NOT_A_CHART:
            continue
        outside = colours_written(path) - allowed
        if outside or rel in KNOWN_OFFENDERS:
            found[rel] = outside
    new = {f: sorted(c - KNOWN_OFFENDERS.get(f, set())) for f, c in found.items() if c - KNOWN_OFFENDERS.get(f, set())}
    assert not new, f"colours outside the palette (use theme.style(i) or a NON_RUN colour): {new}"
    gone = {f: sorted(KNOWN_OFFENDERS[f] - found.get(f, set())) for f in KNOWN_OFFENDERS
            if KNOWN_OFFENDERS[f] - found.get(f, set()) or not found.get(f)}
    assert not gone, f"migrated, take them off KNOWN_OFFENDERS: {gone}"


def test_the_check_sees_a_colour_outside_the_palette(tmp_path):
    f = tmp_path / "fig.py"
    f.write_text('LINE = dict(color="#1f77b4")\nMY_COLORSCALE = [[0, "#000004"], [1, "#fcfdbf"]]\n')
    assert colours_written(f) == {"#1F77B4"}


# -- the projector --------------------------------------------------------------------------------
def _fonts(node, out: list) -> list:
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("font", "tickfont", "titlefont", "textfont") and isinstance(v, dict):
                out.append(v.get("size"))
            _fonts(v, out)
    elif isinstance(node, list):
        for v in node:
            _fonts(v, out)
    return out


def assert_readable(spec: dict, where: str = "") -> None:
    layout = spec["layout"]
    assert layout["font"]["size"] >= BIG_FONT and layout["font"]["color"] == NON_RUN["ink"], where
    small = [s for s in _fonts([layout, spec["data"]], []) if s is not None and s < BIG_FONT]
    assert not small, (where, small)
    lines = [tr.get("line", {}) for tr in spec["data"]
             if tr.get("type", "scatter") in ("scatter", "scattergl") and "lines" in tr.get("mode", "lines")]
    lines += [s["line"] for s in layout.get("shapes", []) if s.get("type") == "line"]
    assert all(ln.get("width", 0) >= BIG_LINE and ln.get("dash") != "dot" for ln in lines), (where, lines)


def test_look_makes_a_figure_readable_from_the_back_row():
    xs = np.linspace(-1, 1, 20)
    g = Grid(xs, xs, np.add.outer(xs**2, xs**2))
    runs = [Run(f"r{i}", style(i).color, np.c_[np.linspace(1, 0, 30), np.linspace(1, 0, 30)], dash=style(i).dash) for i in range(3)]
    small = contour_figure(g, runs, (-1, 1, -1, 1), Labels(), font_size=12).to_dict()
    curves = curves_figure([("loss", [Series("a", style(0).color, np.linspace(1, 0, 20))], True)], Labels(), marker_step=5,
                           font_size=12).to_dict()
    for spec in (small, curves):
        assert look(spec, big=False)["layout"]["font"]["color"] == NON_RUN["ink"]
        assert_readable(look(spec, big=True))


def _pages_charts(page_id: str, query: dict) -> dict:
    at = apptest.open_page(PAGE_BY_ID[page_id].path, "en", query, timeout=300)
    apptest.assert_clean(at)
    return apptest.charts(at)


def test_every_chart_of_the_shared_pages_is_readable_in_presentation_mode():
    for page_id in ("critical-points", "classification", "normalization"):
        for key, spec in _pages_charts(page_id, {"big": "1"}).items():
            assert_readable(spec, f"{page_id} {key}")


def test_racers_take_the_palettes_colour_and_dash_in_turn():
    specs = _pages_charts("playground", {"n": "4", "steps": "30"})
    main = next(s for k, s in specs.items() if k.endswith("-main"))
    runs = [tr for tr in main["data"] if tr.get("type") == "scatter" and tr.get("mode") == "lines" and tr.get("name")]
    assert [(tr["line"]["color"], tr["line"]["dash"]) for tr in runs] == [(style(i).color, style(i).dash) for i in range(4)]


def test_preset_buttons_get_as_many_columns_as_keep_their_words_whole():
    from ui.shell import preset_columns

    inside = ["稳定性边缘（梯度下降）", "稳定性边缘（Adam）", "尖锐与平坦的极小值", "最小值比例（图 3.6）", "一个 CNN 的误差表面"]
    assert preset_columns(inside, 5, big=True) < 5  # "稳定性边缘（梯度下/降）" at five a row on the projector
    assert preset_columns(["梯度下降与动量法的稳定边界", "放大分形边界", "x"], 3, big=True) == 2
    assert preset_columns(["Saddle", "Escape", "Ravine", "Bowl"], 4, big=True) == 4
    assert preset_columns(["a"], 4, big=False) == 1


def test_the_contour_reserves_its_legends_rows_and_the_titles_room():
    from ui.common.figures.contour import TITLE_STANDOFF
    from ui.common.figures.theme import legend_rows

    xs = np.linspace(-1, 1, 20)
    g = Grid(xs, xs, np.add.outer(xs**2, xs**2))
    xy = np.c_[np.linspace(1, 0, 30), np.linspace(1, 0, 30)]
    few = contour_figure(g, [Run("GD", style(0).color, xy)], (-1, 1, -1, 1), Labels(), font_size=18).to_dict()["layout"]
    names = [f"SGD + 动量（Nesterov）{i}" for i in range(8)]
    many = contour_figure(g, [Run(n, style(i).color, xy) for i, n in enumerate(names)], (-1, 1, -1, 1), Labels(),
                          font_size=18).to_dict()["layout"]
    assert legend_rows(names, 18) >= 8 > legend_rows(["GD", "start"], 18)
    assert many["margin"]["t"] - few["margin"]["t"] >= 6 * int(1.55 * 18)
    assert many["xaxis"]["title"]["standoff"] == TITLE_STANDOFF


def test_a_legend_name_wider_than_its_chart_is_broken_at_its_spaces_and_its_rows_counted():
    from ui.common.figures.theme import _text_px, legend_name, legend_rows

    long = "Adam + linear warm-up + cosine"
    assert legend_name(long, 17, 480) == long  # fits a half column
    broken = legend_name(long, 17, 320)
    assert broken.replace("<br>", " ") == long and broken.count("<br>") == 1
    assert all(40 + _text_px(line, 17) + 10 <= 320 for line in broken.split("<br>"))
    assert legend_name("线性预热", 17, 60) == "线性预热"  # a word is never cut
    one_row = legend_rows(["a", "b"], 17, 480)
    assert legend_rows([broken, "b"], 17, 480) == 2 * one_row  # the row is as tall as its two-line entry
    assert legend_rows([broken, "Adam, constant η"], 17, 320) == 3


def test_every_legend_key_of_the_contour_shows_on_the_pages_white():
    """A legend key is drawn in its trace's colours, on the page's white: the Taylor model's white
    dashes (on the dark contour) had an invisible key; it now has a grey one of its own, grouped
    with the lines so a click on it still hides them."""
    xs = np.linspace(-1, 1, 20)
    g = Grid(xs, xs, np.add.outer(xs**2, -xs**2))
    xy = np.c_[np.linspace(1, 0, 30), np.linspace(1, 0, 30)]
    crit = [{"at": [0.0, 0.0], "kind": k, "loss": 0.0} for k in ("minimum", "maximum", "saddle", "degenerate")]
    fig = contour_figure(g, [Run("GD", style(0).color, xy)], (-1, 1, -1, 1), Labels(), crit=crit, start=(1.0, 1.0),
                         taylor=g, marker=(0.5, 0.5)).to_dict()
    white = {"WHITE", "#FFFFFF", "#FFF"}
    keys = []
    for tr in fig["data"]:
        shown = tr.get("showlegend", tr["type"] != "contour")
        if not shown:
            continue
        line, marker = tr.get("line", {}).get("color"), tr.get("marker", {})
        drawn = [line] if "lines" in tr.get("mode", "lines") else []
        drawn += [marker.get("color"), marker.get("line", {}).get("color")] if "markers" in tr.get("mode", "") else []
        keys.append((tr.get("name"), [c for c in drawn if c]))
    assert Labels().taylor in [n for n, _ in keys]
    assert all(any(str(c).upper() not in white for c in cs) for _, cs in keys), keys
    taylor = [tr for tr in fig["data"] if tr.get("name") == Labels().taylor]
    assert len({tr.get("legendgroup") for tr in taylor}) == 1 and len(taylor) == 2
