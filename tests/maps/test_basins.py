"""Basin maps: the chunked batched runs assign every start the minimum an independent
per-start `race` of the same settings ends in; the share of global minima; the size bound."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer, race
from optim_lab.maps.basins import DIVERGED, MAP_POINT_STEPS, NOT_CONVERGED, basin_map, classify, find_minima, largest_grid
from surfaces import get_surface


def test_assignments_match_independent_runs():
    problem = get_surface("six-hump-camel").build()
    racers = [Racer("sgd", lr=0.02), Racer("momentum", lr=0.02, hparams={"momentum": 0.9})]
    m = basin_map(problem, racers, 24, 150)
    mxy = np.array([[mn.x, mn.y] for mn in m.minima])
    rng = np.random.default_rng(1)
    for r_i, racer in enumerate(racers):
        for i, j in rng.integers(0, 24, size=(12, 2)):
            one = race(problem, [racer], [(m.xs[j], m.ys[i])], 150, detail=False)
            b, k = classify(one.theta, one.diverged_at, mxy, m.radius)
            assert (b[0], k[0]) == (m.basin[r_i, i, j], m.steps_needed[r_i, i, j]), (racer.optimizer, i, j)
            if b[0] >= 0:
                assert np.hypot(*(one.theta[-1, 0] - mxy[b[0]])) < m.radius


def test_chunking_does_not_change_the_map(monkeypatch):
    """A map whose starts need several race calls equals the one-call map."""
    import optim_lab.maps.basins as basins

    problem = get_surface("himmelblau").build()
    racer = [Racer("sgd", lr=0.01)]
    whole = basin_map(problem, racer, 20, 60)
    monkeypatch.setattr(basins, "MAX_STARTS", 37)
    parts = basin_map(problem, racer, 20, 60)
    np.testing.assert_array_equal(whole.basin, parts.basin)
    np.testing.assert_array_equal(whole.steps_needed, parts.steps_needed)


def test_minima_global_and_found():
    mins = find_minima(get_surface("six-hump-camel").build())
    assert len(mins) == 6  # two global minima (known) and four local ones (found by the critical-point finder)
    assert [m.is_global for m in mins] == [True, True, False, False, False, False]
    assert {m.source for m in mins} == {"known", "found"}
    assert len(find_minima(get_surface("himmelblau").build())) == 4


def test_codes_for_divergence_and_budget():
    problem = get_surface("quadratic").build(cond=10.0)
    m = basin_map(problem, [Racer("sgd", lr=0.25), Racer("sgd", lr=1e-4)], 8, 30)
    assert (m.basin[0] == DIVERGED).all() and (m.steps_needed[0] > 0).all()
    assert (m.basin[1][m.basin[1] != 0] == NOT_CONVERGED).all() and (m.basin[1] == NOT_CONVERGED).any()
    assert m.global_share[0] == 0.0


def test_too_large_says_the_largest_grid():
    problem = get_surface("himmelblau").build()
    with pytest.raises(ValueError, match=r"the largest grid is 140 × 140"):
        basin_map(problem, [Racer("sgd")], 256, 1000)
    assert largest_grid(300) == 256 and 256 * 256 * 301 <= MAP_POINT_STEPS
    with pytest.raises(ValueError, match="allowed range"):
        basin_map(problem, [Racer("sgd")], 300, 10)
