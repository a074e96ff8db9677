"""Six per-run costs of Streamlit 1.67's server, taken out once per process (`install`).

1. **One wake-up of the event loop per batch of a session's messages, not one per message.**
   Every element a script draws reaches the event loop through
   `AppSession._call_soon_on_event_loop`, that is `loop.call_soon_threadsafe`: a byte written
   to the loop's self-pipe for each of a page run's ~80 messages.  Each write lets go of the
   interpreter lock, wakes the event loop, which takes the lock, and the script thread waits to
   get it back.  Sampled in a class of 60 followers (py-spy, make load-class), a quarter of the
   script threads' time was spent in that write.  Here a session's callbacks go into its own
   queue, in order, and only the first of a batch wakes the loop, which then runs the batch.
   Each message the batch adds to the browser's queue would in turn wake the loop the same way
   (the runtime's "messages to send" signal, `call_soon_threadsafe` again, on the loop itself):
   the batch signals once, at its end, before the loop can send anything.

2. **A cached function's signature read once.**  `st.cache_data` names each positional argument
   of every call with `inspect.signature` (`type_util.get_func_parameters`), a few tens of
   microseconds per argument, on every cache hit; a page run makes a dozen such calls.  The
   parameters of a function object do not change, so they are kept per function.

3. **A new-session message's theme built once per configuration.**  Every run, a fragment's
   poll included, starts with a new-session message, whose theme Streamlit fills from six
   config sections (`[theme]`, `[theme.light]`, … `[theme.dark.sidebar]`): a walk of all ~370
   options for each and ~300 values read, 0.17 ms a message — sixty times a second while a
   class of sixty follows its teacher (`_populate_theme_msg` and its section walks were 4 % of
   the server's time with the interpreter lock in such a class, py-spy `--gil`).  The theme of
   each section is kept, ready-made, until a config option is set (`ConfigOption.set_value`,
   which every parse and `config.set_option` go through) or the options are parsed anew.

4. **A shared payload's digest computed once, not twice per element drawn.**  A chart's JSON text
   (up to 0.7 MB) and a live control's data (up to 1.3 MB) are hashed in full twice each time a
   session draws them: once for the element's id, once for the message's hash (after a
   serialization for it alone).  Sixty followers drawing the teacher's view hashed the same
   megabytes sixty times — a follower's run of a page with a live control hashed 2–4 MB, a
   fifth of its time.  A payload built once for every session carries its digest, computed
   once (`payload_digest`, or `PayloadHasher` for a live control's data, which differs per
   run only in its last bytes); while one element is drawn with it (`drawing`), the element's
   id and the message's hash take the digest for the payload, after a comparison of the
   bytes (a copy's worth of time) shows it is the very payload.  The id and the hash stay
   what they are for: the same for the same payload, different for a different one.

5. **The pages folder read once, not at every run.**  An app with a `pages/` folder runs each
   script run, a follower's poll included, through `script_runner._mpa_v1`, which lists the
   folder (a glob), resolves the main script and every page file to its real path (a system
   call per path component) and makes a `Page` of each: a ninth of a follower's run in a class
   of sixty (py-spy, 60 followers).  The pages made from the folder are kept while the folder's
   modification time (a file added, removed or renamed) and the main script stay the same;
   each run gets its own copies, since `st.navigation` marks the page it runs.

6. **A shared table's bytes written once.**  `st.dataframe` and `st.table` write an Arrow table
   to Arrow's stream format at every call (`dataframe_util.convert_arrow_table_to_arrow_bytes`),
   though the tables a class shows are one object for every session (`ui.shell.arrow_table`).
   The write is short (≈ 20 µs for a page's table) but lets go of the interpreter lock, and with
   a class's runs waiting for it the script thread then waits to get it back: a twentieth of the
   follower runs' samples (py-spy, 60 followers).  Those tables are built from copies of plain
   values and never change; marked as such (`share_table`), each one's bytes are kept while it
   lives (`WhileAlive`).  Any other table is written at every call, as before.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import weakref
from collections import deque
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

_MARK = "_optlab_batched"
BATCH = 64  # callbacks one turn of the event loop runs for a session before it lets the others go


class _Calls:
    """A session's callbacks waiting for the event loop, and whether a wake-up is on its way."""

    __slots__ = ("lock", "queue", "scheduled")

    def __init__(self):
        self.lock = threading.Lock()
        self.queue: deque = deque()
        self.scheduled = False


