"""The presets' claims, checked on the numbers they produce (each preset runs once per module)."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.inside import experiments as ex

EOS_BAND = (0.9, 1.2)  # λ_max ends (median of the last quarter of the measurements) within this factor of 2/η


@pytest.fixture(scope="module")
def eos():
    return ex.edge_of_stability(ex.EosConfig())


@pytest.fixture(scope="module")
def sharp_flat():
    return ex.sharp_vs_flat(ex.SharpFlatConfig())


def test_edge_of_stability_lambda_max_rises_to_two_over_eta_and_stays_there(eos):
    assert [r.lr for r in eos] == list(ex.EosConfig().lrs)
    for r in eos:
        s = r.summary()
        assert r.diverged_at is None
        assert s["lambda_first"] < 0.8 * s["two_over_lr"]  # it starts well below the limit: progressive sharpening
        assert s["first_reach"] is not None  # … reaches 2/η …
        assert EOS_BAND[0] <= s["end_over_threshold"] <= EOS_BAND[1], s  # … and hovers there
        assert s["loss_last"] < 0.5 * s["loss_first"]  # the loss keeps falling …
        assert s["loss_rises"] > 0  # … but not monotonically


def test_edge_of_stability_the_smaller_step_settles_at_the_higher_curvature(eos):
    big, small = eos
    assert big.lr > small.lr
    assert small.summary()["lambda_end"] > 1.5 * big.summary()["lambda_end"]


def test_edge_of_stability_progress_reaches_the_total():
    seen = []
    ex.edge_of_stability(ex.EosConfig(lrs=(0.2,), samples=40, width=16, steps=20, every=10), progress=lambda k, n: seen.append((k, n)))
    assert seen[-1] == (20, 20)


def test_large_batch_ends_sharper_at_the_same_training_loss(sharp_flat):
    small, large = sharp_flat
    cfg = ex.SharpFlatConfig()
    assert small.batch == cfg.batches[0] and large.batch is None
    assert small.reached and large.reached
    assert small.train_loss <= cfg.target_loss and large.train_loss <= cfg.target_loss
    assert large.lambda_max > 1.5 * small.lambda_max
    # the 1-D curve through each solution: the large-batch one climbs faster on both sides
    assert large.curve[0] > small.curve[0] and large.curve[-1] > small.curve[-1]
    mid = len(small.alpha) // 2
    assert small.alpha[mid] == 0 and small.curve[mid] == pytest.approx(small.train_loss, rel=1e-4)
    assert np.argmin(small.curve) == pytest.approx(mid, abs=2)
    for r in sharp_flat:
        assert 0.9 < r.val_acc <= 1.0  # both generalize well on digits; the numbers are reported side by side


def test_bad_preset_settings_are_refused():
    with pytest.raises(ValueError):
        ex.EosConfig(lrs=()).checked()
    with pytest.raises(ValueError):
        ex.EosConfig(samples=5).checked()
    with pytest.raises(ValueError):
        ex.SharpFlatConfig(batches=(8,)).checked()


@pytest.mark.slow
def test_adam_preconditioned_sharpness_settles_near_38_over_eta():
    runs = ex.edge_of_stability(ex.EosConfig(lrs=ex.EOS_DEFAULT_LRS["adam"], optimizer="adam"))
    for r in runs:
        s = r.summary()
        assert s["threshold"] == pytest.approx(38 / r.lr)
        assert s["lambda_first"] < 0.8 * s["threshold"]
        assert EOS_BAND[0] - 0.05 <= s["end_over_threshold"] <= EOS_BAND[1], s
