"""Beyond Adam: every sentence of the page and every preset's note, on the engine's numbers —
for the presets and for settings the presets do not use."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim_lab.engine import race
from surfaces import get_surface
from ui.common.result import RaceResult
from ui.sections.beyond_adam import calc
from ui.sections.beyond_adam.presets import PRESETS

BY_ID = {p.id: p for p in PRESETS}


def _race(part: str, lr: float, steps: int, **surface) -> tuple[RaceResult, list[str]]:
    configs, roles = calc.lineup(part, lr, steps)
    problem = get_surface(calc.SURFACE[part]).build(**surface)
    res = race(problem, [c.racer() for c in configs], [problem.start], steps)
    assert (res.diverged_at < 0).all()
    return RaceResult.from_engine(res), roles


def _preset(pid: str) -> tuple[RaceResult, list[str]]:
    q = BY_ID[pid].params
    part = q["part"]
    return _race(part, float(q[f"lr_{part}"]), int(q[f"steps_{part}"]))


# == Lion: every coordinate moves by ±η_t ==============================================================
def test_lion_preset_note():
    r, roles = _preset("lion")
    c = calc.lion_claim(r, roles)
    assert c["lion_min"] == pytest.approx(1.0, abs=1e-12) and c["lion_max"] == pytest.approx(1.0, abs=1e-12)
    assert c["cos_min"] == pytest.approx(1.0, abs=1e-6) and c["cos_max"] == pytest.approx(1.0, abs=1e-6)
    assert c["adam_first"] == pytest.approx(1.0, abs=1e-9)  # Adam's first step is ±η too …
    assert c["adam_last_b"] == pytest.approx(0.09, abs=0.01) and c["adam_last_w"] == pytest.approx(3e-4, rel=0.3)  # … then not
    assert c["loss_lion"] == pytest.approx(3.4e5, rel=0.05)
    assert c["loss_adam"] == pytest.approx(1.10e5, rel=0.01)
    assert c["loss_cos"] == pytest.approx(1.02e5, rel=0.01)
    assert c["loss_cos"] < c["loss_adam"] < c["loss_lion"]
    assert c["jumps"]  # the page adds "keeps jumping by η across the steep direction"


@pytest.mark.parametrize(("lr", "steps", "jumps"), [(1.0, 300, True), (0.2, 1000, True), (5.0, 20, True), (0.05, 300, False),
                                                    (0.2, 20, False)])
def test_lion_keeps_jumping_across_w_only_where_the_page_says_so(lr, steps, jumps):
    """'It keeps jumping by η across the steep direction': said where constant-η Lion's w-step turns back on
    most of its last steps, and there its w oscillates about the valley floor's w (the minimum's); not said at
    a small η or a short run, where Lion is still walking down."""
    r, roles = _race("lion", lr, steps)
    c = calc.lion_claim(r, roles)
    assert c["jumps"] is jumps
    i = roles.index("lion")
    w_floor = get_surface("long-valley").build().minima()[0][1]
    late = r.theta[-calc.LATE:, i, 1] - w_floor
    crosses = (np.sign(late[1:]) != np.sign(late[:-1])).sum()
    assert bool(crosses >= calc.LATE // 2) is jumps


@pytest.mark.parametrize(("lr", "steps"), [(0.3, 200), (2.0, 150), (0.1, 400)])
def test_lion_sign_steps_at_other_settings(lr, steps):
    r, roles = _race("lion", lr, steps)
    c = calc.lion_claim(r, roles)
    assert c["lion_min"] == pytest.approx(1.0, abs=1e-9) and c["lion_max"] == pytest.approx(1.0, abs=1e-9)
    assert c["cos_min"] == pytest.approx(1.0, abs=1e-6) and c["cos_max"] == pytest.approx(1.0, abs=1e-6)
    assert c["adam_first"] == pytest.approx(1.0, abs=1e-6)  # "Adam's first step is also ±η" …
    assert c["adam_min"] < 0.5  # … then its steps are its own per coordinate


def test_lion_steps_along_the_sign_of_the_interpolation_as_the_formulas_say():
    """This page's c_t = β₁m_{t−1} + (1−β₁)g_t (the training lab's m_t, with memory b_t): Lion's step is
    −η·sign(c_t), taken before the memory moves with β₂; the sign of the memory itself is another step."""
    problem = get_surface("long-valley").build()
    configs, roles = calc.lineup("lion", 1.0, 60)
    res = race(problem, [configs[roles.index("lion")].racer()], [problem.start], 60)
    path = res.theta[:, 0]
    g = problem.grad(torch.tensor(path[:-1], dtype=torch.float64)).numpy()
    m, c_signs, m_signs = np.zeros(2), [], []
    for t in range(60):
        c = 0.9 * m + 0.1 * g[t]
        m = 0.99 * m + 0.01 * g[t]
        c_signs.append(np.sign(c))
        m_signs.append(np.sign(m))
    step = np.sign(path[:-1] - path[1:])
    assert (step == np.array(c_signs)).all()
    assert (step != np.array(m_signs)).any()


def test_the_long_valleys_curvatures_differ_about_3e5_fold():
    """Lion's text: 'the two directions' curvatures differ about 3·10⁵-fold' (a quadratic: one Hessian)."""
    problem = get_surface("long-valley").build()
    ev = np.linalg.eigvalsh(np.asarray(problem.hessian(torch.tensor([problem.start], dtype=torch.float64))).reshape(2, 2))
    assert ev[1] / ev[0] == pytest.approx(3e5, rel=0.1)


# == schedule-free against cosine =======================================================================
def test_schedule_free_preset_note():
    r, roles = _preset("schedule-free")
    h = calc.horizon_losses(r, roles)
    assert (h["T"], h["half"]) == (300, 150)
    assert h["sf_half"] == pytest.approx(0.091, rel=0.02) and h["cos_told_half"] == pytest.approx(0.11, rel=0.02)
    assert h["cos_planned_T_at_half"] == pytest.approx(0.24, rel=0.03)
    assert h["sf_T"] == pytest.approx(0.0071, rel=0.02) and h["cos_told_T"] == pytest.approx(0.024, rel=0.03)
    assert h["const_T"] == pytest.approx(0.45, rel=0.01)
    assert h["ratio"] <= 1.0 and calc.sf_claim_key(h) == "ba_sf_claim"
    # the text: "past its own T, torch's cosine η rises again" (so the run told T/2 is read at T/2 only)
    lr = r.lr[:, roles.index("cos_half")]
    assert np.all(np.diff(lr[:150]) < 0) and lr[150] == pytest.approx(0.0, abs=1e-12) and np.all(np.diff(lr[150:]) > 0)


@pytest.mark.parametrize(("lr", "steps", "surface"), [
    (0.5, 200, {}), (0.5, 400, {"a": 0.005}), (1.0, 400, {"c": 2.0}), (1.5, 300, {"delta": 0.1}), (1.0, 200, {"a": 0.005}),
])
def test_schedule_free_is_comparable_to_a_cosine_told_t_at_other_settings(lr, steps, surface):
    """'Comparable without knowing T': at T/2 and at T, within 5 % of (here: at or below) the cosine
    run told that horizon; and below constant η at T."""
    r, roles = _race("sf", lr, steps, **surface)
    h = calc.horizon_losses(r, roles)
    assert h["ratio"] <= 1.05
    assert h["sf_T"] < h["const_T"]


@pytest.mark.parametrize(("lr", "steps", "comparable"), [
    (1.0, 300, True), (0.5, 300, True), (0.2, 1000, True), (1.0, 100, True), (0.05, 1000, True), (2.0, 100, True),
    (1.0, 1000, False), (2.0, 300, False), (0.05, 100, False),
])
def test_schedule_free_comparable_only_where_the_page_says_so(lr, steps, comparable):
    """The page's own settings (η and T; its surface is fixed): "comparable without knowing T" where schedule-free's
    loss is within 5 % of (or below) the cosine run told that horizon, at T/2 and at T; the other sentence ("the
    cosine run told the horizon ends lower") elsewhere — which holds there at one of the two steps."""
    r, roles = _race("sf", lr, steps)
    h = calc.horizon_losses(r, roles)
    assert calc.sf_claim_key(h) == ("ba_sf_claim" if comparable else "ba_sf_claim_not")
    worse = [h["sf_half"] > 1.05 * h["cos_told_half"], h["sf_T"] > 1.05 * h["cos_told_T"]]
    assert any(worse) is not comparable


def test_schedule_free_is_not_a_rule_the_caveat_on_the_page():
    """The page's caveat: at η = 1 and T = 1000 (its own sliders) the cosine run told T ends far lower."""
    r, roles = _race("sf", 1.0, 1000)
    h = calc.horizon_losses(r, roles)
    assert h["sf_T"] > 10 * h["cos_told_T"]


def test_schedule_free_follows_the_pages_formula():
    """The page's formula, step by step (t ≥ 0, c_{t+1} = 1/(t+1): x_t is the mean of z_1 … z_t, the start
    not among them) against the engine's row; the paper's count from t = 1 (start included) is another path."""
    problem = get_surface("river-valley").build()
    configs, roles = calc.lineup("sf", 0.5, 12)
    res = race(problem, [c.racer() for c in configs], [problem.start], 12)
    engine = res.theta[:, roles.index("sf")]

    def grad(v):
        return problem.grad(torch.tensor(np.array([v]), dtype=torch.float64)).numpy().reshape(-1)

    def path(first: int) -> np.ndarray:
        z = x = np.array(problem.start, dtype=float)
        xs = [x]
        for t in range(12):
            y = 0.1 * z + 0.9 * x
            z = z - 0.5 * grad(y)
            c = 1.0 / (t + first)
            x = (1 - c) * x + c * z
            xs.append(x)
        return np.array(xs)

    assert np.allclose(engine, path(1), rtol=0, atol=1e-12)
    assert not np.allclose(engine, path(2), rtol=0, atol=1e-3)


# == WSD on the river valley ==============================================================================
def test_wsd_preset_note():
    r, roles = _preset("wsd")
    w = calc.wsd_claim(r, roles)
    assert (w["T"], w["D"], w["start"]) == (300, 60, 240)  # "D = T/5"
    assert calc.wsd_params(300)["warmup"] == 1  # "w = 1"
    assert w["bounces"] and calc.wsd_claim_key(w) == "ba_wsd_claim"
    assert w["before"] == pytest.approx(0.45, rel=0.02) and w["before"] == pytest.approx(w["const_at_start"], rel=1e-12)
    assert w["end"] == pytest.approx(0.0022, rel=0.05) and w["drop"] == pytest.approx(200, rel=0.1)
    assert w["cos"] == pytest.approx(0.024, rel=0.03)
    # the high constant η bounces across the valley: w₂ changes sign on every late step
    i = roles.index("const")
    late = r.theta[-50:, i, 1]
    assert (np.sign(late[1:]) != np.sign(late[:-1])).all() and np.abs(late).min() > 0.4
    # "… but every step also moves it down the river": w₁ rises towards the floor's end (0) on every step
    assert np.all(np.diff(r.theta[:, i, 0]) > 0) and r.theta[-1, i, 0] < 0
    # the schedule itself: η until the decay, then a linear fall to 0
    lr = r.lr[:, roles.index("wsd")]
    assert np.all(lr[:240] == 1.0) and lr[-1] == pytest.approx(1 / 60) and np.all(np.diff(lr[240:]) < 0)


@pytest.mark.parametrize(("lr", "steps", "surface"), [
    (0.5, 200, {}), (1.0, 400, {"a": 0.02}), (1.5, 300, {"c": 2.0}), (1.0, 200, {"delta": 0.1}), (0.5, 400, {"a": 0.005}),
])
def test_wsd_drops_at_the_decay_at_other_settings(lr, steps, surface):
    r, roles = _race("wsd", lr, steps, **surface)
    w = calc.wsd_claim(r, roles)
    assert w["drop"] >= 3  # the loss falls during the decay …
    assert w["end"] < w["cos"] < w["const"]  # … below cosine's and constant η's ends


@pytest.mark.parametrize(("lr", "steps", "drops"), [
    (1.0, 300, True), (0.5, 300, True), (2.0, 100, True), (1.0, 20, True), (0.2, 1000, True),
    (0.05, 300, False), (0.1, 1000, False), (0.2, 100, False), (0.5, 20, False),
])
def test_wsd_sentence_at_the_pages_own_settings(lr, steps, drops):
    """At the page's η and T: the drop sentence ("bouncing across the valley … the loss falls k-fold") only where
    the path crosses the floor (w₂ = 0) on most steps before the decay and the loss at least halves; else the
    sentence that the decay changes little, which then holds (less than 2-fold)."""
    r, roles = _race("wsd", lr, steps)
    w = calc.wsd_claim(r, roles)
    assert calc.wsd_claim_key(w) == ("ba_wsd_claim" if drops else "ba_wsd_claim_small")
    if drops:
        w2 = r.theta[max(0, w["start"] - calc.LATE):w["start"] + 1, roles.index("wsd"), 1]
        assert (np.sign(w2[1:]) != np.sign(w2[:-1])).sum() >= calc.LATE // 2
        assert w["drop"] >= 2
    else:
        assert w["drop"] < 2


# == Muon in 2-D: normalised momentum, steps of ≈ 0.7·η ======================================================
def test_muon_preset_note():
    r, roles = _preset("muon")
    m = calc.muon_ratio(r, roles)
    assert round(m.min(), 2) == 0.68 and round(m.max(), 2) == 0.71  # the note's "0.68–0.71·η"


@pytest.mark.parametrize(("surface", "lr"), [("quadratic", 0.01), ("rosenbrock", 0.02), ("river-valley", 0.1), ("himmelblau", 0.05)])
def test_muon_steps_are_about_seven_tenths_of_eta_elsewhere(surface, lr):
    configs, roles = calc.lineup("muon", lr, 60)
    problem = get_surface(surface).build()
    r = RaceResult.from_engine(race(problem, [c.racer() for c in configs], [problem.start], 60))
    m = calc.muon_ratio(r, roles)
    assert 0.66 <= m.min() and m.max() <= 0.74
    assert np.median(m) == pytest.approx(0.7, abs=0.02)


def test_muon_steps_along_the_nesterov_mix_as_the_formula_says():
    """The page's formula: O_t = NS₅(d_t) with d_t = μB_t + (1−μ)g_t (not B_t itself): Muon's step points along
    −d_t, from the gradients at the path's own points."""
    problem = get_surface("quadratic").build()
    configs, roles = calc.lineup("muon", 0.3, 40)  # η = 0.3: the path overshoots and turns, so B_t and d_t part
    res = race(problem, [configs[roles.index("muon")].racer()], [problem.start], 40)
    path = res.theta[:, 0]
    g = problem.grad(torch.tensor(path[:-1], dtype=torch.float64)).numpy()
    mu, B = 0.95, np.zeros(2)
    cos_d, cos_b = [], []
    for t in range(40):
        B = mu * B + (1 - mu) * g[t]
        d = mu * B + (1 - mu) * g[t]
        step = path[t] - path[t + 1]
        cos_d.append(step @ d / np.linalg.norm(step) / np.linalg.norm(d))
        cos_b.append(step @ B / np.linalg.norm(step) / np.linalg.norm(B))
    assert min(cos_d) > 0.999  # the direction of d_t (bfloat16 Newton–Schulz rounds a little)
    assert min(cos_b) < 0.9  # B_t's direction is another one


# == SAM on the real network ================================================================================
def _sam(s: calc.SamSetting) -> dict:
    d = calc.sam_runs(s)
    assert all(r["diverged_at"] is None for r in d["runs"])
    return d


def test_sam_preset_note():
    q = BY_ID["sam"].params
    s = calc.SamSetting(lr=float(q["slr"]), rho=float(q["rho"]), batch=q["sbatch"], activation=q["act"], steps=int(q["ssteps"]))
    assert s == calc.SamSetting()  # the preset is the page's default setting
    key, v = calc.sam_claim(_sam(s))
    assert key == "ba_sam_claim"
    assert v["sgd"] == pytest.approx(9.9, rel=0.05) and v["sam"] == pytest.approx(4.8, rel=0.05)
    assert v["loss_sgd"] == pytest.approx(0.07, abs=0.005) and v["loss_sam"] == pytest.approx(0.07, abs=0.005)
    assert v["k"] == 300 and v["losses"] == "ba_sam_losses_close"


@pytest.mark.parametrize("setting", [
    calc.SamSetting(lr=0.05, rho=0.2, batch="32", activation="tanh", steps=150, samples=200, width=16, every=50, seed=1),
    calc.SamSetting(lr=0.1, rho=0.05, batch="full", activation="relu", steps=150, samples=200, width=16, every=50, seed=2),
    calc.SamSetting(lr=0.2, rho=0.1, batch="32", activation="relu", steps=100, samples=300, width=16, every=50, seed=3),
    calc.SamSetting(lr=0.1, rho=0.2, batch="full", activation="tanh", steps=150, samples=300, width=24, depth=1, every=50),
], ids=["tanh-b32", "relu-full-rho.05", "relu-b32-lr.2", "tanh-depth1"])
def test_sam_ends_flatter_than_sgd_at_settings_not_picked(setting, request):
    """Same η, same data and batches, same seed, same number of updates: SAM's λ_max is below SGD's. The
    losses' sentence says "close" where they are (within 25 %), and not at a batch of 32 with η = 0.2, where
    SAM's loss ends about twice SGD's."""
    d = _sam(setting)
    key, v = calc.sam_claim(d)
    assert key == "ba_sam_claim", v
    close = "relu-b32-lr.2" not in request.node.callspec.id
    assert v["losses"] == ("ba_sam_losses_close" if close else "ba_sam_losses_differ")
    ratio = max(v["loss_sam"], v["loss_sgd"]) / min(v["loss_sam"], v["loss_sgd"])
    assert ratio < 1.25 if close else ratio > 1.5
    sgd, sam = d["runs"]
    assert sgd["update"] == sam["update"] and sgd["update"][-1] == setting.steps
    assert sgd["lambda_max"][0] == pytest.approx(sam["lambda_max"][0], rel=1e-3)  # the same initial weights


def test_sam_reports_its_partial_runs_and_checks_its_setting():
    seen = []
    calc.sam_runs(calc.SamSetting(steps=20, samples=100, width=8, every=10), report=lambda p, k, n: seen.append((k, n, p)))
    assert [k for k, _, _ in seen] == [0, 10, 20, 20, 30, 40] and all(n == 40 for _, n, _ in seen)
    assert len(seen[2][2]["runs"]) == 1 and len(seen[-1][2]["runs"]) == 2
    with pytest.raises(ValueError, match="batch"):
        calc.SamSetting(batch="0").checked()
    with pytest.raises(ValueError, match="rho"):
        calc.SamSetting(rho=0.0).checked()


def test_sam_claim_says_so_when_it_does_not_hold_or_a_run_diverged():
    run = {"update": [0, 10], "lambda_max": [1.0, 2.0], "loss": [1.0, 0.5], "diverged_at": None}
    key, _ = calc.sam_claim({"runs": [run, {**run, "lambda_max": [1.0, 3.0]}]})
    assert key == "ba_sam_claim_not"
    key, _ = calc.sam_claim({"runs": [run, {**run, "diverged_at": 4}]})
    assert key == "ba_sam_diverged"
