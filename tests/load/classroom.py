"""`make load-class`: a class that follows its teacher, measured on real servers.

One teacher and `--followers` students as thin websocket clients (what a browser sends,
none of the rendering, as `tests.load.class_demo` does), plus `--free` students who work on
the 2-D pages on their own.  The teacher opens a page with `?teach=1`, reads the class code
from the page, then every `--every` seconds changes something: another 2-D page with other
settings (a link), a preset (its button), the selected step (the ◀ button, inside the page's
step fragment).  Each follower joins with `?class=CODE` and does what a browser does for the
follow fragment: when the server asks for an automatic rerun (`auto_rerun`, every 1 s) it
sends one on that interval, whether a run is going on or not (Streamlit's frontend uses
`setInterval`), and reads every message as it comes.  Two tours:

1. the class alone: the server's CPU per follower while nothing changes (the follow
   fragment's polls) and per teacher change (what one follow costs), follow latency;
2. the same tour with the free students working, then a poll: the teacher asks the page's
   question, every follower answers it from the question it was shown, the teacher's live
   counts (its fragment, as its screen reads them) must reach the answers sent, then the
   teacher reveals and the class follows.

Measured: follow latency (the teacher's run finished, its view published → a follower's
run that draws it finished: the teacher's page, or its step fragment alone when the teacher
moved only the step), the free students' latency (request → run
finished), poll answers counted = sent, CPU, memory (proportional set size) before the
class, at its peak, and after the class expired.  The last needs the class and its
sessions gone: the servers run with a class expiry of `--class-ttl` seconds (set by this
module's own launcher, `--serve`, never by the app) and Streamlit's
`server.disconnectedSessionTTL` of a few seconds; a new session then asks for the class and
must be told it has ended.

`--redis` starts Debian's redis-server on a free port and two app servers sharing it
(`OPTIM_LAB_REDIS_URL`); the teacher is on the first, the followers and free students are
split between both.  Every process it starts is stopped through its own handle.  Each
figure is printed with its target and ok / NO; the exit status is 1 only when a client saw
an error.
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

from tests.load.class_demo import ROOT, cpu_seconds, free_port, pss_parts, rss_mb

TIMEOUT = 120.0
CODE_RE = re.compile(r"letter-spacing: 0\.18em; line-height: 1\.1'>([A-Z0-9]{6})<")
ANSWERED_RE = re.compile(r"(\d+) answered")  # class_poll_answered, en
SENT_TEXT = "Your answer is in"  # class_poll_sent, en
ENDED_TEXTS = ("No class has the code", "has ended")  # class_err_unknown / class_err_ended, en
POLL_PAGE, POLL_ID = "critical-points", "gd-stops"  # the question the teacher polls
PRESET_ID = "escape"  # a critical-points preset the teacher applies …
PRESET_AGAIN = "valley"  # … and on the second tour another one: a bare link reopens the page as the teacher
# left it (escape applied), so pressing escape again would change nothing and no student could follow it
METRIC_RE = re.compile(r'^cache_memory_bytes\{cache_type="([a-z_]+)".*\} ([0-9.e+]+)$')
TARGETS = {"follow_p95": 2.0, "free_p95": 1.5, "memory_mb": 100.0}
SESSION_TTL_S = 5  # Streamlit keeps a disconnected session this long (the servers of this test only)

# The teacher's tour: ("url", page, query) opens a link, ("click", page, widget key) presses a
# button of the teacher's current page.
TOUR = [
    ("url", "adaptive-lr", "lang=en"),
    ("url", "playground", "lang=en&steps=120&k=40"),
    ("url", "critical-points", "lang=en"),
    ("click", "critical-points", f"preset_{PRESET_ID}"),
    ("click", "critical-points", "k_prev"),  # the step: ◀ (the default step is the last)
    ("url", "lr-schedule", "lang=en"),
    ("url", "batch-momentum", "lang=en"),
    ("url", "classification", "lang=en"),
]
TOUR_AGAIN = [("click", s[1], f"preset_{PRESET_AGAIN}") if s == ("click", "critical-points", f"preset_{PRESET_ID}") else s
              for s in TOUR]
POLL = [
    ("url", POLL_PAGE, "lang=en"),
    ("click", POLL_PAGE, f"_quiz_ask_{POLL_PAGE}_{POLL_ID}"),  # then the class answers
    ("click", POLL_PAGE, f"_quiz_run_{POLL_PAGE}_{POLL_ID}"),  # reveal and run
]
FREE_PAGES = ["critical-points", "adaptive-lr", "playground", "lr-schedule", "classification", "normalization"]


def _rerun(page: str, query: str, fragment: str = "", page_hash: str = "", widgets: tuple = ()) -> bytes:
    """A rerun request as the browser sends it; `widgets`: (id, kind, value) of what changed."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    if page_hash:
        msg.rerun_script.page_script_hash = page_hash
    if fragment:
        msg.rerun_script.fragment_id = fragment
        msg.rerun_script.is_auto_rerun = not widgets
    for wid, kind, value in widgets:
        w = msg.rerun_script.widget_states.widgets.add()
        w.id = wid
        setattr(w, kind, value)
    return msg.SerializeToString()


