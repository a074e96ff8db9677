"""A training-lab run (`optim_lab.training.train.RunConfig`) trained for the inside views.

Same data, transforms, model, initial weights, criterion, batch order and loop as the
training lab's `train_run` (both call `optim_lab.training.train.fit_run`), with the inside
views' hooks riding along: the path of weights (for the PCA plane) and λ_max every K
updates.  The Hessian and the slices use the loss over the run's whole training set with
`test_tfm` (no augmentation), BN in eval mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..training.loop import Progress, Snapshots, StopAtLoss
from .landscape import Plane, Slice, make_plane, slice_around
from .sharpness import SharpnessHook
from .trace import Trace, accuracy

MAX_SNAPSHOTS = 60


@dataclass
class InsideRun:
    cfg: object  # RunConfig (checked)
    model: torch.nn.Module  # trained, weights θ*
    x: torch.Tensor  # the training set, test_tfm applied
    y: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    criterion: Callable
    trace: Trace

    @property
    def trajectory(self) -> torch.Tensor:
        return torch.stack(self.trace.snapshots)

    def val_acc(self) -> float:
        return accuracy(self.model, self.x_val, self.y_val)


def criterion_of(loss: str) -> Callable:
    from ..training.losses import criterion

    return lambda out, y: criterion(out, y, loss)


def run(cfg, sharpness_every: int = 0, snapshots: int = 40, progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> InsideRun:
    """Train the run; keep about `snapshots` weight vectors along the way and λ_max every K updates."""
    from ..training.train import fit_run, prepare

    p = prepare(cfg)
    cfg = p.cfg
    total = cfg.total_updates
    crit = criterion_of(cfg.loss)
    x = p.test_tfm(p.x_train)
    full = StopAtLoss(lambda m: crit(m(x), p.y_train))
    snaps = Snapshots(max(1, total // max(1, min(int(snapshots), MAX_SNAPSHOTS))))
    sharp = SharpnessHook(int(sharpness_every), x, p.y_train, crit) if sharpness_every else None
    hooks = [full, snaps, *([sharp] if sharp else []), *([Progress(int(sharpness_every) or 50, progress)] if progress else [])]
    f = fit_run(p, hooks, should_stop)
    tr = Trace(f.loss, full.values, sharp.points if sharp else [], snaps.weights, snaps.updates, f.diverged_at, f.stopped)
    return InsideRun(cfg, p.model, x, p.y_train, p.x_val, p.y_val, crit, tr)


def plane_of(r: InsideRun, kind: str = "pca", seed: int = 0) -> Plane:
    """The plane `landscape` slices (its directions), for a caller that sizes the slice's box first."""
    return make_plane(r.model, kind, seed, r.trajectory if kind == "pca" else None)


def landscape(r: InsideRun, kind: str = "pca", n: int = 41, seed: int = 0, extent=None) -> tuple[Slice, Plane]:
    """The 2-D slice around the run's final weights; its trajectory projected on the plane."""
    return slice_around(r.model, r.x, r.y, r.criterion, kind, n, seed, r.trajectory, extent)


def summary(r: InsideRun) -> dict:
    tr = r.trace
    return {
        "updates": tr.updates, "diverged_at": tr.diverged_at, "train_loss": tr.final_loss,
        "train_acc": accuracy(r.model, r.x, r.y), "val_acc": r.val_acc(),
        "lr": r.cfg.racer.resolved_lr(), "two_over_lr": 2.0 / r.cfg.racer.resolved_lr(),
        "sharpness": [{k: v for k, v in p.items() if k != "iterations"} for p in tr.sharpness],
        "snapshots": len(tr.snapshots),
    }


def as_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float64).numpy()
