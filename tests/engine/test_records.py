"""What the engine records is what it applied: θ_k − θ_{k−1} = (decay_k − 1)·θ_{k−1} − eff_step_k ⊙ direction_k
on every row of every optimizer (the playground's live equation is drawn from these records)."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import MAX_RACERS, Racer, race
from optim_lab.optimizers import CUSTOM, OPTIMIZERS
from optim_lab.rules import MOMENTUM, SCALING
from surfaces import get_surface

# schedule-free steps y but shows the average x (tests/engine/test_beyond_torch.py checks x against
# the `schedulefree` package): the relation below holds for y, which a race does not show
SHOWS_AVERAGE = {n for n, o in OPTIMIZERS.items() if o.momentum.startswith("schedule-free")}
CUSTOMS = [Racer(CUSTOM, lr=0.01, momentum_rule=m, scaling_rule=s) for m in MOMENTUM for s in SCALING
           if not m.startswith("schedule-free")]


def _check(res, racers):
    for i, _ in enumerate(racers):
        k = res.row(i)
        th = res.theta[:, k]
        dtheta = th[1:] - th[:-1]
        want = (res.decay[:, k, None] - 1.0) * th[:-1] - res.eff_step[:, k] * res.direction[:, k]
        d = res.diverged_at[k]
        last = len(dtheta) if d < 0 else d - 1  # records stop where the row diverged
        assert last > 3
        np.testing.assert_allclose(dtheta[:last], want[:last], rtol=1e-9, atol=1e-12 * (1 + np.abs(th).max()), err_msg=str(racers[i]))


@pytest.mark.parametrize("surface", ["rosenbrock", "linreg"])
def test_every_registered_optimizer_records_the_step_it_took(surface):
    problem = get_surface(surface).build()
    racers = [Racer(n, lr=OPTIMIZERS[n].lr if n == "adadelta" else 1e-3, hparams={"weight_decay": 0.05} if n == "adamw" else {}, schedule="step",
                    sched_params={"step_size": 7, "gamma": 0.5}) for n in OPTIMIZERS if n not in SHOWS_AVERAGE]
    for i in range(0, len(racers), MAX_RACERS):  # the registry holds more than one race's worth
        chunk = racers[i : i + MAX_RACERS]
        _check(race(problem, chunk, [problem.start], 40), chunk)


def test_every_momentum_rule_times_every_scaling_rule_records_the_step_it_took():
    """Including the book's momentum (η inside m) under Adam's σ: the step is θ − m/σ, not θ + (−m)."""
    problem = get_surface("himmelblau").build()
    for i in range(0, len(CUSTOMS), MAX_RACERS):
        chunk = CUSTOMS[i : i + MAX_RACERS]
        _check(race(problem, chunk, [(0.5, -1.0)], 30), chunk)
    book_adam = next(i for i, r in enumerate(CUSTOMS) if r.momentum_rule == "book" and r.scaling_rule == "adam")
    res = race(problem, [CUSTOMS[book_adam]], [(0.5, -1.0)], 5)
    sigma = res.sigma[:, 0]
    assert not np.allclose(sigma, 1.0)
    np.testing.assert_allclose(res.eff_step[:, 0], 1.0 / sigma)  # η sits inside m: the factor applied is 1/σ
