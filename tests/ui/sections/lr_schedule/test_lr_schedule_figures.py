"""§3.4 figure builders: η_t curves and RAdam's rectifier."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from optim_lab.rules import radam_rectifier
from optim_lab.schedules import SCHEDULES
from ui.sections.lr_schedule.figures import EtaCurve, eta_figure, rectifier_figure


def test_eta_figure_marks_the_selected_step():
    eta = SCHEDULES["warmup-cosine"].etas(0.5, 100, {"warmup": 10, "t_max": 100})
    fig = eta_figure([EtaCurve("warm", "#111111", eta), EtaCurve("const", "#222222", np.full(100, 0.5), "dash")],
                     marker_step=7, title="η")
    assert isinstance(fig, go.Figure)
    lines = [d for d in fig.data if d.mode == "lines"]
    dots = [d for d in fig.data if d.mode == "markers"]
    assert [d.name for d in lines] == ["warm", "const"]
    np.testing.assert_array_equal(lines[0].x, np.arange(1, 101))
    assert lines[0].y.dtype == np.float32
    assert [float(d.y[0]) for d in dots] == pytest.approx([eta[6], 0.5])
    assert fig.layout.shapes and fig.layout.shapes[0].x0 == 7
    assert lines[1].line.dash == "dash"


def test_eta_figure_without_marker_has_no_dots():
    fig = eta_figure([EtaCurve("c", "#000000", np.ones(5))])
    assert all(d.mode == "lines" for d in fig.data)
    assert not fig.layout.shapes


def test_a_long_name_breaks_in_the_narrow_race_chart_and_the_legend_sits_at_the_foot():
    name = "Adam + linear warm-up + cosine"
    curves = [EtaCurve(name, "#111111", np.ones(50)), EtaCurve("Adam, constant η", "#222222", np.ones(50))]
    wide, narrow = (eta_figure(curves, font_size=18, width_px=w) for w in (None, 320))
    assert wide.data[0].name == name and "<br>" in narrow.data[0].name
    assert name in narrow.data[0].hovertemplate  # the hover keeps the name whole
    assert narrow.layout.legend.yref == "container" and narrow.layout.legend.y == 0
    assert narrow.layout.margin.b > wide.layout.margin.b  # room for the second line


def test_rectifier_figure_shades_the_plain_momentum_steps():
    r = radam_rectifier(np.arange(1, 31, dtype=np.float64), 0.999)
    fig = rectifier_figure(r, sgd_label="sgd", marker_step=6)
    y = list(fig.data[0].y)
    assert y[:5] == [None] * 5 and y[5] == pytest.approx(r[5])
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert rects and rects[0].x1 == pytest.approx(5.5)
