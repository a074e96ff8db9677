"""`make load`: a class on one server, as on Community Cloud.

Starts the app on 127.0.0.1, warms it up with one visit to every page, and records
one real Chromium session going through the class demo (open a preset link, change
five controls, press Play, open a deep link).  Then two classes of N students:

1. **The server's share** — N thin websocket clients replay the recorded demo's
   messages (exactly what the browser sent), each in its own session.  Latency is
   request sent → `script_finished` received.  On Community Cloud the browsers run
   on the students' machines, so this is what the shared 2-core server must carry.
2. **Real browsers** — N headless Chromium sessions click through the demo on
   *this* machine, sharing its 2 cores with the server.  Latency is interaction →
   run finished and the next frame painted.

3. **Training while others race** — once the sessions above have timed out,
   `--trainers` students open the training lab, each with its own seed (its own
   three runs, so none is a cache hit), while N thin clients replay the 2-D demo
   over and over until the last training has finished.  Trainings hold at most one
   slot per core (`optim_lab.training.train.SLOTS`); the rest wait in its queue.
   Measured: the 2-D runs' latency while trainings run, the trainings' own time
   (queue included), exceptions, and the server's memory before, at the peak and
   after the trainings (when their sessions have timed out).

Students open the first link over `--arrive` seconds and look at each result for
`--think` seconds (± 50 %, seeded) before the next change; `--think 0 --arrive 0`
is the burst where everybody clicks at the same instant.  Prints p50/p95, the
server's memory before, during and after (once the disconnected-session time-out
has passed), and every error seen, including tracebacks in the server's log.

Run: `make load` (or `python -m tests.load.class_demo --sessions 10`).
Bounded: every wait has a deadline; the server is stopped through its own handle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
DEMO = ("/playground?lang=zh&surface=rosenbrock&steps=500&n=4&x0=-1.5&y0=2.5&o1=sgd&o1_lr=0.001"
        "&o2=momentum&o2_lr=0.001&o3=rmsprop&o3_lr=0.01&o4=adam&o4_lr=0.05")
DEEP = "/critical-points?lang=zh&surface=textbook-saddle&x0=-0.5&y0=0.5&steps=150&o1=sgd&o1_lr=0.05&esc=1"
TTL = 120  # server.disconnectedSessionTTL (Streamlit's default; the deploy config keeps it)
TIMEOUT = 90.0  # per interaction
TRAIN_TIMEOUT = 600.0  # one student's whole training page, its wait in the queue included


def _descendants(pid: int) -> list[int]:
    """`pid` and every process under it (the training lab's fork server and its children)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_mb(pid: int) -> float:
    """The server's memory with the processes it started: the sum of their proportional set
    sizes (PSS: a page shared by a fork and its parent counted once, not twice)."""
    total, seen = 0.0, False
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) / 1024
                        seen = True
                        break
        except OSError:
            continue
    return total if seen else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (clock ticks → seconds)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Counts finished script runs in the page itself: a listener on the app's websocket reads
# the top-level field numbers of each message (protobuf) and counts `script_finished`
# (ForwardMsg field 6).  The driver never has to copy and decode the traffic (at 10
# sessions that cost more CPU than the server), and unlike the run-state attribute a
# fast run cannot be missed when React batches "running" and "not running" together.
RUN_COUNTER = """
(() => {
  window.__olRuns = 0;
  const SCRIPT_FINISHED = 6;
  const finished = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    const varint = () => {
      let x = 0, s = 0, c;
      do { c = b[i++]; x += (c & 0x7f) * 2 ** s; s += 7; } while ((c & 0x80) && i < b.length);
      return x;
    };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (field === SCRIPT_FINISHED) return true;
      if (wire === 0) varint();
      else if (wire === 2) i += varint();
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return false;
    }
    return false;
  };
  const count = (data) => {
    if (data instanceof ArrayBuffer) { if (finished(data)) window.__olRuns += 1; }
    else if (data instanceof Blob) data.arrayBuffer().then(count);
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => count(e.data));
    }
  };
})();
"""
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


