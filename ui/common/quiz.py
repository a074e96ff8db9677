"""Predict, then run: a question with 3–4 choices, answered by running the preset that shows it.

A section declares its questions as `QUESTIONS` in `ui/sections/<slug>/presets.py`, beside the
presets they run; the shell's preset bar draws those of the page (so every section, new ones
included, gets them the same way).  The learner picks a choice and presses "run it": the
preset is applied like any other, and the box then says which choice was right and why, in
one sentence.  For class, "ask the class" shows the question alone (title, question, choices)
until someone runs it.  Tests check each right answer on the engine's numbers.

During a class (`ui.classroom.room`) "ask the class" opens a live poll: the students who
follow see the question alone and send one answer each from their own device, the teacher's
screen counts them (a bar per answer), and the teacher's "reveal and run" runs the preset on
every screen that follows, with the right answer and its why.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from ui.classroom import room
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
    room.poll_reveal(q.key)  # a teacher's run reveals the class's poll


def _ask(q: Question) -> None:
    st.session_state[keys.QUIZ_ALONE] = q.key
    _state().pop(q.key, None)
    room.poll_ask(q.key)  # in a class: a live poll on every following screen


def _back() -> None:
    st.session_state.pop(keys.QUIZ_ALONE, None)
    room.poll_close()


def _send(q: Question) -> None:
    room.send_answer(q.key, st.session_state.get(choice_key(q)))


def choice_key(q: Question) -> str:
    return f"_quiz_choice_{q.page}_{q.id}"


def alone(page: str) -> Question | None:
    """The question shown alone on this page (presentation: ask before the reveal), if any."""
    wanted = st.session_state.get(keys.QUIZ_ALONE)
    return next((q for q in for_page(page) if q.key == wanted), None)


def _label(sh, q: Question, i: int) -> str:
    return f"{'ABCD'[i]}. {sh.t(q.choices[i])}"


def _counts(sh, q: Question, revealed: bool) -> None:
    """The class's answers: a bar per choice and how many answered (the teacher's screen)."""
    got = room.counts(q.key)
    n = sum(got)
    with st.container(key=f"class-poll-{q.page}-{q.id}"):
        for i in range(len(q.choices)):
            mark = " ✅" if revealed and i == q.answer else ""
            st.progress(got[i] / n if n else 0.0, text=f"{_label(sh, q, i)}{mark} — **{got[i]}**")
        st.markdown(f"**👥 {sh.t('class_poll_answered', n=n)}**")


_live_counts = st.fragment(run_every=room.COUNTS_EVERY_S)(_counts)


def _student_poll(sh, q: Question) -> None:
    """A following student's view of the teacher's open poll: one answer, sent once."""
    mine = room.my_answer(q.key)
    if mine is not None:
        st.session_state[choice_key(q)] = mine
    with st.container(border=True, key=f"class-answer-{q.page}-{q.id}"):
        st.markdown(sh.t("quiz_prompt", title=sh.t("quiz_title"), question=sh.t(q.prompt)))
        st.radio(sh.t("quiz_choices"), range(len(q.choices)), index=None, key=choice_key(q), disabled=mine is not None,
                 format_func=lambda i: _label(sh, q, i), label_visibility="collapsed")
        if mine is None:
            st.button(sh.t("class_poll_send"), key=f"_quiz_send_{q.page}_{q.id}", on_click=_send, args=(q,), icon="📨",
                      type="primary")
            if (st.session_state.get(keys.CLASS, {}).get("error") or ("",))[0] == "pick":
                st.warning(sh.t("class_poll_pick"), icon="☝️")
            st.caption(sh.t("class_poll_wait"))
        else:
            st.success(sh.t("class_poll_sent", answer=_label(sh, q, mine)), icon="📨")


def _verdict(sh, q: Question, ran: int | None) -> None:
    """After the run: which choice was right and why, beside the learner's own prediction."""
    right = f"{'ABCD'[q.answer]}. {sh.t(q.choices[q.answer])}"
    if ran == q.answer:
        st.success(sh.t("quiz_right", answer=right, why=sh.t(q.why)), icon="✅")
    elif ran is None:
        st.info(sh.t("quiz_shown", answer=right, why=sh.t(q.why)), icon="💡")
    else:
        st.warning(sh.t("quiz_wrong", answer=right, why=sh.t(q.why)), icon="💡")


def _held(sh, q: Question) -> None:
    """A following student's view of a question the teacher has not asked: read, not run — the
    teacher holds the page (a run would change this screen alone, under a banner that says it
    follows); after the teacher's reveal, the verdict on the student's own answer."""
    ran = _state().get(q.key, -1)
    mine = ran if ran != -1 else None  # what the student answered (None: nothing)
    labels = [_label(sh, q, i) for i in range(len(q.choices))]
    if mine is not None:
        labels[mine] = f"**{labels[mine]}** ← {sh.t('quiz_yours')}"
    with st.container(border=True):
        st.markdown(sh.t("quiz_prompt", title=sh.t("quiz_title"), question=sh.t(q.prompt)) + "\n\n"
                    + "\n".join(f"- {label}" for label in labels))
        if ran != -1:
            _verdict(sh, q, ran)
        else:
            st.caption(sh.t("class_quiz_held"))


def show(sh, q: Question) -> None:
    """One question: its choices, "run it", and after the run the verdict with its why."""
    if room.following():
        (_student_poll if alone(q.page) == q else _held)(sh, q)
        return
    ran = _state().get(q.key, -1)
    poll, revealed = room.poll_of(q.page)
    polled = poll == q.key
    with st.container(border=True):
        st.markdown(sh.t("quiz_prompt", title=sh.t("quiz_title"), question=sh.t(q.prompt)))
        st.radio(sh.t("quiz_choices"), range(len(q.choices)), index=None, key=choice_key(q),
                 format_func=lambda i: _label(sh, q, i), label_visibility="collapsed")
        c1, c2 = st.columns(2)
        c1.button(sh.t("class_poll_reveal" if polled and not revealed else "quiz_run"), key=f"_quiz_run_{q.page}_{q.id}",
                  on_click=_run, args=(q,), icon="▶️", type="primary")
        if alone(q.page) is not None:
            c2.button(sh.t("quiz_back"), key=f"_quiz_back_{q.page}_{q.id}", on_click=_back, icon="↩️")
        elif room.role() != "student":  # in a class only the teacher asks (a poll)
            c2.button(sh.t("quiz_ask"), key=f"_quiz_ask_{q.page}_{q.id}", on_click=_ask, args=(q,), icon="🙋",
                      help=sh.t("quiz_ask_help"))
        if ran != -1:
            _verdict(sh, q, ran)
        if polled:
            (_counts if revealed else _live_counts)(sh, q, revealed)


def show_page(sh) -> None:
    """The page's questions; with one asked alone, only that one, and the page stops there."""
    asked = alone(sh.page.id)
    if asked is not None:
        show(sh, asked)
        room.publish(sh.page.id)  # the page stops here, before the shell would publish it
        st.stop()
    mine = for_page(sh.page.id)
    if mine:
        with st.expander(f"🤔 {sh.t('quiz_title')} ({len(mine)})", expanded=any(q.key in _state() for q in mine)):
            for q in mine:
                show(sh, q)
