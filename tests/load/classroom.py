"""`make load-class`: a class that follows its teacher, measured on real servers.

One teacher and `--followers` students as thin websocket clients (what a browser sends,
none of the rendering, as `tests.load.class_demo` does), plus `--free` students who work on
the 2-D pages on their own.  The teacher opens a page with `?teach=1`, reads the class code
from the page, then moves to another 2-D page with other settings every `--every` seconds.
Each follower joins with `?class=CODE` and does what a browser does for the follow
fragment: when the server asks for an automatic rerun (`auto_rerun`, every 1 s) it sends
one.  Measured:

- follow latency: the teacher's run finished (its view is published then) → a follower's
  full run of the teacher's page finished; p50/p95 over every follower × teacher move;
- the free students' latency (request → run finished), p50/p95;
- the server's CPU per follower while the class follows and the teacher waits;
- the server's memory (RSS) before the class, at its peak, and after the class ended and
  its sessions were dropped (`--settle` seconds; Streamlit keeps a disconnected session 120 s).

`--redis` starts Debian's redis-server on a free port and two app servers sharing it
(`OPTIM_LAB_REDIS_URL`); the teacher is on the first, the followers and free students are
split between both.  Every process it starts is stopped through its own handle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.load.class_demo import ROOT, cpu_seconds, free_port, rss_mb

TIMEOUT = 120.0
CODE_RE = re.compile(r"letter-spacing: 0\.18em; line-height: 1\.1'>([A-Z0-9]{6})<")
MOVES = [  # the teacher's tour: a page and its settings (the selected step among them)
    ("adaptive-lr", "lang=en"),
    ("playground", "lang=en&steps=120&k=40"),
    ("critical-points", "lang=en&surface=textbook-saddle&x0=-0.5&y0=0.5&steps=150&o1=sgd&o1_lr=0.05&esc=1&k=30"),
    ("lr-schedule", "lang=en"),
    ("batch-momentum", "lang=en"),
    ("classification", "lang=en"),
]
FREE_PAGES = ["critical-points", "adaptive-lr", "playground", "lr-schedule", "classification", "normalization"]


def _rerun(page: str, query: str, fragment: str = "", page_hash: str = "") -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    if page_hash:
        msg.rerun_script.page_script_hash = page_hash
    else:
        msg.rerun_script.page_name = page
    if fragment:
        msg.rerun_script.fragment_id = fragment
        msg.rerun_script.is_auto_rerun = True
    return msg.SerializeToString()


@dataclass
class Client:
    """One session on a server: sends reruns, reads what comes back."""

    url: str
    name: str
    errors: list[str] = field(default_factory=list)
    ws: object = None
    page_hash: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # page script hash → url path name
    auto: tuple[str, float] | None = None  # the fragment the server asks to rerun, and how often
    full_runs: list[tuple[float, str]] = field(default_factory=list)  # (finished at, page) of every full run
    text: str = ""

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, compression=None,
                                           open_timeout=TIMEOUT)

    async def until_finished(self, keep_text: bool = False) -> None:
        """Read messages until a run has finished (a switch_page run continues as another run)."""
        full = False
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout=TIMEOUT)
            self._seen(data, keep_text)
            msg = ForwardMsg.FromString(data) if len(data) <= 65536 else None
            if msg is None:
                continue
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                full = True
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # a switch_page: the next run follows
                if full:
                    self.full_runs.append((time.monotonic(), self.pages.get(self.page_hash, "?")))
                return

    def _seen(self, data: bytes, keep_text: bool) -> None:
        if len(data) > 65536:
            return
        msg = ForwardMsg.FromString(data)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            ns = msg.new_session
            self.page_hash = ns.page_script_hash
            self.pages = {p.page_script_hash: p.url_pathname or "home" for p in ns.app_pages}
        elif kind == "auto_rerun":
            self.auto = (msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "exception":
                self.errors.append(f"{self.name}: exception: {el.exception.message}"[:300])
            elif keep_text and el.WhichOneof("type") == "markdown":
                self.text += el.markdown.body

    async def run(self, page: str, query: str, keep_text: bool = False) -> float:
        t0 = time.monotonic()
        await self.ws.send(_rerun(page, query))
        await self.until_finished(keep_text)
        return time.monotonic() - t0


async def follower(c: Client, code: str, stop: asyncio.Event, delay: float) -> None:
    """A student's browser, reduced to what reaches the server: join, then the follow fragment's reruns."""
    try:
        await asyncio.sleep(delay)  # students join over the first seconds
        await c.connect()
        await c.run("", f"class={code}")
        while not stop.is_set():
            fragment, interval = c.auto or ("", 1.0)
            await asyncio.sleep(interval or 1.0)
            if not fragment:
                continue
            await c.ws.send(_rerun("", "", fragment=fragment, page_hash=c.page_hash))
            await c.until_finished()
    except Exception as exc:  # noqa: BLE001 — reported, never stops the class
        c.errors.append(f"{c.name}: {type(exc).__name__}: {exc}"[:300])
    finally:
        if c.ws is not None:
            await c.ws.close()


async def free_student(c: Client, seed: int, stop: asyncio.Event, lat: list[float]) -> None:
    rng = random.Random(seed)
    try:
        await c.connect()
        while not stop.is_set():
            page = rng.choice(FREE_PAGES)
            lat.append(await c.run(page, f"lang=en&steps={rng.randint(60, 300)}"))
            await asyncio.sleep(rng.uniform(1.5, 4.5))
    except Exception as exc:  # noqa: BLE001
        c.errors.append(f"{c.name}: {type(exc).__name__}: {exc}"[:300])
    finally:
        if c.ws is not None:
            await c.ws.close()


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def start_app(port: int, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_health(port: int) -> None:
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not healthy")


async def main_async(args) -> int:
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = tempfile.NamedTemporaryFile("w", prefix="load-class-", suffix=".log", delete=False)
    try:
        if args.redis:
            rport = free_port()
            procs.append(subprocess.Popen(["/usr/bin/redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                           "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            env["OPTIM_LAB_REDIS_URL"] = f"redis://127.0.0.1:{rport}/0"
        ports = [free_port() for _ in range(2 if args.redis else 1)]
        apps = [start_app(p, env, log) for p in ports]
        procs.extend(apps)
        for p in ports:
            wait_health(p)
        urls = [f"ws://127.0.0.1:{p}/_stcore/stream" for p in ports]
        # warm-up: every page once on every server (imports, shared caches)
        for url in urls:
            warm = Client(url, "warm")
            await warm.connect()
            for page, query in MOVES:
                await warm.run(page, query)
            await warm.ws.close()
        before = [rss_mb(a.pid) for a in apps]

        teacher = Client(urls[0], "teacher")
        await teacher.connect()
        await teacher.run("critical-points", "lang=en&teach=1", keep_text=True)
        code = CODE_RE.search(teacher.text)
        if not code:
            print("the teacher's page shows no class code", file=sys.stderr)
            return 1
        code = code.group(1)
        stop = asyncio.Event()
        followers = [Client(urls[i % len(urls)], f"follower{i}") for i in range(args.followers)]
        frees = [Client(urls[i % len(urls)], f"free{i}") for i in range(args.free)]
        free_lat: list[float] = []
        peak = list(before)

        async def sample():
            while not stop.is_set():
                peak[:] = [max(p, rss_mb(a.pid)) for p, a in zip(peak, apps, strict=True)]
                await asyncio.sleep(0.5)

        tasks = [asyncio.create_task(follower(c, code, stop, args.arrive * i / max(1, len(followers))))
                 for i, c in enumerate(followers)]
        tasks += [asyncio.create_task(free_student(c, i, stop, free_lat)) for i, c in enumerate(frees)]
        tasks.append(asyncio.create_task(sample()))
        await asyncio.sleep(args.arrive + 5)  # everybody has joined and sits on the teacher's first page

        # the class follows while the teacher talks: CPU per follower (the free students keep working)
        cpu0, t0 = sum(cpu_seconds(a.pid) for a in apps), time.monotonic()
        await asyncio.sleep(args.every)
        idle_cpu = (sum(cpu_seconds(a.pid) for a in apps) - cpu0) / (time.monotonic() - t0)

        follow_lat: list[float] = []
        missed = 0
        for page, query in MOVES[: args.moves]:
            await teacher.run(page, query)
            published = time.monotonic()
            await asyncio.sleep(args.every)
            for c in followers:
                arrived = [t for t, p in c.full_runs if t >= published and p == page]
                if arrived:
                    follow_lat.append(arrived[0] - published)
                else:
                    missed += 1
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await teacher.ws.close()
        errors = [e for c in [teacher, *followers, *frees] for e in c.errors]
        await asyncio.sleep(args.settle)
        after = [rss_mb(a.pid) for a in apps]

        kind = f"Redis, {len(apps)} server processes" if args.redis else "in-process store, 1 server process"
        print(f"class load ({kind}): 1 teacher, {args.followers} followers (websocket clients), {args.free} free students")
        print(f"  follow latency: p50 {pct(follow_lat, 0.5):.2f} s, p95 {pct(follow_lat, 0.95):.2f} s, "
              f"max {max(follow_lat, default=float('nan')):.2f} s over {len(follow_lat)} follows; missed {missed}")
        print(f"  free students: p50 {pct(free_lat, 0.5):.2f} s, p95 {pct(free_lat, 0.95):.2f} s over {len(free_lat)} runs")
        print(f"  server CPU while the class follows: {idle_cpu:.2f} cores in all, "
              f"{1000 * idle_cpu / max(1, args.followers):.1f} ms/s per follower (free students' runs included)")
        print("  memory (RSS, MB) per server: before " + ", ".join(f"{x:.0f}" for x in before) + "; peak "
              + ", ".join(f"{x:.0f}" for x in peak) + f"; {args.settle:.0f} s after the class left "
              + ", ".join(f"{x:.0f}" for x in after))
        print(f"  errors: {len(errors)}" + "".join(f"\n    {e}" for e in errors[:10]))
        if follow_lat:
            print(f"  (all follows: mean {statistics.mean(follow_lat):.2f} s)")
        return 1 if errors else 0
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        log.close()
        print(f"  server log: {log.name}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--followers", type=int, default=60)
    ap.add_argument("--free", type=int, default=10)
    ap.add_argument("--moves", type=int, default=len(MOVES))
    ap.add_argument("--every", type=float, default=6.0, help="seconds between the teacher's moves")
    ap.add_argument("--arrive", type=float, default=10.0)
    ap.add_argument("--settle", type=float, default=130.0, help="seconds to wait before the memory after the class")
    ap.add_argument("--redis", action="store_true", help="Redis and two server processes")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
