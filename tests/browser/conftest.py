"""Real-browser test fixtures: a Streamlit server of the app plus Debian's Chromium, driven by Playwright's sync API.

Every test in this folder is marked ``browser`` automatically (``make test-fast`` / ``pytest -m "not browser"`` skips them).
pytest-playwright's plugin is disabled in pyproject (``-p no:playwright``): its ``browser``/``page`` fixtures would
try a browser download, add ``[chromium]`` to every test id and delete ``test-results/`` at session start.

Chromium: ``/usr/bin/chromium`` (``apt-get install chromium fonts-noto-cjk``). Missing → the test is skipped, or
fails when the environment says ``CI=true`` (CI must run these tests).

Fixtures
--------
``streamlit_server`` (module scope) -> str
    Base URL (``http://127.0.0.1:<port>``, no trailing slash) of one ``streamlit run app.py`` shared by the module.
``start_server`` (function scope) -> callable ``start_server(*extra_args, app="app.py", env=None) -> str``
    Starts a FRESH server per call (for tests whose first request must hit a new server, e.g. deep links) and
    returns its base URL; every server it started is stopped after the test. ``extra_args`` are appended to the
    ``streamlit run`` command line (e.g. ``"--client.showSidebarNavigation", "false"``).
``browser`` (session scope) -> playwright ``Browser`` (headless Debian Chromium).
``page`` -> ``Page`` in a new context, viewport 1400x1000, locale "en-US". Another locale:
    ``@pytest.mark.parametrize("page", ["zh-CN"], indirect=True)``, or use ``new_page``.
``new_page`` -> callable ``new_page(locale="en-US", viewport=(1400, 1000)) -> Page`` (contexts closed after the test).
``page_errors`` -> list of uncaught JS errors (str) of ``page``; request it before navigating, assert it is empty.
``wait_idle``, ``wait_jobs``, ``wait_rerun``, ``screenshot``, ``ws_counter`` -> the helper functions below, as fixtures, so tests
    need no import (they can also do ``from .conftest import wait_idle`` inside this package).

Helpers
-------
``wait_idle(page, timeout=60_000)``
    Waits until the app has rendered, its script is not running, the websocket is connected
    (``[data-testid=stApp][data-test-script-state=notRunning]``, ``[data-test-connection-state=CONNECTED]``),
    no ``stSkeleton`` is left and every ``stPlotlyChart`` has drawn its ``.main-svg`` (Plotly is lazy-loaded:
    at "notRunning" the charts are still skeletons for 1-3 s, longer under load). Before its first run the
    state is "initial", so it is safe right after ``page.goto``.
``expect`` (playwright.sync_api) timeout is raised to 30 s for these tests (5 s is too short on a busy CI box).
``wait_jobs(page, timeout=240_000)``
    Waits until no job of the worker pool is computing for the page (no progress bar left: the fragment has
    rerun the page with the result), then ``wait_idle``. Returns at once on a page without a job.
``wait_rerun(page, action, timeout=60_000)``
    Runs ``action()`` (a click, a fill+Enter...) and waits until the rerun it triggered has finished (a new
    ``script_finished`` message on the websocket), then ``wait_idle``. Use it after widget interactions: a bare
    ``wait_idle`` right after a click can return before the rerun starts (the state is still "notRunning").
    Fails when the action triggers no rerun. To check a result, prefer Playwright's auto-waiting
    ``expect(locator).to_have_text(...)``; ``wait_rerun`` is what makes "nothing appeared" checks sound.
``screenshot(page, name, **kwargs) -> Path``
    ``page.screenshot`` to ``<repo>/test-results/screenshots/<name>`` (git-ignored); returns the path.
``ws_counter(page) -> WsCounter``
    Counts websocket frames of ``page``: ``.sent``, ``.received``, ``.sent_bytes``, ``.received_bytes``,
    ``.reset()``. Attach it before ``page.goto`` (it only sees websockets opened afterwards).

Example::

    def test_playground(start_server, page, page_errors, wait_idle, screenshot):
        base = start_server()
        page.goto(base + "/playground")
        wait_idle(page)
        assert page.locator("[data-testid=stException]").count() == 0
        assert page_errors == []
        screenshot(page, "playground-en.png")
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SCREENSHOT_DIR = REPO_ROOT / "test-results" / "screenshots"
SERVER_LOGS: dict[str, Path] = {}  # a running server's URL → its log (`server_log_tail`)

CHROMIUM_DEFAULT = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING_CHROMIUM = "Debian chromium not installed: apt-get install chromium"

HEALTH_TIMEOUT_S = 60.0
HEALTH_INTERVAL_S = 0.2
DEFAULT_VIEWPORT = (1400, 1000)
DEFAULT_LOCALE = "en-US"

IDLE_SELECTOR = "[data-testid=stApp][data-test-script-state=notRunning]"
CONNECTED_SELECTOR = "[data-testid=stApp][data-test-connection-state=CONNECTED]"
RENDERED_SELECTOR = "[data-testid=stSidebar], [data-testid=stVerticalBlock]"
RENDERED_JS = """() => !document.querySelector('[data-testid=stSkeleton]')
  && [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => c.querySelector('.main-svg'))"""
# Playwright's expect() waits 5 s by default: too short on a loaded 2-core CI machine.
EXPECT_TIMEOUT_MS = 30_000


# --------------------------------------------------------------------------- marking


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items: mark only the ones in this folder.
    for item in items:
        try:
            Path(item.path).resolve().relative_to(HERE)
        except ValueError:
            continue
        item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------- chromium


def chromium_path() -> str | None:
    if os.path.exists(CHROMIUM_DEFAULT):
        return CHROMIUM_DEFAULT
    return shutil.which("chromium")


def _require_chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(MISSING_CHROMIUM, pytrace=False)
        pytest.skip(MISSING_CHROMIUM)
    return path


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log_path: Path, lines: int = 60) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def server_log_tail(page_url: str, lines: int = 40) -> str:
    """The last lines of the log of the server that `page_url` is on (for a failure's message)."""
    parts = urllib.parse.urlsplit(page_url)
    log = SERVER_LOGS.get(f"{parts.scheme}://{parts.netloc}")
    return _log_tail(log, lines) if log is not None else "(no log of this test's servers)"


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200 and resp.read().decode(errors="replace").strip() == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


class StreamlitServer:
    """One ``streamlit run`` process; ``start()`` returns once /_stcore/health answers "ok"."""

    def __init__(self, log_path: Path, app: str = "app.py", extra_args: tuple[str, ...] = (), env: dict | None = None,
                 launcher: str = "streamlit"):
        """`launcher`: the module run as `python -m <launcher> run <app> …` (a test's own, which sets
        the server up first and then runs Streamlit's command line)."""
        self.log_path = log_path
        self.app = app
        self.launcher = launcher
        self.extra_args = tuple(extra_args)
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self) -> None:
        self.port = _free_port()
        cmd = [
            sys.executable, "-m", self.launcher, "run", self.app,
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            *self.extra_args,
        ]  # fmt: skip
        env = dict(os.environ)
        env.pop("OPTIM_LAB_JOBS", None)  # a real server runs its jobs on the worker pool, never inline
        env.pop("OPTIM_LAB_HELPERS", None)  # … and a setting's first race and charts in its helper processes
        env["PYTHONUNBUFFERED"] = "1"
        if self.env:
            env.update(self.env)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log.write(f"$ {' '.join(cmd)}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )

    def start(self) -> str:
        if not (REPO_ROOT / self.app).exists():
            pytest.fail(f"{self.app} not found at the repo root {REPO_ROOT}", pytrace=False)
        # A free port can be taken between _free_port() and the server's bind: retry a few times.
        for _attempt in range(3):
            self._spawn()
            health = f"{self.url}/_stcore/health"
            deadline = time.monotonic() + HEALTH_TIMEOUT_S
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if _health_ok(health):
                    SERVER_LOGS[self.url] = self.log_path
                    return self.url
                time.sleep(HEALTH_INTERVAL_S)  # bounded polling
            exited = self.proc.poll() is not None
            tail = _log_tail(self.log_path)
            self.stop()
            if exited and "already in use" in tail:
                continue
            reason = f"exited with code {self.proc.returncode}" if exited else f"not healthy after {HEALTH_TIMEOUT_S:.0f} s"
            pytest.fail(f"streamlit server {reason}; log {self.log_path}, tail:\n{tail}", pytrace=False)
        pytest.fail(
            f"streamlit server could not bind a free port; log {self.log_path}:\n{_log_tail(self.log_path)}", pytrace=False
        )

    def stop(self) -> None:
        SERVER_LOGS.pop(self.url, None)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None


@pytest.fixture(scope="module")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    server = StreamlitServer(log)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    servers: list[StreamlitServer] = []

    def _start(*extra_args: str, app: str = "app.py", env: dict | None = None) -> str:
        server = StreamlitServer(tmp_path / f"server-{len(servers)}.log", app=app, extra_args=extra_args, env=env)
        servers.append(server)
        return server.start()

    try:
        yield _start
    finally:
        for server in servers:
            server.stop()


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def _playwright() -> Iterator[object]:
    path = _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    pw = sync_playwright().start()
    try:
        yield pw, path
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    pw, path = _playwright
    b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def _new_page(locale: str = DEFAULT_LOCALE, viewport: tuple[int, int] = DEFAULT_VIEWPORT):
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
        contexts.append(ctx)
        pg = ctx.new_page()
        setattr(pg, _SCRIPT_RUNS_ATTR, _ScriptRuns(pg))
        return pg

    try:
        yield _new_page
    finally:
        for ctx in contexts:
            ctx.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, new_page):
    locale = getattr(request, "param", None) or DEFAULT_LOCALE
    return new_page(locale=locale)


