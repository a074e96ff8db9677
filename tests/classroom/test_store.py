"""The class store's contract, run against both stores (in-process and Redis)."""

from __future__ import annotations

import threading
import tracemalloc

import pytest

from ui.classroom import store as cs


def test_codes_are_six_characters_without_look_alikes():
    assert not set("0O1IL") & set(cs.ALPHABET)
    for _ in range(200):
        code = cs.new_code()
        assert cs.valid_code(code)
    assert cs.normalize_code(" hj4-k7m ") == "HJ4K7M"
    assert not cs.valid_code("HJ4K7O") and not cs.valid_code("HJ4K7")


def test_the_teacher_publishes_and_students_read_the_view(make_store):
    s = make_store()
    code, secret = s.create()
    assert cs.valid_code(code) and len(secret) >= 24
    v0 = s.view(code)
    v1 = s.publish(code, secret, "playground", {"steps": "80", "k": "12"})
    assert v1 > v0.version
    view = s.view(code)
    assert (view.page, view.query, view.step, view.question, view.revealed) == ("playground", {"steps": "80", "k": "12"},
                                                                                12, None, False)
    # the same view again is no change: followers are not moved for nothing
    assert s.publish(code, secret, "playground", {"steps": "80", "k": "12"}) == v1
    assert s.publish(code, secret, "playground", {"steps": "80", "k": "13"}) == v1 + 1
    # the preset the teacher applied is part of the view: its note goes to every screen
    assert s.publish(code, secret, "playground", {"steps": "80", "k": "13"}, preset="race") == v1 + 2
    assert s.view(code).preset == "race"
    assert s.publish(code, secret, "playground", {"steps": "80", "k": "13"}) == v1 + 3 and s.view(code).preset is None


def test_every_write_checks_the_secret(make_store):
    s = make_store()
    code, secret = s.create()
    other_code, other_secret = s.create()
    for bad in ("", "x" * len(secret), other_secret, secret[:-1]):
        with pytest.raises(cs.ClassError) as e:
            s.publish(code, bad, "maps", {})
        assert e.value.reason == "forbidden"
        with pytest.raises(cs.ClassError):
            s.end(code, bad)
        with pytest.raises(cs.ClassError):
            s.touch(code, bad)
    assert s.view(code).page == "home"
    with pytest.raises(cs.ClassError) as e:
        s.publish("HJKMNP" if code != "HJKMNP" else "HJKMNR", secret, "maps", {})
    assert e.value.reason == "unknown"


def test_joining_a_wrong_code_is_refused_and_rate_limited_per_session(make_store):
    s = make_store()
    code, _ = s.create()
    for _ in range(cs.JOIN_LIMIT):
        with pytest.raises(cs.ClassError) as e:
            s.join("ACEFGH" if code != "ACEFGH" else "ACEFGJ", "guesser")
        assert e.value.reason == "unknown"
    with pytest.raises(cs.ClassError) as e:
        s.join(code, "guesser")  # even the right code, once the session is over its limit
    assert e.value.reason == "rate"
    assert s.join(code, "someone-else").version == s.view(code).version  # other sessions are not affected


def test_one_answer_per_student_session_and_counts(make_store):
    s = make_store()
    code, secret = s.create()
    q = "critical-points:saddle"
    for i in range(5):
        s.join(code, f"s{i}")
    with pytest.raises(cs.ClassError) as e:  # no question open yet
        s.answer(code, "s0", q, 1)
    assert e.value.reason == "closed"
    s.publish(code, secret, "critical-points", {}, question=q)
    assert s.answer(code, "s0", q, 1) and s.answer(code, "s1", q, 1) and s.answer(code, "s2", q, 0)
    assert not s.answer(code, "s0", q, 2)  # a second answer of the same session is not counted
    with pytest.raises(cs.ClassError) as e:
        s.answer(code, "stranger", q, 0)
    assert e.value.reason == "not_joined"
    for bad in (-1, 4, True, "1"):
        with pytest.raises(cs.ClassError):
            s.answer(code, "s3", q, bad)
    assert s.counts(code, q) == [1, 2, 0, 0]
    assert s.my_answer(code, "s0", q) == 1 and s.my_answer(code, "s3", q) is None
    s.publish(code, secret, "critical-points", {}, question=q, revealed=True)
    with pytest.raises(cs.ClassError):  # revealed: the poll is closed
        s.answer(code, "s3", q, 0)
    assert s.counts(code, q) == [1, 2, 0, 0] and s.students(code) == 5


