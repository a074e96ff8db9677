"""Every control of a page lives in the URL, so a shared link reopens the same view.

On entering a page (a new session, or a switch from another page) the query
string is read once.  Each control claims its parameter, validates it (type,
range, whitelist) and falls back to its default when the value is bad; after
the page is drawn, values that were never claimed or were refused are named in
one notice, and the URL is rewritten from the current values (defaults left out,
so links stay short).  Values in the URL are language-neutral: switching
中文/English never changes them.

Between runs each control remembers its value, its default and its *context* (`Held`):

- a value the learner left at its default follows the default when the default changes
  (the selected step that starts at the last step, T_max = steps), so a derived default
  stays derived and never lands in the URL;
- a value the learner set is kept when other controls change (clamped to the new range:
  Streamlit itself would reset a slider whose range changed);
- a control with a context (a learning rate's context is its optimizer and surface, a
  start's its surface) brings its own default when the context changes, or the value the
  learner set earlier in this session *for that context*.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui.common import keys
from ui.common.markdown import code, escape
from ui.common.numbers import num
from ui.text import t

GLOBAL_KEYS = ("lang", "big")  # handled by the shell on every page


@dataclass
class Refused:
    key: str
    raw: str
    why: str  # a text-catalog key


@dataclass
class Held:
    """What a control held at the end of its last run."""

    value: Any
    default: Any
    context: Any = None


def _fmt_float(x: float) -> str:
    return repr(float(x)) if float(x) != int(x) else str(int(x))


def shown(x: float, digits: int = 4) -> float:
    """`x` rounded to what a control shows (`%.4g`): a click on a chart delivers float32
    coordinates such as -1.1666666269302368, which should read -1.167 in the box and the URL."""
    return float(f"{float(x):.{digits}g}")


def load_snapshot(page_id: str, params: dict[str, str]) -> None:
    """Make `params` the values the page's controls claim on their next run: how a link
    is read on entering a page, and how a preset is applied (the one way in)."""
    ss = st.session_state
    ss[keys.URL_PAGE] = page_id
    ss[keys.URL_SNAPSHOT] = dict(params)
    ss[keys.URL_REFUSED] = []
    ss[keys.URL_FIRST_RUN] = True
    ss[keys.URL_HELD] = {}
    ss[keys.URL_OWN] = {}


def page_query(page_id: str) -> dict[str, str]:
    """The page's own settings as it wrote them to the URL last in this session (empty if
    never visited): the menu's links carry them, so going Home and back keeps them."""
    return dict(st.session_state.get(keys.PAGE_QUERIES, {}).get(page_id, {}))


def forget(*names: str) -> None:
    """Forget controls entirely (state, memory, values set for other contexts): the next run
    draws them from their defaults, as on a fresh page."""
    ss = st.session_state
    held, own = ss.get(keys.URL_HELD, {}), ss.get(keys.URL_OWN, {})
    for name in names:
        for k in (name, keys.log_key(name), keys.exact_key(name)):
            ss.pop(k, None)
        held.pop(name, None)
        for pair in [p for p in own if p[0] == name]:
            del own[pair]


def forget_page_state() -> None:
    """Drop every control's state and every page's own session value, keeping only what is
    the session's (language, presentation mode, each page's last query, the quiz): what a
    preset, the reset button and a change of page do before the page reads its settings.

    Widget keys are URL parameter names, and pages share names (`steps`, `lr`, `seed`, `bs`):
    kept across a page change, one page's values would become the next page's settings."""
    ss = st.session_state
    for key in [k for k in ss if k not in keys.KEEP_ON_PRESET]:  # one walk of the state (`list(ss.keys())` makes two)
        del ss[key]


def reset_page(page_id: str) -> None:
    """Button callback: every control of the page back to its default (the URL follows)."""
    forget_page_state()
    st.session_state.get(keys.PAGE_QUERIES, {}).pop(page_id, None)
    load_snapshot(page_id, {})


def current_query() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params.keys()}


@functools.lru_cache(maxsize=64)
def _log_positions(lo: float, hi: float, decimals: int) -> tuple[list[float], dict[float, str]]:
    """A log slider's positions log10(x) from lo to hi at 10^(-decimals) and the value each
    reads (four digits), made once per range: a slider has ~900 of them."""
    scale = 10**decimals
    positions = [k / scale for k in range(round(math.log10(lo) * scale), round(math.log10(hi) * scale) + 1)]
    return positions, {p: num(shown(10.0**p)) for p in positions}


