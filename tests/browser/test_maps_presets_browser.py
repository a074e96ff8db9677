"""/maps on a projector: every preset, clicked in presentation mode at 1280×720 and 1920×1080 (the
language alternating), puts its map on the first screen, cuts no text, and draws its figures to
scale and readable — the sweep map as wide as the page (not a strip) with its colour-bar title
beside the bar, legends clear of the axis titles, no empty band under the basin maps, the
selected cell's path on a plot big enough to read.

One server for the module; geometry is read from plotly's own drawing (`.nsewdrag` is the plot
area, `.main-svg` the figure)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.layout_checks import FIRST_CHART_TOP_JS, OVERFLOW_JS
from ui.common import presets
from ui.text import t

SIZES = ((1280, 720), (1920, 1080))
LOCALE = {"en": "en-US", "zh": "zh-CN"}
PRESETS = presets.for_page("maps")
CASES = [(p, size, ("en", "zh")[(i + j) % 2]) for i, p in enumerate(PRESETS) for j, size in enumerate(SIZES)]
SHOWN = 0.25  # of the first screen's height, at least, shows the map's plot area (as tests/browser/test_presentation.py)

# every chart of the page by its key: figure, plot area, colour-bar title, legend, axis titles (page px)
GEOMETRY_JS = r"""() => {
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
                      return r.width > 0 && r.height > 0 ? {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height} : null; };
  const out = {};
  for (const c of document.querySelectorAll('[data-testid=stMain] [data-testid=stPlotlyChart]')) {
    const k = c.closest('[class*=st-key-]');
    const key = k ? [...k.classList].find(x => x.startsWith('st-key-')).slice(7) : '?';
    out[key] = {fig: box(c.querySelector('.main-svg')), plot: box(c.querySelector('.nsewdrag')),
                cbtitle: box(c.querySelector('.cbtitle')), legend: box(c.querySelector('.legend')),
                xtitle: box(c.querySelector('.xtitle')), main: box(document.querySelector('[data-testid=stMain] .block-container'))};
  }
  return out;
}"""


def overlap(a: dict | None, b: dict | None, tol: float = 1.0) -> bool:
    if a is None or b is None:
        return False
    return a["l"] < b["r"] - tol and b["l"] < a["r"] - tol and a["t"] < b["b"] - tol and b["t"] < a["b"] - tol


@pytest.mark.parametrize(("preset", "size", "lang"), CASES, ids=[f"{p.id}-{w}-{lang}" for p, (w, _), lang in CASES])
def test_every_preset_on_the_projector(streamlit_server, new_page, wait_idle, wait_rerun, screenshot, preset, size, lang):
    page = new_page(locale=LOCALE[lang], viewport=size)
    page.goto(f"{streamlit_server}/maps?lang={lang}&big=1")
    wait_idle(page, timeout=150_000)
    button = page.get_by_role("button", name=t(preset.title, lang))
    wait_rerun(page, button.click, timeout=150_000)
    # a large map is a job: the page is drawn at once, the map when the job is done (the fragment reruns the page)
    main_map = {"basins": "basin0", "sweep": "sweep", "fractal": "fractal"}[preset.params["map"]]
    expect(page.locator(f".st-key-{main_map} .nsewdrag")).to_be_visible(timeout=150_000)
    wait_idle(page, timeout=150_000)
    page.wait_for_timeout(300)  # fonts settle before measuring (not an assertion)
    screenshot(page, f"maps-preset-{preset.id}-{lang}-{size[0]}x{size[1]}.png")
    exc = page.locator("[data-testid=stException]")
    assert exc.count() == 0, exc.first.inner_text()
    assert page.get_by_text(t(preset.note, lang)).count() == 1  # the preset took effect

    top = page.evaluate(FIRST_CHART_TOP_JS)
    assert top is not None, "the preset shows its map"
    assert top < (1 - SHOWN) * size[1], f"the map's plot area starts at {top:.0f} of {size[1]} px: not on the first screen"
    cut = page.evaluate(OVERFLOW_JS)
    assert cut == [], "text cut off:\n" + json.dumps(cut[:15], ensure_ascii=False, indent=1)

    charts = page.evaluate(GEOMETRY_JS)
    for key, g in charts.items():
        assert not overlap(g["legend"], g["xtitle"]), f"{key}: the legend covers the x-axis title"
        assert not overlap(g["cbtitle"], g["plot"]), f"{key}: the colour-bar title lies over the plot"
    if preset.params["map"] == "sweep":
        sweep, cell = charts["sweep"], charts["cell_view"]
        assert sweep["plot"]["w"] >= 0.6 * sweep["main"]["w"], f"the sweep map is a strip: {sweep['plot']}"
        assert sweep["plot"]["h"] >= 300, sweep["plot"]
        assert min(cell["plot"]["w"], cell["plot"]["h"]) >= 250, f"the selected cell's path is too small: {cell['plot']}"
    if preset.params["map"] == "basins":
        for key in ("basin0", "basin1"):
            g = charts[key]
            gap = g["fig"]["b"] - g["plot"]["b"]
            assert gap <= 110, f"{key}: {gap:.0f} px of figure under the plot area (ticks and axis title need ≈ 60)"
            assert g["plot"]["h"] >= 150 and g["plot"]["w"] >= 300, g["plot"]
    if preset.params["map"] == "fractal":
        g = charts["fractal"]
        assert g["plot"]["h"] >= 300 and g["plot"]["w"] >= 0.6 * g["main"]["w"], g["plot"]