class Session:
    """One student: a browser context, its latencies and errors."""

    def __init__(self, ctx, base: str, name: str, think: float, seed: int, record: list | None = None):
        self.ctx, self.base, self.name, self.think = ctx, base, name, think
        self.rng = random.Random(seed)
        self.record, self.label, self.sockets = record, "", 0
        self.latencies: list[float] = []
        self.timed_labels: list[tuple[str, float]] = []
        self.errors: list[str] = []

    async def start(self):
        await self.ctx.add_init_script(RUN_COUNTER)
        self.page = await self.ctx.new_page()
        self.cdp = await self.ctx.new_cdp_session(self.page)
        await self.cdp.send("Performance.enable")
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.name}: page error {e}"))
        if self.record is not None:
            self.page.on("websocket", self._on_ws)

    def _on_ws(self, ws) -> None:
        self.sockets += 1
        conn = self.sockets
        ws.on("framesent", lambda payload: self._on_sent(conn, payload))

    def _on_sent(self, conn: int, payload) -> None:
        """Keep every script run the browser asked for, with the interaction that caused it."""
        if isinstance(payload, str):
            return
        msg = BackMsg.FromString(bytes(payload))
        if msg.WhichOneof("type") == "rerun_script":
            self.record.append(Step(conn, self.label, msg.SerializeToString()))

    async def look(self) -> None:
        """A student looks at the result before the next change (0.5–1.5 × think seconds)."""
        if self.think > 0:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))

    async def _runs(self) -> int:
        try:
            return int(await self.page.evaluate("() => window.__olRuns || 0"))
        except Exception:  # noqa: BLE001 — mid-navigation: the new document has not counted yet
            return 0

    async def timed(self, label: str, action, timeout: float = TIMEOUT, navigates: bool = False) -> None:
        """Run an interaction; record the time until its rerun has finished and the next frame is painted."""
        target = 1 if navigates else await self._runs() + 1
        self.label = label
        t0 = time.monotonic()
        try:
            await action()
            await self.page.wait_for_function("n => (window.__olRuns || 0) >= n", arg=target, polling=50,
                                              timeout=max(1.0, t0 + timeout - time.monotonic()) * 1000)
            await self.page.locator(IDLE).wait_for(state="attached", timeout=max(1.0, t0 + timeout - time.monotonic()) * 1000)
            await self.page.evaluate(PAINTED)
            self.latencies.append(time.monotonic() - t0)
            self.timed_labels.append((label, self.latencies[-1]))
            if await self.page.locator("[data-testid=stException]").count():
                self.errors.append(f"{self.name}: exception box after {label}")
        except Exception as exc:  # noqa: BLE001 — every failure is reported, none stops the class
            self.errors.append(f"{self.name}: {label}: {type(exc).__name__}: {exc}"[:300])
        await self.look()

    async def renderer_seconds(self) -> float:
        """Main-thread task time of this tab's renderer so far (Chrome's own metric)."""
        metrics = (await self.cdp.send("Performance.getMetrics"))["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "TaskDuration")

    async def demo(self, delay: float) -> None:
        p = self.page
        await asyncio.sleep(delay)  # students open the teacher's link over the first seconds, not in one instant
        await self.timed("open preset link", lambda: p.goto(self.base + DEMO), navigates=True)
        x_in = p.locator('input[aria-label="起点 w₁"]').first

        async def set_x():
            await x_in.fill("-1.2")
            await x_in.press("Enter")

        async def slider_right():
            thumb = p.locator('input[type=range][aria-label="步数（每个优化器相同）"]').first
            await thumb.focus()
            await thumb.press("ArrowRight")

        async def toggle(label: str):
            switch = p.get_by_role("switch", name=label, exact=True).first  # keyboard: nothing can intercept it
            await switch.focus()
            await switch.press("Space")

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
        await self.timed("open deep link", lambda: p.goto(self.base + DEEP), navigates=True)


@dataclass
class Step:
    """One recorded script run: which websocket (a navigation opens a new one), why, and the message."""
    conn: int
    label: str
    payload: bytes


@dataclass
class Replay:
    """One student as a thin websocket client: the recorded messages, none of the rendering."""
    name: str
    latencies: list[tuple[str, float]] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)  # monotonic time each timed request was sent
    errors: list[str] = field(default_factory=list)

    async def run(self, url: str, steps: list[Step], think: float, seed: int, delay: float) -> None:
        rng = random.Random(seed)
        await asyncio.sleep(delay)
        ws, conn = None, None
        try:
            for step in steps:
                if step.conn != conn:
                    if ws is not None:
                        await ws.close()
                    ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None, compression=None,
                                                  open_timeout=TIMEOUT)
                    conn = step.conn
                t0 = time.monotonic()
                await ws.send(step.payload)
                while True:
                    data = await asyncio.wait_for(ws.recv(), timeout=TIMEOUT)
                    if len(data) > 65536:  # chart payloads; the messages we look for are small
                        continue
                    msg = ForwardMsg.FromString(data)
                    kind = msg.WhichOneof("type")
                    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element" \
                            and msg.delta.new_element.WhichOneof("type") == "exception":
                        self.errors.append(f"{self.name}: exception after {step.label}: "
                                           f"{msg.delta.new_element.exception.message}"[:300])
                    if kind == "script_finished":
                        break
                self.latencies.append((step.label, time.monotonic() - t0))
                self.sent.append(t0)
                if think > 0:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        except Exception as exc:  # noqa: BLE001 — every failure is reported, none stops the class
            self.errors.append(f"{self.name}: {type(exc).__name__}: {exc}"[:300])
        finally:
            if ws is not None:
                await ws.close()


