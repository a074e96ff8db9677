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
   over and over until the last training has finished.  Trainings are jobs of the
   worker pool (`optim_lab.jobs`: one child process per core, the rest queued);
   the training page is drawn at once and a fragment polls its jobs, which the
   thin clients do as a browser would (`tests/load/follow.py`).
   Measured: the 2-D runs' latency while trainings run, the trainings' own time
   (queue included), exceptions, and the server's memory before, at the peak and
   after the trainings (when their sessions have timed out).
4. **Heavy pages while others race** — `--heavy` students open uncached views of
   the real network (inside the network) and large maps (the fractal map), each its
   own setting, while N thin clients replay the 2-D demo; every other heavy student
   clicks to another page in the menu while its job computes.  Measured: the 2-D
   runs' latency meanwhile, the heavy page drawn (request → first run finished),
   the result drawn, the menu click during a job → the other page drawn,
   exceptions, memory back after the time-out.

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

from tests.load.follow import Follower

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
DEMO = ("/playground?lang=zh&surface=rosenbrock&steps=500&n=4&x0=-1.5&y0=2.5&o1=sgd&o1_lr=0.001"
        "&o2=momentum&o2_lr=0.001&o3=rmsprop&o3_lr=0.01&o4=adam&o4_lr=0.05")
DEEP = "/critical-points?lang=zh&surface=textbook-saddle&x0=-0.5&y0=0.5&steps=150&o1=sgd&o1_lr=0.05&esc=1"
TTL = 120  # server.disconnectedSessionTTL (Streamlit's default; the deploy config keeps it)
TIMEOUT = 90.0  # per interaction


