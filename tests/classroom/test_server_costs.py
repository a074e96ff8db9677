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
    from streamlit.runtime import app_session
    from streamlit.runtime.scriptrunner import script_runner
    assert getattr(app_session._populate_theme_msg, server_costs._MARK)
    assert getattr(script_runner._mpa_v1, server_costs._MARK)
    from streamlit import dataframe_util
    assert getattr(dataframe_util.convert_arrow_table_to_arrow_bytes, server_costs._MARK)


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



class _Option:
    """A stand-in for Streamlit's ConfigOption: a value, set with `set_value`."""

    def __init__(self, value):
        self.value = value

    def set_value(self, value, where_defined=None):
        self.value = value


def _theme_stand_ins():
    from streamlit.proto.NewSession_pb2 import CustomThemeConfig

    built = []
    option_class = type("StandInOption", (_Option,), {})
    config = types.SimpleNamespace(_config_options={"theme.primaryColor": option_class("#0072B2"),
                                                    "theme.light.linkColor": option_class("#111111")})

    def populate(msg, section="theme"):  # what Streamlit's _populate_theme_msg does with these options
        built.append(section)
        if section == "theme":
            msg.primary_color = config._config_options["theme.primaryColor"].value
        elif section == "theme.light":
            msg.link_color = config._config_options["theme.light.linkColor"].value

    app_session = types.SimpleNamespace(_populate_theme_msg=populate)
    server_costs.memo_session_theme(app_session, config, option_class)
    return app_session, config, option_class, built, CustomThemeConfig


def test_a_sections_theme_is_built_once_per_configuration():
    app_session, config, option_class, built, Theme = _theme_stand_ins()

    def theme(section="theme"):
        msg = Theme()
        app_session._populate_theme_msg(msg, section)
        return msg

    for _ in range(3):
        assert theme().primary_color == "#0072B2" and theme("theme.light").link_color == "#111111"
        assert theme("theme.dark") == Theme()
    assert built == ["theme", "theme.light", "theme.dark"]  # nine messages, three sections built

    config._config_options["theme.primaryColor"].set_value("#123456")  # config.set_option, a parse: built anew
    assert theme().primary_color == "#123456" and theme("theme.light").link_color == "#111111"
    assert built[3:] == ["theme", "theme.light"]

    config._config_options = {"theme.primaryColor": option_class("#654321"),  # a new parse, no option set
                              "theme.light.linkColor": option_class("#222222")}
    assert theme().primary_color == "#654321" and theme("theme.light").link_color == "#222222"
    assert built[5:] == ["theme", "theme.light"]

    partly = Theme(base=Theme.BaseTheme.DARK)  # the theme lands on what the message holds, as Streamlit's does
    app_session._populate_theme_msg(partly.light, "theme.light")
    assert partly.base == Theme.BaseTheme.DARK and partly.light.link_color == "#222222"


def test_streamlits_new_session_theme_is_unchanged_and_a_set_option_is_seen():
    from streamlit.proto.NewSession_pb2 import CustomThemeConfig
    from streamlit.runtime import app_session

    server_costs.install()
    populate = app_session._populate_theme_msg
    assert getattr(populate, server_costs._MARK)
    sections = ["theme", "theme.light", "theme.dark", "theme.sidebar", "theme.light.sidebar", "theme.dark.sidebar"]

    def both(section):
        kept, built = CustomThemeConfig(), CustomThemeConfig()
        populate(kept, section)
        populate.__wrapped__(built, section)
        return kept, built

    for section in sections:
        kept, built = both(section)
        assert kept == built
    before = config.get_option("theme.primaryColor")
    try:
        config.set_option("theme.primaryColor", "#123456")
        kept, built = both("theme")
        assert kept == built and kept.primary_color == "#123456"
    finally:
        config.set_option("theme.primaryColor", before)
    kept, built = both("theme")
    assert kept == built and kept.primary_color != "#123456"


