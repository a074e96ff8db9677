"""Long work off the script run: one pool of worker processes for the whole server.

A Streamlit page can only move on when its script run ends, so anything that takes more than
a moment — a training, a view of a real network, a large map — is a *job* here.  A page asks
for it by key (`POOL.ask`), draws everything else at once, and polls the job's view from a
fragment until it is done; every session of the process asks the same pool, so a setting
computed for one student opens at once for the next (the shared cache), and two students
asking for the same setting share one job.

Each job runs in a child forked from a fork server that has imported torch and the training
code once (`FORKSERVER_PRELOAD`): a fork takes milliseconds where a fresh interpreter would
import torch for seconds, and a *process*, unlike a thread of the server, neither takes the
GIL from the pages nor runs at their priority (children are niced by `NICE`).  At most one
job runs per core (`workers`); the others wait in arrival order, and their place is shown.

What happens to a job nobody waits for: a queued job that no session has asked about for
`abandon_after` seconds is dropped (it would hold a core for nobody); a running job is
finished for the shared cache (a page's bounds keep it short), unless every session that
wanted it cancelled it (a stop button), in which case the child is told to stop and what it
reported last is kept as the cancelled job's partial result.

A task is "module:function", a top-level `fn(args, report, should_stop) -> result`.  It calls
`report(partial, k, total)` as it goes (sent to the server at most every `SEND_EVERY` seconds,
the last report of a run always) and asks `should_stop()` between steps; args, partials and
result are plain picklable data.  With `OPTIM_LAB_JOBS=inline` in the environment (tests whose
page runs under AppTest, where fragments never poll) a job runs synchronously inside `ask`.

Short work has its own lane, `HELPERS`: a few long-lived processes from the same fork server
that compute what a script run waits for (a setting's race, a chart's JSON, a live control's
data; tenths of a second each) off the server's interpreter lock, so that one student's new
setting does not stall every other session's run.  A job would be the wrong tool there: it
forks a child per job, and its workers may be busy training for minutes.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import multiprocessing as mp
import os
import pickle
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import popen_forkserver, spawn
from multiprocessing.connection import wait as wait_for_pipes
from multiprocessing.context import ForkServerProcess
from typing import Any

NICE = 10  # the children's niceness (the server's is 0): on a shared 2-core server a page's rerun comes first
SEND_EVERY = 0.5  # seconds between two progress reports a child sends (the pages redraw at most every second)
ABANDON_AFTER = 15.0  # seconds a queued job may go unasked before it is dropped
MAX_FINISHED = 64  # finished results kept (the shared cache), least recently asked dropped first
FORKSERVER_PRELOAD = ("optim_lab.training.preload",)
INLINE_ENV = "OPTIM_LAB_JOBS"
HELPERS_INLINE_ENV = "OPTIM_LAB_HELPERS"  # "inline": `Helpers.call` computes in its caller (tests under AppTest)
STATES = ("missing", "queued", "running", "done", "failed", "cancelled")


@dataclass(frozen=True)
class JobView:
    """What a page may know of a job at one moment."""

    key: str
    state: str  # one of STATES
    place: int = 0  # 1-based place in the queue while queued
    done: int = 0  # progress k, as last reported
    total: int = 0  # progress total, as last reported
    partial: Any = None  # the last payload the task reported
    result: Any = None  # the task's return value, once done
    error: str | None = None  # one line, when failed

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


@dataclass
class _Job:
    key: str
    task: str
    args: Any
    viewers: dict[str, float] = field(default_factory=dict)  # viewer → when it last asked
    state: str = "queued"
    done: int = 0
    total: int = 0
    partial: Any = None
    result: Any = None
    error: str | None = None
    proc: Any = None
    conn: Any = None
    stop: Any = None

    def view(self, place: int = 0) -> JobView:
        return JobView(self.key, self.state, place, self.done, self.total, self.partial, self.result, self.error)


def resolve(task: str) -> Callable:
    """The function a task names ("package.module:function")."""
    module, _, name = task.partition(":")
    if not module or not name:
        raise ValueError(f"task: {task!r} is not 'module:function'")
    return getattr(importlib.import_module(module), name)


def _reporter(send: Callable[[tuple], None], every: float = SEND_EVERY, clock: Callable[[], float] = time.monotonic):
    """report(partial, k, total) that sends at most every `every` seconds, and always the last
    report before the result (`flush`)."""
    last = [float("-inf")]
    held: list[tuple | None] = [None]

    def report(partial, k: int, total: int) -> None:
        now = clock()
        if now - last[0] >= every:
            last[0] = now
            held[0] = None
            send(("progress", partial, int(k), int(total)))
        else:
            held[0] = ("progress", partial, int(k), int(total))

    def flush() -> None:
        if held[0] is not None:
            send(held[0])
            held[0] = None

    return report, flush


def _as_the_server_computes() -> None:
    """A child's settings: lower priority than the server's page runs, and one torch thread (the
    server's own setting, so the numbers are the ones the server would compute)."""
    try:
        os.nice(NICE)
    except OSError:
        pass
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # a task without torch
        pass


def _child(task: str, args, conn, stop, every: float = SEND_EVERY) -> None:
    """A job's process (`_as_the_server_computes`): the task, its result back through the pipe."""
    _as_the_server_computes()
    report, flush = _reporter(conn.send, every)
    try:
        result = resolve(task)(args, report, stop.is_set)
        flush()
        conn.send(("stopped" if stop.is_set() else "done", result, 0, 0))
    except BaseException as exc:  # noqa: BLE001 — reported to the server, which shows it
        conn.send(("error", f"{type(exc).__name__}: {exc}", 0, 0))
    finally:
        conn.close()


_launch_lock = threading.Lock()


class _Popen(popen_forkserver.Popen):
    """A fork-server child that does not re-run the parent's `__main__`.  multiprocessing makes each
    child import the parent's main module first; in the server that is Streamlit's stand-in for the
    page script being run (and under AppTest a temporary file), so every job would first run a page
    in bare mode, or fail.  Our tasks are named by module, so the child needs no main module."""

    def _launch(self, process_obj):
        full = spawn.get_preparation_data

        def without_main(name):
            data = full(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        with _launch_lock:
            spawn.get_preparation_data = without_main
            try:
                super()._launch(process_obj)
            finally:
                spawn.get_preparation_data = full


class _Process(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


def _fork_server(preload: tuple[str, ...]):
    """The fork-server context (its server imports `preload` once, the first time a child starts)."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ctx


class Pool:
    """The server's jobs: queued, running (at most `workers`), finished (bounded LRU)."""

    def __init__(self, workers: int | None = None, max_finished: int = MAX_FINISHED, abandon_after: float = ABANDON_AFTER,
                 clock: Callable[[], float] = time.monotonic, preload: tuple[str, ...] = FORKSERVER_PRELOAD):
        self.workers = max(1, workers or len(os.sched_getaffinity(0)))
        self.max_finished = max_finished
        self.abandon_after = abandon_after
        self.clock = clock
        self.preload = preload
        self._cond = threading.Condition()
        self._queue: list[_Job] = []
        self._running: dict[str, _Job] = {}
        self._finished: OrderedDict[str, _Job] = OrderedDict()
        self._cancelled: OrderedDict[str, _Job] = OrderedDict()  # kept for their partial, a few
        self._ctx = None
        self._thread: threading.Thread | None = None

    # -- what pages call ---------------------------------------------------------------------
    def ask(self, key: str, task: str, args, viewer: str) -> JobView:
        """The job's view; submitted when it is new (or was cancelled).  Marks `viewer` as waiting."""
        if os.environ.get(INLINE_ENV) == "inline":
            return self._inline(key, task, args)
        with self._cond:
            job = self._find(key)
            if job is not None and job.state == "cancelled":
                self._cancelled.pop(key, None)
                job = None
            if job is None:
                job = _Job(key, task, args)
                self._queue.append(job)
                self._cond.notify_all()
            job.viewers[viewer] = self.clock()
            if job.state in ("done", "failed"):
                self._finished.move_to_end(key)
            view = job.view(self._place(job))
        self._ensure_thread()
        return view

    def peek(self, key: str) -> JobView:
        """The job's view, never submitting ("missing" when the pool does not know it)."""
        with self._cond:
            job = self._find(key)
            return JobView(key, "missing") if job is None else job.view(self._place(job))

    def cancel(self, key: str, viewer: str) -> None:
        """`viewer` no longer wants the job; it is stopped when nobody else does."""
        with self._cond:
            job = self._find(key)
            if job is None or job.state not in ("queued", "running"):
                return
            job.viewers.pop(viewer, None)
            if job.viewers:
                return
            if job.state == "queued":
                self._queue.remove(job)
                self._mark_cancelled(job)
            elif job.stop is not None:
                job.stop.set()  # the child ends at its next should_stop(); the scheduler files it
            else:  # its child is being started: told to stop as soon as it exists
                job.stop = threading.Event()
                job.stop.set()
            self._cond.notify_all()

    def wait(self, key: str, timeout: float | None = None) -> JobView:
        """Block until the job is finished (tests, the command line); its view."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                job = self._find(key)
                if job is None or job.state not in ("queued", "running"):
                    return JobView(key, "missing") if job is None else job.view()
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return job.view(self._place(job))
                self._cond.wait(0.2 if left is None else min(0.2, left))

    def counts(self) -> dict[str, int]:
        with self._cond:
            return {"queued": len(self._queue), "running": len(self._running), "finished": len(self._finished)}

    # -- inside ------------------------------------------------------------------------------
    def _find(self, key: str) -> _Job | None:
        if key in self._running:
            return self._running[key]
        if key in self._finished:
            return self._finished[key]
        for job in self._queue:
            if job.key == key:
                return job
        return self._cancelled.get(key)

    def _place(self, job: _Job) -> int:
        return self._queue.index(job) + 1 if job.state == "queued" and job in self._queue else 0

    def _file(self, job: _Job) -> None:
        self._finished[job.key] = job
        self._finished.move_to_end(job.key)
        while len(self._finished) > self.max_finished:
            self._finished.popitem(last=False)

    def _mark_cancelled(self, job: _Job) -> None:
        job.state = "cancelled"
        self._cancelled[job.key] = job
        while len(self._cancelled) > self.max_finished:
            self._cancelled.popitem(last=False)

    def _inline(self, key: str, task: str, args) -> JobView:
        with self._cond:
            job = self._finished.get(key)
            if job is not None:
                self._finished.move_to_end(key)
                return job.view()
        job = _Job(key, task, args, state="running")

        def report(partial, k, total):
            job.partial, job.done, job.total = partial, int(k), int(total)

        try:
            job.result = resolve(task)(args, report, lambda: False)
            job.state = "done"
        except Exception as exc:  # noqa: BLE001 — shown by the page, as a child's failure would be
            job.state, job.error = "failed", f"{type(exc).__name__}: {exc}".splitlines()[0]
        with self._cond:
            self._file(job)
        return job.view()

    def _context(self):
        if self._ctx is None:
            self._ctx = _fork_server(self.preload)
        return self._ctx

    def _ensure_thread(self) -> None:
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._loop, name="optimizer-lab-jobs", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        """The scheduler: drops abandoned queued jobs, starts jobs on free workers, reads the
        children's pipes and files finished jobs.  One thread for all of it; it sleeps in
        `wait` on the pipes, so it costs the server nothing while the children compute."""
        while True:
            with self._cond:
                now = self.clock()
                for job in list(self._queue):
                    if all(now - seen > self.abandon_after for seen in job.viewers.values()):
                        self._queue.remove(job)
                        self._mark_cancelled(job)
                        self._cond.notify_all()
                starting = []
                while self._queue and len(self._running) < self.workers:
                    job = self._queue.pop(0)
                    job.state = "running"
                    self._running[job.key] = job
                    starting.append(job)
                if starting:
                    self._cond.notify_all()
            for job in starting:  # outside the lock: the first start boots the fork server (seconds)
                self._start(job)
            with self._cond:
                conns = {job.conn: job for job in self._running.values() if job.conn is not None}
                if not conns and not self._queue:
                    self._cond.wait(1.0)
                    continue
            ready = wait_for_pipes(list(conns), timeout=0.25) if conns else []
            if not conns:
                time.sleep(0.25)  # queued jobs wait for their viewers' clock only
            for conn in ready:
                self._read(conns[conn])

    def _start(self, job: _Job) -> None:
        """Start a job's child (called without the lock; the job is already filed as running)."""
        ctx = self._context()
        mine, theirs = ctx.Pipe(duplex=False)
        stop = ctx.Event()
        proc = _Process(target=_child, args=(job.task, job.args, theirs, stop), daemon=True, name="optimizer-lab-job")
        proc.start()
        theirs.close()
        with self._cond:
            if job.stop is not None and job.stop.is_set():  # cancelled while it started
                stop.set()
            job.proc, job.conn, job.stop = proc, mine, stop

    def _read(self, job: _Job) -> None:
        try:
            kind, payload, k, total = job.conn.recv()
        except (EOFError, OSError):
            kind, payload = "error", f"the worker process ended without a result (exit code {job.proc.exitcode})"
            k = total = 0
        with self._cond:
            if kind == "progress":
                job.partial, job.done, job.total = payload, k, total
                self._cond.notify_all()
                return
            if kind == "done":
                job.result, job.state = payload, "done"
                self._file(job)
            elif kind == "stopped":
                job.partial = payload
                self._mark_cancelled(job)
            else:
                job.error, job.state = str(payload).splitlines()[0] if payload else "error", "failed"
                self._file(job)
            self._running.pop(job.key, None)
            self._cond.notify_all()
        job.conn.close()
        job.proc.join(5.0)
        if job.proc.is_alive():
            job.proc.kill()
            job.proc.join()
        job.conn = job.proc = job.stop = None


POOL = Pool()


# -- helpers: short work off the server's interpreter lock ------------------------------------------
_in_helper = False  # True inside a helper process: its calls run there, never in a helper of its own


class _Sources:
    """The files of the modules a process has imported from under `root` (not installed
    packages), with their modification times: `changed()` says whether any was written since
    (a developer's edit, a deployment that updates the files under a running server)."""

    def __init__(self, root: str):
        self.root = os.path.join(os.path.abspath(root), "")
        self.seen: dict[str, float] = {}
        self.changed()

    def _ours(self):
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path and path.startswith(self.root) and "site-packages" not in path:
                yield path

    def changed(self) -> bool:
        for path in self._ours():
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                return True
            if self.seen.setdefault(path, mtime) != mtime:
                return True
        return False


def _helper(conn, warm: tuple[str, ...], setup: str | None, after: str | None, watch: str | None) -> None:
    """A helper process (`_as_the_server_computes`): `setup()` run and `warm` imported, then
    calls — each followed by `after()` — until the server goes, or until a source file under
    `watch` has changed: then it answers "stale" and ends (the server imports the new code on
    its next run; a helper that went on would compute with the old)."""
    global _in_helper
    _in_helper = True
    _as_the_server_computes()
    if setup:
        resolve(setup)()
    for name in warm:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()  # what it imported never becomes garbage: each call's collection walks only what calls make
    done = resolve(after) if after else None
    sources = _Sources(watch) if watch else None
    conn.send(("ready", None))
    while True:
        try:
            blob = conn.recv_bytes()
        except (EOFError, OSError):  # the server has gone
            return
        if sources is not None and sources.changed():
            conn.send(("stale", None))
            return
        fn = args = None
        try:
            fn, args = pickle.loads(blob)
            answer = ("ok", fn(*args))
        except Exception as exc:  # noqa: BLE001 — raised again in the caller
            exc.add_note("in a helper process:\n" + traceback.format_exc())
            answer = ("error", exc)
        try:
            conn.send(answer)
        except Exception as exc:  # noqa: BLE001 — an answer that does not pickle
            conn.send(("error", RuntimeError(f"a helper's answer could not be sent back: {type(exc).__name__}: {exc}")))
        del answer, fn, args, blob
        if done is not None:  # after the answer: the caller does not wait for it
            done()


@dataclass(eq=False)
class _Helper:
    proc: Any
    conn: Any


class Helpers:
    """A few long-lived processes (one per core) that run short work for a script run that
    waits for it: `call(fn, *args)` is `fn(*args)`, computed in a helper.  The server runs
    Python on one core at a time (its interpreter lock); what a page builds for a setting no
    session has asked for yet — a race, a chart's JSON, a live control's family — holds that
    lock for a tenth of a second or more, and every other session's run waits meanwhile.  In
    a helper it runs on the other core, and the waiting script thread holds nothing.

    Off until `enable()` (the app's pages call it; tests, the command line and job children
    compute in their own process), and with `OPTIM_LAB_HELPERS=inline`.  Until the first helper
    is ready (the server's first seconds: a helper imports plotly and the app's figure code
    once), and for arguments that do not pickle, the call runs in the caller.  A helper that
    dies in a call makes the call raise RuntimeError; the next call starts a new one."""

    def __init__(self, workers: int | None = None, preload: tuple[str, ...] = FORKSERVER_PRELOAD):
        self.workers = max(1, workers or len(os.sched_getaffinity(0)))
        self.preload = preload
        self.warm: tuple[str, ...] = ()
        self.setup: str | None = None
        self.after: str | None = None
        self.watch: str | None = None
        self.waiting: Callable[[], Any] = contextlib.nullcontext  # a context the caller waits in
        self.enabled = False
        self._cond = threading.Condition()
        self._idle: list[_Helper] = []
        self._ready = 0  # helpers started and not lost (idle or busy)
        self._starting = 0
        self._broken: str | None = None  # why helpers could not start: every call runs in its caller

    def enable(self, warm: tuple[str, ...] = (), setup: str | None = None, after: str | None = None,
               waiting: Callable[[], Any] | None = None, watch: str | None = None) -> None:
        """Compute calls in helpers from now on.  Each helper imports the modules `warm` names
        (what its first calls would import) after the task `setup` ("module:function", no
        arguments), and runs the task `after` after every call (what a call leaves
        behind that the helper should not keep).  A caller waits for a helper and its answer
        inside `waiting()` (a context manager: the server's scheduling of page runs).  With
        `watch` (a directory), a helper whose imported sources under it have changed on disk
        hands its call back to the caller and is replaced by one with the new code."""
        with self._cond:
            self.enabled, self.warm, self.setup, self.after = True, tuple(warm), setup, after
            self.waiting = waiting or contextlib.nullcontext
            self.watch = watch

    def call(self, fn: Callable, *args):
        if not self.enabled or _in_helper or os.environ.get(HELPERS_INLINE_ENV) == "inline":
            return fn(*args)
        try:
            blob = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):  # a local function, an open handle…
            return fn(*args)
        with self.waiting():
            helper = self._take()
            if helper is None:
                kind = None
            else:
                try:
                    helper.conn.send_bytes(blob)
                    kind, payload = helper.conn.recv()
                except (EOFError, OSError) as exc:
                    self._lose(helper)
                    raise RuntimeError(f"a helper process ended during the call (exit code {helper.proc.exitcode})") from exc
                except BaseException:  # interrupted mid-call: the helper's answer would be read by the next caller
                    self._lose(helper)
                    raise
                if kind == "stale":  # it has ended: the next call starts one with the new code
                    self._lose(helper)
                    kind = None
                else:
                    self._give_back(helper)
        if kind is None:  # no helper ready yet, or the one taken was stale
            return fn(*args)
        if kind == "error":
            raise payload
        return payload

    def counts(self) -> dict[str, int]:
        with self._cond:
            return {"ready": self._ready, "idle": len(self._idle), "starting": self._starting}

    def stop(self) -> None:
        """End every idle helper (tests); busy ones end when their caller gives them back."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._ready -= len(idle)
            self.enabled = False
        for h in idle:
            self._end(h)

    # -- inside ------------------------------------------------------------------------------
    def _take(self) -> _Helper | None:
        with self._cond:
            missing = self.workers - self._ready - self._starting
            if missing > 0 and self._broken is None:
                self._starting += missing
                threading.Thread(target=self._start, args=(missing,), name="optimizer-lab-helpers", daemon=True).start()
            while not self._idle:
                if self._ready == 0:  # none ready yet (or none can start): the caller computes
                    return None
                self._cond.wait()
            return self._idle.pop()

    def _give_back(self, helper: _Helper) -> None:
        with self._cond:
            if self.enabled:
                self._idle.append(helper)
                self._cond.notify()
                return
            self._ready -= 1
        self._end(helper)

    def _lose(self, helper: _Helper) -> None:
        with self._cond:
            self._ready -= 1
            self._cond.notify_all()
        self._end(helper)

    @staticmethod
    def _end(helper: _Helper) -> None:
        helper.conn.close()
        helper.proc.join(1.0)
        if helper.proc.is_alive():
            helper.proc.kill()
            helper.proc.join()

    def _start(self, n: int) -> None:
        for _ in range(n):
            proc = mine = None
            try:
                ctx = _fork_server(self.preload)
                mine, theirs = ctx.Pipe(duplex=True)
                proc = _Process(target=_helper, args=(theirs, self.warm, self.setup, self.after, self.watch), daemon=True,
                                name="optimizer-lab-helper")
                proc.start()
                theirs.close()
                kind, _ = mine.recv()  # "ready" once its imports are done
                if kind != "ready":
                    raise RuntimeError(f"a helper said {kind!r} instead of 'ready'")
            except Exception as exc:  # noqa: BLE001 — the server goes on, computing in its script runs
                logging.getLogger(__name__).warning("a helper process could not start (%s: %s): computing in the script runs",
                                                    type(exc).__name__, exc)
                if proc is not None and proc.pid is not None:  # started, then failed
                    self._end(_Helper(proc, mine))
                with self._cond:
                    self._starting -= 1
                    self._broken = f"{type(exc).__name__}: {exc}"
                    self._cond.notify_all()
                continue
            helper = _Helper(proc, mine)
            with self._cond:
                self._starting -= 1
                if self.enabled:
                    self._ready += 1
                    self._idle.append(helper)
                    self._cond.notify()
                    continue
            self._end(helper)  # stopped while it started


HELPERS = Helpers()


def run_isolated(task: str, args, progress: Callable[[Any, int, int], None] | None = None,
                 should_stop: Callable[[], bool] | None = None, preload: tuple[str, ...] = FORKSERVER_PRELOAD,
                 poll: float = 0.05):
    """One task in a child process, waited for by the caller (the command line, the benchmark):
    `progress(partial, k, total)` runs in the caller's thread, `should_stop()` is passed on; an
    exception raised in `progress` ends the child too; every report reaches `progress` (the caller
    waits for them).  Raises the child's failure as RuntimeError."""
    ctx = _fork_server(preload)
    mine, theirs = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    proc = _Process(target=_child, args=(task, args, theirs, stop, 0.0), daemon=True, name="optimizer-lab-job")
    proc.start()
    theirs.close()
    try:
        while True:
            if should_stop is not None and not stop.is_set() and should_stop():
                stop.set()
            if not mine.poll(poll):
                if not proc.is_alive() and not mine.poll():
                    raise RuntimeError(f"the worker process ended without a result (exit code {proc.exitcode})")
                continue
            try:
                kind, payload, k, total = mine.recv()
            except EOFError:
                raise RuntimeError(f"the worker process ended without a result (exit code {proc.exitcode})") from None
            if kind in ("done", "stopped"):
                return payload
            if kind == "error":
                raise RuntimeError(payload)
            if progress is not None:
                progress(payload, k, total)
    finally:
        stop.set()
        deadline = time.monotonic() + 5.0
        while proc.is_alive() and time.monotonic() < deadline:
            try:  # read what it still sends: a child blocked on a full pipe would never see the stop
                if mine.poll(0.05):
                    mine.recv()
            except (EOFError, OSError):
                proc.join(0.05)
        if proc.is_alive():
            proc.kill()
        proc.join()
        mine.close()
