"""One process, a whole class: finished runs are shared, running ones are followed.

`JOBS.run(cfg, ...)` returns a finished run from a bounded cache when any session has
trained these exact settings before; when another session is training them right
now it follows that run's progress instead of starting a second one; otherwise it
waits for one of the process-wide slots (at most one training per core,
`optim_lab.training.train.SLOTS`) and trains — in a child process
(`optim_lab.training.worker`), so that a training does not take the GIL from every other
student's page.  No Streamlit here: the page passes
callbacks that draw, and Streamlit's own rerun/stop exceptions raised in them leave
cleanly (the slot is freed, followers take over).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from optim_lab.training.train import SLOTS, RunConfig, RunRecord, Slots
from optim_lab.training.worker import train_isolated

run_training = train_isolated  # `train_run`'s signature; a test may put a wrapper here
MAX_FINISHED = 64  # a run is a few hundred kB at most (the state dict); 64 cover a class's presets


@dataclass
class _Job:
    record: RunRecord | None = None
    done: threading.Event = field(default_factory=threading.Event)
    result: RunRecord | None = None


class Jobs:
    def __init__(self, slots: Slots = SLOTS, max_finished: int = MAX_FINISHED):
        self.slots = slots
        self.max_finished = max_finished
        self._lock = threading.Lock()
        self._finished: OrderedDict[str, RunRecord] = OrderedDict()
        self._running: dict[str, _Job] = {}

    def finished(self, key: str) -> RunRecord | None:
        with self._lock:
            rec = self._finished.get(key)
            if rec is not None:
                self._finished.move_to_end(key)
            return rec

    def running(self, key: str) -> RunRecord | None:
        with self._lock:
            job = self._running.get(key)
            return job.record if job else None

    def _store(self, key: str, rec: RunRecord) -> None:
        with self._lock:
            self._finished[key] = rec
            self._finished.move_to_end(key)
            while len(self._finished) > self.max_finished:
                self._finished.popitem(last=False)

    def run(self, cfg: RunConfig, progress: Callable[[RunRecord, int, int], None] | None = None,
            wait: Callable[[int], None] | None = None, follow: Callable[[RunRecord | None], None] | None = None,
            should_stop: Callable[[], bool] | None = None, poll: float = 0.25) -> tuple[RunRecord, str]:
        """(record, how): how is "cached", "followed" or "trained"."""
        key = cfg.key()
        while True:
            with self._lock:
                rec = self._finished.get(key)
                if rec is not None:
                    self._finished.move_to_end(key)
                    return rec, "cached"
                job = self._running.get(key)
                owner = job is None
                if owner:
                    job = self._running[key] = _Job()
            if owner:
                return self._train(key, cfg, job, progress, wait, should_stop), "trained"
            while not job.done.wait(poll):
                if follow is not None:
                    follow(job.record)
            if job.result is not None and job.result.finished:
                return job.result, "followed"
            # the owner stopped or left: take over (loop)

    def _train(self, key, cfg, job: _Job, progress, wait, should_stop) -> RunRecord:
        def on_progress(rec, k, total):
            job.record = rec
            if progress is not None:
                progress(rec, k, total)

        try:
            with self.slots.slot(wait=wait):
                rec = run_training(cfg, progress=on_progress, should_stop=should_stop)
            job.record = rec
            if rec.finished:
                self._store(key, rec)
                job.result = rec
            return rec
        finally:
            with self._lock:
                self._running.pop(key, None)
            job.done.set()


JOBS = Jobs()
