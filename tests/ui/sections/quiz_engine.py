"""The engine's run of a section preset, as its questions' tests need it (no Streamlit)."""

from __future__ import annotations

from optim_lab.engine import Racer, race
from surfaces import get_surface


def preset_params(module, preset_id: str) -> dict[str, str]:
    return next(p for p in module.PRESETS if p.id == preset_id).params


def question(module, preset_id: str):
    return next(q for q in module.QUESTIONS if q.preset == preset_id)


def run(surface: str, racers: list[Racer], start, steps: int, **params):
    problem = get_surface(surface).build(**params)
    return problem, race(problem, racers, [tuple(start)], steps)
