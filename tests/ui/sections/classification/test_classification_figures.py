"""§3.6 figure builders: the gap curve and the gradient-norm maps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from surfaces import get_surface
from ui.common.figures import Path
from ui.common.grid import grad_norm_grid
from ui.sections.classification.figures import gap_figure, grad_map_figure


def test_gap_figure_marks_the_point():
    fig = gap_figure(2.0, math.exp(2), x_label="Δ", y_label="r", curve_label="e^Δ", point_label="you")
    point = fig.data[-1]
    assert point.x[0] == 2.0 and point.y[0] == pytest.approx(math.exp(2))
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.range[1] >= 6


def test_grad_map_figure_shares_a_clipped_log_scale():
    p = get_surface("softmax-mse").build()
    xs, ys, g = grad_norm_grid(p, (-10, 10, -10, 10), 30)
    path = Path("gd", "#0072B2", np.array([[-6.5, 5.7], [-6.4, 5.6]]))
    fig = grad_map_figure(xs, ys, g, [path], (-10, 10, -10, 10), x_label="y1", y_label="y2", title="t", colorbar="g",
                          start=(-6.5, 5.7), zrange=(-8, 0.2))
    heat = fig.data[0]
    assert heat.zmin == -8 and heat.zmax == 1
    assert float(np.min(heat.z)) >= -8 and float(np.max(heat.z)) <= 1
    assert heat.z.dtype == np.float32
    assert [d.name for d in fig.data[1:] if d.mode == "lines"] == ["gd"]
    # without a range the scale spans the data in whole decades
    free = grad_map_figure(xs, ys, g, [], (-10, 10, -10, 10), x_label="", y_label="", title="", colorbar="")
    assert free.data[0].zmin <= np.log10(g.min()) and free.data[0].zmax >= np.log10(g.max())
