"""A training task for the lab's tests of the worker pool: top-level, so a pool child imports it."""

from __future__ import annotations

import dataclasses
import time


def one_epoch_then_hold(args, report, should_stop):
    """Trains the run's first epoch for real, reports it, then holds its worker until it is told
    to stop (or a minute has passed): a run that is certainly still training when a test stops it."""
    from optim_lab.training.train import RunConfig, train_run

    cfg = RunConfig.from_dict(args)
    rec = train_run(dataclasses.replace(cfg, epochs=1))
    rec.config, rec.finished = cfg, False
    report(rec, rec.updates, cfg.total_updates)
    for _ in range(6000):
        if should_stop():
            break
        time.sleep(0.01)
    rec.stopped = True
    return rec
