"""How much batching buys: the rows `python -m optim_lab bench` prints for the maps.

Each row compares two numbers measured in the same run (never a stored constant)."""

from __future__ import annotations

import numpy as np

from surfaces import get_surface

from ..engine import Racer, race
from ..timing import best_of
from .fractal import fractal_map
from .sweep import Axis, sweep_map


def bench_sweep(quick: bool) -> dict:
    """A 128 × 128 η × μ sweep of momentum on the quadratic bowl (100 steps) in one batched call,
    against one `race` per cell — sampled (every cell costs the same) and extrapolated."""
    problem = get_surface("quadratic").build(cond=10.0)
    n, steps, start = 128, 100, (-2.5, 1.5)
    x, y = Axis("lr", 1e-2, 1.0, n, log=True), Axis("momentum", 0.0, 0.95, n)
    t_ours = best_of(lambda: sweep_map(problem, Racer("momentum"), x, y, start, steps), 1 if quick else 3)
    cells = np.stack(np.meshgrid(x.values(), y.values()), -1).reshape(-1, 2)
    sample = cells[np.linspace(0, len(cells) - 1, 16 if quick else 64).astype(int)]

    def per_cell():
        for lr, mu in sample:
            race(problem, [Racer("momentum", lr=float(lr), hparams={"momentum": float(mu)})], [start], steps, detail=False)

    t_cell = best_of(per_cell, 1) / len(sample)
    t_theirs = t_cell * len(cells)
    ratio = t_theirs / t_ours
    return {
        "name": "sweep", "what": f"{n} × {n} η × μ cells × {steps} steps, momentum, quadratic (one engine.sweep call)",
        "ours_s": t_ours, "baseline": f"one race per cell ({len(sample)} sampled, × {len(cells)})", "baseline_s": t_theirs,
        "ratio": ratio, "target": "≥ 50× faster", "ok": ratio >= 50,
    }


def bench_fractal(quick: bool) -> dict:
    """The trainability map: 128 × 128 cells × 100 steps of full-batch GD on the tiny network."""
    t = best_of(lambda: fractal_map(n=128, steps=100), 1 if quick else 3)
    return {
        "name": "fractal", "what": "trainability map, 128 × 128 (η_in, η_out) cells × 100 GD steps, one batched run",
        "ours_s": t, "baseline": "the 1.5 s target", "baseline_s": 1.5, "ratio": 1.5 / t,
        "target": "< 1.5 s", "ok": t < 1.5,
    }


def bench_rows(quick: bool) -> list[dict]:
    return [bench_sweep(quick), bench_fractal(quick)]
