"""Three per-run costs of Streamlit 1.67's server, taken out once per process (`install`).

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
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque

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


def install() -> None:
    batch_session_events()
    memo_signatures()
    memo_session_theme()
