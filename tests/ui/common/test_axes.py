"""Honest axes: every parameter plane is drawn to scale, every log axis uses the one tick
format (decades as 10ⁿ), zeros on a log chart are shown, paths keep their turns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.common.figures import (
    MAX_TRAIL_POINTS,
    Grid,
    Labels,
    Path,
    Series,
    animation_controls,
    contour_figure,
    curves_figure,
    log_axis,
    loss_ticks,
    plane_axes,
    surface3d_figure,
    thin_path,
    turn_scores,
    untyped,
)
from ui.sections.adaptive_lr.figures import LossGrad, LossGradText, loss_grad_figure
from ui.sections.batch_momentum.figures import BatchFrame, BatchText, Curve, CurvesText, batch_figure, curves_xy_figure
from ui.sections.classification.figures import gap_figure, grad_map_figure
from ui.sections.inside_network.figures import sharpness_figure
from ui.sections.lr_schedule.figures import EtaCurve, eta_figure
from ui.sections.training_lab.figures import pixel_hist_figure

SQUARE = (-2.0, 2.0, -2.0, 2.0)
VALLEY = (-10.0, 10.0, -1.0, 1.0)  # 20:2, more elongated than 1:3


def _grid(box, n=30):
    xs, ys = np.linspace(box[0], box[1], n), np.linspace(box[2], box[3], n)
    gx, gy = np.meshgrid(xs, ys)
    return Grid(xs, ys, (gx**2 + 3 * gy**2).astype(np.float32), log=True)


def _path(T=50):
    t = np.linspace(0, 1, T + 1)
    return Path("A", "#000", np.stack([1.5 - t, 1.5 - 1.2 * t], 1), loss=np.linspace(5, 0.1, T + 1))


def _batch(box):
    xs, ys = np.linspace(box[0], box[1], 20), np.linspace(box[2], box[3], 20)
    z = np.add.outer(ys**2, xs**2)
    frames = [BatchFrame(k, z * (1 + 0.1 * k), np.array([1.0, 0.5]), np.array([0.2, 0.1]), np.array([0.3, 0.0]))
              for k in (5, 6, 7)]
    return batch_figure(xs, ys, frames, box, BatchText(title="batch — step {k}"))


def _gmap(box):
    xs, ys = np.linspace(box[0], box[1], 20), np.linspace(box[2], box[3], 20)
    return grad_map_figure(xs, ys, np.add.outer(ys**2, xs**2) + 1e-3, [_path()], box, x_label="w₁", y_label="w₂",
                           title="‖g‖", colorbar="‖g‖")


PLANES = {
    "contour": lambda box: contour_figure(_grid(box), [_path()], box, Labels()).to_dict()["layout"],
    "batch": lambda box: _batch(box).to_dict()["layout"],
    "grad_map": lambda box: _gmap(box).to_dict()["layout"],
}


@pytest.mark.parametrize("builder", PLANES)
def test_a_square_box_is_drawn_with_equal_units(builder):
    layout = PLANES[builder](SQUARE)
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis"]["scaleratio"] == 1
    assert layout["xaxis"]["constrain"] == "domain" and layout["yaxis"]["constrain"] == "domain"
    assert not [a for a in layout.get("annotations", []) if a.get("text") == "axes not to scale"]


@pytest.mark.parametrize("builder", PLANES)
def test_an_elongated_box_may_stretch_and_says_so(builder):
    layout = PLANES[builder](VALLEY)
    assert "scaleanchor" not in layout["yaxis"]
    assert [a for a in layout["annotations"] if a["text"] == "axes not to scale"]


@pytest.mark.parametrize(("box", "equal"), [((0, 3, 0, 1), True), ((0, 1, 0, 3), True), ((0, 3.1, 0, 1), False),
                                            ((0, 1, 0, 3.1), False)])
def test_the_limit_is_one_to_three(box, equal):
    _, ya, notes = plane_axes(box, "x", "y")
    assert ("scaleanchor" in ya) is equal and bool(notes) is not equal


def test_3d_view_keeps_units_equal_and_paths_above_the_surface():
    p = _path()
    fig = surface3d_figure(_grid((-2, 2, -1, 1)), [p], (-2, 2, -1, 1), Labels()).to_dict()["layout"]
    assert fig["scene"]["aspectratio"]["x"] == 1 and fig["scene"]["aspectratio"]["y"] == 0.5
    assert fig["margin"]["l"] > 0 and fig["margin"]["r"] > 0  # z ticks not clipped at the edge


# -- log axes -------------------------------------------------------------------------------------
def _log_axes(layout: dict) -> list[dict]:
    return [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis")) and isinstance(v, dict) and v.get("type") == "log"]


def _decades(lo, hi, n=80):
    return np.logspace(lo, hi, n)


LOG_FIGURES = {
    "curves": lambda: curves_figure([("loss", [Series("A", "#000", _decades(1, -16))], True)], Labels()),
    "curves_xy": lambda: curves_xy_figure([Curve("A", "#000", np.arange(80), _decades(0.6, -0.5))], CurvesText(), log_y=True),
    "loss_grad": lambda: loss_grad_figure([LossGrad("A", "#000", _decades(0.6, -0.5), _decades(1, -9))], LossGradText()),
    "eta": lambda: eta_figure([EtaCurve("A", "#000", _decades(-1, -5))], log_y=True),
    "gap": lambda: gap_figure(3.0, np.exp(3.0), x_label="Δ", y_label="ratio", curve_label="e^Δ", point_label="now"),
    "sharpness": lambda: sharpness_figure(
        [{"name": "A", "update": np.arange(80), "sharp": np.linspace(1, 20, 80), "threshold": 20.0, "threshold_name": "2/η",
          "loss": _decades(0.4, -1.2)}],
        {k: k for k in ("sharp_title", "loss_title", "update", "sharp_axis", "loss_axis")}),
    "pixel_hist": lambda: pixel_hist_figure(np.linspace(0, 16, 500), np.linspace(-1, 3, 500),
                                            {k: k for k in ("raw", "norm", "title", "pixel", "count")}),
}


def test_no_log_axis_is_built_by_hand():
    """Every log axis comes from `log_axis` (the one tick format), none from a hand-written type="log"."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "ui"
    hand = [f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py") for i, line in enumerate(p.read_text().splitlines(), 1)
            if 'type="log"' in line and "def log_axis" not in line and 'ax = dict(type="log"' not in line]
    assert hand == []


