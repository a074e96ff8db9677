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
from ui.common import fragments, keys, presets, quiz
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
    student.button(key="_class_detach").click().run()  # exploring: the controls, from the teacher's view
    apptest.assert_state_matches(student, {})
    student.slider(key=keys.SELECTED_STEP).set_value(3).run()  # a student moves a control of their own page
    assert room.store().view(code).version == version
    teacher.run()
    other.run()
    assert teacher.session_state[keys.SELECTED_STEP] != 3 and other.session_state[keys.SELECTED_STEP] != 3

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
    for s, lang, mine in ((right_en, "en", CP.answer), (wrong_zh, "zh", wrong), (silent, "en", None)):
        assert not [b for b in s.button if str(b.key).startswith("_quiz")]  # a follower reads the question, the teacher runs it
        marked = [e.value for e in s.markdown if t("quiz_yours", lang) in e.value]
        label = f"**{'ABCD'[mine]}. {t(CP.choices[mine], lang)}** ← {t('quiz_yours', lang)}" if mine is not None else None
        assert [label in v for v in marked] == ([True] if mine is not None else [])  # their own answer, marked


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


class _CountingTraffic(room.Traffic):
    """The class's traffic, counting the runs that counted, the turns taken and those given back."""

    def __init__(self):
        super().__init__(room.FOLLOW_AT_ONCE)
        self.entered = self.taken = self.given = 0

    @contextmanager
    def running(self, wait_s=0.0):
        self.entered += 1
        with super().running(wait_s):
            yield

    @contextmanager
    def turn(self, sid, since, wait_s, yield_s):
        with super().turn(sid, since, wait_s, yield_s) as got:
            self.taken += got
            try:
                yield got
            finally:
                self.given += got


def test_a_student_catching_up_takes_a_turn_and_nobody_else_does(monkeypatch):
    traffic = _CountingTraffic()
    monkeypatch.setattr(room, "_TRAFFIC", traffic)
    teacher, code, _ = _teacher("playground")
    assert (traffic.entered, traffic.taken) == (1, 0)  # the teacher's own runs count, and never wait
    student = apptest.open_page("app.py", "en", {"class": code})
    assert student.session_state[keys.URL_PAGE] == "playground"
    assert (traffic.taken, traffic.given) == (1, 1)  # joining: one catching-up run, its turn given back
    student.run()  # a poll while the teacher stays: no turn
    assert (traffic.taken, traffic.given) == (1, 1)
    teacher.switch_page("pages/critical-points.py").run()
    student.run()
    assert student.session_state[keys.URL_PAGE] == "critical-points"
    assert (traffic.taken, traffic.given) == (2, 2)
    assert "catch_up" not in student.session_state[keys.CLASS]
    entered = traffic.entered
    alone = apptest.open_page("pages/critical-points.py", "en")  # a student on their own
    assert not alone.exception and (traffic.taken, traffic.given) == (2, 2) and traffic.entered > entered
    assert traffic._runs == 0  # every run that counted has ended


def _waiter(traffic: room.Traffic, sid: str, wait_s=None, yield_s=None) -> tuple[threading.Thread, list]:
    """A catch-up run of session `sid`, set off now, in a thread of its own; `got` receives its turn (or not)."""
    got: list = []
    since = traffic.mark()

    def run():
        with traffic.turn(sid, since, wait_s, yield_s) as g:
            got.append(g)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th, got


def _until_waiting(traffic: room.Traffic, th: threading.Thread, sid: str) -> None:
    """Until the run of `sid` waits: registered, and asleep on a condition (CPython's Condition
    keeps its waiters).  Fails if the run ends instead."""
    while sid not in traffic._waiting or not (traffic._turns._waiters or traffic._idle._waiters):  # noqa: SLF001
        assert th.is_alive(), f"the run of {sid} did not wait"
        th.join(0.001)


def test_runs_in_progress_are_counted_until_they_end_even_by_an_exception():
    traffic = room.Traffic(1)
    assert traffic._runs == 0
    with traffic.running(), traffic.running():
        assert traffic._runs == 2
    assert traffic._runs == 0
    with pytest.raises(KeyError), traffic.running():
        raise KeyError
    assert traffic._runs == 0


def test_a_turn_waits_for_the_runs_in_progress_and_is_woken_when_the_last_ends():
    traffic = room.Traffic(1)
    with traffic.running():
        th, got = _waiter(traffic, "s1")
        _until_waiting(traffic, th, "s1")
        assert got == []
    th.join(60)
    assert got == [True]  # without the wake-up it would wait for ever


