"""Pure figure builders and computations of the §3.2 / §3.3 pages, without Streamlit."""

from __future__ import annotations

import json
import math

import numpy as np
import plotly.io as pio
import pytest
import torch

from surfaces import get_surface
from ui import calc_batch
from ui.calc_adaptive import BoxView, curvature
from ui.fig_adaptive import LossGrad, LossGradText, fit_box, loss_grad_figure
from ui.fig_batch import (
    MAX_BATCH_FRAMES,
    BatchFrame,
    BatchText,
    Curve,
    CurvesText,
    WeightSeries,
    batch_figure,
    curves_xy_figure,
    weights_figure,
)

BOX = (-2.0, 6.0, -3.0, 5.0)


def _frames(n_frames: int, n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[BatchFrame]]:
    rng = np.random.default_rng(seed)
    xs, ys = np.linspace(BOX[0], BOX[1], n), np.linspace(BOX[2], BOX[3], n)
    gx, gy = np.meshgrid(xs, ys)
    frames = []
    for k in range(n_frames):
        c = rng.uniform(-1, 3, 2)
        z = (gx - c[0]) ** 2 + 3 * (gy - c[1]) ** 2 + rng.uniform(0, 1)
        frames.append(BatchFrame(k + 1, z.astype(np.float32), rng.uniform(0, 2, 2), rng.normal(size=2), rng.normal(size=2),
                                 c if k % 3 else None))
    return xs, ys, frames


# -- batch figure -----------------------------------------------------------------------------
def test_batch_figure_traces_frames_and_fixed_axes():
    xs, ys, frames = _frames(12)
    fig = batch_figure(xs, ys, frames, BOX, BatchText(), full_z=frames[0].z, active=4, log=True)
    types = [t.type for t in fig.data]
    assert types == ["contour", "contour", "scatter", "scatter", "scatter", "scatter"]
    assert len(fig.frames) == 12
    assert [f.name for f in fig.frames] == [str(k) for k in range(1, 13)]
    for f in fig.frames:
        assert [t.type for t in f.data] == ["contour", "scatter", "scatter", "scatter", "scatter"]
        assert list(f.traces) == [0, 2, 3, 4, 5]
    assert list(fig.layout.xaxis.range) == [BOX[0], BOX[1]] and fig.layout.xaxis.autorange is False
    assert list(fig.layout.yaxis.range) == [BOX[2], BOX[3]] and fig.layout.yaxis.autorange is False
    # one colour scale and one set of levels for every frame
    c = fig.data[0]
    assert c.zauto is False and c.autocontour is False
    assert c.contours.start == c.zmin and c.contours.end == c.zmax
    assert fig.layout.sliders[0].active == 4
    # the first drawn state is the active frame's
    np.testing.assert_allclose(np.asarray(fig.data[0].z), np.asarray(fig.frames[4].data[0].z))
    # frames with no batch minimum draw none
    assert fig.frames[0].data[4].x == (None,)
    assert fig.frames[1].data[4].x[0] == pytest.approx(frames[1].bmin[0])


def test_batch_figure_arrows_share_one_scale():
    xs, ys, frames = _frames(1)
    f = frames[0]
    f.g_batch, f.g_full = np.array([2.0, 0.0]), np.array([0.0, 1.0])
    fig = batch_figure(xs, ys, [f], BOX, BatchText())
    hb = np.array([fig.data[1].x[1] - fig.data[1].x[0], fig.data[1].y[1] - fig.data[1].y[0]])
    hf = np.array([fig.data[2].x[1] - fig.data[2].x[0], fig.data[2].y[1] - fig.data[2].y[0]])
    assert np.hypot(*hb) == pytest.approx(2 * np.hypot(*hf))  # lengths keep the ratio of the gradients
    assert np.hypot(*hb) == pytest.approx(0.15 * min(BOX[1] - BOX[0], BOX[3] - BOX[2]))
    assert hb[0] < 0 and hf[1] < 0  # they point downhill (−g)
    assert not fig.frames and not fig.layout.sliders  # a single batch is not animated


def test_batch_figure_payload_stays_under_one_megabyte():
    xs, ys, frames = _frames(MAX_BATCH_FRAMES + 5)
    fig = batch_figure(xs, ys, frames, BOX, BatchText(), full_z=frames[0].z, log=True)
    assert len(fig.frames) == MAX_BATCH_FRAMES
    size = len(pio.to_json(fig, validate=False))
    assert size < 1_000_000, size
    spec = json.loads(pio.to_json(fig, validate=False))
    assert spec["frames"][0]["data"][0]["z"]["dtype"] == "f4"  # float32 on the wire


def test_batch_figure_rejects_no_frames():
    with pytest.raises(ValueError):
        batch_figure(np.arange(3.0), np.arange(3.0), [], BOX, BatchText())


