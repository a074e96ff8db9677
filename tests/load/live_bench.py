"""`make bench-ui`: input → chart for a live control against the classic slider's rerun, measured
in the same run in headless Chromium on this machine (one fresh server, one browser page).

Live: the mouse drags the control's thumb across its track (one move per display frame); the
control records, for every redraw, the time from the first input it answers to the frame
painted after the charts changed.  Websocket frames sent while the thumb moves are counted
(target 0), then the script runs that follow the release (target 1).

Classic: the page's own Streamlit slider for the same parameter, one arrow key at a time;
input → the chart's path redrawn from the rerun, timed in the page.

Also: the payload per view (the component's data as JSON, and every byte the view received).
Targets: live p95 ≤ 100 ms, 0 frames while moving, 1 rerun after, payload ≤ 2 MB.

Run: `make bench-ui` (or `python -m tests.load.live_bench [--moves N] [--classic N] [--page SLUG]`).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS, CONNECTED_SELECTOR, IDLE_SELECTOR, RENDERED_JS, StreamlitServer, chromium_path

# page slug → (URL key of the live control, the chart key and trace match whose path both controls change,
# the query; optionally the widget key of the classic slider when it is not the live control's own)
CASES = {
    "adaptive-lr": ("eta_u", "main", {"meta": "path-trail", "line.color": "#0072B2"}, ""),
    "batch-momentum": ("lam", "main", {"meta": "path-trail", "line.color": "#D55E00"}, "&part=momentum"),
    "lr-schedule": ("sp_warmup", "eta_editor", {"meta": "ls-sched-eta"}, ""),
    # §3.5's η × m over 8 racers (its classic control is a selector: racer 1's own η slider reruns the same race)
    "playground": ("lrx", "main", {"meta": "path-trail", "line.color": "#0072B2"}, "&n=8", "o1_lr__log"),
}

LIVE = "() => document.querySelector('[data-testid=stBidiComponentIsolated]').shadowRoot.querySelector('.live').__live"
TIMES = f"() => ({LIVE})().times.slice()"
PAYLOAD = f"() => JSON.stringify(({LIVE})().data).length"
PATH_D = """([key, match]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd.data) return null;
  const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
  const at = gd.data.findIndex(t => Object.entries(match).every(([k, v]) => get(t, k) === v));
  const el = [...gd.querySelectorAll('g.trace.scatter')].find(g => g.__data__ && g.__data__[0].trace.index === at);
  return el ? el.querySelector('path.js-line').getAttribute('d') : null;
}"""
# resolves with ms from window.__t0 to the first painted frame whose path differs from `before`
CHANGED_MS = """([key, match, before, limit]) => new Promise((resolve) => {
  const pathD = """ + PATH_D + """;
  const tick = () => {
    const d = pathD([key, match]);
    if (d !== null && d !== before) return requestAnimationFrame(() => resolve(performance.now() - window.__t0));
    if (performance.now() - window.__t0 > limit) return resolve(null);
    requestAnimationFrame(tick);
  };
  tick();
})"""


class Frames:
    def __init__(self, page):
        self.sent = self.received_bytes = self.finished = 0
        page.on("websocket", lambda ws: (ws.on("framesent", self._sent), ws.on("framereceived", self._received)))

    def _sent(self, payload) -> None:
        self.sent += 1

    def _received(self, payload) -> None:
        self.received_bytes += len(payload)
        if isinstance(payload, bytes | bytearray):
            from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

            try:
                if ForwardMsg.FromString(bytes(payload)).WhichOneof("type") == "script_finished":
                    self.finished += 1
            except Exception:  # not a ForwardMsg
                pass


def idle(page) -> None:
    page.wait_for_selector(IDLE_SELECTOR, timeout=120_000)
    page.wait_for_selector(CONNECTED_SELECTOR, timeout=120_000)
    page.wait_for_function(RENDERED_JS, timeout=120_000)


def settle(page, frames: Frames, quiet_s: float = 1.5) -> None:
    """Idle, and no script run finished for `quiet_s`."""
    last, since = frames.finished, time.monotonic()
    while time.monotonic() - since < quiet_s:
        page.wait_for_timeout(100)
        if frames.finished != last:
            last, since = frames.finished, time.monotonic()
    idle(page)


def pct(xs) -> str:
    a = np.asarray([x for x in xs if x is not None], dtype=float)
    if not len(a):
        return "n/a"
    return f"p50 {np.percentile(a, 50):6.1f} ms  p95 {np.percentile(a, 95):6.1f} ms  max {a.max():6.1f} ms  (n={len(a)})"


def run(slug: str, moves: int, classic: int) -> dict:
    param, chart, match, query, *other = CASES[slug]
    classic_key = other[0] if other else param
    out: dict = {"page": slug, "param": param}
    with tempfile.TemporaryDirectory() as tmp:
        server = StreamlitServer(Path(tmp) / "server.log")
        base = server.start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                frames = Frames(page)
                page.goto(f"{base}/{slug}?lang=en{query}")
                idle(page)
                settle(page, frames)
                out["view_received_bytes"] = frames.received_bytes
                out["payload_bytes"] = page.evaluate(PAYLOAD)

                # live: drag across the track, one move per ~frame
                ctl = page.locator(f"[data-live={param}]")
                ctl.scroll_into_view_if_needed()
                box = ctl.bounding_box()
                y = box["y"] + box["height"] / 2
                before_runs, before_sent = frames.finished, frames.sent
                page.mouse.move(box["x"] + 0.1 * box["width"], y)
                page.mouse.down()
                for j in range(moves):
                    page.mouse.move(box["x"] + box["width"] * (0.1 + 0.8 * j / max(moves - 1, 1)), y)
                    page.wait_for_timeout(16)
                page.wait_for_timeout(300)
                out["live_ms"] = page.evaluate(TIMES)
                out["sent_while_moving"] = frames.sent - before_sent
                out["runs_while_moving"] = frames.finished - before_runs
                page.mouse.up()
                settle(page, frames)
                out["runs_after_release"] = frames.finished - before_runs

                # classic: the Streamlit slider of the same parameter, one arrow key, its rerun
                thumb = page.locator(f'.st-key-{classic_key} [data-testid=stSlider] [tabindex="0"]').first
                classic_ms = []
                for j in range(classic):
                    before = page.evaluate(PATH_D, [chart, match])
                    thumb.focus()
                    page.evaluate("() => { window.__t0 = performance.now(); }")
                    page.keyboard.press("ArrowLeft" if j % 2 else "ArrowRight")
                    classic_ms.append(page.evaluate(CHANGED_MS, [chart, match, before, 60_000]))
                    settle(page, frames)
                out["classic_ms"] = classic_ms
                browser.close()
        finally:
            server.stop()
    return out


def report(r: dict) -> str:
    live = [x for x in r["live_ms"] if x is not None]
    p95 = float(np.percentile(live, 95)) if live else float("inf")
    ok = p95 <= 100 and r["sent_while_moving"] == 0 and r["runs_after_release"] == 1 and r["payload_bytes"] <= 2 * 2**20
    lines = [
        f"page /{r['page']}, control data-live={r['param']!r}",
        f"  live    input → chart  {pct(r['live_ms'])}",
        f"  classic input → chart  {pct(r['classic_ms'])}  (Streamlit slider, one arrow key, rerun)",
        f"  websocket frames sent while moving: {r['sent_while_moving']} (target 0); script runs while moving: "
        f"{r['runs_while_moving']}, after release: {r['runs_after_release']} (target 1)",
        f"  payload per view: component data {r['payload_bytes'] / 1e6:.2f} MB (target ≤ 2 MB); "
        f"everything the view received {r['view_received_bytes'] / 1e6:.2f} MB",
        f"  verdict: {'ok' if ok else 'NOT MET'} (live p95 ≤ 100 ms, 0 frames while moving, 1 rerun after, payload ≤ 2 MB)",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", choices=sorted(CASES), action="append")
    ap.add_argument("--moves", type=int, default=120)
    ap.add_argument("--classic", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    for slug in args.page or list(CASES):
        r = run(slug, args.moves, args.classic)
        print(json.dumps(r) if args.json else report(r), flush=True)


if __name__ == "__main__":
    main()
