"""Every control of a page lives in the URL, so a shared link reopens the same view.

On entering a page (a new session, or a switch from another page) the query
string is read once.  Each control claims its parameter, validates it (type,
range, whitelist) and falls back to its default when the value is bad; after
the page is drawn, values that were never claimed or were refused are named in
one notice, and the URL is rewritten from the current values (defaults left out,
so links stay short).  Values in the URL are language-neutral: switching
中文/English never changes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui.common import keys
from ui.text import t

GLOBAL_KEYS = ("lang", "big")  # handled by the shell on every page


@dataclass
class Refused:
    key: str
    raw: str
    why: str  # a text-catalog key


def _fmt_float(x: float) -> str:
    return repr(float(x)) if float(x) != int(x) else str(int(x))


def load_snapshot(page_id: str, params: dict[str, str]) -> None:
    """Make `params` the values the page's controls claim on their next run: how a link
    is read on entering a page, and how a preset is applied (the one way in)."""
    ss = st.session_state
    ss[keys.URL_PAGE] = page_id
    ss[keys.URL_SNAPSHOT] = dict(params)
    ss[keys.URL_REFUSED] = []
    ss[keys.URL_FIRST_RUN] = True


def current_query() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params.keys()}


class Controls:
    """Keyed widgets of one page, initialised from and written back to the URL."""

    def __init__(self, page_id: str, lang: str):
        self.lang = lang
        self.page_id = page_id
        if st.session_state.get(keys.URL_PAGE) != page_id:
            load_snapshot(page_id, current_query())
        self.serialized: dict[str, str] = {}
        self.notice = st.container()

    # -- claiming a value ---------------------------------------------------------------
    def _claim(self, key: str, default: Any, parse: Callable[[str], Any], url_key: str | None = None) -> None:
        ss = st.session_state
        snap: dict = ss[keys.URL_SNAPSHOT]
        if key in snap:
            raw = snap.pop(key)
            try:
                ss[key] = parse(str(raw))
            except ValueError as exc:
                ss[keys.URL_REFUSED].append(Refused(url_key or key, str(raw), str(exc) or "bad"))
                ss[key] = default
        elif key not in ss:
            ss[key] = default

    def _remember(self, key: str, value: Any, default: Any, to_url: Callable[[Any], str]) -> None:
        if value != default:
            self.serialized[key] = to_url(value)

    def _clamp(self, key: str, lo, hi) -> None:
        """Ranges can depend on other controls (the selected step ≤ steps): keep the value inside."""
        ss = st.session_state
        v = ss.get(key)
        if isinstance(v, (int, float)) and not lo <= v <= hi:
            ss[key] = min(max(v, lo), hi)

    # -- widgets ------------------------------------------------------------------------
    def slider(self, key, label, lo, hi, default, step=None, integer=False, container=st, help=None, fmt=None):
        cast = int if integer else float

        def parse(raw):
            try:
                x = cast(float(raw)) if integer else float(raw)
            except ValueError:
                raise ValueError("url_not_a_number") from None
            if not math.isfinite(x) or not lo <= x <= hi or (integer and float(raw) != int(float(raw))):
                raise ValueError("url_out_of_range")
            return x

        self._claim(key, cast(default), parse)
        self._clamp(key, cast(lo), cast(hi))
        kw = {"format": fmt} if fmt else {}
        value = container.slider(label, cast(lo), cast(hi), step=step if step is not None else (1 if integer else None),
                                 key=key, help=help, **kw)
        self._remember(key, value, cast(default), _fmt_float)
        return value

    def log_slider(self, key, label, lo, hi, default, container=st, help=None, decimals=2):
        """A slider over log10(x), any value at 10^(1/100) resolution; the URL holds x itself.

        A value that arrives exactly (a link, a preset) is kept exactly while the
        slider sits on its rounded logarithm; moving the slider takes 10^position."""
        llo, lhi = math.log10(lo), math.log10(hi)
        wkey, xkey = keys.log_key(key), keys.exact_key(key)
        ss = st.session_state

        def parse(raw):
            try:
                x = float(raw)
            except ValueError:
                raise ValueError("url_not_a_number") from None
            if not (math.isfinite(x) and lo <= x <= hi):
                raise ValueError("url_out_of_range")
            ss[xkey] = x
            return round(math.log10(x), decimals)

        snap: dict = ss[keys.URL_SNAPSHOT]
        if key in snap:  # the URL names the value, the widget holds its logarithm
            snap[wkey] = snap.pop(key)
        if wkey not in ss and wkey not in snap:
            ss[xkey] = float(default)
        self._claim(wkey, round(math.log10(default), decimals), parse, url_key=key)
        exact = ss.get(xkey)
        lx = ss[wkey]
        shown = exact if exact is not None and round(math.log10(exact), decimals) == lx else 10.0**lx
        lx = container.slider(f"{label} = {shown:.4g}", round(llo, decimals), round(lhi, decimals), step=10.0**-decimals,
                              key=wkey, help=help, format="10^%.2f")
        if exact is not None and round(math.log10(exact), decimals) == lx:
            value = exact
        else:
            ss[xkey] = None
            value = 10.0**lx
        if value != default:
            self.serialized[key] = repr(value) if ss.get(xkey) is not None else f"{value:.4g}"
        return value

    def select(self, key, label, options: Sequence, default, format_func=str, container=st, horizontal=None, help=None, radio=False):
        opts = list(options)
        default = default if default in opts else opts[0]
        by_text = {str(o): o for o in opts}

        def parse(raw):
            if raw not in by_text:
                raise ValueError("url_not_an_option")
            return by_text[raw]

        self._claim(key, default, parse)
        if st.session_state.get(key) not in opts:  # options changed under a stored value
            st.session_state[key] = default
        if radio:
            value = container.radio(label, opts, key=key, format_func=format_func, horizontal=bool(horizontal), help=help)
        else:
            value = container.selectbox(label, opts, key=key, format_func=format_func, help=help)
        self._remember(key, value, default, str)
        return value

    def toggle(self, key, label, default=False, container=st, help=None):
        def parse(raw):
            low = raw.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError("url_not_a_switch")

        self._claim(key, bool(default), parse)
        value = container.toggle(label, key=key, help=help)
        self._remember(key, value, bool(default), lambda v: "1" if v else "0")
        return value

    def number(self, key, label, lo, hi, default, step=None, integer=False, container=st, help=None, fmt=None):
        def parse(raw):
            try:
                x = float(raw)
            except ValueError:
                raise ValueError("url_not_a_number") from None
            if not (math.isfinite(x) and lo <= x <= hi) or (integer and x != int(x)):
                raise ValueError("url_out_of_range")
            return int(x) if integer else x

        cast = int if integer else float
        self._claim(key, cast(default), parse)
        self._clamp(key, cast(lo), cast(hi))
        kw = {"format": fmt} if fmt else {}
        value = container.number_input(label, min_value=cast(lo), max_value=cast(hi), step=step or (1 if integer else None),
                                       key=key, help=help, **kw)
        self._remember(key, value, cast(default), _fmt_float)
        return value

    def text(self, key, label, default, validate: Callable[[str], None], container=st, help=None, max_chars=None):
        """A free text control; `validate(text)` raises ValueError with a catalog-ready message."""

        def parse(raw):
            validate(raw)
            return raw

        self._claim(key, default, parse)
        value = container.text_input(label, key=key, help=help, max_chars=max_chars)
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
            items = "; ".join(f"`{r.key}={r.raw[:40]}` ({t(r.why, self.lang)})" for r in refused)
            with self.notice:
                c1, c2 = st.columns([12, 1])
                c1.warning(t("url_ignored", self.lang, items=items), icon="⚠️")
                if c2.button("✕", key=keys.URL_DISMISS, help=t("dismiss", self.lang)):
                    refused.clear()
                    st.rerun()
        wanted = dict(extra or {})
        wanted.update(self.serialized)
        if current_query() != wanted:
            st.query_params.from_dict(wanted)