@pytest.mark.parametrize("name", LOG_FIGURES)
def test_every_log_axis_uses_the_one_tick_format(name):
    layout = LOG_FIGURES[name]().to_dict()["layout"]
    axes = _log_axes(layout)
    assert axes, "the builder draws a log axis"
    for ax in axes:
        assert ax["exponentformat"] == "power"  # never SI prefixes (10n, 100μ) next to 10⁻¹⁶
        assert ax["minorloglabels"] == "none"  # never bare minor digits 2 … 9
        assert ax.get("dtick", 1) in range(1, 10) or "dtick" not in ax


def test_log_axis_labels_decades_or_plain_numbers():
    assert log_axis(_decades(1, -16))["dtick"] == 3  # 17 decades: every 3rd labelled
    assert log_axis(_decades(0, 3))["dtick"] == 1
    assert "dtick" not in log_axis(np.array([2.0, 4.0]))  # under a decade: plotly's plain-number ticks


def test_a_zero_gradient_norm_is_shown_on_the_floor_with_a_note():
    g = np.r_[_decades(0, -3, 20), np.zeros(10)]
    fig = curves_figure([("‖g‖", [Series("A", "#000", g)], True)], Labels()).to_dict()
    floor = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "triangle-down"]
    assert floor and len(untyped(floor[0]["x"])) == 10 and untyped(floor[0]["y"])[0] == pytest.approx(1e-4)
    assert any("= 0" in a["text"] for a in fig["layout"]["annotations"])
    only_zero = loss_grad_figure([LossGrad("A", "#000", np.ones(5), np.zeros(5))], LossGradText()).to_dict()
    assert [t for t in only_zero["data"] if t.get("marker", {}).get("symbol") == "triangle-down"]


def test_colour_bar_ticks_do_not_bunch():
    z = np.logspace(0, 6, 100).reshape(10, 10)
    from ui.common.figures import colour_values

    c, _ = colour_values(z, True)
    ticks = loss_ticks(z, c, True, 6)
    assert len(set(ticks["ticktext"])) == len(ticks["ticktext"])
    assert np.min(np.diff(ticks["tickvals"])) >= 0.3 * (max(ticks["tickvals"]) - min(ticks["tickvals"])) / 7
    assert all("e" not in t for t in ticks["ticktext"])


