"""Classroom mode, the Streamlit side: start a class, join one, follow the teacher, live polls.

The shell calls `setup(page_id, lang)` once per run, before the page's controls read the URL
(it takes `?class=CODE` and `?teach=1` out of the URL, draws the class box in the sidebar and,
for a student, the banner that follows the teacher), and `publish(sh)` after the URL is
written (a teacher's page, its URL query and the open poll go to the store).  The quiz
(`ui.common.quiz`) asks this module whether a question is a poll.

The session's class state is one dict under `keys.CLASS` (kept when a preset or a reset
clears the page): `sid` (a random token: the student's only identity), `role` ("teacher",
"student" or None), `code`, `secret` (the teacher's, never in a URL), `attached`, `seen`
(the teacher's version this session shows), `poll`/`revealed` (the teacher's open question),
`error` (reason, code) and `show` (the teacher shows the code to the room).

A student follows with a fragment polling the store every second: when the teacher's
version changes it clears the page's controls, loads the teacher's query as a link is
loaded (`state.load_snapshot`, as presets do) and switches to the teacher's page.  While a
student follows, the teacher holds the page: the shell draws it without its controls
(`Controls(drawn=False)`, no menu) — what a follower needs is the view, and a run of the
page without them costs a fifth to a half less, sixty times over for each of the teacher's moves.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from typing import NamedTuple
from urllib.parse import urlsplit

import streamlit as st

from ui.classroom import store as cs
from ui.common import fragments, keys, presets
from ui.common.jobs import viewer
from ui.common.state import GLOBAL_KEYS, current_query, forget, forget_page_state, load_snapshot
from ui.text import t

FOLLOW_EVERY_S = 1.0  # a student's poll of the teacher's view (follow within 2 s)
FOLLOW_AT_ONCE = 1  # followers' runs drawn at the same time after the teacher moved; the others wait their turn
# (one: two at once traded the interpreter lock every few ms and cost 37 instead of 31 ms of CPU a run; make load-class)
FOLLOW_WAIT_S = 20.0  # … at most this long (never stuck behind a run that hangs)
YIELD_S = 1.0  # a follower's run lets the page runs of others in progress finish first, at most this long
TURN_END_S = 0.25  # any other run lets a follower's run in progress end first, at most this long
# (≈ 20 ms; sharing the lock both took longer: with it, make load-class measured the free students' p95
# 1.13–1.19 s instead of 1.74–1.95 s, the follows' 2.42–2.71 s instead of 2.78–2.79 s)
TEACHER_EVERY_S = 5.0  # the teacher's student count and keep-alive
COUNTS_EVERY_S = 1.0  # the teacher's live poll counts
URL_KEYS = ("class", "teach")
REDIS_ENV = "OPTIM_LAB_REDIS_URL"
PUBLIC_URL_ENV = "OPTIM_LAB_PUBLIC_URL"  # the join link's base, when the browser's URL is not the public one

log = logging.getLogger("optimizer_lab.classroom")


@st.cache_resource(max_entries=1)
def store() -> cs.ClassStore:
    """The process's store: Redis when OPTIM_LAB_REDIS_URL is set, else in memory."""
    url = os.environ.get(REDIS_ENV)
    return cs.RedisStore(url) if url else cs.MemoryStore()


def me() -> dict:
    ss = st.session_state
    if keys.CLASS not in ss:
        ss[keys.CLASS] = {"sid": secrets.token_urlsafe(12), "role": None}
    return ss[keys.CLASS]


def role() -> str | None:
    return st.session_state.get(keys.CLASS, {}).get("role")


def following() -> bool:
    m = st.session_state.get(keys.CLASS, {})
    return m.get("role") == "student" and bool(m.get("attached"))


def _lang() -> str:
    return st.session_state.get(keys.LANG, "en")


def _fail(m: dict, reason: str, code: str = "") -> None:
    m["error"] = (reason, code)


def _call(m: dict, fn, *args):
    """A store call; a refusal is remembered as the session's one message (None returned)."""
    try:
        return fn(*args)
    except cs.ClassError as exc:
        _fail(m, exc.reason, m.get("code", ""))
    except Exception:  # noqa: BLE001 — Redis down: the page must stay usable
        log.exception("class store failed")
        _fail(m, "store")
    return None