@dataclass
class Client:
    """One session on a server: sends reruns, reads what comes back."""

    url: str
    name: str
    errors: list[str] = field(default_factory=list)
    ws: object = None
    page_hash: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # url path name → page script hash
    fragments: dict[str, float] = field(default_factory=dict)  # fragments the server asks to rerun → interval
    widgets: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)  # id → (id, fragment, options)
    query: str = ""  # the URL's query as the browser shows it (the server's page_info_changed): sent with every request
    drew: int = 0  # the elements the last run drew
    follows: list[tuple[float, str]] = field(default_factory=list)  # (finished at, page) of each follow
    text: str = ""
    page: str = "?"  # the page of the last full run (its URL path name)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one run at a time on the websocket

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, compression=None,
                                           open_timeout=TIMEOUT, ping_interval=None)

    async def until_finished(self) -> bool:
        """Read messages until a run has finished (a switch_page run continues as another
        run); whether a full run (not only a fragment's) happened."""
        self.text = ""
        self.drew = 0
        widgets: dict = {}
        fragments: dict = {}
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout=TIMEOUT)
            if len(data) > 65536:  # charts; the messages looked for are small
                continue
            msg = ForwardMsg.FromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # a run starts (a fragment's or the whole page's)
                widgets, fragments = {}, {}
            elif kind == "navigation":  # the app's pages and the one this run shows
                nav = msg.navigation
                self.pages = {p.url_pathname or "home": p.page_script_hash for p in nav.app_pages}
                self.page_hash = nav.page_script_hash
                self.page = next((n for n, h in self.pages.items() if h == nav.page_script_hash), "?")
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "auto_rerun":
                fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self.drew += 1
                self._element(msg.delta.new_element, msg.delta.fragment_id, widgets)
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # a switch_page or st.rerun: the next run follows
                full = msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                if full:
                    self.widgets, self.fragments = widgets, fragments
                else:
                    self.widgets.update(widgets)
                    self.fragments.update(fragments)
                return full

    def _element(self, el, fragment: str, widgets: dict) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.errors.append(f"{self.name}: exception: {el.exception.message}"[:300])
        elif kind in ("markdown", "alert"):
            self.text += getattr(el, kind).body + "\n"
        elif kind in ("button", "radio"):
            w = getattr(el, kind)  # a keyed widget's id ends with its key
            widgets[w.id] = (w.id, fragment, list(getattr(w, "options", [])))

    def widget(self, key: str) -> tuple[str, str, list[str]] | None:
        return next((v for k, v in self.widgets.items() if k.endswith("-" + key)), None)

    async def run(self, page: str, query: str) -> float:
        async with self.lock:
            t0 = time.monotonic()
            self.query = query
            await self.ws.send(_rerun(page, query, page_hash=self.pages.get(page, "")))
            await self.until_finished()
            return time.monotonic() - t0

    async def fragment(self, fid: str) -> bool:
        """What the browser does when a fragment's `run_every` comes round."""
        async with self.lock:
            await self.ws.send(_rerun(self.page, self.query, fragment=fid, page_hash=self.page_hash))
            return await self.until_finished()

    async def click(self, key: str, extra: tuple = ()) -> None:
        """Press a button of the current page (in its fragment, if it is in one)."""
        got = self.widget(key)
        if got is None:
            raise RuntimeError(f"{self.name}: no button {key!r} on {self.page}")
        wid, fragment, _ = got
        async with self.lock:
            await self.ws.send(_rerun(self.page, self.query, fragment=fragment, page_hash=self.page_hash,
                                      widgets=((wid, "trigger_value", True), *extra)))
            await self.until_finished()


