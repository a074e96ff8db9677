"""/maps?map=sweep in a real browser: hovering a cell of the sweep map draws that cell's path in
the trajectory chart at once, with not one websocket frame sent; leaving the map puts back the
selected cell's drawing; a click on the hovered cell selects exactly the cell the readout named."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ui.text import t

# the selected cell's trajectory chart: the SVG path of its trail (the width-3 line)
TRAIL_D = """() => {
  const gd = document.querySelector('.st-key-cell_view .js-plotly-plot');
  const at = gd.data.findIndex(t => t.mode === 'lines' && t.line && t.line.width === 3);
  const el = [...gd.querySelectorAll('g.trace.scatter')].find(g => g.__data__[0].trace.index === at);
  return el.querySelector('path.js-line').getAttribute('d');
}"""
QUERY = "map=sweep&surface=quadratic&o1=momentum&sgrid=16&steps=30"


def plot_area(page, key: str):
    layer = page.locator(f".st-key-{key} .nsewdrag").first
    layer.scroll_into_view_if_needed()
    expect(layer).to_be_visible()
    return layer.bounding_box()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hovering_a_cell_shows_its_path_without_the_server(streamlit_server, page, page_errors, wait_idle, wait_rerun,
                                                          ws_counter, screenshot, lang):
    frames = ws_counter(page)
    page.goto(f"{streamlit_server}/maps?lang={lang}&{QUERY}")
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    readout = page.locator(".live-hover")
    expect(readout).to_have_text(t("mp_hover_idle", lang))
    selected = page.locator("[data-testid=stHeading]", has_text=t("mp_cell_settings", lang, settings="")).first.inner_text()
    before = page.evaluate(TRAIL_D)
    box = plot_area(page, "sweep")
    frames.reset()
    # a cell near the top right: large η and μ, a path unlike the selected one (a third of the way)
    x, y = box["x"] + 0.85 * box["width"], box["y"] + 0.15 * box["height"]
    page.mouse.move(x, y)
    expect(readout).not_to_have_attribute("data-cell", "")
    shown = readout.inner_text()
    prefix = t("mp_hover_shown", lang, cell="|").split("|")[0]
    assert shown.startswith(prefix), shown
    hovered = page.evaluate(TRAIL_D)
    assert hovered != before
    assert frames.sent == 0, frames
    screenshot(page, f"maps-hover-{lang}.png", full_page=True)
    # leaving the map puts back the server's drawing of the selected cell, still with nothing sent
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] - 120)
    expect(readout).to_have_attribute("data-cell", "")
    assert page.evaluate(TRAIL_D) == before and frames.sent == 0
    # a click on the same spot selects the cell the readout named (one rerun, the classic way)
    page.mouse.move(x, y)
    expect(readout).to_have_text(shown)
    wait_rerun(page, lambda: page.mouse.click(x, y))
    cell = shown[len(prefix):].split(t("mp_hover_shown", lang, cell="|").split("|")[1])[0]
    heading = page.locator("[data-testid=stHeading]", has_text=t("mp_cell_settings", lang, settings=cell))
    expect(heading).to_be_visible()
    assert heading.first.inner_text() != selected
    assert page_errors == []
