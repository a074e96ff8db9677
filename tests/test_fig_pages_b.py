"""Pure figure builders and helpers of the §3.4, §3.6 and §3.7 pages (no Streamlit), and
their text catalogs."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from optim_lab.rules import radam_rectifier
from optim_lab.schedules import SCHEDULES
from surfaces import get_surface
from ui import calc_norm
from ui.fig_classify import gap_figure, grad_map_figure, grad_norm_on_grid, parse_logits, softmax, top_two_gap
from ui.fig_norm import batch_stats_figure, stages_figure
from ui.fig_schedule import EtaCurve, eta_figure, rectifier_figure
from ui.common.figures import Path
from ui.sections.classification import text as classification
from ui.sections.lr_schedule import text as lr_schedule
from ui.sections.normalization import text as normalization

# -- §3.4 --------------------------------------------------------------------------------------------


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


def test_rectifier_figure_shades_the_plain_momentum_steps():
    r = radam_rectifier(np.arange(1, 31, dtype=np.float64), 0.999)
    fig = rectifier_figure(r, sgd_label="sgd", marker_step=6)
    y = list(fig.data[0].y)
    assert y[:5] == [None] * 5 and y[5] == pytest.approx(r[5])
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert rects and rects[0].x1 == pytest.approx(5.5)


# -- §3.6 --------------------------------------------------------------------------------------------


def test_softmax_and_gap():
    np.testing.assert_allclose(softmax([3, 1, -3]), [0.878878, 0.118943, 0.002179], atol=5e-7)
    assert softmax([1000, -1000]).tolist() == [1.0, 0.0]
    delta, ratio = top_two_gap([1, 3, -3])
    assert delta == 2 and ratio == pytest.approx(math.exp(2))


@pytest.mark.parametrize("text,expected", [("3, 1, -3", [3, 1, -3]), ("3 1 -3", [3, 1, -3]), ("3，1；-3", [3, 1, -3]),
                                           ("1e2, -0.5", [100, -0.5])])
def test_parse_logits_accepts(text, expected):
    assert parse_logits(text) == expected


@pytest.mark.parametrize("text,key", [("1", "cl_bad_count"), ("", "cl_bad_count"), ("1,2,3,4,5,6,7,8,9", "cl_bad_count"),
                                      ("1, x", "cl_bad_number"), ("1, nan", "cl_bad_range"), ("1, 1001", "cl_bad_range"),
                                      ("inf, 1", "cl_bad_range")])
def test_parse_logits_refuses_with_a_catalog_key(text, key):
    with pytest.raises(ValueError) as err:
        parse_logits(text)
    assert str(err.value) == key
    assert key in classification.EN and key in classification.ZH


def test_gap_figure_marks_the_point():
    fig = gap_figure(2.0, math.exp(2), x_label="Δ", y_label="r", curve_label="e^Δ", point_label="you")
    point = fig.data[-1]
    assert point.x[0] == 2.0 and point.y[0] == pytest.approx(math.exp(2))
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.range[1] >= 6


def test_grad_norm_grid_matches_the_surface():
    p = get_surface("softmax-ce").build()
    xs, ys, g = grad_norm_on_grid(p, (-10, 10, -10, 10), n=21)
    assert g.shape == (21, 21)
    i, j = 3, 17  # row = y index, column = x index
    direct = p.grad(torch.tensor([[xs[j], ys[i]]], dtype=torch.float64))[0].numpy()
    assert g[i, j] == pytest.approx(float(np.hypot(*direct)))


def test_grad_map_figure_shares_a_clipped_log_scale():
    p = get_surface("softmax-mse").build()
    xs, ys, g = grad_norm_on_grid(p, (-10, 10, -10, 10), n=30)
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


# -- §3.7 --------------------------------------------------------------------------------------------


def test_stages_figure_one_line_per_example_and_feature():
    run = calc_norm.simulate(calc_norm.make_batches(4, 5, 0), [1, 1, 1], [0, 0, 0])
    fig = stages_figure([("z", run.last), ("z̃", run.z_tilde), ("train", run.out_train), ("eval", run.out_eval)],
                        ["a", "b", "c"])
    assert len(fig.data) == 3  # one trace per feature, examples separated by gaps
    assert list(fig.data[0].x) == ["z", "z̃", "train", "eval", None] * 5
    y = np.asarray(fig.data[1].y, dtype=np.float64).reshape(5, 5)  # feature 2: (example, stage + gap)
    np.testing.assert_allclose(y[:, 1], run.z_tilde[:, 1], rtol=1e-6)
    np.testing.assert_allclose(y[:, 3], run.out_eval[:, 1], rtol=1e-6)
    assert np.isnan(y[:, 4]).all()


def test_batch_stats_figure_traces():
    run = calc_norm.simulate(calc_norm.make_batches(10, 4, 1), [1, 1, 1], [0, 0, 0])
    fig = batch_stats_figure(run.mu, np.sqrt(run.var), run.running_mean, np.sqrt(run.running_var), calc_norm.TRUE_MEAN,
                             calc_norm.TRUE_STD, ["a", "b", "c"], titles=("μ", "σ"), step_label="batch", batch_label="b",
                             running_label="r", true_label="t")
    assert len(fig.data) == 2 * 3 * 3  # 2 panels × 3 features × (batch, running, truth)
    assert len(fig.data[0].x) == 10 and len(fig.data[1].x) == 11  # running includes the initial value


def test_calc_norm_validates():
    with pytest.raises(ValueError):
        calc_norm.make_batches(3, 1, 0)
    with pytest.raises(ValueError):
        calc_norm.simulate(np.zeros((2, 1, 3)), [1, 1, 1], [0, 0, 0])
    with pytest.raises(ValueError):
        calc_norm.simulate(np.zeros((2, 4, 3)), [1, 1, 1], [0, 0, 0], momentum=1.5)
    a = calc_norm.make_batches(3, 4, 7)
    np.testing.assert_array_equal(a, calc_norm.make_batches(3, 4, 7))  # reproducible


def test_zscore_population_sigma():
    xt, m, s = calc_norm.zscore([[1, 200], [2, 400], [3, 100], [4, 300]])
    np.testing.assert_allclose(xt.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(xt.std(axis=0), 1, atol=1e-12)


# -- text catalogs ---------------------------------------------------------------------------------------
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("mod", [lr_schedule, classification, normalization], ids=lambda m: m.__name__)
def test_catalog_halves_agree(mod):
    assert set(mod.EN) == set(mod.ZH)
    for key in mod.EN:
        assert sorted(PLACEHOLDER.findall(mod.EN[key])) == sorted(PLACEHOLDER.findall(mod.ZH[key])), key