# --------------------------------------------------------------------------- actions


def start() -> None:
    m = me()
    m.pop("error", None)
    got = _call(m, store().create)
    if got is not None:
        code, secret = got
        m.update(role="teacher", code=code, secret=secret, show=True, poll=None, revealed=False, attached=False)


def join(raw: str) -> None:
    m = me()
    code = cs.normalize_code(raw)[:12]
    m.pop("error", None)
    if m.get("role") == "teacher":
        return
    try:
        store().join(code, m["sid"]) if cs.valid_code(code) else _rate_only(m, code)
    except cs.ClassError as exc:
        _fail(m, exc.reason, code)
        return
    except Exception:  # noqa: BLE001
        log.exception("class store failed")
        _fail(m, "store")
        return
    m.update(role="student", code=code, attached=True, seen=None)


def _rate_only(m: dict, code: str) -> None:
    """A malformed code is refused like an unknown one, and counts as a join attempt."""
    store().join("-" * cs.CODE_LEN, m["sid"])


def _join_from_box() -> None:
    join(st.session_state.get("_class_code_box", ""))


def leave() -> None:
    m = me()
    m.update(role=None, attached=False, code=None, seen=None)
    m.pop("error", None)


def end_class() -> None:
    m = me()
    if m.get("role") == "teacher":
        _call(m, store().end, m["code"], m["secret"])
    m.update(role=None, code=None, secret=None, poll=None, revealed=False)
    m.pop("error", None)


def _attach(on: bool) -> None:
    m = me()
    m["attached"] = on
    if on:
        m["seen"] = None  # the next poll applies the teacher's view


def _toggle_show() -> None:
    m = me()
    m["show"] = not m.get("show")


# teacher's polls (called from the quiz's callbacks)
def poll_ask(question_key: str) -> None:
    if role() == "teacher":
        me().update(poll=question_key, revealed=False)


def poll_reveal(question_key: str) -> None:
    if role() == "teacher":
        me().update(poll=question_key, revealed=True)


def poll_close() -> None:
    if role() == "teacher":
        me().update(poll=None, revealed=False)


def poll_of(page_id: str) -> tuple[str | None, bool]:
    """The teacher's open poll on this page: (question key, revealed)."""
    m = st.session_state.get(keys.CLASS, {})
    q = m.get("poll")
    if m.get("role") != "teacher" or not q or q.split(":")[0] != page_id:
        return None, False
    return q, bool(m.get("revealed"))


def counts(question_key: str) -> list[int]:
    m = me()
    return _call(m, store().counts, m["code"], question_key) or [0] * cs.MAX_CHOICES


def send_answer(question_key: str, choice: int | None) -> None:
    m = me()
    if choice is None:
        _fail(m, "pick")
        return
    m.pop("error", None)
    _call(m, store().answer, m["code"], m["sid"], question_key, int(choice))


def my_answer(question_key: str) -> int | None:
    m = me()
    if m.get("role") != "student":
        return None
    return _call(m, store().my_answer, m["code"], m["sid"], question_key)


# --------------------------------------------------------------------------- following


def _apply(m: dict, view: cs.View) -> None:
    """Bring this student's session to the teacher's view (never returns when it moves)."""
    page = _adopt(m, view)
    if page is None:
        return
    m["catch_up"] = _TRAFFIC.mark()  # the run this starts waits for its turn (`turn`), unless the student asks meanwhile
    st.switch_page(page.path)


def _adopt(m: dict, view: cs.View):
    """The teacher's view as this session's state, for the next run of its page (returned;
    None for a page this app does not have)."""
    from ui.common import quiz
    from ui.shell import PAGE_BY_ID

    page = PAGE_BY_ID.get(view.page)
    m["seen"] = view.version
    m["shown"] = shown_of(view)
    if page is None:
        return None
    forget_page_state()
    load_snapshot(view.page, view.query)
    ss = st.session_state
    if view.preset:  # what to look for in the teacher's preset, on every screen
        ss[keys.PRESET] = view.preset
    q = next((q for q in quiz.for_page(view.page) if q.key == view.question), None)
    if q is not None:
        mine = _call(m, store().my_answer, m["code"], m["sid"], q.key)
        answers = dict(ss.get(keys.QUIZ, {}))
        if view.revealed:
            answers[q.key] = mine
            ss[keys.PRESET] = q.preset
            if mine is not None:
                ss[quiz.choice_key(q)] = mine
        else:
            answers.pop(q.key, None)
            ss[keys.QUIZ_ALONE] = q.key
        ss[keys.QUIZ] = answers
    return page


