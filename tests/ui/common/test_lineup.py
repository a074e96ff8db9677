"""Every rule of the menu starts from a learning rate that does not blow up: picked from the racer
editor on any surface, its default η runs 300 steps from the surface's start without diverging."""

from __future__ import annotations

import pytest

from optim_lab.engine import MAX_RACERS, Racer, race
from optim_lab.optimizers import OPTIMIZERS
from surfaces import get_surface
from ui.common.lineup import LR_HINT, default_lr

UNBOUNDED = {"monkey-saddle"}  # no minimum: every rule leaves it, as the page says
SURFACES = sorted(s for s in LR_HINT if s != "digits" and s not in UNBOUNDED)


@pytest.mark.parametrize("surface", SURFACES)
def test_every_rule_at_its_default_eta_survives_the_default_start(surface):
    problem = get_surface(surface).build()
    names = list(OPTIMIZERS)
    diverged = []
    for i in range(0, len(names), MAX_RACERS):
        chunk = names[i:i + MAX_RACERS]
        res = race(problem, [Racer(n, lr=default_lr(n, surface)) for n in chunk], [problem.start], 300)
        diverged += [(n, int(k)) for n, k in zip(chunk, res.diverged_at.tolist(), strict=True) if k >= 0]
    assert not diverged, f"{surface}: (rule, diverged at step) {diverged}"


def test_sgd_like_rules_take_the_gd_eta_and_radam_the_smaller_one():
    gd, ada = LR_HINT["rosenbrock"]
    assert [default_lr(n, "rosenbrock") for n in ("sam", "asgd", "sgd-schedule-free")] == [gd] * 3
    assert default_lr("radam", "rosenbrock") == min(gd, ada) and default_lr("adam", "rosenbrock") == ada
