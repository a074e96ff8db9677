"""The shell every page runs in: the page registry, page config, language, presentation
mode, the translated menu, the preamble (header, presets), and the URL written back.

A page script is two lines: `serve("<id>", render)`, with `render(sh)` from its section
package `ui/sections/<slug>/page.py`; a new page adds one `PageInfo` line to `PAGES`
(`registry_problems()` checks the script and the texts exist).  The app uses Streamlit's
`pages/` directory throughout with the default menu hidden
(`client.showSidebarNavigation = false`) and this translated menu drawn by every page.
Because no page ever calls `st.navigation`, a deep link served first after a server start
behaves exactly like any later request: there is only one mode.
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from optim_lab import jobs
from ui.classroom import room as classroom
from ui.common import fragments, keys, memory, presets, quiz, server_costs
from ui.common.state import HIDDEN, Controls, forget_page_state, reset_page
from ui.text import LANGS, t

ROOT = Path(__file__).resolve().parent.parent
fragments.install()  # once per process: a timer fragment of a page the session left never runs (ui.common.fragments)
server_costs.install()  # once per process: messages wake the event loop in batches; signatures, the theme, payload digests kept


_PLAIN = (str, int, float, bool, type(None))  # cell values whose repr names them exactly
TABLES_KEPT = 256  # Arrow tables kept for every session, by their rows (each a few hundred bytes)


def arrow_table(rows: list[dict]):
    """The rows (dicts: a column each key, in the order first met) as an Arrow table, which
    `st.dataframe` and `st.table` send as it is; a list of dicts goes through pandas first, slower
    (a page's tables were 7 % of the server's busy time with a class and free students, make
    load-class).  A column whose values Arrow cannot type as one (mixed kinds) leaves the rows
    to Streamlit's own conversion.  The table of rows of plain values is built once for every
    session, keyed by their repr (an Arrow table never changes): sixty followers show the
    teacher's table."""
    if all(type(k) is str and type(v) in _PLAIN for r in rows for k, v in r.items()):
        return _shared_table(repr(rows), rows)
    return _arrow_table(rows)


@st.cache_resource(max_entries=TABLES_KEPT, show_spinner=False)
def _shared_table(key: str, _rows: list[dict]):
    return server_costs.share_table(_arrow_table(_rows))  # its Arrow bytes written once, too


def _arrow_table(rows: list[dict]):
    import pyarrow as pa

    names = list(dict.fromkeys(k for r in rows for k in r))
    try:
        return pa.table({k: pa.array([r.get(k) for r in rows]) for k in names})
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return rows


@dataclass(frozen=True)
class PageInfo:
    id: str  # kebab-case: the URL path and the text keys page_<id>, q_<id>
    path: str  # script path, relative to the repo root
    section: str  # "3.2", or "" for the home page
    icon: str

    @property
    def slug(self) -> str:
        """The section package, `ui/sections/<slug>/` (the id with underscores)."""
        return self.id.replace("-", "_")


PAGES: tuple[PageInfo, ...] = (
    PageInfo("home", "app.py", "", "🏠"),
    PageInfo("critical-points", "pages/critical-points.py", "3.1", "⛰️"),
    PageInfo("batch-momentum", "pages/batch-momentum.py", "3.2", "🎲"),
    PageInfo("adaptive-lr", "pages/adaptive-lr.py", "3.3", "📐"),
    PageInfo("lr-schedule", "pages/lr-schedule.py", "3.4", "📅"),
    PageInfo("beyond-adam", "pages/beyond-adam.py", "3.4+", "🚀"),
    PageInfo("playground", "pages/playground.py", "3.5", "🏁"),
    PageInfo("maps", "pages/maps.py", "3.5+", "🗺️"),
    PageInfo("classification", "pages/classification.py", "3.6", "🔤"),
    PageInfo("normalization", "pages/normalization.py", "3.7", "⚖️"),
    PageInfo("training-lab", "pages/training-lab.py", "HW3", "🧪"),
    PageInfo("inside-network", "pages/inside-network.py", "3.1–3.3", "🔬"),
)
PAGE_BY_ID = {p.id: p for p in PAGES}


