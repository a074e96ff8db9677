"""The registry of 2-D error surfaces: textbook ones first, then classic test functions, then data-backed ones.

Pure: imports torch, numpy and the standard library only (never streamlit or plotly).
"""

from __future__ import annotations

from surfaces.base import Problem, SurfaceSpec
from surfaces.classic import CLASSIC_SURFACES
from surfaces.data import DATA_SURFACES
from surfaces.textbook import TEXTBOOK_SURFACES

from .spec import lookup

ALL_SURFACES: tuple[SurfaceSpec, ...] = (*TEXTBOOK_SURFACES, *CLASSIC_SURFACES, *DATA_SURFACES)
SURFACES: dict[str, SurfaceSpec] = {spec.name: spec for spec in ALL_SURFACES}


def get_surface(name: str) -> SurfaceSpec:
    """The spec called `name`; ValueError listing the valid names otherwise."""
    return lookup("surface", SURFACES, name)


__all__ = ["ALL_SURFACES", "SURFACES", "Problem", "SurfaceSpec", "get_surface"]
