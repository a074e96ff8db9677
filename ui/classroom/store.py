"""The class store: pure Python, no Streamlit (the Streamlit side is `ui.classroom.room`).

A class is a 6-character code, a teacher secret and the teacher's current view: the page,
its URL query (language-neutral control values, the selected step `k` among them), the open
question and whether it is revealed, with a version that grows whenever any of these change.
Students follow by reading that view; their answers to the open question are counted, one
per student session.  Only the teacher writes the view, and every write checks the secret
(`hmac.compare_digest`).  Nothing personal is kept: a student is a random session token.

Two implementations behind one interface (`ClassStore`): `MemoryStore`, one object per
server process, thread-safe (Streamlit Community Cloud runs one process), and `RedisStore`,
for several server processes sharing classes.  Both bound their memory: at most
`MAX_CLASSES` live classes of at most `MAX_STUDENTS` students, a query of at most
`MAX_QUERY_ITEMS` short values, answers only to questions the app declares.  A class expires
`TTL_S` seconds after the teacher was last seen.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("optimizer_lab.classroom")

# No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V.
ALPHABET = "ACEFGHJKMNPRTWXY34679"
CODE_LEN = 6
TTL_S = 3 * 3600.0  # a class ends 3 h after the teacher was last seen
MAX_CLASSES = 50
MAX_STUDENTS = 300
JOIN_LIMIT = 8  # join attempts per session ...
JOIN_WINDOW_S = 60.0  # ... per minute
MAX_RATE_SESSIONS = 5000  # sessions whose join attempts are remembered (the oldest are forgotten first)
MAX_QUERY_ITEMS = 40
MAX_VALUE_LEN = 200
MAX_KEY_LEN = 40
MAX_QUESTIONS = 40  # distinct questions polled in one class (the app declares fewer)
MAX_CHOICES = 4


class ClassError(Exception):
    """A refused operation; `reason` is a text-catalog suffix (`class_err_<reason>`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class View:
    """What the teacher shows, as students read it."""

    page: str = "home"
    query: dict[str, str] = field(default_factory=dict)
    question: str | None = None  # "page:id" of the open poll
    revealed: bool = False
    version: int = 0
    preset: str | None = None  # the preset the teacher applied last on this page: its "what to look for" too

    @property
    def step(self) -> int | None:
        """The selected step (the `k` of the URL), if the page has one."""
        raw = self.query.get("k")
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None


def normalize_code(raw: str) -> str:
    """What a student typed, as a code: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in str(raw).upper() if ch not in " -\t")


def valid_code(code: str) -> bool:
    return len(code) == CODE_LEN and all(ch in ALPHABET for ch in code)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))


def check_view(page: str, query: dict[str, str], question: str | None,
               preset: str | None = None) -> tuple[str, dict[str, str], str | None]:
    """Bound what a teacher publishes (a session's URL is untrusted input, too)."""
    if not isinstance(page, str) or not 0 < len(page) <= MAX_KEY_LEN:
        raise ClassError("bad_view")
    if len(query) > MAX_QUERY_ITEMS:
        raise ClassError("bad_view")
    clean = {}
    for k, v in query.items():
        k, v = str(k), str(v)
        if len(k) > MAX_KEY_LEN or len(v) > MAX_VALUE_LEN:
            raise ClassError("bad_view")
        clean[k] = v
    if question is not None and (not isinstance(question, str) or len(question) > 2 * MAX_KEY_LEN + 1):
        raise ClassError("bad_view")
    if preset is not None and (not isinstance(preset, str) or len(preset) > MAX_KEY_LEN):
        raise ClassError("bad_view")
    return page, clean, question


def _check_answer(question: str, choice: int) -> None:
    if not isinstance(question, str) or not 0 < len(question) <= 2 * MAX_KEY_LEN + 1:
        raise ClassError("bad_answer")
    if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < MAX_CHOICES:
        raise ClassError("bad_answer")


class ClassStore:
    """The interface both stores implement (`tests/classroom/test_store.py` runs the same
    tests against each)."""

    def watched(self, code: str) -> View | None:
        """The teacher's view as this process knows it without waiting on a network (asked on
        the server's event loop, for every student's look: `room.Watch`): the in-process store
        reads it; Redis answers from its `Mirror`.  LookupError when it is not known fresh."""
        raise NotImplementedError

    def create(self) -> tuple[str, str]:
        """A new class: (code, teacher secret).  ClassError("busy") at MAX_CLASSES."""
        raise NotImplementedError

    def publish(self, code: str, secret: str, page: str, query: dict[str, str], question: str | None = None,
                revealed: bool = False, preset: str | None = None) -> int:
        """The teacher's view; the version grows only when something changed.  Also marks
        the teacher as seen.  ClassError("forbidden") on a wrong secret, ("unknown") when
        the class does not exist (or expired)."""
        raise NotImplementedError

    def touch(self, code: str, secret: str) -> None:
        """The teacher is still there (keeps the class alive)."""
        raise NotImplementedError

    def view(self, code: str) -> View | None:
        """The teacher's view, or None when there is no such class (or it expired)."""
        raise NotImplementedError

    def join(self, code: str, session: str) -> View:
        """A student session joins (rate-limited per session; ClassError "rate", "unknown",
        "full").  Joining again is allowed and counts as one student."""
        raise NotImplementedError

    def answer(self, code: str, session: str, question: str, choice: int) -> bool:
        """A joined student's answer to the open, unrevealed question; False when this
        session already answered it (the first answer stays)."""
        raise NotImplementedError

    def counts(self, code: str, question: str) -> list[int]:
        """Answers per choice (MAX_CHOICES entries)."""
        raise NotImplementedError

    def my_answer(self, code: str, session: str, question: str) -> int | None:
        raise NotImplementedError

    def students(self, code: str) -> int:
        raise NotImplementedError

    def end(self, code: str, secret: str) -> None:
        raise NotImplementedError

    def live_classes(self) -> int:
        raise NotImplementedError


# --------------------------------------------------------------------------- in process


@dataclass
class _Class:
    secret: str
    seen: float
    view: View = field(default_factory=View)
    students: dict[str, int] = field(default_factory=dict)  # session → its seat (0, 1, …)
    answers: dict[str, bytearray] = field(default_factory=dict)  # question → per seat: 0 none, else choice + 1


class MemoryStore(ClassStore):
    """Classes in this process's memory, one lock around every operation."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._classes: dict[str, _Class] = {}
        self._joins: OrderedDict[str, deque[float]] = OrderedDict()

    # -- helpers (lock held) ------------------------------------------------------------
    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, k in self._classes.items() if now - k.seen > TTL_S]:
            del self._classes[code]

    def _get(self, code: str) -> _Class | None:
        self._expire()
        return self._classes.get(code)

    def _teacher(self, code: str, secret: str) -> _Class:
        k = self._get(code)
        if k is None:
            raise ClassError("unknown")
        if not hmac.compare_digest(k.secret.encode(), str(secret).encode()):
            raise ClassError("forbidden")
        return k

    def _rate(self, session: str) -> None:
        now = self._clock()
        q = self._joins.pop(session, None) or deque()
        while q and now - q[0] > JOIN_WINDOW_S:
            q.popleft()
        self._joins[session] = q  # most recent last
        if len(q) >= JOIN_LIMIT:
            raise ClassError("rate")
        q.append(now)
        while len(self._joins) > MAX_RATE_SESSIONS:
            self._joins.popitem(last=False)

    # -- interface ----------------------------------------------------------------------
    def create(self) -> tuple[str, str]:
        with self._lock:
            self._expire()
            if len(self._classes) >= MAX_CLASSES:
                raise ClassError("busy")
            code = new_code()
            while code in self._classes:
                code = new_code()
            secret = secrets.token_urlsafe(24)
            self._classes[code] = _Class(secret=secret, seen=self._clock())
            return code, secret

    def publish(self, code, secret, page, query, question=None, revealed=False, preset=None) -> int:
        page, query, question = check_view(page, query, question, preset)
        with self._lock:
            k = self._teacher(code, secret)
            k.seen = self._clock()
            v = k.view
            if (v.page, v.query, v.question, v.revealed, v.preset) != (page, query, question, bool(revealed), preset):
                k.view = View(page, query, question, bool(revealed), v.version + 1, preset)
            return k.view.version

    def touch(self, code, secret) -> None:
        with self._lock:
            self._teacher(code, secret).seen = self._clock()

    def view(self, code) -> View | None:
        with self._lock:
            k = self._get(code)
            return None if k is None else k.view

    def join(self, code, session) -> View:
        with self._lock:
            self._rate(session)
            k = self._get(code)
            if k is None:
                raise ClassError("unknown")
            if session not in k.students:
                if len(k.students) >= MAX_STUDENTS:
                    raise ClassError("full")
                k.students[session] = len(k.students)
            return k.view

    def answer(self, code, session, question, choice) -> bool:
        _check_answer(question, choice)
        with self._lock:
            k = self._get(code)
            if k is None:
                raise ClassError("unknown")
            if session not in k.students:
                raise ClassError("not_joined")
            if k.view.question != question or k.view.revealed:
                raise ClassError("closed")
            if question not in k.answers and len(k.answers) >= MAX_QUESTIONS:
                raise ClassError("closed")
            seats = k.answers.setdefault(question, bytearray(MAX_STUDENTS))
            seat = k.students[session]
            if seats[seat]:
                return False
            seats[seat] = choice + 1
            return True

    def counts(self, code, question) -> list[int]:
        with self._lock:
            k = self._get(code)
            seats = b"" if k is None else k.answers.get(question, b"")
            return [seats.count(choice + 1) for choice in range(MAX_CHOICES)]

    def my_answer(self, code, session, question) -> int | None:
        with self._lock:
            k = self._get(code)
            if k is None or session not in k.students or question not in k.answers:
                return None
            got = k.answers[question][k.students[session]]
            return got - 1 if got else None

    def students(self, code) -> int:
        with self._lock:
            k = self._get(code)
            return 0 if k is None else len(k.students)

    def watched(self, code) -> View | None:
        return self.view(code)

    def end(self, code, secret) -> None:
        with self._lock:
            self._teacher(code, secret)
            del self._classes[code]

    def live_classes(self) -> int:
        with self._lock:
            self._expire()
            return len(self._classes)


# --------------------------------------------------------------------------- a mirror of remote views

MIRROR_EVERY_S = 1.0  # the mirror reads its classes' views at least this often (a missed message, an expiry)
MIRROR_STALE_S = 3.0  # a view read longer ago than this is not known: the look reads the store itself
MIRROR_KEEP_S = 10.0  # a class no look asked about for this long is no longer read
MIRROR_WAKE_S = 0.5  # the thread looks whether it is asked to stop at least this often
MIRROR_MAX = 4 * MAX_CLASSES  # classes read at most (a code never joined is never asked about: this is a bound)


class Mirror:
    """The views of the classes that this process's students follow, kept in memory by one
    thread: read all at once (`read(codes)`, one round trip) when told that a view changed
    (`subscribe()`: the store's change messages) and at least every `every_s`.  A student's
    look, every second, then asks memory instead of the network (`view`): with Redis, sixty
    followers' looks were a run each, 3.2 ms of server CPU a second per student while the
    teacher talks (make load-class), and the looks that find the teacher moved could not
    become the follow itself.  A view the thread could not read for `stale_s` (the store is
    down, the thread is gone) is not known: the look runs and reads the store, as before.  The
    thread starts with the first question and ends when no class was asked about for `keep_s`."""

    def __init__(self, read: Callable[[list[str]], list[View | None]], subscribe: Callable[[], object] | None = None,
                 every_s: float = MIRROR_EVERY_S, stale_s: float = MIRROR_STALE_S, keep_s: float = MIRROR_KEEP_S,
                 clock: Callable[[], float] = time.monotonic, start: bool = True):
        self._read, self._subscribe = read, subscribe
        self._every_s, self._stale_s, self._keep_s = every_s, stale_s, keep_s
        self._clock = clock
        self._start = start  # False: no thread (a test calls `refresh`)
        self._lock = threading.Lock()
        self._asked: dict[str, float] = {}  # code → when a look last asked
        self._views: dict[str, tuple[View | None, float]] = {}  # code → (its view, when read)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def view(self, code: str) -> View | None:
        """The class's view as last read (None: no such class); LookupError when not known fresh."""
        now = self._clock()
        with self._lock:
            if code not in self._asked and len(self._asked) >= MIRROR_MAX:
                raise LookupError(code)
            self._asked[code] = now
            got = self._views.get(code)
            if self._start and (self._thread is None or not self._thread.is_alive()) and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="optlab-class-mirror", daemon=True)
                self._thread.start()
        if got is None or now - got[1] > self._stale_s:
            raise LookupError(code)
        return got[0]

    def refresh(self) -> bool:
        """One read of every class asked about within `keep_s`; False when none is left."""
        now = self._clock()
        with self._lock:
            for code in [c for c, t in self._asked.items() if now - t > self._keep_s]:
                del self._asked[code]
                self._views.pop(code, None)
            codes = list(self._asked)
        if not codes:
            return False
        views = self._read(codes)
        with self._lock:
            for code, view in zip(codes, views, strict=True):
                if code in self._asked:
                    self._views[code] = (view, now)  # the time before the read: never fresher than it was
        return True

    def _run(self) -> None:
        sub = None
        try:
            while not self._stop.is_set():
                try:
                    if not self.refresh():
                        with self._lock:
                            if not self._asked:  # nobody asks: the thread ends (the next question starts one)
                                self._thread = None
                                return
                        continue
                    if sub is None and self._subscribe is not None:
                        try:
                            sub = self._subscribe()
                        except Exception:  # noqa: BLE001 — no change messages (a proxy without pub/sub…): read every `every_s`
                            sub = None
                    deadline = time.monotonic() + self._every_s  # a real wait, whatever clock the views are dated by
                    while not self._stop.is_set() and (wait := deadline - time.monotonic()) > 0:
                        if sub is None:
                            self._stop.wait(wait)
                        elif sub.get_message(timeout=min(wait, MIRROR_WAKE_S)) is not None:
                            while sub.get_message(timeout=0.0) is not None:
                                pass  # the changes announced meanwhile: one read for all
                            break  # a view changed: read now
                except Exception:  # noqa: BLE001 — the store is down: the views go stale, the looks run and say so
                    if sub is not None:
                        _close(sub)
                        sub = None
                    self._stop.wait(self._every_s)
        finally:
            if sub is not None:
                _close(sub)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)


def _close(sub) -> None:
    try:
        sub.close()
    except Exception:  # noqa: BLE001 — closing a broken connection
        pass


# --------------------------------------------------------------------------- Redis

_PREFIX = "olab:"
_CHANGES = f"{_PREFIX}changed"  # the channel on which a class's code says its view changed


class RedisStore(ClassStore):
    """Classes in Redis, shared by every server process that uses the same URL.

    Keys: `olab:c:<code>` (hash: secret, seen, view JSON), `olab:c:<code>:s` (set of
    student sessions), `olab:c:<code>:a:<question>` (hash session → choice),
    `olab:c:<code>:q` (set of polled questions), `olab:live` (sorted set code → seen),
    `olab:j:<session>` (join attempts of the current minute).  Every class key carries a
    Redis expiry of TTL_S, renewed when the teacher is seen; reads also compare `seen` with
    the clock, so expiry does not depend on Redis's timer alone."""

    def __init__(self, url: str | None = None, client=None, clock: Callable[[], float] = time.time):
        if client is None:
            import redis

            client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.r = client
        self._clock = clock
        self.mirror = Mirror(self.views, self._changes)

    def _k(self, code: str, suffix: str = "") -> str:
        return f"{_PREFIX}c:{code}{suffix}"

    def _keys(self, code: str) -> list[str]:
        return [self._k(code), self._k(code, ":s"), self._k(code, ":q")]

    def _alive(self, code: str) -> dict | None:
        if not valid_code(code):
            return None
        h = self.r.hgetall(self._k(code))
        if not h:
            return None
        if self._clock() - float(h["seen"]) > TTL_S:
            self._drop(code)
            return None
        return h

    def _drop(self, code: str) -> None:
        questions = self.r.smembers(self._k(code, ":q"))
        self.r.delete(*self._keys(code), *(self._k(code, f":a:{q}") for q in questions))
        self.r.zrem(f"{_PREFIX}live", code)

    def _teacher(self, code: str, secret: str) -> dict:
        h = self._alive(code)
        if h is None:
            raise ClassError("unknown")
        if not hmac.compare_digest(h["secret"].encode(), str(secret).encode()):
            raise ClassError("forbidden")
        return h

    def _seen(self, code: str) -> None:
        now = self._clock()
        ttl = int(TTL_S) + 60
        pipe = self.r.pipeline()
        pipe.hset(self._k(code), "seen", repr(now))
        pipe.zadd(f"{_PREFIX}live", {code: now})
        for key in self._keys(code):
            pipe.expire(key, ttl)
        for q in self.r.smembers(self._k(code, ":q")):
            pipe.expire(self._k(code, f":a:{q}"), ttl)
        pipe.execute()

    @staticmethod
    def _view(h: dict) -> View:
        d = json.loads(h["view"])
        return View(d["page"], d["query"], d["question"], d["revealed"], d["version"], d.get("preset"))

    def create(self) -> tuple[str, str]:
        live = f"{_PREFIX}live"
        now = self._clock()
        for code in self.r.zrangebyscore(live, "-inf", now - TTL_S):
            self._drop(code)
        if self.r.zcard(live) >= MAX_CLASSES:
            raise ClassError("busy")
        secret = secrets.token_urlsafe(24)
        view = json.dumps(View().__dict__)
        while True:
            code = new_code()
            if self.r.hsetnx(self._k(code), "secret", secret):
                break
        self.r.hset(self._k(code), mapping={"view": view, "seen": repr(now)})
        self._seen(code)
        return code, secret

    def publish(self, code, secret, page, query, question=None, revealed=False, preset=None) -> int:
        page, query, question = check_view(page, query, question, preset)
        h = self._teacher(code, secret)
        v = self._view(h)
        if (v.page, v.query, v.question, v.revealed, v.preset) != (page, query, question, bool(revealed), preset):
            v = View(page, query, question, bool(revealed), v.version + 1, preset)
            self.r.hset(self._k(code), "view", json.dumps(v.__dict__))
            self._changed(code)
        self._seen(code)
        return v.version

    def touch(self, code, secret) -> None:
        self._teacher(code, secret)
        self._seen(code)

    def view(self, code) -> View | None:
        h = self._alive(code)
        return None if h is None else self._view(h)

    def views(self, codes: list[str]) -> list[View | None]:
        """The views of several classes, in one round trip (None: no such class, or expired; as
        `view` reads them, without dropping an expired class)."""
        pipe = self.r.pipeline(transaction=False)
        for code in codes:
            pipe.hmget(self._k(code), "view", "seen")
        now = self._clock()
        out: list[View | None] = []
        for code, (view, seen) in zip(codes, pipe.execute(), strict=True):
            try:
                alive = valid_code(code) and view is not None and seen is not None and now - float(seen) <= TTL_S
                out.append(self._view({"view": view}) if alive else None)
            except (ValueError, KeyError, TypeError):  # a damaged entry: that class alone is unknown
                out.append(None)
        return out

    def watched(self, code) -> View | None:
        return self.mirror.view(code)

    def _changes(self):
        """The messages that say a class's view changed (`publish`, `end`), for the mirror."""
        sub = self.r.pubsub(ignore_subscribe_messages=True)
        sub.subscribe(_CHANGES)
        return sub

    def _changed(self, code: str) -> None:
        """Announce that a class's view changed (best effort: the write is done, and every
        mirror reads its views again within `MIRROR_EVERY_S` anyway)."""
        try:
            self.r.publish(_CHANGES, code)
        except Exception:  # noqa: BLE001 — a store without pub/sub, or a dropped connection
            log.warning("could not announce a change of class %s", code, exc_info=True)

    def _rate(self, session: str) -> None:
        key = f"{_PREFIX}j:{session[:64]}"
        pipe = self.r.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(JOIN_WINDOW_S), nx=True)
        n, _ = pipe.execute()
        if n > JOIN_LIMIT:
            raise ClassError("rate")

    def join(self, code, session) -> View:
        self._rate(session)
        h = self._alive(code)
        if h is None:
            raise ClassError("unknown")
        skey = self._k(code, ":s")
        if not self.r.sismember(skey, session):
            if self.r.scard(skey) >= MAX_STUDENTS:
                raise ClassError("full")
            self.r.sadd(skey, session)
            self.r.expire(skey, int(TTL_S) + 60)
        return self._view(h)

    def answer(self, code, session, question, choice) -> bool:
        _check_answer(question, choice)
        h = self._alive(code)
        if h is None:
            raise ClassError("unknown")
        if not self.r.sismember(self._k(code, ":s"), session):
            raise ClassError("not_joined")
        v = self._view(h)
        if v.question != question or v.revealed:
            raise ClassError("closed")
        qkey = self._k(code, ":q")
        if not self.r.sismember(qkey, question) and self.r.scard(qkey) >= MAX_QUESTIONS:
            raise ClassError("closed")
        self.r.sadd(qkey, question)
        akey = self._k(code, f":a:{question}")
        added = bool(self.r.hsetnx(akey, session, str(choice)))
        self.r.expire(akey, int(TTL_S) + 60)
        return added

    def counts(self, code, question) -> list[int]:
        out = [0] * MAX_CHOICES
        if self._alive(code) is None:
            return out
        for choice in self.r.hvals(self._k(code, f":a:{question}")):
            out[int(choice)] += 1
        return out

    def my_answer(self, code, session, question) -> int | None:
        if self._alive(code) is None:
            return None
        got = self.r.hget(self._k(code, f":a:{question}"), session)
        return None if got is None else int(got)

    def students(self, code) -> int:
        return 0 if self._alive(code) is None else int(self.r.scard(self._k(code, ":s")))

    def end(self, code, secret) -> None:
        self._teacher(code, secret)
        self._drop(code)
        self._changed(code)

    def live_classes(self) -> int:
        live = f"{_PREFIX}live"
        for code in self.r.zrangebyscore(live, "-inf", self._clock() - TTL_S):
            self._drop(code)
        return int(self.r.zcard(live))
