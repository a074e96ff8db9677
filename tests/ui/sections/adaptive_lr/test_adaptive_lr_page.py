"""§3.3 adaptive learning rate: the page (AppTest) and what its presets claim, on the engine's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer, race
from surfaces import get_surface
from tests import apptest
from tests.ui.sections.adaptive_lr.engine_race import race_of
from ui.sections.adaptive_lr.calc import OWN_LR, curvature, lr_default
from ui.sections.adaptive_lr.presets import PRESETS as _PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

PAGE = PAGE_BY_ID["adaptive-lr"].path
PRESETS = {p.id: p for p in _PRESETS}
LR = {r: lr_default(r, "long-valley") for r in OWN_LR}  # the page's defaults on the long valley


def log_value(raw) -> float:
    """A log slider keeps a value that arrives exactly (preset, link, default) exactly."""
    return float(raw)


def preset_race(pid: str):
    """Run the engine exactly as the page does for a preset; returns (problem, {id: row}, result)."""
    return race_of(PRESETS[pid].params)


def open_page(lang: str = "en", query: dict | None = None):
    return apptest.open_page(PAGE, lang, query)


def test_defaults_draw_three_charts_in_chinese():
    at = open_page("zh")
    apptest.assert_clean(at)
    assert len(at.get("plotly_chart")) == 3  # surface, loss + ‖g‖, per-parameter steps


def test_the_quadratic_bowl_works_too():
    at = open_page("en", {"surface": "quadratic", "s_cond": "100", "steps": "200", "gd2": "1"})
    apptest.assert_clean(at)
    assert any("100" in m.value for m in at.metric)  # κ = λ_max/λ_min of the bowl


def test_the_crawl_preset_shows_the_engines_final_losses():
    at = open_page("zh", PRESETS["gd-crawls"].params)
    apptest.assert_clean(at)
    problem, ids, res = preset_race("gd-crawls")
    final = at.dataframe[-1].value
    losses = [float(v) for v in final[t("col_final_loss", "zh")]]
    assert losses == pytest.approx([res.loss[-1, ids["gd"]], res.loss[-1, ids["adam"]]], rel=1e-5)


def test_eta_in_units_changes_the_coordinate_curves():
    at = open_page("en")
    apptest.assert_clean(at)
    before = apptest.chart(at, "al_coords")["data"]
    at.slider(key="eta_u").set_value(0.5).run()
    apptest.assert_clean(at)
    assert apptest.chart(at, "al_coords")["data"] != before
    assert at.query_params.get("eta_u") in ("0.5", ["0.5"])


def test_the_coordinate_curves_legend_sits_under_the_step_axis_title():
    """The 4-panel chart's legend is at the figure's foot (pixels, not a fraction of the plot's
    height), with a bottom margin that holds the axis's numbers, its title and the legend's rows."""
    from ui.common.figures import legend_rows_px
    from ui.common.figures.theme import foot_margin

    chart = apptest.chart(open_page("en"), "al_coords")
    layout = chart["layout"]
    legend = layout["legend"]
    assert (legend["yref"], legend["y"], legend["yanchor"], legend["orientation"]) == ("container", 0.0, "bottom", "h")
    names = [d["name"] for d in chart["data"] if d.get("showlegend", True)]
    assert layout["margin"]["b"] == foot_margin(13, legend_rows_px(len(names), 13, names)) > foot_margin(13, 0)


# -- η in units of 2/λ_max ------------------------------------------------------------------------
def test_eta_units_follow_the_hessian():
    problem = get_surface("long-valley").build()
    lo, hi = curvature(problem, problem.start)
    eig = np.linalg.eigvalsh(problem.hessian_matrix().numpy())
    assert (lo, hi) == pytest.approx(tuple(eig), rel=1e-12)
    assert hi / lo == pytest.approx(3.13e5, rel=0.01)
    res = race(problem, [Racer("sgd", lr=0.98 * 2 / hi), Racer("sgd", lr=1.05 * 2 / hi)], [problem.start], 60)
    assert res.diverged_at[0] < 0  # below 2/λ_max: stable
    assert res.diverged_at[1] > 0 or res.loss[-1, 1] > 10 * res.loss[0, 1]  # above: it blows up


# -- what the presets claim, on the engine ------------------------------------------------------
def test_preset_gd_oscillates_across_the_valley_then_stalls():
    problem, ids, res = preset_race("gd-oscillates")
    w = res.theta[:, ids["gd"], 1]
    dw = np.diff(w)
    assert (np.sign(dw[:30]) == -np.sign(dw[1:31])).all()  # the step across the valley flips sign every step
    assert np.abs(dw[0]) > 10  # from wall to wall: larger than the whole view's height
    loss, g = res.loss[:, ids["gd"]], res.grad_norm[:, ids["gd"]]
    best = problem.minima()[0][2]
    assert abs(loss[300] - loss[150]) < 1e-3 * loss[300]  # the loss no longer falls …
    assert loss[300] - best > 1e4  # … far above the minimum …
    assert g[150:].min() > 300  # … while the gradient is not small
    assert res.diverged_at[ids["gd"]] < 0


def test_preset_gd_crawls_while_adam_arrives():
    problem, ids, res = preset_race("gd-crawls")
    b_star, w_star = problem.minimum()
    gd, adam = res.theta[-1, ids["gd"]], res.theta[-1, ids["adam"]]
    assert abs(gd[0] - res.theta[0, ids["gd"], 0]) < 0.01  # b has barely moved in 1000 steps
    assert abs(gd[0] - b_star) > 60
    assert abs(adam[0] - b_star) < 0.5 and abs(adam[1] - w_star) < 0.01
    assert (np.diff(res.theta[:, ids["gd"], 1])[:50] > 0).all()  # small η: no oscillation, a monotone crawl


def test_preset_book_adagrad_bursts_and_the_decayed_run_does_not():
    problem, ids, res = preset_race("adagrad-burst")
    dw_book = np.abs(np.diff(res.theta[:, ids["agb"], 1]))
    dw_dec = np.abs(np.diff(res.theta[:, ids["agd"], 1]))
    late = int(np.argmax(dw_book[100:])) + 100
    assert 600 < late < 800  # the burst comes late …
    assert dw_book[late] > 1.0 and dw_book[late] > 1000 * np.median(dw_book)  # … and is huge
    assert res.theta[:, ids["agb"], 1].max() > 6  # it leaves the usual view box (w ≤ 5)
    assert dw_dec[50:].max() < 0.01  # the decayed run: no burst …
    b = res.theta[-1, :, 0]
    assert abs(b[ids["agd"]] - (-119)) < 1.5 and abs(b[ids["agb"]] - (-177)) < 1.5  # … but slower (the note's numbers)
    assert abs(b[ids["agd"]] - problem.minimum()[0]) > 60
    assert (res.diverged_at < 0).all()
    # book AdaGrad + η/√(t+1) is PyTorch's Adagrad
    torch_ = race(problem, [Racer("adagrad", lr=log_value(PRESETS["adagrad-burst"].params["lr_agb"]))], [problem.start], 1000)
    np.testing.assert_allclose(torch_.theta[:, 0], res.theta[:, ids["agd"]], rtol=1e-9, atol=1e-9)


def test_the_default_view_makes_the_pages_point():
    """One η stalls GD with ‖g‖ large; every adaptive run ends lower; Adam reaches the minimum;
    no run is still hopping across the floor at the end (book RMSProp with α = 0.99)."""
    problem, ids, res = race_of({})
    best = problem.minima()[0][2]
    b_star, w_star = problem.minimum()
    loss = res.loss[-1]
    assert loss[ids["gd"]] - best > 1e4 and res.grad_norm[-1, ids["gd"]] > 300
    assert all(loss[ids[r]] < loss[ids["gd"]] for r in ("agb", "rmb", "adam"))
    assert abs(res.theta[-1, ids["adam"], 0] - b_star) < 1 and abs(res.theta[-1, ids["adam"], 1] - w_star) < 0.01
    for r, i in ids.items():
        assert np.abs(np.diff(res.theta[-101:, i, 1])).max() < 0.01, r
    assert (res.diverged_at < 0).all()


def test_preset_conventions_first_steps():
    problem, ids, res = preset_race("conventions")
    step1 = np.abs(res.theta[1] - res.theta[0])
    np.testing.assert_allclose(step1[ids["agb"]], [LR["agb"]] * 2, rtol=1e-12)  # book AdaGrad: exactly ±η
    np.testing.assert_allclose(step1[ids["rmb"]], [log_value(LR["rmb"])] * 2, rtol=1e-12)  # book RMSProp: ±η
    np.testing.assert_allclose(step1[ids["rmt"]], [10 * log_value(LR["rmt"])] * 2, rtol=1e-6)  # PyTorch: η/√(1−α) = 10η
    np.testing.assert_allclose(step1[ids["adam"]], [log_value(LR["adam"])] * 2, rtol=1e-6)  # Adam, bias-corrected: η
    np.testing.assert_allclose(step1[ids["agt"]], [LR["agt"]] * 2, rtol=1e-6)  # PyTorch AdaGrad: η·g/|g|
    # σ: book AdaGrad a mean (may fall), PyTorch AdaGrad a growing sum
    assert (np.diff(res.sigma[:, ids["agt"], 1]) >= 0).all()
    assert (np.diff(res.sigma[:, ids["agb"], 1]) < 0).any()
