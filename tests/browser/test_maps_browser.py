"""/maps in a real browser: a click on a basin map picks that start (trajectory, link, URL);
a box dragged on the trainability map zooms in (the map is recomputed for the new range)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

from playwright.sync_api import expect

from ui.text import t


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlparse(url).query))


def no_exception(page) -> None:
    exc = page.locator("[data-testid=stException]")
    assert exc.count() == 0, exc.first.inner_text()


def plot_area(page, index: int):
    chart = page.locator("[data-testid=stPlotlyChart]").nth(index)
    chart.scroll_into_view_if_needed()
    layer = chart.locator(".nsewdrag").first
    expect(layer).to_be_visible()
    return layer.bounding_box()


def test_click_a_basin_cell_then_box_zoom_the_fractal(streamlit_server, page, page_errors, wait_idle, wait_rerun, screenshot):
    n = 32
    page.goto(f"{streamlit_server}/maps?lang=en&grid={n}&steps=80")
    wait_idle(page)
    no_exception(page)
    box = plot_area(page, 0)
    # six-hump camel's box [-2, 2] × [-1, 1]; the image spans half a cell beyond the outer centres
    hx, hy = 4 / (n - 1) / 2, 2 / (n - 1) / 2
    x, y = 1.7, -0.8
    fx = (x + 2 + hx) / (4 + 2 * hx)
    fy = 1 - (y + 1 + hy) / (2 + 2 * hy)
    wait_rerun(page, lambda: page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"]))
    no_exception(page)
    q = query_of(page.url)
    assert abs(float(q["cx"]) - x) < 0.2 and abs(float(q["cy"]) - y) < 0.2, q
    link = page.get_by_text(t("mp_open_playground", "en"))
    expect(link).to_be_visible()
    href = link.locator("xpath=ancestor::a").get_attribute("href")
    assert f"x0={q['cx']}" in href and "o2=momentum" in href
    screenshot(page, "maps-basin-click-en.png", full_page=True)

    page.goto(f"{streamlit_server}/maps?lang=zh&map=fractal&fgrid=32&fsteps=40")
    wait_idle(page)
    no_exception(page)
    before = page.locator("[data-testid=stMetricValue]").first.inner_text()
    box = plot_area(page, 0)
    x0, y0 = box["x"] + 0.25 * box["width"], box["y"] + 0.75 * box["height"]
    x1, y1 = box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"]

    def drag():
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        page.mouse.move(x1, y1, steps=5)
        page.mouse.up()

    wait_rerun(page, drag)
    no_exception(page)
    q = query_of(page.url)
    # the default range is 0 … 2 decades (plus half a cell each side): the middle half is ≈ 0.5 … 1.5
    for k, want in (("zi0", 0.5), ("zi1", 1.5), ("zo0", 0.5), ("zo1", 1.5)):
        assert abs(float(q[k]) - want) < 0.1, q
    span = page.get_by_text("视野：", exact=False).first.inner_text()  # the view now spans about one decade per axis
    dx = float(span.split("：")[1].split("×")[0])
    assert 0.8 < dx < 1.2, span
    assert page.locator("[data-testid=stMetricValue]").first.inner_text() != before  # recomputed: another share
    assert page_errors == []
    screenshot(page, "maps-fractal-zoom-zh.png", full_page=True)
