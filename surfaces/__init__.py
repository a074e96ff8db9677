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


FORMULA_SURFACE = "custom"  # a typed surface: its params are formula, x_min, x_max, y_min, y_max


def get_surface(name: str) -> SurfaceSpec:
    """The spec called `name`; ValueError listing the valid names otherwise."""
    return lookup("surface", SURFACES, name)


def build_problem(surface: str, params) -> Problem:
    """The problem of a setting: a registered surface built with its parameters, or the typed
    formula surface (`FORMULA_SURFACE`) over its box."""
    p = dict(params)
    if surface == FORMULA_SURFACE:
        from surfaces.formula import custom_surface

        return custom_surface(str(p["formula"]), box=(p["x_min"], p["x_max"], p["y_min"], p["y_max"]))
    return get_surface(surface).build(**p)


__all__ = ["ALL_SURFACES", "FORMULA_SURFACE", "SURFACES", "Problem", "SurfaceSpec", "build_problem", "get_surface"]
