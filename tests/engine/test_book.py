"""The book's conventions (textbook.md check cases) and how they relate to PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer, race
from optim_lab.rules import radam_rectifier
from surfaces import get_surface
from tests.toys import Linear, Scripted


def steps_of(res, row=0):
    return np.diff(res.theta[:, row, 0])


def run_scripted(name, grads, lr, **kw):
    return race(Scripted(grads), [Racer(name, lr=lr, **kw)], [(0.0, 0.0)], len(grads), detail=False)


def test_book_momentum_on_a_constant_gradient():
    res = race(Linear(1.0), [Racer("momentum-book", lr=0.1, hparams={"lambda": 0.9}), Racer("momentum", lr=0.1)],
               [(0.0, 0.0)], 3)
    np.testing.assert_allclose(res.theta[1:, 0, 0], [-0.1, -0.29, -0.561], rtol=1e-12)
    np.testing.assert_allclose(res.theta[1:, 1, 0], [-0.1, -0.29, -0.561], rtol=1e-12)


def test_book_adagrad_and_torch_adagrad_first_steps():
    np.testing.assert_allclose(steps_of(run_scripted("adagrad-book", [3, 4, 1], 1.0)), [-1, -1.131371, -0.339683], atol=1e-6)
    np.testing.assert_allclose(steps_of(run_scripted("adagrad", [3, 4, 1], 1.0)), [-1, -0.8, -0.196116], atol=1e-6)


def test_book_rmsprop_first_steps():
    np.testing.assert_allclose(steps_of(run_scripted("rmsprop-book", [2, 4], 1.0, hparams={"alpha": 0.9})),
                               [-1, -1.754116], atol=1e-6)


def test_torch_rmsprop_first_step_is_ten_eta():
    step = steps_of(run_scripted("rmsprop", [2.0], 0.01))[0]
    assert step == pytest.approx(-0.01 / np.sqrt(1 - 0.99), rel=1e-6)


def test_adam_first_steps_are_eta():
    np.testing.assert_allclose(steps_of(run_scripted("adam", [2, 2, 2], 1e-3)), [-1e-3] * 3, rtol=1e-6)


def test_adam_without_bias_correction_starts_with_a_larger_step():
    s = steps_of(run_scripted("custom", [2.0], 1e-3, momentum_rule="ema-raw", scaling_rule="rmsprop",
                              hparams={"alpha": 0.999, "eps": 1e-8}))[0]
    assert s == pytest.approx(-1e-3 * 0.1 / np.sqrt(0.001), rel=1e-6)  # ≈ 3.16·η


def test_book_adagrad_with_inverse_time_decay_is_torch_adagrad():
    problem = get_surface("long-valley").build()
    racers = [Racer("adagrad-book", lr=2.0, schedule="inverse-time"), Racer("adagrad", lr=2.0)]
    res = race(problem, racers, [problem.start], 300)
    np.testing.assert_allclose(res.theta[:, 0], res.theta[:, 1], rtol=1e-9)


def test_book_momentum_equals_torch_momentum_at_constant_eta_only():
    problem = get_surface("rosenbrock").build()
    start = (-1.2, 1.5)
    const = race(problem, [Racer("momentum-book", lr=1e-3, hparams={"lambda": 0.9}),
                           Racer("momentum", lr=1e-3, hparams={"momentum": 0.9})], [start], 200)
    np.testing.assert_allclose(const.theta[:, 0], const.theta[:, 1], rtol=1e-9, atol=1e-12)
    sched = {"step_size": 20, "gamma": 0.3}
    changing = race(problem, [Racer("momentum-book", lr=1e-3, hparams={"lambda": 0.9}, schedule="step", sched_params=sched),
                              Racer("momentum", lr=1e-3, hparams={"momentum": 0.9}, schedule="step", sched_params=sched)],
                    [start], 200)
    np.testing.assert_allclose(changing.theta[:21, 0], changing.theta[:21, 1], rtol=1e-9, atol=1e-12)
    gap = np.abs(changing.theta[22:, 0] - changing.theta[22:, 1]).max()
    assert gap > 1e-4, "once η changes, the book's movement keeps old η inside m; PyTorch rescales its whole buffer"


def test_radam_rectification_starts_at_step_six():
    r = radam_rectifier(np.arange(1, 10, dtype=float), 0.999)
    assert np.isnan(r[:5]).all() and np.isfinite(r[5:]).all()


def test_book_rules_do_not_move_on_a_zero_gradient():
    res = race(Linear(0.0), [Racer(n) for n in ("adagrad-book", "rmsprop-book", "momentum-book")], [(1.0, 2.0)], 5)
    assert np.isfinite(res.theta).all()
    np.testing.assert_array_equal(res.theta[-1], [[1.0, 2.0]] * 3)
