"""The one training loop: the lab's runs, the inside views, the minimum ratio and the command
line all train through `fit`.

Per update (HW3's order): forward → loss → zero_grad → backward → clip_grad_norm_ →
`optimizer.step()`, the optimizer being `LabOptimizer` (the engine's one update; for Muon
the hybrid torch's documentation recommends, AdamW taking what is not a hidden layer's matrix
or kernel: `param_groups`).  Per
epoch one `randperm` of the samples from a generator seeded with `seed` (HW3's
`DataLoader(shuffle=True)`; a full batch is permuted too, so a full-batch run and the
same run in mini-batches draw the same numbers from the generator); the epoch's batches
are consecutive slices of it.  `transform` (the lab's train_tfm) is applied to each batch.

What a caller wants besides the weights is a `Hook`: per-epoch records and validation (the
lab), λ_max every k updates (`optim_lab.inside.sharpness.SharpnessHook`), snapshots of the
weights for the PCA plane (`Snapshots`), progress (`Progress`), stopping at a training loss
(`StopAtLoss`).  `should_stop()` is asked between updates.

A run ends early when it diverges: a non-finite batch loss or one above `loss_bound` (the
update that made those weights is `diverged_at`), or, checked once per epoch, a
non-finite weight or one beyond `WEIGHT_BOUND`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn.utils import parameters_to_vector

LOSS_BOUND = 1e6  # a batch loss above this (cross-entropy ≈ 2.3 at the start) counts as divergence
WEIGHT_BOUND = 1e8


@dataclass
class Fit:
    """A run in progress, as the hooks see it (and the loop's result)."""

    model: torch.nn.Module
    opt: torch.optim.Optimizer
    total: int  # the most updates the run may take
    batch_size: int
    per_epoch: int
    k: int = 0  # updates made
    epoch: int = 0  # 1-based, the epoch in progress (or the last one)
    epoch_updates: int = 0  # updates made in this epoch
    loss: list[float] = field(default_factory=list)  # per update: the batch loss at θ_{k−1}
    orders: list[np.ndarray] = field(default_factory=list)  # per epoch: its permutation of the sample indices
    out: torch.Tensor | None = None  # the last batch: model output, labels and loss value
    yb: torch.Tensor | None = None
    value: float = float("nan")
    diverged_at: int | None = None
    diverged_epoch: int | None = None
    stopped: bool = False  # ended by should_stop()
    done: bool = False  # ended by a hook (e.g. StopAtLoss reached its target)

    @property
    def ended(self) -> bool:
        return self.diverged_at is not None or self.stopped or self.done


class Hook:
    """Called by `fit` at fixed points of a run; override what you need (each gets the `Fit`)."""

    def start(self, f: Fit) -> None:
        """Before the first update (the initial weights, k = 0)."""

    def batch(self, f: Fit) -> None:
        """After the forward pass and loss of update k + 1 (f.out, f.yb, f.value), before its
        backward pass; setting f.done ends the run before this update."""

    def step(self, f: Fit) -> None:
        """After update f.k."""

    def epoch(self, f: Fit) -> None:
        """After an epoch with at least one update and no divergence; may set f.diverged_at
        (a validation loss gone bad) or f.done."""

    def end(self, f: Fit) -> None:
        """Once, after the last update (whatever ended the run)."""


class Every(Hook):
    """Calls `fn(f)` at updates 0, k, 2k, … and once at the end (if it did not fall on a multiple)."""

    def __init__(self, every: int, fn: Callable[[Fit], None], at_start: bool = True, at_end: bool = True):
        if int(every) < 1:
            raise ValueError(f"every: expected a whole number ≥ 1, got {every}")
        self.every, self.fn, self.at_start, self.at_end = int(every), fn, at_start, at_end
        self.last: int | None = None

    def _call(self, f: Fit) -> None:
        self.fn(f)
        self.last = f.k

    def start(self, f: Fit) -> None:
        if self.at_start:
            self._call(f)

    def step(self, f: Fit) -> None:
        if f.k % self.every == 0:
            self._call(f)

    def end(self, f: Fit) -> None:
        if self.at_end and f.diverged_at is None and self.last != f.k:
            self._call(f)


class Snapshots(Every):
    """Flat copies of the weights (`parameters_to_vector`) at updates 0, k, 2k, … and at the end:
    the path of a run, for the PCA plane."""

    def __init__(self, every: int):
        super().__init__(every, self._take)
        self.weights: list[torch.Tensor] = []
        self.updates: list[int] = []

    def _take(self, f: Fit) -> None:
        self.weights.append(parameters_to_vector(f.model.parameters()).detach().clone())
        self.updates.append(f.k)


class Progress(Every):
    """`fn(done, total)` every k updates and once at the end with (total, total)."""

    def __init__(self, every: int, fn: Callable[[int, int], None]):
        super().__init__(every, lambda f: fn(f.k, f.total), at_start=False, at_end=False)
        self.report = fn

    def end(self, f: Fit) -> None:
        self.report(f.total, f.total)


class StopAtLoss(Hook):
    """Measures the loss over fixed samples (eval mode, no gradient) at the start and after
    every epoch, and ends the run once it is ≤ `target` (None: only measures).  `values`
    holds (update, loss); the end of the run is measured too."""

    def __init__(self, loss_of: Callable[[torch.nn.Module], float], target: float | None = None):
        self.loss_of, self.target = loss_of, target
        self.values: list[tuple[int, float]] = []
        self.reached = False

    def _measure(self, f: Fit) -> None:
        was = f.model.training
        f.model.eval()
        try:
            with torch.no_grad():
                self.values.append((f.k, float(self.loss_of(f.model))))
        finally:
            f.model.train(was)

    def start(self, f: Fit) -> None:
        self._measure(f)

    def epoch(self, f: Fit) -> None:
        if self.target is None and f.per_epoch == 1 and f.k < f.total:
            return  # full batch without a target: the batch losses already are the full losses
        self._measure(f)
        if self.target is not None and self.values[-1][1] <= self.target:
            self.reached = f.done = True

    def end(self, f: Fit) -> None:
        if f.diverged_at is None and self.values[-1][0] != f.k:
            self._measure(f)


def output_layer(model: torch.nn.Module) -> torch.nn.Module | None:
    """The network's output layer: its last `Linear` (the classifier head of the lab's models)."""
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    return linears[-1] if linears else None


def param_groups(model: torch.nn.Module, racer) -> list:
    """The model's parameters as its optimizer takes them.  For Muon two groups: the output layer
    goes to AdamW with `use_muon=False` (Muon's authors leave the classifier head to AdamW; the
    other matrices and kernels get Muon, biases and BN's γ, β AdamW: `torch_optim.muon_split`).
    For every other racer the plain list, in the model's order."""
    from ..torch_optim import is_muon

    params = list(model.parameters())
    head = output_layer(model)
    if not is_muon(racer) or head is None:
        return params
    own = {id(p) for p in head.parameters()}
    return [{"params": [p for p in params if id(p) not in own]},
            {"params": [p for p in params if id(p) in own], "use_muon": False}]


def muon_split_counts(model: torch.nn.Module, racer) -> dict:
    """What a Muon run's optimizer steps where (`param_groups` + `torch_optim.muon_split`):
    Muon's tensors (conv kernels, taken as (out, in·k·k), and matrices) and weights, AdamW's
    (biases, BN's γ and β, the output layer) with its learning rate and weight decay."""
    from ..torch_optim import MUON_PARTNER_HPARAMS, MUON_PARTNER_LR, muon_split

    muon, rest = muon_split(param_groups(model, racer))
    head = {id(p) for p in output_layer(model).parameters()}
    bn = {id(p) for m in model.modules() if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)) for p in m.parameters()}
    return {
        "kernels": sum(p.dim() == 4 for p in muon), "matrices": sum(p.dim() == 2 for p in muon),
        "muon_n": len(muon), "muon_p": sum(p.numel() for p in muon),
        "biases": sum(id(p) not in head and id(p) not in bn for p in rest), "bn": sum(id(p) in bn for p in rest),
        "head": sum(id(p) in head for p in rest), "adamw_n": len(rest), "adamw_p": sum(p.numel() for p in rest),
        "lr": MUON_PARTNER_LR, "wd": MUON_PARTNER_HPARAMS["weight_decay"],
    }


