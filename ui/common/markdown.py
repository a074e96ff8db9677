"""Text a learner typed (a formula, a value from a link), shown inside Markdown so that it
reads exactly as typed: `__import__` must not turn into a bold "import".

Streamlit renders every `st.markdown`, `st.error`, `st.info`, … string as Markdown (CommonMark
with GitHub's extensions, `$…$` as LaTeX, `:name:` emoji and `:red[…]` colours).  Every ASCII
punctuation character may be backslash-escaped in CommonMark and then means itself, so
`escape` escapes all of them; `code` makes an inline code span that holds any text.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = frozenset(string.punctuation)


def escape(text: object) -> str:
    """`text` as Markdown that renders to exactly `text` (line breaks become spaces)."""
    s = " ".join(str(text).splitlines())
    return "".join("\\" + c if c in _PUNCTUATION else c for c in s)


def code(text: object) -> str:
    """An inline code span showing `text` verbatim, whatever backticks it contains."""
    s = " ".join(str(text).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space at each end of a span (unless it is all spaces): pad so that
    # edge backticks and spaces survive
    pad = " " if (s[:1] in ("`", " ") or s[-1:] in ("`", " ")) and s.strip(" ") else ""
    return f"{fence}{pad}{s}{pad}{fence}" if s else "` `"
