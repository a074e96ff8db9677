"""The engine behind `st.cache_data`: plain keys in, numpy arrays and typed results out.

Every cache is bounded (entries here, bytes in `.streamlit/config.toml`), keyed
by small hashable values, and never holds a tensor.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import numpy as np
import streamlit as st

from optim_lab import jobs
from optim_lab.analysis import Inspection, critical_points, inspect
from optim_lab.engine import race
from surfaces import FORMULA_SURFACE, build_problem  # noqa: F401 — FORMULA_SURFACE: the views' name of it
from ui.common.figures import Grid
from ui.common.grid import grad_norm_grid, loss_grid
from ui.common.racers import RacerConfig
from ui.common.result import RaceResult, read_only

GRID_N = 100

PROBLEMS_KEPT = 64  # problems kept for every session (each a few small tensors)


def build(surface: str, params: tuple) -> Any:
    """The problem of a setting, built once for every session: a problem never changes after it
    is built, and a page run asks for its own a few times (a data surface solves its least
    squares or runs Newton's method when built: a twentieth of a follower's run)."""
    try:
        hash(params)
    except TypeError:  # a parameter that does not hash: built here
        return build_problem(surface, params)
    return _built(surface, params)


@functools.lru_cache(maxsize=PROBLEMS_KEPT)
def _built(surface: str, params: tuple) -> Any:
    return build_problem(surface, params)


def box_of(problem) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in problem.box)


@st.cache_resource(max_entries=48, show_spinner=False)
def grid(surface: str, params: tuple, n: int = GRID_N, box: tuple | None = None, log: bool = False) -> Grid:
    """Loss on an n × n grid over the box (the problem's own unless given), float32, NaN where undefined;
    `log`: coloured by log(z − min + δ).  One read-only grid for every session (not a copy per
    caller: a figure's key then takes its digest once, `view._frozen_digest`)."""
    problem = build(surface, params)
    xs, ys, z = map(read_only, loss_grid(problem, box or box_of(problem), n))
    return Grid(xs, ys, z, log=log)


@st.cache_resource(max_entries=32, show_spinner=False)
def grad_norms(surface: str, params: tuple, n: int, box: tuple | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, ‖∇L‖) on an n × n grid over the box (the problem's own unless given), rows = ys: a
    gradient map, computed once per setting for every session (a class follows with sixty), read-only."""
    problem = build(surface, params)
    return tuple(map(read_only, grad_norm_grid(problem, box or box_of(problem), n)))


@st.cache_data(max_entries=32, show_spinner=False)
def critical(surface: str, params: tuple) -> list[dict]:
    """The critical points of a setting, found once for every session, in a helper process
    (`jobs.HELPERS`): Newton's method from a grid of starts takes 0.03–0.2 s a surface, which
    the script run would spend holding this process's interpreter lock."""
    return jobs.HELPERS.call(critical_of, surface, params)


def critical_of(surface: str, params: tuple) -> list[dict]:
    """What `critical` keeps (computed where `jobs.HELPERS` runs it)."""
    return critical_points(build(surface, params))


@st.cache_data(max_entries=256, show_spinner=False)
def inspect_at(surface: str, params: tuple, x: float, y: float) -> Inspection:
    return inspect(build(surface, params), (x, y))


@st.cache_resource(max_entries=64, show_spinner=False)
def run(surface: str, params: tuple, racers_json: str, starts: tuple, steps: int, seed: int, hessian: bool = True) -> RaceResult:
    """One race, shared by every session that asks for it (read-only: `RaceResult.frozen`).
    `racers_json` is `racers_key(configs)`.  Not copied for each caller as `st.cache_data`
    would: a race with batches carries every step's sample indices, and unpickling them was
    a twentieth of each follower's run.  Run in a helper process (`jobs.HELPERS`), off this
    process's interpreter lock."""
    return jobs.HELPERS.call(raced, surface, params, racers_json, starts, steps, seed, hessian).frozen()


def raced(surface: str, params: tuple, racers_json: str, starts: tuple, steps: int, seed: int, hessian: bool = True) -> RaceResult:
    """The race `run` keeps (computed where `jobs.HELPERS` runs it)."""
    problem = build(surface, params)
    racers = [RacerConfig.from_dict(c).racer() for c in json.loads(racers_json)]
    return RaceResult.from_engine(race(problem, racers, [list(s) for s in starts], steps, seed=seed, hessian=hessian))


def racers_key(configs: list[RacerConfig]) -> str:
    """The cache key of a line-up: what the engine needs of each racer, as JSON."""
    return json.dumps([c.engine_dict() for c in configs], sort_keys=True)


def params_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))
