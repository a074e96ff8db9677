"""A critical point stays visible when a run ends on it: its ring is drawn above the runs."""

from __future__ import annotations

import numpy as np

from ui.common.figures import Grid, Labels, Path, contour_figure


def test_a_minimum_under_a_runs_end_is_still_drawn_on_top():
    xs = ys = np.linspace(-1, 1, 5)
    grid = Grid(xs, ys, np.add.outer(ys**2, xs**2))
    run = Path("GD", "#0072B2", np.array([[0.8, 0.8], [0.0, 0.0]]), None)
    fig = contour_figure(grid, [run], (-1, 1, -1, 1), Labels(), crit=[{"at": [0.0, 0.0], "kind": "minimum"}], start=(0.8, 0.8))
    data = fig.to_dict()["data"]
    head = max(i for i, tr in enumerate(data) if tr.get("marker", {}).get("color") == "#0072B2")
    ring = max(i for i, tr in enumerate(data) if "circle-open" == tr.get("marker", {}).get("symbol")
               and tr.get("marker", {}).get("color") == "#009E73")
    assert ring > head  # drawn after (above) the run's end marker
    assert data[ring]["showlegend"] is False