def batch_session_events(session_class=None) -> None:
    """Wrap `_call_soon_on_event_loop` of Streamlit's `AppSession` (or `session_class`, for the
    tests) once: the callbacks of a session run in the order they came, on the event loop, as
    before; an exception in one is logged and the next still runs, as with `call_soon`."""
    if session_class is None:
        from streamlit.runtime.app_session import AppSession as session_class

    if getattr(session_class._call_soon_on_event_loop, _MARK, False):
        return
    original = session_class._call_soon_on_event_loop

    def drain(self, calls: _Calls) -> None:
        # the server's "messages to send" signal: every caller of it runs on the event loop (Streamlit 1.67)
        told = getattr(self, "_message_enqueued_callback", None)
        enqueued = []
        if told is not None:
            self._message_enqueued_callback = lambda: enqueued.append(True)
        try:
            for _ in range(BATCH):
                with calls.lock:
                    if not calls.queue:
                        calls.scheduled = False
                        return
                    callback = calls.queue.popleft()
                try:
                    callback()
                except Exception:  # noqa: BLE001 — as the event loop would: logged, the others go on
                    log.exception("a session event failed")
            self._event_loop.call_soon(drain, self, calls)  # more waiting: after the other sessions' turn
        finally:
            if told is not None:
                self._message_enqueued_callback = told
                if enqueued:
                    told()  # once for the batch

    def call_soon(self, callback) -> None:
        calls = self.__dict__.get(_MARK)
        if calls is None:
            calls = self.__dict__.setdefault(_MARK, _Calls())
        with calls.lock:
            calls.queue.append(callback)
            if calls.scheduled:
                return
            calls.scheduled = True
        original(self, lambda: drain(self, calls))

    setattr(call_soon, _MARK, True)
    call_soon.__doc__ = original.__doc__
    session_class._call_soon_on_event_loop = call_soon


def memo_signatures(type_util=None) -> None:
    """Keep `type_util.get_func_parameters` per function object (`streamlit.type_util`, or a
    stand-in for the tests)."""
    if type_util is None:
        from streamlit import type_util

    if getattr(type_util.get_func_parameters, _MARK, False):
        return
    original = type_util.get_func_parameters
    kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    def get_func_parameters(func):
        try:
            params = kept.get(func)
        except TypeError:  # not weakly referable or not hashable: as before
            return original(func)
        if params is None:
            params = original(func)
            with lock:
                kept[func] = params
        return list(params)  # the caller's own list, as before

    setattr(get_func_parameters, _MARK, True)
    get_func_parameters.__doc__ = original.__doc__
    type_util.get_func_parameters = get_func_parameters


def memo_session_theme(app_session=None, config=None, option_class=None) -> None:
    """Keep the theme parts `app_session._populate_theme_msg` writes, per section, until an
    option is set or the options are parsed anew (`streamlit.runtime.app_session`,
    `streamlit.config` and `ConfigOption`, or stand-ins for the tests)."""
    if app_session is None:
        from streamlit.runtime import app_session
    if config is None:
        from streamlit import config
    if option_class is None:
        from streamlit.config_option import ConfigOption as option_class

    if getattr(app_session._populate_theme_msg, _MARK, False):
        return
    original = app_session._populate_theme_msg
    set_value = option_class.set_value
    generation = [0]
    kept: dict = {}  # section → (generation, the parsed options, the theme built from them)

    def counted_set_value(self, *args, **kwargs):
        generation[0] += 1
        try:
            return set_value(self, *args, **kwargs)
        finally:
            generation[0] += 1  # a theme read while the value changed is not kept under the new one

    def populate_theme_msg(msg, section: str = "theme") -> None:
        seen, options = generation[0], config._config_options  # a new parse: a new options dict
        entry = kept.get(section)
        if entry is None or entry[0] != seen or entry[1] is not options:
            ready = type(msg)()
            original(ready, section)
            entry = kept[section] = (seen, options, ready)  # two sessions racing here build the same theme
        msg.MergeFrom(entry[2])

    setattr(counted_set_value, _MARK, True)
    counted_set_value.__doc__ = set_value.__doc__
    option_class.set_value = counted_set_value
    setattr(populate_theme_msg, _MARK, True)
    populate_theme_msg.__doc__ = original.__doc__
    populate_theme_msg.__wrapped__ = original
    app_session._populate_theme_msg = populate_theme_msg


_drawing = threading.local()  # the payload of the element this script thread is drawing: (payload, digest)
DIGEST_PREFIX = "optlab-payload-digest:"  # what stands for a payload in an element's id and a message's hash