@pytest.fixture
def page_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


# --------------------------------------------------------------------------- helpers


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app has rendered, its script is not running and the websocket is connected."""
    deadline = time.monotonic() + timeout / 1000

    def left() -> float:
        return max(1.0, (deadline - time.monotonic()) * 1000)

    page.locator(RENDERED_SELECTOR).first.wait_for(state="attached", timeout=left())
    page.locator(IDLE_SELECTOR).wait_for(state="attached", timeout=left())
    page.locator(CONNECTED_SELECTOR).wait_for(state="attached", timeout=left())
    # Re-check: the connection could have finished a reconnect-triggered rerun meanwhile.
    page.locator(IDLE_SELECTOR).wait_for(state="attached", timeout=left())
    # Lazily loaded elements (Plotly) are still skeletons when the script is done: 1-3 s on an idle
    # machine, more under load. Wait until they are mounted and every Plotly chart has drawn its SVG.
    try:
        page.wait_for_function(RENDERED_JS, timeout=left())
    except Exception as exc:
        raise AssertionError(
            f"app idle but still showing skeletons / undrawn Plotly charts after {timeout / 1000:.0f} s"
        ) from exc


class _ScriptRuns:
    """Counts ForwardMsg.script_finished frames on a page's websockets (attached by ``new_page``)."""

    def __init__(self, page) -> None:
        self.finished = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._on_frame))

    def _on_frame(self, payload) -> None:
        if not isinstance(payload, bytes | bytearray):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            msg = ForwardMsg.FromString(bytes(payload))
        except Exception:  # not a ForwardMsg: ignore
            return
        if msg.WhichOneof("type") == "script_finished":
            self.finished += 1


