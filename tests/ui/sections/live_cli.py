"""The command line's run for a live position, as the live charts keep it (tests of §3.2–3.4)."""

from __future__ import annotations

import json

import numpy as np

from optim_lab.cli import main
from ui.common.figures import MAX_TRAIL_POINTS, thin_path, turn_scores


def cli_trail(argv: list[str], capsys) -> tuple[dict, np.ndarray, np.ndarray]:
    """`python -m optim_lab run … --format json`: its first trajectory, θ, and the indices of θ a live
    chart's trail keeps (thinned as `contour_figure` thins it, up to the step before divergence)."""
    assert main(argv) == 0
    run = json.loads(capsys.readouterr().out)["trajectories"][0]
    theta = np.array(run["theta"])
    d = run["diverged_at"]
    k = len(theta) - 1 if d is None else d - 1
    return run, theta, thin_path(k + 1, MAX_TRAIL_POINTS, turn_scores(theta[:k + 1]))