def _pieces(key: str) -> list[str]:
    """The fixed parts of a catalog string, around its placeholders (Chinese, as the students see it)."""
    from ui.text import t

    marker = "\x00"
    template = t(key, "zh", name=marker, place=marker, E=marker, k=marker, K=marker, e=marker, spe=marker)
    return [x.strip() for x in template.split(marker) if x.strip()]


def _says(text: str, pieces: list[str]) -> bool:
    at = 0
    for piece in pieces:
        at = text.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return True


@dataclass
class Trainer:
    """One student on the training lab as a thin websocket client: opens the page with its
    own URL and waits until the page's script has finished (every run trained)."""
    name: str
    query: str
    seconds: float | None = None
    done: set[str] = field(default_factory=set)  # progress texts "… done, E epochs · k updates"
    cached: set[str] = field(default_factory=set)
    waited: bool = False  # saw "waiting for a free core — place p in the queue"
    errors: list[str] = field(default_factory=list)

    async def run(self, url: str, delay: float, texts: dict[str, list[str]]) -> None:
        await asyncio.sleep(delay)
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = "training-lab"
        ws = None
        try:
            async with asyncio.timeout(TRAIN_TIMEOUT):
                ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None, compression=None)
                t0 = time.monotonic()
                await ws.send(msg.SerializeToString())
                while True:
                    data = await ws.recv()
                    if len(data) > 65536:  # charts
                        continue
                    fwd = ForwardMsg.FromString(data)
                    kind = fwd.WhichOneof("type")
                    if kind == "script_finished":
                        if fwd.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                            self.errors.append(f"{self.name}: script ended with status {fwd.script_finished}")
                        break
                    if kind != "delta" or fwd.delta.WhichOneof("type") != "new_element":
                        continue
                    el = fwd.delta.new_element
                    if el.WhichOneof("type") == "exception":
                        self.errors.append(f"{self.name}: exception: {el.exception.message}"[:300])
                    elif el.WhichOneof("type") == "progress":
                        text = el.progress.text
                        if _says(text, texts["tl_progress_done"]):
                            self.done.add(text)
                        elif _says(text, texts["tl_cached"]):
                            self.cached.add(text)
                        elif _says(text, texts["tl_waiting"]):
                            self.waited = True
                self.seconds = time.monotonic() - t0
        except Exception as exc:  # noqa: BLE001 — every failure is reported, none stops the class
            self.errors.append(f"{self.name}: {type(exc).__name__}: {exc}"[:300])
        finally:
            if ws is not None:
                await ws.close()


