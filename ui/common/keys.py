"""Every session-state key the app itself writes, declared once.

Widget keys of a page are its URL parameters (`steps`, `o1_lr`, …) and belong to
that page; the keys here are the shell's, the URL machinery's and the few that
several modules share.  Underscored keys never appear in a URL.
"""

from __future__ import annotations

# the shell: language and presentation mode (kept across pages and presets)
LANG = "_lang"
BIG = "_big"
LANG_CHOICE = "lang_choice"  # the sidebar radio
BIG_CHOICE = "big_choice"  # the sidebar toggle

# the URL machinery (ui.common.state)
URL_PAGE = "_url_page"  # the page whose controls the session holds
URL_SNAPSHOT = "_url_snapshot"  # query values not yet claimed by a control
URL_REFUSED = "_url_refused"  # values refused, named in one notice
URL_FIRST_RUN = "_url_first_run"
URL_DISMISS = "_url_dismiss"  # the notice's ✕ button
URL_HELD = "_url_held"  # each control's value, default and context of the last run (state.Held)
URL_OWN = "_url_own"  # values the learner set for another context: (key, context) → value
PAGE_QUERIES = "_page_queries"  # page id → the query the page wrote last (kept across pages)
RESET = "_reset"  # the "back to defaults" button
QUIZ = "_quiz"  # question key → the choice the learner ran (ui.common.quiz)
QUIZ_ALONE = "_quiz_alone"  # the question shown alone, for class
PRESET = "_preset"  # id of the preset applied last
CLASS = "_class"  # the session's class: role, code, teacher secret, following (ui.classroom.room)

# controls shared by the surface view and the pages that draw it
SURFACE = "surface"
START_X, START_Y = "x0", "y0"
STEPS, SEED = "steps", "seed"
SELECTED_STEP = "k"  # the step the page's inspector, arrows and equations look at
LOG_LOSS = "logloss"
VIEW_3D, SHOW_CRITICAL = "view3d", "crit"  # the surface view's switches (prefixed when a page draws two views)
INSPECT = "inspect"  # "step" or "point"
INSPECT_X, INSPECT_Y = "ix", "iy"
FORMULA_OK = "_formula_ok"  # the last typed formula that parsed

# the session's own keys: kept when a preset, the reset button or a change of page forgets the page's state
# (CLASS: the teacher's secret, or what a student follows)
KEEP_ON_PRESET = (LANG, BIG, LANG_CHOICE, BIG_CHOICE, URL_PAGE, PAGE_QUERIES, QUIZ, CLASS)


def log_key(key: str) -> str:
    """The widget of a log slider holds log10 of the value under this key."""
    return f"{key}__log"


def exact_key(key: str) -> str:
    """A log slider's exact value, kept while the widget sits on its rounded logarithm."""
    return f"{key}__exact"


def preset_button(preset_id: str) -> str:
    return f"preset_{preset_id}"
