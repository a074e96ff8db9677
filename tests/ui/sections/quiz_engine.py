"""The engine's run of what a section page shows (a preset, or the default view read off the page's
controls), for the tests of its questions and its default view."""

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


def lr_of(at, key: str) -> float:
    """The η a page's log slider holds (its exact value)."""
    return float(at.session_state[f"{key}__exact"])


def start_of(at) -> tuple[float, float]:
    return float(at.session_state["x0"]), float(at.session_state["y0"])