def registry_problems(pages: tuple[PageInfo, ...] = PAGES) -> list[str]:
    """What is wrong with the page registry: duplicate ids, a script that is missing, a
    section page without its text keys (empty when all is well; a test keeps it empty)."""
    problems = []
    ids = [p.id for p in pages]
    problems += [f"page id {i!r} registered twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for p in pages:
        if not (ROOT / p.path).is_file():
            problems.append(f"{p.id}: script {p.path} is missing")
        for key in [f"page_{p.id}"] + ([f"q_{p.id}"] if p.section else []):
            if t(key, "en") == key:
                problems.append(f"{p.id}: text key {key!r} is missing")
    return problems


def _browser_lang() -> str:
    try:
        loc = st.context.locale or ""
    except Exception:  # noqa: BLE001 — older runtimes / bare mode have no context
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


def _on_lang_change() -> None:
    st.session_state[keys.LANG] = st.session_state[keys.LANG_CHOICE]


def _on_big_change() -> None:
    st.session_state[keys.BIG] = st.session_state[keys.BIG_CHOICE]


# Both modes: nothing is cut.  Menu items and buttons wrap instead of ending in "…"; a button's
# label wraps at its spaces and punctuation, never inside a Chinese word (keep-all; only a run
# wider than the button breaks, `preset_columns` keeps the presets' runs narrower); long
# display equations may break at their relations and operators (KaTeX splits them there).
BASE_CSS = """
<style>
[data-testid="stPageLink-NavLink"] span, [data-testid="stPageLink-NavLink"] p,
button [data-testid="stMarkdownContainer"], button [data-testid="stMarkdownContainer"] p,
.stMarkdownEllipsis, .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
button[data-testid^="stBaseButton"] { height: auto; min-height: 2.5rem; }
button [data-testid="stMarkdownContainer"] p { word-break: keep-all; overflow-wrap: anywhere; }
.katex-display > .katex, .katex-display > .katex > .katex-html { white-space: normal !important; }
.katex-display > .katex > .katex-html > .base { margin-bottom: 0.35em; }
</style>
"""

# Presentation mode (?big=1): everything larger, the chart on the first screen.  Streamlit
# writes every piece of text as a <p> inside a markdown container, so each kind of text
# gets its size on that <p> (the body rule would otherwise shrink metric values).
BIG_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 2.2rem 1.6rem 4rem 1.6rem !important; max-width: none !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.7rem; }
[data-testid="stHeader"] { background: transparent; }
[data-testid="stSidebar"] { width: 24rem !important; min-width: 24rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.3rem; }
[data-testid="stWidgetLabel"] p, [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 1.15rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.7rem !important; line-height: 1.15; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem !important; }
[data-testid="stMetricValue"] *, [data-testid="stMetricLabel"] * {
  overflow: visible !important; text-overflow: clip !important; white-space: normal !important; overflow-wrap: anywhere; }