def test_a_run_waiting_for_a_helper_lets_a_catch_up_start():
    """A student's run that waits for a helper process (its new setting's race and charts) holds
    no interpreter lock: the followers' catch-ups need not wait for it, and it is counted
    again when the helper's answer is back."""
    traffic = room.Traffic(1)
    with traffic.running():
        th, got = _waiter(traffic, "s1")
        _until_waiting(traffic, th, "s1")
        with traffic.aside():
            assert traffic._runs == 0
            th.join(60)
            assert got == [True]  # woken while the run waits elsewhere
        assert traffic._runs == 1
    assert traffic._runs == 0
    with traffic.aside():  # a thread with no counted run (a catch-up, the command line): nothing changes
        assert traffic._runs == 0
    with traffic.running(), traffic.running():  # nested: all of them aside, all back
        with traffic.aside():
            assert traffic._runs == 0
        assert traffic._runs == 2


def test_a_helper_call_of_a_page_run_waits_aside(monkeypatch):
    """The shell enables the helpers with the room's `aside` as the context a caller waits in."""
    from optim_lab import jobs
    from ui import shell

    seen = []
    monkeypatch.setattr(jobs.HELPERS, "enable", lambda *a, **kw: seen.append(kw.get("waiting")))
    monkeypatch.setattr(shell, "_frozen", False)
    shell.freeze_imports()
    assert seen == [room.aside]


def test_turns_are_taken_one_at_a_time_and_given_back():
    traffic = room.Traffic(1)
    with traffic.turn("s1", 0, None, None) as first:
        assert first
        th, got = _waiter(traffic, "s2")
        _until_waiting(traffic, th, "s2")
        assert got == []  # the one turn is taken
    th.join(60)
    assert got == [True]
    with traffic.turn("s3", 0, 0, 0) as third:  # and s2 gave it back
        assert third


def test_a_turn_not_free_in_time_is_not_taken():
    traffic = room.Traffic(1)
    with traffic.turn("s1", 0, None, None), traffic.turn("s2", 0, 0.01, None) as second:
        assert not second
    with traffic.turn("s3", 0, 0, 0) as third:  # nothing was taken by the run that waited in vain
        assert third


def test_another_run_starts_once_the_catch_up_in_progress_has_ended():
    """A student on their own (or the teacher) lets a follower's catch-up run in progress end
    first, at most `wait_s`: sharing the interpreter lock, both would take longer."""
    traffic = room.Traffic(1)
    started = []

    def other_run():
        with traffic.running(None):
            started.append(True)

    with traffic.turn("s1", 0, None, None) as got:
        assert got
        th = threading.Thread(target=other_run, daemon=True)
        th.start()
        th.join(0.2)
        assert started == [] and th.is_alive()  # it waits for the turn to end …
    th.join(60)
    assert started == [True]  # … and is woken when it does (with no timeout: it would wait for ever)
    with traffic.turn("s2", 0, None, None), traffic.running(0.01):  # never longer than asked
        assert traffic._runs == 1
    with traffic.running(None):  # no turn in progress: straight on
        assert traffic._runs == 1
    held = room.Traffic(0)  # no turn to give (tests/classroom/held_server.py): nothing to wait for
    with held.running(None):
        assert held._runs == 1


@pytest.mark.parametrize("behind", ["turn", "runs"])
def test_a_student_who_clicks_while_waiting_stops_waiting_at_once(behind):
    """The student clicks "Explore on my own" while its catch-up waits behind the class (a turn
    held by another follower) or behind the runs of others: the wait ends without a turn, and
    the other sessions' waits go on."""
    traffic = room.Traffic(1)
    held = traffic.turn("other", 0, None, None) if behind == "turn" else traffic.running()
    with held:
        bystander, by = _waiter(traffic, "bystander") if behind == "turn" else (None, [])
        if bystander is not None:
            _until_waiting(traffic, bystander, "bystander")
        th, got = _waiter(traffic, "clicker")
        _until_waiting(traffic, th, "clicker")
        traffic.ask("somebody else")  # not waiting: nothing happens
        traffic.ask("clicker")
        th.join(60)
        assert got == [behind == "runs"] and not th.is_alive()  # behind runs it had a turn, and stopped waiting
        assert by == []  # the bystander still waits for its turn
    if bystander is not None:
        bystander.join(60)
        assert by == [True]


