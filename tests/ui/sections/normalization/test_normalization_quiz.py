"""§3.7's question on the engine's numbers: the same η diverges on raw features, converges on standardized ones."""

from __future__ import annotations

from optim_lab.engine import Racer
from tests.ui.sections.quiz_engine import preset_params, question, run
from ui.sections.normalization import presets


def test_raw_features_diverge_where_standardized_ones_converge():
    q = question(presets, "same-eta")
    p = preset_params(presets, q.preset)
    gd = [Racer("sgd", lr=float(p["eta"]))]
    start, steps = (float(p["x0"]), float(p["y0"])), int(p["steps"])
    scales = {"scale1": float(p["s_scale1"]), "scale2": float(p["s_scale2"])}
    _, raw = run("feature-scale", gd, start, steps, **scales, standardize=0)
    std_problem, std = run("feature-scale", gd, start, steps, **scales, standardize=1)
    assert q.choices[q.answer] == "qz_nm_b"
    assert raw.diverged_at[0] > 0  # (b): raw diverges (not a, not d) …
    assert std.diverged_at[0] < 0  # … standardized does not (not c) …
    assert std.loss[-1, 0] - std_problem.minima()[0][2] < 1e-6  # … and reaches the minimum
