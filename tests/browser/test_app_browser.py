"""What only a browser shows: deep links on a fresh server, clicks on the chart,
animation without server traffic, shared URLs, language switching, screenshots."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.layout_checks import LEGEND_CUT_JS, TITLE_ON_TICKS_JS
from ui.shell import PAGES
from ui.text import t

SECTION_PAGES = [p for p in PAGES if p.section]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def no_exception(page) -> None:
    exc = page.locator("[data-testid=stException]")
    assert exc.count() == 0, exc.first.inner_text()


def plot_area(page, index: int = 0):
    """Bounding box of the i-th Plotly chart's plotting area (the drag layer over the axes)."""
    chart = page.locator("[data-testid=stPlotlyChart]").nth(index)
    chart.scroll_into_view_if_needed()
    layer = chart.locator(".nsewdrag").first
    expect(layer).to_be_visible()
    return layer.bounding_box()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_deep_link_as_first_request_gets_the_shared_shell(start_server, page, page_errors, wait_idle, lang):
    base = start_server()  # fresh: the deep link below is its very first request
    page.goto(f"{base}/critical-points?lang={lang}")
    wait_idle(page)
    no_exception(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar).to_be_visible()
    # our translated menu, not Streamlit's file-name menu
    expect(sidebar.get_by_text(f"§3.1 {t('page_critical-points', lang)}")).to_be_visible()
    expect(sidebar.get_by_text(t("page_home", lang), exact=True)).to_be_visible()
    assert page.locator("[data-testid=stSidebarNav]").count() == 0
    expect(page.get_by_role("heading", name=re.compile(re.escape(t("page_critical-points", lang))))).to_be_visible()
    assert page_errors == []


def test_click_on_the_contour_moves_the_start(start_server, page, wait_idle, wait_rerun):
    base = start_server()
    page.goto(f"{base}/playground?lang=en&surface=himmelblau&n=1&steps=20")
    wait_idle(page)
    box = plot_area(page, 0)
    # himmelblau's box is [-5, 5]²; aim at (2.5, -2.5): a pick-grid point lies within a few pixels
    fx, fy = (2.5 + 5) / 10, 1 - (-2.5 + 5) / 10
    wait_rerun(page, lambda: page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"]))
    no_exception(page)
    q = query_of(page.url)
    assert abs(float(q["x0"]) - 2.5) < 0.45 and abs(float(q["y0"]) + 2.5) < 0.45, q
    # the new trajectory begins where we clicked: the start inputs and the URL agree
    x_input = page.locator("[data-testid=stNumberInput] input").first
    assert abs(float(x_input.input_value()) - float(q["x0"])) < 1e-3


def test_play_animates_in_the_browser_without_server_traffic(start_server, page, wait_idle, ws_counter):
    counter = ws_counter(page)
    base = start_server()
    page.goto(f"{base}/playground?lang=en&n=2&steps=200")
    wait_idle(page)
    chart = page.locator("[data-testid=stPlotlyChart]").first
    chart.scroll_into_view_if_needed()
    current = chart.locator(".slider-group .slider-label, text.slider-label").first
    before = current.text_content()
    counter.reset()
    chart.locator(".updatemenu-button").first.click()
    expect(current).not_to_have_text(before or "", timeout=15_000)  # the frames advance…
    page.wait_for_function(
        "el => el.textContent.trim().endsWith('200')", arg=current.element_handle(), timeout=30_000
    )  # …to the end of the run
    assert counter.sent == 0 and counter.received == 0, (counter.sent, counter.received)


def test_a_shared_url_reproduces_the_view(start_server, new_page, wait_idle, wait_rerun):
    base = start_server()
    a = new_page()
    a.goto(f"{base}/playground?lang=en&surface=beale&n=2&o2=adam&o2_lr=0.02&steps=120")
    wait_idle(a)
    seed_input = a.locator("[data-testid=stNumberInput] input").nth(0)
    wait_rerun(a, lambda: (seed_input.fill("1.25"), seed_input.press("Enter")))
    shared = a.url
    assert query_of(shared)["x0"] == "1.25"
    table_a = a.locator("[data-testid=stDataFrame]").first.inner_text()
    b = new_page(locale="zh-CN")
    b.goto(shared)
    wait_idle(b)
    no_exception(b)
    assert query_of(b.url) == query_of(shared)
    assert b.locator("[data-testid=stDataFrame]").first.inner_text() == table_a


def test_switching_language_keeps_every_value(start_server, page, wait_idle, wait_rerun):
    base = start_server()
    page.goto(f"{base}/playground?lang=en&surface=booth&n=3&o3=nadam&steps=77")
    wait_idle(page)
    before = query_of(page.url)
    wait_rerun(page, lambda: page.get_by_text("中文", exact=True).click())
    no_exception(page)
    after = query_of(page.url)
    assert after.pop("lang") == "zh" and before.pop("lang") == "en"
    assert after == before
    expect(page.get_by_role("heading", name=re.compile("优化器竞技场"))).to_be_visible()


def test_two_sessions_never_share_state(start_server, new_page, wait_idle, wait_rerun):
    base = start_server()
    a, b = new_page(), new_page()
    for p in (a, b):
        p.goto(f"{base}/playground?lang=en&n=1&steps=40")
        wait_idle(p)
    x_a = a.locator("[data-testid=stNumberInput] input").first
    wait_rerun(a, lambda: (x_a.fill("0.75"), x_a.press("Enter")))
    b.reload()
    wait_idle(b)
    assert query_of(a.url)["x0"] == "0.75"
    assert "x0" not in query_of(b.url)
    assert b.locator("[data-testid=stNumberInput] input").first.input_value() != "0.75"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page_info", SECTION_PAGES, ids=[p.id for p in SECTION_PAGES])
def test_screenshot_of_every_page(streamlit_server, new_page, wait_jobs, screenshot, page_info, lang):
    page = new_page(viewport=(1500, 2400))
    page.goto(f"{streamlit_server}/{page_info.id}?lang={lang}")
    wait_jobs(page)  # a page whose result is a job (the real network's views) draws its chart when the job is done
    no_exception(page)
    expect(page.locator("[data-testid=stPlotlyChart]").first).to_be_visible()
    page.wait_for_timeout(500)  # let Plotly finish painting before the picture (not an assertion)
    assert screenshot(page, f"{page_info.id}-{lang}.png", full_page=True).stat().st_size > 10_000
    over = page.evaluate(TITLE_ON_TICKS_JS)
    assert over == [], "an x-axis title drawn over its numbers:\n" + json.dumps(over[:10], ensure_ascii=False)
    cut = page.evaluate(LEGEND_CUT_JS)
    assert cut == [], "a legend entry runs out of its chart:\n" + json.dumps(cut[:10], ensure_ascii=False)


def test_language_defaults_to_the_browser_locale(start_server, new_page, wait_idle):
    base = start_server()
    zh = new_page(locale="zh-CN")
    zh.goto(f"{base}/playground")
    wait_idle(zh)
    expect(zh.get_by_role("heading", name=re.compile("优化器竞技场"))).to_be_visible()
    assert query_of(zh.url).get("lang") == "zh"
    en = new_page(locale="en-US")
    en.goto(f"{base}/playground")
    wait_idle(en)
    expect(en.get_by_role("heading", name=re.compile("Optimizer playground"))).to_be_visible()
