"""Properties of the batched engine: rows never mix, zero gradient means no move,
batches are real, seeded and fair, divergence is recorded, bad input is refused."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optim_lab.batches import plan_batches
from optim_lab.engine import MAX_RACERS, MAX_STEPS, Racer, race
from optim_lab.optimizers import OPTIMIZERS
from optim_lab.rules import MOMENTUM, SCALING
from surfaces import get_surface
from tests.toys import Linear

NAMES = sorted(OPTIMIZERS)
ROSEN = get_surface("rosenbrock").build()

racer_st = st.builds(
    Racer,
    optimizer=st.sampled_from(NAMES),
    lr=st.floats(1e-4, 3e-3),
    schedule=st.sampled_from(["constant", "inverse-time", "exponential", "noam"]),
)
start_st = st.tuples(st.floats(-1.8, 1.8), st.floats(-0.8, 2.8))


@settings(max_examples=40, deadline=None)
@given(st.lists(racer_st, min_size=1, max_size=5), st.lists(start_st, min_size=1, max_size=3))
def test_rows_stepped_together_equal_rows_stepped_alone(racers, starts):
    together = race(ROSEN, racers, starts, 30)
    for i, r in enumerate(racers):
        for j, s in enumerate(starts):
            alone = race(ROSEN, [r], [s], 30)
            # equal to round-off: a lone racer takes torch's fused scalar kernels, a mixed batch per-row tensors
            np.testing.assert_allclose(together.theta[:, together.row(i, j)], alone.theta[:, 0], rtol=1e-12, atol=1e-14)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(NAMES), st.sampled_from(sorted(MOMENTUM)), st.sampled_from(sorted(SCALING)), start_st)
def test_zero_gradient_means_no_move(name, mom, scal, start):
    def still(r: Racer) -> Racer:  # the terms that shrink θ by themselves off: weight decay, ASGD's λ
        names = {p.name for p in r.spec().params}
        return dataclasses.replace(r, hparams={k: 0.0 for k in ("weight_decay", "lambd") if k in names})

    racers = [still(Racer(name)), still(Racer("custom", momentum_rule=mom, scaling_rule=scal))]
    res = race(Linear(0.0), racers, [start], 20)
    assert np.isfinite(res.theta).all()
    np.testing.assert_array_equal(res.theta[-1], [start, start])


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["sgd", "momentum", "adam", "adagrad-book"]))
def test_batch_size_n_is_full_batch(seed, name):
    problem = get_surface("linreg").build()
    n = problem.n_samples
    res = race(problem, [Racer(name, lr=0.01, batch_size=n), Racer(name, lr=0.01)], [problem.start], 40, seed=seed)
    np.testing.assert_array_equal(res.theta[:, 0], res.theta[:, 1])


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 40), st.integers(1, 40), st.integers(0, 99))
def test_same_seed_same_batches_and_epochs_reshuffle(n, b, seed):
    b = min(b, n)
    p1, p2 = plan_batches(n, b, 3 * math.ceil(n / b), seed), plan_batches(n, b, 3 * math.ceil(n / b), seed)
    assert p1.indices == p2.indices
    per = math.ceil(n / b)
    assert p1.updates_per_epoch == per
    for e in range(3):
        epoch = p1.indices[e * per : (e + 1) * per]
        assert sorted(i for batch in epoch for i in batch) == list(range(n))  # each sample once per epoch
        assert [len(x) for x in epoch] == [b] * (per - 1) + [n - b * (per - 1)]  # the last batch smaller
    assert p1.epoch == [k // per for k in range(3 * per)]


def test_race_shares_batches_between_racers_and_seed_changes_them():
    problem = get_surface("linreg").build()
    racers = [Racer("sgd", lr=0.05, batch_size=4), Racer("momentum", lr=0.05, batch_size=4), Racer("sgd", lr=0.05, batch_size=1)]
    a = race(problem, racers, [problem.start], 30, seed=1)
    b = race(problem, racers, [problem.start], 30, seed=2)
    assert a.batches[4].indices != b.batches[4].indices
    assert set(a.batches) == {1, 4}
    np.testing.assert_array_equal(a.epoch[:, 0], a.epoch[:, 1])
    # the mini-batch gradient really differs from the full one: noise from real batches
    full = problem.grad(__import__("torch").as_tensor(a.theta[:-1, 0]))
    assert np.abs(a.step_grad[:, 0] - full.numpy()).max() > 1e-6


def test_divergence_is_recorded_and_frozen_while_others_go_on():
    res = race(ROSEN, [Racer("sgd", lr=0.5), Racer("adam", lr=1e-2)], [(-1.5, 2.0)], 100)
    k = res.diverged_at[0]
    assert k > 0 and res.diverged_at[1] == -1
    assert np.isfinite(res.theta).all() and np.isfinite(res.loss).all() and np.isfinite(res.grad_norm).all()
    np.testing.assert_array_equal(res.theta[k:, 0], np.broadcast_to(res.theta[k - 1, 0], res.theta[k:, 0].shape))
    assert res.loss[-1, 1] < res.loss[0, 1]


def test_recorded_quantities_line_up():
    res = race(ROSEN, [Racer("adam", lr=1e-2), Racer("momentum-book", lr=1e-3)], [(-1.0, 1.0)], 50, hessian=True)
    T, K = 50, 2
    assert res.theta.shape == (T + 1, K, 2) and res.loss.shape == (T + 1, K) and res.lr.shape == (T, K)
    assert res.eigvals.shape == (T + 1, K, 2) and (res.eigvals[..., 0] <= res.eigvals[..., 1]).all()
    # the unified update holds for the PyTorch-convention row: θ_k − θ_{k−1} = −(η/σ)·m
    step = res.theta[1:, 0] - res.theta[:-1, 0]
    np.testing.assert_allclose(step, -res.eff_step[:, 0] * res.direction[:, 0], rtol=1e-10)
    # the book's momentum: θ_k − θ_{k−1} = −movement
    np.testing.assert_allclose(res.theta[1:, 1] - res.theta[:-1, 1], -res.direction[:, 1], rtol=1e-10)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(racers=[Racer("nope")]), "optimizer"),
        (dict(racers=[Racer("adam", lr=1e3)]), "lr"),
        (dict(racers=[Racer("adam", lr=-1)]), "lr"),
        (dict(racers=[Racer("adam", hparams={"beta1": 1.5})]), "beta1"),
        (dict(racers=[Racer("adam", hparams={"momentum": 0.9})]), "momentum"),
        (dict(racers=[Racer("adam", schedule="sometimes")]), "schedule"),
        (dict(racers=[Racer("adam", schedule="step", sched_params={"step_size": 0})]), "step_size"),
        (dict(racers=[Racer("sgd")] * (MAX_RACERS + 1)), "optimizers"),
        (dict(steps=MAX_STEPS + 1), "steps"),
        (dict(steps=0), "steps"),
        (dict(starts=[(float("nan"), 0.0)]), "start"),
        (dict(starts=[(1e9, 0.0)]), "start"),
        (dict(racers=[Racer("sgd", batch_size=4)]), "batch_size"),
        (dict(racers=[Racer("custom", momentum_rule="warp", scaling_rule="none")]), "momentum rule"),
    ],
)
def test_bad_input_is_one_clear_value_error(kwargs, field):
    args = dict(problem=ROSEN, racers=[Racer("adam")], starts=[(0.0, 0.0)], steps=10) | kwargs
    with pytest.raises(ValueError, match=field):
        race(**args)


def test_batch_size_out_of_range():
    problem = get_surface("linreg").build()
    with pytest.raises(ValueError, match=r"batch_size.*\[1, "):
        race(problem, [Racer("sgd", batch_size=problem.n_samples + 1)], [problem.start], 5)


class _Counting:
    """A surface that counts the gradient evaluations of each row (rows of one call)."""

    def __init__(self, problem):
        self.problem, self.calls = problem, 0

    def __getattr__(self, name):
        return getattr(self.problem, name)

    def grad(self, pts, w=None):
        self.calls += 1
        return self.problem.grad(pts, w)


def test_the_race_counts_gradient_evaluations_per_racer():
    # SAM and build-your-own with SAM's gradient (ρ > 0) take two a step, the others one: the
    # engine evaluates the second gradient for every row at once, once per step when any racer needs it
    racers = [Racer("sgd", lr=1e-3), Racer("sam", lr=1e-3),
              Racer("custom", lr=1e-3, momentum_rule="heavy-ball", scaling_rule="none", hparams={"rho": 0.05}),
              Racer("custom", lr=1e-3, momentum_rule="heavy-ball", scaling_rule="none", hparams={"rho": 0.0})]
    counted = _Counting(ROSEN)
    res = race(counted, racers, [(-1.5, 2.0), (0.5, 0.5)], 40, detail=False)
    assert res.grads_per_step.tolist() == [1, 1, 2, 2, 2, 2, 1, 1]  # row = racer × start
    assert counted.calls == 2 * 40
    plain = _Counting(ROSEN)
    res = race(plain, [racers[0], racers[3]], [(-1.5, 2.0)], 40, detail=False)
    assert res.grads_per_step.tolist() == [1, 1] and plain.calls == 40


@pytest.mark.parametrize("hp", [{}, {"eta_minus": 0.3, "eta_plus": 1.5}, {"step_size_min": 1e-3, "step_size_max": 5e-3}])
@pytest.mark.parametrize("start", [(-1.5, 2.0), (1.2, 0.8)])
def test_rprop_muon_adafactor_and_sam_beside_other_rules_step_as_they_do_alone(hp, start):
    # in a mixed race their rows take their own short paths (Python floats, numpy float32 scalars):
    # bit for bit the numbers of the same racer raced alone (sign flips, both clamps, Muon's
    # bfloat16, Adafactor's fused lerp and norms, SAM's ascent point)
    rp, mu, af, sam = (Racer("rprop", lr=0.05, hparams=hp), Racer("muon", lr=0.02), Racer("adafactor", lr=0.05),
                       Racer("sam", lr=1e-3))
    mixed = race(ROSEN, [Racer("adam", lr=0.05), rp, Racer("lion", lr=1e-3), mu, af, sam], [start], 300, detail=False)
    for j, r in ((1, rp), (3, mu), (4, af), (5, sam)):
        alone = race(ROSEN, [r], [start], 300, detail=False)
        np.testing.assert_array_equal(mixed.theta[:, j], alone.theta[:, 0])
