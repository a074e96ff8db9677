"""Discovery: a section is a package under ui/sections/; its text and presets are found
without registering them anywhere (what a new section relies on)."""

from __future__ import annotations

import importlib
import sys

import pytest

from ui import sections, text
from ui.common import presets


@pytest.fixture
def extra_section(tmp_path, monkeypatch):
    """A section package `zz_extra` outside the source tree, visible to discovery."""
    pkg = tmp_path / "zz_extra"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "text.py").write_text('EN = {"zz_title": "Extra"}\nZH = {"zz_title": "额外"}\n')
    (pkg / "presets.py").write_text(
        "from ui.common.presets import Preset\n\nPRESETS = [Preset('zz-extra', 'first', 'zz_title', {'steps': '3'})]\n")
    monkeypatch.setattr(sections, "__path__", [*sections.__path__, str(tmp_path)])
    presets.all_presets.cache_clear()
    yield "zz_extra"
    presets.all_presets.cache_clear()
    for name in [m for m in sys.modules if m.startswith("ui.sections.zz_extra")]:
        del sys.modules[name]


def test_the_sections_are_packages_with_their_modules():
    assert {"critical_points", "batch_momentum", "adaptive_lr", "lr_schedule", "playground", "classification",
            "normalization"} <= set(sections.slugs())
    assert {slug for slug, _ in sections.modules("page")} >= {"critical_points", "playground"}
    for _, module in sections.modules("page"):
        assert callable(module.render)


def test_a_new_section_package_is_discovered(extra_section):
    assert extra_section in sections.slugs()
    assert [p.id for p in presets.for_page("zz-extra")] == ["first"]
    names = [n for n, _ in text.text_modules()]
    assert "ui.sections.zz_extra.text" in names


def test_a_key_defined_twice_is_refused(tmp_path, monkeypatch):
    pkg = tmp_path / "zz_twice"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "text.py").write_text('EN = {"app_title": "x"}\nZH = {"app_title": "x"}\n')
    monkeypatch.setattr(sections, "__path__", [*sections.__path__, str(tmp_path)])
    monkeypatch.setattr(text, "CATALOG", {"en": {}, "zh": {}})
    monkeypatch.setattr(text, "SOURCES", {})
    try:
        with pytest.raises(KeyError, match="app_title"):
            text._load()
    finally:
        sys.modules.pop("ui.sections.zz_twice.text", None)
        sys.modules.pop("ui.sections.zz_twice", None)
    importlib.invalidate_caches()


def test_a_page_reads_only_its_own_sections_presets(extra_section, monkeypatch):
    presets._of_section.cache_clear()
    loaded = []
    real = sections.module
    monkeypatch.setattr(sections, "module", lambda slug, name: loaded.append(slug) or real(slug, name))
    assert [p.id for p in presets.for_page("zz-extra")] == ["first"]
    assert loaded == ["zz_extra"]
    presets._of_section.cache_clear()