class Traffic:
    """Who draws when, among the page runs of a class.

    A run that is not a follower's catch-up (a student on their own, the teacher) lets the
    catch-up run in progress end first (≈ 20 ms, at most `TURN_END_S`), then goes on and is
    counted while it runs (`running`).  A follower's catch-up run takes a turn
    (`turn`): at most `at_once` at a time, first come first served, and a turn starts once the
    counted runs in progress have ended (at most `yield_s` later).  Sharing the interpreter lock
    with one, both take longer: measured in make load-class, a student on their own waited p50
    0.84 s with the class following, 0.25 s when the followers let them go first.

    A session that asks for another run after its catch-up was set off (a click on "Explore on
    my own", a preset, a link: `ask`, from the server's rerun requests, `ui.common.fragments`)
    does not wait, or stops waiting at once, and gets no turn.  Streamlit answers such a click
    at once with a new script runner (`runner.fastReruns`) and leaves the waiting run behind:
    had it waited on, it would later take a turn from the class and adopt the teacher's view —
    clearing the session's state under the run the student asked for."""

    ASKS_KEPT = 4096  # sessions whose last request is remembered (the oldest forgotten first)

    def __init__(self, at_once: int):
        self._lock = threading.Lock()
        self._turns = threading.Condition(self._lock)  # waiting for a turn
        self._idle = threading.Condition(self._lock)  # a turn holder waiting for the counted runs to end
        self._at_once = at_once
        self._free = at_once
        self._ended = threading.Condition(self._lock)  # a turn ended
        self._runs = 0
        self._waiting: set[str] = set()  # sessions whose catch-up run waits
        self._catching: dict[str, int] = {}  # sessions whose catch-up run waits or draws (how many such runs)
        self._seq = 0  # requests so far
        self._asked: OrderedDict[str, int] = OrderedDict()  # session → the number of its last request
        self._counted = threading.local()  # .runs: this thread's counted runs in progress

    @contextmanager
    def running(self, wait_s: float | None = 0.0):
        """A run that is not a catch-up, counted while it runs; it starts once the catch-up run in
        progress has ended (at most `wait_s` later; 0: at once)."""
        self._enter(wait_s)
        self._counted.runs = getattr(self._counted, "runs", 0) + 1
        try:
            yield
        finally:
            self._counted.runs -= 1
            self._leave()

    @contextmanager
    def aside(self):
        """While a counted run of this thread waits for work done elsewhere (a helper process
        building its setting's race or charts: it holds no interpreter lock), it is not counted,
        and catch-ups may start; it is counted again as soon as the work is back (at once: the
        one catch-up that may be drawing by then ends in ≈ 20 ms, and waiting for the turns
        to pause could cost each of its calls a quarter of a second).  Anything else: as it is."""
        mine = getattr(self._counted, "runs", 0)
        for _ in range(mine):
            self._leave()
        try:
            yield
        finally:
            for _ in range(mine):
                self._enter(0.0)

    def _enter(self, wait_s: float | None) -> None:
        with self._lock:
            if wait_s != 0.0:
                self._ended.wait_for(lambda: self._free >= self._at_once, wait_s)
            self._runs += 1

    def _leave(self) -> None:
        with self._lock:
            self._runs -= 1
            if self._runs == 0:
                self._idle.notify_all()

    def mark(self) -> int:
        """Where the requests are now: a catch-up set off here gives way to any later request of its session."""
        with self._lock:
            return self._seq

    @contextmanager
    def turn(self, sid: str, since: int, wait_s: float | None, yield_s: float | None):
        """A catch-up run of session `sid`, set off at `mark()` = `since`: yields whether it had
        its turn (False: it waited `wait_s` in vain, or its session asked for another run)."""

        def asked() -> bool:
            return self._asked.get(sid, 0) > since

        with self._lock:
            self._waiting.add(sid)
            self._catching[sid] = self._catching.get(sid, 0) + 1
            try:
                self._turns.wait_for(lambda: self._free > 0 or asked(), wait_s)
                got = self._free > 0 and not asked()
                if got:
                    self._free -= 1
                    self._idle.wait_for(lambda: self._runs == 0 or asked(), yield_s)
                elif self._free > 0:
                    self._turns.notify()  # a wake-up meant for this run goes to the next one
            except BaseException:
                self._caught_up(sid)
                raise
            finally:
                self._waiting.discard(sid)
        try:
            yield got
        finally:
            with self._lock:
                self._caught_up(sid)
                if got:
                    self._free += 1
                    self._turns.notify()
                    self._ended.notify_all()

    def _caught_up(self, sid: str) -> None:
        """One catch-up run of `sid` has ended (the lock held)."""
        left = self._catching.pop(sid, 1) - 1
        if left > 0:
            self._catching[sid] = left

    def catching_up(self, sid: str) -> bool:
        """Whether a catch-up run of session `sid` waits for its turn or draws the teacher's view."""
        return sid in self._catching

    def ask(self, sid: str) -> None:
        """Session `sid` asked the server for another run: a catch-up of it set off before does not
        wait, or stops waiting."""
        with self._lock:
            self._seq += 1
            self._asked[sid] = self._seq
            self._asked.move_to_end(sid)
            while len(self._asked) > self.ASKS_KEPT:
                self._asked.popitem(last=False)
            if sid in self._waiting:
                self._turns.notify_all()
                self._idle.notify_all()


