"""Sweep maps: on a quadratic the map's stability boundary is the analytic line within one
cell (GD: η < 2/λ_max; heavy-ball momentum: η < 2(1 + μ)/λ_max); axes and bounds."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer
from optim_lab.maps.refusal import Refusal
from optim_lab.maps.sweep import Axis, check_request, largest_grid, parse_axis, sweep_map
from surfaces import get_surface


def _transition_cols(m) -> np.ndarray:
    """Per row: the first column whose run did not bring the loss down (or len(xs))."""
    bad = ~((m.ratio < 1) & (m.diverged_at < 0))
    return np.where(bad.any(1), np.argmax(bad, axis=1), len(m.xs))


@pytest.mark.parametrize(("optimizer", "mu_name"), [("momentum", "momentum"), ("momentum-book", "lambda")])
def test_momentum_boundary_within_one_cell(optimizer, mu_name):
    problem = get_surface("quadratic").build(cond=10.0, angle=30.0)
    m = sweep_map(problem, Racer(optimizer), Axis("lr", 0.02, 1.0, 96, log=True), Axis(mu_name, 0.0, 0.9, 48),
                  (-2.5, 1.5), 200)
    crit = 2 * (1 + m.ys) / 10.0
    expected = np.searchsorted(m.xs, crit)  # first column with η ≥ η_crit
    assert np.abs(_transition_cols(m) - expected).max() <= 1
    line = np.array(m.boundary)
    np.testing.assert_allclose(line[:, 0], 2 * (1 + line[:, 1]) / 10.0)


def test_gd_boundary_is_two_over_lambda_max_plus_weight_decay():
    problem = get_surface("quadratic").build(cond=25.0)
    m = sweep_map(problem, Racer("sgd"), Axis("lr", 0.01, 0.2, 128, log=True), Axis("weight_decay", 0.0, 0.5, 6),
                  (-2.5, 1.5), 200)
    expected = np.searchsorted(m.xs, 2 / (25.0 + m.ys))
    assert np.abs(_transition_cols(m) - expected).max() <= 1
    assert m.boundary[0] == pytest.approx((2 / 25.0, 0.0))
    m = sweep_map(problem, Racer("momentum"), Axis("lr", 0.01, 0.2, 8, log=True), Axis("dampening", 0.0, 1.0, 4),
                  (-2.5, 1.5), 20)
    assert m.boundary is None  # dampening changes the recursion: no line is claimed


def test_no_line_off_quadratics_and_axes_checked():
    problem = get_surface("rosenbrock").build()
    m = sweep_map(problem, Racer("momentum"), Axis("lr", 1e-4, 1e-2, 8, log=True), Axis("momentum", 0.0, 0.9, 8), (-1.5, 2.5), 50)
    assert m.boundary is None
    assert m.final_loss.shape == (8, 8) and m.steps_to_99.shape == (8, 8)
    with pytest.raises(ValueError, match="not a hyper-parameter"):
        sweep_map(problem, Racer("sgd"), Axis("lr", 1e-4, 1e-2, 8, log=True), Axis("beta2", 0.5, 0.9, 8), (0, 0), 10)
    with pytest.raises(ValueError, match="both vary"):
        sweep_map(problem, Racer("sgd"), Axis("lr", 1e-4, 1e-2, 8), Axis("lr", 1e-4, 1e-2, 8), (0, 0), 10)
    with pytest.raises(ValueError, match=f"the largest grid is {largest_grid(1000)} × {largest_grid(1000)}"):
        sweep_map(problem, Racer("sgd"), Axis("lr", 1e-4, 1e-2, 256, log=True), Axis("weight_decay", 0.0, 0.1, 256), (0, 0), 1000)


def test_batch_size_axis_on_data():
    problem = get_surface("linreg").build()
    m = sweep_map(problem, Racer("sgd"), Axis("lr", 1e-3, 0.5, 8, log=True), Axis("batch_size", 1, problem.n_samples, 5),
                  problem.start, 40)
    assert m.ys.tolist() == np.round(np.linspace(1, problem.n_samples, 5)).tolist()
    assert np.isfinite(m.final_loss).all()


def test_parse_axis():
    assert parse_axis("lr=1e-3:1:64:log") == Axis("lr", 1e-3, 1.0, 64, True)
    assert parse_axis("momentum=0:0.99:32") == Axis("momentum", 0.0, 0.99, 32, False)
    for bad in ("lr", "lr=1:2", "lr=a:b:3", "lr=1:2:3:sqrt"):
        with pytest.raises(ValueError, match="NAME=LO:HI:N"):
            parse_axis(bad)
    with pytest.raises(ValueError, match="LO > 0"):
        Axis("lr", 0.0, 1.0, 4, True).values()


def test_refusals_carry_their_reason_before_anything_is_stepped():
    """The page says why in its own language from `reason` and `values`; the command line prints the message."""
    sgd = Racer("sgd")
    cases = [
        (Axis("lr", 1e-4, 1e-2, 8), Axis("lr", 1e-4, 1e-2, 8), 10, "same_axis", {"name": "lr"}),
        (Axis("lr", 1e-4, 1e-2, 8), Axis("beta2", 0.5, 0.9, 8), 10, "axis_unknown", {"name": "beta2"}),
        (Axis("lr", 1e-2, 1e-4, 8), Axis("weight_decay", 0.0, 0.1, 8), 10, "axis_order", {"name": "lr"}),
        (Axis("lr", 0.0, 1e-2, 8, log=True), Axis("weight_decay", 0.0, 0.1, 8), 10, "axis_log", {"name": "lr"}),
        (Axis("lr", 1e-4, 1e-2, 256), Axis("weight_decay", 0.0, 0.1, 256), 1000, "work",
         {"steps": 1000, "largest": largest_grid(1000)}),
    ]
    for x, y, steps, reason, values in cases:
        with pytest.raises(Refusal) as info:
            check_request(sgd, x, y, steps)
        assert info.value.reason == reason and info.value.values == values, (reason, info.value.values)
