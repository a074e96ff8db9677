"""A rerun of a fragment of the page a session has just left never runs (`ui.common.fragments`).

On a real server, with a websocket client that talks as the browser does: the session shows
page A (its step fragment registered), is sent to page B, and — once B's run has started, as a
browser whose timer fires before it has read the switch — asks for A's fragment with A's page.
Unguarded, Streamlit runs that fragment after B's run and announces page A to the browser (the
blank-screen crash of a following student); guarded, every run after the switch is on page B."""

from __future__ import annotations

import asyncio
import inspect
from concurrent.futures import ThreadPoolExecutor

import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.load.classroom import _rerun
from ui.common import fragments

A, B = "adaptive-lr", "critical-points"
TIMEOUT_S = 120.0


class _Session:
    def __init__(self, ws):
        self.ws = ws
        self.pages: dict[str, str] = {}
        self.fragments: set[str] = set()  # fragment ids of the last full run's elements
        self.started: list[str] = []  # the page each run announced (new_session), in order
        self.errors: list[str] = []

    async def until(self, done) -> None:
        """Read messages until `done(msg)`."""
        while True:
            msg = ForwardMsg.FromString(await asyncio.wait_for(self.ws.recv(), timeout=TIMEOUT_S))
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "new_session":
                self.started.append(msg.new_session.page_script_hash)
            elif kind == "delta":
                if msg.delta.fragment_id:
                    self.fragments.add(msg.delta.fragment_id)
                if msg.delta.WhichOneof("type") == "new_element" and msg.delta.new_element.WhichOneof("type") == "exception":
                    self.errors.append(msg.delta.new_element.exception.message)
            if done(msg):
                return

    async def run(self, page: str) -> None:
        await self.ws.send(_rerun(page, "lang=en", page_hash=self.pages.get(page, "")))
        await self.until(_finished_page_run)


def _finished_page_run(msg) -> bool:
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY


async def _scenario(url: str) -> tuple[list[str], dict[str, str], list[str]]:
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None, compression=None,
                                  open_timeout=TIMEOUT_S, ping_interval=None) as ws:
        s = _Session(ws)
        await s.run(A)
        await s.run(A)  # now with A's page hash, as a browser that has shown A
        assert s.fragments, "page A has no fragment to ask for"
        stale = sorted(s.fragments)
        s.fragments.clear()
        s.started.clear()
        await ws.send(_rerun(B, "lang=en", page_hash=s.pages[B]))
        await s.until(lambda m: m.WhichOneof("type") == "new_session")  # B's run has started
        for fid in stale:  # the browser's timer, before it has read the switch
            await ws.send(_rerun(A, "", fragment=fid, page_hash=s.pages[A]))
        await s.until(_finished_page_run)  # B's run
        await s.run(B)  # whatever was queued behind B's run has run before this one
        return s.started, s.pages, s.errors



def test_a_fragment_of_the_page_left_never_runs(server_ws):
    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests' Playwright may run one in this thread
        started, pages, errors = pool.submit(asyncio.run, _scenario(server_ws)).result()
    assert not errors, errors
    assert started and started == [pages[B]] * len(started), (
        f"runs after the switch announced {[next(n for n, h in pages.items() if h == p) for p in started]}")


def test_stale_is_a_fragment_of_another_page_only():
    class CS:
        def __init__(self, fragment_id="", page_script_hash=""):
            self.fragment_id, self.page_script_hash = fragment_id, page_script_hash

    assert fragments.stale(("b", "b"), CS("f", "a"))
    assert fragments.stale(("a", "b"), CS("f", "a"))  # the runner is already set for page b
    assert fragments.stale(("b", ""), CS("f", "a"))
    assert not fragments.stale(("b", "b"), CS("f", "b"))  # the page shown
    assert not fragments.stale(("b", ""), CS("f", "b"))
    assert not fragments.stale(("b", "b"), CS("", "a"))  # a whole-page run: a page link, a switch
    assert not fragments.stale(("", ""), CS("f", "a"))  # before the session's first run
    assert not fragments.stale(("b", "b"), CS("f", ""))
    assert not fragments.stale(("b", "b"), None)


def test_an_old_intent_counts_only_while_a_run_is_in_progress():
    class Pages:
        intended_page_script_hash = "a"  # an intent left by a runner that is gone

    class Session:
        page_script_hash = "b"
        _pages_manager = Pages()
        _scriptrunner = None

    idle = Session()
    assert fragments._session_pages(idle) == ("b",)
    assert not fragments.stale(fragments._session_pages(idle), _CS("f", "b"))  # the page shown polls on
    assert fragments.stale(fragments._session_pages(idle), _CS("f", "a"))
    running = Session()
    running._scriptrunner = object()
    assert fragments._session_pages(running) == ("b", "a")
    assert fragments.stale(fragments._session_pages(running), _CS("f", "b"))  # mid-switch: the runner is set for a


class _CS:
    def __init__(self, fragment_id="", page_script_hash=""):
        self.fragment_id, self.page_script_hash = fragment_id, page_script_hash


def test_the_guard_reads_the_pages_of_a_real_session_and_wraps_once():
    """The private attribute the guard reads still exists in the Streamlit this app pins."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.pages_manager import PagesManager

    assert "intended_page_script_hash" in dir(PagesManager) and "page_script_hash" in dir(AppSession)
    assert "self._scriptrunner: ScriptRunner | None = None" in inspect.getsource(AppSession.__init__)
    assert "self._pages_manager = PagesManager(" in inspect.getsource(AppSession.__init__)
    fragments.install()
    guarded = AppSession.request_rerun
    fragments.install()  # once per process, however often the shell is imported
    assert AppSession.request_rerun is guarded and getattr(guarded, fragments._MARK)