def server_tracebacks(log_path: str) -> list[str]:
    """The last line of every traceback the server logged (an exception the page did not show)."""
    lines = Path(log_path).read_text(errors="replace").splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                j += 1
            out.append(lines[j] if j < len(lines) else line)
    return out


def find_browser() -> str | None:
    """Chromium's headless shell (what Playwright itself runs for headless tests), else full Chromium."""
    return shutil.which("chromium-headless-shell") or shutil.which("chromium")


def summary(lat: list[float]) -> str:
    if not lat:
        return "no interaction finished"
    lat = sorted(lat)
    return f"p50 {statistics.median(lat):.2f} s, p95 {p95_of(lat):.2f} s, max {lat[-1]:.2f} s"


def p95_of(lat: list[float]) -> float:
    lat = sorted(lat)
    return lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else float("nan")


def by_label(pairs) -> str:
    groups: dict[str, list[float]] = {}
    for label, x in pairs:
        groups.setdefault(label, []).append(x)
    return ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in groups.items())


async def training_phase(ws_url: str, pid: int, steps: list[Step], racers: int, trainers: int, think: float,
                         arrive: float, settle: float) -> dict:
    """Phase 3: `trainers` students train on the training lab (each its own seed, odd ones 10 epochs
    instead of 8) while `racers` thin clients replay the 2-D demo until the last training is done."""
    texts = {k: _pieces(k) for k in ("tl_progress_done", "tl_cached", "tl_waiting")}
    warm = Trainer("warm-up", "lang=zh")  # the page's defaults: its imports, the digits, three runs (cached after)
    await warm.run(ws_url, 0.0, texts)
    await asyncio.sleep(2)
    before = rss_mb(pid)
    peak = [before]
    stop = asyncio.Event()

    async def sample():
        while not stop.is_set():
            peak.append(rss_mb(pid))
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    students = [Trainer(f"trainer{i + 1}", f"lang=zh&seed={i + 1}" + ("&epochs=10" if i % 2 else ""))
                for i in range(trainers)]
    replays = [Replay(f"racer{i + 1}") for i in range(racers)]
    trained = asyncio.Event()
    ended = [float("inf")]

    async def train_all():
        delays = [arrive * i / max(1, trainers - 1) for i in range(trainers)]
        await asyncio.gather(*(s.run(ws_url, d, texts) for s, d in zip(students, delays, strict=True)))
        ended[0] = time.monotonic()
        trained.set()

    async def keep_racing(r: Replay, i: int, delay: float):
        await asyncio.sleep(delay)
        for rnd in range(100):  # bounded: the trainings have their own deadline anyway
            if trained.is_set():
                break
            await r.run(ws_url, steps, think, seed=1000 * (rnd + 1) + i, delay=0.0)

    t0, cpu0 = time.monotonic(), cpu_seconds(pid)
    # the racers come in a little after the first trainer, so that every race meets trainings
    await asyncio.gather(train_all(), *(keep_racing(r, i, 2.0 + arrive * i / max(1, racers - 1))
                                        for i, r in enumerate(replays)))
    wall, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
    stop.set()
    await sampler
    right_after = rss_mb(pid)
    print(f"waiting {settle:.0f} s for the training sessions' time-out ({TTL} s) to pass…", flush=True)
    await asyncio.sleep(settle)
    return {"warm": warm, "learners": students, "replays": replays, "ended": ended[0], "wall": wall, "cpu": cpu,
            "training_wall": ended[0] - t0, "before": before, "peak": max(peak), "right_after": right_after,
            "after": rss_mb(pid)}


