"""Typed text shown in Markdown reads exactly as typed (one helper, used wherever the app
shows a formula's refusal or a link's values)."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ui.common.markdown import code, escape

MD = MarkdownIt("commonmark")


def rendered(markdown: str) -> str:
    return MD.renderInline(markdown)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_escaped_text_renders_as_itself(text):
    assert rendered(escape(text)) == html.escape(text, quote=True).replace("&#x27;", "'")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60))
def test_a_code_span_holds_any_text(text):
    out = rendered(code(text))
    assert out.startswith("<code>") and out.endswith("</code>")
    assert out[len("<code>"):-len("</code>")] == html.escape(text, quote=True).replace("&#x27;", "'")


def test_the_formula_that_lost_its_underscores():
    assert rendered(escape("unknown name '__import__'")) == "unknown name '__import__'"
    assert rendered("unknown name '__import__'") != "unknown name '__import__'"  # what happened before
    assert escape("$x$ :red[a]") == r"\$x\$ \:red\[a\]"  # no LaTeX, no colour directive
