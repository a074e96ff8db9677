"""Training lab while it trains (AppTest, the page's real script): the stop button ends a run
as stopped — the partial curve, a stopped note, no finished run claimed, not on a rerun
either — and a learner who finds every core busy reads their place in the queue.

Nothing here waits for a clock.  A click in AppTest only lands between script runs, so a
press of ⏹ during training is played in its two real halves: Streamlit interrupts the run
at its next drawing call (here: a stop request from the script thread right after epoch 1
is drawn), then the next run starts with the click (`at.button("tl_stop").click()`).  The
queue test holds every slot of `SLOTS` from the test thread and puts one waiter ahead of
the page, so the page is at place 2 for as long as the test wants it there."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from optim_lab.optimizers import OPTIMIZERS
from optim_lab.training.train import SLOTS
from tests import apptest
from ui.sections.training_lab import jobs as jobs_module
from ui.sections.training_lab.jobs import JOBS
from ui.sections.training_lab.training import PARTIAL_KEY, STOP_KEY
from ui.shell import PAGE_BY_ID
from ui.text import LANGS, t

SCRIPT = PAGE_BY_ID["training-lab"].path
EPOCHS, PER_EPOCH = 4, 4  # 200 samples in batches of 64: 4 updates per epoch
# a seed of their own per test and language: no other test has trained (and cached) these runs
SETTINGS = {"n": "1", "o1": "adam", "samples": "200", "r1_bs": "64", "epochs": str(EPOCHS)}


def _name(lang: str) -> str:
    return f"1 · {OPTIMIZERS['adam'].label(lang)} · η = 0.001"


def _bar(at):
    (bar,) = at.get("progress")
    return bar.proto.value, bar.proto.text


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _stop_this_run() -> None:
    """What Streamlit does when a click arrives mid-run: the script ends at its next drawing call."""
    get_script_run_ctx().script_requests.request_stop()


@pytest.mark.parametrize("lang", LANGS)
def test_stop_ends_the_run_as_stopped_and_a_rerun_does_not_claim_it_finished(lang, monkeypatch):
    real_train_run = jobs_module.run_training
    trained = []  # one entry per training the page starts

    def train_run(cfg, progress=None, **kw):
        trained.append(cfg)

        def progress_then_press_stop(rec, k, total):
            progress(rec, k, total)  # the page draws epoch 1 …
            if len(trained) == 1 and len(rec.epochs) == 1:
                _stop_this_run()  # … and the learner presses ⏹

        return real_train_run(cfg, progress=progress_then_press_stop, **kw)

    monkeypatch.setattr(jobs_module, "run_training", train_run)
    at = apptest.open_page(SCRIPT, lang, SETTINGS | {"seed": str(7301 + LANGS.index(lang))}, timeout=240)
    assert not at.exception
    assert len(trained) == 1 and at.button(key="tl_stop")

    at.button(key="tl_stop").click().run()  # the run that carries the click
    sig = at.session_state[STOP_KEY]
    partial = at.session_state[PARTIAL_KEY][sig]

    def assert_stopped():
        assert not at.exception, [e.value for e in at.exception]
        assert t("tl_stopped_note", lang) in _captions(at)
        assert at.button(key="tl_restart") and not [b for b in at.button if b.key == "tl_stop"]
        e = len(partial.epochs)
        assert 1 <= e < EPOCHS and not partial.finished
        value, text = _bar(at)
        assert value < 100
        assert text == t("tl_progress_upd", lang, name=_name(lang), e=e, E=EPOCHS, k=e * PER_EPOCH, K=EPOCHS * PER_EPOCH)
        curves = apptest.chart(at, "tl_curves")["data"]
        assert curves[0]["x"] == list(range(1, e + 1))  # the partial curve, as far as it was trained
        assert JOBS.finished(sig) is None  # never shared as a finished run
        assert len(trained) == 1  # and not trained again behind the learner's back

    assert_stopped()
    at.run()  # a rerun with the same settings (another control touched, the page reloaded …)
    assert_stopped()

    at.button(key="tl_restart").click().run()
    assert not at.exception
    assert len(trained) == 2 and STOP_KEY not in at.session_state
    assert t("tl_stopped_note", lang) not in _captions(at)
    assert _bar(at) == (100, t("tl_progress_done", lang, name=_name(lang), E=EPOCHS, k=EPOCHS * PER_EPOCH))

    at.run()  # now trained: the run is shared from the cache, and there is nothing left to stop
    assert not at.exception
    assert not [b for b in at.button if b.key in ("tl_stop", "tl_restart")]
    assert t("tl_stopped_note", lang) not in _captions(at)
    assert JOBS.finished(sig) is not None and JOBS.finished(sig).finished


@pytest.mark.parametrize("lang", LANGS)
def test_when_every_core_is_busy_the_page_shows_its_place_in_the_queue(lang, monkeypatch):
    assert SLOTS.running == 0, "a training of another test still holds a slot"
    waiting = t("tl_waiting", lang, name=_name(lang), place=2)
    any_place = t("tl_waiting", lang, name=_name(lang), place="\x00").split("\x00")[0]
    real_progress = DeltaGenerator.progress
    seen = []

    def progress(self, value, text=None, **kw):
        out = real_progress(self, value, text=text, **kw)
        if text and text.startswith(any_place) and not seen:
            seen.append(text)
            _stop_this_run()  # the learner has read it and leaves; the page's next drawing call ends the run
        return out

    ahead_queued = threading.Event()

    def ahead():  # another session's training, queued before the page
        with SLOTS.slot(wait=lambda place: ahead_queued.set()):
            pass

    held = ExitStack()
    other = threading.Thread(target=ahead, daemon=True)
    try:
        for _ in range(SLOTS.n):
            held.enter_context(SLOTS.slot())  # every core busy
        other.start()
        assert ahead_queued.wait(30)
        monkeypatch.setattr(DeltaGenerator, "progress", progress)
        at = apptest.open_page(SCRIPT, lang, SETTINGS | {"epochs": "2", "seed": str(7401 + LANGS.index(lang))},
                               timeout=60)
        assert not at.exception
        assert seen == [waiting] and _bar(at) == (0, waiting)
        assert other.is_alive()  # still first in the queue: the page left without taking a slot
    finally:
        held.close()
        other.join(30)
    assert not other.is_alive() and SLOTS.running == 0
    monkeypatch.undo()
    at.run()  # the cores are free again: the page trains
    assert not at.exception
    assert _bar(at) == (100, t("tl_progress_done", lang, name=_name(lang), E=2, k=2 * PER_EPOCH))