# -- labels and controls don't cover each other ---------------------------------------------------
def test_arrow_labels_sit_beyond_the_head_not_on_the_marker():
    arrows = [{"from": (0.0, 0.0), "to": (1.0, 0.0), "text": "λ₁=2"}, {"from": (0.0, 0.0), "to": (0.0, -1.0), "text": "λ₂=-2"}]
    layout = contour_figure(_grid(SQUARE), [], SQUARE, Labels(), arrows=arrows).to_dict()["layout"]
    texts = {a["text"]: a for a in layout["annotations"] if a.get("text")}
    assert texts["λ₁=2"]["x"] == 1.0 and texts["λ₁=2"]["xanchor"] == "left" and not texts["λ₁=2"]["showarrow"]
    assert texts["λ₂=-2"]["y"] == -1.0 and texts["λ₂=-2"]["yanchor"] == "top"


@pytest.mark.parametrize(("height", "font"), [(600, 14), (720, 18), (540, 16)])
def test_animation_rows_are_below_the_axis_title_and_apart(height, font):
    menus, sliders, bottom = animation_controls([0, 1, 2], Labels(), height, 60, font)
    plot_h = height - 60 - bottom
    buttons_px, slider_px = -menus[0]["y"] * plot_h, -sliders[0]["y"] * plot_h
    assert buttons_px >= 55 * font / 14 - 1  # under the tick labels and the x-axis title
    assert slider_px - buttons_px >= 30 * font / 14 - 1  # the slider (and its "step k" label) on its own row
    assert sliders[0]["x"] == 0 and sliders[0]["len"] == 1
    assert [b["label"] for b in menus[0]["buttons"]] == ["▶ play", "❚❚ pause", "▶ resume"]


def test_batch_chart_can_resume_and_its_title_follows_the_frames():
    fig = _batch(SQUARE).to_dict()
    assert len(fig["layout"]["updatemenus"][0]["buttons"]) == 3
    assert [f["layout"]["title"]["text"] for f in fig["frames"]] == ["batch — step 5", "batch — step 6", "batch — step 7"]


# -- adaptive thinning -------------------------------------------------------------------------------
def _nesterov_like(T=2000, wild=17, seed=0):
    rng = np.random.default_rng(seed)
    xy = np.zeros((T + 1, 2))
    xy[:wild] = rng.normal(scale=5.0, size=(wild, 2))
    xy[wild - 1:] = np.linspace(xy[wild - 1], [0.0, 0.0], T + 2 - wild)  # then straight home
    return xy


def test_a_wild_start_over_a_long_run_is_kept():
    xy = _nesterov_like()
    idx = thin_path(len(xy), MAX_TRAIL_POINTS, turn_scores(xy))
    assert len(idx) <= MAX_TRAIL_POINTS
    assert set(range(17)) <= set(idx.tolist())  # every one of the wild first steps


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 3000), st.integers(3, 200), st.integers(0, 2**16))
def test_thinning_keeps_the_ends_increases_and_respects_the_budget(n, at_most, seed):
    xy = np.cumsum(np.random.default_rng(seed).normal(size=(n, 2)), axis=0)
    idx = thin_path(n, at_most, turn_scores(xy))
    assert idx[0] == 0 and idx[-1] == n - 1
    assert len(idx) <= max(at_most, 2) and np.all(np.diff(idx) > 0)
    if n <= at_most:
        assert len(idx) == n


@settings(max_examples=30, deadline=None)
@given(st.integers(200, 3000), st.integers(0, 2**16))
def test_thinning_keeps_the_sharpest_turn(n, seed):
    rng = np.random.default_rng(seed)
    xy = np.stack([np.linspace(0, 1, n), np.zeros(n)], 1)
    spike = int(rng.integers(1, n - 1))
    xy[spike, 1] = 1.0
    idx = thin_path(n, 120, turn_scores(xy))
    assert spike in idx


def test_a_legend_goes_under_a_still_plot_only():
    """On the projector a still contour puts its legend at the bottom (the plot area right under the
    toolbar); an animated one keeps it on top, since its Play buttons and slider are at the bottom."""
    box = (-2, 2, -2, 2)
    still = contour_figure(_grid(box), [_path()], box, Labels(), animate=False, legend_below=True).to_dict()["layout"]
    assert still["legend"]["yref"] == "container" and still["legend"]["y"] == 0
    assert still["margin"]["t"] < still["margin"]["b"]
    moving = contour_figure(_grid(box), [_path()], box, Labels(), legend_below=True).to_dict()["layout"]
    assert moving["legend"].get("yref") != "container" and moving["legend"]["yanchor"] == "bottom" and moving["legend"]["y"] == 1.0
    assert moving.get("sliders")
