"""The inside views' record of a run: the one training loop (`optim_lab.training.loop.fit`)
with the hooks these views need.

Every `every` updates λ_max of the loss over the *measurement* samples (for Adam also the
preconditioned sharpness); every `snapshot_every` updates a flat copy of the weights (the
path for the PCA plane); the full training loss at the start, after every epoch of
mini-batches and at the end; optionally the run ends once that loss is ≤ `stop_loss`.
The update itself is never written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..engine import Racer
from ..training.loop import Progress, Snapshots, StopAtLoss, fit
from .hessian import Criterion, eval_mode, loss_value
from .sharpness import MAX_ITER, TOL, SharpnessHook


@dataclass(frozen=True)
class TraceConfig:
    racer: Racer
    steps: int  # the most updates the run may take
    batch_size: int | None = None  # None: full batch
    every: int = 50  # λ_max every k updates (0: never)
    snapshot_every: int = 0  # flat weights every k updates (0: only the start and the end)
    seed: int = 0
    stop_loss: float | None = None  # end once the full training loss is ≤ this (checked every epoch)
    tol: float = TOL
    max_iter: int = MAX_ITER
    clip: float | None = None  # clip_grad_norm_(max_norm) before each step, as HW3 does


@dataclass
class Trace:
    loss: list[float] = field(default_factory=list)  # per update: loss of the batch used, at θ_{k−1}
    full_loss: list[tuple[int, float]] = field(default_factory=list)  # (update, full training loss) where measured
    sharpness: list[dict] = field(default_factory=list)  # SharpnessMeter points
    snapshots: list[torch.Tensor] = field(default_factory=list)  # flat weights (P,)
    snapshot_updates: list[int] = field(default_factory=list)
    diverged_at: int | None = None
    stopped: bool = False
    reached: bool = False  # stop_loss reached

    @property
    def updates(self) -> int:
        return len(self.loss)

    @property
    def final_loss(self) -> float:
        return self.full_loss[-1][1] if self.full_loss else float("nan")

    def as_arrays(self) -> dict:
        return {
            "loss": np.asarray(self.loss, dtype=np.float64),
            "full_update": np.asarray([u for u, _ in self.full_loss], dtype=np.int64),
            "full_loss": np.asarray([v for _, v in self.full_loss], dtype=np.float64),
            "sharp_update": np.asarray([p["update"] for p in self.sharpness], dtype=np.int64),
            "lambda_max": np.asarray([p["lambda_max"] for p in self.sharpness], dtype=np.float64),
            "preconditioned": np.asarray([p.get("preconditioned", np.nan) for p in self.sharpness], dtype=np.float64),
            "threshold": np.asarray([p.get("threshold", np.nan) for p in self.sharpness], dtype=np.float64),
        }


def _criterion(loss: Criterion) -> Callable:
    return loss if callable(loss) else (lambda out, t: loss_value(out, t, loss))


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with eval_mode(model), torch.no_grad():
        return float((model(x).argmax(-1) == y).to(torch.float64).mean())


def traced(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, loss: Criterion, cfg: TraceConfig,
           progress: Callable[[int, int], None] | None = None, should_stop: Callable[[], bool] | None = None,
           transform: Callable | None = None, x_measure: torch.Tensor | None = None) -> Trace:
    """Train `model` in place on (x, y) with `fit`; returns the trace.  `progress(done, total)` is
    called at every sharpness measurement (or every 50 updates without one) and at the end;
    `should_stop()` is asked between updates.  `transform` is applied to each batch (the
    training lab's train_tfm); the full loss and λ_max are measured on `x_measure` (default: x)."""
    crit = _criterion(loss)
    xm = x if x_measure is None else x_measure
    full = StopAtLoss(lambda m: crit(m(xm), y), cfg.stop_loss)
    snaps = Snapshots(cfg.snapshot_every or cfg.steps)
    hooks = [full, snaps]
    sharp = SharpnessHook(cfg.every, xm, y, loss, cfg.tol, cfg.max_iter) if cfg.every else None
    if sharp is not None:
        hooks.append(sharp)
    if progress is not None:
        hooks.append(Progress(cfg.every or 50, progress))
    f = fit(model, x, y, crit, cfg.racer, cfg.steps, batch_size=cfg.batch_size, seed=cfg.seed, clip=cfg.clip,
            transform=transform, hooks=hooks, should_stop=should_stop)
    return Trace(f.loss, full.values, sharp.points if sharp is not None else [], snaps.weights, snaps.updates,
                 f.diverged_at, f.stopped, full.reached)
