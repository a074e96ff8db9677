"""`python -m optim_lab basins`: which minimum each start of a grid over the view box ends in.

The same function as the maps page (`optim_lab.maps.basins.basin_map`).  Per cell (row = y
index, column = x index): the index of the minimum reached, −1 (not converged within the
budget) or −2 (diverged), and the steps taken (to settle, or the step of divergence).
"""

from __future__ import annotations

import json

from ..maps.basins import DIVERGED, NOT_CONVERGED, basin_map
from .args import json_floats, racer_args, racers_of, surface_args, surface_of

NAME = "basins"
HELP = "basins of attraction: which minimum every start of a grid ends in (one batched run)"


def add_arguments(p) -> None:
    surface_args(p)
    racer_args(p)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--grid", type=int, default=64, metavar="N", help="N × N starts over the view box (2..256)")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")


def run(args) -> str:
    problem = surface_of(args)
    racers = racers_of(args)
    m = basin_map(problem, racers, args.grid, args.steps, seed=args.seed)
    names = args.optimizer or ["sgd"]
    if args.json:
        out = m.as_json()
        out["surface"] = problem.name
        for name, entry in zip(names, out["maps"], strict=True):
            entry["optimizer"] = name
        out["codes"] = {"not_converged": NOT_CONVERGED, "diverged": DIVERGED}
        return json.dumps(json_floats(out), ensure_ascii=False)
    lines = [f"{problem.name}: {args.grid} × {args.grid} starts, {m.steps} steps, basin radius {m.radius:.3g}"]
    for i, mn in enumerate(m.minima):
        lines.append(f"  minimum {i}: ({mn.x:.4g}, {mn.y:.4g})  L = {mn.loss:.6g}{'  global' if mn.is_global else ''}")
    for i, name in enumerate(names):
        b = m.basin[i]
        parts = [f"{j}: {(b == j).mean():.1%}" for j in range(len(m.minima))]
        parts += [f"not converged: {(b == NOT_CONVERGED).mean():.1%}", f"diverged: {(b == DIVERGED).mean():.1%}"]
        lines.append(f"{name}: global minimum from {m.global_share[i]:.1%} of starts  ({', '.join(parts)})")
    return "\n".join(lines)
