"""The server's per-run costs taken out (`ui.common.server_costs`): a session's messages reach a
real event loop in their order, every one of them, with a wake-up per batch instead of one per
message; a cached function's parameters are read once."""

from __future__ import annotations

import asyncio
import threading
import types

from streamlit import config, type_util
from streamlit.runtime.app_session import AppSession

from ui.common import server_costs


class _Session:
    """What of Streamlit's AppSession the batching touches: its loop and its scheduling call."""

    def __init__(self, loop):
        self._event_loop = loop
        self.wakeups = 0

    def _call_soon_on_event_loop(self, callback) -> None:
        self.wakeups += 1
        self._event_loop.call_soon_threadsafe(callback)


server_costs.batch_session_events(_Session)


def _run_on_a_loop(post, n_sessions: int = 2, *, while_running: bool = True):
    """`post(sessions)` on a script thread, while a real event loop runs (or, `while_running`
    False, before it starts: everything is queued when the loop first turns); the loop stops
    when everything posted has run."""
    loop = asyncio.new_event_loop()
    sessions = [_Session(loop) for _ in range(n_sessions)]
    done = threading.Event()

    def poster():
        post(sessions)
        done.set()

    if not while_running:
        t = threading.Thread(target=poster)
        t.start()
        t.join()

    async def main():
        if while_running:
            t = threading.Thread(target=poster)
            t.start()
            while not done.is_set():
                await asyncio.sleep(0.001)
            t.join()
        for _ in range(200):  # the batches still queued
            await asyncio.sleep(0)

    def serve():  # the loop on a thread of its own, as the server's: the test process may have a loop running here
        loop.run_until_complete(main())
        loop.close()

    t = threading.Thread(target=serve, name="test-event-loop")
    t.start()
    t.join(60)
    assert not t.is_alive()
    return sessions


def _post_numbers(seen: dict, loop_threads: set, n: int):
    def post(sessions):
        for i in range(n):
            for s_i, s in enumerate(sessions):
                s._call_soon_on_event_loop(lambda s_i=s_i, i=i: (seen[s_i].append(i), loop_threads.add(threading.current_thread().name)))
    return post


def test_every_message_runs_on_the_loop_in_its_sessions_order():
    seen: dict[int, list[int]] = {0: [], 1: []}
    loop_threads: set[str] = set()
    n = 3000
    _run_on_a_loop(_post_numbers(seen, loop_threads, n))
    assert seen[0] == list(range(n)) and seen[1] == list(range(n))
    assert loop_threads == {"test-event-loop"}  # on the loop's thread, never on the poster's


def test_a_batch_wakes_the_loop_once():
    seen: dict[int, list[int]] = {0: [], 1: []}
    sessions = _run_on_a_loop(_post_numbers(seen, set(), 500), while_running=False)
    assert seen[0] == list(range(500)) and seen[1] == list(range(500))
    assert [s.wakeups for s in sessions] == [1, 1]  # Streamlit's own call: 500 each


def test_a_failing_callback_is_logged_and_the_next_still_runs(caplog):
    seen = []

    def post(sessions):
        s = sessions[0]
        s._call_soon_on_event_loop(lambda: seen.append(1))
        s._call_soon_on_event_loop(lambda: 1 / 0)
        s._call_soon_on_event_loop(lambda: seen.append(3))

    _run_on_a_loop(post, 1)
    assert seen == [1, 3]
    assert "a session event failed" in caplog.text


def test_the_messages_of_a_batch_signal_the_sender_once():
    told = []

    def post(sessions):
        s = sessions[0]
        s._message_enqueued_callback = lambda: told.append("send")
        for _ in range(10):
            s._call_soon_on_event_loop(lambda: s._message_enqueued_callback())  # as _enqueue_forward_msg does
        s._call_soon_on_event_loop(lambda: told.append("after"))

    sessions = _run_on_a_loop(post, 1, while_running=False)
    assert told == ["after", "send"]  # one signal, at the batch's end
    sessions[0]._message_enqueued_callback()
    assert told[-1] == "send"  # the server's own signal is back