def test_a_click_after_the_catch_up_was_set_off_is_never_waited_behind():
    """The click can reach the server before the run it interrupts has begun to wait."""
    traffic = room.Traffic(1)
    since = traffic.mark()
    traffic.ask("s1")
    with traffic.turn("other", 0, None, None), traffic.turn("s1", since, None, None) as got:
        assert got is False  # with no timeout: had it waited, it would wait for ever


def test_a_click_before_the_catch_up_was_set_off_does_not_cut_its_wait_short():
    traffic = room.Traffic(1)
    traffic.ask("s1")  # the request that led to the catch-up, or an older one
    with traffic.turn("other", 0, None, None):
        th, got = _waiter(traffic, "s1")
        _until_waiting(traffic, th, "s1")
    th.join(60)
    assert got == [True]


def test_the_server_tells_of_a_learners_requests_only(monkeypatch):
    from streamlit.proto.ClientState_pb2 import ClientState

    heard: list[str] = []
    monkeypatch.setattr(fragments, "_LISTENERS", [heard.append])
    fragments.asked("s-click", ClientState(page_script_hash="p"))
    fragments.asked("s-fragment-click", ClientState(page_script_hash="p", fragment_id="f"))
    fragments.asked("s-timer", ClientState(page_script_hash="p", fragment_id="f", is_auto_rerun=True))
    fragments.asked("s-files", None)
    assert heard == ["s-click", "s-fragment-click"]


class _Session:
    """A stand-in for Streamlit's session: what `fragments.install` wraps, recording the requests it passes on."""

    page_script_hash = "p"

    def __init__(self, sid):
        self.id, self.requests = sid, []

    def request_rerun(self, client_state):
        self.requests.append(client_state)


def test_a_request_reaches_the_rooms_traffic(monkeypatch):
    """The server's rerun requests, wrapped as `fragments.install` wraps Streamlit's session
    (here a stand-in session class), stop a waiting catch-up of the session that asked."""
    from streamlit.proto.ClientState_pb2 import ClientState

    fragments.install(_Session)
    traffic = room.Traffic(1)
    monkeypatch.setattr(room, "_TRAFFIC", traffic)
    with traffic.turn("other", 0, None, None):
        th, got = _waiter(traffic, "s1")
        _until_waiting(traffic, th, "s1")
        before = traffic.mark()
        _Session("s1").request_rerun(ClientState(page_script_hash="p", fragment_id="f", is_auto_rerun=True))
        assert traffic.mark() == before  # the follow fragment's timer is not the student's request
        _Session("s2").request_rerun(ClientState(page_script_hash="p"))  # another student's click
        assert traffic.mark() == before + 1 and th.is_alive() and got == []
        student = _Session("s1")
        student.request_rerun(ClientState(page_script_hash="p"))  # the student's click
        th.join(60)
        assert got == [False] and len(student.requests) == 1  # the wait ended, and Streamlit got the request


def test_a_students_timer_is_quiet_while_its_catch_up_waits_or_draws(monkeypatch):
    """The browser asks for the follow fragment every second, busy or not: while the student's
    catch-up run waits behind the class or draws, those timer requests are not run (the catch-up
    redraws the whole page); the student's own clicks and other sessions' timers go on."""
    from streamlit.proto.ClientState_pb2 import ClientState

    def tick():
        return ClientState(page_script_hash="p", fragment_id="f", is_auto_rerun=True)

    fragments.install(_Session)
    traffic = room.Traffic(1)
    monkeypatch.setattr(room, "_TRAFFIC", traffic)
    student, other = _Session("s1"), _Session("s2")
    with traffic.turn("other", 0, None, None):
        th, got = _waiter(traffic, "s1")
        _until_waiting(traffic, th, "s1")
        assert traffic.catching_up("s1") and not traffic.catching_up("s2")
        student.request_rerun(tick())
        other.request_rerun(tick())
        assert (len(student.requests), len(other.requests)) == (0, 1)
        student.request_rerun(ClientState(page_script_hash="p", fragment_id="f"))  # a click inside a fragment
        assert len(student.requests) == 1
    th.join(60)
    assert not traffic.catching_up("s1")
    student.request_rerun(tick())  # caught up: its timer runs again
    assert len(student.requests) == 2


class _Failing:
    def watched(self, code):
        raise ConnectionError("the store is down")


