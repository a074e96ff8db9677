"""Presets: a preset is a URL query (language-neutral control values) with a title.

Applying one from a button resets the page's controls and feeds the values
through the same validation as a shared link (`state.load_snapshot`), so a preset,
a home-page link and a copied URL are one thing.  Each section declares its own
in `ui/sections/<slug>/presets.py` (`PRESETS`); the registry finds them there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import streamlit as st

from ui.common import keys
from ui.common.state import forget_page_state, load_snapshot


@dataclass(frozen=True)
class Preset:
    page: str  # page id
    id: str  # kebab-case, unique on its page
    title: str  # text-catalog key
    params: dict[str, str] = field(default_factory=dict)
    home: bool = False  # offered on the home page to start class with
    note: str | None = None  # text-catalog key: what to look for


def _checked(slug: str, module) -> tuple[Preset, ...]:
    for preset in module.PRESETS:
        if not isinstance(preset, Preset):
            raise TypeError(f"ui.sections.{slug}.presets: {preset!r} is not a Preset")
    return tuple(module.PRESETS)


@functools.cache
def all_presets() -> tuple[Preset, ...]:
    """Every section's PRESETS, sections in slug order.  Found on first use, so a section's
    presets module may import `Preset` from here without an import cycle."""
    from ui import sections

    out: list[Preset] = []
    for slug, module in sections.modules("presets"):
        out.extend(_checked(slug, module))
    seen: set[tuple[str, str]] = set()
    for preset in out:
        if (preset.page, preset.id) in seen:
            raise ValueError(f"preset {preset.page}:{preset.id} declared twice")
        seen.add((preset.page, preset.id))
    return tuple(out)


def __getattr__(name: str):
    if name == "ALL":  # `presets.ALL`: the registry as a list
        return list(all_presets())
    raise AttributeError(name)


@functools.cache
def _of_section(slug: str) -> tuple[Preset, ...]:
    from ui import sections

    module = sections.module(slug, "presets")
    return () if module is None else _checked(slug, module)


def for_page(page: str) -> list[Preset]:
    """The presets of one page, from its own section only (a page never imports another's)."""
    return [p for p in _of_section(page.replace("-", "_")) if p.page == page]


def for_home(page_ids: list[str]) -> list[Preset]:
    """The presets offered on the home page, in the order of `page_ids` (the chapter's), not
    in the packages' alphabetical order."""
    order = {page: i for i, page in enumerate(page_ids)}
    return sorted((p for p in all_presets() if p.home and p.page in order), key=lambda p: order[p.page])


def apply(preset: Preset) -> None:
    """Button callback: forget the page's controls, then load the preset like a link."""
    forget_page_state()
    load_snapshot(preset.page, preset.params)
    st.session_state[keys.PRESET] = preset.id


def active(page: str) -> Preset | None:
    """The preset of `page` applied last in this session (if any)."""
    current = st.session_state.get(keys.PRESET)
    return next((p for p in for_page(page) if p.id == current), None)
