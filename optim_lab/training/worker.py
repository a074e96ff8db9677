"""A training as a job of the worker pool (`optim_lab.jobs`).

`train_task` is the task the pages submit to `optim_lab.jobs.POOL` (key: the run's canonical
config): it runs `train_run` in the pool's child process, reports the growing record after every
progress point and returns the finished (or stopped) record, step 6's evaluation included (a
forward pass per validation batch that the shared server need not pay for).  `train_isolated` is
the same task waited for by its caller (the command line's page-like runs, the benchmark).
"""

from __future__ import annotations

from collections.abc import Callable

from ..jobs import NICE, run_isolated  # noqa: F401 — NICE: the children's niceness, read by tests
from .train import RunConfig, RunRecord

TASK = "optim_lab.training.worker:train_task"


def train_task(args: dict, report, should_stop) -> RunRecord:
    """The pool's training job: `args` is `RunConfig.as_dict()`."""
    from .train import RunConfig, train_run

    return train_run(RunConfig.from_dict(args), progress=report, should_stop=should_stop, evaluate_after=True)


def train_isolated(cfg: RunConfig, progress: Callable[[RunRecord, int, int], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> RunRecord:
    """`train_run(cfg, progress, should_stop, evaluate_after=True)`, computed in a child process."""
    return run_isolated(TASK, cfg.as_dict(), progress=progress, should_stop=should_stop)
