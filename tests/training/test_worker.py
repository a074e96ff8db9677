"""A training in its own process gives the very record the in-process loop gives, reports
progress to the caller as it goes, and ends when the caller stops it — also when the stop
is an exception raised in the caller's progress callback (Streamlit's rerun/stop)."""

from __future__ import annotations

import dataclasses
import multiprocessing as mp

import numpy as np
import pytest

from optim_lab.training.presets import DEFAULT
from optim_lab.training.train import RunConfig, train_run
from optim_lab.training.worker import train_isolated

CFG = dataclasses.replace(DEFAULT.runs[0], epochs=2, samples=256)


def test_the_child_trains_the_same_run_bit_for_bit():
    here = train_run(CFG, evaluate_after=True)
    seen = []
    there = train_isolated(CFG, progress=lambda rec, k, total: seen.append((k, total, len(rec.epochs))))
    assert there.finished and not there.stopped
    assert there.batch_loss == here.batch_loss
    assert [dataclasses.astuple(e)[:-1] for e in there.epochs] == [dataclasses.astuple(e)[:-1] for e in here.epochs]
    assert there.state_dict.keys() == here.state_dict.keys()
    assert all(np.array_equal(there.state_dict[k], here.state_dict[k]) for k in here.state_dict)
    assert np.array_equal(there.evaluation.val_probs, here.evaluation.val_probs)  # step 6, computed in the child
    assert there.evaluation.pitfall == here.evaluation.pitfall
    assert seen and seen[-1] == (CFG.total_updates, CFG.total_updates, CFG.n_epochs)  # progress came as it went


LONG = dataclasses.replace(DEFAULT.runs[0], epochs=15, samples=1280)  # 300 updates: seconds of work left to stop


def test_should_stop_ends_the_child_with_a_stopped_record():
    """Asked for a stop from the start, the child stops long before its last update (it would need
    seconds to finish, the stop reaches it within one update)."""
    rec = train_isolated(LONG, should_stop=lambda: True)
    assert rec.stopped and not rec.finished
    assert rec.updates < LONG.total_updates // 2


class _Rerun(BaseException):
    """Stands for Streamlit's RerunException/StopException (BaseException, not Exception)."""


def test_an_exception_in_progress_ends_the_child_and_leaves_no_process():
    def progress(rec, k, total):
        raise _Rerun

    with pytest.raises(_Rerun):
        train_isolated(CFG, progress=progress)
    assert not [p for p in mp.active_children() if p.name == "optimizer-lab-job"]


def test_a_failure_in_the_child_is_raised_in_the_caller():
    bad = dataclasses.replace(CFG, epochs=10**6)  # refused by the bounds, which the child checks first
    with pytest.raises(ValueError):
        bad.checked()
    with pytest.raises(RuntimeError, match="ValueError"):
        train_isolated(bad)


def test_the_config_crosses_the_process_boundary_unchanged():
    assert RunConfig.from_dict(CFG.as_dict()).key() == CFG.key()


def test_the_child_runs_at_a_lower_priority_than_the_caller():
    """The pages' reruns come first: while it trains, the child's niceness (from /proc) is the caller's + NICE."""
    import os

    import optim_lab.training.worker as worker

    def nice_of(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return int(fh.read().rsplit(")", 1)[1].split()[16])
        except OSError:  # it has just ended
            return None

    seen = []

    def progress(rec, k, total):  # the first report comes with most of the run still to train
        seen.extend(n for p in mp.active_children() if p.name == "optimizer-lab-job"
                    if (n := nice_of(p.pid)) is not None)

    assert worker.NICE > 0
    mine = os.nice(0)
    train_isolated(LONG, progress=progress, should_stop=lambda: len(seen) > 0)
    assert seen and set(seen) == {min(mine + worker.NICE, 19)}
    assert os.nice(0) == mine  # the caller keeps its own
