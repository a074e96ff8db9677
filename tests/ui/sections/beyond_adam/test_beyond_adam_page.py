"""Beyond Adam page: renders in both languages, every preset applies cleanly (as a link and as a
button) and shows its part's chart and sentence; SAM's job is drawn when it is done."""

from __future__ import annotations

import pytest

from tests import apptest
from ui.common.keys import preset_button
from ui.sections.beyond_adam.presets import PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

SCRIPT = PAGE_BY_ID["beyond-adam"].path
CHART = {"lion": "ba_lion", "sam": "ba_sam", "sf": "ba_sf", "wsd": "ba_wsd", "muon": "ba_muon"}
SENTENCE = {"lion": "ba_lion_claim", "sam": "ba_sam_claim", "sf": "ba_sf_claim", "wsd": "ba_wsd_claim", "muon": "ba_muon_claim"}


def _open(lang: str, params: dict | None = None):
    return apptest.open_page(SCRIPT, lang, params, timeout=90)


def _shows_sentence(at, key: str, lang: str) -> bool:
    head = t(key, lang).split("{")[0][:12]
    return any(m.value.startswith(head) for m in at.markdown)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_is_lion_with_its_chart_surface_and_sentence(lang):
    at = _open(lang)
    apptest.assert_clean(at)
    apptest.chart(at, "ba_lion")
    apptest.chart(at, "ba_surface_lion")
    assert _shows_sentence(at, "ba_lion_claim", lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("preset", PRESETS, ids=[p.id for p in PRESETS])
def test_every_preset_link_shows_its_part(preset, lang):
    at = _open(lang, preset.params)
    apptest.assert_clean(at)
    part = preset.params["part"]
    fig = apptest.chart(at, CHART[part])
    names = [tr.get("name", "") for tr in fig["data"]]
    assert len([n for n in names if n]) >= 2 and not [n for n in names if n.startswith("ba_")], names  # every run named
    assert _shows_sentence(at, SENTENCE[part], lang)
    assert not at.info  # a link shows no preset note (a button does: below)


def test_preset_buttons_one_after_the_other_show_their_notes():
    at = _open("zh")
    for p in PRESETS:
        at.button(key=preset_button(p.id)).click().run()
        apptest.assert_clean(at)
        apptest.chart(at, CHART[p.params["part"]])
        assert [i.value for i in at.info] == [t(p.note, "zh")]


def test_muon_links_to_the_training_lab():
    at = _open("en", {"part": "muon"})
    links = [e for e in at.get("page_link") if "training-lab" in e.proto.page]
    assert links and links[0].proto.label == t("ba_muon_lab", "en")


def test_a_bad_value_in_the_link_is_named_and_the_page_stays_usable():
    at = _open("en", {"part": "sam", "slr": "7"})
    assert not at.exception
    assert apptest.ignored_notices(at)
    apptest.chart(at, "ba_sam")


def test_a_run_that_diverges_is_named_and_the_sentence_withheld():
    """Momentum diverges at η = 0.5 on the bowl: the page says where, and states no numbers of a broken run."""
    at = _open("en", {"part": "muon", "lr_muon": "0.5"})
    apptest.assert_clean(at)
    assert any("diverged" in w.value for w in at.warning)
    assert not _shows_sentence(at, "ba_muon_claim", "en")
    apptest.chart(at, "ba_muon")
