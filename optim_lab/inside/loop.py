"""A small training loop for the inside views, stepped by `LabOptimizer`.

Full batch (`batch_size=None`: plain gradient descent when the racer is `sgd`) or mini-batches
reshuffled every epoch from a generator seeded with `seed`.  Every `every` updates the
loop measures λ_max of the *full* training loss (and, for Adam, the preconditioned
sharpness); every `snapshot_every` updates it keeps a copy of the flat weights (the path
for the PCA plane).  The update itself is never written here: `opt.step()` does it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..engine import Racer
from .hessian import Criterion, eval_mode, flat_params, loss_value
from .sharpness import MAX_ITER, TOL, SharpnessMeter

LOSS_BOUND = 1e6


@dataclass(frozen=True)
class LoopConfig:
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
    shuffle_full: bool = False  # permute a full batch too, every epoch (the training lab's order: same numbers as train_run)


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


def full_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, loss: Criterion) -> float:
    crit = loss if callable(loss) else (lambda out, t: loss_value(out, t, loss))
    with eval_mode(model), torch.no_grad():
        return float(crit(model(x), y))


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with eval_mode(model), torch.no_grad():
        return float((model(x).argmax(-1) == y).to(torch.float64).mean())


def train(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, loss: Criterion, cfg: LoopConfig,
          progress: Callable[[int, int], None] | None = None, should_stop: Callable[[], bool] | None = None,
          transform: Callable | None = None, x_measure: torch.Tensor | None = None) -> Trace:
    """Train `model` in place on (x, y); returns the trace.  `progress(done, total)` is called at
    every sharpness measurement (or every 50 updates without one); `should_stop()` is asked
    between updates.  `transform` is applied to each batch (the training lab's train_tfm);
    the full loss and λ_max are measured on `x_measure` (default: x itself)."""
    from ..torch_optim import LabOptimizer

    crit = loss if callable(loss) else (lambda out, t: loss_value(out, t, loss))
    xm = x if x_measure is None else x_measure
    n = len(y)
    B = n if cfg.batch_size is None else min(int(cfg.batch_size), n)
    per_epoch = math.ceil(n / B)
    opt = LabOptimizer(model.parameters(), cfg.racer, cfg.steps)
    meter = SharpnessMeter(xm, y, loss, cfg.tol, cfg.max_iter) if cfg.every else None
    report_every = cfg.every or 50
    gen = torch.Generator().manual_seed(int(cfg.seed))
    tr = Trace()

    def checkpoint(k: int, measure: bool) -> None:
        if measure and meter is not None:
            meter.measure(model, k, opt)
        if cfg.snapshot_every and k % cfg.snapshot_every == 0:
            tr.snapshots.append(flat_params(model))
            tr.snapshot_updates.append(k)

    tr.full_loss.append((0, full_loss(model, xm, y, loss)))
    if not cfg.snapshot_every:
        tr.snapshots.append(flat_params(model))
        tr.snapshot_updates.append(0)
    checkpoint(0, True)
    model.train()
    k = 0
    while k < cfg.steps and tr.diverged_at is None and not tr.stopped and not tr.reached:
        perm = torch.randperm(n, generator=gen) if B < n or cfg.shuffle_full else None
        for j in range(per_epoch):
            if k == cfg.steps:
                break
            if should_stop is not None and should_stop():
                tr.stopped = True
                break
            xb, yb = (x, y) if perm is None else (x[perm[j * B : (j + 1) * B]], y[perm[j * B : (j + 1) * B]])
            if transform is not None:
                xb = transform(xb)
            value = crit(model(xb), yb)
            lv = float(value.detach())
            if not math.isfinite(lv) or lv > LOSS_BOUND:
                tr.diverged_at = max(k, 1)
                break
            opt.zero_grad()
            value.backward()
            if cfg.clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=cfg.clip)
            opt.step()
            k += 1
            tr.loss.append(lv)
            if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
                tr.diverged_at = k
                break
            measure = bool(cfg.every) and k % cfg.every == 0
            checkpoint(k, measure)
            if progress is not None and k % report_every == 0:
                progress(k, cfg.steps)
        if tr.diverged_at is not None or tr.stopped:
            break
        if B < n or cfg.stop_loss is not None or k == cfg.steps:
            tr.full_loss.append((k, full_loss(model, xm, y, loss)))
            model.train()
        if cfg.stop_loss is not None and tr.full_loss[-1][1] <= cfg.stop_loss:
            tr.reached = True
    if tr.diverged_at is None:
        if not tr.full_loss or tr.full_loss[-1][0] != k:
            tr.full_loss.append((k, full_loss(model, xm, y, loss)))
        if meter is not None and (not meter.points or meter.points[-1]["update"] != k):
            meter.measure(model, k, opt)
        if not tr.snapshot_updates or tr.snapshot_updates[-1] != k:
            tr.snapshots.append(flat_params(model))
            tr.snapshot_updates.append(k)
    if meter is not None:
        tr.sharpness = meter.points
    if progress is not None:
        progress(cfg.steps, cfg.steps)
    return tr
