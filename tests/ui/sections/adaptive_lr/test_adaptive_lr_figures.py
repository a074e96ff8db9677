"""§3.3 figure builders."""

from __future__ import annotations

import numpy as np

from ui.sections.adaptive_lr.figures import LossGrad, LossGradText, loss_grad_figure


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