_TRAFFIC = Traffic(FOLLOW_AT_ONCE)


fragments.on_run_asked(lambda sid: _TRAFFIC.ask(sid))  # late-bound: the tests stand in their own traffic
# The browser asks for a student's poll every second, whether a run is going on or not: while the
# student's catch-up waits behind the class (≈ 1 s) or draws, those polls would wait in line and
# then run for nothing, once each, sixty times for each of the teacher's moves.
fragments.quiet_while(lambda sid, _fragment: _TRAFFIC.catching_up(sid))


def shown_of(view: cs.View) -> tuple:
    """What a student's page shows of the teacher's view: page, query, question, reveal, preset."""
    return view.page, dict(view.query), view.question, view.revealed, view.preset


def only_the_step(shown: tuple | None, view: cs.View, step_keys) -> bool:
    """Whether `view` differs from the `shown` one in nothing but the selected step (`step_keys`:
    the URL keys of the step pickers of the page's step fragment)."""
    if shown is None or not step_keys or (shown[0], *shown[2:]) != (view.page, view.question, view.revealed, view.preset):
        return False
    return ({k: v for k, v in shown[1].items() if k not in step_keys}
            == {k: v for k, v in view.query.items() if k not in step_keys})


class Seen(NamedTuple):
    """What a following student's page shows, as its last run told the `Watch`."""

    store: cs.ClassStore
    code: str
    attached: bool
    version: int | None  # the teacher's version shown
    fragment: str  # the follow fragment's id
    shown: tuple | None = None  # `shown_of` the view shown
    step: tuple | None = None  # (page, the step fragment's id, its step keys) of the page shown


