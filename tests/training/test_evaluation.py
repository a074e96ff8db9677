"""Step 6's numbers of a trained run (`evaluate_trained`): the validation softmax of the
trained weights, and BN's train-mode pitfall, computed once where the run was trained."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optim_lab.engine import Racer
from optim_lab.training.data import load_digits_split
from optim_lab.training.models import ModelConfig
from optim_lab.training.presets import DEFAULT
from optim_lab.training.train import PITFALL_BATCHES, evaluate_trained, predict_proba, train_run

CFG = dataclasses.replace(DEFAULT.runs[0], epochs=2, samples=256)
SPLIT = load_digits_split(0)


@pytest.fixture(scope="module")
def trained():
    return train_run(CFG, evaluate_after=True)


def test_the_softmax_is_the_trained_networks_on_the_validation_set(trained):
    ev = trained.evaluation
    assert ev is not None and ev.val_probs.shape == (SPLIT.sizes["val"], 10)
    np.testing.assert_array_equal(ev.val_probs, predict_proba(trained, SPLIT.x_val))
    np.testing.assert_allclose(ev.val_probs.sum(1), 1.0, rtol=0, atol=1e-6)
    # its accuracy is the last epoch's validation accuracy: the same weights, the same mode
    acc = float((ev.val_probs.argmax(1) == SPLIT.y_val.numpy()).mean())
    assert acc == trained.epochs[-1].val_acc


def test_the_pitfall_changes_the_accuracy_and_leaves_the_weights_alone(trained):
    before = {k: v.copy() for k, v in trained.state_dict.items()}
    pit = evaluate_trained(trained).pitfall
    assert CFG.model.bn and set(pit) == {"eval", *(f"train_{b}" for b in PITFALL_BATCHES)}
    assert pit["eval"] == trained.epochs[-1].val_acc
    assert pit["train_2"] != pit["eval"]  # batches of two normalize with their own statistics
    assert all(np.array_equal(before[k], trained.state_dict[k]) for k in before)  # train mode ran on a copy


def test_an_mlp_with_bn_is_evaluated_in_train_mode_too():
    """BatchNorm1d refuses a batch of one in train mode: the pitfall's batches start at two."""
    cfg = dataclasses.replace(CFG, model=ModelConfig(kind="mlp", bn=True))
    pit = train_run(cfg, evaluate_after=True).evaluation.pitfall
    assert min(PITFALL_BATCHES) >= 2 and all(0.0 <= v <= 1.0 for v in pit.values())


def test_without_bn_there_is_no_pitfall_and_unfinished_runs_have_no_evaluation():
    no_bn = dataclasses.replace(CFG, model=dataclasses.replace(CFG.model, bn=False))
    assert train_run(no_bn, evaluate_after=True).evaluation.pitfall is None
    assert train_run(CFG).evaluation is None  # only when asked
    stopped = train_run(CFG, should_stop=lambda: True, evaluate_after=True)
    assert stopped.stopped and stopped.evaluation is None
    diverged = train_run(dataclasses.replace(no_bn, racer=Racer("sgd", lr=10.0)), evaluate_after=True)
    assert diverged.diverged_at is not None and diverged.evaluation is None