@dataclass
class Poll:
    asked: float | None = None  # when the question was published
    sent: int = 0  # answers the followers sent and saw confirmed
    counted: int = 0  # what the teacher's live counts read
    answered: set = field(default_factory=set)


async def follower(c: Client, code: str, stop: asyncio.Event, delay: float, poll: Poll, rng: random.Random) -> None:
    """A student's browser, reduced to what reaches the server: join, then what the browser does
    for the follow fragment — it reads every message as it comes and sends the fragment's rerun
    each time its timer comes round (`setInterval`: whether a run is going on or not, as
    Streamlit's frontend does); a question shown alone is answered after a moment of thought."""
    send_key, radio_key = f"_quiz_send_{POLL_PAGE}_{POLL_ID}", f"_quiz_choice_{POLL_PAGE}_{POLL_ID}"
    answer_at: list[float | None] = [None]
    sent = asyncio.Event()
    clicking = [False]

    async def read() -> None:
        while True:
            full = await c.until_finished()
            if clicking[0]:
                if SENT_TEXT in c.text:
                    sent.set()
            elif full or c.drew:  # the poll saw the teacher's change and followed (the teacher's step: in the step fragment)
                c.follows.append((time.monotonic(), c.page))
                if c.widget(send_key) and c.name not in poll.answered:
                    answer_at[0] = time.monotonic() + rng.uniform(0.5, 3.0)

    reader = None
    try:
        await asyncio.sleep(delay)  # students join over the first seconds
        await c.connect()
        await c.run("", f"class={code}")
        reader = asyncio.create_task(read())
        while not stop.is_set():
            polling = [(f, i) for f, i in c.fragments.items() if i and i <= 1.0]
            await asyncio.sleep(polling[0][1] if polling else 1.0)
            if reader.done():
                reader.result()  # raises what stopped it
            if answer_at[0] is not None and time.monotonic() >= answer_at[0] and c.widget(send_key) and c.widget(radio_key):
                answer_at[0] = None
                rid, _, options = c.widget(radio_key)
                wid, fragment, _ = c.widget(send_key)
                clicking[0] = True
                sent.clear()
                await c.ws.send(_rerun(c.page, c.query, fragment=fragment, page_hash=c.page_hash,
                                       widgets=((wid, "trigger_value", True), (rid, "string_value", rng.choice(options)))))
                try:
                    await asyncio.wait_for(sent.wait(), TIMEOUT)
                    poll.sent += 1
                    poll.answered.add(c.name)
                except TimeoutError:
                    c.errors.append(f"{c.name}: the answer was not confirmed")
                finally:
                    clicking[0] = False
            elif polling:
                await c.ws.send(_rerun(c.page, c.query, fragment=polling[0][0], page_hash=c.page_hash))
    except Exception as exc:  # noqa: BLE001 — reported, never stops the class
        c.errors.append(f"{c.name}: {type(exc).__name__}: {exc}"[:300])
    finally:
        if reader is not None:
            reader.cancel()
        if c.ws is not None:
            await c.ws.close()


async def keep_alive(teacher: Client, stop: asyncio.Event) -> None:
    """The teacher's browser reruns the class box's fragment (its student count and keep-alive,
    every few seconds): without it the class would expire while the teacher talks."""
    try:
        while not stop.is_set():
            slow = [(f, i) for f, i in teacher.fragments.items() if i and i > 1.0]
            await asyncio.sleep(slow[0][1] if slow else 1.0)
            if slow and not stop.is_set():
                await teacher.fragment(slow[0][0])
    except Exception as exc:  # noqa: BLE001
        teacher.errors.append(f"teacher: {type(exc).__name__}: {exc}"[:300])


async def free_student(c: Client, seed: int, stop: asyncio.Event, lat: list[float],
                       by_page: dict[str, list[float]] | None = None) -> None:
    rng = random.Random(seed)
    try:
        await c.connect()
        while not stop.is_set():
            page = rng.choice(FREE_PAGES)
            lat.append(await c.run(page, f"lang=en&steps={rng.randint(60, 300)}"))
            if by_page is not None:
                by_page.setdefault(page, []).append(lat[-1])
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


