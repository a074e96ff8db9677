"""The pages' short work in helper processes (`jobs.HELPERS`): a setting's race, its charts'
JSON, its live controls' data and its surface's critical points.  Every page that sends work there is opened here with each
call computed both in the script run and in a real helper: the answers must be the same to
the byte (the numbers on screen do not depend on where they were computed), and each kind of
work must have gone there."""

from __future__ import annotations

import importlib
import pickle

import pytest

from optim_lab import jobs
from tests import apptest
from tests.toys import ready
from ui import shell
from ui.common import compute, live, view

PAGES = {  # (page, its link) → the work it must send to a helper (a live control's data: `live.built`)
    ("adaptive-lr", ""): {compute.raced, view.chart_text, live.built},
    ("lr-schedule", ""): {compute.raced, view.chart_text, live.built},
    ("playground", ""): {compute.raced, view.chart_text, live.built},
    ("batch-momentum", "part=momentum"): {compute.raced, view.chart_text, live.built},
    ("batch-momentum", "part=batches"): {compute.raced, view.chart_text},
    ("critical-points", ""): {compute.raced, view.chart_text, compute.critical_of},
    ("critical-points", "surface=himmelblau"): {compute.raced, view.chart_text, compute.critical_of},
}


@pytest.fixture(scope="module")
def helper():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("OPTIM_LAB_HELPERS", raising=False)
        h = jobs.Helpers(workers=1)
        h.enable(shell.HELPER_WARM, setup="ui.shell:helper_setup", after="ui.shell:helper_after_call")
        ready(h)
        yield h
        h.stop()


@pytest.mark.parametrize("page, link", list(PAGES), ids=[f"{p}-{q}" if q else p for p, q in PAGES])
def test_a_pages_work_answers_the_same_in_a_helper(page, link, helper, monkeypatch):
    sent = set()

    def both(fn, *args):
        here = fn(*args)
        with monkeypatch.context() as mp:
            mp.delenv("OPTIM_LAB_HELPERS", raising=False)
            there = helper.call(fn, *args)
        assert pickle.dumps(there) == pickle.dumps(here), fn.__qualname__
        sent.add(fn)
        return here

    monkeypatch.setattr(jobs.HELPERS, "call", both)
    compute.run.clear()  # every kind of work asked anew
    compute.critical.clear()
    view._chart_text.clear()
    for name in live._BUILDERS:
        module, _, builder = name.partition(":")
        getattr(importlib.import_module(module), builder).clear()
    at = apptest.open_page(f"pages/{page}.py", "en", {"steps": "123", **dict(kv.split("=") for kv in link.split("&") if kv)})
    apptest.assert_clean(at)
    assert PAGES[page, link] <= sent, {f.__qualname__ for f in PAGES[page, link] - sent}
