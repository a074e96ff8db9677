"""`python -m optim_lab`: list, run, inspect, critical, bench.

Bad arguments end with exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Sequence

import numpy as np

from .engine import Racer, race
from .optimizers import CUSTOM, OPTIMIZERS
from .rules import MOMENTUM, SCALING
from .schedules import SCHEDULES


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse only treats "-1" / "-0.5" as values; "--start -0.6,0.62" or "--lr -1e-3"
        # would otherwise be taken for an unknown option.  No option of ours starts with "-<digit>".
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message: str):  # one line instead of usage + message
        raise UsageError(message)


def _pair(text: str, what: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise UsageError(f"{what}: expected X,Y (two numbers separated by a comma), got {text!r}") from None


def _kv(items: Sequence[str] | None, what: str) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{what}: expected key=value, got {item!r}")
        out.append((key.strip(), value.strip()))
    return out


def _num(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{field}: expected a number, got {value!r}") from None


def _surface(args):
    if args.formula is not None:
        return _formula_surface(args)
    if args.box is not None:
        raise UsageError("--box: applies to --formula only")
    from surfaces import get_surface

    spec = get_surface(args.surface)
    values = {k: _num(v, f"--set {k}") for k, v in _kv(args.set, "--set")}
    return spec.build(**values)


def _formula_surface(args):
    from surfaces.formula import DEFAULT_BOX, custom_surface

    if args.set:
        raise UsageError("--set: a --formula surface has no parameters")
    box = DEFAULT_BOX
    if args.box is not None:
        parts = args.box.split(",")
        if len(parts) != 4:
            raise UsageError(f"--box: expected X0,X1,Y0,Y1 (four numbers separated by commas), got {args.box!r}")
        box = tuple(_num(v, "--box") for v in parts)
    return custom_surface(args.formula, box=box)


def _racers(args) -> list[Racer]:
    names = args.optimizer or ["sgd"]
    parsed = []
    for name in names:
        if name.startswith(CUSTOM + ":"):  # custom:MOMENTUM+SCALING
            mom, _, scal = name[len(CUSTOM) + 1 :].partition("+")
            parsed.append((name, dict(optimizer=CUSTOM, momentum_rule=mom, scaling_rule=scal or "none")))
        else:
            parsed.append((name, dict(optimizer=name)))
    hparams: dict[str, dict[str, float]] = {name: {} for name, _ in parsed}
    for key, value in _kv(args.opt, "--opt"):
        target, dot, pname = key.rpartition(".")
        if dot and target not in hparams:
            raise UsageError(f"--opt {key}: {target!r} is not among the optimizers named with --optimizer")
        takers = [n for n, kw in parsed if (not dot or n == target) and pname in _param_names(kw)]
        if not takers:
            raise UsageError(f"--opt {key}: no optimizer named takes a parameter {pname!r}")
        for n in takers:
            hparams[n][pname] = _num(value, f"--opt {key}")
    sched = {k: _num(v, f"--sched {k}") for k, v in _kv(args.sched, "--sched")}
    return [
        Racer(**kw, lr=args.lr, hparams=hparams[n], schedule=args.schedule, sched_params=sched, batch_size=args.batch_size)
        for n, kw in parsed
    ]


def _param_names(kw: dict) -> set[str]:
    r = Racer(**kw)
    return {p.name for p in r.spec().params}


def cmd_list(args) -> str:
    if args.what == "surfaces":
        from surfaces import SURFACES

        rows = [
            {"name": s.name, "label_en": s.label_en, "label_zh": s.label_zh, "latex": s.latex, "box": list(s.box),
             "start": list(s.start), "params": [_param(p) for p in s.params], "data_backed": s.data_backed}
            for s in SURFACES.values()
        ]
    elif args.what == "optimizers":
        rows = [
            {"name": o.name, "label_en": o.label_en, "label_zh": o.label_zh, "momentum": o.momentum, "scaling": o.scaling,
             "convention": o.convention, "torch": o.torch_name, "lr": o.lr, "params": [_param(p) for p in o.params]}
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
        ps = ", ".join(f"{p['name']}={p['default']:g}" for p in r.get("params", []))
        lines.append(f"{r['name']:<16} {r['label_en']:<38} {ps}")
    if args.what == "optimizers":
        lines.append(f"custom:M+S       build your own: M in {{{', '.join(MOMENTUM)}}}, S in {{{', '.join(SCALING)}}}")
    return "\n".join(lines)


def _param(p) -> dict:
    return {"name": p.name, "default": p.default, "min": p.lo, "max": p.hi, "log": p.log, "integer": p.integer}


def _clean(a) -> list:
    """numpy → JSON lists; non-finite values become null."""
    arr = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(arr), arr, np.nan).tolist() if arr.size else []


def _json_floats(x):
    if isinstance(x, float):
        return x if np.isfinite(x) else None
    if isinstance(x, (list, tuple)):
        return [_json_floats(v) for v in x]
    if isinstance(x, dict):
        return {k: _json_floats(v) for k, v in x.items()}
    return x


def cmd_run(args) -> str:
    problem = _surface(args)
    racers = _racers(args)
    starts = [_pair(s, "--start") for s in (args.start or [])] or [problem.start]
    res = race(problem, racers, starts, args.steps, seed=args.seed, hessian=args.hessian)
    trajs = []
    for i, (name, r) in enumerate(zip(args.optimizer or ["sgd"], racers, strict=True)):
        for j, s in enumerate(starts):
            k = res.row(i, j)
            d = res.diverged_at[k]
            t = {
                "optimizer": name, "start": list(s), "lr0": r.resolved_lr(),
                "batch_size": int(res.batch_size[k]) or None,
                "theta": _clean(res.theta[:, k]), "loss": _clean(res.loss[:, k]),
                "grad_norm": _clean(res.grad_norm[:, k]), "lr": _clean(res.lr[:, k]),
                "diverged_at": None if d < 0 else int(d),
            }
            if res.eigvals is not None:
                t["eigvals"] = _clean(res.eigvals[:, k])
            trajs.append(t)
    if args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["optimizer", "start_x", "start_y", "step", "x", "y", "loss", "grad_norm", "lr", "diverged_at"])
        for t in trajs:
            for step, (xy, lo, gn) in enumerate(zip(t["theta"], t["loss"], t["grad_norm"], strict=True)):
                lr = t["lr"][step - 1] if step > 0 else ""
                w.writerow([t["optimizer"], *t["start"], step, *xy, lo, gn, lr, "" if t["diverged_at"] is None else t["diverged_at"]])
        return buf.getvalue().rstrip("\n")
    out = {"surface": problem.name, "params": problem.params, "schedule": args.schedule, "steps": res.steps,
           "seed": res.seed, "trajectories": trajs}
    if args.formula is not None:
        out["formula"] = problem.formula.text  # canonical form of what was typed
    return json.dumps(_json_floats(out), ensure_ascii=False)


def cmd_inspect(args) -> str:
    from .analysis import inspect

    info = inspect(_surface(args), _pair(args.at, "--at")).as_dict()
    if args.json:
        return json.dumps(_json_floats(info))
    lam = info["eigvals"]
    g = [v + 0.0 for v in info["grad"]]  # no "-0" on screen
    return (f"L = {info['loss']:.6g}   ∇L = ({g[0]:.6g}, {g[1]:.6g})\n"
            f"H = {info['hessian']}\neigenvalues {lam[0]:.6g}, {lam[1]:.6g} → {info['kind']}"
            f"  (minimum ratio {info['minimum_ratio']:g}; {'critical' if info['critical'] else 'not critical'})")


def cmd_critical(args) -> str:
    from .analysis import critical_points

    pts = critical_points(_surface(args))
    if args.json:
        return json.dumps(_json_floats({"points": pts}))
    return "\n".join(f"{p['kind']:<10} at ({p['at'][0]:.6g}, {p['at'][1]:.6g})  L = {p['loss']:.6g}  λ = {p['eigvals']}" for p in pts) or "none found"


def cmd_bench(args) -> str:
    from .bench import format_table, run_all

    rows, machine = run_all(quick=args.quick)
    if args.json:
        return json.dumps({"machine": machine, "rows": rows}, indent=1)
    return format_table(rows, machine)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m optim_lab", description="Optimizer Lab's engine on the command line.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    pl = sub.add_parser("list", help="list surfaces, optimizers or schedules")
    pl.add_argument("what", choices=["surfaces", "optimizers", "schedules"])
    pl.add_argument("--json", action="store_true")

    def surface_args(sp):
        which = sp.add_mutually_exclusive_group(required=True)
        which.add_argument("--surface")
        which.add_argument("--formula", metavar="TEXT",
                           help='your own surface L(x, y) = TEXT, e.g. "x^2 + 3*y^2" (write --formula=-x^2 when it starts with -)')
        sp.add_argument("--set", action="append", metavar="K=V", help="surface parameter")
        sp.add_argument("--box", metavar="X0,X1,Y0,Y1", help="view box of --formula (default -3,3,-3,3)")

    pr = sub.add_parser("run", help="race optimizers from the same starts")
    surface_args(pr)
    pr.add_argument("--optimizer", action="append", metavar="O", help="repeat to race several; custom:MOMENTUM+SCALING builds one")
    pr.add_argument("--opt", action="append", metavar="K=V", help="hyper-parameter for every optimizer named (O.K=V for one)")
    pr.add_argument("--lr", type=float, default=None)
    pr.add_argument("--schedule", default="constant")
    pr.add_argument("--sched", action="append", metavar="K=V")
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
    pb.add_argument("--json", action="store_true")
    return p


COMMANDS = {"list": cmd_list, "run": cmd_run, "inspect": cmd_inspect, "critical": cmd_critical, "bench": cmd_bench}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        text = COMMANDS[args.cmd](args)
    except (UsageError, ValueError) as exc:
        print(f"optim_lab: error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    sys.stdout.write(text + "\n")
    return 0
