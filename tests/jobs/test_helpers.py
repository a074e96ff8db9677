"""The helper processes (`optim_lab.jobs.Helpers`): a call is computed in another process and
answers what the caller would have computed; its failure is raised in the caller as it is; a
call that cannot go there (off, not yet ready, a local function) is computed by the caller; a
helper that dies fails its call and is replaced; `after` runs after every call."""

from __future__ import annotations

import os
import threading

import pytest

from optim_lab.jobs import Helpers
from tests import toys
from tests.toys import ready


@pytest.fixture(autouse=True)
def _helpers_for_real(monkeypatch):
    monkeypatch.delenv("OPTIM_LAB_HELPERS", raising=False)


@pytest.fixture
def helpers():
    h = Helpers(workers=1)
    h.enable(warm=("tests.toys",), after="tests.toys:forget")
    yield ready(h)
    h.stop()


def test_a_call_runs_in_a_helper_and_answers_as_the_caller_would(helpers):
    pid, sq = helpers.call(toys.where, 7)
    assert pid != os.getpid() and sq == 49
    assert helpers.call(toys.where, 7)[0] == pid  # the same process, kept: no start per call


def test_a_failure_is_raised_in_the_caller_as_it_is(helpers):
    with pytest.raises(ValueError, match="no thing") as info:
        helpers.call(toys.refuse, "thing")
    assert any("in a helper process" in n and "refuse" in n for n in info.value.__notes__)
    assert helpers.call(toys.where, 2)[1] == 4  # the helper goes on


def test_a_helper_that_dies_fails_its_call_and_the_next_call_gets_a_new_one(helpers):
    first = helpers.call(toys.where, 1)[0]
    with pytest.raises(RuntimeError, match="helper process ended.*exit code 3"):
        helpers.call(toys.end_process)
    assert helpers.counts()["ready"] == 0
    ready(helpers)
    assert helpers.call(toys.where, 1)[0] not in (first, os.getpid())


def test_after_runs_after_every_call(helpers):
    """`after` is `toys.forget`: each call finds nothing from the one before (a helper's caches
    are dropped the same way in the app)."""
    assert helpers.call(toys.remember, 1) == [1]
    assert helpers.call(toys.remember, 2) == [2]
    assert toys.SEEN == []  # … all of it in the helper


def test_what_cannot_go_to_a_helper_is_computed_by_the_caller(helpers):
    assert helpers.call(lambda x: (os.getpid(), x), 5) == (os.getpid(), 5)  # a local function does not pickle
    lock = threading.Lock()  # an argument that does not pickle
    try:
        assert helpers.call(toys.remember, lock) == [lock] and toys.SEEN == [lock]
    finally:
        toys.SEEN.clear()


def test_until_a_helper_is_ready_the_caller_computes():
    """The first call starts the helpers and is computed by its caller (the server's first
    moments: no page waits for a helper's imports)."""
    h = Helpers(workers=1)
    h.enable(warm=("tests.toys",))
    try:
        assert h.call(toys.where, 4) == (os.getpid(), 16)
        assert h.counts()["starting"] + h.counts()["ready"] == 1
        assert ready(h).call(toys.where, 4)[0] != os.getpid()
    finally:
        h.stop()


def test_off_or_inline_the_caller_computes(monkeypatch):
    h = Helpers(workers=1)
    assert h.call(toys.where, 3) == (os.getpid(), 9)  # never enabled
    h.enable()
    monkeypatch.setenv("OPTIM_LAB_HELPERS", "inline")
    assert h.call(toys.where, 3) == (os.getpid(), 9)
    assert h.counts() == {"ready": 0, "idle": 0, "starting": 0}  # and nothing was started


def test_calls_wait_for_a_free_helper(helpers):
    """One helper, four callers at once: each gets its own answer, all from the helper."""
    out: dict[int, tuple] = {}

    def ask(i):
        out[i] = helpers.call(toys.where, i)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert {i: sq for i, (_, sq) in out.items()} == {0: 0, 1: 1, 2: 4, 3: 9}
    assert {pid for pid, _ in out.values()} == {helpers.call(toys.where, 0)[0]}


def test_a_caller_waits_for_its_helper_inside_waiting(helpers):
    """`waiting()` wraps the wait for a helper and its answer (the page runs' scheduling: a run
    waiting here holds no interpreter lock); a call computed by the caller is not inside it."""
    import contextlib

    log = []

    @contextlib.contextmanager
    def waiting():
        log.append("in")
        yield
        log.append("out")

    helpers.waiting = waiting
    assert helpers.call(toys.where, 3)[1] == 9
    assert log == ["in", "out"]
    helpers.call(lambda: None)  # does not pickle: computed here, not waited for
    assert log == ["in", "out"]


def test_a_helper_whose_sources_changed_hands_the_call_back_and_is_replaced():
    """A source file the helper imported is written (a developer's edit, a deployment under a
    running server): its next call is computed by the caller, and the call after that by a new
    helper, with the code now on disk."""
    from pathlib import Path

    h = Helpers(workers=1)
    h.enable(warm=("tests.toys",), watch=str(Path(toys.__file__).parent))
    source = Path(toys.__file__)
    stat = source.stat()
    try:
        first = ready(h).call(toys.where, 2)[0]
        assert first != os.getpid()
        assert h.call(toys.where, 2)[0] == first  # nothing written: the same helper
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # written (its content as it was)
        assert h.call(toys.where, 2) == (os.getpid(), 4)  # handed back
        assert h.counts()["ready"] == 0
        assert ready(h).call(toys.where, 2)[0] not in (first, os.getpid())
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        h.stop()
