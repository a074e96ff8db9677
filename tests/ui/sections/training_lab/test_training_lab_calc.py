"""Training lab page, pure parts: presets as URL queries, the drawn digit, evaluation helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optim_lab.engine import Racer
from optim_lab.training.presets import PRESETS
from optim_lab.training.train import EPOCHS, MAX_UPDATES
from ui.sections.training_lab import calc


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_preset_params_name_every_run(preset):
    q = calc.preset_params(preset)
    assert q["n"] == str(len(preset.runs))
    for i, c in enumerate(preset.runs, start=1):
        assert q[f"o{i}"] == c.racer.optimizer
        assert float(q[f"o{i}_lr"]) == pytest.approx(c.racer.resolved_lr())
        assert q[f"r{i}_bn"] == ("1" if c.model.bn else "0")
        assert q[f"r{i}_bs"] in calc.BATCH_OPTIONS
    assert all(isinstance(v, str) for v in q.values())


def test_page_settings_rebuild_the_engine_preset():
    p = next(p for p in PRESETS if p.name == "batch-size")
    shared = calc.Shared(epochs=p.runs[0].epochs)
    runs = [calc.RunSetting(Racer("adam", lr=1e-3), True, b, "ce") for b in ("8", "64", "full")]
    assert [c.key() for c in calc.run_configs(shared, runs)] == [c.checked().key() for c in p.runs]


def test_the_menu_offers_only_batch_sizes_of_which_an_epoch_fits_the_bound():
    n = 1347  # the training split
    opts = calc.batch_options(n)
    assert "1" not in opts and "2" not in opts and {"4", "8", "full"} <= set(opts)
    assert all(math.ceil(n / int(b)) <= MAX_UPDATES for b in opts if b != "full")
    assert calc.batch_options(50)[-2:] == ["32", "full"]  # nothing at or above the sample count but "full"


@pytest.mark.parametrize("batch", [b for b in calc.BATCH_OPTIONS if b != "full"])
def test_every_offered_batch_size_trains_at_the_largest_epochs_fitted_to_the_bound(batch):
    """Issue 19 item 1: B = 8 at 8 epochs (1 352 updates) refused the whole page; now the run trains 2 epochs."""
    n = 1347
    if batch not in calc.batch_options(n):
        return
    plan = calc.run_plan(calc.Shared(epochs=EPOCHS.hi), calc.RunSetting(Racer("sgd"), True, batch, "ce"), n)
    cfg = plan.config
    assert cfg is not None and cfg.total_updates <= MAX_UPDATES
    assert cfg.total_updates + cfg.updates_per_epoch > MAX_UPDATES or cfg.epochs == EPOCHS.hi  # no epoch more would fit
    if cfg.epochs < EPOCHS.hi:
        key, values = plan.note
        assert key == "tl_fit_epochs" and values["e"] == cfg.epochs and values["asked"] == EPOCHS.hi
    else:
        assert plan.note is None


def test_batch_8_at_8_epochs_is_fitted_to_2_epochs():
    plan = calc.run_plan(calc.Shared(epochs=8), calc.RunSetting(Racer("sgd"), True, "8", "ce"), 1347)
    assert plan.config.epochs == 2 and plan.config.total_updates == 338
    assert plan.note == ("tl_fit_epochs", {"b": 8, "per_epoch": 169, "asked": 8, "total": 1352, "max": MAX_UPDATES, "e": 2})


def test_a_run_that_cannot_train_is_its_own_note_and_the_others_still_train():
    shared = calc.Shared(kind="mlp", samples=65)  # batches of 64 leave one sample alone: BatchNorm1d refuses it
    bad = calc.RunSetting(Racer("sgd"), True, "64", "ce")
    good = calc.RunSetting(Racer("sgd"), False, "64", "ce")
    plan = calc.run_plan(shared, bad, 65)
    assert plan.config is None and plan.note == ("tl_bn_batch_of_one", {"n": 65, "b": 64})
    assert len(calc.run_configs(shared, [bad, good])) == 1


def test_a_muon_run_trains_and_its_note_counts_what_muon_and_adamw_step():
    """The default CNN (2 blocks, width 16, BN): Muon steps the 2 convolution kernels and the hidden
    Linear; AdamW the conv biases, BN's γ and β, the hidden Linear's bias and the output layer."""
    plan = calc.run_plan(calc.Shared(epochs=1), calc.RunSetting(Racer("muon", lr=0.02), True, "64", "ce"), 1347)
    assert plan.config is not None and plan.note is None
    key, v = plan.split
    # kernels 16·1·3·3 and 32·16·3·3, hidden Linear 64 × (32·2·2); conv biases 16 + 32, BN 2·(16 + 32), its bias 64, head 10·64 + 10
    want = {"kernels": 2, "matrices": 1, "muon_n": 3, "muon_p": 144 + 4608 + 8192,
            "biases": 3, "bn": 4, "head": 2, "adamw_n": 9, "adamw_p": 48 + 96 + 64 + 650}
    assert key == "tl_muon_split" and {k: v[k] for k in want} == want
    mlp = calc.run_plan(calc.Shared(kind="mlp", depth=3, epochs=1), calc.RunSetting(Racer("muon"), False, "64", "ce"), 1347)
    v = mlp.split[1]
    assert (v["kernels"], v["matrices"], v["biases"], v["bn"], v["head"]) == (0, 3, 3, 0, 2)
    assert calc.run_plan(calc.Shared(epochs=1), calc.RunSetting(Racer("adamw"), True, "64", "ce"), 1347).split is None


def test_the_update_formula_of_a_direction_rule_steps_with_u_not_with_m_over_sigma():
    assert calc.update_formula(Racer("adam")).startswith(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t")
    muon = calc.update_formula(Racer("muon")).split(r" \\ ")
    assert muon[0] == r"\theta_{t+1} = \theta_t - \eta_t\, u_t" and r"(\theta \in \mathbb{R}^{r \times c};\ \mathrm{bfloat16})" in muon
    assert calc.update_formula(Racer("rprop")).startswith(r"\theta_{t+1} = \theta_t - u_t \\")  # its step sizes are u's own


def test_lions_formula_takes_the_sign_of_the_direction_it_steps_along_and_has_no_english():
    """Lion's u_t = sign(m_t) where m_t is the interpolation it steps along (its memory is b_t), as the rule
    computes it; neither Lion's nor Muon's lines hold English words (the page is also Chinese)."""
    lion = calc.update_formula(Racer("lion")).split(r" \\ ")
    assert r"m_t = \beta_1 b_{t-1} + (1-\beta_1) g_t" in lion and r"u_t = \operatorname{sign}(m_t)" in lion
    for name in ("lion", "muon"):
        assert r"\text{" not in calc.update_formula(Racer(name)), name


def test_drawing_becomes_a_centred_8x8_digit_in_unit_range():
    pixels = np.zeros((32, 32))
    pixels[4:28, 20:23] = 1  # a thin vertical stroke off to the right
    img = calc.drawing_to_image(pixels.ravel().tolist())
    assert img.shape == (8, 8) and 0 <= img.min() and img.max() <= 1
    cols = img.sum(0)
    assert cols[3] + cols[4] == pytest.approx(cols.sum())  # scaled to the box and centred
    block = np.zeros((32, 32))
    block[8:24, 8:24] = 1  # a filled square fills the box: every 4×4 block counts 16 → 1
    assert calc.drawing_to_image(block.ravel()).min() == pytest.approx(1.0)
    assert calc.drawing_to_image([0] * 1024) is None


def test_confusion_and_misclassified():
    probs = np.eye(10)[[0, 1, 2, 3, 3]] * 0.9 + 0.01
    y = np.array([0, 1, 2, 3, 4])
    m = calc.confusion(probs, y)
    assert m.shape == (10, 10)  # every digit a row and a column, also those no image has
    assert m.sum() == 5 and m[4, 3] == 1 and np.trace(m) == 4
    assert calc.misclassified(probs, y).tolist() == [4]


def test_update_formula_one_equation_per_line():
    tex = calc.update_formula(Racer("adam"))
    assert tex.count(r"\\") == 4 and r"\odot" in tex
    book = calc.update_formula(Racer("momentum-book"))
    assert book.startswith(r"\theta_{t+1} = \theta_t + m_{t+1}")
