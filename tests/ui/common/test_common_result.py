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


def test_a_shared_race_is_read_only_and_the_same_object_for_every_session():
    """`compute.run` hands every session the one result (no copy per caller): its arrays refuse
    writes and its batch plans are tuples, so no page can change what another session draws."""
    from ui.common import compute
    from ui.common.racers import RacerConfig

    params = compute.params_key({"n": 12})
    racers = compute.racers_key([RacerConfig("sgd", 0.05, batch_size=4), RacerConfig("sgd", 0.05)])
    a = compute.run("linreg", params, racers, ((0.0, 0.0),), 20, 0)
    assert compute.run("linreg", params, racers, ((0.0, 0.0),), 20, 0) is a
    assert compute.run("linreg", params, racers, ((0.0, 0.0),), 21, 0) is not a
    with pytest.raises(ValueError, match="read-only"):
        a.theta[0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        a.loss[:, 1] *= 2  # a view of it too
    for arr in (a.theta, a.loss, a.lr, a.grad_norm):  # its own memory: nothing else can write into it
        assert arr.flags.owndata and not arr.flags.writeable
    plan = a.batches[4]
    assert isinstance(plan.indices, tuple) and all(isinstance(b, tuple) and len(b) == 4 for b in plan.indices)
    assert len(plan.indices) == 20 and isinstance(plan.epoch, tuple) and plan.per_epoch == 3
    fresh = compute.run.__wrapped__("linreg", params, racers, ((0.0, 0.0),), 20, 0)
    np.testing.assert_array_equal(fresh.theta, a.theta)
    assert [list(b) for b in fresh.batches[4].indices] == [list(b) for b in plan.indices]
