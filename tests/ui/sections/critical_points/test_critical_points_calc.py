"""§3.1 calculations: the Taylor model, the eigen-arrows and the escape splice."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.analysis import escape_step, inspect
from optim_lab.engine import race
from surfaces import get_surface
from ui.common.racers import RacerConfig
from ui.common.result import Race, RaceResult
from ui.sections.critical_points import calc


def test_the_taylor_model_of_a_quadratic_is_the_quadratic():
    p = get_surface("quadratic").build()
    info = inspect(p, (0.2, -0.1))
    g = calc.taylor_grid(p.box, info.at, info, n=9)
    exact = float(p.loss(torch.tensor([[g.xs[3], g.ys[6]]], dtype=torch.float64))[0])
    assert g.z[6, 3] == pytest.approx(exact, rel=1e-9, abs=1e-12)
    x0, x1, _, _ = p.box
    assert x0 <= g.xs.min() and g.xs.max() <= x1 and g.xs.max() - g.xs.min() <= (x1 - x0) / 2 + 1e-12


def test_eigen_arrows_follow_the_eigenvectors():
    p = get_surface("textbook-saddle").build()
    info = inspect(p, (0.0, 0.0))
    arrows = calc.eigen_arrows(info, p.box)
    for a, u in zip(arrows, info.eigvecs, strict=True):
        d = np.subtract(a["to"], a["from"])
        assert abs(d[0] * u[1] - d[1] * u[0]) < 1e-12 and np.hypot(*d) > 0  # parallel, and not zero


def test_escape_joins_the_two_runs_across_the_jump():
    p = get_surface("textbook-saddle").build()
    cfg = RacerConfig("sgd", 0.05)
    first = RaceResult.from_engine(race(p, [cfg.racer()], [(-0.5, 0.5)], 150))
    end = tuple(first.theta[-1, 0])
    after = escape_step(p, end)
    second = RaceResult.from_engine(race(p, [cfg.racer()], [after], 150))
    before = Race("textbook-saddle", {}, [cfg], ["GD"], ["#000"], (-0.5, 0.5), 150, 0, first, p)
    joined = calc.with_escape(before, Race("textbook-saddle", {}, [cfg], ["GD"], ["#000"], after, 150, 0, second, p))
    assert joined.steps == 301 and len(joined.result.theta) == 302
    np.testing.assert_allclose(joined.result.theta[151, 0], after)
    assert joined.result.loss[-1, 0] < 0.5 * joined.result.loss[150, 0]  # the escape leaves the saddle's L = 1
    assert calc.jump_arrow(end, tuple(after))["text"] == "θ′ + u"
