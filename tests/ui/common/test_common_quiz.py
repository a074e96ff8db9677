"""Predict, then run: every 2-D section asks, a run of the matching preset reveals the answer
with its why, and for class a question can be shown alone until it is run."""

from __future__ import annotations

import pytest

from tests import apptest
from ui.common import quiz
from ui.shell import PAGE_BY_ID
from ui.text import CATALOG, t

TWO_D = ("critical-points", "batch-momentum", "adaptive-lr", "lr-schedule", "playground", "classification", "normalization")
CP = next(q for q in quiz.for_page("critical-points"))


def test_every_2d_section_asks_and_every_question_is_well_formed():
    for page in TWO_D:
        assert quiz.for_page(page), page
    for q in quiz.all_questions():
        assert 3 <= len(q.choices) <= 4 and 0 <= q.answer < len(q.choices)
        for key in (q.prompt, q.why, *q.choices):
            assert key in CATALOG["en"] and key in CATALOG["zh"], key


def _radio(at, q):
    return at.radio(key=quiz.choice_key(q))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_right_prediction_runs_the_preset_and_says_why(lang):
    at = apptest.open_page(PAGE_BY_ID[CP.page].path, lang)
    _radio(at, CP).set_value(CP.answer).run()
    at.button(key=f"_quiz_run_{CP.page}_{CP.id}").click().run()
    apptest.assert_clean(at)
    preset = next(p for p in quiz.presets.for_page(CP.page) if p.id == CP.preset)
    apptest.assert_state_matches(at, preset.params)  # the run is the preset's
    assert any(t(CP.why, lang) in s.value for s in at.success)
    assert _radio(at, CP).value == CP.answer  # the prediction stays marked


def test_a_wrong_prediction_is_told_the_right_answer():
    at = apptest.open_page(PAGE_BY_ID[CP.page].path, "en")
    wrong = (CP.answer + 1) % len(CP.choices)
    _radio(at, CP).set_value(wrong).run()
    at.button(key=f"_quiz_run_{CP.page}_{CP.id}").click().run()
    notes = [w.value for w in at.warning if t(CP.why, "en") in w.value]
    assert notes and t(CP.choices[CP.answer], "en") in notes[0]


def test_ask_the_class_shows_the_question_alone_until_it_is_run():
    at = apptest.open_page(PAGE_BY_ID[CP.page].path, "en", {"big": "1"})
    at.button(key=f"_quiz_ask_{CP.page}_{CP.id}").click().run()
    assert not at.exception
    assert not at.get("plotly_chart")  # only the title, the question and its choices
    assert any(t(CP.prompt, "en") in m.value for m in at.markdown)
    _radio(at, CP).set_value(CP.answer).run()
    at.button(key=f"_quiz_run_{CP.page}_{CP.id}").click().run()
    apptest.assert_clean(at)  # the page is back, with the preset's run
    assert any(t(CP.why, "en") in s.value for s in at.success)