class Watch:
    """The students whose next look at the store (the follow fragment's run, every second)
    would find nothing to do: the class is there and the teacher has not moved since (or the
    student explores on their own).  Such a look is answered before it becomes a run: one store
    read instead of a fragment's run (`fragments.quiet_while`; `make load-class` measured
    2.4–3.3 ms of server CPU a second for each student while nothing changes, sixty times over,
    and each caught-up student's looks went on while the rest of the class caught up).  A look
    that would find the teacher moved becomes the run of the teacher's page itself (`moved_to`):
    the look's own run would only have asked for it.

    `watch` is told by each run of the follow fragment what it saw; any doubt (another
    fragment, a session not told of, a store that fails or has no such class, a teacher who
    moved) lets the run go on, and the run does what it always did.  The question is asked on
    the server's event loop, which every session's messages pass through, so never of a
    network (`ClassStore.watched`): Redis, a network away (and up to its 2 s timeout when it
    hangs), is read by the store's `Mirror` thread, and a view it has not read lately is a
    doubt."""

    KEPT = cs.MAX_CLASSES * cs.MAX_STUDENTS  # sessions remembered (the oldest forgotten first: their looks just run)

    def __init__(self):
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, Seen] = OrderedDict()  # session → what its page shows
        self._catch_ups: OrderedDict[str, int] = OrderedDict()  # session → `Traffic.mark()` as its catch-up was set off

    def watch(self, sid: str, store: cs.ClassStore, code: str, attached: bool, version: int | None,
              fragment_id: str | None, shown: tuple | None = None) -> None:
        with self._lock:
            if fragment_id is None or (attached and version is None):
                self._seen.pop(sid, None)
                return
            before = self._seen.get(sid)
            step = before.step if before is not None and before.step and shown and before.step[0] == shown[0] else None
            self._seen[sid] = Seen(store, code, attached, version, fragment_id, shown, step)
            self._seen.move_to_end(sid)
            while len(self._seen) > self.KEPT:
                self._seen.popitem(last=False)

    def stepped(self, sid: str, page: str, fragment_id: str | None, step_keys: frozenset, version: int | None,
                shown: tuple | None) -> None:
        """A run of session `sid`'s step fragment (`step_fragment`) on `page`: its id and step
        keys, and what the page shows now (a run of the fragment alone may have moved the step)."""
        with self._lock:
            seen = self._seen.get(sid)
            if seen is None:
                return
            step = (page, fragment_id, step_keys) if fragment_id and step_keys else None
            self._seen[sid] = seen._replace(version=version, shown=shown, step=step)

    def forget(self, sid: str) -> None:
        with self._lock:
            self._seen.pop(sid, None)
            self._catch_ups.pop(sid, None)

    def _look(self, sid: str, fragment_id: str) -> tuple[Seen, cs.View | None] | None:
        """What session `sid` was told to show and the class's view now (None: not known, or
        any doubt)."""
        with self._lock:
            seen = self._seen.get(sid)
        if seen is None or seen.fragment != fragment_id:
            return None
        try:
            view = seen.store.watched(seen.code)
        except Exception:  # noqa: BLE001 — not known now (LookupError), or the store fails: the run reads it and says
            return None
        if view is not None and seen.version is not None and view.version < seen.version:
            return None  # a mirror behind what the session already read: a doubt, not a move back
        return seen, view

    def nothing_new(self, sid: str, fragment_id: str) -> bool:
        """Whether the run of `fragment_id` that session `sid` asks for would find nothing to do."""
        look = self._look(sid, fragment_id)
        if look is None:
            return False
        seen, view = look
        return view is not None and (not seen.attached or view.version == seen.version)

    def moved_to(self, sid: str, fragment_id: str, mark: Callable[[], int]) -> fragments.Instead | None:
        """What the look that session `sid` asks for would lead to, when it would find that the
        teacher moved: the teacher's page (its URL path name), which the server runs at once
        instead (`fragments.run_instead`; the look's own run, ≈ a tenth of a follow's server
        time, is not needed); or, when the teacher moved nothing but the selected step of the
        page shown, the page's step fragment, which catches up alone (`step_fragment`), as the
        teacher's own step did.  None: let the look run.  Once the request is turned (`then`),
        until the run tells what it shows, the student's looks find nothing new; a page's run
        takes a turn as a catch-up set off at `mark()` and draws the teacher's newest view (`turn`)."""
        look = self._look(sid, fragment_id)
        if look is None:
            return None
        seen, view = look
        if view is None or not seen.attached or view.version == seen.version:
            return None
        from ui.shell import PAGE_BY_ID

        page = PAGE_BY_ID.get(view.page)
        if page is None:
            return None
        shown = shown_of(view)
        if seen.step is not None and seen.step[0] == view.page and only_the_step(seen.shown, view, seen.step[2]):
            return fragments.Instead(fragment=seen.step[1], then=lambda: self._turned(sid, view.version, shown, None))
        return fragments.Instead(page="" if page.path == "app.py" else page.id,
                                 then=lambda: self._turned(sid, view.version, shown, mark()))

    def _turned(self, sid: str, version: int, shown: tuple, mark: int | None) -> None:
        with self._lock:
            seen = self._seen.get(sid)
            if seen is not None:
                self._seen[sid] = seen._replace(version=version, shown=shown)
            if mark is None:  # a fragment's run takes no turn
                return
            self._catch_ups[sid] = mark
            self._catch_ups.move_to_end(sid)
            while len(self._catch_ups) > self.KEPT:
                self._catch_ups.popitem(last=False)

    def catch_up(self, sid: str) -> int | None:
        """The mark of the catch-up set off for session `sid` by the server (`moved_to`), once."""
        with self._lock:
            return self._catch_ups.pop(sid, None)