class _Remote(cs.MemoryStore):
    def watched(self, code):  # as Redis's mirror before it has read the class
        raise LookupError(code)


def test_a_students_look_that_would_find_nothing_new_is_answered_before_it_runs():
    """`Watch`: the follow fragment's run is not needed while the class is there and the
    teacher has not moved (or the student explores); any doubt lets it run."""
    store = cs.MemoryStore()
    code, secret = store.create()
    version = store.publish(code, secret, "critical-points", {"steps": "40"})
    w = room.Watch()
    w.watch("s1", store, code, True, version, "f")
    w.watch("s2", store, code, False, None, "f")  # exploring on their own
    assert w.nothing_new("s1", "f") and w.nothing_new("s2", "f")
    assert not w.nothing_new("s1", "g")  # another fragment of the session
    assert not w.nothing_new("s3", "f")  # a session not told of
    w.watch("s4", store, code, True, None, "f")  # attached, the teacher's view not shown yet: its look applies it
    assert not w.nothing_new("s4", "f")
    w.watch("s5", store, code, True, version, None)  # no fragment id known
    assert not w.nothing_new("s5", "f")
    assert store.publish(code, secret, "critical-points", {"steps": "41"}) == version + 1  # the teacher moved
    assert not w.nothing_new("s1", "f") and w.nothing_new("s2", "f")
    w.watch("s1", store, code, True, version + 1, "f")  # the look that followed told what it shows now
    assert w.nothing_new("s1", "f")
    store.end(code, secret)  # the class ended: every look runs, and says so
    assert not w.nothing_new("s1", "f") and not w.nothing_new("s2", "f")
    w.watch("s6", _Failing(), code, True, 1, "f")
    assert not w.nothing_new("s6", "f")
    remote = _Remote()
    code2, secret2 = remote.create()
    w.watch("s7", remote, code2, True, remote.publish(code2, secret2, "critical-points", {}), "f")
    assert not w.nothing_new("s7", "f")  # not known without a network read: the look runs and reads
    w.forget("s1")
    assert "s1" not in w._seen


def test_a_look_at_a_class_in_redis_is_answered_from_the_stores_mirror(make_redis_store):
    """With Redis the watch asks the store's mirror (memory, read by its own thread): a look is
    answered once the mirror has read the class, and runs while it has not."""
    store = make_redis_store()
    store.mirror = cs.Mirror(store.views, start=False)  # the test reads for the thread
    code, secret = store.create()
    version = store.publish(code, secret, "critical-points", {"steps": "40"})
    w = room.Watch()
    w.watch("s1", store, code, True, version, "f")
    assert not w.nothing_new("s1", "f")  # not read yet: the look runs and reads Redis
    store.mirror.refresh()
    assert w.nothing_new("s1", "f")
    store.publish(code, secret, "critical-points", {"steps": "41"})
    store.mirror.refresh()
    assert not w.nothing_new("s1", "f")  # the teacher moved
    newer = store.publish(code, secret, "playground", {})
    w.watch("s1", store, code, True, newer, "f")  # the session read the newest view itself (a run) …
    assert not w.nothing_new("s1", "f")  # … the mirror is behind it: a doubt, the look runs
    assert w.moved_to("s1", "f", lambda: 0) is None  # never sent back to the page the mirror last saw
    store.mirror.refresh()
    assert w.nothing_new("s1", "f")


def test_the_watch_forgets_its_oldest_sessions_first(monkeypatch):
    monkeypatch.setattr(room.Watch, "KEPT", 2)
    store = cs.MemoryStore()
    code, secret = store.create()
    version = store.publish(code, secret, "critical-points", {})
    w = room.Watch()
    for sid in ("s1", "s2", "s1", "s3"):
        w.watch(sid, store, code, True, version, "f")
    assert list(w._seen) == ["s1", "s3"] and not w.nothing_new("s2", "f")


