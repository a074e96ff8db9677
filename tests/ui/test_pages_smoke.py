"""Every page of the registry in both languages, and every preset of the registry as a link
and as a button: no exception, no error box, nothing in the URL ignored.  A new page or
preset is covered by being registered."""

from __future__ import annotations

import pytest

from tests import apptest
from ui.common import keys, presets
from ui.shell import PAGE_BY_ID, PAGES, numbered
from ui.text import LANGS, t

PRESETS = presets.all_presets()


def open_page(page, lang="en", query=None):
    return apptest.open_page(page.path, lang, query, timeout=90)


def _num(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_page_renders_without_exception(page, lang):
    at = open_page(page, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert not apptest.ignored_notices(at)
    if page.section:
        assert at.get("plotly_chart"), "every section page shows at least one chart"
        assert at.title[0].value == f"{numbered(page)} {t(f'page_{page.id}', lang)}"  # numbered as in the menu
        assert at.title[0].value.startswith("§3.") or page.section == "HW3"
        assert at.caption[0].value == t(f"q_{page.id}", lang)
    assert at.query_params.get("lang") in (lang, [lang])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("preset", PRESETS, ids=[f"{p.page}:{p.id}" for p in PRESETS])
def test_preset_link_renders_and_is_fully_understood(preset, lang):
    at = open_page(PAGE_BY_ID[preset.page], lang, preset.params)
    apptest.assert_clean(at)  # no exception, no error box, a chart, and every key a control of its page
    # every preset value is reflected back into the URL (nothing was dropped)
    for key, value in preset.params.items():
        got = at.query_params.get(key)
        got = got[0] if isinstance(got, list) else got
        if got is not None:
            assert float(got) == pytest.approx(float(value)) if _num(value) else got == value, key


@pytest.mark.parametrize("preset", PRESETS, ids=[f"{p.page}:{p.id}" for p in PRESETS])
def test_preset_button_applies_the_preset(preset):
    at = open_page(PAGE_BY_ID[preset.page], "en")
    at.button(key=keys.preset_button(preset.id)).click().run()
    apptest.assert_clean(at)
    apptest.assert_state_matches(at, preset.params)
    if preset.note:  # "what to look for" appears with the preset
        assert any(t(preset.note, "en") in i.value for i in at.info), preset.note
