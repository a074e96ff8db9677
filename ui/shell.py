"""What every page draws first: page config, language, presentation mode, the menu.

The app uses Streamlit's `pages/` directory throughout (the design card's
layout) with the default menu hidden (`client.showSidebarNavigation = false`)
and this translated menu drawn by every page.  Because no page ever calls
`st.navigation`, a deep link served first after a server start behaves exactly
like any later request: there is only one mode.
"""

from __future__ import annotations

import gc
import importlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from ui.state import Controls
from ui.text import LANGS, t


@dataclass(frozen=True)
class PageInfo:
    id: str
    path: str  # script path, relative to the repo root
    section: str
    icon: str


PAGES: tuple[PageInfo, ...] = (
    PageInfo("home", "app.py", "", "🏠"),
    PageInfo("critical-points", "pages/critical-points.py", "3.1", "⛰️"),
    PageInfo("batch-momentum", "pages/batch-momentum.py", "3.2", "🎲"),
    PageInfo("adaptive-lr", "pages/adaptive-lr.py", "3.3", "📐"),
    PageInfo("lr-schedule", "pages/lr-schedule.py", "3.4", "📅"),
    PageInfo("playground", "pages/playground.py", "3.5", "🏁"),
    PageInfo("classification", "pages/classification.py", "3.6", "🔤"),
    PageInfo("normalization", "pages/normalization.py", "3.7", "⚖️"),
)
PAGE_BY_ID = {p.id: p for p in PAGES}


def available_pages() -> list[PageInfo]:
    """Pages whose script exists (pages land one issue at a time)."""
    root = Path(__file__).resolve().parent.parent
    return [p for p in PAGES if (root / p.path).exists()]


def _browser_lang() -> str:
    try:
        loc = st.context.locale or ""
    except Exception:  # noqa: BLE001 — older runtimes / bare mode have no context
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


def _on_lang_change() -> None:
    st.session_state["_lang"] = st.session_state["lang_choice"]


def _on_big_change() -> None:
    st.session_state["_big"] = st.session_state["big_choice"]


BIG_CSS = """
<style>
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.3rem; }
[data-testid="stWidgetLabel"] p, [data-testid="stCaptionContainer"] { font-size: 1.15rem; }
[data-testid="stMetricValue"] { font-size: 2.4rem; }
h1 { font-size: 3.0rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.8rem !important; }
h4 { font-size: 1.5rem !important; }
.katex { font-size: 1.4em !important; }
</style>
"""


@dataclass
class Shell:
    page: PageInfo
    lang: str
    big: bool
    controls: Controls

    def t(self, key: str, **values) -> str:
        return t(key, self.lang, **values)

    @contextmanager
    def guard(self):
        """Contain a failure of the page's own computation: one clear message in the
        page; the sidebar, the menu, the URL and other sessions keep working."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 — anything the page raises; Streamlit's own control flow is BaseException
            logging.getLogger("optimizer_lab").exception("page %s failed", self.page.id)
            st.error(self.t("page_failed", error=f"{type(exc).__name__}: {exc}"[:300]), icon="🛑")

    def header(self) -> None:
        """The section page's title (its number from the menu's registry) and its question."""
        st.title(f"§{self.page.section} {self.t(f'page_{self.page.id}')}")
        st.caption(self.t(f"q_{self.page.id}"))

    def finish(self) -> None:
        extra = {"lang": self.lang}
        if self.big:
            extra["big"] = "1"
        self.controls.finish(extra)


_HEAVY_MODULES = ("numpy", "pandas", "plotly.graph_objects", "ui.figures", "ui.compute", "ui.view")
_frozen = False


def freeze_imports() -> None:
    """Once per process: import what every page needs, then move those objects out of the
    garbage collector's reach (`gc.freeze`).

    Streamlit runs a full `gc.collect(2)` after every script run.  With torch, plotly and
    pandas loaded that walks ~250 000 objects: 0.1–0.2 s holding the GIL on every rerun of
    every session.  The import graph never becomes garbage, so freezing it loses nothing;
    what sessions create later is still collected."""
    global _frozen
    if _frozen:
        return
    for name in _HEAVY_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    _frozen = True


def page_setup(page_id: str) -> Shell:
    """Set up the page: config, language (URL ?lang=, else the browser's locale),
    presentation mode, sidebar menu.  Returns the shell with the page's `Controls`."""
    freeze_imports()
    torch.set_num_threads(1)  # tiny 2-D problems: one intra-op thread is faster and fair to other sessions
    page = PAGE_BY_ID[page_id]
    ss = st.session_state
    qp_lang = st.query_params.get("lang")
    if "_lang" not in ss:
        ss["_lang"] = qp_lang if qp_lang in LANGS else _browser_lang()
    elif ss.get("_url_page") != page_id and qp_lang in LANGS:
        ss["_lang"] = qp_lang
    if "_big" not in ss:
        ss["_big"] = st.query_params.get("big") in ("1", "true")
    lang, big = ss["_lang"], ss["_big"]
    title = t(f"page_{page_id}", lang)
    st.set_page_config(page_title=f"{title} · Optimizer Lab", page_icon=page.icon, layout="wide",
                       initial_sidebar_state="expanded")
    if big:
        st.markdown(BIG_CSS, unsafe_allow_html=True)

    with st.sidebar:
        ss["lang_choice"] = lang
        st.radio(t("language", lang), LANGS, key="lang_choice", horizontal=True,
                 format_func=lambda code: {"zh": "中文", "en": "English"}[code], on_change=_on_lang_change)
        ss["big_choice"] = big
        st.toggle(t("presentation_mode", lang), key="big_choice", on_change=_on_big_change,
                  help=t("presentation_mode_help", lang))
        st.markdown(f"**{t('menu', lang)}**")
        query = {"lang": lang} | ({"big": "1"} if big else {})
        for p in available_pages():
            label = t(f"page_{p.id}", lang)
            if p.section:
                label = f"§{p.section} {label}"
            st.page_link(p.path, label=label, icon=p.icon, query_params=query)
        st.divider()
    controls = Controls(page_id, lang)
    return Shell(page, lang, big, controls)
