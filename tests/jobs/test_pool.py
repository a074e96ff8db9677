"""The worker pool: jobs run in child processes, are shared by key, queue in order, are
dropped when nobody waits for them while queued, and stop when every viewer cancels them."""

from __future__ import annotations

import threading

import pytest

from optim_lab.jobs import Pool, resolve, run_isolated

COUNT, HOLD, FAIL = "tests.toys:count_task", "tests.toys:hold_task", "tests.toys:fail_task"


@pytest.fixture(autouse=True)
def _pool_for_real(monkeypatch):
    monkeypatch.delenv("OPTIM_LAB_JOBS", raising=False)


class Clock:
    """The pool's clock, moved by the test: abandonment without waiting for real seconds."""

    def __init__(self):
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            return self.now


def wait_state(pool, key, states):
    """Wait until the job is in one of `states` (the pool's condition is notified on every change)."""
    for _ in range(600):
        v = pool.peek(key)
        if v.state in states:
            return v
        with pool._cond:
            pool._cond.wait(0.1)
    raise AssertionError(f"{key} never reached {states}: {pool.peek(key)}")


def test_a_job_runs_in_a_child_and_its_result_is_kept():
    pool = Pool(workers=1)
    v = pool.ask("sum-5", COUNT, {"n": 5}, "me")
    assert v.state in ("queued", "running")
    done = pool.wait("sum-5", timeout=60)
    assert done.state == "done" and done.result == 15
    assert done.done == 5 and done.total == 5  # the last report always arrives
    again = pool.ask("sum-5", COUNT, {"n": 5}, "someone-else")  # the shared cache: no second job
    assert again.state == "done" and again.result == 15
    assert pool.counts() == {"queued": 0, "running": 0, "finished": 1}


def test_two_sessions_asking_one_setting_share_one_job_and_later_jobs_queue_in_order():
    pool = Pool(workers=1)
    pool.ask("hold", HOLD, {}, "a")
    wait_state(pool, "hold", {"running"})
    assert pool.ask("hold", HOLD, {}, "b").state == "running"  # b follows a's job
    assert pool.ask("x", COUNT, {"n": 2}, "c").place == 1
    assert pool.ask("y", COUNT, {"n": 3}, "d").place == 2
    assert pool.counts()["running"] == 1
    pool.cancel("hold", "a")  # b still wants it: it runs on
    assert pool.peek("hold").state == "running"
    pool.cancel("hold", "b")  # nobody does: it stops, what it reported is kept
    stopped = wait_state(pool, "hold", {"cancelled"})
    assert stopped.partial == {"stopped": True}
    assert pool.wait("x", timeout=60).result == 3 and pool.wait("y", timeout=60).result == 6


def test_a_queued_job_nobody_asks_about_is_dropped_a_running_one_is_finished():
    clock = Clock()
    pool = Pool(workers=1, abandon_after=15.0, clock=clock)
    pool.ask("hold", HOLD, {}, "a")
    wait_state(pool, "hold", {"running"})
    pool.ask("late", COUNT, {"n": 2}, "b")
    with clock.lock:
        clock.now = 10.0
    pool.ask("late", COUNT, {"n": 2}, "b")  # b still waits at t = 10
    with clock.lock:
        clock.now = 20.0
    assert pool.peek("late").state == "queued"  # asked 10 s ago: kept
    with clock.lock:
        clock.now = 30.0  # 20 s without a question
    assert wait_state(pool, "late", {"cancelled"}).state == "cancelled"
    assert pool.peek("hold").state == "running"  # the running one is not dropped for silence
    pool.cancel("hold", "a")
    wait_state(pool, "hold", {"cancelled"})
    assert pool.ask("late", COUNT, {"n": 2}, "c").state in ("queued", "running")  # asked again: submitted again
    assert pool.wait("late", timeout=60).result == 3


def test_a_failure_is_one_line_and_is_not_retried_by_each_poll():
    pool = Pool(workers=1)
    pool.ask("bad", FAIL, {}, "me")
    v = pool.wait("bad", timeout=60)
    assert v.state == "failed" and v.error == "ValueError: no such thing"
    assert pool.ask("bad", FAIL, {}, "me").state == "failed"


def test_finished_results_are_bounded():
    pool = Pool(workers=2, max_finished=2)
    for n in (1, 2, 3):
        pool.ask(f"n{n}", COUNT, {"n": n}, "me")
        pool.wait(f"n{n}", timeout=60)
    assert pool.peek("n1").state == "missing" and pool.peek("n3").result == 6


def test_inline_mode_computes_inside_ask(monkeypatch):
    monkeypatch.setenv("OPTIM_LAB_JOBS", "inline")
    pool = Pool(workers=1)
    v = pool.ask("sum-4", COUNT, {"n": 4}, "me")
    assert v.state == "done" and v.result == 10 and v.partial == {"k": 4}
    assert pool.ask("bad", FAIL, {}, "me").error == "ValueError: no such thing"


def test_run_isolated_reports_and_returns():
    seen = []
    assert run_isolated(COUNT, {"n": 3}, progress=lambda p, k, n: seen.append((k, n))) == 6
    assert seen[-1] == (3, 3)
    with pytest.raises(RuntimeError, match="ValueError: no such thing"):
        run_isolated(FAIL, {})


def test_a_task_name_is_module_colon_function():
    assert resolve(COUNT).__name__ == "count_task"
    with pytest.raises(ValueError):
        resolve("tests.toys.count_task")


def test_reports_are_thinned_but_the_last_one_always_arrives():
    from optim_lab.jobs import _reporter

    sent, now = [], [0.0]
    report, flush = _reporter(sent.append, every=0.5, clock=lambda: now[0])
    for k in range(1, 11):  # ten reports, 0.1 s apart
        report(k, k, 10)
        now[0] += 0.1
    flush()
    assert [m[2] for m in sent] == [1, 6, 10]  # the first, one every 0.5 s, and the last
    flush()
    assert len(sent) == 3  # nothing held twice
