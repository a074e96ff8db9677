"""The shared layer in a real browser (issue 19): a page opened from the menu shows its own
settings, never the page visited before; preset labels never break inside a word; the animated
contour's x-axis title stays clear of its play buttons — on the projector at 1280×720 and
1920×1080, in both languages."""

from __future__ import annotations

import json

import pytest

from tests.browser.layout_checks import ANIM_TITLE_JS, MIDWORD_JS
from ui.text import t

LOCALE = {"en": "en-US", "zh": "zh-CN"}
SIZES = ((1280, 720), (1920, 1080))


def _open(new_page, wait_idle, url: str, lang: str, size=(1280, 720)):
    page = new_page(locale=LOCALE[lang], viewport=size)
    page.goto(url)
    wait_idle(page, timeout=150_000)
    exc = page.locator("[data-testid=stException]")
    assert exc.count() == 0, exc.first.inner_text()
    return page


def _slider_value(page, label: str) -> float:
    return float(page.locator("[data-testid=stSlider]").filter(has_text=label).locator("input[type=range]").first.input_value())


def test_the_menu_opens_a_page_with_its_own_defaults(streamlit_server, new_page, wait_idle, wait_rerun, screenshot):
    """Item 2: the playground's steps and seed do not follow the class into §3.2."""
    fresh = _open(new_page, wait_idle, f"{streamlit_server}/batch-momentum?lang=en", "en")
    default_steps = _slider_value(fresh, t("steps", "en"))
    page = _open(new_page, wait_idle, f"{streamlit_server}/playground?lang=en&steps=77&seed=5", "en")
    assert _slider_value(page, t("steps", "en")) == 77
    wait_rerun(page, lambda: page.locator("[data-testid=stSidebar] a[href*='batch-momentum']").click(), timeout=150_000)
    screenshot(page, "menu-to-batch-momentum.png")
    assert "/batch-momentum" in page.url and "steps" not in page.url and "seed" not in page.url, page.url
    assert _slider_value(page, t("steps", "en")) == default_steps


CASES = [(pid, lang, size) for pid in ("inside-network", "maps", "training-lab", "playground") for lang in ("zh", "en")
         for size in SIZES]


@pytest.mark.parametrize(("page_id", "lang", "size"), CASES, ids=[f"{p}-{lang}-{w}" for p, lang, (w, _) in CASES])
def test_presentation_mode_labels_and_play_buttons(streamlit_server, new_page, wait_idle, screenshot, page_id, lang, size):
    """Items 10 and 6: no preset label breaks inside a word ("交叉/熵", "稳定边/界"); the
    playground's w₁ title is not under its play buttons (8 racers: the legend's most rows), the
    buttons are above the slider's "step k"."""
    extra = "&n=8" if page_id == "playground" else ""
    page = _open(new_page, wait_idle, f"{streamlit_server}/{page_id}?lang={lang}&big=1{extra}", lang, size)
    page.wait_for_timeout(300)  # fonts settle before measuring (not an assertion)
    screenshot(page, f"common-big-{page_id}-{lang}-{size[0]}.png")
    broken = page.evaluate(MIDWORD_JS)
    assert broken == [], json.dumps(broken, ensure_ascii=False)
    if page_id == "playground":
        charts = page.evaluate(ANIM_TITLE_JS)
        assert charts, "the playground draws an animated contour"
        assert all(c["title_bottom"] <= c["buttons_top"] for c in charts), charts
        assert all(c["buttons_bottom"] <= c["step_top"] for c in charts), charts  # "step k" under the buttons
