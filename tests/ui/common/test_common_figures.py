"""Figure builders are pure: numpy in, plotly figure out, checked without Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ui.common.figures import (
    MAX_FRAMES,
    MESH_3D,
    PATH_3D_POINTS,
    Grid,
    Labels,
    Path,
    Series,
    bars_figure,
    colour_values,
    contour_figure,
    curves_figure,
    frame_steps,
    surface3d_figure,
    untyped,
)

BOX = (-2.0, 2.0, -1.0, 3.0)


def grid(log=False):
    xs, ys = np.linspace(-2, 2, 50), np.linspace(-1, 3, 40)
    gx, gy = np.meshgrid(xs, ys)
    return Grid(xs, ys, ((1 - gx) ** 2 + 100 * (gy - gx**2) ** 2).astype(np.float32), log=log)


def paths(T=200, diverge=None):
    t = np.linspace(0, 1, T + 1)
    a = np.stack([-1.5 + 2.5 * t, 2.5 - 1.5 * t], 1)
    b = np.stack([-1.5 + t, 2.5 - 2 * t], 1)
    return [Path("A", "#0072B2", a), Path("B", "#D55E00", b, diverged_at=diverge)]


def test_contour_figure_traces_and_fixed_axes():
    fig = contour_figure(grid(), paths(), BOX, Labels(), crit=[{"at": [1, 1], "kind": "minimum"}], start=(-1.5, 2.5))
    assert isinstance(fig, go.Figure)
    types = [t.type for t in fig.data]
    assert types[0] == "contour" and types.count("contour") == 1
    layout = fig.to_dict()["layout"]
    assert layout["xaxis"]["range"] == [-2.0, 2.0] and layout["yaxis"]["range"] == [-1.0, 3.0]
    assert layout["xaxis"]["autorange"] is False and layout["yaxis"]["autorange"] is False
    assert any(t.name == "pick" and t.marker.opacity == 0 for t in fig.data), "the invisible pick grid"
    assert fig.data[0].z['dtype'] == 'f4' and fig.data[0].x['dtype'] == 'f4'  # float32 typed arrays
    assert untyped(fig.data[0].z).shape == (40, 50)


def test_animation_frames_only_touch_trajectories():
    fig = contour_figure(grid(), paths(T=500), BOX, Labels())
    frames = fig.to_dict()["frames"]  # what Streamlit sends
    assert len(frames) == len(frame_steps(500)) <= MAX_FRAMES
    contour_index = 0
    for fr in frames:
        assert contour_index not in fr["traces"]
        assert len(fr["data"]) == 4  # two trails, two heads
    layout = fig.to_dict()["layout"]
    play = layout["updatemenus"][0]["buttons"][0]
    assert play["args"][1]["frame"]["redraw"] is True  # redraw=False would erase the contour
    assert layout["sliders"][0]["steps"][-1]["label"] == "500"


@pytest.mark.parametrize("font", [14, 18])
def test_on_the_projector_a_full_width_surface_adds_its_animation_under_a_full_size_plot(font):
    """A surface that has the page's whole width on the projector (batch size & momentum stacks
    its two surfaces) gets its ▶ buttons and step slider under the plot, which stays as tall as a
    still view's (at 640 px, 220 px of plot were left before); elsewhere the chart keeps its height."""

    def plot_px(fig) -> float:
        layout = fig.to_dict()["layout"]
        return layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]

    still = contour_figure(grid(), paths(), BOX, Labels(), height=640, font_size=font, animate=False, grow=True)
    grown = contour_figure(grid(), paths(), BOX, Labels(), height=640, font_size=font, grow=True)
    level = contour_figure(grid(), paths(), BOX, Labels(), height=640, font_size=font)
    assert plot_px(grown) == plot_px(still) >= 400
    assert grown.to_dict()["layout"]["height"] > 640 == level.to_dict()["layout"]["height"]
    assert plot_px(level) < plot_px(still) and still.to_dict()["layout"]["height"] == 640


def test_short_runs_get_one_frame_per_step_and_trails_are_thinned():
    fig = contour_figure(grid(), paths(T=10), BOX, Labels())
    assert [f["name"] for f in fig.frames_json] == [str(k) for k in range(11)]
    long = contour_figure(grid(), paths(T=1000), BOX, Labels())
    assert max(len(untyped(t["x"])) for f in long.frames_json for t in f["data"][:2]) <= 120


def test_diverged_path_ends_at_its_last_good_step():
    fig = contour_figure(grid(), paths(T=100, diverge=40), BOX, Labels())
    faint = [t for t in fig.data if t.type == "scatter" and t.mode == "lines" and t.opacity == 0.35]
    assert len(untyped(faint[1].x)) == 40
    heads = [t for t in fig.data if t.type == "scatter" and t.mode == "markers" and len(t.x) == 1]
    assert any(h.marker.symbol == "x" for h in heads)


def test_log_levels_colour_by_log_and_label_with_true_values():
    g = grid(log=True)
    c, shift = colour_values(g.z, True)
    assert np.nanmax(c) - np.nanmin(c) > 3  # several decades
    fig = contour_figure(g, [], BOX, Labels(), animate=False)
    ticks = fig.data[0].colorbar.ticktext
    assert float(ticks[-1]) == float(f"{np.nanmax(g.z):.3g}")


def test_no_frames_without_paths_and_3d_view():
    assert "frames" not in contour_figure(grid(), [], BOX, Labels()).to_dict()
    p = paths()
    for path in p:
        path.loss = np.ones(len(path.xy))
    fig = surface3d_figure(grid(), p, BOX, Labels())
    assert fig.data[0].type == "surface" and {t.type for t in fig.data[1:]} == {"scatter3d"}


