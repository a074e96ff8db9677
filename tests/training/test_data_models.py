"""The digits split, the transforms and the models of the training lab."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.training.data import load_digits_split, subset
from optim_lab.training.models import ModelConfig, build_model, layer_table, n_params
from optim_lab.training.transforms import Compose, Normalize, RandomAffine, make_transforms


def test_split_is_stratified_disjoint_and_seeded():
    s = load_digits_split(0)
    assert s.sizes == {"train": 1347, "val": 270, "test": 180}
    assert s.x_train.shape == (1347, 1, 8, 8) and s.x_train.dtype == torch.float64
    assert s.y_train.dtype == torch.long
    assert 0.0 <= float(s.x_train.min()) and float(s.x_train.max()) <= 1.0
    for part in ("train", "val", "test"):
        counts = s.class_counts(part)
        share = counts / counts.sum()
        assert np.abs(share - 0.1).max() < 0.02, part
    # disjoint: no image appears in two parts (digits are distinct 8×8 images up to rare duplicates)
    flat = {tuple(r) for r in s.x_train.reshape(len(s.x_train), -1).numpy().round(6)}
    val_in_train = sum(tuple(r) in flat for r in s.x_val.reshape(len(s.x_val), -1).numpy().round(6))
    assert val_in_train <= 2
    assert s.mean == pytest.approx(float(s.x_train.mean()))
    assert s.std == pytest.approx(float(s.x_train.std(unbiased=False)))
    again, other = load_digits_split(0), load_digits_split(1)
    assert torch.equal(again.x_val, s.x_val)
    assert not torch.equal(other.y_val, s.y_val)


def test_subset_keeps_class_shares():
    s = load_digits_split(0)
    x, y = subset(s.x_train, s.y_train, 200, seed=0)
    assert len(y) == 200 and x.shape == (200, 1, 8, 8)
    assert np.bincount(y.numpy(), minlength=10).min() >= 19
    x2, y2 = subset(s.x_train, s.y_train, None, seed=0)
    assert x2 is s.x_train


def test_transforms_normalize_and_augment_repeatably():
    s = load_digits_split(0)
    train_tfm, test_tfm = make_transforms(s.mean, s.std, augment=False, normalize=True)
    z = test_tfm(s.x_train)
    assert float(z.mean()) == pytest.approx(0.0, abs=1e-12)
    assert float(z.std(unbiased=False)) == pytest.approx(1.0, abs=1e-12)
    assert isinstance(train_tfm, Compose) and isinstance(train_tfm.transforms[0], Normalize)
    x = s.x_train[:16]
    a = RandomAffine(generator=torch.Generator().manual_seed(3))(x)
    b = RandomAffine(generator=torch.Generator().manual_seed(3))(x)
    assert torch.equal(a, b) and a.shape == x.shape
    assert not torch.allclose(a, x)
    ident = RandomAffine(degrees=0, translate=0)(x)
    assert torch.allclose(ident, x, atol=1e-12)


@pytest.mark.parametrize("cfg, n", [
    (ModelConfig(), 13802),
    (ModelConfig(bn=False), 13706),
    (ModelConfig(kind="mlp", width=64, depth=2), 9226),
])
def test_layer_table_counts_every_parameter(cfg, n):
    model = build_model(cfg, seed=0)
    rows = layer_table(model)
    assert n_params(model) == n == sum(r["params"] for r in rows)
    assert rows[-1]["output_shape"] == (10,)


def test_cnn_block_shapes_follow_hw3():
    rows = layer_table(build_model(ModelConfig(width=8, blocks=3), 0))
    convs = [r for r in rows if r["type"] == "Conv2d"]
    assert [r["output_shape"] for r in convs] == [(8, 8, 8), (16, 4, 4), (32, 2, 2)]
    assert [r["type"] for r in rows[:4]] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]


def test_same_seed_same_init_with_and_without_bn():
    a, b = build_model(ModelConfig(), 5), build_model(ModelConfig(bn=False), 5)
    assert torch.equal(a.cnn[1].conv.weight, b.cnn[1].conv.weight)
    assert torch.equal(a.fc[3].bias, b.fc[3].bias)
    c = build_model(ModelConfig(), 6)
    assert not torch.equal(a.cnn[0].conv.weight, c.cnn[0].conv.weight)
    assert next(a.parameters()).dtype == torch.float64


def test_residual_and_bounds():
    m = build_model(ModelConfig(residual=True, blocks=2, width=4), 0)
    out = m(torch.zeros(2, 1, 8, 8, dtype=torch.float64))
    assert out.shape == (2, 10)
    for bad in (ModelConfig(blocks=4), ModelConfig(width=1000), ModelConfig(kind="rnn"), ModelConfig(activation="gelu")):
        with pytest.raises(ValueError):
            bad.checked()



def test_the_splits_pixel_statistics_do_not_depend_on_the_thread_count():
    """The cached split is often made before one thread is set (at import, in the fork server);
    its mean and std — and so every run's numbers — must not change with torch's thread count."""
    import torch

    from optim_lab.training.data import load_digits_split

    before = torch.get_num_threads()
    try:
        stats = []
        for threads in (1, 4):
            torch.set_num_threads(threads)
            s = load_digits_split.__wrapped__(0)
            stats.append((s.mean, s.std))
    finally:
        torch.set_num_threads(before)
    assert stats[0] == stats[1]
