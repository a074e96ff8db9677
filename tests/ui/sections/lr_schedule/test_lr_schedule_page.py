"""§3.4 page: renders in both languages, presets apply cleanly, and each preset shows
what its note claims, on the engine's own numbers."""

from __future__ import annotations

import numpy as np
import pytest

from optim_lab.engine import Racer, race
from optim_lab.optimizers import CUSTOM
from optim_lab.rules import radam_rectifier
from surfaces import get_surface
from tests import apptest
from ui.common.keys import preset_button
from ui.sections.lr_schedule.presets import PRESETS as _PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

SCRIPT = PAGE_BY_ID["lr-schedule"].path
PRESETS = {p.id: p for p in _PRESETS}


def _open(lang: str, params: dict | None = None):
    return apptest.open_page(SCRIPT, lang, params, timeout=60)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_defaults_show_the_editor_the_race_and_its_curves(lang):
    at = _open(lang)
    apptest.assert_clean(at)
    for key in ("eta_editor", "eta_race", "main", "curves"):
        apptest.chart(at, key)
    # the race's η_t chart sits in a narrow column: its title is a line of text above it, which
    # wraps (a plotly title there was cut off at 1280 px in Chinese)
    assert not apptest.chart(at, "eta_race").get("layout", {}).get("title")
    assert f"**{t('ls_eta_used', lang)}**" in [m.value for m in at.markdown]


def test_presets_from_buttons_one_after_the_other():
    """Click every preset in turn in one session (a click resets the page's controls first)."""
    at = _open("zh")
    for pid, preset in PRESETS.items():
        at.button(key=preset_button(pid)).click().run()
        apptest.assert_clean(at)
        assert any(i.value == t(preset.note, "zh") for i in at.info), pid
        assert at.selectbox(key="opt").value == PRESETS[pid].params["opt"]
        assert at.selectbox(key="sch").value == PRESETS[pid].params["sch"]


def test_radam_preset_draws_the_rectifier():
    at = _open("en", PRESETS["radam"].params)
    r = apptest.chart(at, "rect")["data"][0]["y"]
    assert r[:5] == [None] * 5 and r[5] is not None


def test_changing_the_schedule_changes_the_eta_chart():
    at = _open("en")
    before = apptest.chart(at, "eta_editor")["data"][0]["y"]
    at.selectbox(key="sch").set_value("cosine").run()
    apptest.assert_clean(at)
    after = apptest.chart(at, "eta_editor")["data"][0]["y"]
    assert before != after


def test_bad_url_value_is_reported():
    at = _open("en", {"sch": "no-such-schedule"})
    notice = t("url_ignored", "en", items="\x00").split("\x00")[0]
    assert any(w.value.startswith(notice) for w in at.warning)


def _p(pid: str) -> dict:
    return PRESETS[pid].params


def test_adagrad_constant_bursts_late_and_decay_does_not():
    setting = _p("adagrad-decay")
    problem = get_surface(setting["surface"]).build()
    steps, lr = int(setting["steps"]), float(setting["lr"])
    res = race(problem, [Racer(setting["opt"], lr=lr), Racer(setting["opt"], lr=lr, schedule=setting["sch"])], [problem.start], steps, seed=0)
    assert (res.diverged_at == -1).all()
    w_star = problem.minimum()[1]
    dev = np.abs(res.theta[:, :, 1] - w_star)  # (T+1, 2): distance from the valley floor
    # constant η: calm at first, then a burst that leaves the view (w ∈ [−5, 5])
    first_burst = 20 + int(np.flatnonzero(dev[20:, 0] > 1.0)[0])
    assert first_burst > 100
    assert dev[100:, 0].max() > 5.0
    assert 150 <= 100 + int(dev[100:, 0].argmax()) <= 180  # near the step the preset's k shows
    assert abs(int(setting["k"]) - (100 + int(dev[100:, 0].argmax()))) <= 5
    # decayed η: stays on the valley floor
    assert dev[50:, 1].max() < 0.5


