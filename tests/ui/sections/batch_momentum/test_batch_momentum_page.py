"""§3.2 batch size & momentum: the page (AppTest) and what its presets claim, on the engine's numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from optim_lab.batches import plan_batches
from optim_lab.engine import Racer, race
from surfaces import get_surface
from tests import apptest
from ui.common.result import RaceResult
from ui.sections.batch_momentum import calc
from ui.sections.batch_momentum.presets import PRESETS as _PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

PAGE = PAGE_BY_ID["batch-momentum"].path
PRESETS = {p.id: p for p in _PRESETS}


def log_value(raw) -> float:
    """A log slider keeps a value that arrives exactly (preset, link, default) exactly."""
    return float(raw)


def open_page(lang: str = "en", query: dict | None = None):
    return apptest.open_page(PAGE, lang, query)


def test_defaults_show_the_batches_part_with_an_animated_batch_view():
    at = open_page("zh")
    apptest.assert_clean(at)
    assert at.radio(key="part").value == "batches"
    batch = apptest.chart(at, "bm_batch")
    assert 1 < len(batch["frames"]) <= calc.MAX_BATCH_FRAMES
    assert len(json.dumps(batch)) < 1_000_000


@pytest.mark.parametrize("pid", list(PRESETS))
def test_a_preset_link_opens_its_part(pid):
    at = open_page("zh", PRESETS[pid].params)
    assert at.radio(key="part").value == PRESETS[pid].params["part"]


def test_the_rolls_preset_shows_the_engines_final_losses():
    at = open_page("zh", PRESETS["momentum-rolls"].params)
    apptest.assert_clean(at)
    final = at.dataframe[-1].value
    losses = [float(v) for v in final[t("col_final_loss", "zh")]]
    assert losses == pytest.approx([2.10425, -1.03163], abs=1e-4)


def test_a_widget_change_and_the_second_part_in_english():
    at = open_page("en")
    before = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    at.slider(key="bs").set_value(3).run()
    apptest.assert_clean(at)
    after = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    assert before != after
    assert at.query_params.get("bs") in ("3", ["3"])
    # the second part starts from its own defaults (any surface)
    at.radio(key="part").set_value("momentum").run()
    apptest.assert_clean(at)
    assert at.selectbox(key="surface").value == "six-hump-camel"
    assert any(t("bm_m_book", "en") in json.dumps(json.loads(c.proto.spec)["data"]) for c in at.get("plotly_chart"))


# -- what the presets claim, on the engine ------------------------------------------------------
def _batches_race(pr, steps=None):
    p = pr.params
    problem = get_surface(p["surface"]).build()
    n = problem.n_samples
    sizes = (n, int(p["bs"]), 1)
    lr = log_value(p["lr"])
    res = race(problem, [Racer("sgd", lr=lr, batch_size=b) for b in sizes], [problem.start], steps or int(p["steps"]), seed=0)
    return problem, sizes, res


def test_full_batch_equals_batch_size_n():
    problem = get_surface("linreg").build()
    n = problem.n_samples
    res = race(problem, [Racer("sgd", lr=0.1), Racer("sgd", lr=0.1, batch_size=n), Racer("sgd", lr=0.1, batch_size=8)],
               [problem.start], 60, seed=3)
    np.testing.assert_array_equal(res.theta[:, 0], res.theta[:, 1])
    assert np.abs(res.theta[-1, 2] - res.theta[-1, 0]).max() > 1e-3


@pytest.mark.parametrize("n,b", [(40, 1), (40, 3), (40, 7), (40, 8), (40, 40), (10, 4)])
def test_updates_per_epoch_is_ceil_n_over_b(n, b):
    plan = plan_batches(n, b, 3 * math.ceil(n / b) + 2, seed=1)
    per = math.ceil(n / b)
    assert plan.updates_per_epoch == per
    assert plan.epoch == [k // per for k in range(len(plan.epoch))]
    for e in range(3):  # every epoch uses every sample exactly once, in ⌈N/B⌉ batches
        batches = plan.indices[e * per:(e + 1) * per]
        assert sorted(i for bt in batches for i in bt) == list(range(n))
        assert all(len(bt) == b for bt in batches[:-1])


def test_preset_batches_full_glides_and_b1_jitters():
    problem, sizes, res = _batches_race(PRESETS["batches"])
    best = problem.minima()[0][2]
    tail = slice(150, None)
    gap = res.loss[tail] - best
    assert gap[:, 0].max() < 1e-3  # the full batch sits at the minimum
    assert gap[:, 2].mean() > 5 * gap[:, 0].mean() + 5e-3  # B = 1 keeps jittering around it
    assert np.abs(np.diff(res.loss[tail, 2])).mean() > 10 * np.abs(np.diff(res.loss[tail, 0])).mean()
    assert (res.diverged_at < 0).all()


def test_preset_epochs_equal_epochs_mean_different_updates():
    pr = PRESETS["epochs"]
    problem, sizes, res = _batches_race(pr)
    n = problem.n_samples
    per = [math.ceil(n / b) for b in sizes]
    assert per == [1, 5, 40]
    steps = int(pr.params["steps"])
    assert res.epoch[-1].tolist() == [steps // u - 1 + (steps % u > 0) for u in per]
    # after 5 epochs: 5 updates of the full batch, 200 of B = 1; B = 1 is far ahead
    assert res.loss[5 * per[2], 2] < 0.2 * res.loss[5 * per[0], 0]


def test_preset_batch_surface_star_is_critical_for_that_batch_only():
    pr = PRESETS["batch-surface"]
    problem, sizes, res = _batches_race(pr)
    k = int(pr.params["k"])
    plan = res.batches[1].indices
    here = res.theta[k - 1, 2]
    star = calc.batch_minima(problem, [plan[k - 1]], here[None], problem.view_box())[0]
    assert np.isfinite(star).all()
    g_this = calc.batch_grads(problem, [plan[k - 1]], star[None])[0]
    g_next = calc.batch_grads(problem, [plan[k]], star[None])[0]
    g_full = calc.full_grads(problem, star[None])[0]
    assert np.hypot(*g_this) < 1e-9
    assert np.hypot(*g_next) > 0.05 and np.hypot(*g_full) > 0.5


def _momentum_race(pr, with_torch=False):
    p = pr.params
    problem = get_surface(p["surface"]).build()
    lr, lam = log_value(p["m_lr"]), float(p["lam"])
    sched = p.get("m_sch", "constant")
    sp = {k[len("m_sp_"):]: float(v) for k, v in p.items() if k.startswith("m_sp_")}
    racers = [Racer("sgd", lr=lr, schedule=sched, sched_params=sp),
              Racer("momentum-book", lr=lr, hparams={"lambda": lam}, schedule=sched, sched_params=sp)]
    if with_torch:
        racers.append(Racer("momentum", lr=lr, hparams={"momentum": lam}, schedule=sched, sched_params=sp))
    start = (float(p["x0"]), float(p["y0"]))
    return problem, race(problem, racers, [start], int(p["steps"]), seed=0)


def test_preset_momentum_rolls_past_the_local_minimum():
    problem, res = _momentum_race(PRESETS["momentum-rolls"])
    gd, book = res.loss[-1]
    assert gd == pytest.approx(2.10425, abs=1e-4)  # GD stopped in the shallow local minimum …
    assert res.grad_norm[-1, 0] < 1e-8  # … really stopped: the gradient is zero there
    assert book == pytest.approx(-1.031628, abs=1e-5)  # momentum ended in the global minimum
    assert res.grad_norm[-1, 1] < 1e-6
    assert np.hypot(*(res.theta[-1, 0] - res.theta[-1, 1])) > 1.0  # a different basin
    # the preset's step: the gradient already pushes back, the kept movement is larger
    k, lam = int(PRESETS["momentum-rolls"].params["k"]), float(PRESETS["momentum-rolls"].params["lam"])
    kept = -lam * res.direction[k - 2, 1]
    grad_step = -res.lr[k - 1, 1] * res.step_grad[k - 1, 1]
    assert kept @ grad_step < -0.9 * np.hypot(*kept) * np.hypot(*grad_step)
    assert np.hypot(*kept) > 3 * np.hypot(*grad_step)
    assert res.theta[k, 1, 0] > res.theta[k - 1, 1, 0]  # and it still moves on, away from the local minimum


def test_momentum_is_the_weighted_sum_of_past_gradients():
    problem, res = _momentum_race(PRESETS["book-vs-torch"])
    lam = float(PRESETS["book-vs-torch"].params["lam"])
    for k in (1, 9, 14, 40):
        js = np.arange(1, k + 1)
        weights = lam ** (k - js) * res.lr[js - 1, 1]
        m_k = -(weights[:, None] * res.step_grad[js - 1, 1]).sum(0)
        np.testing.assert_allclose(m_k, res.theta[k, 1] - res.theta[k - 1, 1], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(-res.direction[k - 1, 1], m_k, rtol=1e-10, atol=1e-14)
        # what the page shows: m_k read off the trajectory, and its two parts λ·m_{k−1} − η_k·g_{k−1}
        step = calc.momentum_step(RaceResult.from_engine(res), 1, k, lam)
        np.testing.assert_allclose(step.m, m_k, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(step.kept + step.pushed, m_k, rtol=1e-9, atol=1e-14)
        _, book, _ = calc.past_gradient_weights(RaceResult.from_engine(res), 1, k, lam, window=k)
        np.testing.assert_allclose(book, weights, rtol=1e-12)


def test_preset_book_vs_torch_momentum_differ_after_the_step_change():
    pr = PRESETS["book-vs-torch"]
    problem, res = _momentum_race(pr, with_torch=True)
    s = int(pr.params["m_sp_step_size"])
    book, torch_ = res.theta[:, 1], res.theta[:, 2]
    np.testing.assert_allclose(book[: s + 1], torch_[: s + 1], rtol=1e-12, atol=1e-12)  # same while η is constant
    assert np.abs(book[s + 2] - torch_[s + 2]).max() > 1e-2  # different once η has changed
    assert res.loss[-1, 2] == pytest.approx(-1.031628, abs=1e-4)  # PyTorch slows at once: global minimum
    assert res.loss[-1, 1] > -0.5 and book[-1, 0] > 1.0  # the book keeps its old speed: the far basin
