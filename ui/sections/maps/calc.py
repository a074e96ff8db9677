"""Maps calculations (pure: numpy in and out, no Streamlit): colours of every cell, the cell
under a click, the settings of a sweep cell as a racer, and the playground link of a start."""

from __future__ import annotations

import math

import numpy as np

from optim_lab.engine import BATCH_SIZE
from optim_lab.maps.basins import DIVERGED
from optim_lab.schedules import get_schedule
from ui.common.lineup import RacerConfig

# one hue per minimum (Okabe–Ito without black, then more); greys and black are reserved
BASIN_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#8C564B", "#7B2CBF",
                "#2CA02C", "#17BECF", "#BCBD22")
DIVERGED_COLOR = "#000000"
NOT_CONVERGED_COLOR = "#A0A0A0"
SWEEP_DIVERGED_COLOR = "#D62728"
NEVER_COLOR = "#A0A0A0"
# Viridis, sampled: low values (good) dark purple, high values yellow
VIRIDIS = ("#440154", "#482878", "#3E4A89", "#31688E", "#26828E", "#1F9E89", "#35B779", "#6DCD59", "#B4DE2C", "#FDE725")
CONVERGED_FAMILY = ("#C6DBEF", "#08306B")  # light → dark blue (slow → fast)
DIVERGED_FAMILY = ("#FCBBA1", "#67000D")  # light → dark red (slow → fast blow-up)
RATIO_RANGE = (-8.0, 1.0)  # log10 of the loss gap relative to the start: the colour bar's span