def test_warmup_tames_adams_first_overshoot():
    setting = _p("adam-warmup")
    problem = get_surface(setting["surface"]).build()
    steps, lr = int(setting["steps"]), float(setting["lr"])
    sp = {"warmup": int(setting["sp_warmup"]), "t_max": int(setting["sp_t_max"]), "eta_min": float(setting["sp_eta_min"])}
    start = (float(setting["x0"]), float(setting["y0"]))
    res = race(problem, [Racer("adam", lr=lr), Racer("adam", lr=lr, schedule=setting["sch"], sched_params=sp)], [start], steps, seed=0)
    loss = res.loss
    l0 = loss[0, 0]
    early = loss[:51]
    overshoot = np.maximum(early - l0, 0.0).max(axis=0)  # how far the loss rises above the start
    assert overshoot[0] > 300.0  # constant: 12.5 → ≈ 409 on the first step
    assert loss[1, 0] > 30 * l0
    assert overshoot[1] < 1e-9 * l0  # warm-up: never above the start
    assert overshoot[1] < overshoot[0]
    assert loss[-1, 1] < 0.2 * loss[-1, 0]  # and it ends lower


def test_noam_rises_to_its_peak_then_falls_and_tames_the_first_step():
    setting = _p("noam")
    problem = get_surface(setting["surface"]).build()
    steps, lr = int(setting["steps"]), float(setting["lr"])
    sp = {"d_model": int(setting["sp_d_model"]), "warmup": int(setting["sp_warmup"]), "factor": float(setting["sp_factor"])}
    start = (float(setting["x0"]), float(setting["y0"]))
    res = race(problem, [Racer("adam", lr=lr), Racer("adam", lr=lr, schedule="noam", sched_params=sp)], [start], steps, seed=0)
    eta = res.lr[:, 1]
    peak = int(np.argmax(eta))
    assert peak + 1 == int(setting["k"]) == sp["warmup"]  # η_t peaks at step w (k is set there)
    assert eta[peak] == pytest.approx(lr, rel=1e-12)  # c·d^-0.5·w^-0.5 = 40/(8·5) = 1
    assert np.all(np.diff(eta[: peak + 1]) > 0) and np.all(np.diff(eta[peak:]) < 0)
    assert eta[-1] == pytest.approx(lr * np.sqrt(sp["warmup"] / steps), rel=1e-12)  # ≈ 0.14: the 1/√t fall
    loss = res.loss
    assert loss[1, 0] > 400  # constant η: 12.5 → ≈ 409
    assert loss[:, 1].max() < 13.0  # noam: at most ≈ 12.9
    assert loss[-1, 1] < 0.08 < 0.3 < loss[-1, 0]  # ≈ 0.072 against ≈ 0.33


def test_radam_first_five_steps_are_momentum_sgd_steps():
    setting = _p("radam")
    problem = get_surface(setting["surface"]).build()
    lr, start = float(setting["lr"]), (float(setting["x0"]), float(setting["y0"]))
    msgd = Racer(CUSTOM, lr=lr, momentum_rule="ema", scaling_rule="none")  # θ ← θ − η·m̂ (bias-corrected EMA, σ = 1)
    res = race(problem, [Racer("radam", lr=lr), msgd, Racer("adam", lr=lr)], [start], 12, seed=0)
    th = res.theta
    np.testing.assert_allclose(th[:6, 0], th[:6, 1], rtol=0, atol=1e-12)
    assert np.abs(th[6, 0] - th[6, 1]).max() > 1e-6  # rectification starts at step 6
    # by hand: step 1 is −η·g₀, g₀ = (−0.75, −0.75) at (0.5, 0.5)
    np.testing.assert_allclose(th[1, 0], [1.25, 1.25], atol=1e-12)
    # Adam's first step is η·sign: it overshoots to (1.5, 1.5), the loss rises 0.5625 → 1.5625
    np.testing.assert_allclose(th[1, 2], [1.5, 1.5], atol=1e-6)
    assert res.loss[0, 0] == pytest.approx(0.5625)
    assert res.loss[1, 2] == pytest.approx(1.5625, rel=1e-5)
    assert res.loss[:, 0].max() <= res.loss[0, 0]
    r = radam_rectifier(np.arange(1, 13, dtype=np.float64), 0.999)
    assert np.isnan(r[:5]).all() and np.isfinite(r[5:]).all()
    assert 0 < r[5] < 0.05


def test_radam_preset_stays_below_its_start_for_100_steps():
    setting = _p("radam")
    problem = get_surface(setting["surface"]).build()
    start = (float(setting["x0"]), float(setting["y0"]))
    res = race(problem, [Racer("radam", lr=float(setting["lr"])), Racer("adam", lr=float(setting["lr"]))], [start], int(setting["steps"]), seed=0)
    assert res.loss[:, 0].max() <= res.loss[0, 0]
    assert res.loss[:40, 1].max() > 2 * res.loss[0, 1]
