"""`python -m optim_lab train`: the training lab's run (HW3's workflow on the digits) from the shell.

The same function as the page (`optim_lab.training.train.train_run`); several
`--optimizer` flags train side by side from the same initial weights and batches.  The
command line is no shared server: runs are checked against the engine's limits
(`ENGINE_LIMITS`, thousands of updates), not the page's.  `--sharpness-every K` rides
along the same run as a hook of the one loop; `--export-script PATH` writes the standalone
script the page offers ("the code for this run"), which prints the same epochs.
"""

from __future__ import annotations

import argparse
import json

from ..training.losses import LOSSES
from . import UsageError
from .args import json_floats, racer_args, racers_of

NAME = "train"
HELP = "train HW3's CNN (or an MLP) on the 8×8 digits with the chapter's optimizers"


def add_arguments(p) -> None:
    p.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    p.add_argument("--width", type=int, default=None, help="cnn: channels of the first block (4..16); mlp: units (8..256)")
    p.add_argument("--blocks", type=int, default=2, help="cnn: convolution blocks (1..3)")
    p.add_argument("--depth", type=int, default=2, help="mlp: hidden layers (1..4)")
    p.add_argument("--activation", choices=["relu", "tanh"], default="relu", help="mlp only")
    p.add_argument("--bn", action=argparse.BooleanOptionalAction, default=True, help="batch normalization")
    p.add_argument("--residual", action="store_true", help="residual connections (HW3 report Q2)")
    p.add_argument("--loss", choices=list(LOSSES), default="ce",
                   help="ce: cross-entropy; mse: the book's Σ(ŷ − y′)² on softmax outputs; half-mse: ½‖out − onehot‖² on raw outputs")
    racer_args(p)
    p.add_argument("--batch-size", default=None, metavar="B|full", help="default 64 (HW3's), or all samples when fewer")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--epochs", type=int, default=None)
    when.add_argument("--steps", type=int, default=None, help="number of updates instead of --epochs")
    p.add_argument("--samples", type=int, default=None, help="a stratified subset of the training split")
    p.add_argument("--augment", action="store_true", help="random affine shifts and rotations in train_tfm")
    p.add_argument("--normalize", action=argparse.BooleanOptionalAction, default=True, help="z-score the pixels")
    p.add_argument("--clip", type=float, default=None, help="clip_grad_norm_ max_norm (HW3: 10)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--sharpness-every", type=int, default=0, metavar="K",
                   help="also λ_max of the training loss every K updates (power iteration; optim_lab.inside)")
    p.add_argument("--export-script", metavar="PATH", default=None,
                   help="also write the standalone script of the run (the page's \"code for this run\"); one optimizer")
    p.add_argument("--json", action="store_true")


def configs_of(args) -> list:
    from ..training.models import ModelConfig
    from ..training.train import ENGINE_LIMITS, MAX_RUNS, RunConfig

    if args.batch_size is None:
        batch = 64 if args.samples is None or args.samples > 64 else None
    elif args.batch_size == "full":
        batch = None
    else:
        try:
            batch = int(args.batch_size)
        except ValueError:
            raise UsageError(f"--batch-size: expected a whole number or 'full', got {args.batch_size!r}") from None
    if not args.optimizer:
        args.optimizer = ["adam"]  # HW3's optimizer
    racers = racers_of(argparse.Namespace(**{**vars(args), "batch_size": None}))
    if len(racers) > MAX_RUNS:
        raise UsageError(f"--optimizer: {len(racers)} given, at most {MAX_RUNS} runs side by side")
    model = ModelConfig(kind=args.model, width=args.width, blocks=args.blocks, depth=args.depth,
                        activation=args.activation, bn=args.bn, residual=args.residual)
    epochs = args.epochs if (args.epochs is not None or args.steps is not None) else 10
    return [
        RunConfig(model=model, racer=r, loss=args.loss, batch_size=batch, epochs=epochs, steps=args.steps,
                  samples=args.samples, augment=args.augment, normalize=args.normalize, clip=args.clip,
                  seed=args.seed, dtype=args.dtype).checked(ENGINE_LIMITS)
        for r in racers
    ]


