"""Training lab on the worker pool (AppTest, the page's real script, real pool children): the
first run of the page draws everything at once — steps 1–7, the presets, the controls — with a
placeholder where the curves will be, and does not wait for the training; once the job is done a
rerun shows the curves.  The stop button withdraws the session's interest: the run nobody else
wants stops, its partial curves stay, and nothing claims it finished.

`OPTIM_LAB_JOBS` is unset here (tests/conftest.py sets it to run jobs inline).  Nothing waits for
a clock: the tests wait for the pool's states (`POOL.wait`), and the stopped run is a task that
holds its worker until it is stopped (`lab_tasks.one_epoch_then_hold`)."""

from __future__ import annotations

import time

import pytest

from optim_lab.engine import Racer
from optim_lab.jobs import POOL
from tests import apptest
from ui.common import keys
from ui.common.presets import for_page
from ui.sections.training_lab import calc, training
from ui.shell import PAGE_BY_ID
from ui.text import LANGS, t

SCRIPT = PAGE_BY_ID["training-lab"].path
EPOCHS = 4  # 200 samples in batches of 64: 4 updates per epoch
SETTINGS = {"n": "1", "o1": "adam", "samples": "200", "r1_bs": "64", "epochs": str(EPOCHS)}


def _key(seed: int) -> str:
    (cfg,) = calc.run_configs(calc.Shared(samples=200, epochs=EPOCHS, seed=seed),
                              [calc.RunSetting(Racer("adam", lr=1e-3), True, "64", "ce")])
    return training.job_key(cfg)


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


@pytest.mark.parametrize("lang", LANGS)
def test_the_first_run_draws_the_page_without_waiting_and_a_rerun_shows_the_curves(lang, monkeypatch):
    monkeypatch.delenv("OPTIM_LAB_JOBS", raising=False)
    seed = 7301 + LANGS.index(lang)  # a seed of its own: no other test has trained (and cached) this run
    key = _key(seed)
    assert POOL.peek(key).state == "missing"
    at = apptest.open_page(SCRIPT, lang, SETTINGS | {"seed": str(seed)}, timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    headers = [h.value for h in at.header]
    assert all(t(f"tl_s{k}", lang) in headers for k in range(1, 8))  # the whole page, steps 6–7 waiting
    assert all(at.button(key=keys.preset_button(p.id)) for p in for_page("training-lab"))
    assert at.selectbox(key="o1").value == "adam"
    assert t("job_placeholder", lang) in _captions(at) and t("job_note", lang) in _captions(at)
    assert at.button(key="tl_stop")  # something to stop
    assert apptest.chart(at, "tl_curves_live")  # the frame the curves grow into
    assert t("tl_wait_for_runs", lang) in _captions(at)  # steps 6 and 7 say what they wait for

    assert POOL.wait(key, timeout=120).state == "done"
    at.run()
    assert not at.exception
    assert apptest.chart(at, "tl_curves")["data"][0]["x"] == list(range(1, EPOCHS + 1))
    assert t("job_placeholder", lang) not in _captions(at) and not at.get("progress")
    assert not [b for b in at.button if b.key in ("tl_stop", "tl_restart")]  # trained: nothing to stop (issue 19 item 10)
    assert len(at.dataframe[1].value) == 1  # step 6's table


def test_stop_ends_the_run_nobody_else_wants_and_keeps_its_partial_curves(monkeypatch):
    monkeypatch.delenv("OPTIM_LAB_JOBS", raising=False)
    monkeypatch.setattr(training, "TASK", "tests.ui.sections.training_lab.lab_tasks:one_epoch_then_hold")
    key = _key(7401)
    at = apptest.open_page(SCRIPT, "zh", SETTINGS | {"seed": "7401"}, timeout=60)
    assert not at.exception
    deadline = time.monotonic() + 120  # a wait for the pool's state, not a timing assertion
    while POOL.peek(key).partial is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert POOL.peek(key).state == "running"

    at.button(key="tl_stop").click().run()
    assert POOL.wait(key, timeout=60).state == "cancelled"
    at.run()

    def assert_stopped():
        assert not at.exception, [e.value for e in at.exception]
        assert t("tl_stopped_note", "zh") in _captions(at)
        assert at.button(key="tl_restart") and not [b for b in at.button if b.key == "tl_stop"]
        assert apptest.chart(at, "tl_curves_live")["data"][0]["x"] == [1]  # the partial curve: its one epoch
        assert POOL.peek(key).state == "cancelled"  # not trained again behind the learner's back …
        assert t("tl_s6", "zh") in [h.value for h in at.header] and len(at.dataframe) == 1  # … nor evaluated as finished

    assert_stopped()
    at.run()  # a rerun with the same settings
    assert_stopped()

    at.button(key="tl_restart").click().run()  # trains again: the pool is asked anew
    assert not at.exception and at.button(key="tl_stop")
    assert POOL.peek(key).state in ("queued", "running")
    at.button(key="tl_stop").click().run()  # and leave no held worker behind
    assert POOL.wait(key, timeout=60).state == "cancelled"