button [data-testid="stMarkdownContainer"] p, [data-testid="stPageLink-NavLink"] p { font-size: 1.15rem; line-height: 1.25; }
[data-testid="stExpander"] summary p { font-size: 1.25rem; }
input, textarea, [data-baseweb="select"] div, [data-testid="stNumberInputField"], [data-testid="stSliderThumbValue"],
[data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"] { font-size: 1.15rem !important; }
[data-testid="stTable"] { font-size: 1.15rem; }
h1 { font-size: 2.3rem !important; padding: 0 0 0.3rem 0 !important; } h2 { font-size: 2.0rem !important; }
h3 { font-size: 1.65rem !important; } h4 { font-size: 1.4rem !important; }
.katex { font-size: 1.25em !important; }
</style>
"""


# The preset bar at 1280 px, the narrowest screen a class uses: the main column's width and the
# room a button keeps for its 🎯 and padding (measured in Chromium), the buttons' type size.
MAIN_PX = {False: 860, True: 845}
BUTTON_ROOM_PX = {False: 32, True: 58}
BUTTON_FONT_PX = {False: 16, True: 18.4}
COLUMN_GAP_PX = 16
_BREAKS = set(" \t/·,:;)）：，；、。！？-–—")


def _run_px(run: str, font: float) -> float:
    return sum(font if ord(ch) > 0x2E7F else 0.62 * font for ch in run)


def preset_columns(labels: list[str], columns: int, big: bool) -> int:
    """How many preset buttons a row: at most `columns`, and few enough that the longest
    unbreakable run of any label (Chinese between spaces and punctuation, an English word)
    fits on one line of its button at 1280 px, so no label breaks inside a word."""
    font = BUTTON_FONT_PX[big]
    runs, run = [], ""
    for label in labels:
        for ch in label + " ":
            if ch in "(（":  # a line may break before an opening bracket
                runs.append(run)
                run = ch
            elif ch in _BREAKS:  # … and after a space or any other punctuation
                runs.append(run + ch.strip())
                run = ""
            else:
                run += ch
    widest = max((_run_px(r, font) for r in runs), default=0.0)
    n = max(1, min(columns, len(labels)))
    while n > 1 and (MAIN_PX[big] - COLUMN_GAP_PX * (n - 1)) / n - BUTTON_ROOM_PX[big] < widest:
        n -= 1
    return n


def numbered(page: PageInfo) -> str:
    """"§3.2" for a section of the chapter, the label itself otherwise ("HW3")."""
    return f"§{page.section}" if page.section[:1].isdigit() else page.section


@dataclass
class Shell:
    page: PageInfo
    lang: str
    big: bool
    controls: Controls

    def t(self, key: str, **values) -> str:
        return t(key, self.lang, **values)

    def size(self, normal, big):
        """A presentation size: `big` in presentation mode, else `normal` (heights, fonts)."""
        return big if self.big else normal

    def table(self, rows, height: int | None = None) -> None:
        """A data table: Streamlit's interactive grid on a screen; on the projector an HTML
        table, which grows with the page's fonts (the grid draws on a canvas at a fixed size)."""
        data = arrow_table(rows)
        if self.big:
            st.table(data, hide_index=True, height=height or "content")
        else:
            st.dataframe(data, hide_index=True, width="stretch", **({"height": height} if height else {}))

    @property
    def side(self):
        """Where the page's side controls go: the sidebar; for a student following the teacher,
        who holds them, nowhere (`state.HIDDEN`)."""
        return st.sidebar if self.controls.drawn else HIDDEN

    @property
    def font(self) -> int:
        """The charts' font size."""
        return self.size(13, 18)  # 18 px: read from the back row (the chart look keeps every text of a chart there)

    @property
    def query(self) -> dict[str, str]:
        """The shell's own URL values, for links to other pages."""
        return {"lang": self.lang} | ({"big": "1"} if self.big else {})

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
        st.title(f"{numbered(self.page)} {self.t(f'page_{self.page.id}')}")
        st.caption(self.t(f"q_{self.page.id}"))

    @contextmanager
    def intro(self):
        """The section's explanation and formulas: on the page, or — in presentation mode —
        folded into one expander, so the chart is on the first screen (open it to explain)."""
        if self.big:
            with st.expander(self.t("intro_fold"), expanded=False, icon="📖"):
                yield
        else:
            yield

    def chart_slot(self) -> Callable:
        """A place for the page's main chart.  Call it where the page has room to reserve one
        and draw the chart in `place()` later: in presentation mode the chart then appears at the
        reserved place (on the first screen, above numbers and tables), else where `place()` is
        called, in the page's own flow."""
        if self.big:
            box = st.container()
            return lambda: box
        return st.container

    def preset_bar(self, columns: int = 4) -> presets.Preset | None:
        """The page's preset buttons, then what to look for in the preset applied last.  A
        student following the teacher, who holds the page, gets no buttons: the teacher's
        preset is applied on their screen, with what to look for in it."""
        mine = presets.for_page(self.page.id)
        if not mine:
            return None
        if self.controls.drawn:
            if not self.big:  # on the projector a 🎯 on each button says it, and the chart gains the line
                st.markdown(f"**{self.t('presets')}**")
            cols = st.columns(preset_columns([self.t(p.title) for p in mine], columns, self.big))
            for i, p in enumerate(mine):
                cols[i % len(cols)].button(self.t(p.title), key=keys.preset_button(p.id), on_click=presets.apply,
                                           args=(p,), width="stretch", icon="🎯" if self.big else None,
                                           help=self.t("presets"))
        active = presets.active(self.page.id)
        if active and active.note:
            st.info(self.t(active.note), icon="👀")
        quiz.show_page(self)  # predict, then run (with a question asked alone, the page stops here)
        return active

    def preamble(self, columns: int = 4) -> presets.Preset | None:
        """What a section page draws first: its header, then its presets."""
        self.header()
        return self.preset_bar(columns)

    def finish(self) -> None:
        self.controls.finish(self.query)


_HEAVY_MODULES = ("numpy", "pandas", "plotly.graph_objects", "ui.common.figures", "ui.common.compute", "ui.common.view")
# what a helper process imports before it serves: the code whose work the pages send there
# (races, charts' JSON, live controls' data), every section's figures and builders with it
HELPER_WARM = ("plotly.io", "ui.common.figures", "ui.common.compute", "ui.common.view", "ui.common.live",
               *(f"ui.sections.{m.name}.page" for m in pkgutil.iter_modules([str(Path(__file__).parent / "sections")])))
_frozen = False


def helper_setup() -> None:
    """In a helper process, before its imports: Streamlit's errors only.  The app's cached
    functions run there outside any script run ("bare mode"), and Streamlit would log a
    warning for each cache it makes and each call."""
    from streamlit import logger

    logger.set_log_level(logging.ERROR)


def helper_after_call() -> None:
    """In a helper process, after each call (its answer already sent): what the call cached is
    dropped and the freed pages go back to the system.  The server keeps the results; a helper
    that kept its own caches, or its allocator's free pages, would grow with every setting
    asked for (`make load-class` measured +139 MB over a class, with the caches dropped but
    the pages kept)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()  # a plotly figure's objects point at each other: freed by a collection, not when the call ends
    memory.RELEASER.trim()


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
    # a setting's first race, charts, live data and critical points are built off this process's lock
    # (a page run waiting for a helper holds no lock: the class's catch-ups go on meanwhile, `room.aside`)
    jobs.HELPERS.enable(HELPER_WARM, setup="ui.shell:helper_setup", after="ui.shell:helper_after_call",
                        waiting=classroom.aside, watch=str(ROOT))
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
    if ss.get(keys.URL_PAGE) != page_id:
        # a new page starts from its link alone (from a bare menu link: its own settings of this
        # session); nothing of the page visited before carries over.  Before any widget is drawn:
        # a widget's state deleted after it was drawn in the same run breaks the next run's values
        forget_page_state()
    qp_lang = st.query_params.get("lang")
    if keys.LANG not in ss:
        ss[keys.LANG] = qp_lang if qp_lang in LANGS else _browser_lang()
    elif ss.get(keys.URL_PAGE) != page_id and qp_lang in LANGS:
        ss[keys.LANG] = qp_lang
    if keys.BIG not in ss:
        ss[keys.BIG] = st.query_params.get("big") in ("1", "true")
    lang, big = ss[keys.LANG], ss[keys.BIG]
    title = t(f"page_{page_id}", lang)
    st.set_page_config(page_title=f"{title} · Optimizer Lab", page_icon=page.icon, layout="wide",
                       initial_sidebar_state="expanded")
    st.html(BASE_CSS + (BIG_CSS if big else ""))  # style only: Streamlit gives it no room on the page

    with st.sidebar:
        ss[keys.LANG_CHOICE] = lang
        st.radio(t("language", lang), LANGS, key=keys.LANG_CHOICE, horizontal=True,
                 format_func=lambda code: {"zh": "中文", "en": "English"}[code], on_change=_on_lang_change)
        ss[keys.BIG_CHOICE] = big
        st.toggle(t("presentation_mode", lang), key=keys.BIG_CHOICE, on_change=_on_big_change,
                  help=t("presentation_mode_help", lang))
        menu = st.container()
        st.divider()
    classroom.setup(page_id, lang)  # a class (issue 22): its URL keys, the sidebar box, a student's following
    drawn = not classroom.following()
    with menu:
        if drawn:
            _menu(page, lang, big)
        else:  # the teacher holds the page and its settings: no menu to leave by, no controls
            st.caption(t("class_held", lang))
    controls = Controls(page_id, lang, drawn=drawn)
    return Shell(page, lang, big, controls)


def _menu(page: PageInfo, lang: str, big: bool) -> None:
    """The translated menu, and a section page's reset button."""
    st.markdown(f"**{t('menu', lang)}**")
    query = {"lang": lang} | ({"big": "1"} if big else {})
    for p in PAGES:
        label = t(f"page_{p.id}", lang)
        if p.section:
            label = f"{numbered(p)} {label}"
        st.page_link(p.path, label=label, icon=p.icon, query_params=query)
    if page.section:  # every section page: its controls back to their defaults (the URL follows)
        st.button(t("reset_page", lang), key=keys.RESET, icon="🔄", on_click=reset_page, args=(page.id,),
                  help=t("reset_page_help", lang), width="stretch")


def serve(page_id: str, render: Callable[[Shell], None]) -> None:
    """A page script's whole body: set the page up, draw it with `render(sh)` (a failure
    of the page's own computation is contained), write the URL back."""
    with classroom.turn(page_id):  # a student catching up with the teacher waits for a turn (ui.classroom.room)
        sh = page_setup(page_id)
        with sh.guard():
            render(sh)
        sh.finish()
    classroom.publish(page_id)  # a teacher's page, URL and poll, to the class
    memory.RELEASER.tick()  # freed memory back to the system, now and then (a class that left)