class _Hidden:
    """`st.sidebar` and its blocks for a page whose controls are not drawn: a student following
    the teacher, who holds them (`Shell.side`).  Nothing is drawn: a block (expander,
    container, columns) is this stand-in again, text goes nowhere, a button is never pressed.
    Only this stand-in's own methods may be called inside its blocks — `with` opens nothing,
    so a bare `st.…` there would land in the page."""

    def __getattr__(self, name: str):
        if name in _HIDDEN_WIDGETS:
            return _never
        return self._nothing

    def _nothing(self, *args, **kwargs) -> _Hidden:
        return self

    def columns(self, spec, *args, **kwargs) -> list[_Hidden]:
        return [self] * (spec if isinstance(spec, int) else len(spec))

    def __enter__(self) -> _Hidden:
        return self

    def __exit__(self, *exc) -> bool:
        return False


_HIDDEN_WIDGETS = frozenset({"button", "download_button", "checkbox", "toggle", "form_submit_button"})


def _never(*args, **kwargs) -> bool:
    return False


HIDDEN = _Hidden()


class Controls:
    """Keyed widgets of one page, initialised from and written back to the URL.  Not `drawn`
    (a student following the teacher), every control keeps and returns its value — from the
    URL, the teacher's link — without a widget."""

    def __init__(self, page_id: str, lang: str, drawn: bool = True):
        self.lang = lang
        self.page_id = page_id
        self.drawn = drawn
        if st.session_state.get(keys.URL_PAGE) != page_id:
            query = current_query()
            if not set(query) - set(GLOBAL_KEYS):  # a bare link (menu, Home): the page's settings of this session
                query = page_query(page_id) | query
            load_snapshot(page_id, query)
        self.serialized: dict[str, str] = {}
        self.notice = st.container()

    def columns(self, spec, within=st, **kw) -> list:
        """Columns (`within.columns`) that hold controls only: Streamlit's when the controls are
        drawn; else the stand-in that draws nothing (`HIDDEN`), as many — a follower's page gets
        no empty row of blocks (each a message to send, sixty times for each of the teacher's moves)."""
        if self.drawn:
            return within.columns(spec, **kw)
        return [HIDDEN] * (spec if isinstance(spec, int) else len(spec))

    # -- claiming a value ---------------------------------------------------------------
    def _settle(self, key: str, default: Any, parse: Callable[[str], Any], current: Any, context: Any = None,
                url_key: str | None = None) -> Any:
        """The value the control holds in this run.  `current` is what its widget holds now
        (None: no widget state, e.g. a fresh page or a control hidden last run)."""
        ss = st.session_state
        snap: dict = ss[keys.URL_SNAPSHOT]
        if key in snap:  # a link or a preset names the value
            raw = snap.pop(key)
            try:
                value = parse(str(raw))
            except ValueError as exc:
                ss[keys.URL_REFUSED].append(Refused(url_key or key, str(raw), str(exc) or "bad"))
                value = default
            if value != default:
                ss[keys.URL_OWN][(key, context)] = value
            return value
        held: Held | None = ss[keys.URL_HELD].get(key)
        if held is None:
            return default if current is None else current
        value = held.value if current is None else current
        if context != held.context:  # a new optimizer, a new surface: its own value, or its default
            own = ss[keys.URL_OWN]
            if value != held.default:
                own[(key, held.context)] = value
            else:
                own.pop((key, held.context), None)
            return own.get((key, context), default)
        if value == held.default:  # left at the default: a derived default stays derived
            return default
        return value

    def _hold(self, key: str, value: Any, default: Any, context: Any = None) -> None:
        st.session_state[keys.URL_HELD][key] = Held(value, default, context)
        own = st.session_state[keys.URL_OWN]
        if value != default:
            own[(key, context)] = value
        else:
            own.pop((key, context), None)

    def _remember(self, key: str, value: Any, default: Any, to_url: Callable[[Any], str]) -> None:
        if value != default:
            self.serialized[key] = to_url(value)

    # -- widgets ------------------------------------------------------------------------
    def _widget(self, key: str, draw: Callable[[], Any]) -> Any:
        """The control's widget, drawn (`draw()` returns its value); or, when the controls are
        not drawn (a student following the teacher, who holds them), the value the control
        settled on, in `st.session_state[key]` (a widget drawn later with that key starts there)."""
        return draw() if self.drawn else st.session_state[key]

    def slider(self, key, label, lo, hi, default, step=None, integer=False, container=st, help=None, fmt=None,
               context=None):
        cast = int if integer else float

        def parse(raw):
            try:
                x = cast(float(raw)) if integer else float(raw)
            except ValueError:
                raise ValueError("url_not_a_number") from None
            if not math.isfinite(x) or not lo <= x <= hi or (integer and float(raw) != int(float(raw))):
                raise ValueError("url_out_of_range")
            return x

        ss = st.session_state
        default = min(max(cast(default), cast(lo)), cast(hi))
        value = self._settle(key, default, parse, ss.get(key), context)
        ss[key] = min(max(cast(value), cast(lo)), cast(hi))  # written every run: a slider whose range changed keeps it
        kw = {"format": fmt} if fmt else {}
        value = self._widget(key, lambda: container.slider(
            label, cast(lo), cast(hi), step=step if step is not None else (1 if integer else None), key=key, help=help, **kw))
        self._hold(key, value, default, context)
        self._remember(key, value, default, _fmt_float)
        return value

    def log_slider(self, key, label, lo, hi, default, container=st, help=None, decimals=2, context=None):
        """A slider over log10(x) that reads x itself ("0.2", never "10^-0.70"): a select
        slider over the positions log10(x) at 10^(1/100) resolution, each labelled with its
        value; the URL holds x itself.

        A value that arrives exactly (a link, a preset, a default) is kept exactly while the
        slider sits on its rounded logarithm, and its position is labelled with it; moving the
        slider takes 10^position rounded to the four digits the label shows, and the default's
        position means the default."""
        wkey, xkey = keys.log_key(key), keys.exact_key(key)
        ss = st.session_state
        default = float(default)
        positions, texts = _log_positions(lo, hi, decimals)

        def pos(x: float) -> float:
            return min(max(round(math.log10(x), decimals), positions[0]), positions[-1])

        def parse(raw):
            try:
                x = float(raw)
            except ValueError:
                raise ValueError("url_not_a_number") from None
            if not (math.isfinite(x) and lo <= x <= hi):
                raise ValueError("url_out_of_range")
            return x

        def held_value(lx):
            exact = ss.get(xkey)
            if exact is not None and pos(exact) == lx:
                return exact
            if lx == pos(default):
                return default
            return shown(10.0**lx)

        current = held_value(ss[wkey]) if ss.get(wkey) is not None else None
        value = self._settle(key, default, parse, current, context)
        ss[xkey], ss[wkey] = value, pos(value)
        # exact values read as they are; the labels' own lookup is the format function (Streamlit
        # calls it for each of the ~900 positions, twice a run)
        labels = {**texts, pos(default): num(default), pos(value): num(value)}
        lx = self._widget(wkey, lambda: container.select_slider(label, positions, key=wkey, help=help,
                                                                format_func=labels.__getitem__))
        value = held_value(lx)
        self._hold(key, value, default, context)
        if value != default:
            self.serialized[key] = f"{value:.4g}" if shown(value) == value else repr(value)
        return value

    def select(self, key, label, options: Sequence, default, format_func=str, container=st, horizontal=None, help=None,
               radio=False, context=None, label_visibility="visible"):
        opts = list(options)
        default = default if default in opts else opts[0]
        by_text = {str(o): o for o in opts}

        def parse(raw):
            if raw not in by_text:
                raise ValueError("url_not_an_option")
            return by_text[raw]

        ss = st.session_state
        value = self._settle(key, default, parse, ss.get(key), context)
        ss[key] = value if value in opts else default  # options changed under a stored value
        if radio:
            value = self._widget(key, lambda: container.radio(
                label, opts, key=key, format_func=format_func, horizontal=bool(horizontal), help=help,
                label_visibility=label_visibility))
        else:
            value = self._widget(key, lambda: container.selectbox(
                label, opts, key=key, format_func=format_func, help=help, label_visibility=label_visibility))
        self._hold(key, value, default, context)
        self._remember(key, value, default, str)
        return value

    def toggle(self, key, label, default=False, container=st, help=None, context=None):
        def parse(raw):
            low = raw.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError("url_not_a_switch")

        ss = st.session_state
        default = bool(default)
        ss[key] = bool(self._settle(key, default, parse, ss.get(key), context))
        value = self._widget(key, lambda: container.toggle(label, key=key, help=help))
        self._hold(key, value, default, context)
        self._remember(key, value, default, lambda v: "1" if v else "0")
        return value

    def number(self, key, label, lo, hi, default, step=None, integer=False, container=st, help=None, fmt=None,
               context=None):
        """A number box.  Its help names the allowed range: the browser refuses a value outside
        it (the box only turns red), so the learner can read there why.

        With a format the value is what the box shows: 1.23456e-05 typed (or linked) into a
        `%.3g` box is 1.23e-05 for the page and in the URL.  The default is kept exactly."""

        def parse(raw):
            try:
                x = float(raw)
            except ValueError:
                raise ValueError("url_not_a_number") from None
            if not (math.isfinite(x) and lo <= x <= hi) or (integer and x != int(x)):
                raise ValueError("url_out_of_range")
            return int(x) if integer else x

        cast = int if integer else float
        ss = st.session_state
        default = min(max(cast(default), cast(lo)), cast(hi))
        show = (lambda v: f"{v:{fmt[1:]}}") if fmt else (lambda v: f"{v:g}")

        def as_shown(v):
            v = min(max(cast(v), cast(lo)), cast(hi))
            if integer or not fmt or v == default:
                return v
            return min(max(float(show(v)), cast(lo)), cast(hi))

        value = self._settle(key, default, parse, ss.get(key), context)
        ss[key] = as_shown(value)
        kw = {"format": fmt} if fmt else {}
        limits = t("number_range", self.lang, lo=show(cast(lo)), hi=show(cast(hi)))
        value = self._widget(key, lambda: container.number_input(
            label, min_value=cast(lo), max_value=cast(hi), step=step or (1 if integer else None), key=key,
            help=f"{help}\n\n{limits}" if help else limits, **kw))
        value = as_shown(value)
        self._hold(key, value, default, context)
        self._remember(key, value, default, _fmt_float)
        return value

    def text(self, key, label, default, validate: Callable[[str], None], container=st, help=None, max_chars=None):
        """A free text control; `validate(text)` raises ValueError with a catalog-ready message."""

        def parse(raw):
            validate(raw)
            return raw

        ss = st.session_state
        ss[key] = self._settle(key, default, parse, ss.get(key))
        value = self._widget(key, lambda: container.text_input(label, key=key, help=help, max_chars=max_chars))
        self._hold(key, value, default)
        self._remember(key, value, default, str)
        return value

    # -- after the page is drawn ------------------------------------------------------------
    def finish(self, extra: dict[str, str] | None = None) -> None:
        ss = st.session_state
        snap: dict = ss[keys.URL_SNAPSHOT]
        refused: list[Refused] = ss[keys.URL_REFUSED]
        if ss.get(keys.URL_FIRST_RUN):
            for key in list(snap):
                if key not in GLOBAL_KEYS:
                    refused.append(Refused(key, str(snap[key]), "url_unknown"))
            snap.clear()
            ss[keys.URL_FIRST_RUN] = False
        if refused:
            items = "; ".join(t("url_item", self.lang, item=code(f"{r.key}={r.raw[:40]}"), why=escape(t(r.why, self.lang)))
                              for r in refused)
            with self.notice:
                c1, c2 = st.columns([12, 1])
                c1.warning(t("url_ignored", self.lang, items=items), icon="⚠️")
                if c2.button("✕", key=keys.URL_DISMISS, help=t("dismiss", self.lang)):
                    refused.clear()
                    st.rerun()
        wanted = dict(extra or {})
        wanted.update(self.serialized)
        ss.setdefault(keys.PAGE_QUERIES, {})[self.page_id] = dict(self.serialized)
        if current_query() != wanted:
            st.query_params.from_dict(wanted)
