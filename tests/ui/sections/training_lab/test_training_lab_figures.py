"""Training lab figure builders, without Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ui.sections.training_lab import figures

LAB = {"loss": "loss", "acc": "acc", "train": "train", "val": "val", "epoch": "epoch", "update": "update",
       "batch_loss": "batch", "title": "t"}


def _run(name, n, diverged=None):
    return figures.CurveRun(name, list(range(1, n + 1)), [5 * e for e in range(1, n + 1)], [1.0] * n, [0.9] * n,
                            [0.5] * n, [0.6] * n, [1.0] * (5 * n), diverged)


def test_curves_by_epochs_and_updates_with_fixed_axes():
    fig = figures.curves_figure([_run("a", 3), _run("b", 2, diverged="diverged at epoch 2 (update 10)")], "epochs", LAB,
                                epochs=5, total_updates=25).to_dict()  # what Streamlit sends
    go.Figure(fig)  # the plain JSON is a figure plotly accepts, trace by trace
    assert fig["layout"]["xaxis"]["range"][1] >= 5 and fig["layout"]["yaxis2"]["range"][1] > 1
    texts = [t["text"] for t in fig["data"] if t.get("text")]
    assert any("diverged at epoch 2" in str(t) for t in texts)
    assert fig["data"][0]["x"] == [1, 2, 3] and len(fig["data"][0]["y"]) == 3  # run a's validation loss by epochs
    by_upd = figures.curves_figure([_run("a", 3)], "updates", LAB, epochs=5, total_updates=25).to_dict()
    assert by_upd["layout"]["xaxis"]["range"][1] >= 25
    assert by_upd["data"][0]["opacity"] < 1  # the faint per-update batch loss
    empty = figures.curves_figure([figures.CurveRun("x", [], [], [], [], [], [], [])], "epochs", LAB, 5, 25).to_dict()
    assert len(empty["data"]) == 4


def test_image_grid_and_bars():
    imgs = np.random.default_rng(0).random((12, 8, 8))
    fig = figures.image_grid(imgs, [str(i) for i in range(12)], cols=5)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape[1] == 5 * 8 + 4 * 2 and len(fig.layout.annotations) == 12
    bars = figures.softmax_bars(np.full((2, 10), 0.1), ["a", "b"], {"prob": "p", "class": "c"})
    assert len(bars.data) == 2 and tuple(bars.layout.yaxis.range) == (0, 1)
    cm = figures.confusion_figure(np.eye(10, dtype=int), {"true": "t", "pred": "p"})
    assert np.asarray(cm.data[0].z).shape == (10, 10)


def test_preact_bands_and_histograms():
    b = np.tile(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), (4, 1))
    fig = figures.preact_figure([b, np.zeros((0, 5))], ["bn", "none"], {"epoch": "e", "preact": "z"})
    assert [t.name for t in fig.data if t.showlegend is not False] == ["bn"]
    h = figures.pixel_hist_figure(np.random.default_rng(1).random(500), np.zeros(500),
                                  {"title": "t", "raw": "r", "norm": "n", "pixel": "x", "count": "c"})
    assert len(h.data) == 2
    c = figures.class_counts_figure({"train": np.arange(10)}, {"title": "t", "class": "c", "count": "n"})
    assert list(c.data[0].y) == list(range(10))


@pytest.mark.parametrize("font", [13, 18])
def test_the_data_charts_legends_sit_under_the_x_axis_with_room_for_every_row(font):
    """In the lab's narrow right column a legend above the plot ran into the title (seen at
    1280 px): both charts put it at the bottom of the figure, below the x-axis title, and keep a
    bottom margin of the axis's ticks and title plus every row the legend may wrap to."""
    from ui.common.figures import legend_rows_px

    names = ["training set", "validation set", "test set"]
    c = figures.class_counts_figure({n: np.arange(10) for n in names}, {"title": "t", "class": "c", "count": "n"},
                                    font_size=font)
    h = figures.pixel_hist_figure(np.random.default_rng(1).random(500), np.zeros(500),
                                  {"title": "t", "raw": "raw x", "norm": "normalized (x − 0.305) / 0.376", "pixel": "p",
                                   "count": "n"}, font_size=font)
    for fig, shown in ((c, names), (h, ["raw x", "normalized (x − 0.305) / 0.376"])):
        lay = fig.layout
        assert lay.legend.orientation == "h" and lay.legend.yref == "container" and lay.legend.y == 0
        assert lay.margin.b >= 3 * font + legend_rows_px(len(shown), font, shown)