def test_a_students_idle_timer_is_not_run_and_a_teachers_move_is(monkeypatch):
    """Through the server's rerun requests (`fragments.install` on a stand-in session class):
    the follow fragment's timer reaches Streamlit only when it has something to do."""
    from streamlit.proto.ClientState_pb2 import ClientState

    def tick(fragment="f"):
        return ClientState(page_script_hash="p", fragment_id=fragment, is_auto_rerun=True)

    fragments.install(_Session)
    watch = room.Watch()
    monkeypatch.setattr(room, "_WATCH", watch)
    store = cs.MemoryStore()
    code, secret = store.create()
    version = store.publish(code, secret, "critical-points", {})
    watch.watch("s1", store, code, True, version, "f")
    student = _Session("s1")
    student.request_rerun(tick())
    student.request_rerun(tick("job"))  # another timer of the page (a job's progress) runs
    student.request_rerun(ClientState(page_script_hash="p", fragment_id="f"))  # a click inside the fragment runs
    assert [c.fragment_id for c in student.requests] == ["job", "f"]
    store.publish(code, secret, "adaptive-lr", {})
    student.request_rerun(tick())
    assert len(student.requests) == 3


class _Pages:
    """A stand-in for a session's pages manager: the app's pages, as Streamlit lists them."""

    def get_pages(self):
        return {"h-home": {"page_script_hash": "h-home", "url_pathname": "", "script_path": "app.py"},
                "h-cp": {"page_script_hash": "h-cp", "url_pathname": "critical-points", "script_path": "pages/critical-points.py"},
                "h-alr": {"page_script_hash": "h-alr", "url_pathname": "adaptive-lr", "script_path": "pages/adaptive-lr.py"}}


class _PagedSession(_Session):
    page_script_hash = "h-cp"  # the page it shows
    _pages_manager = _Pages()


def _watched_class(monkeypatch, query: dict):
    """The server's rerun requests wrapped (on the stand-in session class), a watch and traffic
    of the test's own, and a class whose teacher shows critical-points with `query`."""
    fragments.install(_Session)
    watch, traffic = room.Watch(), room.Traffic(1)
    monkeypatch.setattr(room, "_WATCH", watch)
    monkeypatch.setattr(room, "_TRAFFIC", traffic)
    store = cs.MemoryStore()
    code, secret = store.create()
    return watch, traffic, store, code, secret, store.publish(code, secret, "critical-points", query)


def test_a_look_that_would_find_the_teacher_moved_runs_the_teachers_page_instead(monkeypatch):
    """The follow fragment's timer, when the teacher moved: the server runs the teacher's page
    at once (still an automatic rerun, so no catch-up gives way to it), marks it as a catch-up
    for its turn, and the looks that come before that run tells what it shows find nothing new."""
    from streamlit.proto.ClientState_pb2 import ClientState

    def tick():
        return ClientState(page_script_hash="h-cp", fragment_id="f", is_auto_rerun=True, query_string="lang=en")

    watch, traffic, store, code, secret, version = _watched_class(monkeypatch, {})
    watch.watch("s1", store, code, True, version, "f")
    watch.watch("s2", store, code, False, None, "f")  # exploring on their own
    student, explorer = _PagedSession("s1"), _PagedSession("s2")
    student.request_rerun(tick())
    assert student.requests == [] and watch.catch_up("s1") is None  # nothing new: no run
    traffic.ask("someone")  # the requests so far: the catch-up's mark is taken when it is set off
    store.publish(code, secret, "adaptive-lr", {"lr": "0.5"})
    student.request_rerun(tick())
    explorer.request_rerun(tick())
    [whole] = student.requests
    assert (whole.fragment_id, whole.page_script_hash, whole.page_name, whole.is_auto_rerun) == ("", "h-alr", "", True)
    assert whole.query_string == "lang=en" and explorer.requests == []
    student.request_rerun(tick())  # a look before that run told what it shows: its run is on its way
    assert len(student.requests) == 1
    assert traffic.mark() == 1 and watch.catch_up("s1") == 1 and watch.catch_up("s1") is None  # once
    store.publish(code, secret, "home", {})  # the app's main page
    student.request_rerun(tick())
    assert student.requests[-1].page_script_hash == "h-home"
    store.publish(code, secret, "maps", {})  # a page the session's app does not list: the look runs as it is
    watch.catch_up("s1")
    student.request_rerun(tick())
    assert student.requests[-1].fragment_id == "f" and watch.catch_up("s1") is None
    _Session("s1").request_rerun(tick())  # a session that does not list its pages: the look runs
    store.publish(code, secret, "adaptive-lr", {})
    student.request_rerun(tick())
    assert student.requests[-1].page_script_hash == "h-alr"  # a catch-up set off …
    watch.forget("s1")  # … and forgotten with the session
    assert "s1" not in watch._seen and watch.catch_up("s1") is None


