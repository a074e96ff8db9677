"""Presets: a preset is a URL query (language-neutral control values) with a title.

Applying one from a button resets the page's controls and feeds the values
through the same validation as a shared link, so a preset, a home-page link
and a copied URL are one thing.  Each module here defines `PRESETS`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

import streamlit as st


@dataclass(frozen=True)
class Preset:
    page: str  # page id
    id: str  # kebab-case, unique on its page
    title: str  # text-catalog key
    params: dict[str, str] = field(default_factory=dict)
    home: bool = False  # offered on the home page to start class with
    note: str | None = None  # text-catalog key: what to look for


def _load() -> list[Preset]:
    out: list[Preset] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        out.extend(importlib.import_module(f"{__name__}.{info.name}").PRESETS)
    return out


ALL: list[Preset] = _load()


def for_page(page: str) -> list[Preset]:
    return [p for p in ALL if p.page == page]


KEEP = ("_lang", "_big", "lang_choice", "big_choice", "_url_page")


def apply(preset: Preset) -> None:
    """Button callback: forget the page's controls, then load the preset like a link."""
    ss = st.session_state
    for key in list(ss.keys()):
        if key not in KEEP:
            del ss[key]
    ss["_url_page"] = preset.page
    ss["_url_snapshot"] = dict(preset.params)
    ss["_url_refused"] = []
    ss["_url_first_run"] = True
    ss["_preset"] = preset.id


def buttons(sh, page: str, columns: int = 4) -> Preset | None:
    """A row of preset buttons; returns the preset applied last in this session (if any)."""
    presets = for_page(page)
    if not presets:
        return None
    st.markdown(f"**{sh.t('presets')}**")
    cols = st.columns(min(columns, len(presets)))
    for i, p in enumerate(presets):
        cols[i % len(cols)].button(sh.t(p.title), key=f"preset_{p.id}", on_click=apply, args=(p,), width="stretch")
    current = st.session_state.get("_preset")
    return next((p for p in presets if p.id == current), None)
