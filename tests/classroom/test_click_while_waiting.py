"""A student who clicks while their catch-up run waits behind the class is answered at once.

On a real server whose class never gives a turn (`held_server`): a student joins, their run
to the teacher's page waits for its turn, and the student opens another page from the menu
(a request of their own, as the browser sends it).  The page asked for is drawn long before
the held wait would have ended: the click's run never waits for a turn.  (Streamlit starts it
in a new script runner; that the run left behind gives way rather than take a turn later is
`test_room`'s `Traffic` tests and `test_a_request_reaches_the_rooms_traffic`.)"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.browser.conftest import StreamlitServer
from tests.classroom.held_server import HELD_S
from tests.load.classroom import CODE_RE, TIMEOUT, Client, _rerun

assert TIMEOUT < HELD_S


@pytest.fixture(scope="module")
def held_url(tmp_path_factory):
    server = StreamlitServer(tmp_path_factory.mktemp("held") / "server.log", launcher="tests.classroom.held_server")
    try:
        yield server.start().replace("http://", "ws://") + "/_stcore/stream"
    finally:
        server.stop()


async def _read(c: Client, done) -> ForwardMsg:
    while True:
        msg = ForwardMsg.FromString(await asyncio.wait_for(c.ws.recv(), timeout=TIMEOUT))
        if msg.WhichOneof("type") == "navigation":
            c.pages = {p.url_pathname or "home": p.page_script_hash for p in msg.navigation.app_pages}
            c.page_hash = msg.navigation.page_script_hash
        if done(msg):
            return msg


async def _scenario(url: str) -> tuple[str, list[str]]:
    teacher, student = Client(url, "teacher"), Client(url, "student")
    await teacher.connect()
    await student.connect()
    try:
        await teacher.run("critical-points", "lang=en&teach=1")
        code = CODE_RE.search(teacher.text).group(1)
        await student.ws.send(_rerun("", f"lang=en&class={code}"))  # joins on Home, then goes to the teacher's page …
        await _read(student, lambda m: m.WhichOneof("type") == "navigation"
                    and m.navigation.page_script_hash == student.pages.get("critical-points"))
        # … where the run waits for its turn (or is about to); the student opens another page from the menu
        await student.ws.send(_rerun("adaptive-lr", "lang=en", page_hash=student.pages["adaptive-lr"]))
        finished = await _read(student, lambda m: m.WhichOneof("type") == "script_finished"
                               and m.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY)
        assert finished
        shown = next(n for n, h in student.pages.items() if h == student.page_hash)
        return shown, teacher.errors + student.errors
    finally:
        await teacher.ws.close()
        await student.ws.close()


def test_a_student_who_opens_a_page_while_waiting_for_a_turn_gets_it_at_once(held_url):
    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests' Playwright may run one in this thread
        shown, errors = pool.submit(asyncio.run, _scenario(held_url)).result()
    assert not errors, errors
    assert shown == "adaptive-lr"
