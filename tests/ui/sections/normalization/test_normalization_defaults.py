"""§3.7's default view makes the page's point: one η diverges on raw features, converges on standardized ones."""

from __future__ import annotations

from optim_lab.engine import Racer
from tests import apptest
from tests.ui.sections.quiz_engine import lr_of, run, start_of
from ui.shell import PAGE_BY_ID


def test_the_default_eta_diverges_raw_and_converges_standardized():
    at = apptest.open_page(PAGE_BY_ID["normalization"].path, "en")
    assert not at.exception
    params = {"scale1": lr_of(at, "s_scale1"), "scale2": lr_of(at, "s_scale2"), "n": at.session_state["s_n"],
              "noise": at.session_state["s_noise"], "seed": at.session_state["s_seed"]}
    gd, steps = [Racer("sgd", lr=lr_of(at, "eta"))], at.session_state["steps"]
    _, raw = run("feature-scale", gd, start_of(at), steps, **params, standardize=0)
    problem, std = run("feature-scale", gd, start_of(at), steps, **params, standardize=1)
    assert raw.diverged_at[0] > 0 and std.diverged_at[0] < 0
    assert std.loss[-1, 0] - problem.minima()[0][2] < 1e-6