def payload_digest(payload: str | bytes) -> str:
    """The payload's digest as Streamlit's own `calc_hash` gives it (BLAKE2b, or MD5 where that is refused)."""
    from streamlit.util import calc_hash

    return calc_hash(payload)


class PayloadHasher:
    """The digests of payloads that share a long head (a live control's data: the family, then
    the position shown): the head is hashed once, each payload's tail per call."""

    def __init__(self, head: bytes):
        from streamlit.util import create_fast_hasher

        self._head = create_fast_hasher()
        self._head.update(head)

    def digest(self, tail: bytes) -> str:
        h = self._head.copy()
        h.update(tail)
        return h.hexdigest()


@contextmanager
def drawing(payload: str | bytes, digest: str):
    """While one element is drawn on this thread whose payload (a chart's JSON text, a live
    control's data) is `payload`, whose digest is `digest` (`payload_digest`)."""
    before = getattr(_drawing, "now", None)
    _drawing.now = (payload, digest)
    try:
        yield
    finally:
        _drawing.now = before


def _the_payload(value) -> str | None:
    """The digest when `value` is the payload being drawn (compared byte for byte), else None."""
    now = getattr(_drawing, "now", None)
    if now is None or not isinstance(value, (str, bytes)) or len(value) != len(now[0]) or value != now[0]:
        return None
    return now[1]


_CARRIERS = {"plotly_chart": "spec", "bidi_component": "bytes"}  # the element field that holds the payload


def digest_payloads(utils=None, bidi=None, run_context=None, config=None) -> None:
    """The three places Streamlit hashes an element's payload take its digest while `drawing`:
    `_compute_element_id` (`streamlit.elements.lib.utils`), the `calc_hash` of the bidi
    component's identity (`streamlit.components.v2.bidi_component.main`) and
    `populate_hash_if_needed` as the script run context calls it
    (`streamlit.runtime.scriptrunner_utils.script_run_context`); stand-ins for the tests."""
    if utils is None:
        from streamlit.elements.lib import utils
    if bidi is None:
        from streamlit.components.v2.bidi_component import main as bidi
    if run_context is None:
        from streamlit.runtime.scriptrunner_utils import script_run_context as run_context
    if config is None:
        from streamlit import config

    if getattr(utils._compute_element_id, _MARK, False):
        return
    element_id, calc_hash, populate = utils._compute_element_id, bidi.calc_hash, run_context.populate_hash_if_needed

    def compute_element_id(element_type, user_key=None, **kwargs):
        if getattr(_drawing, "now", None) is not None:
            for k, v in kwargs.items():  # in place: the order of the arguments is part of the id
                d = _the_payload(v)
                if d is not None:
                    kwargs[k] = DIGEST_PREFIX + d
        return element_id(element_type, user_key, **kwargs)

    def bidi_calc_hash(s):
        d = _the_payload(s)
        return calc_hash(s) if d is None else d

    def populate_hash_if_needed(msg) -> None:
        if getattr(_drawing, "now", None) is None or msg.hash or msg.WhichOneof("type") != "delta":
            return populate(msg)
        element = msg.delta.new_element if msg.delta.WhichOneof("type") == "new_element" else None
        kind = element.WhichOneof("type") if element is not None else None
        field = _CARRIERS.get(kind)
        if field is None:
            return populate(msg)
        carrier = getattr(element, kind)
        payload = getattr(carrier, field)
        d = _the_payload(payload)
        if d is None or len(payload) < int(config.get_option("global.minCachedMessageSize")):
            return populate(msg)
        stand_in = DIGEST_PREFIX + d
        setattr(carrier, field, stand_in if isinstance(payload, str) else stand_in.encode())
        try:
            populate(msg)  # the hash of the message with the digest in the payload's place
        finally:
            setattr(carrier, field, payload)
        # as Streamlit decides it, by the size of the whole message: a new element with a payload this long
        msg.metadata.cacheable = True

    for fn, original in ((compute_element_id, element_id), (bidi_calc_hash, calc_hash), (populate_hash_if_needed, populate)):
        setattr(fn, _MARK, True)
        fn.__doc__ = original.__doc__
        fn.__wrapped__ = original
    utils._compute_element_id = compute_element_id
    bidi.calc_hash = bidi_calc_hash
    run_context.populate_hash_if_needed = populate_hash_if_needed


