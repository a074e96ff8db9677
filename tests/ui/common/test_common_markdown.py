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


def test_a_hostile_formula_in_a_link_is_named_exactly_once_escaped():
    from tests import apptest
    from ui.shell import PAGE_BY_ID

    at = apptest.open_page(PAGE_BY_ID["playground"].path, "en", {"surface": "custom", "formula": "__import__('os')"})
    notes = apptest.ignored_notices(at)
    assert notes and r"\\_" not in notes[0]  # escaped once, not twice
    assert "unknown name '__import__' at column 1" in rendered(notes[0])  # reads as typed, underscores and all


def test_a_hostile_formula_typed_in_the_box_is_named_as_typed():
    from tests import apptest
    from ui.shell import PAGE_BY_ID

    at = apptest.open_page(PAGE_BY_ID["playground"].path, "en", {"surface": "custom", "n": "1", "steps": "10"})
    at.text_input(key="formula").set_value("__import__('os')").run()
    errors = [e.value for e in at.error if "cannot be used" in e.value]
    assert errors and "unknown name '__import__' at column 1" in rendered(errors[0])


def test_a_code_span_of_spaces_only_keeps_them():
    """CommonMark strips the padding space only when the span is not all spaces (found by hypothesis in CI)."""
    for text in (" ", "   "):
        assert rendered(code(text)) == f"<code>{text}</code>"
