"""The inside-network page in a real browser.

On a projector (presentation mode, 1280×720 and 1920×1080, the language alternating): every
preset of the page, clicked, puts its main chart on the first screen and cuts no text.

On a cold server: an inside view as the very first request draws the menu, the presets and the
controls while its job computes, and a click on §3.2 in the menu during that job reaches §3.2
with its chart (the job does not hold the session)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.layout_checks import OVERFLOW_JS
from ui.common import keys
from ui.sections.inside_network.presets import PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

from .conftest import wait_idle

SIZES = ((1280, 720), (1920, 1080))
LOCALE = {"en": "en-US", "zh": "zh-CN"}
SHOWN = 0.25  # of the first screen's height, at least, shows the main chart's plot area (as test_presentation)
MAIN = {"eos": "in_eos", "eos-adam": "in_eos", "sharp-flat": "in_line", "minimum-ratio": "in_ratio", "cnn-surface": "in_surface_chart"}
CASES = [(p, ("en", "zh")[(i + j) % 2], size) for i, p in enumerate(PRESETS) for j, size in enumerate(SIZES)]
COMPUTE = 300_000  # ms: a cold job on a busy shared 2-core machine (a bound, not a timing assertion)

TOP_JS = """(key) => { const main = document.querySelector('[data-testid=stMain]').getBoundingClientRect().top;
  const c = document.querySelector('.st-key-' + key + ' [data-testid=stPlotlyChart]');
  if (!c) return null;
  const area = c.querySelector('.nsewdrag');
  return (area || c).getBoundingClientRect().top - main; }"""


def _settle(page, key: str) -> None:
    """Until the preset's main chart is drawn and no job of the page is still computing."""
    expect(page.locator(f".st-key-{key} [data-testid=stPlotlyChart] .main-svg").first).to_be_attached(timeout=COMPUTE)
    expect(page.locator("[data-testid=stProgress]")).to_have_count(0, timeout=COMPUTE)
    wait_idle(page, timeout=COMPUTE)
    page.wait_for_timeout(300)  # fonts and KaTeX settle before measuring (not an assertion)


def test_every_preset_is_covered():
    assert set(MAIN) == {p.id for p in PRESETS}


@pytest.mark.parametrize(("preset", "lang", "size"), CASES, ids=[f"{p.id}-{lang}-{w}" for p, lang, (w, _) in CASES])
def test_each_preset_puts_its_main_chart_on_the_projectors_first_screen(streamlit_server, new_page, screenshot, preset, lang, size):
    page = new_page(locale=LOCALE[lang], viewport=size)
    page.goto(f"{streamlit_server}/inside-network?lang={lang}&big=1&view=ratio&nets=4&rw=8")  # a cheap view first
    wait_idle(page, timeout=COMPUTE)
    page.locator(f".st-key-{keys.preset_button(preset.id)} button").first.click()
    expect(page.get_by_text(t(preset.note, lang)).first).to_be_visible(timeout=60_000)  # the click's rerun has begun
    wait_idle(page, timeout=COMPUTE)  # … and ended: the charts of the view before the click are gone
    key = MAIN[preset.id]
    _settle(page, key)
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, f"inside-{preset.id}-{lang}-{size[0]}x{size[1]}.png")
    top = page.evaluate(TOP_JS, key)
    assert top is not None and top < (1 - SHOWN) * size[1], f"{preset.id}: the main chart starts at {top} of {size[1]} px"
    cut = page.evaluate(OVERFLOW_JS)
    assert cut == [], "text cut off in presentation mode:\n" + json.dumps(cut[:15], ensure_ascii=False, indent=1)


def test_a_menu_click_during_an_inside_job_reaches_the_other_page(start_server, new_page):
    base = start_server()  # cold: nothing computed, the inside view's job is the first thing this server does
    page = new_page(locale="en-US", viewport=(1280, 720))
    page.goto(f"{base}/inside-network?lang=en&view=eos&lr1=0.15&lr2=0.05")
    # while the job computes: its progress, and the menu, the presets and the controls already drawn
    expect(page.locator("[data-testid=stProgress]").first).to_be_visible(timeout=120_000)
    expect(page.locator(f".st-key-{keys.preset_button('eos')} button").first).to_be_visible()
    expect(page.get_by_text(t("in_lr1", "en")).first).to_be_attached()
    assert page.locator(".st-key-in_eos [data-testid=stPlotlyChart]").count() == 0  # the view is not done yet
    target = PAGE_BY_ID["batch-momentum"]
    page.locator("[data-testid=stSidebar] [data-testid=stPageLink-NavLink]").filter(
        has_text=re.compile(re.escape(t("page_batch-momentum", "en")))).click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(t("page_batch-momentum", "en"))))).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid=stMain] [data-testid=stPlotlyChart] .main-svg").first).to_be_attached(timeout=60_000)
    assert page.url.split("?")[0].endswith("/" + target.id)
    assert page.locator("[data-testid=stException]").count() == 0