# -- curves, bars, loss + ‖g‖ ---------------------------------------------------------------
def test_curves_xy_figure_range_comes_from_the_chosen_curves():
    solid = Curve("full", "#000", np.arange(5), np.array([10.0, 5, 2, 1, 1]))
    noisy = Curve("batch", "#000", np.arange(5), np.array([1e-6, 30, 0, 2, 1]), dash="dot", showlegend=False)
    fig = curves_xy_figure([solid, noisy], CurvesText(x="epochs", y="loss"), log_y=True, markers=[(2.5, "#f00"), (1, "#0f0")],
                           y_from=[solid])
    assert [t.type for t in fig.data] == ["scatter", "scatter"]
    lo, hi = fig.layout.yaxis.range
    assert lo < 0 < math.log10(10) < hi and lo > -1  # log10 of [1, 10] with a margin; the 1e-6 dip is left out
    assert fig.layout.yaxis.type == "log"
    assert len(fig.layout.shapes) == 2
    assert 0 not in np.asarray(fig.data[1].y)  # zeros dropped on a log axis


def test_weights_figure_bars_and_fixed_range():
    js = np.arange(5)
    fig = weights_figure(js, [WeightSeries("book", "#f00", 0.9 ** (4 - js) * 0.1), WeightSeries("torch", "#00f", 0.05 * 0.9 ** (4 - js))],
                         x_title="j", y_title="w")
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert fig.layout.barmode == "group"
    assert list(fig.layout.yaxis.range) == pytest.approx([0, 0.108])


def test_loss_grad_figure_two_log_axes():
    loss = np.geomspace(100, 1, 11)
    grad = np.full(11, 5.0)
    fig = loss_grad_figure([LossGrad("a", "#000", loss, grad), LossGrad("b", "#111", loss, grad, diverged_at=4)], LossGradText(),
                           marker_step=3)
    assert len(fig.data) == 4
    assert fig.data[0].yaxis == "y" and fig.data[1].yaxis == "y2"
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    assert fig.data[1].line.dash == "dot"
    assert len(fig.data[2].x) == 4  # the diverged run stops before its divergence step


# -- the view box ------------------------------------------------------------------------------
def test_fit_box_grows_only_as_needed_and_is_capped():
    inside = [np.array([[0.0, 0.0], [1.0, 1.0]])]
    assert fit_box(BOX, inside) == BOX
    out = fit_box(BOX, [np.array([[0.0, 6.5], [np.nan, np.nan]])])
    assert out[:3] == BOX[:3] and out[3] > 6.5
    wild = fit_box(BOX, [np.array([[1e9, -1e9]])], cap=3.0)
    assert wild[1] == BOX[1] + 3 * (BOX[1] - BOX[0]) and wild[2] == BOX[2] - 3 * (BOX[3] - BOX[2])


def test_box_view_keeps_the_problem_but_reports_the_new_box():
    p = get_surface("long-valley").build()
    v = BoxView(p, (-1.0, 1.0, -2.0, 2.0))
    assert v.view_box() == (-1.0, 1.0, -2.0, 2.0) and v.box == v.view_box()
    assert v.n_samples == 10 and v.spec is p.spec


# -- page computations -------------------------------------------------------------------------
def test_batch_surfaces_match_the_weighted_loss():
    p = get_surface("linreg").build()
    batches = [[0, 5, 7], [3]]
    xs, ys = np.linspace(-1, 3, 4), np.linspace(0, 2, 3)
    z = calc_batch.batch_surfaces(p, batches, xs, ys)
    assert z.shape == (2, 3, 4)
    th = torch.tensor([[xs[1], ys[2]]], dtype=torch.float64)
    w = torch.zeros(1, p.n_samples, dtype=torch.float64)
    w[0, [0, 5, 7]] = 1 / 3
    assert z[0, 2, 1] == pytest.approx(float(p.loss(th, w)[0]))


def test_long_valley_batches_are_sums_like_the_engine():
    p = get_surface("long-valley").build()
    w = calc_batch.batch_weights(p, [[1, 2]])
    assert w.sum().item() == 2.0


def test_batch_minima_zero_the_batch_gradient():
    for name in ("linreg", "feature-scale", "long-valley"):
        p = get_surface(name).build()
        batches = [[0], [1, 2], list(range(p.n_samples))]
        starts = np.array([p.start] * 3)
        mins = calc_batch.batch_minima(p, batches, starts, p.view_box())
        assert np.isfinite(mins).all(), name
        g = calc_batch.batch_grads(p, batches, mins)
        g0 = calc_batch.batch_grads(p, batches, starts)
        assert (np.linalg.norm(g, axis=1) <= 1e-6 * np.linalg.norm(g0, axis=1)).all(), name
        np.testing.assert_allclose(mins[2], p.minimum(), rtol=1e-6, atol=1e-9)


def test_one_logistic_sample_has_no_finite_minimum():
    p = get_surface("logreg").build()
    mins = calc_batch.batch_minima(p, [[0], list(range(p.n_samples))], np.array([p.start] * 2), p.view_box())
    assert np.isnan(mins[0]).all()
    np.testing.assert_allclose(mins[1], p.minimum(), atol=1e-6)


def test_curvature_of_the_long_valley():
    p = get_surface("long-valley").build()
    lo, hi = curvature(p, p.start)
    assert hi / lo == pytest.approx(p.condition_number(), rel=1e-9)
    assert 2 / hi < 1.2e-6  # the book's stable-GD bound for the summed loss