def test_a_long_batch_lets_the_other_sessions_go_between_its_turns():
    order = []

    def post(sessions):
        a, b = sessions
        for i in range(3 * server_costs.BATCH):
            a._call_soon_on_event_loop(lambda i=i: order.append(("a", i)))
        b._call_soon_on_event_loop(lambda: order.append(("b", 0)))

    _run_on_a_loop(post, while_running=False)
    assert order.index(("b", 0)) == server_costs.BATCH  # after a's first batch, not behind its whole queue
    assert [x for x in order if x[0] == "a"] == [("a", i) for i in range(3 * server_costs.BATCH)]


def test_streamlits_session_class_is_wrapped_once():
    server_costs.install()
    wrapped = AppSession._call_soon_on_event_loop
    server_costs.install()
    assert AppSession._call_soon_on_event_loop is wrapped
    assert getattr(wrapped, server_costs._MARK)
    assert getattr(type_util.get_func_parameters, server_costs._MARK)
    assert getattr(config.get_options_for_section, server_costs._MARK)


def test_a_functions_parameters_are_read_once_and_each_caller_gets_its_own_list():
    calls = []
    stand_in = types.SimpleNamespace(get_func_parameters=lambda f: calls.append(f) or ["a", "b"])
    server_costs.memo_signatures(stand_in)

    def f(a, b):
        return a + b

    first = stand_in.get_func_parameters(f)
    first.append("x")
    assert stand_in.get_func_parameters(f) == ["a", "b"]
    assert calls == [f]

    class Unhashable:
        __hash__ = None

        def __call__(self):
            return None

    u = Unhashable()
    assert stand_in.get_func_parameters(u) == ["a", "b"]  # cannot be a key: read each time, as before
    assert stand_in.get_func_parameters(u) == ["a", "b"] and calls == [f, u, u]


def test_streamlits_own_parameters_are_unchanged():
    server_costs.install()

    def g(x, _skip, *, k=1):
        return x

    assert [p.name for p in type_util.get_func_parameters(g)] == ["x", "_skip", "k"]
    assert type_util.get_func_parameters(g) == type_util.get_func_parameters(g)



class _Options(dict):
    """A stand-in for Streamlit's parsed options that counts the walks over all of them."""

    walks = 0

    def values(self):
        type(self).walks += 1
        return super().values()


def _option(section: str, name: str, value):
    return types.SimpleNamespace(section=section, name=name, value=value)


def _walk(options: dict, section: str) -> dict:  # what Streamlit's own get_options_for_section returns
    return {o.name: o.value for o in dict.values(options) if o.section == section}


def test_a_sections_options_come_from_an_index_built_once_per_parse():
    parsed = [_Options({"theme.base": _option("theme", "base", "light"),
                        "theme.light.linkColor": _option("theme.light", "linkColor", None),
                        "server.port": _option("server", "port", 8501)})]
    stand_in = types.SimpleNamespace(_config_lock=threading.RLock(), get_config_options=lambda: parsed[0],
                                     get_options_for_section=lambda section: None)
    server_costs.index_config_sections(stand_in)
    _Options.walks = 0
    for _ in range(3):
        for section in ("theme", "theme.light", "server", "nowhere"):
            assert stand_in.get_options_for_section(section) == _walk(parsed[0], section)
    assert _Options.walks == 1  # twelve look-ups, one walk

    parsed[0]["theme.base"].value = "dark"  # an option set later: read at each call, never kept
    assert stand_in.get_options_for_section("theme") == {"base": "dark"}
    parsed[0]["theme.font"] = _option("theme", "font", "serif")  # an option added in place
    assert stand_in.get_options_for_section("theme") == {"base": "dark", "font": "serif"}
    parsed[0] = _Options({"theme.base": _option("theme", "base", "light")})  # a new parse
    assert stand_in.get_options_for_section("theme") == {"base": "light"}
    assert stand_in.get_options_for_section("server") == {}
    assert _Options.walks == 3


def test_streamlits_own_sections_are_unchanged_and_a_set_option_is_seen():
    server_costs.install()
    options = config.get_config_options()
    sections = {o.section for o in options.values()}
    assert {"theme", "theme.light", "theme.dark.sidebar", "server", "runner"} <= sections
    for section in sections:
        assert config.get_options_for_section(section) == _walk(options, section)
    before = config.get_option("theme.primaryColor")
    try:
        config.set_option("theme.primaryColor", "#123456")
        assert config.get_options_for_section("theme")["primaryColor"] == "#123456"
    finally:
        config.set_option("theme.primaryColor", before)
    assert config.get_options_for_section("theme")["primaryColor"] == before