def start_app(port: int, env: dict, log, class_ttl: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.load.classroom", "--serve", str(class_ttl), "run", "app.py",
         "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--server.disconnectedSessionTTL", str(SESSION_TTL_S)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def serve(class_ttl: float, argv: list[str]) -> None:
    """This test's server: the app with classes that expire after `class_ttl` seconds."""
    from streamlit.web import cli

    from ui.classroom import store

    store.TTL_S = class_ttl
    sys.argv = ["streamlit", *argv]
    cli.main()


def cache_mb(port: int) -> dict[str, float]:
    """What Streamlit itself counts in a server's memory (its `/_stcore/metrics`): the shared
    caches (`st.cache_data`, `st.cache_resource`, media files) and the sessions' state, in MB."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/metrics", timeout=10).read().decode()
    out = {"caches": 0.0, "sessions": 0.0}
    for line in text.splitlines():
        m = METRIC_RE.match(line)
        if m:
            out["sessions" if m.group(1) == "st_session_state" else "caches"] += float(m.group(2)) / 2**20
    return out


def wait_health(port: int) -> None:
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not healthy")


def uptime() -> str:
    with open("/proc/loadavg") as fh:
        return "load average " + ", ".join(fh.read().split()[:3])


def verdict(ok: bool) -> str:
    return "ok" if ok else "NO"


async def teacher_step(teacher: Client, step: tuple) -> None:
    kind, page, arg = step
    if kind == "url":
        await teacher.run(page, arg)
    else:
        await teacher.click(arg)
    if teacher.page != page:
        raise RuntimeError(f"teacher: on {teacher.page} after {step}, not on {page}")


async def tour(teacher: Client, followers: list[Client], steps: list, every: float, lat: list[float],
               on_step=None, by_step: list | None = None) -> dict[str, int]:
    """The teacher's steps, `every` seconds apart; each follower's first follow of each step
    (the teacher's page, between the teacher's action and the next step's), measured from the
    action → `lat` (and, per step, → `by_step` as (step, the teacher's run, latencies)).  Returns
    the follows missed per step."""
    marks = []
    for i, step in enumerate(steps):
        # from the teacher's action, not from the end of the teacher's run: a preset's second run
        # (after st.rerun) ends after the class has already followed its first
        marks.append((time.monotonic(), step[1]))
        await teacher_step(teacher, step)
        if by_step is not None:
            by_step.append((step, time.monotonic() - marks[-1][0], []))
        await (on_step(i, step) if on_step else asyncio.sleep(every))
    ends = [m[0] for m in marks[1:]] + [time.monotonic()]
    missed: dict[str, int] = {}
    for i, ((published, page), end, step) in enumerate(zip(marks, ends, steps, strict=True)):
        mine = by_step[i][2] if by_step is not None else []
        for c in followers:
            got = [t for t, p in c.follows if published <= t < end and p == page]
            if got:
                lat.append(got[0] - published)
                mine.append(got[0] - published)
            else:
                missed[step[2] if step[0] == "click" else page] = missed.get(step[2] if step[0] == "click" else page, 0) + 1
    return missed


async def run_poll(teacher: Client, poll: Poll, followers: list[Client], every: float) -> None:
    """After the question went out: the teacher's screen polls its live counts until they
    reach the followers' answers (all of them answered) or time runs out."""
    wait = dict(teacher.fragments)
    counts = next((f for f, i in wait.items() if i and i <= 1.0), None)
    if counts is None:
        teacher.errors.append("teacher: the poll shows no live counts")
        return
    deadline = time.monotonic() + max(4 * every, 30.0)
    while time.monotonic() < deadline:
        await asyncio.sleep(wait[counts])
        await teacher.fragment(counts)
        got = ANSWERED_RE.search(teacher.text)
        poll.counted = int(got.group(1)) if got else -1
        if len(poll.answered) >= len(followers) and poll.counted == poll.sent:
            break
    await asyncio.sleep(1.0)


async def main_async(args) -> int:
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = tempfile.NamedTemporaryFile("w", prefix="load-class-", suffix=".log", delete=False)
    kind = "Redis, 2 server processes" if args.redis else "in-process store, 1 server process"
    print(f"class load ({kind}): 1 teacher, {args.followers} followers (websocket clients), {args.free} free students; "
          f"machine: {os.cpu_count()} cores, {uptime()} at the start", flush=True)
    try:
        if args.redis:
            rport = free_port()
            procs.append(subprocess.Popen(["/usr/bin/redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                           "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            env["OPTIM_LAB_REDIS_URL"] = f"redis://127.0.0.1:{rport}/0"
        ports = [free_port() for _ in range(2 if args.redis else 1)]
        apps = [start_app(p, env, log, args.class_ttl) for p in ports]
        procs.extend(apps)
        for p in ports:
            wait_health(p)
        urls = [f"ws://127.0.0.1:{p}/_stcore/stream" for p in ports]
        # warm-up: every page once on every server (imports, shared caches)
        for url in urls:
            warm = Client(url, "warm")
            await warm.connect()
            for _, page, query in [s for s in TOUR if s[0] == "url"] + [("url", p, "lang=en") for p in FREE_PAGES]:
                await warm.run(page, query)
            await warm.ws.close()
        await asyncio.sleep(SESSION_TTL_S + 1)
        before = [rss_mb(a.pid) for a in apps]
        parts_before = [pss_parts(a.pid) for a in apps]
        counted_before = [cache_mb(p) for p in ports]

        teacher = Client(urls[0], "teacher")
        await teacher.connect()
        await teacher.run("critical-points", "lang=en&teach=1")
        code = CODE_RE.search(teacher.text)
        if not code:
            print("the teacher's page shows no class code", file=sys.stderr)
            return 1
        code = code.group(1)
        stop, free_stop = asyncio.Event(), asyncio.Event()
        rng = random.Random(22)
        poll = Poll()
        followers = [Client(urls[i % len(urls)], f"follower{i}") for i in range(args.followers)]
        frees = [Client(urls[i % len(urls)], f"free{i}") for i in range(args.free)]
        free_lat: list[float] = []
        free_by_page: dict[str, list[float]] = {}
        peak = list(before)

        async def sample():
            while not stop.is_set():
                peak[:] = [max(p, rss_mb(a.pid)) for p, a in zip(peak, apps, strict=True)]
                await asyncio.sleep(0.5)

        tasks = [asyncio.create_task(follower(c, code, stop, args.arrive * i / max(1, len(followers)), poll,
                                              random.Random(rng.random())))
                 for i, c in enumerate(followers)]
        tasks += [asyncio.create_task(sample()), asyncio.create_task(keep_alive(teacher, stop))]
        await asyncio.sleep(args.arrive + 5)  # everybody has joined and sits on the teacher's first page

        def cpu() -> float:
            return sum(cpu_seconds(a.pid) for a in apps)

        # 1. the class alone: CPU while nothing changes, then per teacher change
        cpu0, t0 = cpu(), time.monotonic()
        await asyncio.sleep(args.every)
        idle_rate = (cpu() - cpu0) / (time.monotonic() - t0)
        alone_lat: list[float] = []
        cpu0, t0 = cpu(), time.monotonic()
        missed = await tour(teacher, followers, TOUR, args.every, alone_lat)
        tour_cpu, tour_s = cpu() - cpu0, time.monotonic() - t0
        load_alone = uptime()
        per_follow = (tour_cpu - idle_rate * tour_s) / max(1, len(followers)) / len(TOUR)

        # 2. with the free students, then the poll
        tasks += [asyncio.create_task(free_student(c, i, free_stop, free_lat, free_by_page)) for i, c in enumerate(frees)]
        await asyncio.sleep(2.0)
        class_lat: list[float] = []

        async def on_step(i: int, step: tuple) -> None:
            if step[2].startswith("_quiz_ask_"):
                poll.asked = time.monotonic()
                await asyncio.sleep(args.every)
                await run_poll(teacher, poll, followers, args.every)
            else:
                await asyncio.sleep(args.every)

        steps_free: list = []
        for what, n in (await tour(teacher, followers, TOUR_AGAIN + POLL, args.every, class_lat, on_step,
                                   steps_free)).items():
            missed[what] = missed.get(what, 0) + n
        load_class = uptime()
        free_stop.set()
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        # 3. everybody leaves (the teacher without ending the class): the class expires
        await teacher.ws.close()
        errors = [e for c in [teacher, *followers, *frees] for e in c.errors]
        await asyncio.sleep(max(args.class_ttl, SESSION_TTL_S) + 3)
        probe = Client(urls[-1], "probe")
        await probe.connect()
        await probe.run("critical-points", f"lang=en&class={code}")
        expired = any(s in probe.text for s in ENDED_TEXTS)
        await probe.ws.close()
        await asyncio.sleep(SESSION_TTL_S + 5)
        after = [rss_mb(a.pid) for a in apps]
        parts_after = [pss_parts(a.pid) for a in apps]
        counted_after = [cache_mb(p) for p in ports]

        lat = alone_lat + class_lat
        p95, free95 = pct(class_lat, 0.95), pct(free_lat, 0.95)
        grown = max(a - b for a, b in zip(after, before, strict=True))
        print(f"  follow latency, class alone: p50 {pct(alone_lat, 0.5):.2f} s, p95 {pct(alone_lat, 0.95):.2f} s "
              f"over {len(alone_lat)} follows ({load_alone})")
        print(f"  follow latency, with the free students: p50 {pct(class_lat, 0.5):.2f} s, p95 {p95:.2f} s, "
              f"max {max(class_lat, default=float('nan')):.2f} s over {len(class_lat)} follows "
              f"(target p95 ≤ {TARGETS['follow_p95']:g} s: {verdict(p95 <= TARGETS['follow_p95'])}; {load_class})")
        print("    by the teacher's step, the teacher's run, then the follows' p50/p95, s: " + ", ".join(
            f"{s[2] if s[0] == 'click' else s[1]} {run:.2f}, {pct(xs, 0.5):.2f}/{pct(xs, 0.95):.2f}"
            for s, run, xs in steps_free))
        print(f"  follows missed (no follow before the teacher's next step): {sum(missed.values())} "
              f"(target 0: {verdict(not missed)})" + "".join(f"; {n} after {what}" for what, n in missed.items()))
        print(f"  free students: p50 {pct(free_lat, 0.5):.2f} s, p95 {free95:.2f} s over {len(free_lat)} runs "
              f"(target p95 ≤ {TARGETS['free_p95']:g} s: {verdict(free95 <= TARGETS['free_p95'])})")
        print("    by page, p50/p95 (runs), s: " + ", ".join(
            f"{page} {pct(xs, 0.5):.2f}/{pct(xs, 0.95):.2f} ({len(xs)})" for page, xs in sorted(free_by_page.items())))
        print(f"  poll: {poll.sent} answers sent by {len(followers)} followers, the teacher's screen counted "
              f"{poll.counted} (target counted = sent = followers: "
              f"{verdict(poll.counted == poll.sent == len(followers))})")
        print(f"  server CPU per follower: {1000 * idle_rate / max(1, len(followers)):.1f} ms/s while nothing changes "
              f"(the follow fragment's polls; {idle_rate:.2f} cores in all), {1000 * per_follow:.0f} ms per teacher "
              f"change (one follow: {tour_cpu:.1f} CPU s over {len(TOUR)} changes, the polls' share taken out)")
        print("  memory (PSS, MB) per server: before " + ", ".join(f"{x:.0f}" for x in before) + "; peak "
              + ", ".join(f"{x:.0f}" for x in peak) + "; after the class expired " + ", ".join(f"{x:.0f}" for x in after)
              + f" (target ≤ before + {TARGETS['memory_mb']:g} MB: {verdict(grown <= TARGETS['memory_mb'])}; "
              f"the class expired: {verdict(expired)})")
        print("    by process, before → after: " + "; ".join(", ".join(
            f"{part} {b[part]:.0f} → {a[part]:.0f}" for part in b if b[part] or a[part])
            for b, a in zip(parts_before, parts_after, strict=True)))
        print("    of which Streamlit counts, before → after: shared caches " + ", ".join(
            f"{b['caches']:.0f} → {a['caches']:.0f}" for b, a in zip(counted_before, counted_after, strict=True))
            + " MB (bounded: every cache has max_entries), sessions' state " + ", ".join(
            f"{b['sessions']:.1f} → {a['sessions']:.1f}" for b, a in zip(counted_before, counted_after, strict=True)) + " MB")
        print(f"  errors: {len(errors)}" + "".join(f"\n    {e}" for e in errors[:10]))
        if lat:
            print(f"  (all follows: mean {statistics.mean(lat):.2f} s; {uptime()} at the end)")
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
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(float(sys.argv[2]), sys.argv[3:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--followers", type=int, default=60)
    ap.add_argument("--free", type=int, default=10)
    ap.add_argument("--every", type=float, default=5.0, help="seconds between the teacher's steps")
    ap.add_argument("--arrive", type=float, default=10.0)
    ap.add_argument("--class-ttl", type=float, default=15.0, help="this test's class expiry (the app's is 3 h)")
    ap.add_argument("--redis", action="store_true", help="Redis and two server processes")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
