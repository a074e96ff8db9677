"""`python -m optim_lab landscape`: train a training-lab run, then slice its loss around the final weights.

Takes exactly the run arguments of `train` (its own argument adder is reused), plus the
plane: `--plane pca` (top-2 PCA directions of the path's weight differences from the
final weights; the path is projected on it) or `--plane random` (two filter-normalized
random directions, biases and BN parameters zero in them).  Prints the plane's axes and
the loss grid (rows: β from top to bottom, columns: α).
"""

from __future__ import annotations

import json

import numpy as np

from . import UsageError
from .args import json_floats

NAME = "landscape"
HELP = "train a run (same flags as train) and print a 2-D slice of its loss around the final weights"
MAX_GRID = 61


def add_arguments(p) -> None:
    from .train import add_arguments as train_arguments

    train_arguments(p)
    p.add_argument("--plane", choices=["pca", "random"], default="pca", help="pca: the path's plane; random: filter-normalized")
    p.add_argument("--grid", type=int, default=21, help=f"points per axis (3..{MAX_GRID})")
    p.add_argument("--direction-seed", type=int, default=0, help="seed of the random directions")


def run(args) -> str:
    from ..inside import runs
    from .train import configs_of

    if not 3 <= args.grid <= MAX_GRID:
        raise UsageError(f"--grid: {args.grid} is outside the allowed range [3, {MAX_GRID}]")
    cfgs = configs_of(args)
    if len(cfgs) != 1:
        raise UsageError("--optimizer: landscape slices one run; name one optimizer")
    r = runs.run(cfgs[0])
    if r.trace.diverged_at is not None:
        raise UsageError(f"the run diverged at update {r.trace.diverged_at}: no final weights to slice around")
    s, plane = runs.landscape(r, args.plane, args.grid, args.direction_seed)
    info = runs.summary(r)
    out = {
        "settings": r.cfg.as_dict(), "plane": s.kind, "alpha": s.alpha.tolist(), "beta": s.beta.tolist(),
        "loss": s.loss.tolist(), "share": None if s.share is None else s.share.tolist(),
        "path": None if s.path is None else s.path.tolist(), "path_loss": None if s.path_loss is None else s.path_loss.tolist(),
        "path_updates": r.trace.snapshot_updates, "centre_loss": float(s.loss[np.argmin(np.abs(s.beta)), np.argmin(np.abs(s.alpha))]),
        "train_loss": info["train_loss"], "val_acc": info["val_acc"], "updates": info["updates"],
    }
    if args.json:
        return json.dumps(json_floats(out), ensure_ascii=False)
    lines = [f"plane: {s.kind}" + ("" if s.share is None else f" (path variance kept: {s.share[0]:.1%} + {s.share[1]:.1%})")
             + ("; biases and BN parameters zero in the directions" if s.kind == "random" else ""),
             f"run: {info['updates']} updates, training loss {info['train_loss']:.4g}, validation accuracy {info['val_acc']:.3f}",
             f"alpha: {s.alpha[0]:.4g} … {s.alpha[-1]:.4g} ({len(s.alpha)} points)",
             f"beta:  {s.beta[0]:.4g} … {s.beta[-1]:.4g} ({len(s.beta)} points)", "",
             "beta \\ alpha " + " ".join(f"{a:>8.3g}" for a in s.alpha)]
    for j in range(len(s.beta) - 1, -1, -1):
        lines.append(f"{s.beta[j]:>12.4g} " + " ".join(f"{v:>8.4g}" for v in s.loss[j]))
    if s.path is not None:
        lines.append("")
        lines.append(f"path on the plane (first, last): ({s.path[0, 0]:.4g}, {s.path[0, 1]:.4g}) → ({s.path[-1, 0]:.4g}, {s.path[-1, 1]:.4g})")
    return "\n".join(lines)
