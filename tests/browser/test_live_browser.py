"""Live controls in a real browser: while the thumb moves the charts change and nothing goes to
the server; on release one rerun, and the URL and the classic slider carry the value."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlparse

import pytest
from playwright.sync_api import expect

# the SVG path of a scatter trace of a chart, found by attributes the figure gave it
TRACE_D = """([key, match]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
  const at = gd.data.findIndex(t => Object.entries(match).every(([k, v]) => get(t, k) === v));
  const el = [...gd.querySelectorAll('g.trace.scatter')].find(g => g.__data__[0].trace.index === at);
  return el.querySelector('path.js-line').getAttribute('d');
}"""
GD_TRAIL = ["main", {"meta": "path-trail", "line.color": "#0072B2"}]
GD_LOSS = ["al_lossgrad", {"meta": "al-gd-loss"}]


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlparse(url).query))


def open_section(page, base: str, wait_idle, query: str = ""):
    page.goto(f"{base}/adaptive-lr?lang=en{query}")
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    ctl = page.locator("[data-live=eta_u]")
    expect(ctl).to_have_attribute("aria-valuenow", "0.95" if not query else query.rsplit("=", 1)[1])
    ctl.scroll_into_view_if_needed()
    return ctl


def test_dragging_moves_the_paths_without_the_server_then_one_rerun(streamlit_server, page, page_errors, wait_idle,
                                                                     wait_rerun, ws_counter):
    frames = ws_counter(page)
    ctl = open_section(page, streamlit_server, wait_idle)
    before = [page.evaluate(TRACE_D, GD_TRAIL), page.evaluate(TRACE_D, GD_LOSS)]
    box = ctl.bounding_box()
    y = box["y"] + box["height"] / 2
    frames.reset()
    page.mouse.move(box["x"] + 0.3 * box["width"], y)
    page.mouse.down()
    for f in (0.35, 0.4, 0.45, 0.5):
        page.mouse.move(box["x"] + f * box["width"], y)
    value = ctl.get_attribute("aria-valuenow")
    assert float(value) < 0.95
    # the charts show the new position, and not one frame went to the server
    shown = page.locator("[data-testid=stBidiComponentIsolated] .live")
    expect(shown).to_have_attribute("data-drawn", str(round((float(value) - 0.01) / 0.01)))
    after = [page.evaluate(TRACE_D, GD_TRAIL), page.evaluate(TRACE_D, GD_LOSS)]
    assert after[0] != before[0] and after[1] != before[1]
    assert frames.sent == 0
    wait_rerun(page, page.mouse.up)
    assert query_of(page.url)["eta_u"] == value
    expect(page.locator(".st-key-eta_u [data-testid=stSliderThumbValue]")).to_have_text(value)  # the classic slider
    assert page_errors == []


# the other live controls: (page and query, URL key, the chart trace the drag redraws)
OTHERS = [
    ("batch-momentum?lang=en&part=momentum", "lam", ["main", {"meta": "path-trail", "line.color": "#D55E00"}]),
    ("lr-schedule?lang=zh", "sp_warmup", ["eta_editor", {"meta": "ls-sched-eta"}]),
]


@pytest.mark.parametrize(("where", "param", "trace"), OTHERS, ids=["momentum-lambda", "warmup"])
def test_the_other_live_controls_drag_without_the_server(streamlit_server, page, page_errors, wait_idle, wait_rerun,
                                                         ws_counter, where, param, trace):
    frames = ws_counter(page)
    page.goto(f"{streamlit_server}/{where}")
    wait_idle(page)
    ctl = page.locator(f"[data-live={param}]")
    ctl.scroll_into_view_if_needed()
    start = ctl.get_attribute("aria-valuenow")
    before = page.evaluate(TRACE_D, trace)
    box = ctl.bounding_box()
    y = box["y"] + box["height"] / 2
    frames.reset()
    page.mouse.move(box["x"] + 0.2 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.3 * box["width"], y)
    value = ctl.get_attribute("aria-valuenow")
    assert value != start
    expect(page.locator("[data-testid=stBidiComponentIsolated] .live")).to_have_attribute("data-drawn", re.compile(r"\d+"))
    assert page.evaluate(TRACE_D, trace) != before and frames.sent == 0
    wait_rerun(page, page.mouse.up)
    assert query_of(page.url)[param] == value
    assert page_errors == []


def test_arrow_keys_move_it_and_the_url_follows(streamlit_server, page, page_errors, wait_idle, wait_rerun):
    ctl = open_section(page, streamlit_server, wait_idle, "&eta_u=0.5")
    ctl.focus()
    assert ctl.evaluate("e => e.getRootNode().activeElement === e")  # focusable

    def three_right():
        for _ in range(3):
            page.keyboard.press("ArrowRight")

    wait_rerun(page, three_right)
    expect(ctl).to_have_attribute("aria-valuenow", "0.53")
    expect(page.locator(".st-key-eta_u [data-testid=stSliderThumbValue]")).to_have_text("0.53")
    assert query_of(page.url)["eta_u"] == "0.53"
    assert page_errors == []


# §3.5's one control for the whole race: racer 1's and racer 2's trails (the palette's first two colours)
PG_TRAILS = [["main", {"meta": "path-trail", "line.color": c}] for c in ("#0072B2", "#D55E00")]


def test_the_playground_multiplier_moves_every_path_then_one_rerun(streamlit_server, page, page_errors, wait_idle,
                                                                   wait_rerun, ws_counter):
    frames = ws_counter(page)
    page.goto(f"{streamlit_server}/playground?lang=en&n=2&steps=200")
    wait_idle(page)
    ctl = page.locator("[data-live=lrx]")
    expect(ctl).to_have_attribute("aria-valuenow", "1")
    ctl.scroll_into_view_if_needed()
    before = [page.evaluate(TRACE_D, tr) for tr in PG_TRAILS]
    box = ctl.bounding_box()
    y = box["y"] + box["height"] / 2
    frames.reset()
    page.mouse.move(box["x"] + 0.5 * box["width"], y)
    page.mouse.down()
    for f in (0.55, 0.6, 0.65, 0.7):
        page.mouse.move(box["x"] + f * box["width"], y)
    value = ctl.get_attribute("aria-valuenow")
    assert float(value) > 1
    expect(page.locator("[data-testid=stBidiComponentIsolated] .live")).to_have_attribute("data-drawn", re.compile(r"\d+"))
    after = [page.evaluate(TRACE_D, tr) for tr in PG_TRAILS]
    assert all(a != b for a, b in zip(after, before, strict=True))  # every racer's path moved with the hand
    assert frames.sent == 0
    wait_rerun(page, page.mouse.up)
    assert query_of(page.url)["lrx"] == value
    expect(page.locator(".st-key-lrx").get_by_role("combobox")).to_have_value(f"× {value}")  # the classic selector
    assert page_errors == []


FAINT = """([key, color]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const at = gd.data.findIndex(t => t.meta === 'path-faint' && t.line.color === color);
  const el = [...gd.querySelectorAll('g.trace.scatter')].find(g => g.__data__[0].trace.index === at);
  return el.querySelector('path.js-line').getAttribute('d');
}"""


def test_on_the_projector_the_trail_moves_and_not_only_its_faint_path(streamlit_server, page, wait_idle):
    """Presentation mode widens every line to 3 px: the live control still tells the trail from the faint
    full path (they say which they are, `meta`), so both move to the new position."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{streamlit_server}/adaptive-lr?lang=en&big=1")
    wait_idle(page)
    ctl = page.locator("[data-live=eta_u]")
    expect(ctl).to_have_attribute("aria-valuenow", "0.95")
    before = [page.evaluate(TRACE_D, GD_TRAIL), page.evaluate(FAINT, ["main", "#0072B2"])]
    ctl.focus()
    for _ in range(15):
        ctl.press("ArrowLeft")
    after = [page.evaluate(TRACE_D, GD_TRAIL), page.evaluate(FAINT, ["main", "#0072B2"])]
    assert after[0] != before[0] and after[1] != before[1] and after[0] != after[1]
