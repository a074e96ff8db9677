"""Presentation mode (?big=1) as a projector shows it, on every page of the registry (a new
page is covered by adding its PageInfo): no visible text cut, no legend entry out of its chart nor an axis title on its numbers, metric values at least as large
as in normal mode, the chart on the first screen, the step buttons, the figures to scale.

One server for the module; every page at both projector sizes, 1280×720 and 1920×1080, the
language alternating so that each page is seen in both languages (one per size) and each size
in both languages."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import wait_jobs
from tests.browser.layout_checks import FIRST_CHART_TOP_JS, LEGEND_CUT_JS, METRIC_JS, OVERFLOW_JS, TITLE_ON_TICKS_JS
from ui.shell import PAGES
from ui.text import t

VIEWPORT = (1280, 720)
SIZES = ((1280, 720), (1920, 1080))
LOCALE = {"en": "en-US", "zh": "zh-CN"}
CASES = [(p, ("en", "zh")[(i + j) % 2], size) for i, p in enumerate(PAGES) for j, size in enumerate(SIZES)]
SHOWN = 0.25  # of the first screen's height, at least, shows the first chart's plot area


def _url(base: str, page_id: str, lang: str, big: bool) -> str:
    path = "/" if page_id == "home" else f"/{page_id}"
    return f"{base}{path}?lang={lang}" + ("&big=1" if big else "")


def _open(new_page, wait_idle, url: str, lang: str, size: tuple[int, int] = VIEWPORT):
    page = new_page(locale=LOCALE[lang], viewport=size)
    page.goto(url)
    wait_idle(page, timeout=150_000)  # a busy 2-core machine: the charts of a big page take their time
    wait_jobs(page, timeout=240_000)  # a job of the worker pool: its fragment reruns the page with the chart when it is done
    exc = page.locator("[data-testid=stException]")
    assert exc.count() == 0, exc.first.inner_text()
    return page


@pytest.mark.parametrize(("page_info", "lang", "size"), CASES, ids=[f"{p.id}-{lang}-{w}" for p, lang, (w, _) in CASES])
def test_presentation_mode_cuts_nothing_and_puts_the_chart_first(streamlit_server, new_page, wait_idle, screenshot,
                                                                  page_info, lang, size):
    page = _open(new_page, wait_idle, _url(streamlit_server, page_info.id, lang, big=True), lang, size)
    page.wait_for_timeout(300)  # fonts and KaTeX settle before measuring (not an assertion)
    screenshot(page, f"big-{page_info.id}-{lang}-{size[0]}x{size[1]}.png")
    cut = page.evaluate(OVERFLOW_JS)
    assert cut == [], "text cut off in presentation mode:\n" + json.dumps(cut[:15], ensure_ascii=False, indent=1)
    legend = page.evaluate(LEGEND_CUT_JS)
    assert legend == [], "a legend entry runs out of its chart:\n" + json.dumps(legend[:15], ensure_ascii=False, indent=1)
    over = page.evaluate(TITLE_ON_TICKS_JS)
    assert over == [], "an x-axis title drawn over its numbers:\n" + json.dumps(over[:15], ensure_ascii=False, indent=1)

    if page_info.section:
        top = page.evaluate(FIRST_CHART_TOP_JS)
        assert top is not None, "a section page shows a chart"
        assert top < (1 - SHOWN) * size[1], f"the first plot area starts at {top:.0f} of {size[1]} px: not on the first screen"

    big = page.evaluate(METRIC_JS)
    if big:
        normal = _open(new_page, wait_idle, _url(streamlit_server, page_info.id, lang, big=False), lang, size).evaluate(METRIC_JS)
        assert min(big) >= max(normal), f"metric values {big} px in presentation mode, {normal} px in normal mode"


def test_step_buttons_walk_the_selected_step(streamlit_server, new_page, wait_idle, wait_rerun):
    page = _open(new_page, wait_idle, _url(streamlit_server, "playground", "en", big=True), "en")
    thumb = page.locator("[data-testid=stSlider]").filter(has_text=t("selected_step", "en")).locator("input[type=range]")
    before = int(thumb.input_value())
    wait_rerun(page, lambda: page.get_by_role("button", name=t("step_prev", "en")).click())
    assert int(thumb.input_value()) == before - 1
    assert f"k={before - 1}" in page.url  # the link still reopens this step
    wait_rerun(page, lambda: page.get_by_role("button", name=t("step_next", "en")).click())
    assert int(thumb.input_value()) == before


def test_contours_are_drawn_to_scale_in_the_page(streamlit_server, new_page, wait_idle):
    """§3.7's standardized surface is round on screen: its plot area is as wide as it is tall."""
    page = _open(new_page, wait_idle, _url(streamlit_server, "normalization", "en", big=False), "en")
    ratios = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]
        .filter(p => p._fullLayout && p._fullLayout.yaxis && p._fullLayout.yaxis.scaleanchor === 'x')
        .map(p => { const xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis;
                    return (xa._length / (xa.range[1] - xa.range[0])) / (ya._length / (ya.range[1] - ya.range[0])); })""")
    assert ratios, "the page draws contours with equal units"
    assert all(abs(r - 1) < 0.02 for r in ratios), ratios
