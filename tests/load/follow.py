"""A thin websocket client that behaves like a browser on a page with a job.

Since long work runs on the worker pool, a page's script run ends at once and a fragment
(`st.fragment(run_every=…)`) polls the job: the *browser* asks for those fragment runs on the
interval the server announced (`ForwardMsg.auto_rerun`), and the fragment reruns the whole page
when the job is done.  `Follower` does the same with the recorded protocol and measures what a
student feels: request → page drawn (the script's first run), request → result drawn (a full
run after which no fragment polls any more), and — when asked to leave — a menu click to another
page during the job → that page drawn.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

TIMEOUT = 600.0  # one student's page, from the request to the result, its place in the queue included
FULL = (ForwardMsg.FINISHED_SUCCESSFULLY,)
FRAGMENT = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


@dataclass
class Follower:
    """One student on a page with a job: opens it, follows its fragment until the result is drawn,
    or clicks to `leave_to` (a page name) while the job runs."""

    name: str
    page: str  # the page's name in the URL ("inside-network")
    query: str  # its query string ("lang=zh&view=eos&lr1=0.3")
    leave_to: str | None = None  # a page to open while the job runs (the menu click)
    opened: float | None = None  # request → the first script run finished (the page is drawn)
    done: float | None = None  # request → the run that drew the result (no fragment left polling)
    left: float | None = None  # menu click → the other page's run finished
    polls: int = 0  # fragment runs asked for
    progress: list[str] = field(default_factory=list)  # progress texts seen (queue places, k / total)
    errors: list[str] = field(default_factory=list)

    def _rerun(self, page: str, query: str, fragment: str | None = None) -> bytes:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        if fragment:
            msg.rerun_script.fragment_id = fragment
            msg.rerun_script.is_auto_rerun = True
        return msg.SerializeToString()

    async def _until_finished(self, ws) -> tuple[int, dict[str, float]]:
        """Read until a run has finished — one that was not cut short by a rerun (a fragment's
        `st.rerun()` ends its run early and starts a full one); (its status, the fragments
        announced by the last full run among them, or by the fragment run)."""
        fragments: dict[str, float] = {}
        while True:
            data = await ws.recv()
            if len(data) > 65536:  # charts; the messages looked for are small
                continue
            fwd = ForwardMsg.FromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":  # a full run starts: only its own fragments count
                fragments = {}
            elif kind == "auto_rerun":
                fragments[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                return fwd.script_finished, fragments
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                if el.WhichOneof("type") == "exception":
                    self.errors.append(f"{self.name}: exception: {el.exception.message}"[:300])
                elif el.WhichOneof("type") == "progress":
                    self.progress.append(el.progress.text)

    async def run(self, url: str, delay: float = 0.0) -> None:
        await asyncio.sleep(delay)
        ws = None
        try:
            async with asyncio.timeout(TIMEOUT):
                ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None, compression=None)
                t0 = time.monotonic()
                await ws.send(self._rerun(self.page, self.query))
                status, fragments = await self._until_finished(ws)
                self.opened = time.monotonic() - t0
                while True:
                    if status in FULL and not fragments:
                        self.done = time.monotonic() - t0
                        return
                    if self.leave_to is not None:
                        t1 = time.monotonic()
                        await ws.send(self._rerun(self.leave_to, "lang=zh"))
                        while True:  # fragment runs already on their way may finish first
                            status, _ = await self._until_finished(ws)
                            if status in FULL:
                                break
                        self.left = time.monotonic() - t1
                        return
                    if not fragments:  # a fragment run without a full rerun: keep the fragments it polls
                        self.errors.append(f"{self.name}: a run ended with status {status} and nothing to poll")
                        return
                    fid, every = next(iter(fragments.items()))
                    await asyncio.sleep(every)
                    self.polls += 1
                    await ws.send(self._rerun(self.page, self.query, fid))
                    status, announced = await self._until_finished(ws)
                    if status in FULL:  # the fragment reran the whole page: what it announced is all there is
                        fragments = announced
                    elif status == FRAGMENT:
                        fragments.update(announced)
                    else:
                        self.errors.append(f"{self.name}: a fragment run ended with status {status}")
                        return
        except Exception as exc:  # noqa: BLE001 — every failure is reported, none stops the class
            self.errors.append(f"{self.name}: {type(exc).__name__}: {exc}"[:300])
        finally:
            if ws is not None:
                await ws.close()