async def run(sessions: int, browsers: int, settle: float, think: float, arrive: float, trainers: int) -> int:
    chromium = find_browser()
    if chromium is None:
        print("Debian chromium is needed: apt-get install chromium-headless-shell (or chromium)", file=sys.stderr)
        return 2
    port = free_port()
    log = tempfile.NamedTemporaryFile("w", prefix="load-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    def arrivals(n: int) -> list[float]:
        return [arrive * i / max(1, n - 1) for i in range(n)]

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
            # one real browser goes through the demo; what it sends is what the thin clients replay
            steps: list[Step] = []
            ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            recorder = Session(ctx, base, "recorder", 0.0, seed=0, record=steps)
            await recorder.start()
            await recorder.demo(0.0)
            await ctx.close()
            if recorder.errors or not steps:
                print("recording the demo failed: " + "; ".join(recorder.errors), file=sys.stderr)
                return 1
            await asyncio.sleep(2)
            before = rss_mb(proc.pid)
            peak = [before]
            stop = asyncio.Event()

            async def sample():
                while not stop.is_set():
                    peak.append(rss_mb(proc.pid))
                    await asyncio.sleep(0.25)

            sampler = asyncio.create_task(sample())

            # 1. the server's share: thin clients replay the recorded messages
            ws_url = f"ws://127.0.0.1:{port}/_stcore/stream"
            replays = [Replay(f"client{i + 1}") for i in range(sessions)]
            t0, cpu0 = time.monotonic(), cpu_seconds(proc.pid)
            await asyncio.gather(*(r.run(ws_url, steps, think, i, d) for i, (r, d) in enumerate(zip(replays, arrivals(sessions), strict=True))))
            wall1, cpu1 = time.monotonic() - t0, cpu_seconds(proc.pid) - cpu0

            # 2. real browsers on this machine's cores
            students = []
            for i in range(browsers):
                ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                ctx.set_default_timeout(TIMEOUT * 1000)  # a starved tab is slow, not broken
                s = Session(ctx, base, f"student{i + 1}", think, seed=i)
                await s.start()
                students.append(s)
            t0, cpu0 = time.monotonic(), cpu_seconds(proc.pid)
            await asyncio.gather(*(s.demo(d) for s, d in zip(students, arrivals(browsers), strict=True)))
            wall2, cpu2 = time.monotonic() - t0, cpu_seconds(proc.pid) - cpu0
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
        # 3. trainings on the training lab while others race on the 2-D pages
        training = await training_phase(ws_url, proc.pid, steps, sessions, trainers, think, arrive, settle) \
            if trainers else None
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

    lat1 = [x for r in replays for _, x in r.latencies]
    lat2 = [x for s in students for x in s.latencies]
    errors1 = [e for r in replays for e in r.errors]
    errors2 = [e for s in students for e in s.errors]
    logged = server_tracebacks(log.name)
    errors3: list[str] = []
    if training:
        errors3 = [e for x in [training["warm"], *training["learners"], *training["replays"]] for e in x.errors]
    exceptions = [e for e in errors1 + errors2 + errors3 if "exception" in e or "page error" in e] + logged
    cores = os.cpu_count()
    print(f"machine: {cores} cores; {sessions} students arriving over {arrive:g} s, each looking {think:g} s (± 50 %) "
          f"at every result; demo recorded as {len(steps)} script runs")
    print(f"\n1. the server's share: {sessions} websocket clients replay the demo (browsers elsewhere, as on Community Cloud)")
    print(f"   request → run finished: {summary(lat1)}   ({len(lat1)} runs, wall {wall1:.0f} s, "
          f"server CPU {cpu1 / max(1, len(lat1)):.2f} s per run)")
    print(f"   by step (median s): {by_label(p for r in replays for p in r.latencies)}")
    if browsers:
        print(f"\n2. real browsers: {browsers} {Path(chromium).name} sessions on the same {cores} cores as the server")
        print(f"   interaction → run finished and painted: {summary(lat2)}   ({len(lat2)} interactions, wall {wall2:.0f} s)")
        n2 = max(1, len(lat2))
        print(f"   CPU per interaction: server {cpu2 / n2:.2f} s, browser renderers {browser_cpu / n2:.2f} s")
        print(f"   by interaction (median s): {by_label(p for s in students for p in s.timed_labels)}")
    print(f"\nserver memory (PSS, with the processes it started): cold {cold:.0f} MB, warmed before {before:.0f} MB, peak during {during:.0f} MB "
          f"(+{during - before:.0f}), after time-out {after:.0f} MB ({after - before:+.0f})")
    checks3 = {}
    if training:
        tr = training
        from optim_lab.training.train import SLOTS  # torch: imported only now that the server has stopped

        learners = tr["learners"]
        lat3 = [x for r in tr["replays"] for (_, x), sent in zip(r.latencies, r.sent, strict=True) if sent < tr["ended"]]
        late = sum(1 for r in tr["replays"] for sent in r.sent if sent >= tr["ended"])
        page = [s.seconds for s in learners if s.seconds is not None]
        n_runs = sum(len(s.done) for s in learners)
        n_cached = sum(len(s.cached) for s in learners)
        print(f"\n3. trainings: {len(learners)} students open the training lab (each its own seed: 3 runs, 8 or 10 epochs) "
              f"over {arrive:g} s while {len(tr['replays'])} websocket clients replay the 2-D demo until the last training ends")
        print(f"   slots: {SLOTS.n} trainings at once (one per core); {sum(s.waited for s in learners)} of {len(learners)} "
              f"students waited in the queue; {n_runs} runs trained, {n_cached} cache hits; warm-up visit "
              f"{tr['warm'].seconds or float('nan'):.1f} s")
        print(f"   training page, opened → every run done (queue included): {summary(page)}; all done after "
              f"{tr['training_wall']:.0f} s")
        print(f"   2-D runs while trainings run, request → run finished: {summary(lat3)}   ({len(lat3)} runs; "
              f"{late} more started after the trainings ended, not counted)")
        print(f"   by step (median s): {by_label(p for r in tr['replays'] for p, sent in zip(r.latencies, r.sent, strict=True) if sent < tr['ended'])}")
        print(f"   server CPU {tr['cpu']:.0f} s in {tr['wall']:.0f} s wall ({tr['cpu'] / max(1e-9, tr['wall']):.2f} cores)")
        print(f"   server memory (PSS, with the training processes): before {tr['before']:.0f} MB, peak {tr['peak']:.0f} MB (+{tr['peak'] - tr['before']:.0f}), "
              f"right after {tr['right_after']:.0f} MB ({tr['right_after'] - tr['before']:+.0f}), "
              f"after time-out {tr['after']:.0f} MB ({tr['after'] - tr['before']:+.0f})")
        checks3 = {
            "training: 2-D p95 ≤ 1.5 s": p95_of(lat3) <= 1.5,
            "training: every student's runs trained": all(s.seconds is not None and len(s.done) == 3 and not s.cached
                                                          for s in learners),
            "training: back within 100 MB": tr["after"] - tr["before"] <= 100,
        }
    everything = errors1 + errors2 + errors3
    print(f"\nerrors: {len(everything) + len(logged)} ({len(exceptions)} exceptions in the app, of them {len(logged)} "
          f"tracebacks in the server's log; the rest time-outs of the driver)")
    for e in everything + [f"server log: {x}" for x in logged]:
        print("  " + e.replace("\n", " | ")[:300])
    checks = {
        "server share p95 ≤ 1.5 s": p95_of(lat1) <= 1.5,
        **({"real browsers p95 ≤ 1.5 s": p95_of(lat2) <= 1.5} if browsers else {}),
        "zero exceptions": not exceptions,
        "every interaction finished": not everything,
        "growth ≤ 300 MB": during - before <= 300,
        "back within 100 MB": after - before <= 100,
        **checks3,
    }
    print("targets: " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()))
    return 0 if all(checks.values()) else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10, help="students replayed as websocket clients")
    ap.add_argument("--browsers", type=int, default=None, help="students as real browsers (default: --sessions; 0: none)")
    ap.add_argument("--think", type=float, default=3.0,
                    help="mean seconds a student looks at a result before the next change (0: all at once, back to back)")
    ap.add_argument("--arrive", type=float, default=10.0, help="students open the first link over this many seconds")
    ap.add_argument("--settle", type=float, default=TTL + 10, help="seconds to wait after the sessions close")
    ap.add_argument("--trainers", type=int, default=10,
                    help="students training on the training lab while --sessions clients race (0: no training phase)")
    args = ap.parse_args()
    browsers = args.sessions if args.browsers is None else args.browsers
    return asyncio.run(run(args.sessions, browsers, args.settle, args.think, args.arrive, args.trainers))


if __name__ == "__main__":
    sys.exit(main())
