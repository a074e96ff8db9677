"""The bilingual catalog: both halves have the same keys and the same placeholders, in every
module it is made of (the shell's, and each section's own text.py, found by discovery)."""

from __future__ import annotations

import re
import string

import pytest

from ui.common.presets import all_presets
from ui.shell import PAGES
from ui.text import CATALOG, t, text_modules

PRESETS = all_presets()


def fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_same_keys_in_both_languages():
    assert set(CATALOG["en"]) == set(CATALOG["zh"]), set(CATALOG["en"]) ^ set(CATALOG["zh"])


@pytest.mark.parametrize("key", sorted(CATALOG["en"]))
def test_same_placeholders(key):
    assert fields(CATALOG["en"][key]) == fields(CATALOG["zh"][key])


@pytest.mark.parametrize("name,module", text_modules(), ids=[n for n, _ in text_modules()])
def test_each_module_halves_agree(name, module):
    assert set(module.EN) == set(module.ZH), set(module.EN) ^ set(module.ZH)
    for key in module.EN:
        assert fields(module.EN[key]) == fields(module.ZH[key]), key


def test_every_section_brings_its_text():
    names = {n for n, _ in text_modules()}
    for p in PAGES:
        if p.section:
            assert f"ui.sections.{p.slug}.text" in names, p.slug


def test_chinese_entries_are_chinese():
    neutral = re.compile(r"^[\W\d_a-zA-Z\u0370-\u03ff ]*$")  # formulas, symbols (Greek), proper names
    han = re.compile(r"[\u4e00-\u9fff]")
    missing = [k for k, v in CATALOG["zh"].items() if not han.search(v) and not neutral.match(v) and v == CATALOG["en"][k]]
    assert not missing


def test_every_page_and_preset_has_its_texts():
    for p in PAGES:
        assert f"page_{p.id}" in CATALOG["en"]
        if p.section:
            assert f"q_{p.id}" in CATALOG["en"]
    for pr in PRESETS:
        assert pr.title in CATALOG["en"], pr.title
        if pr.note:
            assert pr.note in CATALOG["en"], pr.note


def test_book_terms():
    zh = " ".join(CATALOG["zh"].values())
    for term in ("鞍点", "局部极小值", "海森矩阵", "学习率"):
        assert term in zh


def test_t_formats_and_falls_back():
    assert t("diverged_at", "en", name="Adam", k=37) == "Adam diverged at step 37"
    assert t("diverged_at", "zh", name="Adam", k=37) == "Adam 在第 37 步发散"
    assert t("no-such-key", "zh") == "no-such-key"
