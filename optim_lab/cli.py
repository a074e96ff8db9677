"""`python -m optim_lab`: list, run, inspect, critical, bench.

Bad arguments end with exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from surfaces import SURFACES

from . import export
from .analysis import critical_points, inspect
from .bench import format_table, run_all
from .commands import UsageError, discover
from .commands.args import Parser, json_floats, pair, racer_args, racers_of, surface_args, surface_of
from .engine import race
from .optimizers import OPTIMIZERS
from .rules import MOMENTUM, SCALING
from .schedules import SCHEDULES


def cmd_list(args) -> str:
    if args.what == "surfaces":
        rows = [
            {"name": s.name, "label_en": s.label_en, "label_zh": s.label_zh, "latex": s.latex, "box": list(s.box),
             "start": list(s.start), "params": [_param(p) for p in s.params], "data_backed": s.data_backed}
            for s in SURFACES.values()
        ]
    elif args.what == "optimizers":
        rows = [
            {"name": o.name, "label_en": o.label_en, "label_zh": o.label_zh, "momentum": o.momentum, "scaling": o.scaling,
             "convention": o.convention, "torch": o.torch_name, "reference": o.reference, "lr": o.lr,
             "params": [_param(p) for p in o.params]}
            for o in OPTIMIZERS.values()
        ]
    else:
        rows = [
            {"name": s.name, "label_en": s.label_en, "label_zh": s.label_zh, "latex": s.latex, "torch": s.torch_equivalent,
             "params": [_param(p) for p in s.params]}
            for s in SCHEDULES.values()
        ]
    if args.json:
        return json.dumps(rows, ensure_ascii=False, indent=1)
    lines = []
    for r in rows:
        ps = ", ".join(f"{p['name']}={str(p['default']).lower() if p.get('boolean') else format(p['default'], 'g')}"
                       for p in r.get("params", []))
        ref = f"  [{r['reference']}]" if "reference" in r else ""
        lines.append(f"{r['name']:<20} {r['label_en']:<38} {ps}{ref}")
    if args.what == "optimizers":
        lines.append(f"custom:M+S           build your own: M in {{{', '.join(MOMENTUM)}}}, S in {{{', '.join(SCALING)}}}")
    return "\n".join(lines)


def _param(p) -> dict:
    return {"name": p.name, "default": p.default, "min": p.lo, "max": p.hi, "log": p.log, "integer": p.integer,
            "boolean": p.boolean}


def cmd_run(args) -> str:
    problem = surface_of(args)
    racers = racers_of(args)
    starts = [pair(s, "--start") for s in (args.start or [])] or [problem.start]
    res = race(problem, racers, starts, args.steps, seed=args.seed, hessian=args.hessian)
    trajs = export.trajectories(res, args.optimizer or ["sgd"])
    for k, t in enumerate(trajs):
        t.extra = {"lr0": racers[k // len(starts)].resolved_lr(), "batch_size": int(res.batch_size[k]) or None}
        if res.eigvals is not None:
            t.extra["eigvals"] = export.clean(res.eigvals[:, k])
    if args.format == "csv":
        return export.to_csv(trajs)
    meta = {"surface": problem.name, "params": problem.params, "schedule": args.schedule, "steps": res.steps, "seed": res.seed}
    if args.formula is not None:
        meta["formula"] = problem.formula.text  # canonical form of what was typed
    return export.to_json(meta, trajs)


def cmd_inspect(args) -> str:
    info = inspect(surface_of(args), pair(args.at, "--at")).as_dict()
    if args.json:
        return json.dumps(json_floats(info))
    lam = info["eigvals"]
    g = [v + 0.0 for v in info["grad"]]  # no "-0" on screen
    return (f"L = {info['loss']:.6g}   ∇L = ({g[0]:.6g}, {g[1]:.6g})\n"
            f"H = {info['hessian']}\neigenvalues {lam[0]:.6g}, {lam[1]:.6g} → {info['kind']}"
            f"  (minimum ratio {info['minimum_ratio']:g}; {'critical' if info['critical'] else 'not critical'})")


def cmd_critical(args) -> str:
    pts = critical_points(surface_of(args))
    if args.json:
        return json.dumps(json_floats({"points": pts}))
    return "\n".join(f"{p['kind']:<10} at ({p['at'][0]:.6g}, {p['at'][1]:.6g})  L = {p['loss']:.6g}  λ = {p['eigvals']}" for p in pts) or "none found"


def cmd_bench(args) -> str:
    try:
        rows, machine = run_all(quick=args.quick, only=args.only)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        return json.dumps({"machine": machine, "rows": rows}, indent=1)
    return format_table(rows, machine)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m optim_lab", description="Optimizer Lab's engine on the command line.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=Parser)

    pl = sub.add_parser("list", help="list surfaces, optimizers or schedules")
    pl.add_argument("what", choices=["surfaces", "optimizers", "schedules"])
    pl.add_argument("--json", action="store_true")

    pr = sub.add_parser("run", help="race optimizers from the same starts")
    surface_args(pr)
    racer_args(pr)
    pr.add_argument("--steps", type=int, required=True)
    pr.add_argument("--start", action="append", metavar="X,Y")
    pr.add_argument("--batch-size", type=int, default=None)
    pr.add_argument("--seed", type=int, default=0)
    pr.add_argument("--hessian", action="store_true")
    pr.add_argument("--format", choices=["json", "csv"], default="json")

    pi = sub.add_parser("inspect", help="loss, gradient, Hessian and verdict at a point")
    surface_args(pi)
    pi.add_argument("--at", required=True, metavar="X,Y")
    pi.add_argument("--json", action="store_true")

    pc = sub.add_parser("critical", help="every critical point in the view box")
    surface_args(pc)
    pc.add_argument("--json", action="store_true")

    pb = sub.add_parser("bench", help="speed of the batched engine against torch.optim, measured in one run")
    pb.add_argument("--quick", action="store_true")
    pb.add_argument("--only", metavar="ROW", help="one row of the engine's: race, basin, hessian, family, pg-family, lab-muon, lab-lion")
    pb.add_argument("--json", action="store_true")
    for mod in discover():
        mod.add_arguments(sub.add_parser(mod.NAME, help=mod.HELP))
    return p


COMMANDS = {"list": cmd_list, "run": cmd_run, "inspect": cmd_inspect, "critical": cmd_critical, "bench": cmd_bench}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        plugins = {mod.NAME: mod.run for mod in discover()}
        text = (COMMANDS.get(args.cmd) or plugins[args.cmd])(args)
    except (UsageError, ValueError) as exc:
        print(f"optim_lab: error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    sys.stdout.write(text + "\n")
    return 0
