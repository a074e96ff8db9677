"""A class in AppTest: a teacher's session and students' sessions of the same process share
the in-process store (`st.cache_resource`).  Fragments' timers never fire in AppTest, so a
student's `run()` stands for the next poll of the store."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest

from tests import apptest
from ui.classroom import room
from ui.classroom import store as cs
from ui.common import keys, presets, quiz
from ui.text import t

CP = quiz.for_page("critical-points")[0]


@pytest.fixture(autouse=True)
def _fresh_store():
    room.store.clear()
    yield
    room.store.clear()


def _teacher(page: str = "critical-points", lang: str = "en"):
    at = apptest.open_page(f"pages/{page}.py", lang, {"teach": "1"})
    assert not at.exception, [e.value for e in at.exception]
    m = at.session_state[keys.CLASS]
    assert m["role"] == "teacher" and cs.valid_code(m["code"])
    return at, m["code"], m["secret"]


def _texts(at) -> str:
    return "\n".join(e.value for kind in ("markdown", "info", "success", "warning", "error", "caption")
                     for e in at.get(kind) if isinstance(getattr(e, "value", None), str))


def _preset(page: str, pid: str) -> presets.Preset:
    return next(p for p in presets.for_page(page) if p.id == pid)


def test_a_teacher_starts_a_class_and_its_secret_never_reaches_the_url():
    at, code, secret = _teacher()
    assert code in _texts(at)
    assert "teach" not in at.query_params and all(secret not in str(v) for v in at.query_params.values())
    assert any(code in e.value for e in at.get("markdown") if "?class=" in e.value)  # the join link under the QR code
    assert at.get("image"), "no QR code"
    apptest.assert_clean(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_student_follows_the_teachers_page_preset_and_step(lang):
    teacher, code, _ = _teacher("playground")
    student = apptest.open_page("app.py", lang, {"class": code})
    assert not student.exception and not student.error
    assert student.session_state[keys.URL_PAGE] == "playground"
    assert t("class_following", lang, code=code) in _texts(student)
    assert "class" not in student.query_params

    p = presets.for_page("critical-points")[1]
    teacher.switch_page("pages/critical-points.py").run()
    teacher.button(key=keys.preset_button(p.id)).click().run()
    teacher.slider(key=keys.SELECTED_STEP).set_value(7).run()
    student.run()  # the next poll of the store
    assert student.session_state[keys.URL_PAGE] == "critical-points"
    apptest.assert_state_matches(student, p.params)
    assert student.session_state[keys.SELECTED_STEP] == 7
    assert student.session_state[keys.LANG] == lang  # the student's own language
    assert t(p.note, lang) in [e.value for e in student.info]  # what to look for in the teacher's preset
    apptest.assert_clean(student)


def test_students_never_drive_the_teacher_and_can_explore_and_come_back():
    teacher, code, _ = _teacher()
    student = apptest.open_page("app.py", "en", {"class": code})
    other = apptest.open_page("app.py", "en", {"class": code})
    version = room.store().view(code).version
    student.slider(key=keys.SELECTED_STEP).set_value(3).run()  # a student moves a control of their own page
    assert room.store().view(code).version == version
    teacher.run()
    other.run()
    assert teacher.session_state[keys.SELECTED_STEP] != 3 and other.session_state[keys.SELECTED_STEP] != 3

    student.button(key="_class_detach").click().run()
    p = presets.for_page("critical-points")[2]
    teacher.button(key=keys.preset_button(p.id)).click().run()
    student.run()
    assert student.session_state[keys.SELECTED_STEP] == 3  # exploring: the teacher's change does not move them
    assert t("class_exploring", "en", code=code) in _texts(student)
    other.run()
    apptest.assert_state_matches(other, p.params)
    student.button(key="_class_attach").click().run()
    student.run()
    apptest.assert_state_matches(student, p.params)


def test_a_poll_counts_one_answer_per_student_and_the_reveal_runs_the_preset_everywhere():
    teacher, code, _ = _teacher()
    students = [apptest.open_page("app.py", lang, {"class": code}) for lang in ("en", "zh", "en")]
    teacher.button(key=f"_quiz_ask_{CP.page}_{CP.id}").click().run()
    wrong = (CP.answer + 1) % len(CP.choices)
    for s, choice in zip(students[:2], (CP.answer, wrong), strict=True):
        s.run()
        assert not s.get("plotly_chart")  # the question alone
        s.radio(key=quiz.choice_key(CP)).set_value(choice).run()
        s.button(key=f"_quiz_send_{CP.page}_{CP.id}").click().run()
        assert s.radio(key=quiz.choice_key(CP)).disabled  # one answer per session
    students[2].run()
    students[2].button(key=f"_quiz_send_{CP.page}_{CP.id}").click().run()  # nothing picked: told so, nothing sent
    assert t("class_poll_pick", "en") in _texts(students[2])
    assert room.store().counts(code, CP.key)[: len(CP.choices)] == [int(i == CP.answer) + int(i == wrong)
                                                                      for i in range(len(CP.choices))]
    teacher.run()
    bars = [p.proto.text for p in teacher.get("progress")]
    assert len(bars) == len(CP.choices)
    assert bars[CP.answer].endswith("**1**") and bars[wrong].endswith("**1**")
    assert t("class_poll_answered", "en", n=2) in _texts(teacher)

    teacher.button(key=f"_quiz_run_{CP.page}_{CP.id}").click().run()  # reveal and run
    apptest.assert_clean(teacher)
    right_en, wrong_zh, silent = students
    for s in students:
        s.run()
        apptest.assert_clean(s)
        assert not [b for b in s.button if str(b.key).startswith("_quiz_ask_")]  # only the teacher asks the class
        apptest.assert_state_matches(s, _preset(CP.page, CP.preset).params)
    assert any(t(CP.why, "en") in e.value for e in right_en.success)
    assert any(t(CP.why, "zh") in e.value for e in wrong_zh.warning)
    assert any(t(CP.why, "en") in e.value for e in silent.info)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_wrong_code_is_named_and_the_page_stays_usable(lang):
    at = apptest.open_page("pages/critical-points.py", lang, {"class": "hjk-mnp"})
    assert [e.value for e in at.error] == [t("class_err_unknown", lang, code="HJKMNP")]
    assert at.session_state[keys.CLASS]["role"] is None
    apptest.assert_clean(at, errors_ok=True)
    at.sidebar.text_input(key="_class_code_box").set_value("0OIL1!")
    at.sidebar.button[-1].click().run()  # the join form's submit button
    assert [e.value for e in at.error] == [t("class_err_unknown", lang, code="0OIL1!")]


def test_a_class_that_ends_says_so_to_its_students():
    teacher, code, _ = _teacher()
    student = apptest.open_page("app.py", "en", {"class": code})
    teacher.button(key="_class_end").click().run()
    assert teacher.session_state[keys.CLASS]["role"] is None
    student.run()
    assert [e.value for e in student.error] == [t("class_err_ended", "en", code=code)]
    assert student.session_state[keys.CLASS]["role"] is None
    apptest.assert_clean(student, errors_ok=True)


class _CountingTurns:
    """Stands for the class's turns: counts who takes one and gives it back."""

    def __init__(self):
        self.taken = self.given = 0

    def acquire(self, timeout=None):
        self.taken += 1
        return True

    def release(self):
        self.given += 1