def test_a_class_expires_three_hours_after_the_teacher_was_last_seen(make_store, clock):
    s = make_store(clock)
    code, secret = s.create()
    s.join(code, "s0")
    clock.now += cs.TTL_S - 60
    s.touch(code, secret)  # the teacher is still there
    clock.now += cs.TTL_S - 60
    assert s.view(code) is not None
    clock.now += 120
    assert s.view(code) is None and s.live_classes() == 0
    with pytest.raises(cs.ClassError) as e:
        s.join(code, "s1")
    assert e.value.reason == "unknown"
    with pytest.raises(cs.ClassError):
        s.publish(code, secret, "maps", {})


def test_at_most_50_classes_and_300_students(make_store):
    s = make_store()
    classes = [s.create() for _ in range(cs.MAX_CLASSES)]
    with pytest.raises(cs.ClassError) as e:
        s.create()
    assert e.value.reason == "busy"
    code, secret = classes[0]
    s.end(code, secret)
    assert s.view(code) is None
    code, _ = s.create()  # room again
    for i in range(cs.MAX_STUDENTS):
        s.join(code, f"s{i}")
    s.join(code, "s0")  # joining again is one student
    with pytest.raises(cs.ClassError) as e:
        s.join(code, "one-too-many")
    assert e.value.reason == "full"
    assert s.students(code) == cs.MAX_STUDENTS


def test_a_view_is_bounded(make_store):
    s = make_store()
    code, secret = s.create()
    for page, query, question in [("p" * 41, {}, None), ("maps", {f"k{i}": "1" for i in range(41)}, None),
                                  ("maps", {"k": "x" * 201}, None), ("maps", {}, "q" * 200)]:
        with pytest.raises(cs.ClassError) as e:
            s.publish(code, secret, page, query, question)
        assert e.value.reason == "bad_view"
    with pytest.raises(cs.ClassError) as e:
        s.publish(code, secret, "maps", {}, None, False, "p" * 41)
    assert e.value.reason == "bad_view"


def test_concurrent_answers_are_all_counted(make_store):
    s = make_store()
    code, secret = s.create()
    q = "maps:basins"
    for i in range(60):
        s.join(code, f"s{i}")
    s.publish(code, secret, "maps", {}, question=q)

    def answer(i):
        assert s.answer(code, f"s{i}", q, i % 3)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(60)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert s.counts(code, q) == [20, 20, 20, 0]


