"""The engine behind `st.cache_data`: plain configs in, numpy arrays and plain data out.

Every cache is bounded (entries here, bytes in `.streamlit/config.toml`), keyed
by small hashable configs, and never holds a tensor.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import streamlit as st
import torch

from optim_lab.analysis import critical_points, inspect
from optim_lab.engine import Racer, race
from surfaces import get_surface

GRID_N = 100


CUSTOM = "custom"  # the surface typed by the user: params hold "formula" and the box


def build(surface: str, params: tuple) -> Any:
    if surface == CUSTOM:
        from surfaces.formula import custom_surface

        p = dict(params)
        return custom_surface(str(p["formula"]), box=(p["x_min"], p["x_max"], p["y_min"], p["y_max"]))
    return get_surface(surface).build(**dict(params))


def box_of(problem) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in problem.box)


@st.cache_data(max_entries=48, show_spinner=False)
def grid(surface: str, params: tuple, n: int = GRID_N, box: tuple | None = None) -> dict:
    """Loss on an n × n grid over the box, float32, NaN where undefined."""
    problem = build(surface, params)
    x0, x1, y0, y1 = box or box_of(problem)
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    with torch.no_grad():
        z = problem.loss(torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1))).numpy().reshape(n, n)
    z = np.where(np.isfinite(z), z, np.nan)
    return {"xs": xs, "ys": ys, "z": z.astype(np.float32)}


@st.cache_data(max_entries=48, show_spinner=False)
def batch_grid(surface: str, params: tuple, indices: tuple, n: int = 60) -> dict:
    """The loss of one batch (the given sample indices) on a grid: that batch's own surface."""
    problem = build(surface, params)
    x0, x1, y0, y1 = box_of(problem)
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    w = torch.zeros(1, problem.n_samples, dtype=torch.float64)
    w[0, list(indices)] = 1.0 if problem.reduction == "sum" else 1.0 / len(indices)
    pts = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1))
    with torch.no_grad():
        z = problem.loss(pts, w.expand(len(pts), -1)).numpy().reshape(n, n)
    return {"xs": xs, "ys": ys, "z": z.astype(np.float32)}


@st.cache_data(max_entries=32, show_spinner=False)
def critical(surface: str, params: tuple) -> list[dict]:
    return critical_points(build(surface, params))


@st.cache_data(max_entries=256, show_spinner=False)
def inspect_at(surface: str, params: tuple, x: float, y: float) -> dict:
    return inspect(build(surface, params), (x, y)).as_dict()


def racer_from(cfg: dict) -> Racer:
    return Racer(
        optimizer=cfg["optimizer"], lr=cfg.get("lr"), hparams=cfg.get("hparams", {}), schedule=cfg.get("schedule", "constant"),
        sched_params=cfg.get("sched_params", {}), batch_size=cfg.get("batch_size"),
        momentum_rule=cfg.get("momentum_rule"), scaling_rule=cfg.get("scaling_rule"),
    )


@st.cache_data(max_entries=64, show_spinner=False)
def run(surface: str, params: tuple, racers_json: str, starts: tuple, steps: int, seed: int, hessian: bool = True) -> dict:
    """One race as plain arrays.  `racers_json` is a JSON list of racer configs."""
    problem = build(surface, params)
    racers = [racer_from(c) for c in json.loads(racers_json)]
    res = race(problem, racers, [list(s) for s in starts], steps, seed=seed, hessian=hessian)
    out = {k: getattr(res, k) for k in ("theta", "loss", "grad_norm", "lr", "diverged_at", "batch_size", "epoch",
                                          "step_grad", "batch_loss", "sigma", "direction", "eff_step", "eigvals")}
    out["batches"] = {int(b): {"indices": p.indices, "epoch": p.epoch, "per_epoch": p.updates_per_epoch}
                      for b, p in res.batches.items()}
    out["starts"] = res.starts
    out["steps"] = res.steps
    return out


def racers_key(configs: list[dict]) -> str:
    return json.dumps(configs, sort_keys=True)


def params_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))