def run(args) -> str:
    import torch

    from ..torch_optim import is_muon
    from ..training.loop import muon_split_counts
    from ..training.models import build_model
    from ..training.train import train_run

    cfgs = configs_of(args)  # every run validated before the first one trains
    if args.export_script is not None:
        write_script(cfgs, args.export_script)
    torch.set_num_threads(1)  # as the app trains: same numbers, and small nets are faster on one thread
    hooks = [sharpness_hook(c, args.sharpness_every) if args.sharpness_every else None for c in cfgs]
    records = [train_run(c, hooks=[h] if h else ()) for c, h in zip(cfgs, hooks, strict=True)]
    sharp = [[{"update": p["update"], "lambda_max": p["lambda_max"]} for p in h.points] for h in hooks] \
        if args.sharpness_every else None
    if args.json:
        runs = [r.as_json() | ({"sharpness": sharp[i]} if sharp else {}) for i, r in enumerate(records)]
        return json.dumps(json_floats({"runs": runs}), ensure_ascii=False)
    lines = []
    for i, (name, r) in enumerate(zip(args.optimizer, records, strict=True)):
        c = r.config
        lines.append(f"{name}: lr {c.racer.resolved_lr():g}, {c.racer.schedule}, batch {c.batch_size or 'full'}, "
                     f"{c.n_train} samples, {c.updates_per_epoch} updates per epoch")
        if is_muon(c.racer):  # what the page's note says: Muon for the matrices, AdamW for the rest
            n = muon_split_counts(build_model(c.model, 0), c.racer)
            lines.append(f"  Muon steps {n['muon_n']} tensors, {n['muon_p']} weights (conv kernels as (out, in·k·k): "
                         f"{n['kernels']}, matrices: {n['matrices']}); AdamW (lr {n['lr']:g}, weight decay {n['wd']:g}) "
                         f"steps {n['adamw_n']} tensors, {n['adamw_p']} weights (biases: {n['biases']}, BN γ/β: {n['bn']}, "
                         f"output layer: {n['head']})")
        lines.append(f"  {'epoch':>5} {'updates':>7} {'train loss':>10} {'train acc':>9} {'val loss':>9} {'val acc':>7}")
        for e in r.epochs:
            lines.append(f"  {e.epoch:>5} {e.updates:>7} {e.train_loss:>10.4f} {e.train_acc:>9.3f} {e.val_loss:>9.4f} {e.val_acc:>7.3f}")
        if r.diverged_at is not None:
            lines.append(f"  diverged at epoch {r.diverged_epoch} (update {r.diverged_at})")
        if sharp:
            lines.append(f"  λ_max (2/η = {2 / c.racer.resolved_lr():.4g}) at update: " + ", ".join(f"{p['update']}: {p['lambda_max']:.4g}" for p in sharp[i]))
    return "\n".join(lines)


def sharpness_hook(cfg, every: int):
    """λ_max of the run's training loss (all its training samples, test_tfm, its criterion) at
    updates 0, K, 2K, … and at its end, measured along the run itself (warm-started power iteration)."""
    from ..inside.sharpness import SharpnessHook
    from ..training.losses import criterion
    from ..training.train import prepare

    if int(every) < 1:
        raise UsageError(f"--sharpness-every: expected a whole number ≥ 1, got {every}")
    p = prepare(cfg)
    return SharpnessHook(int(every), p.test_tfm(p.x_train), p.y_train, lambda out, y: criterion(out, y, cfg.loss))


def write_script(cfgs: list, path: str) -> None:
    from pathlib import Path

    from ..training.codegen import script

    if len(cfgs) != 1:
        raise UsageError("--export-script: writes the script of one run; name one optimizer")
    target = Path(path)
    try:
        src = script(cfgs[0], filename=target.name)
    except ValueError as exc:
        raise UsageError(f"--export-script: {exc}") from None
    try:
        target.write_text(src, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--export-script: cannot write {path}: {exc.strerror}") from None
