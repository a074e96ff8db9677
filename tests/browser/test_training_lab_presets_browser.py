"""Training lab on a projector (issue 19 item 3): after every preset of the page, in presentation
mode at 1280×720 and 1920×1080, the main chart — step 5's curves — is on the first screen, while
the runs train (their bars above the growing curves) and once they are trained.

One server for the module; each size in one language, the languages alternating, so both
languages and both sizes are seen.  Presets are clicked in the page, as a teacher does: a preset's
note ("what to look for") is shown above the chart and must not push it off the screen."""

from __future__ import annotations

import time

import pytest

from tests.browser.layout_checks import OVERFLOW_JS
from ui.common import keys
from ui.common.presets import for_page

SIZES = (((1280, 720), "zh"), ((1920, 1080), "en"))
LOCALE = {"en": "en-US", "zh": "zh-CN"}
SHOWN = 0.25  # of the first screen's height, at least, shows the curves' plot area (as tests/browser/test_presentation.py)
PRESETS = for_page("training-lab")

CURVES_TOP_JS = r"""() => { const main = document.querySelector('[data-testid=stMain]').getBoundingClientRect().top;
  const charts = [...document.querySelectorAll('[data-testid=stMain] [class*="st-key-tl_curves"]')];
  const tops = charts.map(c => { const area = c.querySelector('.nsewdrag');
                                 return area ? area.getBoundingClientRect().top - main : null; }).filter(v => v !== null);
  return tops.length ? Math.min(...tops) : null; }"""
TRAINED_JS = r"""() => !document.querySelector('[data-testid=stProgress]')
  && !!document.querySelector('[class*="st-key-tl_curves"]:not([class*="st-key-tl_curves_live"]) .nsewdrag')"""


def _curves_top(page, deadline: float) -> float:
    """The curves' plot area top, once it is drawn (live or final)."""
    while time.monotonic() < deadline:
        top = page.evaluate(CURVES_TOP_JS)
        if top is not None:
            return top
        page.wait_for_timeout(200)
    raise AssertionError("no curves drawn")


@pytest.mark.parametrize(("size", "lang"), SIZES, ids=[f"{w}x{h}-{lang}" for (w, h), lang in SIZES])
def test_every_preset_keeps_the_curves_on_the_projectors_first_screen(streamlit_server, new_page, wait_idle, wait_rerun,
                                                                      screenshot, size, lang):
    w, h = size
    page = new_page(locale=LOCALE[lang], viewport=size)
    page.goto(f"{streamlit_server}/training-lab?lang={lang}&big=1")
    wait_idle(page, timeout=150_000)
    limit = (1 - SHOWN) * h
    for p in PRESETS:
        button = page.locator(f".st-key-{keys.preset_button(p.id)} button").first
        wait_rerun(page, button.click, timeout=150_000)
        deadline = time.monotonic() + 300
        training = _curves_top(page, deadline)  # while it trains: the live frame under the bars, or the cached curves
        assert training < limit, f"{p.id}: curves at {training:.0f} px of {h} while training"
        page.wait_for_function(TRAINED_JS, timeout=300_000)
        wait_idle(page, timeout=150_000)
        page.wait_for_timeout(300)  # fonts and KaTeX settle before measuring (not an assertion)
        trained = _curves_top(page, deadline)
        screenshot(page, f"big-training-lab-{p.id}-{lang}-{w}x{h}.png")
        assert trained < limit, f"{p.id}: curves at {trained:.0f} px of {h} once trained"
        assert page.locator("[data-testid=stException]").count() == 0
        cut = page.evaluate(OVERFLOW_JS)
        assert cut == [], f"{p.id}: text cut off: {cut[:5]}"
