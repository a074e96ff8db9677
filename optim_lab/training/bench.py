"""Benchmark rows of the training lab (shaped like `optim_lab.bench`'s, measured in one run).

- `train-epoch`: one epoch of the default CNN (1 347 digits, batch 64) stepped by
  LabOptimizer (Adam) against the same epoch with `torch.optim.Adam` in a plain loop:
  same initial weights, same batches; target ours ≥ 0.9× its speed.
- `train-preset`: the page's default preset (SGD vs momentum vs Adam) end to end with
  `train_run` (validation, records and all); target < 10 s.
- `train-worst`: the most expensive run the bounds allow (widest residual CNN, every
  block, the most sample passes in the most updates), trained as the page trains it (a
  child process, step 6's evaluation included); target ≤ 10 s.
All at one intra-op thread, as the app trains.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import torch
import torch.nn.functional as F

from ..engine import Racer
from ..timing import best_of_pair
from .data import load_digits_split
from .models import BLOCKS, WIDTH, ModelConfig, build_model
from .presets import DEFAULT
from .train import PAGE_LIMITS, RunConfig, make_optimizer, train_run


def _epoch(make_opt) -> None:
    split = load_digits_split(0)
    x = ((split.x_train - split.mean) / split.std).float()
    y = split.y_train
    model = build_model(ModelConfig(), seed=0, dtype=torch.float32)
    opt = make_opt(model.parameters())
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    model.train()
    for j in range(0, len(y), 64):
        idx = perm[j : j + 64]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()


def worst_config(batch_options: tuple[int, ...] | None = None) -> RunConfig:
    """A page's most expensive run (`PAGE_LIMITS`) through the largest network: a run costs per
    update and per sample passed, so the most sample passes the bounds allow (every epoch of
    the whole split) in the most updates that still fit the page's bound.  `batch_options`: only
    these batch sizes (a page's choices); the samples are then cut so that every epoch
    still makes as many updates."""
    n = len(load_digits_split(0).y_train)
    epochs = PAGE_LIMITS.epochs
    per_epoch = PAGE_LIMITS.updates // epochs
    batch = math.ceil(n / per_epoch)  # the smallest batch whose epochs fit the page's bound
    samples = None
    if batch_options is not None:
        batch = max(b for b in batch_options if b <= batch)
        samples = min(n, batch * per_epoch)
        samples = None if samples == n else samples
    return RunConfig(model=ModelConfig(width=int(WIDTH.hi), blocks=int(BLOCKS.hi), residual=True), racer=Racer("adam"),
                     batch_size=batch, epochs=epochs, samples=samples)


def bench_rows(quick: bool) -> list[dict]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        reps = 2 if quick else 11  # an epoch is 0.1 s: the minimum of many turns is the figure least disturbed
        per_epoch = 22  # ceil(1347 / 64)
        t_ours, t_torch = best_of_pair(lambda: _epoch(lambda ps: make_optimizer(ps, Racer("adam", lr=1e-3), per_epoch)),
                                       lambda: _epoch(lambda ps: torch.optim.Adam(ps, lr=1e-3)), reps)
        rows = [{
            "name": "train-epoch", "what": "1 epoch of the default CNN, 1347 digits, batch 64, Adam",
            "ours_s": t_ours, "baseline": "torch.optim.Adam in the same plain loop", "baseline_s": t_torch,
            "ratio": t_torch / t_ours, "target": "ours ≥ 0.9× torch.optim's speed", "ok": t_torch / t_ours >= 0.9,
        }]
        t0 = time.perf_counter()
        for cfg in DEFAULT.runs:
            train_run(cfg)
        t_preset = time.perf_counter() - t0
        rows.append({
            "name": "train-preset", "what": f"the default preset end to end ({len(DEFAULT.runs)} runs × {DEFAULT.runs[0].epochs} epochs)",
            "ours_s": t_preset, "baseline": "10 s", "baseline_s": 10.0, "ratio": 10.0 / t_preset,
            "target": "< 10 s", "ok": t_preset < 10.0,
        })
        if not quick:
            from .worker import train_isolated

            worst = worst_config().checked()
            train_isolated(replace(worst, epochs=1))  # the fork server's start-up is the server's, once, not a run's
            t0 = time.perf_counter()
            rec = train_isolated(worst)  # as the page trains it: in a child process, its evaluation included
            t_worst = time.perf_counter() - t0
            rows.append({
                "name": "train-worst",
                "what": (f"worst allowed run, in a child process as the page trains: residual CNN width {worst.model.width}, "
                         f"{worst.model.blocks} blocks, {worst.epochs} epochs × {worst.updates_per_epoch} updates of batch "
                         f"{worst.batch_size} + the evaluation"),
                "ours_s": t_worst, "baseline": "10 s", "baseline_s": 10.0, "ratio": 10.0 / t_worst,
                "target": "≤ 10 s", "ok": t_worst <= 10.0, "child_s": rec.seconds,  # the run inside the child (without its start and the pipe)
            })
        return rows
    finally:
        torch.set_num_threads(threads)
