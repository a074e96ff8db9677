"""One training in its own process, reported back as it goes.

A class shares one server process.  A training of the lab is many small torch calls whose
Python between them holds the GIL, so a training *thread* of that process takes the GIL
from every page of every student (measured with `make load`: the 2-D pages' p95 went from
1.65 s to 3.93 s while two trainings ran, and the second training thread added only ~0.1
of a core).  Here `train_isolated` runs `train_run` in a child forked from a fork server
that has imported torch and the training code once (a fork of that single-threaded server
is safe and takes milliseconds, where a fresh interpreter would import torch for seconds).
The child sends its record after every progress point; the caller's `progress` runs in the
caller's thread, so a page draws exactly as before, and a Streamlit stop raised there ends
the child.  `should_stop()` is asked by the caller and passed on through an event, which
the child reads between updates (`train_run`'s own check).  The child runs at a lower
priority (`NICE`), so that on a shared 2-core server the pages' reruns come first.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable

from .train import RunConfig, RunRecord

NICE = 10  # the training children's niceness (0 is the server's): a process, unlike a thread, can be given one
_lock = threading.Lock()
_ctx = None


def _context():
    global _ctx
    with _lock:
        if _ctx is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["optim_lab.training.preload"])
            _ctx = ctx
        return _ctx


def _child(config: dict, conn, stop) -> None:
    import torch

    from .train import RunConfig, train_run

    torch.set_num_threads(1)  # as the server's own threads: one intra-op thread, the same float results
    try:  # a training uses the cores the pages leave idle: a page's rerun is scheduled first
        os.nice(NICE)
    except OSError:
        pass

    def progress(rec: RunRecord, k: int, total: int) -> None:
        conn.send(("progress", rec, k, total))

    try:
        rec = train_run(RunConfig.from_dict(config), progress=progress, should_stop=stop.is_set, evaluate_after=True)
        conn.send(("done", rec, 0, 0))
    except BaseException as exc:  # noqa: BLE001 — reported to the caller, who raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}", 0, 0))
    finally:
        conn.close()


def train_isolated(cfg: RunConfig, progress: Callable[[RunRecord, int, int], None] | None = None,
                   should_stop: Callable[[], bool] | None = None, poll: float = 0.05) -> RunRecord:
    """`train_run(cfg, progress, should_stop, evaluate_after=True)`, computed in a child process
    (the evaluation too: it is a forward pass per validation batch that a page need not pay for)."""
    ctx = _context()
    mine, theirs = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    proc = ctx.Process(target=_child, args=(cfg.as_dict(), theirs, stop), daemon=True, name="optimizer-lab-training")
    proc.start()
    theirs.close()
    try:
        while True:
            if should_stop is not None and not stop.is_set() and should_stop():
                stop.set()
            if not mine.poll(poll):
                if not proc.is_alive() and not mine.poll():
                    raise RuntimeError(f"the training process ended without a result (exit code {proc.exitcode})")
                continue
            try:
                kind, rec, k, total = mine.recv()
            except EOFError:
                raise RuntimeError(f"the training process ended without a result (exit code {proc.exitcode})") from None
            if kind == "done":
                return rec
            if kind == "error":
                raise RuntimeError(rec)
            if progress is not None:
                progress(rec, k, total)
    finally:
        stop.set()  # a stop raised in `progress` (a rerun, a new setting, leaving the page) ends the child too
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