def test_only_the_step_compares_everything_but_the_step_keys():
    def view(page="critical-points", query=None, question=None, revealed=False, preset=None):
        return cs.View(page, dict(query or {}), question, revealed, 1, preset)

    shown = room.shown_of(view(query={"steps": "40", "k": "12"}))
    step = frozenset({"k"})
    assert room.only_the_step(shown, view(query={"steps": "40", "k": "11"}), step)
    assert room.only_the_step(shown, view(query={"steps": "40"}), step)  # the teacher's step back at its default
    assert room.only_the_step(shown, view(query={"steps": "40", "k": "12"}), step)
    assert not room.only_the_step(shown, view(query={"steps": "41", "k": "11"}), step)  # a setting too
    assert not room.only_the_step(shown, view(query={"steps": "40", "k": "11", "lr": "0.1"}), step)
    assert not room.only_the_step(shown, view("playground", {"steps": "40", "k": "11"}), step)  # another page
    assert not room.only_the_step(shown, view(query={"steps": "40", "k": "11"}, question="critical-points:q"), step)
    assert not room.only_the_step(shown, view(query={"steps": "40", "k": "11"}, preset="escape"), step)
    assert not room.only_the_step(shown, view(query={"steps": "40", "k": "11"}), frozenset())  # no step fragment
    assert not room.only_the_step(None, view(query={"steps": "40", "k": "11"}), step)  # nothing known shown


class _FragmentSession(_PagedSession):
    fragments = {"f", "step"}

    def has_fragment(self, fragment_id):
        return fragment_id in self.fragments


def test_a_teachers_step_is_followed_by_the_step_fragment_alone(monkeypatch):
    """When the teacher moved nothing but the selected step of the page a student shows, the
    student's look becomes a run of the page's step fragment (as the teacher's own step was), not
    of the whole page; anything more, a step fragment not known or gone: the whole page."""
    from streamlit.proto.ClientState_pb2 import ClientState

    def tick():
        return ClientState(page_script_hash="h-cp", fragment_id="f", is_auto_rerun=True, query_string="lang=en&k=5")

    watch, traffic, store, code, secret, version = _watched_class(monkeypatch, {"k": "5"})
    shown = room.shown_of(store.view(code))
    watch.watch("s1", store, code, True, version, "f", shown)
    student = _FragmentSession("s1")
    store.publish(code, secret, "critical-points", {"k": "4"})  # the step, before the page told its step fragment
    student.request_rerun(tick())
    assert student.requests[-1].fragment_id == "" and watch.catch_up("s1") is not None  # the whole page
    watch.watch("s1", store, code, True, version + 1, "f", room.shown_of(store.view(code)))
    watch.stepped("s1", "critical-points", "step", frozenset({"k"}), version + 1, room.shown_of(store.view(code)))
    store.publish(code, secret, "critical-points", {"k": "3"})
    student.request_rerun(tick())
    alone = student.requests[-1]
    assert (alone.fragment_id, alone.page_script_hash, alone.is_auto_rerun, alone.query_string) == ("step", "h-cp", True,
                                                                                                  "lang=en&k=5")
    assert watch.catch_up("s1") is None  # a fragment's run takes no turn
    assert watch._seen["s1"].version == version + 2 and watch._seen["s1"].shown[1] == {"k": "3"}
    n = len(student.requests)
    student.request_rerun(tick())
    assert len(student.requests) == n  # until the fragment's run tells the watch, the looks find nothing new
    store.publish(code, secret, "critical-points", {"k": "3", "steps": "40"})  # a setting: the whole page
    student.request_rerun(tick())
    assert student.requests[-1].fragment_id == "" and student.requests[-1].page_script_hash == "h-cp"
    watch.watch("s1", store, code, True, version + 3, "f", room.shown_of(store.view(code)))  # its run: no step fragment yet
    assert watch._seen["s1"].step is not None  # … the page's own, told again by its step fragment in that run
    watch.watch("s1", store, code, True, version + 3, "f", ("adaptive-lr", {}, None, False, None))
    assert watch._seen["s1"].step is None  # another page: the step fragment of the page left is forgotten
    watch.stepped("s1", "critical-points", "step", frozenset({"k"}), version + 3, room.shown_of(store.view(code)))
    student.fragments = {"f"}  # the step fragment is gone (Streamlit would drop a request for it)
    store.publish(code, secret, "critical-points", {"k": "2", "steps": "40"})
    student.request_rerun(tick())
    assert student.requests[-1].fragment_id == "f"  # the look runs as it is, and follows as it always did