def _ppid(pid: int) -> int | None:
    """The parent of process `pid` (None when it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _descendants(pid: int) -> list[int]:
    """`pid` and every process under it (the training lab's fork server and its children)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit() and (ppid := _ppid(int(d))) is not None:
            children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _pss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def pss_parts(pid: int) -> dict[str, float]:
    """`rss_mb` by part: the server process itself, its fork server, the fork server's children
    (the helper processes and any job's), and the rest (multiprocessing's resource tracker)."""
    parts = {"server": 0.0, "fork server": 0.0, "helpers and jobs": 0.0, "other": 0.0}
    forkservers = set()
    for p in _descendants(pid):  # parents before their children
        mb = _pss_mb(p)
        if mb is None:
            continue
        try:
            with open(f"/proc/{p}/cmdline", "rb") as fh:
                cmd = fh.read()
        except OSError:
            continue
        ppid = _ppid(p)
        if p == pid:
            part = "server"
        elif b"multiprocessing.forkserver" in cmd and ppid == pid:
            part = "fork server"
            forkservers.add(p)
        elif ppid in forkservers:
            part = "helpers and jobs"
        else:
            part = "other"
        parts[part] += mb
    return parts


def rss_mb(pid: int) -> float:
    """The server's memory with the processes it started: the sum of their proportional set
    sizes (PSS: a page shared by a fork and its parent counted once, not twice)."""
    total = [mb for mb in (_pss_mb(p) for p in _descendants(pid)) if mb is not None]
    return sum(total) if total else float("nan")


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


async def racing_while(ws_url: str, pid: int, steps: list[Step], racers: int, think: float, arrive: float,
                       settle: float, students: list[Follower]) -> dict:
    """`students` open their pages (thin clients following their jobs) while `racers` thin clients
    replay the 2-D demo until the last student is done; the server's CPU and memory meanwhile."""
    before = rss_mb(pid)
    peak = [before]
    stop = asyncio.Event()

    async def sample():
        while not stop.is_set():
            peak.append(rss_mb(pid))
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    replays = [Replay(f"racer{i + 1}") for i in range(racers)]
    finished = asyncio.Event()
    ended = [float("inf")]

    async def open_all():
        delays = [arrive * i / max(1, len(students) - 1) for i in range(len(students))]
        await asyncio.gather(*(s.run(ws_url, d) for s, d in zip(students, delays, strict=True)))
        ended[0] = time.monotonic()
        finished.set()

    async def keep_racing(r: Replay, i: int, delay: float):
        await asyncio.sleep(delay)
        for rnd in range(100):  # bounded: the students have their own deadline anyway
            if finished.is_set():
                break
            await r.run(ws_url, steps, think, seed=1000 * (rnd + 1) + i, delay=0.0)

    t0, cpu0 = time.monotonic(), cpu_seconds(pid)
    # the racers come in a little after the first student, so that every race meets jobs
    await asyncio.gather(open_all(), *(keep_racing(r, i, 2.0 + arrive * i / max(1, racers - 1))
                                       for i, r in enumerate(replays)))
    wall, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
    stop.set()
    await sampler
    right_after = rss_mb(pid)
    print(f"waiting {settle:.0f} s for the sessions' time-out ({TTL} s) to pass…", flush=True)
    await asyncio.sleep(settle)
    return {"students": students, "replays": replays, "ended": ended[0], "wall": wall, "cpu": cpu,
            "students_wall": ended[0] - t0, "before": before, "peak": max(peak), "right_after": right_after,
            "after": rss_mb(pid)}


async def training_phase(ws_url: str, pid: int, steps: list[Step], racers: int, trainers: int, think: float,
                         arrive: float, settle: float) -> dict:
    """Phase 3: `trainers` students train on the training lab (each its own seed, odd ones 10 epochs
    instead of 8) while `racers` thin clients replay the 2-D demo until the last training is done."""
    warm = Follower("warm-up", "training-lab", "lang=zh")  # the page's defaults: its imports, the digits, the fork server
    await warm.run(ws_url)
    await asyncio.sleep(2)
    students = [Follower(f"trainer{i + 1}", "training-lab", f"lang=zh&seed={i + 1}" + ("&epochs=10" if i % 2 else ""))
                for i in range(trainers)]
    out = await racing_while(ws_url, pid, steps, racers, think, arrive, settle, students)
    return out | {"warm": warm}


def heavy_students(n: int) -> list[Follower]:
    """Half on views of the real network (each its own learning rate), half on fractal maps (each its
    own seed); every other one leaves for §3.2 through the menu while its job computes."""
    out = []
    for i in range(n):
        if i % 2 == 0:
            page, query = "inside-network", f"lang=zh&view=net&lr={0.02 + 0.01 * i:g}&steps=300"
        else:
            page, query = "maps", f"lang=zh&map=fractal&fseed={100 + i}&fgrid=128"
        out.append(Follower(f"heavy{i + 1}", page, query, leave_to="batch-momentum" if i % 4 in (2, 3) else None))
    return out


async def heavy_phase(ws_url: str, pid: int, steps: list[Step], racers: int, heavy: int, think: float,
                      arrive: float, settle: float) -> dict:
    """Phase 4: `heavy` students open uncached heavy views while `racers` replay the 2-D demo."""
    return await racing_while(ws_url, pid, steps, racers, think, arrive, settle, heavy_students(heavy))


def report_phase(number: int, title: str, ph: dict, arrive: float) -> dict[str, bool]:
    """Print a phase with jobs (3: trainings, 4: heavy pages); its targets."""
    from optim_lab.jobs import POOL  # imported only now that the server has stopped

    students, replays = ph["students"], ph["replays"]
    lat = [x for r in replays for (_, x), sent in zip(r.latencies, r.sent, strict=True) if sent < ph["ended"]]
    late = sum(1 for r in replays for sent in r.sent if sent >= ph["ended"])
    opened = [s.opened for s in students if s.opened is not None]
    done = [s.done for s in students if s.done is not None]
    left = [s.left for s in students if s.left is not None]
    waited = sum(any("排在第" in p for p in s.progress) for s in students)
    print(f"\n{number}. {title}: {len(students)} students over {arrive:g} s, each its own setting, while {len(replays)} "
          f"websocket clients replay the 2-D demo until the last of them is done")
    print(f"   workers: {POOL.workers} jobs at once (one per core); {waited} of {len(students)} students saw a queue place; "
          f"{sum(s.polls for s in students)} fragment polls")
    print(f"   page drawn (request → first run finished): {summary(opened)}")
    print(f"   result drawn (request → the run that drew it, queue included): {summary(done)}; all done after "
          f"{ph['students_wall']:.0f} s")
    if left or any(s.leave_to for s in students):
        print(f"   menu click during a job → the other page drawn: {summary(left)}")
    print(f"   2-D runs meanwhile, request → run finished: {summary(lat)}   ({len(lat)} runs; {late} more started after, not counted)")
    print(f"   by step (median s): {by_label(p for r in replays for p, sent in zip(r.latencies, r.sent, strict=True) if sent < ph['ended'])}")
    print(f"   server CPU {ph['cpu']:.0f} s in {ph['wall']:.0f} s wall ({ph['cpu'] / max(1e-9, ph['wall']):.2f} cores)")
    print(f"   server memory (PSS, with its worker processes): before {ph['before']:.0f} MB, peak {ph['peak']:.0f} MB "
          f"(+{ph['peak'] - ph['before']:.0f}), right after {ph['right_after']:.0f} MB ({ph['right_after'] - ph['before']:+.0f}), "
          f"after time-out {ph['after']:.0f} MB ({ph['after'] - ph['before']:+.0f})")
    stayed = [s for s in students if s.leave_to is None]
    return {
        f"{title}: 2-D p95 ≤ 1.5 s": p95_of(lat) <= 1.5,
        f"{title}: page drawn p95 ≤ 1.5 s": p95_of(opened) <= 1.5,
        f"{title}: every result drawn": all(s.done is not None for s in stayed),
        **({f"{title}: menu click during a job p95 ≤ 1 s": p95_of(left) <= 1.0} if left else {}),
        f"{title}: back within 100 MB": ph["after"] - ph["before"] <= 100,
    }


async def run(sessions: int, browsers: int, settle: float, think: float, arrive: float, trainers: int, heavy: int) -> int:
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
        # 4. heavy pages (views of the real network, large maps) while others race
        heavies = await heavy_phase(ws_url, proc.pid, steps, sessions, heavy, think, arrive, settle) if heavy else None
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
        errors3 = [e for x in [training["warm"], *training["students"], *training["replays"]] for e in x.errors]
    if heavies:
        errors3 += [e for x in [*heavies["students"], *heavies["replays"]] for e in x.errors]
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
    for number, title, phase in ((3, "trainings", training), (4, "heavy pages", heavies)):
        if phase:
            checks3 |= report_phase(number, title, phase, arrive)
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
    ap.add_argument("--heavy", type=int, default=10,
                    help="students opening uncached views of the real network and large maps while --sessions clients race")
    ap.add_argument("--trainers", type=int, default=10,
                    help="students training on the training lab while --sessions clients race (0: no training phase)")
    args = ap.parse_args()
    browsers = args.sessions if args.browsers is None else args.browsers
    return asyncio.run(run(args.sessions, browsers, args.settle, args.think, args.arrive, args.trainers, args.heavy))


if __name__ == "__main__":
    sys.exit(main())
