"""Predict, then run: a question with 3–4 choices, answered by running the preset that shows it.

A section declares its questions as `QUESTIONS` in `ui/sections/<slug>/presets.py`, beside the
presets they run; the shell's preset bar draws those of the page (so every section, new ones
included, gets them the same way).  The learner picks a choice and presses "run it": the
preset is applied like any other, and the box then says which choice was right and why, in
one sentence.  For class, "ask the class" shows the question alone (title, question, choices)
until someone runs it.  Tests check each right answer on the engine's numbers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from ui.common import keys, presets


@dataclass(frozen=True)
class Question:
    page: str  # page id
    id: str  # kebab-case, unique on its page
    prompt: str  # text key: the question
    choices: tuple[str, ...]  # text keys, 3 or 4
    answer: int  # index of the right choice
    why: str  # text key: one sentence of why
    preset: str  # id of the page's preset whose run shows the answer

    @property
    def key(self) -> str:
        return f"{self.page}:{self.id}"


@functools.cache
def all_questions() -> tuple[Question, ...]:
    """Every section's QUESTIONS, checked: 3–4 choices, a valid answer, a preset of its page."""
    from ui import sections

    out: list[Question] = []
    for slug, module in sections.modules("presets"):
        for q in getattr(module, "QUESTIONS", ()):
            if not isinstance(q, Question):
                raise TypeError(f"ui.sections.{slug}.presets: {q!r} is not a Question")
            if not 3 <= len(q.choices) <= 4 or not 0 <= q.answer < len(q.choices):
                raise ValueError(f"question {q.key}: 3–4 choices and a valid answer")
            if q.preset not in {p.id for p in presets.for_page(q.page)}:
                raise ValueError(f"question {q.key}: no preset {q.preset!r} on page {q.page}")
            out.append(q)
    if len({q.key for q in out}) != len(out):
        raise ValueError("a question is declared twice")
    return tuple(out)


def for_page(page: str) -> list[Question]:
    return [q for q in all_questions() if q.page == page]


def _state() -> dict:
    """question key → the choice the learner ran (kept when a preset resets the page)."""
    return st.session_state.setdefault(keys.QUIZ, {})


def _run(q: Question) -> None:
    """Button callback: remember the prediction, leave "question alone", run the preset."""
    choice = st.session_state.get(choice_key(q))
    ss = st.session_state
    state = dict(_state())
    state[q.key] = choice
    ss.pop(keys.QUIZ_ALONE, None)
    presets.apply(next(p for p in presets.for_page(q.page) if p.id == q.preset))
    ss[keys.QUIZ] = state
    ss[choice_key(q)] = choice  # the prediction stays marked beside the verdict


def _ask(q: Question) -> None:
    st.session_state[keys.QUIZ_ALONE] = q.key
    _state().pop(q.key, None)


def _back() -> None:
    st.session_state.pop(keys.QUIZ_ALONE, None)


def choice_key(q: Question) -> str:
    return f"_quiz_choice_{q.page}_{q.id}"


def alone(page: str) -> Question | None:
    """The question shown alone on this page (presentation: ask before the reveal), if any."""
    wanted = st.session_state.get(keys.QUIZ_ALONE)
    return next((q for q in for_page(page) if q.key == wanted), None)


def show(sh, q: Question) -> None:
    """One question: its choices, "run it", and after the run the verdict with its why."""
    ran = _state().get(q.key, -1)
    with st.container(border=True):
        st.markdown(sh.t("quiz_prompt", title=sh.t("quiz_title"), question=sh.t(q.prompt)))
        st.radio(sh.t("quiz_choices"), range(len(q.choices)), index=None, key=choice_key(q),
                 format_func=lambda i: f"{'ABCD'[i]}. {sh.t(q.choices[i])}", label_visibility="collapsed")
        c1, c2 = st.columns(2)
        c1.button(sh.t("quiz_run"), key=f"_quiz_run_{q.page}_{q.id}", on_click=_run, args=(q,), icon="▶️", type="primary")
        if alone(q.page) is None:
            c2.button(sh.t("quiz_ask"), key=f"_quiz_ask_{q.page}_{q.id}", on_click=_ask, args=(q,), icon="🙋",
                      help=sh.t("quiz_ask_help"))
        else:
            c2.button(sh.t("quiz_back"), key=f"_quiz_back_{q.page}_{q.id}", on_click=_back, icon="↩️")
        if ran != -1:
            right = f"{'ABCD'[q.answer]}. {sh.t(q.choices[q.answer])}"
            if ran == q.answer:
                st.success(sh.t("quiz_right", answer=right, why=sh.t(q.why)), icon="✅")
            elif ran is None:
                st.info(sh.t("quiz_shown", answer=right, why=sh.t(q.why)), icon="💡")
            else:
                st.warning(sh.t("quiz_wrong", answer=right, why=sh.t(q.why)), icon="💡")


def show_page(sh) -> None:
    """The page's questions; with one asked alone, only that one, and the page stops there."""
    asked = alone(sh.page.id)
    if asked is not None:
        show(sh, asked)
        st.stop()
    mine = for_page(sh.page.id)
    if mine:
        with st.expander(f"🤔 {sh.t('quiz_title')} ({len(mine)})", expanded=any(q.key in _state() for q in mine)):
            for q in mine:
                show(sh, q)