_WATCH = Watch()
fragments.quiet_while(lambda sid, fragment: _WATCH.nothing_new(sid, fragment))  # late-bound, as the traffic
fragments.run_instead(lambda sid, fragment: _WATCH.moved_to(sid, fragment, lambda: _TRAFFIC.mark()))


def _fragment_id() -> str | None:
    """The id of the fragment this code runs in (None outside one, or where Streamlit keeps it elsewhere)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState

        return ThreadState.get().fragment_id
    except (ImportError, AttributeError, RuntimeError):
        return None


def aside():
    """While this thread's page run waits for a helper process (`optim_lab.jobs.HELPERS`), the
    followers' catch-ups need not wait for it (`Traffic.aside`)."""
    return _TRAFFIC.aside()


@contextmanager
def turn(page_id: str):
    """The page run of a student catching up with the teacher takes its turn (`Traffic`): when
    the teacher moves, the whole class asks for the new view within a second, and sixty page
    runs at once share one interpreter lock — each is slower for the crowd (switching, caches),
    and a student exploring on their own waits behind all of them.  Every other run lets the
    one catch-up in progress end first, then goes on.

    A teacher who moved again while the student waited is followed at once: the run draws the
    newest view (on this page), or goes to its page without waiting again — never a view
    already left, which would cost the crowd a second run per student."""
    m = st.session_state.get(keys.CLASS, {})
    by_server = _WATCH.catch_up(viewer())  # a look the server turned into this run (`Watch.moved_to`)
    since = m.pop("catch_up", by_server)
    if since is None:
        with _TRAFFIC.running(TURN_END_S):
            yield
        return
    with _TRAFFIC.turn(viewer(), since, FOLLOW_WAIT_S, YIELD_S) as got:
        if got:  # else the student asked for another run meanwhile, which Streamlit runs in a new script runner:
            _newest(m, page_id)  # this one stops at its first element, without adopting the teacher's view
        yield


def _newest(m: dict, page_id: str) -> None:
    view = _call(m, store().view, m["code"]) if following() else None
    if view is None or view.version == m.get("seen"):
        return
    page = _adopt(m, view)
    if page is not None and page.id != page_id:
        st.switch_page(page.path)  # its run does not wait again: this one had its turn


def _check(m: dict) -> None:
    """A student's look at the store: the class ended, or the teacher moved."""
    view = _call(m, store().view, m["code"])
    if view is None:
        if m.get("error", ("",))[0] != "store":
            _fail(m, "ended", m["code"])
            m.update(role=None, attached=False)
        return
    if m.get("attached") and view.version != m.get("seen"):
        _apply(m, view)


@st.fragment(run_every=FOLLOW_EVERY_S)
def _follow() -> None:
    """A student's look at the store every second.  It draws nothing and, while the
    teacher's view stays the same, costs one store read, before it is even a run (`Watch`):
    the page reruns only when the teacher moved (`_apply`; with the in-process store the server
    runs the teacher's page instead of this look, `Watch.moved_to`) or the class ended."""
    m = me()
    if m.get("role") != "student":
        _WATCH.forget(viewer())
        return
    _check(m)
    if m.get("role") != "student":  # the class ended: the whole page says so
        _WATCH.forget(viewer())
        st.rerun(scope="app")
    _WATCH.watch(viewer(), store(), m["code"], bool(m.get("attached")), m.get("seen"), _fragment_id(), m.get("shown"))


_STEP = threading.local()  # .keys: the step pickers' URL keys drawn by the step fragment running on this thread


def step_key(key: str) -> None:
    """A step picker (`view.step_picker`) drew the selected step under URL key `key`."""
    drawn = getattr(_STEP, "keys", None)
    if drawn is not None:
        drawn.append(key)


