"""The server's rerun requests, seen before Streamlit handles them.

1. A fragment's rerun that arrives for a page the session has already left is dropped; so is a
   timer's rerun while the session is busy with a run that redraws its whole page, or that would
   find nothing to do (`quiet_while`: a student catching up with the teacher, a student's look at
   a teacher who has not moved, `ui.classroom.room`).
2. A timer's rerun of a fragment can become a run of another whole page, or of another
   fragment of the page (`run_instead`): a student's look at the store that will find the
   teacher moved to another view runs the teacher's page at once (or, when the teacher moved
   only the step, the page's step fragment), instead of a run of the look that then asks for it.
3. A request the learner made (a click, a link, a setting; not a timer fragment's automatic
   rerun) is told to the listeners of `on_run_asked`: a student's catch-up run that waits for
   its turn behind the class gives way to it (`ui.classroom.room.Traffic`).

On 1:

The browser asks for a fragment's rerun with the page it shows.  A timer fragment (`run_every`:
a student's follow, a job's progress, the teacher's counts) can fire in the moment between the
server switching the session to another page and the browser learning of it.  Streamlit 1.67
queues that request behind the new page's run and then runs the fragment *on the old page*: the
run announces the old page to the browser, which empties its tree, and the fragment's container
lands at a path that no longer exists ("Bad delta path index 1 (should be between [0, 0])").
React unmounts the whole app and the student's screen stays blank until a reload (seen in the
classroom browser test, reproduced under load: `tests/classroom/test_stale_fragment.py`).

The fragment belongs to a page the session has left, so nothing is lost by not running it; the
next tick of the timer asks again with the right page.  `install()` wraps
`AppSession.request_rerun` once per process; every other request goes on unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

_MARK = "_optlab_drops_stale_fragments"
_LISTENERS: list[Callable[[str], None]] = []
_QUIET: list[Callable[[str, str], bool]] = []
_INSTEAD: list[Callable] = []  # the hooks of `run_instead`


def quiet_while(busy: Callable[[str, str], bool]) -> None:
    """A timer's rerun of a fragment (`is_auto_rerun`) for which `busy(session_id, fragment_id)`
    holds is not run: a run of that session that redraws its whole page is on its way, or the
    fragment would find nothing to do; the timer asks again at its next tick."""
    _QUIET.append(busy)


def quiet(session_id: str, client_state) -> bool:
    return (client_state is not None and client_state.is_auto_rerun and bool(client_state.fragment_id)
            and any(busy(session_id, client_state.fragment_id) for busy in _QUIET))


@dataclass(frozen=True)
class Instead:
    """What a `run_instead` hook asks to run in place of a timer's fragment rerun: a page (its URL
    path name; "" for the app's main page) or another fragment of the page shown (its id), and
    `then()`, told once the request is turned into that (before Streamlit gets it)."""

    page: str | None = None
    fragment: str | None = None
    then: Callable[[], None] = lambda: None


def run_instead(hook: Callable[[str, str], Instead | None]) -> None:
    """A timer's rerun of a fragment for which `hook(session_id, fragment_id)` returns an
    `Instead` runs what it names instead.  A page the session's app does not have, or a fragment
    the session does not have, leaves the request as it was (and `then` is not told)."""
    _INSTEAD.append(hook)


def instead(session, client_state):
    """`client_state`, or the request for what a `run_instead` hook names: the fragment's timer
    request with the other fragment put in, or with its fragment taken out and the page put in
    (still an automatic rerun: not the learner's request)."""
    if client_state is None or not client_state.is_auto_rerun or not client_state.fragment_id:
        return client_state
    for hook in _INSTEAD:
        target = hook(session.id, client_state.fragment_id)
        if target is None:
            continue
        if target.fragment is not None:
            if not _has_fragment(session, target.fragment):
                continue
            fields = {"fragment_id": target.fragment}
        else:
            page_hash = _page_hash(session, target.page)
            if not page_hash:
                continue
            fields = {"fragment_id": "", "page_script_hash": page_hash, "page_name": ""}
        turned = type(client_state)()
        turned.CopyFrom(client_state)
        for name, value in fields.items():
            setattr(turned, name, value)
        target.then()
        return turned
    return client_state


def _has_fragment(session, fragment_id: str) -> bool:
    """Whether the session still has the fragment (Streamlit drops a request for one it has not)."""
    try:
        return bool(session.has_fragment(fragment_id))
    except AttributeError:
        return False


def _page_hash(session, url_pathname: str) -> str | None:
    """The script hash of the session's page at `url_pathname` (None: no such page, or a
    session that does not say)."""
    try:
        pages = session._pages_manager.get_pages().values()
    except AttributeError:
        return None
    return next((p["page_script_hash"] for p in pages if p.get("url_pathname", "") == url_pathname), None)


def on_run_asked(listener: Callable[[str], None]) -> None:
    """`listener(session_id)` after every request a session's learner made."""
    _LISTENERS.append(listener)


def by_the_learner(client_state) -> bool:
    """Whether the browser sent a request because its learner did something (a widget, a link,
    the rerun menu), not for a timer fragment (`is_auto_rerun`) nor a change of the app's files
    (no client state)."""
    return client_state is not None and not client_state.is_auto_rerun


def asked(session_id: str, client_state) -> None:
    if by_the_learner(client_state):
        for listener in _LISTENERS:
            listener(session_id)


def stale(session_pages: tuple[str, ...], client_state) -> bool:
    """Whether `client_state` asks for a fragment of another page than one of `session_pages`:
    the page of the session's latest run and the page its script runner is set to run (set
    first thing in a run, a moment before the browser is told of it).  Unknown pages ("")
    say nothing."""
    asked = client_state.page_script_hash if client_state is not None and client_state.fragment_id else ""
    return bool(asked) and any(page and page != asked for page in session_pages)


def _session_pages(session) -> tuple[str, ...]:
    """The page of the session's latest run and, while a run is in progress, the page its
    script runner is set to run.  With no run in progress that intent can be an old one (a
    runner left behind by a click, `runner.fastReruns`, set it as it started): read then, it
    dropped every later poll of the page shown, and a student's follow stopped for good."""
    if getattr(session, "_scriptrunner", None) is None:
        return (session.page_script_hash,)
    pages = getattr(session, "_pages_manager", None)
    return session.page_script_hash, getattr(pages, "intended_page_script_hash", None) or ""


def install(session_class=None) -> None:
    """Wrap `request_rerun` of Streamlit's `AppSession` (or `session_class`, for the tests) once."""
    if session_class is None:
        from streamlit.runtime.app_session import AppSession as session_class

    if getattr(session_class.request_rerun, _MARK, False):
        return
    original = session_class.request_rerun

    def request_rerun(self, client_state):
        if quiet(self.id, client_state):
            log.debug("dropped a timer's rerun of fragment %s of session %s: not needed now", client_state.fragment_id, self.id)
            return None
        if stale(_session_pages(self), client_state):
            log.debug("dropped a rerun of fragment %s of page %s: the session is on %s",
                      client_state.fragment_id, client_state.page_script_hash, _session_pages(self))
            return None
        client_state = instead(self, client_state)
        out = original(self, client_state)
        asked(self.id, client_state)
        return out

    setattr(request_rerun, _MARK, True)
    request_rerun.__doc__ = original.__doc__
    session_class.request_rerun = request_rerun
