"""A class at once: finished runs are shared, a run in progress is followed rather than
started twice, at most `n` trainings hold a slot and the others wait in order, and a
session that leaves mid-run (an exception in its callback) frees its slot and its run."""

from __future__ import annotations

import threading

import pytest

from optim_lab.engine import Racer
from optim_lab.training.models import ModelConfig
from optim_lab.training.train import RunConfig, Slots
from ui.sections.training_lab.jobs import Jobs


def _cfg(seed: int) -> RunConfig:
    return RunConfig(model=ModelConfig(width=4, blocks=1), racer=Racer("adam"), samples=40, batch_size=8, epochs=2,
                     seed=seed)


def test_second_session_follows_the_first_and_then_hits_the_cache():
    jobs = Jobs(Slots(2))
    started, release = threading.Event(), threading.Event()
    out = {}

    def slow_progress(rec, k, total):
        started.set()
        release.wait(10)

    def first():
        out["first"] = jobs.run(_cfg(101), progress=slow_progress)

    th = threading.Thread(target=first)
    th.start()
    assert started.wait(30)
    followed = []
    t2 = threading.Thread(target=lambda: out.setdefault("second", jobs.run(_cfg(101), follow=followed.append, poll=0.01)))
    t2.start()
    while not followed:
        t2.join(0.01)
    release.set()
    th.join(30)
    t2.join(30)
    assert out["first"][1] == "trained" and out["second"][1] == "followed"
    assert out["second"][0] is out["first"][0]
    assert jobs.run(_cfg(101))[1] == "cached"


def test_one_slot_means_the_next_one_waits_its_turn():
    jobs = Jobs(Slots(1))
    inside, release = threading.Event(), threading.Event()
    places = []

    def hold(rec, k, total):
        inside.set()
        release.wait(10)

    th = threading.Thread(target=lambda: jobs.run(_cfg(201), progress=hold))
    th.start()
    assert inside.wait(30)

    def wait(place):
        places.append(place)
        release.set()  # let the first one finish once we have seen our place

    rec, how = jobs.run(_cfg(202), wait=wait)
    th.join(30)
    assert how == "trained" and places and places[0] == 1
    assert jobs.slots.running == 0


def test_a_session_that_leaves_frees_its_slot_and_a_follower_takes_over():
    jobs = Jobs(Slots(1))

    class Left(Exception):
        pass

    def leave(rec, k, total):
        raise Left

    with pytest.raises(Left):
        jobs.run(_cfg(301), progress=leave)
    assert jobs.slots.running == 0 and jobs.running(_cfg(301).key()) is None
    rec, how = jobs.run(_cfg(301))
    assert how == "trained" and rec.finished


def test_the_cache_is_bounded():
    jobs = Jobs(Slots(1), max_finished=2)
    for s in (401, 402, 403):
        jobs.run(_cfg(s))
    assert jobs.finished(_cfg(401).key()) is None and jobs.finished(_cfg(403).key()) is not None


def test_should_stop_ends_a_run_between_updates():
    jobs = Jobs(Slots(1))
    rec, how = jobs.run(_cfg(501), should_stop=lambda: True)
    assert rec.stopped and not rec.finished and rec.updates == 0
    assert jobs.finished(_cfg(501).key()) is None  # a stopped run is never shared as finished