def make_optimizer(params, racer, total_steps: int) -> torch.optim.Optimizer:
    """The chapter's optimizer as a torch.optim.Optimizer: the engine's own update."""
    from ..torch_optim import LabOptimizer

    return LabOptimizer(params, racer, total_steps)


@torch.no_grad()
def weights_ok(model: torch.nn.Module) -> bool:
    """Every weight finite and at most WEIGHT_BOUND in size."""
    return all(bool(torch.isfinite(p).all()) and float(p.abs().max()) <= WEIGHT_BOUND for p in model.parameters())


def _sam_closure(model, criterion, xb, yb, params, clip):
    """SAM's `step(closure)`: the optimizer calls it once before the step (the gradient at θ is
    already in .grad, from the loop's own backward: nothing to redo) and once at θ + ρg/‖g‖, where it
    recomputes the batch's loss and its gradient (clipped as the loop clips)."""
    calls = [0]

    def closure():
        calls[0] += 1
        if calls[0] == 1:
            return None
        value = criterion(model(xb), yb)
        value.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(params, max_norm=clip)
        return value

    return closure


def fit(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        racer, total: int, *, batch_size: int | None = None, seed: int = 0, clip: float | None = None,
        transform: Callable | None = None, hooks: Sequence[Hook] = (), should_stop: Callable[[], bool] | None = None,
        loss_bound: float = LOSS_BOUND, optimizer: Callable = make_optimizer) -> Fit:
    """Train `model` in place on (x, y) for at most `total` updates with the racer's optimizer
    (`optimizer(params, racer, total)` builds it); `batch_size=None` is full batch.  Returns the
    `Fit` (batch losses, batch orders, how it ended)."""
    n = len(y)
    B = n if batch_size is None else min(int(batch_size), n)
    params = list(model.parameters())
    f = Fit(model, optimizer(param_groups(model, racer), racer, total), int(total), B, math.ceil(n / B))
    gen = torch.Generator().manual_seed(int(seed))
    for h in hooks:
        h.start(f)
    while f.k < f.total and not f.ended:
        f.epoch += 1
        perm = torch.randperm(n, generator=gen)
        f.orders.append(perm.numpy().astype(np.int32))
        model.train()
        f.epoch_updates = 0
        for j in range(f.per_epoch):
            if f.k == f.total:
                break
            if should_stop is not None and should_stop():
                f.stopped = True
                break
            idx = perm[j * B : (j + 1) * B]
            xb, yb = x[idx], y[idx]
            if transform is not None:
                xb = transform(xb)
            out = model(xb)
            value = criterion(out, yb)
            lv = float(value.detach())
            if not math.isfinite(lv) or lv > loss_bound:  # θ_k (made by update k) gives no usable loss
                f.diverged_at = max(f.k, 1)
                break
            f.out, f.yb, f.value = out, yb, lv
            for h in hooks:
                h.batch(f)
            if f.done:
                break
            f.opt.zero_grad()
            value.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(params, max_norm=clip)
            if getattr(getattr(f.opt, "tables", None), "sam", False):  # SAM: the second gradient, at θ + ρg/‖g‖
                f.opt.step(_sam_closure(model, criterion, xb, yb, params, clip))
            else:
                f.opt.step()
            f.k += 1
            f.epoch_updates += 1
            f.loss.append(lv)
            for h in hooks:
                h.step(f)
            if f.done:
                break
        # non-finite weights show up as a non-finite loss at the next update; their size is checked once per epoch
        if f.diverged_at is None and f.epoch_updates and not weights_ok(model):
            f.diverged_at = f.k
        if f.diverged_at is None and f.epoch_updates:
            for h in hooks:
                h.epoch(f)
                if f.diverged_at is not None:
                    break
        if f.diverged_at is not None:
            f.diverged_epoch = f.epoch
            break
        if f.epoch_updates == 0:  # stopped before the epoch's first update
            break
    for h in hooks:
        h.end(f)
    return f