def memo_pages(script_runner=None, page=None) -> None:
    """Replace `script_runner._mpa_v1` once by one that keeps the pages it made from the pages
    folder (`streamlit.runtime.scriptrunner.script_runner` and `streamlit.navigation.page`, or
    stand-ins for the tests).  What it hands `st.navigation` is what the original makes: the
    main script as the default page, then every `*.py` of `pages/` but `__init__.py` and hidden
    files, in Streamlit's order of pages (`page_sort_key`)."""
    from streamlit.commands import navigation
    from streamlit.source_util import page_sort_key

    if script_runner is None:
        from streamlit.runtime.scriptrunner import script_runner
    if page is None:
        from streamlit.navigation import page

    if getattr(script_runner._mpa_v1, _MARK, False):
        return
    original = script_runner._mpa_v1
    kept: dict = {}  # the main script's path → (its real path, the pages folder, its mtime, the pages)

    def made(main_script_path: str) -> list:
        entry = kept.get(main_script_path)
        if entry is None:
            main = Path(main_script_path).resolve()
            folder = main.parent / "pages"
        else:
            main, folder = entry[0], entry[1]
        try:
            stamp = os.stat(folder).st_mtime_ns  # read before the listing: a change after it is seen next run
        except OSError:
            stamp = None
        if entry is not None and entry[2] == stamp:
            return entry[3]
        files = sorted(
            (f for f in folder.glob("*.py") if not f.name.startswith(".") and f.name != "__init__.py"),
            key=page_sort_key,
        )
        pages = [page._create_page(main, default=True)] + [page._create_page(folder / f.name) for f in files]
        kept[main_script_path] = (main, folder, stamp, pages)  # one assignment: two runs racing make the same
        return pages

    def mpa_v1(main_script_path: str) -> None:
        from streamlit import config

        pages = [copy.copy(p) for p in made(main_script_path)]
        hidden = config.get_option("client.showSidebarNavigation") is False
        navigation._navigation(pages, position="hidden" if hidden else "sidebar", expanded=False).run()

    setattr(mpa_v1, _MARK, True)
    mpa_v1.__doc__ = original.__doc__
    mpa_v1.__wrapped__ = original
    script_runner._mpa_v1 = mpa_v1


class WhileAlive:
    """A value per object, kept while the object lives and found by its identity: for objects
    that never change (an Arrow table, an array that refuses writes), whose value is costly to
    compute.  `get` answers None for an object not kept, including a new one at a dead one's
    address."""

    def __init__(self):
        self._kept: dict[int, tuple[weakref.ref, object]] = {}

    def get(self, obj):
        got = self._kept.get(id(obj))
        return got[1] if got is not None and got[0]() is obj else None

    def put(self, obj, value):
        """Keep `value` for `obj` (which must take weak references) and return it."""
        key, kept = id(obj), self._kept

        def gone(ref):
            if kept.get(key, (None,))[0] is ref:
                kept.pop(key, None)

        kept[key] = (weakref.ref(obj, gone), value)
        return value


_TABLE_BYTES = WhileAlive()  # a shared Arrow table → its stream bytes (b"" until first written)


def share_table(table):
    """Mark `table` as shown to every session and never changed (an Arrow table built from copies
    of plain values: `ui.shell.arrow_table`), so that its Arrow bytes are written once; returns
    it.  Anything else passes through unmarked: a table on memory that takes writes (one made
    from a numpy array shares it) is written at every call, as before."""
    try:
        if _TABLE_BYTES.get(table) is None:
            _TABLE_BYTES.put(table, b"")
    except TypeError:  # not weakly referable (the rows Arrow could not type): not a table
        pass
    return table


def memo_arrow_bytes(dataframe_util=None) -> None:
    """Keep `dataframe_util.convert_arrow_table_to_arrow_bytes` for the shared tables
    (`share_table`) while they live (`streamlit.dataframe_util`, or a stand-in for the tests)."""
    if dataframe_util is None:
        from streamlit import dataframe_util

    if getattr(dataframe_util.convert_arrow_table_to_arrow_bytes, _MARK, False):
        return
    original = dataframe_util.convert_arrow_table_to_arrow_bytes

    def convert_arrow_table_to_arrow_bytes(table):
        data = _TABLE_BYTES.get(table)
        if data is None:  # not a shared table: as before
            return original(table)
        return data or _TABLE_BYTES.put(table, original(table))

    setattr(convert_arrow_table_to_arrow_bytes, _MARK, True)
    convert_arrow_table_to_arrow_bytes.__doc__ = original.__doc__
    convert_arrow_table_to_arrow_bytes.__wrapped__ = original
    dataframe_util.convert_arrow_table_to_arrow_bytes = convert_arrow_table_to_arrow_bytes


def install() -> None:
    batch_session_events()
    memo_signatures()
    memo_session_theme()
    digest_payloads()
    memo_pages()
    memo_arrow_bytes()
