"""A student follows the teacher on a real server, through the server's own rerun requests.

With websocket clients that talk as the browser does (`tests.load.classroom.Client`: every
request carries the URL's query as the page shows it): when the teacher walks the steps, a
following student's look at the store (the follow fragment's timer) becomes a run of the
page's step fragment alone, which draws the teacher's step; when the teacher moves to another
page, the look becomes the run of that page itself — never the look's own run, ended early to
ask for the page (`room.Watch.moved_to`, `fragments.run_instead`)."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.load.classroom import CODE_RE, Client, _rerun

TIMEOUT_S = 120.0


async def _look(c: Client, fid: str) -> list[int]:
    """The follow fragment's timer comes round: the ends of the runs it sets off, in order."""
    await c.ws.send(_rerun(c.page, c.query, fragment=fid, page_hash=c.page_hash))
    ends: list[int] = []
    while True:
        msg = ForwardMsg.FromString(await asyncio.wait_for(c.ws.recv(), timeout=TIMEOUT_S))
        kind = msg.WhichOneof("type")
        if kind == "page_info_changed":
            c.query = msg.page_info_changed.query_string
        elif kind == "navigation":
            c.page_hash = msg.navigation.page_script_hash
            c.page = next((p.url_pathname or "home" for p in msg.navigation.app_pages
                           if p.page_script_hash == c.page_hash), "?")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            if msg.delta.new_element.WhichOneof("type") == "exception":
                c.errors.append(msg.delta.new_element.exception.message)
        elif kind == "script_finished":
            ends.append(msg.script_finished)
            if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return ends


def _step(query: str) -> str | None:
    return parse_qs(query).get("k", [None])[0]


async def _scenario(url: str) -> dict:
    teacher, student = Client(url, "teacher"), Client(url, "student")
    try:
        await teacher.connect()
        await teacher.run("critical-points", "lang=en&teach=1")
        code = CODE_RE.search(teacher.text).group(1)
        await student.connect()
        await student.run("", f"class={code}")
        fid = next(f for f, every in student.fragments.items() if every and every <= 1.0)
        out: dict = {"joined": student.page, "steps": []}
        for _ in range(2):
            await teacher.click("k_prev")
            out["steps"].append((await _look(student, fid), _step(student.query), _step(teacher.query)))
        await teacher.click("preset_escape")
        out["preset"] = (await _look(student, fid), student.query, teacher.query)
        await teacher.click("k_prev")
        out["step_after_preset"] = (await _look(student, fid), student.query, teacher.query)
        await teacher.run("adaptive-lr", "lang=en")
        out["page"] = (await _look(student, fid), student.page)
        out["errors"] = teacher.errors + student.errors
        return out
    finally:
        for c in (teacher, student):
            if c.ws is not None:
                await c.ws.close()



def test_the_teachers_step_runs_the_step_fragment_alone_and_a_page_the_page_itself(server_ws):
    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests' Playwright may run one in this thread
        out = pool.submit(asyncio.run, _scenario(server_ws)).result()
    assert not out["errors"], out["errors"]
    assert out["joined"] == "critical-points"
    alone = [ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY]
    for ends, mine, teachers in out["steps"]:
        assert ends == alone and mine == teachers and mine is not None, out["steps"]
    ends, mine, teachers = out["preset"]
    assert ends == [ForwardMsg.FINISHED_SUCCESSFULLY] and "esc=1" in mine and parse_qs(mine) == parse_qs(teachers)
    ends, mine, teachers = out["step_after_preset"]
    assert ends == alone and parse_qs(mine) == parse_qs(teachers) and re.search(r"k=\d+", mine), out["step_after_preset"]
    assert out["page"] == ([ForwardMsg.FINISHED_SUCCESSFULLY], "adaptive-lr")
