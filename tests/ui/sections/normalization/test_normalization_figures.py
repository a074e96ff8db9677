"""§3.7 figure builders: the batch-norm stages and the batch statistics."""

from __future__ import annotations

import numpy as np

from ui.sections.normalization import calc as calc_norm
from ui.sections.normalization.figures import batch_stats_figure, stages_figure


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
