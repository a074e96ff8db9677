"""The inside-network figures are pure: numpy in, a Plotly figure out, with what the page says is drawn."""

from __future__ import annotations

import numpy as np

from ui.sections.inside_network import figures

LAB = {"sharp_title": "s", "loss_title": "l", "update": "update", "sharp_axis": "sharpness", "loss_axis": "loss"}


def test_sharpness_figure_draws_each_run_with_its_dashed_threshold_in_the_same_colour():
    runs = [{"name": f"η = {lr}", "update": np.arange(0, 101, 10), "sharp": np.linspace(1, 2 / lr, 11), "threshold": 2 / lr,
             "threshold_name": "2/η", "loss": np.linspace(1, 0.1, 100)} for lr in (0.2, 0.1)]
    fig = figures.sharpness_figure(runs, LAB)
    dashed = [tr for tr in fig.data if tr.line.dash == figures.THRESHOLD_DASH]
    assert [tr.y[0] for tr in dashed] == [10.0, 20.0]
    lines = [tr for tr in fig.data if tr.mode == "lines+markers"]
    assert [tr.line.color for tr in lines] == [tr.line.color for tr in dashed]
    assert len({tr.line.dash for tr in lines} | {figures.THRESHOLD_DASH}) == 3  # each run its own dash, the limits theirs
    assert fig.layout.yaxis2.type == "log"


def test_line_figure_has_one_curve_per_solution():
    runs = [{"name": n, "alpha": np.linspace(-1, 1, 5), "curve": np.array([2, 1, 0, 1, 2.0]) * k} for n, k in (("a", 1), ("b", 2))]
    fig = figures.line_figure(runs, {"alpha": "α", "loss_axis": "L", "title": "t"})
    assert [tr.name for tr in fig.data] == ["a", "b"] and fig.data[1].y[0] == 4


def test_ratio_figure_splits_converged_dots_and_draws_the_line_of_a_minimum():
    dots = [{"loss": 0.01 * i, "minimum_ratio": 0.5, "converged": i % 2 == 0, "grad_norm": 1e-3, "positive": 1, "negative": 1,
             "zero": 0, "seed": i} for i in range(4)]
    lab = {"loss": "L", "ratio": "r", "converged": "yes", "not_converged": "no", "minimum_line": "min"}
    fig = figures.ratio_figure(dots, lab)
    assert [tr.name for tr in fig.data] == ["yes", "no", "min"]
    assert fig.data[1].marker.symbol == "circle-open" and list(fig.data[2].y) == [1, 1]
