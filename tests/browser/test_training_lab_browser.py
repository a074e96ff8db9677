"""Training lab in a real browser, on a fresh server (nothing cached): the page is drawn at once
and stays usable while its runs train on the worker pool — the menu and the presets are there, a
menu click reaches the other page with its chart — the curves grow in the pool's fragment and
end with every run's 8 epochs, then a digit drawn on our canvas component comes back as each
run's softmax probabilities."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from ui.common import keys
from ui.common.presets import for_page
from ui.text import t

from .conftest import wait_idle, wait_rerun

CURVE_POINTS_JS = """() => {
  const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  const curves = charts.find(c => (c.textContent || '').includes('Loss and accuracy'));
  return curves ? curves.querySelectorAll('.scatterlayer .point').length : -1;
}"""
TRAINED_JS = """() => !document.querySelector('[data-testid=stProgress]')
  && !!document.querySelector('.st-key-tl_curves .nsewdrag')"""
FINAL_POINTS = 3 * 4 * 8  # three runs × (training, validation) × (loss, accuracy) × 8 epochs


def _epochs_drawn(frame: bytes) -> int:
    """The longest x array of a curves figure in a websocket frame (epochs drawn so far)."""
    runs = re.findall(rb'"x":\[([0-9., ]*)\]', frame)
    return max((len(r.split(b",")) for r in runs if r), default=0)


def test_the_page_stays_usable_while_it_trains_and_a_drawn_digit_gets_probabilities(start_server, page, page_errors,
                                                                                    screenshot):
    base = start_server()  # a fresh server: nothing is cached, the runs train while we watch
    curve_frames: list[bytes] = []

    def on_ws(ws):
        def on_frame(payload):
            data = payload if isinstance(payload, bytes) else payload.encode()
            if b"Loss and accuracy" in data:
                curve_frames.append(data)

        ws.on("framereceived", on_frame)

    page.on("websocket", on_ws)
    page.goto(base + "/training-lab?lang=en")
    page.wait_for_selector("[data-testid=stProgress]", state="attached", timeout=120_000)
    # while it trains: the presets, the menu, the controls and the later steps are on the page
    for p in for_page("training-lab"):
        expect(page.locator(f".st-key-{keys.preset_button(p.id)} button").first).to_be_visible()
    expect(page.locator("[data-testid=stSidebar]").get_by_text(f"§3.2 {t('page_batch-momentum', 'en')}")).to_be_visible()
    expect(page.get_by_role("heading", name=t("tl_s7", "en"))).to_be_attached()
    expect(page.get_by_role("button", name=t("tl_stop", "en"))).to_be_visible()
    seen: list[int] = []
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not page.evaluate(TRAINED_JS):
        n = page.evaluate(CURVE_POINTS_JS)
        if n > 0 and (not seen or n != seen[-1]):
            seen.append(n)
        time.sleep(0.15)
    wait_idle(page, timeout=120_000)
    final = page.evaluate(CURVE_POINTS_JS)
    assert final == FINAL_POINTS, final
    assert seen == sorted(seen) and seen[0] < final, seen  # what the browser drew grew and never shrank
    # what the server sent while training: the curves, redrawn with more and more epochs
    drawn = [_epochs_drawn(f) for f in curve_frames]
    assert len(drawn) >= 2 and drawn == sorted(drawn) and drawn[0] < drawn[-1] == 8, drawn
    assert page.locator("[data-testid=stProgress]").count() == 0
    assert page.get_by_role("button", name=t("tl_stop", "en")).count() == 0  # trained: no stop left (issue 19 item 10)
    assert page.locator("[data-testid=stException]").count() == 0

    # step 7: draw a "1" on the canvas
    radio = page.get_by_text("draw a digit", exact=True)
    radio.scroll_into_view_if_needed()
    wait_rerun(page, radio.click)
    canvas = page.locator("canvas.tl-canvas")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for k in range(1, 21):
        page.mouse.move(x + k * 0.3, box["y"] + box["height"] * (0.15 + 0.035 * k))
    wait_rerun(page, page.mouse.up)
    expect(page.get_by_text("Softmax probabilities of each run").first).to_be_visible()
    table = page.locator("[data-testid=stDataFrame]").last
    expect(table).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, "training-lab-drawn.png", full_page=True)
    assert page_errors == []


def test_a_menu_click_during_training_reaches_the_other_page_with_its_chart(start_server, page, page_errors):
    base = start_server()  # cold: the lab's first request starts the fork server and its runs
    page.goto(base + "/training-lab?lang=zh&epochs=15")
    page.wait_for_selector("[data-testid=stProgress]", state="attached", timeout=120_000)
    page.locator("[data-testid=stSidebar]").get_by_text(f"§3.2 {t('page_batch-momentum', 'zh')}").click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(t("page_batch-momentum", "zh"))))).to_be_visible()
    wait_idle(page, timeout=120_000)
    assert "/batch-momentum" in page.url
    expect(page.locator("[data-testid=stPlotlyChart] .nsewdrag").first).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    assert page_errors == []
