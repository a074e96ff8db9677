"""`python -m optim_lab sweep`: two hyper-parameters on a grid, every cell a run from one start.

The same function as the maps page (`optim_lab.maps.sweep.sweep_map`): all cells are rows of
one batched engine call.  Per cell (row = y index, column = x index): the final loss,
diverged_at (−1 if the run did not diverge) and the steps to get 99 % of the way down
(−1 if never).  Axis names are spelled as on the command line: `lr`, the optimizer's
hyper-parameters (`momentum`, `beta2`, …), its schedule's (`warmup`, …), `batch_size`.
"""

from __future__ import annotations

import json

from ..maps.sweep import parse_axis, sweep_map
from . import UsageError
from .args import json_floats, pair, racer_args, racers_of, surface_args, surface_of

NAME = "sweep"
HELP = "a hyper-parameter map: final loss and divergence over a grid of two hyper-parameters (one batched run)"


def add_arguments(p) -> None:
    surface_args(p)
    racer_args(p, several=False)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--x", required=True, metavar="NAME=LO:HI:N[:log]")
    p.add_argument("--y", required=True, metavar="NAME=LO:HI:N[:log]")
    p.add_argument("--start", default=None, metavar="X,Y", help="default: the surface's own start")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")


def run(args) -> str:
    if args.optimizer and len(args.optimizer) > 1:
        raise UsageError("--optimizer: a sweep maps one optimizer; name it once")
    try:
        x, y = parse_axis(args.x), parse_axis(args.y)
    except ValueError as exc:
        raise UsageError(f"--x/--y: {exc}") from None
    problem = surface_of(args)
    (racer,) = racers_of(args)
    start = pair(args.start, "--start") if args.start else problem.start
    m = sweep_map(problem, racer, x, y, start, args.steps, seed=args.seed)
    if args.json:
        out = m.as_json()
        out |= {"surface": problem.name, "optimizer": (args.optimizer or ["sgd"])[0]}
        return json.dumps(json_floats(out), ensure_ascii=False)
    stable = ((m.ratio < 1) & (m.diverged_at < 0)).mean()
    lines = [f"{problem.name}, {(args.optimizer or ['sgd'])[0]}: {len(m.xs)} × {len(m.ys)} cells ({x.name} × {y.name}), "
             f"{m.steps} steps from ({m.start[0]:g}, {m.start[1]:g}); start loss {m.start_loss:.6g}",
             f"  loss fell in {stable:.1%} of cells; diverged in {(m.diverged_at >= 0).mean():.1%}"]
    if m.boundary:
        lines.append(f"  analytic stability boundary: {m.boundary[0]} … {m.boundary[-1]}")
    return "\n".join(lines)
