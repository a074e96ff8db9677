"""A training-lab run (`optim_lab.training.train.RunConfig`) trained for the inside views.

Same data, transforms, model, initial weights, criterion and batch order as the training
lab's `train_run` (its `prepare` builds them; batches are one seeded `randperm` per
epoch), trained by `loop.train` so that the path of weights (for the PCA plane) and λ_max
every K updates can be recorded.  The Hessian and the slices use the loss over the run's
whole training set with `test_tfm` (no augmentation), BN in eval mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .hessian import load_flat
from .landscape import Plane, Slice, make_plane, plane_curvature, slice_around
from .loop import LoopConfig, Trace, accuracy, train

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
    from ..training.train import criterion

    return lambda out, y: criterion(out, y, loss)


def run(cfg, sharpness_every: int = 0, snapshots: int = 40, progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> InsideRun:
    """Train the run; keep about `snapshots` weight vectors along the way and λ_max every K updates."""
    from ..training.train import prepare

    p = prepare(cfg)
    cfg = p.cfg
    total = cfg.total_updates
    every_snap = max(1, total // max(1, min(int(snapshots), MAX_SNAPSHOTS)))
    crit = criterion_of(cfg.loss)
    x = p.test_tfm(p.x_train)
    lc = LoopConfig(cfg.racer, total, cfg.batch_size, every=int(sharpness_every), snapshot_every=every_snap,
                    seed=cfg.seed, clip=cfg.clip, shuffle_full=True)
    tr = train(p.model, p.x_train, p.y_train, crit, lc, progress, should_stop, transform=p.train_tfm, x_measure=x)
    return InsideRun(cfg, p.model, x, p.y_train, p.x_val, p.y_val, crit, tr)


def landscape(r: InsideRun, kind: str = "pca", n: int = 41, seed: int = 0, extent=None) -> tuple[Slice, Plane]:
    """The 2-D slice around the run's final weights; its trajectory projected on the plane."""
    return slice_around(r.model, r.x, r.y, r.criterion, kind, n, seed, r.trajectory, extent)


def curvature_at(r: InsideRun, plane: Plane, a: float, b: float) -> dict:
    return plane_curvature(r.model, r.x, r.y, plane, a, b, r.criterion)


def plane_of(r: InsideRun, kind: str, seed: int = 0) -> Plane:
    return make_plane(r.model, kind, seed, r.trajectory if kind == "pca" else None)


def model_at(r: InsideRun, theta: torch.Tensor) -> torch.nn.Module:
    """A copy of the run's model carrying the weights θ."""
    import copy

    m = copy.deepcopy(r.model)
    load_flat(m, theta)
    return m


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


def sharpness_of_run(cfg, every: int) -> list[dict]:
    """λ_max of the run's training loss at updates 0, K, 2K, … and at its end: what
    `train … --sharpness-every K` reports.  The run is replayed by `run` (the same run as
    `train_run`'s, bit for bit — tested), measured with warm-started power iteration."""
    if int(every) < 1:
        raise ValueError(f"--sharpness-every: expected a whole number ≥ 1, got {every}")
    r = run(cfg, sharpness_every=int(every), snapshots=1)
    return [{"update": p["update"], "lambda_max": p["lambda_max"]} for p in r.trace.sharpness]