def test_a_following_students_look_tells_the_watch_what_it_shows():
    """The follow fragment's run (in AppTest: each page run draws it) tells the watch the
    version it shows, under its own fragment id; leaving the class forgets the student."""
    teacher, code, _ = _teacher()
    student = apptest.open_page("app.py", "en", {"class": code})
    mine = [k for k, v in room._WATCH._seen.items() if v[1] == code]
    assert len(mine) == 1
    seen = room._WATCH._seen[mine[0]]
    attached, version, fragment = seen.attached, seen.version, seen.fragment
    assert attached and version == room.store().view(code).version and fragment
    assert room._WATCH.nothing_new(mine[0], fragment)
    p = presets.for_page("critical-points")[1]
    teacher.button(key=keys.preset_button(p.id)).click().run()
    assert not room._WATCH.nothing_new(mine[0], fragment)  # the teacher moved: the look runs
    student.run()
    assert room._WATCH.nothing_new(mine[0], room._WATCH._seen[mine[0]][4])
    student.button(key="_class_leave").click().run()
    assert mine[0] not in room._WATCH._seen


def test_a_session_catches_up_until_its_last_catch_up_run_has_ended():
    traffic = room.Traffic(2)
    with traffic.turn("s1", 0, None, None):
        with traffic.turn("s1", 0, None, None):  # a second run of the same session (a rerun Streamlit started)
            assert traffic.catching_up("s1")
        assert traffic.catching_up("s1")
    assert not traffic.catching_up("s1") and traffic._catching == {}
    with pytest.raises(KeyError), traffic.turn("s2", 0, None, None):
        raise KeyError("the run failed")
    assert not traffic.catching_up("s2")

    class Broken:
        def wait_for(self, *args):
            raise RuntimeError("the wait itself failed")

    traffic._turns = Broken()
    with pytest.raises(RuntimeError), traffic.turn("s3", 0, None, None):
        pass
    assert not traffic.catching_up("s3")  # its timer is heard again


class _TeacherMovesMeanwhile(_CountingTraffic):
    """Traffic in which the teacher moves once more while a student waits for a turn."""

    def __init__(self, move):
        super().__init__()
        self.move = move

    @contextmanager
    def turn(self, sid, since, wait_s, yield_s):
        if self.move is not None:
            self.move()
            self.move = None
        with super().turn(sid, since, wait_s, yield_s) as got:
            yield got


@pytest.mark.parametrize("where", ["critical-points", "playground"])
def test_a_student_who_waited_draws_the_teachers_newest_view(monkeypatch, where):
    teacher, code, secret = _teacher()
    student = apptest.open_page("app.py", "en", {"class": code})
    first, newest = _preset("critical-points", "escape"), presets.for_page(where)[1]
    turns = _TeacherMovesMeanwhile(lambda: room.store().publish(code, secret, where, dict(newest.params),
                                                                preset=newest.id))
    monkeypatch.setattr(room, "_TRAFFIC", turns)
    teacher.button(key=keys.preset_button(first.id)).click().run()
    student.run()  # the poll sees the first preset; its run waits, meanwhile the teacher moved on
    assert student.session_state[keys.URL_PAGE] == where
    apptest.assert_state_matches(student, newest.params)
    assert student.session_state[keys.CLASS]["seen"] == room.store().view(code).version
    assert (turns.taken, turns.given) == (1, 1)  # one turn: the newest view is drawn without waiting again
    apptest.assert_clean(student)


_WIDGETS = {"button", "download_button", "slider", "select_slider", "radio", "selectbox", "toggle", "checkbox",
            "number_input", "text_input", "text_area", "multiselect", "form_submit_button", "color_picker", "date_input"}


def _empty_rows(node) -> int:
    """Rows of columns with nothing in any of them: blocks sent to the browser for nothing."""
    children = list(node.children.values()) if isinstance(getattr(node, "children", None), dict) else []
    here = int(bool(children) and all(c.type == "column" and not c.children for c in children))
    return here + sum(_empty_rows(c) for c in children)