def test_the_in_process_store_is_bounded_in_memory():
    """50 full classes, each with 300 students who answered as many questions as a class may
    poll, and a full view: what the store holds then (measured with tracemalloc) stays under 8 MB."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    s = cs.MemoryStore()
    query = {f"key{i:02d}": "v" * 60 for i in range(cs.MAX_QUERY_ITEMS)}
    for _ in range(cs.MAX_CLASSES):
        code, secret = s.create()
        for i in range(cs.MAX_STUDENTS):
            s.join(code, f"{code}-student-{i:04d}-{'x' * 12}")
        for qi in range(cs.MAX_QUESTIONS):
            q = f"page-{qi:02d}:question-{qi:02d}"
            s.publish(code, secret, "playground", query, question=q)
            for i in range(cs.MAX_STUDENTS):
                s.answer(code, f"{code}-student-{i:04d}-{'x' * 12}", q, i % 4)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(f"in-process store, 50 full classes: {held / 2**20:.1f} MiB")
    assert held < 8 * 2**20
    assert s.live_classes() == cs.MAX_CLASSES


def test_a_view_watched_is_known_without_a_network_read_and_only_while_fresh(make_store, clock):
    """`watched`: what a student's look asks on the server's event loop.  The in-process store
    reads it; Redis answers from its mirror, which knows nothing before its first read."""
    s = make_store(clock)
    code, secret = s.create()
    s.publish(code, secret, "playground", {"k": "3"})
    if isinstance(s, cs.MemoryStore):
        assert s.watched(code) == s.view(code)
        return
    s.mirror = cs.Mirror(s.views, start=False, clock=clock)  # no thread: the test reads for it
    with pytest.raises(LookupError):
        s.watched(code)  # asked, not read yet: the look reads the store itself
    assert s.mirror.refresh()
    assert s.watched(code) == s.view(code)
    s.publish(code, secret, "playground", {"k": "4"})
    assert s.watched(code).query == {"k": "3"}  # as last read …
    s.mirror.refresh()
    assert s.watched(code).query == {"k": "4"}  # … until the next read
    clock.now += cs.MIRROR_STALE_S + 1
    with pytest.raises(LookupError):
        s.watched(code)  # a read too old is no answer
    s.mirror.refresh()
    s.end(code, secret)
    s.mirror.refresh()
    assert s.watched(code) is None  # the class ended: the look runs and says so
    clock.now += cs.MIRROR_KEEP_S + 1
    assert not s.mirror.refresh()  # nobody asked lately: nothing is read (the thread ends)


def test_redis_reads_several_views_in_one_round_trip(make_redis_store, clock):
    s = make_redis_store(clock)
    codes = [s.create() for _ in range(3)]
    for i, (code, secret) in enumerate(codes):
        s.publish(code, secret, "playground", {"k": str(i)})
    s.end(*codes[1])
    assert s.views([c for c, _ in codes] + ["HJKMNP"]) == [s.view(codes[0][0]), None, s.view(codes[2][0]), None]
    s.r.hset(s._k(codes[2][0]), "view", "{not json")  # a damaged entry: that class alone is unknown
    assert s.views([codes[0][0], codes[2][0], "bad code"]) == [s.view(codes[0][0]), None, None]
    clock.now += cs.TTL_S + 1
    assert s.views([codes[0][0]]) == [None]  # expired: as `view` says


def test_the_mirror_reads_a_changed_view_when_told_and_survives_a_store_that_fails(make_redis_store):
    """With Redis the mirror's thread reads the views again when the teacher's change is
    announced (the periodic read here is a minute away), and a failing read only lets its
    views go stale."""
    import time

    s = make_redis_store()
    code, secret = s.create()
    s.mirror = cs.Mirror(s.views, s._changes, every_s=60.0)
    try:
        with pytest.raises(LookupError):
            s.watched(code)  # the first question starts the thread

        def until(ok) -> None:
            for _ in range(400):  # bounded: 20 s
                try:
                    if ok():
                        return
                except LookupError:
                    pass
                time.sleep(0.05)
            raise AssertionError("the mirror did not catch up")

        until(lambda: s.watched(code) is not None)
        version = s.publish(code, secret, "critical-points", {"k": "7"})
        until(lambda: s.watched(code).version == version)  # told, not waiting a minute
        s.end(code, secret)
        until(lambda: s.watched(code) is None)
    finally:
        s.mirror.close()
    def no_pubsub():
        raise ConnectionError("this store has no pub/sub")

    polled = cs.Mirror(s.views, no_pubsub, every_s=0.05)  # no change messages: it reads every `every_s`
    try:
        code2, secret2 = s.create()
        with pytest.raises(LookupError):
            polled.view(code2)
        until(lambda: polled.view(code2) is not None)
        version = s.publish(code2, secret2, "playground", {})
        until(lambda: polled.view(code2).version == version)
    finally:
        polled.close()
    fails = cs.Mirror(lambda codes: 1 / 0, start=False)
    with pytest.raises(LookupError):
        fails.view(code)
    with pytest.raises(ZeroDivisionError):
        fails.refresh()  # the thread catches it and tries again
    with pytest.raises(LookupError):
        fails.view(code)


def test_the_mirror_reads_a_bounded_number_of_classes(monkeypatch):
    monkeypatch.setattr(cs, "MIRROR_MAX", 2)
    read = []
    m = cs.Mirror(lambda codes: read.append(list(codes)) or [None] * len(codes), start=False)
    for code in ("AAAAAA", "CCCCCC", "EEEEEE"):
        with pytest.raises(LookupError):
            m.view(code)
    m.refresh()
    assert read == [["AAAAAA", "CCCCCC"]]


def test_the_mirrors_thread_ends_when_nobody_asks_and_the_next_question_starts_another(clock):
    import time

    m = cs.Mirror(lambda codes: [None] * len(codes), every_s=0.01, clock=clock)
    try:
        with pytest.raises(LookupError):
            m.view("AAAAAA")
        first = m._thread
        assert first is not None
        clock.now += cs.MIRROR_KEEP_S + 1  # nobody asked since
        first.join(20)
        assert not first.is_alive() and m._thread is None
        with pytest.raises(LookupError):
            m.view("AAAAAA")  # asked again: a new thread reads it
        for _ in range(400):  # bounded: 20 s
            try:
                assert m.view("AAAAAA") is None
                break
            except LookupError:
                time.sleep(0.05)
        else:
            raise AssertionError("the new thread did not read the class")
        assert m._thread is not first
    finally:
        m.close()
