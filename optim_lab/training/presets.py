"""The training lab's presets as engine-level run configs, each with the claim it makes.

A preset is up to four runs side by side that differ in ONE thing (the optimizer, BN,
the batch size, the loss, the schedule) and share everything else: the same seed, so
the same initial weights, and for the same batch size the same batches.  Each claim is
a plain function of the finished records, so `tests/training/test_presets.py` checks
the very numbers the page shows; `measure()` returns the numbers a claim rests on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..engine import Racer
from .models import ModelConfig
from .train import RunConfig, RunRecord


@dataclass(frozen=True)
class TrainPreset:
    name: str  # kebab-case: it appears in URLs
    runs: tuple[RunConfig, ...]
    labels: tuple[str, ...]  # short, language-neutral run names (optimizer / setting)
    claim: Callable[[list[RunRecord]], dict]  # the numbers the claim rests on, with "holds"


def _base(**kw) -> RunConfig:
    return replace(RunConfig(), **kw)


def _final(r: RunRecord, key: str) -> float:
    return getattr(r.epochs[-1], key)


def _claim_bn(recs):
    on, off = recs
    out = {"train_loss_bn": _final(on, "train_loss"), "train_loss_no_bn": _final(off, "train_loss"),
           "val_acc_bn": _final(on, "val_acc"), "val_acc_no_bn": _final(off, "val_acc")}
    out["holds"] = out["train_loss_bn"] < 0.5 * out["train_loss_no_bn"] and out["val_acc_bn"] > out["val_acc_no_bn"] + 0.2
    return out


def _claim_batch(recs):
    small, mid, full = recs
    # by epochs: after epoch 1 the small batch has made 169 updates, the full batch 1
    by_epoch = [r.epochs[0].val_acc for r in recs]
    # by updates: over the same updates (the 64-batch run's first two epochs), each of its
    # updates saw 8× more data: its recent batch losses are lower
    k = mid.epochs[1].updates
    recent = [float(np.mean(r.batch_loss[k - 10 : k])) for r in (small, mid)]
    out = {"updates_per_epoch": [r.config.updates_per_epoch for r in recs], "val_acc_epoch1": by_epoch,
           "batch_loss_near_update": k, "recent_batch_loss_8_64": recent}
    out["holds"] = by_epoch[0] > by_epoch[1] > by_epoch[2] and recent[1] < recent[0]
    return out


def _claim_optimizers(recs):
    sgd, mom, adam = (_final(r, "train_loss") for r in recs)
    out = {"train_loss": [sgd, mom, adam], "val_acc": [_final(r, "val_acc") for r in recs]}
    out["holds"] = mom < sgd / 5 and adam < sgd / 5
    return out


def _claim_warmup(recs):
    const, warm = recs
    spike = [float(np.max(r.batch_loss[:60])) for r in recs]
    out = {"max_batch_loss_first_60": spike, "val_acc": [_final(r, "val_acc") for r in recs],
           "train_loss": [_final(r, "train_loss") for r in recs]}
    out["holds"] = spike[0] > 3 * spike[1] and out["train_loss"][1] < out["train_loss"][0] / 5
    return out


def _claim_loss(recs):
    ce, mse = recs
    drop = 1 - mse.epochs[-1].train_loss / mse.epochs[0].train_loss
    out = {"val_acc_ce": _final(ce, "val_acc"), "val_acc_mse": _final(mse, "val_acc"), "mse_train_loss_drop": drop}
    out["holds"] = out["val_acc_ce"] > out["val_acc_mse"] + 0.3 and drop < 0.05
    return out


def _claim_hw3(recs):
    (r,) = recs
    out = {"val_acc": _final(r, "val_acc"), "best_epoch": r.best_epoch, "train_loss": _final(r, "train_loss")}
    out["holds"] = out["val_acc"] >= 0.9
    return out


_SGD01 = Racer("sgd", lr=0.1)
_ADAM = Racer("adam", lr=1e-3)
_WARM = {"warmup": 44, "t_max": 176}

PRESETS: tuple[TrainPreset, ...] = (
    TrainPreset(
        "optimizers",
        (_base(racer=Racer("sgd", lr=0.01), epochs=8), _base(racer=Racer("momentum", lr=0.01, hparams={"momentum": 0.9}), epochs=8),
         _base(racer=_ADAM, epochs=8)),
        ("SGD", "SGD + momentum", "Adam"), _claim_optimizers,
    ),
    TrainPreset(
        "bn-sgd",
        (_base(racer=_SGD01, epochs=3), _base(racer=_SGD01, epochs=3, model=ModelConfig(bn=False))),
        ("BN", "no BN"), _claim_bn,
    ),
    TrainPreset(
        "batch-size",
        (_base(racer=_ADAM, epochs=2, batch_size=8), _base(racer=_ADAM, epochs=2, batch_size=64),
         _base(racer=_ADAM, epochs=2, batch_size=None)),
        ("B = 8", "B = 64", "full batch"), _claim_batch,
    ),
    TrainPreset(
        "warmup",
        (_base(racer=Racer("adam", lr=0.1), epochs=8),
         _base(racer=Racer("adam", lr=0.1, schedule="warmup-cosine", sched_params=_WARM), epochs=8)),
        ("η = 0.1", "η = 0.1 + warm-up"), _claim_warmup,
    ),
    TrainPreset(
        "mse-vs-ce",
        (_base(racer=_SGD01, epochs=6, model=ModelConfig(bn=False)),
         _base(racer=_SGD01, epochs=6, loss="mse", model=ModelConfig(bn=False))),
        ("cross-entropy", "MSE"), _claim_loss,
    ),
    TrainPreset(
        "hw3",
        (_base(racer=Racer("adam", lr=3e-4, hparams={"weight_decay": 1e-5}), clip=10.0, epochs=10),),
        ("HW3 sample",), _claim_hw3,
    ),
)
DEFAULT = PRESETS[0]