def _leaves(node) -> list[tuple[str, str]]:
    """What a block shows besides its controls, in order: (element type, its text)."""
    out: list[tuple[str, str]] = []
    for child in (node.children or {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        if child.type in ("expander", "tab"):  # a fold is shown even when empty
            out.append((child.type, str(getattr(child, "label", ""))))
        if isinstance(getattr(child, "children", None), dict) and child.children:
            out += _leaves(child)
        elif child.type not in _WIDGETS and child.type not in ("column", "flex_container", "expander", "tab"):
            value = getattr(child, "value", "")
            out.append((child.type, value if isinstance(value, str) else ""))
    return out


@pytest.mark.parametrize(("page", "big"), [(p, False) for p in ("critical-points", "adaptive-lr", "playground", "lr-schedule",
                                                                  "batch-momentum", "beyond-adam", "classification",
                                                                  "normalization", "maps", "training-lab",
                                                                  "inside-network")]
                         + [("adaptive-lr", True), ("playground", True), ("batch-momentum", True)])
def test_a_follower_sees_the_teachers_page_and_the_teacher_holds_its_controls(page, big):
    """Following, a student's page is the teacher's without its controls (Desmos's "teacher
    paces"): no menu, no control in the sidebar or the page — nothing of the sidebar's lands in
    the page either — and everything else as a student on their own sees the teacher's link."""
    teacher, code, _ = _teacher(page)
    preset = presets.for_page(page)[-1]  # a view with settings of its own
    teacher.button(key=keys.preset_button(preset.id)).click().run()
    look = {"big": "1"} if big else {}  # the student's own presentation mode (the live controls head its sidebar)
    follower = apptest.open_page("app.py", "en", {"class": code} | look)
    assert follower.session_state[keys.URL_PAGE] == page
    own = apptest.open_page(f"pages/{page}.py", "en", look)  # a student on their own, who pressed the same preset
    own.button(key=keys.preset_button(preset.id)).click().run()
    side = [(w.type, getattr(w, "key", None)) for w in _widgets(follower.sidebar)]
    assert side == [("radio", keys.LANG_CHOICE), ("toggle", keys.BIG_CHOICE)], side
    assert t("class_held", "en") in [e.value for e in follower.sidebar.caption]
    controls = [(w.type, w.key) for w in _widgets(follower.main) if w.type not in ("button", "download_button")]
    assert controls == [], controls  # the page's buttons (downloads, the banner's) stay, no control
    assert not [w.key for w in _widgets(follower.main) if str(w.key).startswith("_quiz")]  # the questions are read
    preset_keys = {keys.preset_button(p.id) for p in presets.for_page(page)}
    assert not [w.key for w in _widgets(follower.main) if w.key in preset_keys]  # the teacher holds the presets too
    assert preset_keys <= {w.key for w in _widgets(own.main)}
    shown = [leaf for leaf in _leaves(follower.main) if not (leaf[0] == "info" and code in leaf[1])]  # but the banner
    presets_title = ("markdown", f"**{t('presets', 'en')}**")  # … over buttons the follower does not get
    prompt, held = t("quiz_prompt", "en", title=t("quiz_title", "en"), question=""), ("caption", t("class_quiz_held", "en"))
    questions = quiz.for_page(page)
    assert [leaf[1] for leaf in shown if leaf[1].startswith(prompt)] == [  # each question with its choices, to read
        t("quiz_prompt", "en", title=t("quiz_title", "en"), question=t(q.prompt, "en")) + "\n\n"
        + "\n".join(f"- {'ABCD'[i]}. {t(c, 'en')}" for i, c in enumerate(q.choices)) for q in questions]
    assert shown.count(held) == len(questions)

    def unquizzed(leaves):
        return [leaf for leaf in leaves if not leaf[1].startswith(prompt) and leaf != held]

    assert unquizzed(shown) == unquizzed(leaf for leaf in _leaves(own.main)
                                         if leaf[0] != "bidi_component" and leaf != presets_title)
    assert _empty_rows(follower.main) == 0  # no row of columns that held only controls
    apptest.assert_clean(follower)

    follower.button(key="_class_detach").click().run()  # exploring: the controls, where the teacher left them
    assert len(_widgets(follower.sidebar)) > 2 and follower.sidebar.get("page_link")
    apptest.assert_state_matches(follower, preset.params)


def _widgets(block) -> list:
    """The widgets of a block (`at.sidebar`, `at.main`), in order."""
    out = []

    def walk(node):
        for child in (node.children or {}).values() if isinstance(getattr(node, "children", None), dict) else []:
            if child.type in _WIDGETS:
                out.append(child)
            walk(child)

    walk(block)
    return out
