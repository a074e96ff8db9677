"""§3.2 figure builders: the batch view, loss curves over updates or epochs, past-gradient weights."""

from __future__ import annotations

import json
import math

import numpy as np
import plotly.io as pio
import pytest

from ui.sections.batch_momentum.figures import (
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


@pytest.mark.parametrize("font", [14, 18])
def test_on_the_projector_the_animation_adds_its_controls_under_a_full_size_surface(font):
    """Stacked on the projector the batch view has the whole width: its ▶ buttons and step slider
    (≈ 280 px at 18 px type) are added under the plot, which stays as tall as a still view's
    (at 640 px, 230 px of plot were left for the surface before).  Side by side on a screen the
    chart keeps its height, level with the full surface beside it."""
    xs, ys, frames = _frames(12)

    def plot_px(fig) -> float:
        m = fig.layout.margin
        return fig.layout.height - m.t - m.b

    still = batch_figure(xs, ys, frames[:1], BOX, BatchText(), full_z=frames[0].z, height=640, font_size=font)
    grown = batch_figure(xs, ys, frames, BOX, BatchText(), full_z=frames[0].z, height=640, font_size=font, grow=True)
    level = batch_figure(xs, ys, frames, BOX, BatchText(), full_z=frames[0].z, height=640, font_size=font)
    assert plot_px(grown) == plot_px(still) >= 400
    assert grown.layout.height > 640 and level.layout.height == 640 and plot_px(level) < plot_px(still)
    assert still.layout.height == 640  # a still view has no controls to add