def test_3d_view_is_thinned_for_software_webgl_but_keeps_the_ends():
    g = Grid(np.linspace(-2, 2, 100), np.linspace(-1, 3, 90), np.random.default_rng(0).random((90, 100)).astype(np.float32))
    p = paths(T=2000, diverge=1500)
    for path in p:
        path.loss = np.arange(len(path.xy), dtype=float)
    fig = surface3d_figure(g, p, BOX, Labels())
    assert untyped(fig.data[0].z).shape == (MESH_3D, MESH_3D)
    xs = untyped(fig.data[0].x)
    assert xs[0] == np.float32(-2) and xs[-1] == np.float32(2)  # the whole box, coarser
    full, diverged = fig.data[1], fig.data[3]
    lift = 0.05  # paths float just above the opaque surface (1.5 % of its height)
    assert len(untyped(full.z)) == PATH_3D_POINTS and untyped(full.z)[-1] == pytest.approx(2000, abs=lift)  # the last step
    assert untyped(diverged.z)[-1] == pytest.approx(1499, abs=lift) and fig.data[4].z[0] == pytest.approx(1499, abs=lift)


def test_curves_figure_marks_divergence_and_uses_log_axes():
    s = [Series("A", "#000", np.linspace(1, 0.01, 50)), Series("B", "#f00", np.linspace(1, 2, 50), diverged_at=20)]
    fig = curves_figure([("loss", s, True), ("grad", s, False)], Labels(), marker_step=10)
    assert fig.to_dict()["layout"]["yaxis"]["type"] == "log"
    assert fig.to_dict()["layout"]["yaxis2"]["type"] == "linear"
    assert [s["x0"] for s in fig.to_dict()["layout"]["shapes"]] == [10, 10]
    data = fig.to_dict()["data"]
    texts = [t["text"] for t in data if t.get("mode") == "markers+text"]
    assert texts and "20" in texts[0][0]
    b_lines = [t for t in data if t.get("name") == "B" and t.get("mode") == "lines"]
    assert all(len(untyped(t["x"])) == 20 for t in b_lines)


def test_typed_arrays_decode_to_the_trail():
    import base64

    fig = contour_figure(grid(), paths(T=10), BOX, Labels())
    spec = fig.frames_json[-1]["data"][0]["x"]
    values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")
    np.testing.assert_allclose(values, paths(T=10)[0].xy[:, 0].astype(np.float32))


def test_bars_figure():
    fig = bars_figure(["1", "2", "3"], {"p": [0.8, 0.15, 0.05]}, ["#000"])
    assert fig.data[0].type == "bar" and list(fig.data[0].y) == [0.8, 0.15, 0.05]


@pytest.mark.parametrize("n", [1, 2, 119, 120, 121, 239, 240, 241, 1001, 2001])
def test_thinning_keeps_the_ends_and_strictly_increases(n):
    from ui.common.figures import _thin

    idx = _thin(n, 120)
    assert len(idx) == min(n, 120) and idx[0] == 0 and idx[-1] == n - 1
    assert np.all(np.diff(idx) >= 1)


def test_loss_ticks_label_colours_in_loss_units():
    from ui.common.figures import loss_ticks

    z = np.array([[1.0, 10.0], [100.0, 1000.0]])
    c, _ = colour_values(z, True)  # log10(z − min + δ)
    labels = [float(v) for v in loss_ticks(z, c, True, 4)["ticktext"]]
    assert labels[0] == pytest.approx(1.0) and labels[-1] == pytest.approx(1000.0)  # the ends, in loss units
    assert np.all(np.diff(labels) > 0)
    assert loss_ticks(z, z, False, 3)["ticktext"] == ["1", "500", "1000"]
    assert loss_ticks(z, np.full_like(z, np.nan), True, 4) == {}


def test_a_later_update_layout_wins_over_the_ready_made_layout():
    """What the pages do after building a chart (legend below, a smaller margin) reaches the JSON."""
    s = [Series("A", "#000", np.linspace(1, 0.01, 50))]
    fig = curves_figure([("loss", s, True), ("grad", s, False)], Labels(), marker_step=3)
    fig.update_layout(legend=dict(orientation="h", y=-0.16), margin=dict(b=40))
    layout = fig.to_dict()["layout"]
    assert layout["legend"]["y"] == -0.16 and layout["legend"]["yref"] == "container"  # merged into the ready-made legend
    assert layout["margin"] == {"l": 60, "r": 20, "t": 40, "b": 40}
    assert layout["yaxis"]["type"] == "log" and layout["shapes"]  # the rest stays ready-made
    contour = contour_figure(grid(), paths(T=20), BOX, Labels())
    contour.update_layout(margin_b=7, height=300)
    layout = contour.to_dict()["layout"]
    assert layout["margin"]["b"] == 7 and layout["margin"]["l"] == 60 and layout["height"] == 300
    assert layout["sliders"] and contour.to_dict()["frames"]


def test_the_contours_hover_shows_each_sites_loss_and_is_kept_per_grid():
    from ui.common.figures import hover_text
    from ui.common.numbers import num

    g = grid()
    fig = contour_figure(g, [], BOX, Labels())
    text = np.asarray(fig.to_dict()["data"][0]["text"])
    assert text.shape == g.z.shape
    i, j = 7, 31
    assert text[i, j] == num(float(g.z[i, j]), 3)  # the site's own loss, not a neighbour's
    assert hover_text(g.z) is hover_text(g.z.copy())  # formatted once per grid, whatever array holds it
    other = g.z.copy()
    other[i, j] += 1.0
    assert hover_text(other)[i, j] == num(float(other[i, j]), 3) != text[i, j]
