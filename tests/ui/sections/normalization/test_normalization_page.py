"""§3.7 page: renders in both languages, presets apply cleanly; feature scaling and the
batch-norm sandbox compute what the page says (BN checked against torch.nn.BatchNorm1d)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer, race
from surfaces import get_surface
from tests import apptest
from ui.sections.normalization import calc as calc_norm
from ui.sections.normalization.page import SURFACE
from ui.sections.normalization.presets import PRESETS as _PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

SCRIPT = PAGE_BY_ID["normalization"].path
PRESETS = {p.id: p for p in _PRESETS}


def _open(lang: str, params: dict | None = None):
    return apptest.open_page(SCRIPT, lang, params, timeout=60)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_defaults_show_both_surfaces_and_say_that_raw_gd_diverges(lang):
    at = _open(lang)
    apptest.assert_clean(at)
    for key in ("fs_raw", "fs_std", "bn_stages", "bn_noise"):
        apptest.chart(at, key)
    # the default η = 0.1 is far above the raw limit: the page says so
    assert any(t("diverged_at", lang, name=t("nm_gd_name", lang), k=2) in w.value for w in at.warning)


def test_scale_and_batch_size_change_the_charts():
    at = _open("en")
    raw = apptest.chart(at, "fs_raw")["data"][0]["z"]
    noise = apptest.chart(at, "bn_noise")["data"][0]["y"]
    at.select_slider(key="s_scale2__log").set_value(1.0).run()  # scale of x₂: 100 → 10
    apptest.assert_clean(at)
    assert apptest.chart(at, "fs_raw")["data"][0]["z"] != raw
    at.slider(key="bn_bs").set_value(32).run()
    apptest.assert_clean(at)
    assert apptest.chart(at, "bn_noise")["data"][0]["y"] != noise


def test_standardize_switch_hides_the_second_contour():
    at = _open("en", {"std": "0"})
    apptest.assert_clean(at)
    apptest.chart(at, "fs_raw")
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-fs_std")]


# -- feature scaling on the engine ----------------------------------------------------------------------
def _fs(setting: dict, standardize: int):
    return get_surface(SURFACE).build(scale1=float(setting["s_scale1"]), scale2=float(setting["s_scale2"]), standardize=standardize)


def test_standardizing_makes_the_surface_round():
    setting = PRESETS["same-eta"].params
    raw, std = _fs(setting, 0), _fs(setting, 1)
    assert raw.condition_number() >= 1000
    assert std.condition_number() == pytest.approx(1.0, abs=1e-6)
    lam_raw = torch.linalg.eigvalsh(raw.hessian_matrix()).numpy()
    lam_std = torch.linalg.eigvalsh(std.hessian_matrix()).numpy()
    assert 2 / lam_raw[-1] == pytest.approx(1e-4, rel=1e-6)  # the limits the note quotes
    assert 2 / lam_std[-1] == pytest.approx(1.0, rel=1e-6)


def test_same_eta_raw_diverges_standardized_converges():
    setting = PRESETS["same-eta"].params
    start, steps = (float(setting["x0"]), float(setting["y0"])), int(setting["steps"])
    r_raw = race(_fs(setting, 0), [Racer("sgd", lr=float(setting["eta"]))], [start], steps, seed=0)
    std = _fs(setting, 1)
    r_std = race(std, [Racer("sgd", lr=float(setting["eta"]))], [start], steps, seed=0)
    assert r_raw.diverged_at[0] == 2
    assert r_std.diverged_at[0] == -1
    assert r_std.loss[-1, 0] == pytest.approx(std.minima()[0][2], abs=1e-8)


def test_raw_at_its_limit_crawls_along_w1():
    setting = PRESETS["raw-limit"].params
    start, steps = (float(setting["x0"]), float(setting["y0"])), int(setting["steps"])
    raw = _fs(setting, 0)
    r = race(raw, [Racer("sgd", lr=float(setting["eta"]))], [start], steps, seed=0)
    assert r.diverged_at[0] == -1
    assert abs(r.theta[-1, 0, 1] - raw.minimum()[1]) < 1e-3  # the steep direction is done
    assert r.theta[-1, 0, 0] == pytest.approx(-2.29, abs=0.01)  # the flat one has barely moved


# -- batch norm ------------------------------------------------------------------------------------------
def test_book_check_cases():
    xt, m, s = calc_norm.zscore([[1, 200], [2, 400], [3, 100], [4, 300]])
    np.testing.assert_allclose(m, [2.5, 250])
    np.testing.assert_allclose(s, [1.118034, 111.803399], atol=1e-6)
    np.testing.assert_allclose(np.abs(xt), [[1.341641, 0.447214], [0.447214, 1.341641], [0.447214, 1.341641],
                                            [1.341641, 0.447214]], atol=1e-6)
    z = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    mu, var = calc_norm.batch_stats(z)
    np.testing.assert_allclose(mu, [3, 6])
    np.testing.assert_allclose(np.sqrt(var), [1.632993, 3.265986], atol=1e-6)
    np.testing.assert_allclose(calc_norm.normalize(z, mu, var, eps=0.0), [[-1.224745] * 2, [0, 0], [1.224745] * 2], atol=1e-6)


@pytest.mark.parametrize("b,n,momentum,seed", [(2, 4, 0.1, 0), (5, 7, 0.3, 1), (16, 3, 1.0, 2), (8, 6, 0.0, 3)])
def test_batchnorm_matches_torch(b, n, momentum, seed):
    batches = calc_norm.make_batches(n, b, seed)
    rng = np.random.default_rng(seed + 100)
    gamma, beta = rng.uniform(0.2, 2.0, 3), rng.uniform(-2, 2, 3)
    run = calc_norm.simulate(batches, gamma, beta, momentum=momentum)
    layer = torch.nn.BatchNorm1d(3, momentum=momentum).double()
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(gamma))
        layer.bias.copy_(torch.as_tensor(beta))
        layer.train()
        for i, z in enumerate(batches):
            out = layer(torch.as_tensor(z)).numpy()
            np.testing.assert_allclose(layer.running_mean.numpy(), run.running_mean[i + 1], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(layer.running_var.numpy(), run.running_var[i + 1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(out, run.out_train, rtol=1e-10, atol=1e-10)
        layer.eval()
        np.testing.assert_allclose(layer(torch.as_tensor(batches[-1])).numpy(), run.out_eval, rtol=1e-10, atol=1e-10)
    assert run.p == pytest.approx(1 - momentum)


def test_small_batches_make_batch_statistics_noisy():
    small = calc_norm.simulate(calc_norm.make_batches(100, 2, 0), [1, 1, 1], [0, 0, 0])
    large = calc_norm.simulate(calc_norm.make_batches(100, 128, 0), [1, 1, 1], [0, 0, 0])
    s, big = calc_norm.batch_mean_spread(small.mu), calc_norm.batch_mean_spread(large.mu)
    assert (s > 5 * big).all()
    np.testing.assert_allclose(s, calc_norm.expected_mean_spread(2), rtol=0.25)
    np.testing.assert_allclose(big, calc_norm.expected_mean_spread(128), rtol=0.25)
    assert np.allclose(np.abs(small.z_tilde), 1.0, atol=1e-3)  # B = 2: z̃ is always ±1


def test_few_batches_leave_eval_far_from_train():
    setting = PRESETS["few-batches"].params
    run = calc_norm.simulate(calc_norm.make_batches(int(setting["bn_n"]), int(setting["bn_bs"]), 0), [1, 1, 1], [0, 0, 0],
                             momentum=float(setting["bn_mom"]))
    m, n = float(setting["bn_mom"]), int(setting["bn_n"])
    w = m * (1 - m) ** np.arange(n - 1, -1, -1)  # weight of batch i in the running mean (the start, 0, has the rest)
    assert w.sum() == pytest.approx(1 - 0.9**3)  # ≈ 27 % of the way, as the note says
    np.testing.assert_allclose(run.running_mean[-1], w @ run.mu, rtol=1e-12)
    assert np.abs(run.out_train - run.out_eval).max() > 1.0
