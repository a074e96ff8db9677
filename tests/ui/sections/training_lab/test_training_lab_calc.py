"""Training lab page, pure parts: presets as URL queries, the drawn digit, evaluation helpers."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer
from optim_lab.training.presets import PRESETS
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


def test_bad_settings_raise_with_the_reason():
    with pytest.raises(ValueError, match="updates"):
        calc.run_configs(calc.Shared(epochs=15), [calc.RunSetting(Racer("sgd"), True, "1", "ce")])


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
    assert m.sum() == 5 and m[4, 3] == 1 and np.trace(m) == 4
    assert calc.misclassified(probs, y).tolist() == [4]


def test_update_formula_one_equation_per_line():
    tex = calc.update_formula(Racer("adam"))
    assert tex.count(r"\\") == 4 and r"\odot" in tex
    book = calc.update_formula(Racer("momentum-book"))
    assert book.startswith(r"\theta_{t+1} = \theta_t + m_{t+1}")