# -- 4. a shared payload's digest ------------------------------------------------------------------
def _payload(n: int, last: str = "0") -> str:
    """A chart's JSON text of about n characters (a new string object each call)."""
    body = ",".join(str(i % 97) for i in range(n // 3))
    return '{"data": [' + body + "], \"end\": " + last + "}"


def _chart_msg(spec: str):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.metadata.delta_path[:] = [0, 3]
    msg.delta.new_element.plotly_chart.spec = spec
    msg.delta.new_element.plotly_chart.id = "chart-id"
    return msg


def _component_msg(data: bytes):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.metadata.delta_path[:] = [0, 4]
    msg.delta.new_element.bidi_component.bytes = data
    return msg


def _wrapped():
    from streamlit.components.v2.bidi_component import main as bidi
    from streamlit.elements.lib import utils
    from streamlit.runtime.scriptrunner_utils import script_run_context as run_context

    server_costs.install()
    for fn in (utils._compute_element_id, bidi.calc_hash, run_context.populate_hash_if_needed):
        assert getattr(fn, server_costs._MARK)
    return utils._compute_element_id, bidi.calc_hash, run_context.populate_hash_if_needed


def test_a_drawn_payload_gives_an_element_id_by_its_digest():
    element_id, _, _ = _wrapped()
    text = _payload(60_000)
    same = "".join(list(text))  # equal, another object: as Streamlit reads it back from the element
    assert same is not text and same == text
    other = _payload(60_000, last="1")  # one byte differs, at the end

    def drawn(payload, **kw):
        with server_costs.drawing(payload, server_costs.payload_digest(payload)):
            return element_id("plotly_chart", "curves", plotly_spec=same if payload is text else payload, **kw)

    streamlits = element_id.__wrapped__("plotly_chart", "curves", plotly_spec=text, theme=None)
    assert element_id("plotly_chart", "curves", plotly_spec=text, theme=None) == streamlits  # nothing drawn: as before
    a, b = drawn(text, theme=None), drawn(text, theme=None)
    assert a == b and a.endswith("-curves")  # the same payload, the same id, the key kept
    assert drawn(other, theme=None) != a  # another payload, another id
    assert drawn(text, theme="streamlit") != a  # and the other arguments still count
    with server_costs.drawing(other, server_costs.payload_digest(other)):  # not the payload drawn: hashed as before
        assert element_id("plotly_chart", "curves", plotly_spec=text, theme=None) == streamlits


def test_a_drawn_payload_gives_a_message_hash_by_its_digest_and_leaves_the_message_whole():
    _, _, populate = _wrapped()
    text, other = _payload(60_000), _payload(60_000, last="1")

    def hashed(spec, drawn: str | None):
        msg = _chart_msg(spec)
        before = msg.SerializeToString()
        if drawn is None:
            populate(msg)
        else:
            with server_costs.drawing(drawn, server_costs.payload_digest(drawn)):
                populate(msg)
        assert msg.delta.new_element.plotly_chart.spec == spec  # the payload is back in place
        assert list(msg.metadata.delta_path) == [0, 3]
        after = _chart_msg(spec)
        after.hash, after.metadata.cacheable = msg.hash, msg.metadata.cacheable
        assert msg.SerializeToString() == after.SerializeToString() and len(before) < len(after.SerializeToString())
        return msg

    plain = _chart_msg(text)
    populate.__wrapped__(plain)
    assert plain.metadata.cacheable  # Streamlit's own: a long new element is cached by the browser
    assert hashed(text, None).hash == plain.hash  # nothing drawn: as before
    a, b = hashed(text, text), hashed("".join(list(text)), text)
    assert a.hash == b.hash and a.metadata.cacheable
    assert hashed(other, other).hash != a.hash
    assert hashed(text, other).hash == plain.hash  # another payload drawn: hashed as before
    small = _payload(300)  # under global.minCachedMessageSize: as Streamlit does it
    mine, streamlits = hashed(small, small), _chart_msg(small)
    populate.__wrapped__(streamlits)
    assert mine.hash == streamlits.hash and not mine.metadata.cacheable


def test_a_live_controls_data_is_hashed_by_its_head_once_and_as_streamlit_hashes_it():
    from streamlit.util import calc_hash

    _, bidi_hash, populate = _wrapped()
    head = _payload(80_000).encode()[:-1]
    hasher = server_costs.PayloadHasher(head)
    tails = [b', "index": 3}', b', "index": 12}']
    for tail in tails:
        data = head + tail
        assert hasher.digest(tail) == server_costs.payload_digest(data) == calc_hash(data)
        with server_costs.drawing(data, hasher.digest(tail)):
            assert bidi_hash(bytes(data)) == calc_hash(data)  # the component's identity: exactly Streamlit's
            assert bidi_hash(data[:-2] + b"9}") == calc_hash(data[:-2] + b"9}")  # not the payload: hashed
    hashes = []
    for tail in tails:
        msg = _component_msg(head + tail)
        with server_costs.drawing(head + tail, hasher.digest(tail)):
            populate(msg)
        assert msg.delta.new_element.bidi_component.bytes == head + tail and msg.metadata.cacheable
        hashes.append(msg.hash)
    assert hashes[0] != hashes[1]  # the position shown is part of the message


def test_a_second_session_on_a_view_hashes_none_of_its_payloads(monkeypatch):
    """What the digests are for: a follower draws the view another session drew, and hashes
    (element ids and message hashes) a few kilobytes, not the megabytes of its charts and its
    live control — and they reach the browser whole, with the same ids as the first session's."""
    from streamlit import util

    from tests.apptest import open_page

    first = open_page("pages/adaptive-lr.py")
    payload = sum(len(c.proto.spec) for c in first.get("plotly_chart"))
    payload += sum(len(c.proto.bytes) for c in first.get("bidi_component"))
    assert payload > 1_000_000
    hashed = []
    make = util.create_fast_hasher

    class Counting:
        def __init__(self, h=None):
            self.h = h or make()

        def update(self, b):
            hashed.append(len(b))
            self.h.update(b)

        def copy(self):
            return Counting(self.h.copy())

        def hexdigest(self):
            return self.h.hexdigest()

        def digest(self):
            return self.h.digest()

    monkeypatch.setattr(util, "create_fast_hasher", Counting)
    second = open_page("pages/adaptive-lr.py")
    assert not second.exception
    sizes = sorted([len(c.proto.spec) for c in first.get("plotly_chart")] + [len(c.proto.bytes) for c in first.get("bidi_component")])
    assert max(hashed) < sizes[0] / 2, (max(hashed), sizes)  # no payload hashed (the longest other message: ~16 kB)
    assert sum(hashed) < payload / 10, (sum(hashed), payload)
    assert [(c.proto.id, c.proto.spec) for c in second.get("plotly_chart")] == \
        [(c.proto.id, c.proto.spec) for c in first.get("plotly_chart")]
    assert [(c.proto.id, c.proto.bytes) for c in second.get("bidi_component")] == \
        [(c.proto.id, c.proto.bytes) for c in first.get("bidi_component")]


def test_the_pages_folder_is_read_once_while_it_is_unchanged_and_each_run_gets_streamlits_pages(
    tmp_path, monkeypatch
):
    import os

    from streamlit.commands import navigation
    from streamlit.navigation import page
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner_utils.script_run_context import SCRIPT_RUN_CONTEXT_ATTR_NAME

    main = tmp_path / "app.py"
    main.write_text("")
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("2_b_page.py", "1_a.py", "10_c.py", "__init__.py", ".hidden.py", "notes.txt"):
        (folder / name).write_text("")
    handed = []  # what each run hands st.navigation: (its pages, position, expanded)

    def record(pages, position, expanded):
        handed.append((pages, position, expanded))
        return types.SimpleNamespace(run=lambda: None)

    monkeypatch.setattr(navigation, "_navigation", record)  # Streamlit's own _mpa_v1 imports it at each call
    ctx = types.SimpleNamespace(pages_manager=types.SimpleNamespace(main_script_parent=tmp_path))
    monkeypatch.setattr(threading.current_thread(), SCRIPT_RUN_CONTEXT_ATTR_NAME, ctx, raising=False)
    made = []
    counting = types.SimpleNamespace(_create_page=lambda p, **kw: made.append(p) or page._create_page(p, **kw))
    streamlits = getattr(script_runner._mpa_v1, "__wrapped__", script_runner._mpa_v1)
    stand_in = types.SimpleNamespace(_mpa_v1=streamlits)
    server_costs.memo_pages(stand_in, page=counting)

    def seen(run):
        pages, position, expanded = run
        return [vars(p) for p in pages], position, expanded

    streamlits(str(main))
    stand_in._mpa_v1(str(main))
    assert seen(handed[1]) == seen(handed[0])
    assert [p.title for p in handed[1][0]] == ["app", "a", "b page", "c"]
    assert len(made) == 4

    handed[1][0][0]._can_be_called = True  # st.navigation marks the page it runs …
    stand_in._mpa_v1(str(main))
    assert len(made) == 4  # … the folder was not read again
    assert seen(handed[2]) == seen(handed[0])  # … and the next run's pages are unmarked copies
    assert not any(a is b for a, b in zip(handed[2][0], handed[1][0], strict=True))

    (folder / "3_d.py").write_text("")
    stamp = os.stat(folder)
    os.utime(folder, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))  # a page added: a new modification time
    streamlits(str(main))
    stand_in._mpa_v1(str(main))
    assert seen(handed[4]) == seen(handed[3])
    assert [p.title for p in handed[4][0]] == ["app", "a", "b page", "d", "c"]
    assert len(made) == 9


def test_a_value_is_kept_while_its_object_lives_and_goes_with_it():
    class Thing:
        pass

    kept = server_costs.WhileAlive()
    a, b = Thing(), Thing()
    assert kept.get(a) is None
    assert kept.put(a, "a's") == "a's"
    assert kept.get(a) == "a's" and kept.get(b) is None and len(kept._kept) == 1
    kept.put(b, "b's")
    del a
    assert len(kept._kept) == 1 and kept.get(b) == "b's"  # a's value went with it


def test_a_shared_tables_arrow_bytes_are_written_once_while_it_lives_and_other_tables_at_every_call():
    import numpy as np
    import pyarrow as pa
    from streamlit import dataframe_util

    streamlits = getattr(
        dataframe_util.convert_arrow_table_to_arrow_bytes, "__wrapped__", dataframe_util.convert_arrow_table_to_arrow_bytes
    )
    written = []
    stand_in = types.SimpleNamespace(convert_arrow_table_to_arrow_bytes=lambda t: written.append(t) or streamlits(t))
    server_costs.memo_arrow_bytes(stand_in)
    convert = stand_in.convert_arrow_table_to_arrow_bytes
    rows = {"step": [0, 1, 2], "loss": [1.0, 0.5, 0.25], "name": ["SGD", "Adam", "AdaGrad"]}
    table = server_costs.share_table(pa.table(rows))
    first = convert(table)
    assert first == streamlits(table) and pa.ipc.open_stream(first).read_all().equals(table)
    assert convert(table) is first and len(written) == 1  # the same shared table: its bytes, kept
    equal = server_costs.share_table(pa.table(rows))
    assert convert(equal) == first and len(written) == 2  # another table is written (kept by identity, not value)

    values = np.array([1.0, 2.0])  # a table on memory that takes writes (Arrow shares a numpy array's) …
    live = pa.table({"loss": values})
    before = convert(live)
    values[0] = 42.0
    assert pa.ipc.open_stream(convert(live)).read_all()["loss"][0].as_py() == 42.0  # … is written at every call
    assert len(written) == 4 and before != convert(live)
    assert server_costs.share_table([{"a": 1}, {"a": "x"}]) == [{"a": 1}, {"a": "x"}]  # rows Arrow could not type pass
