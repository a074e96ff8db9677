"""Argument helpers shared by every sub-command: surfaces, racers, numbers, JSON.

A command that takes a surface calls `surface_args(parser)` and `surface_of(args)`;
one that takes optimizers calls `racer_args(parser)` and `racers_of(args)`, so every
command spells `--optimizer`, `--opt`, `--lr`, `--schedule`, `--sched` the same way.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from surfaces import get_surface
from surfaces.formula import DEFAULT_BOX, custom_surface

from ..engine import Racer
from ..export import clean, json_floats  # noqa: F401  (re-exported for the commands)
from ..optimizers import CUSTOM
from . import UsageError


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse only treats "-1" / "-0.5" as values; "--start -0.6,0.62" or "--lr -1e-3"
        # would otherwise be taken for an unknown option.  No option of ours starts with "-<digit>".
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message: str):  # one line instead of usage + message
        raise UsageError(message)


def pair(text: str, what: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise UsageError(f"{what}: expected X,Y (two numbers separated by a comma), got {text!r}") from None


def kv(items: Sequence[str] | None, what: str) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{what}: expected key=value, got {item!r}")
        out.append((key.strip(), value.strip()))
    return out


def num(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{field}: expected a number, got {value!r}") from None


def surface_of(args):
    if args.formula is not None:
        return _formula_surface(args)
    if args.box is not None:
        raise UsageError("--box: applies to --formula only")
    spec = get_surface(args.surface)
    values = {k: num(v, f"--set {k}") for k, v in kv(args.set, "--set")}
    return spec.build(**values)


def _formula_surface(args):
    if args.set:
        raise UsageError("--set: a --formula surface has no parameters")
    box = DEFAULT_BOX
    if args.box is not None:
        parts = args.box.split(",")
        if len(parts) != 4:
            raise UsageError(f"--box: expected X0,X1,Y0,Y1 (four numbers separated by commas), got {args.box!r}")
        box = tuple(num(v, "--box") for v in parts)
    return custom_surface(args.formula, box=box)


def racers_of(args) -> list[Racer]:
    names = args.optimizer or ["sgd"]
    parsed = []
    for name in names:
        if name.startswith(CUSTOM + ":"):  # custom:MOMENTUM+SCALING
            mom, _, scal = name[len(CUSTOM) + 1 :].partition("+")
            parsed.append((name, dict(optimizer=CUSTOM, momentum_rule=mom, scaling_rule=scal or "none")))
        else:
            parsed.append((name, dict(optimizer=name)))
    hparams: dict[str, dict[str, float]] = {name: {} for name, _ in parsed}
    for key, value in kv(args.opt, "--opt"):
        target, dot, pname = key.rpartition(".")
        if dot and target not in hparams:
            raise UsageError(f"--opt {key}: {target!r} is not among the optimizers named with --optimizer")
        takers = [n for n, kw in parsed if (not dot or n == target) and pname in _param_names(kw)]
        if not takers:
            raise UsageError(f"--opt {key}: no optimizer named takes a parameter {pname!r}")
        for n in takers:  # a switch's true/false is parsed where every value is checked (Param.check)
            hparams[n][pname] = value if _is_switch(dict(parsed)[n], pname) else num(value, f"--opt {key}")
    sched = {k: num(v, f"--sched {k}") for k, v in kv(args.sched, "--sched")}
    return [
        Racer(**kw, lr=args.lr, hparams=hparams[n], schedule=args.schedule, sched_params=sched, batch_size=args.batch_size)
        for n, kw in parsed
    ]


def _is_switch(kw: dict, name: str) -> bool:
    return any(p.name == name and p.boolean for p in Racer(**kw).spec().params)


def _param_names(kw: dict) -> set[str]:
    r = Racer(**kw)
    return {p.name for p in r.spec().params}


def surface_args(sp) -> None:
    which = sp.add_mutually_exclusive_group(required=True)
    which.add_argument("--surface")
    which.add_argument("--formula", metavar="TEXT",
                       help='your own surface L(x, y) = TEXT, e.g. "x^2 + 3*y^2" (write --formula=-x^2 when it starts with -)')
    sp.add_argument("--set", action="append", metavar="K=V", help="surface parameter")
    sp.add_argument("--box", metavar="X0,X1,Y0,Y1", help="view box of --formula (default -3,3,-3,3)")


def racer_args(sp, *, several: bool = True) -> None:
    helptext = "repeat to race several; custom:MOMENTUM+SCALING builds one" if several else "custom:MOMENTUM+SCALING builds one"
    sp.add_argument("--optimizer", action="append", metavar="O", help=helptext)
    sp.add_argument("--opt", action="append", metavar="K=V", help="hyper-parameter for every optimizer named (O.K=V for one)")
    sp.add_argument("--lr", type=float, default=None)
    sp.add_argument("--schedule", default="constant")
    sp.add_argument("--sched", action="append", metavar="K=V")
