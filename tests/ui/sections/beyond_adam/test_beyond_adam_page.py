"""Beyond Adam page: renders in both languages, every preset applies cleanly (as a link and as a
button) and shows its part's chart and sentence; SAM's job is drawn when it is done."""

from __future__ import annotations

import re

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
    """The sentence `key` is on the page: its longest piece of fixed text (two sentences of a part may
    start alike, e.g. WSD's drop and its small-η twin)."""
    piece = max(re.split(r"\{[^}]*\}", t(key, lang)), key=len)
    return any(piece in m.value for m in at.markdown)


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


@pytest.mark.parametrize(("lang", "params", "bad", "chart"), [
    ("zh", {"part": "nope"}, "part=nope", "ba_lion"),
    ("zh", {"part": "lion", "lr_lion": "-1"}, "lr_lion=-1", "ba_lion"),
    ("en", {"part": "wsd", "steps_wsd": "99999"}, "steps_wsd=99999", "ba_wsd"),
])
def test_a_bad_2d_value_gets_one_notice_in_the_pages_language(lang, params, bad, chart):
    """An unknown part, a negative η, too many steps: one notice in the page's language naming the value, the
    part drawn at its default, and its sentence."""
    at = _open(lang, params)
    assert not at.exception and not at.error
    notices = apptest.ignored_notices(at)
    assert len(notices) == 1 and bad in notices[0] and notices[0].startswith(apptest.notice_prefix(lang)), notices
    apptest.chart(at, chart)
    part = chart.removeprefix("ba_")
    assert any(_shows_sentence(at, k, lang) for k in (SENTENCE[part], f"{SENTENCE[part]}_small"))


def test_the_wsd_sentence_at_a_small_eta_says_the_decay_changes_little():
    """At η = 0.05 the path does not bounce and the decay changes little: the page says that, not "falls k-fold"."""
    at = _open("zh", {"part": "wsd", "lr_wsd": "0.05"})
    apptest.assert_clean(at)
    assert _shows_sentence(at, "ba_wsd_claim_small", "zh") and not _shows_sentence(at, "ba_wsd_claim", "zh")


def test_the_schedule_free_sentence_where_knowing_t_pays():
    """At η = 1 and T = 1000 the cosine run told T ends far lower: the page says so instead of "comparable"."""
    at = _open("en", {"part": "sf", "lr_sf": "1", "steps_sf": "1000"})
    apptest.assert_clean(at)
    assert _shows_sentence(at, "ba_sf_claim_not", "en") and not _shows_sentence(at, "ba_sf_claim", "en")
