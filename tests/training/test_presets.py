"""Every preset of the training lab holds the claim it makes, on the numbers it trains."""

from __future__ import annotations

import pytest
import torch

from optim_lab.training.presets import PRESETS
from optim_lab.training.train import MAX_RUNS, train_run


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_preset_claim_holds(preset):
    torch.set_num_threads(1)
    assert 1 <= len(preset.runs) <= MAX_RUNS and len(preset.labels) == len(preset.runs)
    seeds = {c.seed for c in preset.runs}
    assert len(seeds) == 1, "a fair comparison: one seed, so one initial model and one batch order"
    recs = [train_run(c) for c in preset.runs]
    assert all(r.diverged_at is None and r.finished for r in recs)
    numbers = preset.claim(recs)
    assert numbers["holds"], numbers


def test_same_seed_and_batch_size_means_same_batches():
    p = next(p for p in PRESETS if p.name == "optimizers")
    a, b = (train_run(c.__class__(**{**c.__dict__, "epochs": 1})) for c in p.runs[:2])
    assert (a.batch_order == b.batch_order).all()
