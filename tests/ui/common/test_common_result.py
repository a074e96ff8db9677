"""The typed race result: built from the engine's run, read step by step, joined after a jump."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer, race
from surfaces import get_surface
from ui.common.result import STATE_FIELDS, STEP_FIELDS, RaceResult


@pytest.fixture(scope="module")
def result():
    p = get_surface("rosenbrock").build()
    res = race(p, [Racer("adam", lr=0.05), Racer("sgd", lr=5.0)], [(-1.5, 2.5)], 30, hessian=True)
    return RaceResult.from_engine(res)


def test_from_engine_keeps_the_arrays(result):
    assert result.theta.shape == (31, 2, 2) and result.lr.shape == (30, 2)
    assert result.n_rows == 2 and result.steps == 30
    assert result.eigvals is not None and result.sigma is not None


def test_divergence_bounds_what_is_usable(result):
    d = result.diverged(1)
    assert result.diverged(0) is None and d is not None  # η = 5 on Rosenbrock blows up
    assert result.end(0) == 31 and result.end(1) == d
    assert result.alive(1, d - 1) and not result.alive(1, d)
    assert result.usable(1, 30) == d - 1 and result.usable(0, 30) == 30


def test_a_step_record_is_what_the_step_used(result):
    s = result.step(0, 4)
    np.testing.assert_array_equal(s.theta_prev, result.theta[3, 0])
    np.testing.assert_array_equal(s.theta, result.theta[4, 0])
    assert s.eta == result.lr[3, 0] and s.decay == 1.0
    np.testing.assert_array_equal(s.eff, result.eff_step[3, 0])
    np.testing.assert_array_equal(s.direction, result.direction[3, 0])


def test_then_joins_states_and_marks_the_jump(result):
    joined = result.then(result)
    assert joined.steps == 61
    for name in STATE_FIELDS:
        assert getattr(joined, name).shape[0] == 62, name
    for name in STEP_FIELDS:
        a = getattr(joined, name)
        if a is not None:
            assert a.shape[0] == 61, name
    assert np.isnan(joined.lr[30]).all()  # the jump is no step of the optimizer
    np.testing.assert_array_equal(joined.theta[31:], result.theta)
    assert joined.diverged(0) is None and joined.diverged(1) == result.diverged(1) + 31
