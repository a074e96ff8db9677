"""engine.sweep: R rows with per-row hyper-parameters in one batched call equal R separate
races (the same `_loop`/`apply`), and array values are checked against each Param at once."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import MAX_POINT_STEPS, Racer, batched_coeffs, race, sweep
from optim_lab.schedules import SCHEDULES, get_schedule
from surfaces import get_surface

N = 12
CASES = [
    ("rosenbrock", Racer("adam"), {"lr": np.geomspace(1e-3, 0.5, N), "beta2": np.linspace(0.5, 0.9999, N)}),
    ("rosenbrock", Racer("nadam"), {"lr": np.geomspace(1e-3, 0.5, N), "beta1": np.linspace(0.0, 0.99, N)}),
    ("rosenbrock", Racer("radam"), {"beta2": np.linspace(0.5, 0.9999, N)}),
    ("himmelblau", Racer("adam", schedule="warmup-cosine"), {"lr": np.geomspace(1e-3, 0.5, N), "warmup": np.arange(1, N + 1)}),
    ("himmelblau", Racer("sgd", schedule="one-cycle", sched_params={"t_max": 40}),
     {"lr": np.geomspace(1e-3, 0.05, N), "pct_start": np.linspace(0.01, 0.99, N)}),
    ("linreg", Racer("sgd"), {"lr": np.geomspace(1e-3, 0.5, N), "batch_size": np.arange(1, 40, 40 // N)[:N]}),
    ("rosenbrock", Racer("adamw"), {"weight_decay": np.linspace(0, 0.5, N)}),
    ("rosenbrock", Racer("momentum-book", schedule="step"), {"lambda": np.linspace(0, 0.99, N), "gamma": np.linspace(0.1, 1, N)}),
    ("rosenbrock", Racer("adagrad"), {"lr_decay": np.linspace(0, 0.5, N), "eps": np.geomspace(1e-10, 1e-2, N)}),
    ("rosenbrock", Racer("adamax"), {"beta2": np.linspace(0.5, 0.9999, N)}),
    ("rosenbrock", Racer("adadelta"), {"rho": np.linspace(0.5, 0.99, N)}),
    ("rosenbrock", Racer("rmsprop-book"), {"alpha": np.linspace(0.5, 0.99, N)}),
    ("quadratic", Racer("momentum", schedule="noam"), {"warmup": np.arange(1, N + 1), "d_model": np.arange(1, N + 1)}),
]


def _racer_of_row(r: Racer, axes: dict, i: int) -> Racer:
    kw = {k: float(v[i]) for k, v in axes.items()}
    lr = kw.pop("lr", r.lr)
    bs = kw.pop("batch_size", None)
    sched_names = {p.name for p in get_schedule(r.schedule).params}
    sp = {k: v for k, v in kw.items() if k in sched_names}
    hp = {k: v for k, v in kw.items() if k not in sched_names}
    return Racer(r.optimizer, lr=lr, hparams={**r.hparams, **hp}, schedule=r.schedule, sched_params={**r.sched_params, **sp},
                 batch_size=None if bs is None else int(bs))


@pytest.mark.parametrize(("surface", "racer", "axes"), CASES, ids=[f"{c[1].optimizer}-{c[1].schedule}-{'x'.join(c[2])}" for c in CASES])
def test_every_row_equals_its_own_race(surface, racer, axes):
    problem = get_surface(surface).build()
    res = sweep(problem, racer, axes, problem.start, 60, seed=3)
    for i in range(0, N, 3):
        one = race(problem, [_racer_of_row(racer, axes, i)], [problem.start], 60, seed=3, detail=False)
        assert one.diverged_at[0] == res.diverged_at[i]
        np.testing.assert_allclose(res.loss[:, i], one.loss[:, 0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedules_broadcast_over_rows(name):
    spec = SCHEDULES[name]
    lrs = np.array([0.01, 0.1, 1.0])
    rows = spec.etas(lrs, 50, {})
    assert rows.shape == (50, 3)
    for j, lr in enumerate(lrs):
        np.testing.assert_array_equal(rows[:, j], spec.etas(lr, 50, {}))


def test_arrays_are_checked_against_their_param():
    with pytest.raises(ValueError, match=r"momentum: 1\.5 is outside the allowed range \[0, 0\.999\]"):
        batched_coeffs(Racer("momentum"), 10, {"momentum": np.array([0.1, 1.5, 0.2])})
    with pytest.raises(ValueError, match="lr: 0 is outside"):
        batched_coeffs(Racer("sgd"), 10, {"lr": np.array([0.1, 0.0])})
    with pytest.raises(ValueError, match="whole number"):
        batched_coeffs(Racer("adam", schedule="warmup-cosine"), 10, {"warmup": np.array([1.0, 2.5])})
    with pytest.raises(ValueError, match="not a parameter"):
        batched_coeffs(Racer("sgd"), 10, {"beta2": np.array([0.9])})
    with pytest.raises(ValueError, match="finite"):
        batched_coeffs(Racer("sgd"), 10, {"lr": np.array([np.nan])})


def test_the_memory_bound_is_the_race_bound():
    problem = get_surface("quadratic").build()
    rows = MAX_POINT_STEPS // 101 + 1
    with pytest.raises(ValueError, match="too much work"):
        sweep(problem, Racer("sgd"), {"lr": np.full(rows, 0.1)}, (1.0, 1.0), 100)
    with pytest.raises(ValueError, match="no samples"):
        sweep(problem, Racer("sgd"), {"lr": [0.1, 0.2], "batch_size": [1, 2]}, (1.0, 1.0), 10)