@contextmanager
def step_fragment(page_id: str):
    """A run of the page's step fragment (`view.step_view`).  For a student following the
    teacher, run alone — the server's answer to a look that found the teacher moved nothing but
    the step (`Watch.moved_to`) — it first takes the teacher's step (or, if the teacher has
    moved on meanwhile, goes to the teacher's view as a look would); then it tells the watch its
    id, its step keys and what the page shows."""
    m = st.session_state.get(keys.CLASS, {})
    if following() and _alone():
        _take_step(m)
    _STEP.keys = []
    try:
        yield
        drawn = frozenset(_STEP.keys)
    finally:
        _STEP.keys = None
    if following():
        m["steps"] = sorted(drawn)
        _WATCH.stepped(viewer(), page_id, _fragment_id(), drawn, m.get("seen"), m.get("shown"))


def _alone() -> bool:
    """Whether this run is a fragment's run alone (not the whole page's)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and bool(getattr(ctx, "fragment_ids_this_run", None))


def _take_step(m: dict) -> None:
    view = _call(m, store().view, m["code"])
    if view is None or view.version == m.get("seen"):
        return
    step_keys = frozenset(m.get("steps", ()))
    if not only_the_step(m.get("shown"), view, step_keys):
        _apply(m, view)  # more than the step changed: the whole page follows, as after a look
        return
    snapshot = st.session_state[keys.URL_SNAPSHOT]
    for key in step_keys:
        if key in view.query:
            snapshot[key] = view.query[key]  # the step picker takes it, as from a link
        else:
            forget(key)  # the teacher's step is the default
    m["seen"], m["shown"] = view.version, shown_of(view)


def _student_banner(m: dict, lang: str) -> None:
    """Whom the student follows, with detach / re-attach and leave (the page's own run)."""
    c1, c2, c3 = st.columns([6, 2, 2], vertical_alignment="center")
    if m.get("attached"):
        c1.info(t("class_following", lang, code=m["code"]))
        c2.button(t("class_detach", lang), key="_class_detach", on_click=_attach, args=(False,), icon="🧭", width="stretch")
    else:
        c1.warning(t("class_exploring", lang, code=m["code"]))
        c2.button(t("class_attach", lang), key="_class_attach", on_click=_attach, args=(True,), icon="📡",
                  type="primary", width="stretch")
    c3.button(t("class_leave", lang), key="_class_leave", on_click=leave, icon="🚪", width="stretch")
    _follow()


# --------------------------------------------------------------------------- teacher


def join_link(code: str) -> str:
    base = os.environ.get(PUBLIC_URL_ENV) or ""
    if not base:
        try:
            parts = urlsplit(st.context.url or "")
            base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        except Exception:  # noqa: BLE001 — bare mode / tests: no browser URL
            base = ""
    return f"{(base or 'http://localhost:8501').rstrip('/')}/?class={code}"


@functools.lru_cache(maxsize=64)  # a teacher's panel draws its class's code at every run: made once per link
def qr_png(link: str, scale: int = 10) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


CODE_CSS = ("<div style='font-family: ui-monospace, monospace; font-size: {size}; font-weight: 700; "
            "letter-spacing: 0.18em; line-height: 1.1'>{code}</div>")


@st.fragment(run_every=TEACHER_EVERY_S)
def _teacher_box() -> None:
    m = me()
    if m.get("role") != "teacher":
        return
    lang = _lang()
    try:
        store().touch(m["code"], m["secret"])
    except cs.ClassError:  # expired or ended elsewhere: the whole page says so
        m.update(role=None)
        _fail(m, "ended", m["code"])
        st.rerun(scope="app")
    except Exception:  # noqa: BLE001 — Redis down: keep the box, say so once
        log.exception("class store failed")
    n = _call(m, store().students, m["code"]) or 0
    with st.container(key="class-code"):
        st.markdown(CODE_CSS.format(size="2.6rem", code=m["code"]), unsafe_allow_html=True)
    st.caption(t("class_teaching", lang, code=m["code"], students=n))


def _sidebar(m: dict, lang: str) -> None:
    st.markdown(f"**🎓 {t('class_title', lang)}**")
    r = m.get("role")
    if r == "teacher":
        _teacher_box()
        st.button(t("class_hide_code" if m.get("show") else "class_show_code", lang), key="_class_show",
                  on_click=_toggle_show, icon="🔳", width="stretch")
        st.button(t("class_end", lang), key="_class_end", on_click=end_class, icon="🛑", width="stretch")
    elif r == "student":
        st.caption(t("class_following" if m.get("attached") else "class_exploring", lang, code=m["code"]))
    else:
        st.button(t("class_start", lang), key="_class_start", on_click=start, icon="🎓", width="stretch",
                  help=t("class_start_help", lang))
        with st.form("_class_join_form", border=False, enter_to_submit=True):
            st.text_input(t("class_code_label", lang), key="_class_code_box", max_chars=12, help=t("class_join_help", lang),
                          placeholder="······")
            st.form_submit_button(t("class_join", lang), on_click=_join_from_box, icon="🔑", width="stretch")


def _error_text(m: dict, lang: str) -> str | None:
    err = m.get("error")
    if not err:
        return None
    reason, code = err
    n = {"full": cs.MAX_STUDENTS, "busy": cs.MAX_CLASSES}.get(reason, 0)
    if reason == "pick":
        return None  # said beside the poll
    key = f"class_err_{reason}"
    text = t(key, lang, code=code or "—", n=n)
    return text if text != key else t("class_err_store", lang)


def _join_panel(m: dict, lang: str) -> None:
    """The teacher's code and QR code, big enough for the back row."""
    link = join_link(m["code"])
    with st.container(border=True, key="class-join"):
        c1, c2 = st.columns([3, 2], vertical_alignment="center")
        with c1:
            st.markdown(CODE_CSS.format(size="min(14vw, 7rem)", code=m["code"]), unsafe_allow_html=True)
            st.markdown(t("class_join_at", lang, link=link))
        c2.image(qr_png(link), width=360)


# --------------------------------------------------------------------------- the shell's hooks


def setup(page_id: str, lang: str) -> None:
    """Every page, before its controls read the URL: the class's URL keys, the sidebar box,
    a teacher's join panel, a student's banner (which follows the teacher)."""
    m = me()
    raw = st.query_params.get("class")
    teach = st.query_params.get("teach")
    for k in URL_KEYS:
        if k in st.query_params:
            del st.query_params[k]
    if raw is not None:
        join(raw)
    if teach in ("1", "true") and m.get("role") != "teacher":
        start()
    with st.sidebar:
        _sidebar(m, lang)
    if m.get("role") == "student" and m.get("attached") and m.get("seen") is None:
        _check(m)  # just joined or re-attached: go to the teacher now, not in a second
    err = _error_text(m, lang)
    if err:
        st.error(err, icon="🎓")
    if m.get("role") == "teacher" and m.get("show"):
        _join_panel(m, lang)
    elif m.get("role") == "student":
        _student_banner(m, lang)
    if m.get("role") != "student":  # left, or never joined: no look of this session is answered for it
        _WATCH.forget(viewer())


def publish_fragment() -> None:
    """The end of a fragment that changes the URL (the selected step's, `view.step_view`):
    when it ran alone (the teacher moved the step), the teacher's view goes to the store now;
    inside a full run the shell publishes once the page is done."""
    if role() == "teacher" and _alone():
        publish(st.session_state.get(keys.URL_PAGE, ""))


def publish(page_id: str) -> None:
    """A teacher's run has finished: their page, its URL query and the open poll, to the store."""
    m = st.session_state.get(keys.CLASS, {})
    if m.get("role") != "teacher" or not page_id:
        return
    query = {k: v for k, v in current_query().items() if k not in GLOBAL_KEYS and k not in URL_KEYS}
    question, revealed = poll_of(page_id)
    active = presets.active(page_id)
    try:
        store().publish(m["code"], m["secret"], page_id, query, question, revealed, active.id if active else None)
    except cs.ClassError as exc:
        if exc.reason in ("unknown", "forbidden"):
            m.update(role=None)
            _fail(m, "ended", m.get("code", ""))
        else:
            _fail(m, exc.reason, m.get("code", ""))
    except Exception:  # noqa: BLE001
        log.exception("class store failed")
        _fail(m, "store")
