"""`make load`: a class of real browsers on one server, as on Community Cloud.

Starts the app on 127.0.0.1, warms it up with one visit to every page, then
drives N concurrent Chromium sessions through a class demo (open a preset link,
change five controls, press Play, open a deep link).  Prints p50/p95 of the
interaction-to-idle latency, the server's memory before, during and after (once
the disconnected-session time-out has passed), and every error seen.

Run: `make load` (or `python -m tests.load.class_demo --sessions 10`).
Bounded: every wait has a deadline; the server is stopped through its own handle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
DEMO = ("/playground?lang=zh&surface=rosenbrock&steps=500&n=4&x0=-1.5&y0=2.5&o1=sgd&o1_lr=0.001"
        "&o2=momentum&o2_lr=0.001&o3=rmsprop&o3_lr=0.01&o4=adam&o4_lr=0.05")
DEEP = "/critical-points?lang=zh&surface=textbook-saddle&x0=-0.5&y0=0.5&steps=150&o1=sgd&o1_lr=0.05&esc=1"
TTL = 120  # server.disconnectedSessionTTL (Streamlit's default; the deploy config keeps it)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (clock ticks → seconds)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """One student: a browser context, its latencies and errors."""

    def __init__(self, ctx, base: str, name: str):
        self.ctx, self.base, self.name = ctx, base, name
        self.latencies: list[float] = []
        self.timed_labels: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.finished = 0

    def _on_ws(self, ws) -> None:
        ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

            try:
                if ForwardMsg.FromString(bytes(payload)).WhichOneof("type") == "script_finished":
                    self.finished += 1
            except Exception:  # noqa: BLE001 — not a ForwardMsg
                pass

    async def start(self):
        self.page = await self.ctx.new_page()
        self.cdp = await self.ctx.new_cdp_session(self.page)
        await self.cdp.send("Performance.enable")
        self.page.on("websocket", self._on_ws)
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.name}: page error {e}"))

    async def _idle(self, deadline: float) -> None:
        await self.page.locator(IDLE).wait_for(state="attached", timeout=max(1, (deadline - time.monotonic()) * 1000))

    async def timed(self, label: str, action, timeout: float = 60.0) -> None:
        """Run an interaction and record the time until its rerun has finished."""
        before = self.finished
        t0 = time.monotonic()
        deadline = t0 + timeout
        try:
            await action()
            while self.finished == before:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no rerun finished after {label}")
                await asyncio.sleep(0.02)
            await self._idle(deadline)
            self.latencies.append(time.monotonic() - t0)
            self.timed_labels.append((label, self.latencies[-1]))
            if await self.page.locator("[data-testid=stException]").count():
                self.errors.append(f"{self.name}: exception box after {label}")
        except Exception as exc:  # noqa: BLE001 — every failure is reported, none stops the class
            self.errors.append(f"{self.name}: {label}: {type(exc).__name__}: {exc}"[:300])

    async def renderer_seconds(self) -> float:
        """Main-thread task time of this tab's renderer so far (Chrome's own metric)."""
        metrics = (await self.cdp.send("Performance.getMetrics"))["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "TaskDuration")

    async def demo(self) -> None:
        p = self.page
        await self.timed("open preset link", lambda: p.goto(self.base + DEMO))
        x_in = p.locator('input[aria-label="起点 w₁"]').first

        async def set_x():
            await x_in.fill("-1.2")
            await x_in.press("Enter")

        async def slider_right():
            thumb = p.locator('input[type=range][aria-label="步数（每个优化器相同）"]').first
            await thumb.focus()
            await thumb.press("ArrowRight")

        async def toggle(label: str):
            await p.get_by_text(label, exact=True).first.click()

        async def pick_optimizer():
            box = p.locator('input[role=combobox][aria-label="优化器"]').first  # racer 1's optimizer
            await box.click()
            await box.press("ArrowDown")  # opens the list
            await p.get_by_role("option", name="Nesterov 动量", exact=True).click()

        await self.timed("change start x", set_x)
        await self.timed("steps +1", slider_right)
        await self.timed("3-D on", lambda: toggle("三维视图"))
        await self.timed("3-D off", lambda: toggle("三维视图"))
        await self.timed("change optimizer", pick_optimizer)
        chart = p.locator("[data-testid=stPlotlyChart]").first
        try:
            await chart.locator(".updatemenu-button").first.click(timeout=20_000)
            await p.wait_for_timeout(1500)  # let the animation run a little (client-side only)
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"{self.name}: play: {exc}"[:300])
        await self.timed("open deep link", lambda: p.goto(self.base + DEEP))


async def run(sessions: int, settle: float) -> int:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("Debian chromium is needed: apt-get install chromium", file=sys.stderr)
        return 2
    port = free_port()
    log = tempfile.NamedTemporaryFile("w", prefix="load-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                await asyncio.sleep(0.2)
        cold = rss_mb(proc.pid)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            # warm-up: one visitor opens every page once (imports torch, fills the shared caches)
            ctx = await browser.new_context()
            page = await ctx.new_page()
            for path in ("/", "/critical-points", "/batch-momentum", "/adaptive-lr", "/lr-schedule", "/playground",
                         "/classification", "/normalization"):
                await page.goto(base + path + "?lang=zh")
                await page.locator(IDLE).wait_for(state="attached", timeout=120_000)
            await ctx.close()
            await asyncio.sleep(2)
            before = rss_mb(proc.pid)
            peak = [before]
            stop = asyncio.Event()

            async def sample():
                while not stop.is_set():
                    peak.append(rss_mb(proc.pid))
                    await asyncio.sleep(0.25)

            sampler = asyncio.create_task(sample())
            students = []
            for i in range(sessions):
                ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                s = Session(ctx, base, f"student{i + 1}")
                await s.start()
                students.append(s)
            t0 = time.monotonic()
            server_cpu0 = cpu_seconds(proc.pid)
            await asyncio.gather(*(s.demo() for s in students))
            wall = time.monotonic() - t0
            server_cpu = cpu_seconds(proc.pid) - server_cpu0
            browser_cpu = 0.0
            for s in students:
                try:
                    browser_cpu += await s.renderer_seconds()
                except Exception:  # noqa: BLE001 — a crashed tab has no metrics
                    pass
                await s.ctx.close()
            stop.set()
            await sampler
            during = max(peak)
            await browser.close()
        print(f"waiting {settle:.0f} s for the disconnected-session time-out ({TTL} s) to pass…", flush=True)
        await asyncio.sleep(settle)
        after = rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    lat = sorted(x for s in students for x in s.latencies)
    errors = [e for s in students for e in s.errors]
    p50 = statistics.median(lat) if lat else float("nan")
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else float("nan")
    print(f"machine: {os.cpu_count()} cores; sessions: {sessions}; interactions timed: {len(lat)}; wall: {wall:.1f} s")
    n_int = max(1, len(lat))
    print(f"CPU per timed interaction: server {server_cpu / n_int:.2f} s, browser renderers {browser_cpu / n_int:.2f} s "
          f"(both on the same {os.cpu_count()} cores here; on Community Cloud the browsers run on the students' machines)")
    print(f"interaction-to-idle latency: p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(lat) if lat else float('nan'):.2f} s")
    print(f"server memory (RSS): cold {cold:.0f} MB, warmed before {before:.0f} MB, peak during {during:.0f} MB "
          f"(+{during - before:.0f}), after time-out {after:.0f} MB ({after - before:+.0f})")
    per_label: dict[str, list[float]] = {}
    for st_ in students:
        for label, x in st_.timed_labels:
            per_label.setdefault(label, []).append(x)
    print("by interaction (median s): " + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in per_label.items()))
    print(f"errors: {len(errors)}")
    for e in errors:
        print("  " + e)
    checks = {
        "p95 ≤ 1.5 s": p95 <= 1.5,
        "zero errors": not errors,
        "growth ≤ 300 MB": during - before <= 300,
        "back within 100 MB": after - before <= 100,
    }
    print("targets: " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()))
    return 0 if all(checks.values()) else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--settle", type=float, default=TTL + 10, help="seconds to wait after the sessions close")
    args = ap.parse_args()
    return asyncio.run(run(args.sessions, args.settle))


if __name__ == "__main__":
    sys.exit(main())