_SCRIPT_RUNS_ATTR = "_optlab_script_runs"
_TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


def wait_jobs(page, timeout: float = 240_000) -> None:
    """Until no job of the page is computing (the worker pool's progress bars are gone: the fragment
    has rerun the page with the result), then ``wait_idle``.  Returns at once on a page without a job."""
    page.locator("[data-testid=stProgress]").first.wait_for(state="detached", timeout=timeout)
    wait_idle(page, timeout=timeout)


def wait_rerun(page, action: Callable[[], object], timeout: float = 60_000) -> None:
    """Run ``action()`` (a click, fill+Enter...) and wait until the rerun it triggers has finished.

    The DOM attribute alone cannot tell: for a fast script React commits "running" and "notRunning" in
    one render, so the attribute never changes. Instead this waits for a new ``script_finished``
    message on the page's websocket (bounded polling, 50 ms), then ``wait_idle`` and two animation
    frames so the browser has rendered that message. Fails if no rerun happens (e.g. the value did
    not change). Only pages from the ``page``/``new_page`` fixtures carry the websocket tracker.
    """
    runs = getattr(page, _SCRIPT_RUNS_ATTR, None)
    if runs is None:
        raise RuntimeError("wait_rerun needs a page made by the page/new_page fixtures")
    before = runs.finished
    deadline = time.monotonic() + timeout / 1000
    action()
    while runs.finished == before:
        if time.monotonic() > deadline:
            pytest.fail(f"no script run finished within {timeout / 1000:.0f} s after the action", pytrace=False)
        page.wait_for_timeout(50)  # bounded polling; also lets Playwright dispatch websocket events
    wait_idle(page, timeout=max(1.0, (deadline - time.monotonic()) * 1000))
    page.evaluate(_TWO_FRAMES_JS)


def screenshot(page, name: str, **kwargs) -> Path:
    """Save a PNG of ``page`` under <repo>/test-results/screenshots/ and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / name
    page.screenshot(path=str(path), **kwargs)
    return path


class WsCounter:
    """Websocket frame counts of one page (all its websockets)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sent = 0
        self.received = 0
        self.sent_bytes = 0
        self.received_bytes = 0

    def _on_sent(self, payload) -> None:
        self.sent += 1
        self.sent_bytes += len(payload)

    def _on_received(self, payload) -> None:
        self.received += 1
        self.received_bytes += len(payload)

    def __repr__(self) -> str:
        return f"WsCounter(sent={self.sent} ({self.sent_bytes} B), received={self.received} ({self.received_bytes} B))"


def ws_counter(page) -> WsCounter:
    """Count websocket frames of ``page``; attach before ``page.goto``."""
    counter = WsCounter()

    def on_ws(ws) -> None:
        ws.on("framesent", counter._on_sent)
        ws.on("framereceived", counter._on_received)

    page.on("websocket", on_ws)
    return counter


@pytest.fixture(name="wait_idle")
def _wait_idle_fixture():
    return wait_idle


@pytest.fixture(name="wait_jobs")
def _wait_jobs_fixture():
    return wait_jobs


@pytest.fixture(name="wait_rerun")
def _wait_rerun_fixture():
    return wait_rerun


@pytest.fixture(name="screenshot")
def _screenshot_fixture():
    return screenshot


@pytest.fixture(name="ws_counter")
def _ws_counter_fixture():
    return ws_counter