def rgb(hex_color: str) -> np.ndarray:
    h = hex_color.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def _mix(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a·(1 − w) + b·w per cell; a, b (…, 3), w (…)."""
    return a * (1.0 - w[..., None]) + b * w[..., None]


def ramp(stops, t: np.ndarray) -> np.ndarray:
    """(…, 3) colours of t ∈ [0, 1] along the hex colour stops."""
    cols = np.stack([rgb(c) for c in stops])
    t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0) * (len(cols) - 1)
    i = np.minimum(np.floor(t).astype(int), len(cols) - 2)
    return _mix(cols[i], cols[i + 1], t - i)


def basin_rgb(basin: np.ndarray, needed: np.ndarray, steps: int) -> np.ndarray:
    """(ny, nx, 3) uint8: hue = the minimum reached; lightness = log of the steps it needed
    (light = fast, dark = slow); black = diverged, grey = not converged within the budget."""
    out = np.empty((*basin.shape, 3))
    out[:] = rgb(NOT_CONVERGED_COLOR)
    out[basin == DIVERGED] = rgb(DIVERGED_COLOR)
    hit = basin >= 0
    if hit.any():
        base = np.stack([rgb(c) for c in BASIN_COLORS])[basin[hit] % len(BASIN_COLORS)]
        s = np.log1p(np.maximum(needed[hit], 0)) / math.log1p(max(steps, 1))  # 0 = at once, 1 = the whole budget
        light = np.clip(0.5 - s, 0, None) * 1.1  # towards white when fast
        dark = np.clip(s - 0.5, 0, None) * 1.1  # towards black when slow
        c = _mix(base, np.full_like(base, 255.0), light)
        out[hit] = _mix(c, np.zeros_like(base), dark)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def sweep_values(ratio: np.ndarray, steps_to: np.ndarray, diverged_at: np.ndarray, metric: str, steps: int):
    """(t in [0, 1] per cell, the colour bar's (lo, hi) in its own units, log?) of the chosen metric."""
    if metric == "steps":
        v = np.log10(np.maximum(steps_to, 1).astype(np.float64))
        hi = math.log10(max(steps, 2))
        return v / hi, (0.0, hi)
    lo, hi = RATIO_RANGE
    v = np.log10(np.maximum(np.nan_to_num(ratio, nan=10.0 ** hi, posinf=10.0 ** hi), 10.0 ** lo))
    return (v - lo) / (hi - lo), (lo, hi)


def sweep_rgb(ratio: np.ndarray, steps_to: np.ndarray, diverged_at: np.ndarray, metric: str, steps: int) -> np.ndarray:
    """(ny, nx, 3) uint8: Viridis by the metric, red where a run diverged, grey where it never
    got 99 % of the way down (metric "steps")."""
    t, _ = sweep_values(ratio, steps_to, diverged_at, metric, steps)
    out = ramp(VIRIDIS, t)
    if metric == "steps":
        out[steps_to < 0] = rgb(NEVER_COLOR)
    out[diverged_at >= 0] = rgb(SWEEP_DIVERGED_COLOR)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def fractal_rgb(converged: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    """(ny, nx, 3) uint8: blue family where training converged, red where it diverged; darker = faster."""
    out = np.where(converged[..., None], ramp(CONVERGED_FAMILY, intensity), ramp(DIVERGED_FAMILY, intensity))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def nearest_cell(xs: np.ndarray, ys: np.ndarray, x: float, y: float) -> tuple[int, int]:
    """(row i, column j) of the grid cell nearest to (x, y) (in the axes' own coordinates)."""
    return int(np.abs(np.asarray(ys) - y).argmin()), int(np.abs(np.asarray(xs) - x).argmin())


def cell_racer(cfg: RacerConfig, values: dict[str, float]) -> RacerConfig:
    """The racer of one sweep cell: the chosen racer with the cell's axis values set."""
    sched = {p.name: p for p in get_schedule(cfg.schedule).params}
    hp, sp = dict(cfg.hparams), dict(cfg.sched_params)
    lr, bs = cfg.lr, cfg.batch_size
    for name, v in values.items():
        if name == "lr":
            lr = float(v)
        elif name == BATCH_SIZE:
            bs = int(round(v))
        elif name in sched and name not in {p.name for p in cfg.spec().params}:
            sp[name] = int(round(v)) if sched[name].integer else float(v)
        else:
            hp[name] = float(v)
    return cfg.replace(lr=lr, hparams=hp, sched_params=sp, batch_size=bs)


def _num(v) -> str:
    return repr(float(v)) if float(v) != int(v) else str(int(v))


def playground_query(surface: str, params: dict, configs: list[RacerConfig], start, steps: int, seed: int) -> dict[str, str]:
    """The playground's URL for these racers from this start (its keys: `surface`, `s_<param>`
    or the formula's, `x0`/`y0`, `steps`, `seed`, `n`, and `o{i}`, `o{i}_lr`, `o{i}_h_<p>`,
    `o{i}_sch`, `o{i}_sp_<p>`, `o{i}_m`, `o{i}_s`, `o{i}_bs` per racer)."""
    q: dict[str, str] = {"surface": surface}
    if surface == "custom":
        q |= {"formula": str(params["formula"]), "fx0": _num(params["x_min"]), "fx1": _num(params["x_max"]),
              "fy0": _num(params["y_min"]), "fy1": _num(params["y_max"])}
    else:
        q |= {f"s_{k}": _num(v) for k, v in params.items()}
    q |= {"x0": _num(start[0]), "y0": _num(start[1]), "steps": str(int(steps)), "n": str(len(configs))}
    if seed:
        q["seed"] = str(int(seed))
    for i, c in enumerate(configs, start=1):
        k = f"o{i}"
        q[k] = c.optimizer
        if c.momentum_rule:
            q[f"{k}_m"], q[f"{k}_s"] = c.momentum_rule, c.scaling_rule or "none"
        if c.lr is not None:
            q[f"{k}_lr"] = _num(c.lr)
        q |= {f"{k}_h_{p}": _num(v) for p, v in c.hparams.items()}
        if c.schedule != "constant":
            q[f"{k}_sch"] = c.schedule
        q |= {f"{k}_sp_{p}": _num(v) for p, v in c.sched_params.items()}
        if c.batch_size is not None:
            q[f"{k}_bs"] = str(int(c.batch_size))
    return q


def display(values: np.ndarray, log: bool) -> np.ndarray:
    """Axis coordinates of a sweep axis: log10 of the values on a log axis (drawn on a linear
    axis with decade ticks, so the cells are equal squares), else the values."""
    return np.log10(values) if log else np.asarray(values, dtype=np.float64)
