"""Real mini-batches of real samples, drawn from a seeded generator.

Each epoch reshuffles the N sample indices and cuts them into ceil(N/B)
batches, the last one smaller.  Every batch size gets its own generator seeded
with the same seed, so all optimizers of a race that share a batch size see
the same batches, and every batch size sees the same sequence of shuffles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass
class BatchPlan:
    """Batches of one batch size for steps k = 1..T."""

    batch_size: int
    n: int
    mask: torch.Tensor  # (T, N) bool: sample i is in the batch of step k
    epoch: list[int]  # (T,) 0-based epoch of each step
    indices: list[list[int]]  # the batch of each step, in drawn order

    @property
    def updates_per_epoch(self) -> int:
        return math.ceil(self.n / self.batch_size)


def plan_batches(n: int, batch_size: int, steps: int, seed: int) -> BatchPlan:
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size: {batch_size} is outside the allowed range [1, {n}] (N = {n} samples)")
    gen = torch.Generator().manual_seed(int(seed))
    per_epoch = math.ceil(n / batch_size)
    mask = torch.zeros(steps, n, dtype=torch.bool)
    epochs: list[int] = []
    indices: list[list[int]] = []
    perm: list[int] = []
    for k in range(steps):
        j = k % per_epoch
        if j == 0:
            perm = torch.randperm(n, generator=gen).tolist()
        batch = perm[j * batch_size : (j + 1) * batch_size]
        mask[k, batch] = True
        epochs.append(k // per_epoch)
        indices.append(batch)
    return BatchPlan(batch_size, n, mask, epochs, indices)
