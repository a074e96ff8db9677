"""Training lab in a real browser: the default preset trains live on a fresh server (the
curves gain points while the script runs, every progress bar ends full), then a digit
drawn on our canvas component comes back as each run's softmax probabilities."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from .conftest import IDLE_SELECTOR, wait_idle, wait_rerun

CURVE_POINTS_JS = """() => {
  const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  const curves = charts.find(c => (c.textContent || '').includes('Loss and accuracy'));
  return curves ? curves.querySelectorAll('.scatterlayer .point').length : -1;
}"""
BARS_JS = """() => [...document.querySelectorAll('[data-testid=stProgress] [role=progressbar]')]
  .map(b => Number(b.getAttribute('aria-valuenow')))"""


def _epochs_drawn(frame: bytes) -> int:
    """The longest x array of a curves figure in a websocket frame (epochs drawn so far)."""
    runs = re.findall(rb'"x":\[([0-9., ]*)\]', frame)
    return max((len(r.split(b",")) for r in runs if r), default=0)


def test_default_preset_trains_live_and_a_drawn_digit_gets_probabilities(start_server, page, page_errors, screenshot):
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
    seen: list[int] = []
    deadline = time.monotonic() + 600
    page.wait_for_selector("[data-testid=stProgress]", state="attached", timeout=120_000)
    while time.monotonic() < deadline:
        n = page.evaluate(CURVE_POINTS_JS)
        if n > 0 and (not seen or n != seen[-1]):
            seen.append(n)
        if page.locator(IDLE_SELECTOR).count() and page.evaluate(BARS_JS) == [100, 100, 100]:
            break
        time.sleep(0.15)
    wait_idle(page, timeout=120_000)
    final = page.evaluate(CURVE_POINTS_JS)
    assert final > 0
    if final not in seen:
        seen.append(final)
    assert seen == sorted(seen), seen  # what the browser drew never shrank
    # what the server sent while training: the curves, redrawn with more and more epochs
    drawn = [_epochs_drawn(f) for f in curve_frames]
    assert len(drawn) >= 2 and drawn == sorted(drawn) and drawn[0] < drawn[-1] == 8, drawn
    bars = page.evaluate(BARS_JS)
    assert len(bars) == 3 and all(v == 100 for v in bars), bars
    expect(page.get_by_text("done, 8 epochs").first).to_be_visible()
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