def test_a_student_catching_up_takes_a_turn_and_nobody_else_does(monkeypatch):
    turns = _CountingTurns()
    monkeypatch.setattr(room, "_TURNS", turns)
    teacher, code, _ = _teacher("playground")
    assert turns.taken == 0  # the teacher's own runs never wait
    student = apptest.open_page("app.py", "en", {"class": code})
    assert student.session_state[keys.URL_PAGE] == "playground"
    assert (turns.taken, turns.given) == (1, 1)  # joining: one catching-up run, its turn given back
    student.run()  # a poll while the teacher stays: no turn
    assert (turns.taken, turns.given) == (1, 1)
    teacher.switch_page("pages/critical-points.py").run()
    student.run()
    assert student.session_state[keys.URL_PAGE] == "critical-points"
    assert (turns.taken, turns.given) == (2, 2)
    assert "catch_up" not in student.session_state[keys.CLASS]
    alone = apptest.open_page("pages/critical-points.py", "en")  # a student on their own
    assert not alone.exception and (turns.taken, turns.given) == (2, 2)


def test_runs_in_progress_are_counted_until_they_end_even_by_an_exception():
    runs = room.Runs()
    assert runs.wait_idle(0)
    with runs.running(), runs.running():
        assert not runs.wait_idle(0)
    assert runs.wait_idle(0)
    with pytest.raises(KeyError), runs.running():
        raise KeyError
    assert runs.wait_idle(0)


def test_a_waiting_follower_is_woken_when_the_last_run_ends():
    runs, done = room.Runs(), []
    with runs.running():
        follower = threading.Thread(target=lambda: done.append(runs.wait_idle(None)), daemon=True)
        follower.start()
        while not runs._cv._waiters:  # the follower waits (CPython's Condition keeps its waiters)
            follower.join(0.001)
        assert done == []
    follower.join(60)
    assert done == [True]  # without the wake-up it would wait for ever


class _CountingRuns(room.Runs):
    def __init__(self):
        super().__init__()
        self.entered = self.waited = 0

    @contextmanager
    def running(self):
        self.entered += 1
        with super().running():
            yield

    def wait_idle(self, timeout):
        self.waited += 1
        return super().wait_idle(timeout)


def test_only_a_catching_up_run_lets_the_others_go_first(monkeypatch):
    runs = _CountingRuns()
    monkeypatch.setattr(room, "_RUNS", runs)
    teacher, code, _ = _teacher("playground")
    assert (runs.entered, runs.waited) == (1, 0)  # the teacher's run counts, and never waits
    student = apptest.open_page("app.py", "en", {"class": code})
    assert student.session_state[keys.URL_PAGE] == "playground"
    assert runs.waited == 1  # joining: one catching-up run waited for the others
    assert runs.wait_idle(0)  # … and every run that counted has ended


class _TeacherMovesMeanwhile(_CountingTurns):
    """Turns during which the teacher moves once more (the student waited behind the class)."""

    def __init__(self, move):
        super().__init__()
        self.move = move

    def acquire(self, timeout=None):
        if self.move is not None:
            self.move()
            self.move = None
        return super().acquire(timeout)


@pytest.mark.parametrize("where", ["critical-points", "playground"])
def test_a_student_who_waited_draws_the_teachers_newest_view(monkeypatch, where):
    teacher, code, secret = _teacher()
    student = apptest.open_page("app.py", "en", {"class": code})
    first, newest = _preset("critical-points", "escape"), presets.for_page(where)[1]
    turns = _TeacherMovesMeanwhile(lambda: room.store().publish(code, secret, where, dict(newest.params),
                                                                preset=newest.id))
    monkeypatch.setattr(room, "_TURNS", turns)
    teacher.button(key=keys.preset_button(first.id)).click().run()
    student.run()  # the poll sees the first preset; its run waits, meanwhile the teacher moved on
    assert student.session_state[keys.URL_PAGE] == where
    apptest.assert_state_matches(student, newest.params)
    assert student.session_state[keys.CLASS]["seen"] == room.store().view(code).version
    assert (turns.taken, turns.given) == (1, 1)  # one turn: the newest view is drawn without waiting again
    apptest.assert_clean(student)
