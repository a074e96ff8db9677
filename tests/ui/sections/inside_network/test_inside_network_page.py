"""The inside-network page: both languages, the default view and every preset render cleanly and
show what they claim; a click on the error surface moves the point inspector."""

from __future__ import annotations

import re

import numpy as np
import pytest

from optim_lab.analysis import classify
from tests import apptest
from ui.common import keys
from ui.sections.inside_network import calc, figures
from ui.sections.inside_network.page import AT_KEY, PICK_KEY
from ui.sections.inside_network.presets import PRESETS as _PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

SCRIPT = PAGE_BY_ID["inside-network"].path
PRESETS = {p.id: p for p in _PRESETS}


def _open(lang: str, params: dict | None = None):
    return apptest.open_page(SCRIPT, lang, params, timeout=240)



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_view_shows_sharpness_with_two_over_eta_and_the_networks_own_surface(lang):
    at = _open(lang)
    apptest.assert_clean(at)
    sharp = apptest.chart(at, "in_sharp_net")
    names = [d.get("name") for d in sharp["data"]]
    assert t("in_lambda", lang) in names and t("in_two_over_eta", lang) in names
    surf = apptest.chart(at, "in_surface_chart")
    assert surf["data"][0]["type"] == "contour"
    assert any(t("in_inspector", lang) in m.value for m in at.markdown)
    assert any(r"H_2 = D^\top H D" in x.value for x in at.latex)
    assert any(t("in_net_title", lang) in s.value for s in at.subheader)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("pid", list(PRESETS))
def test_every_preset_renders_in_both_languages(lang, pid):
    p = PRESETS[pid]
    at = _open(lang, p.params)
    apptest.assert_clean(at)
    apptest.assert_state_matches(at, p.params)
    assert any(s.value for s in at.subheader)


def test_edge_of_stability_preset_states_where_lambda_ends():
    at = _open("en", PRESETS["eos"].params)
    d = apptest.chart(at, "in_eos")
    thresholds = sorted({round(tr["y"][0], 6) for tr in d["data"] if tr.get("line", {}).get("dash") == figures.THRESHOLD_DASH})
    assert thresholds == [10.0, 20.0]  # 2/η for η = 0.2 and 0.1
    rows = [m.value for m in at.markdown if m.value.startswith("- η = ")]
    assert len(rows) == 2 and all("first reaches the limit" in r for r in rows)


def test_sharp_vs_flat_preset_says_the_large_batch_is_sharper():
    at = _open("en", PRESETS["sharp-flat"].params)
    claim = [m.value for m in at.markdown if m.value.startswith("λ_max:")]
    assert claim and "× sharper" in claim[0]
    x = float(claim[0].split("(")[1].split("×")[0])
    assert x > 1.5


def test_minimum_ratio_preset_states_the_books_conclusion():
    at = _open("en", PRESETS["minimum-ratio"].params)
    d = apptest.chart(at, "in_ratio")
    assert any(tr.get("name") == t("in_minimum_line", "en") for tr in d["data"])
    claim = [m.value for m in at.markdown if m.value.startswith("Largest minimum ratio")]
    assert claim and float(claim[0].split(":")[1].split(".")[0] + "." + claim[0].split(".")[1][:2]) < 0.8


def test_a_click_on_the_surface_moves_the_inspected_point():
    at = _open("en")
    before = [x.value for x in at.latex if "H_2" in x.value]
    at.session_state[PICK_KEY] = {"selection": {"points": [{"x": 0.05, "y": -0.01}], "point_indices": [0], "box": [], "lasso": []}}

    at.session_state[AT_KEY] = (0.05, -0.01)
    at.run()
    apptest.assert_clean(at)
    assert any("(α, β) = (0.05, -0.01)" in m.value for m in at.markdown)
    after = [x.value for x in at.latex if "H_2" in x.value]
    assert after != before


def test_calc_settings_are_checked_and_the_surface_box_comes_from_the_grid():
    s = calc.NetSetting()
    assert s.optimizer == "sgd" and s.lr == 0.1
    cfg = s.run_config()
    assert cfg.samples == calc.NET_SAMPLES and cfg.batch_size is None and cfg.steps == s.steps
    assert s.every == s.steps // 20
    d = {"alpha": np.array([-1.0, 0.0, 2.0]), "beta": np.array([-0.5, 0.5])}
    assert calc.surface_box(d) == (-1.0, 2.0, -0.5, 0.5)
    with pytest.raises(ValueError):
        calc.eos_config("lbfgs", 0.1, 0.2)


def test_the_slice_box_is_widened_to_scale_never_a_strip():
    assert calc.widen((-6.0, 1.0, -1.5, 1.0)) == pytest.approx((-6.0, 1.0, -2.4375, 1.9375))  # 7 : 4.375 = 1.6
    assert calc.widen((-1.0, 1.0, -1.0, 1.0)) == (-1.0, 1.0, -1.0, 1.0)
    x0, x1, y0, y1 = calc.widen((0.0, 0.1, -2.0, 2.0))
    assert (y1 - y0) / (x1 - x0) == pytest.approx(calc.PLANE_ASPECT) and (x0 + x1) / 2 == pytest.approx(0.05)


def test_the_inspector_at_the_centre_sees_the_trained_network_bn_statistics_included():
    s = calc.NetSetting(kind="cnn", racer={"optimizer": "adam", "lr": 3e-3}, batch="64", steps=40)
    d = calc.net_run(s, grid=3)
    centre = d["surface"][np.argmin(np.abs(d["beta"])), np.argmin(np.abs(d["alpha"]))]
    info = calc.curvature(s, d["theta"], d["dirs"], 0.0, 0.0, d["buffers"])
    assert info["kind"] == classify(info["eigvals"], calc.PLANE_TOL)
    assert info["loss"] == pytest.approx(d["train_loss"], rel=1e-4)
    i0, j0 = np.argmin(np.abs(d["beta"])), np.argmin(np.abs(d["alpha"]))
    if abs(d["alpha"][j0]) < 1e-9 and abs(d["beta"][i0]) < 1e-9:
        assert centre == pytest.approx(info["loss"], rel=1e-4)


def _wait_for_the_pool(timeout: float = 300.0) -> None:
    """Until the worker pool has nothing queued or running (a generous bound, not a timing test)."""
    import time

    from optim_lab.jobs import POOL

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        c = POOL.counts()
        if c["queued"] == 0 and c["running"] == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"the pool did not finish: {POOL.counts()}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_first_run_draws_the_controls_and_a_placeholder_and_a_rerun_after_the_job_shows_the_chart(monkeypatch, lang):
    monkeypatch.delenv("OPTIM_LAB_JOBS", raising=False)
    params = {"view": "net", "steps": "40", "o1_lr": "0.07" if lang == "en" else "0.06"}  # a setting no other test computed
    at = _open(lang, params)
    assert not at.exception and not at.error
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-in_sharp_net")], "the page waited for the job"
    assert any(t("job_placeholder", lang) in c.value for c in at.caption)
    assert any(t("job_note", lang) in c.value for c in at.caption)  # what happens to a job nobody waits for
    assert at.sidebar.selectbox and at.sidebar.slider  # the controls are there at once
    assert {keys.preset_button(p) for p in PRESETS} <= {b.key for b in at.button}  # so are the presets
    _wait_for_the_pool()
    at.run()
    apptest.chart(at, "in_sharp_net")
    _wait_for_the_pool()  # the point inspector is a job of its own
    at.run()
    apptest.assert_clean(at)
    apptest.chart(at, "in_surface_chart")
    assert any(r"H_2 = D^\top H D" in x.value for x in at.latex)
    assert not any(t("job_placeholder", lang) in c.value for c in at.caption)


def test_presentation_mode_folds_the_explanations_into_one_expander():
    at = _open("zh", {"big": "1", "view": "ratio", "nets": "4", "rw": "8"})
    apptest.assert_clean(at)
    folds = [e for e in at.expander if e.label == t("intro_fold", "zh")]
    assert len(folds) == 1  # the page's intro and the view's explanation together, not two identical folds


def test_the_pages_text_has_no_raw_latex_and_none_of_the_translationese():
    from ui.sections.inside_network import text

    for lang, d in (("en", text.EN), ("zh", text.ZH)):
        for key, value in d.items():
            prose = re.sub(r"\$[^$]*\$", "", value)  # inline math is rendered by st.markdown
            assert not re.search(r"[\^_]\{", prose), f"{lang}:{key} shows raw LaTeX"
    zh = " ".join(text.ZH.values())
    for phrase in ("尖锐度与它的极限", "与它的误差表面", "检验对它们什么也说明不了", "经过每个解的一个滤波器归一化随机方向上的损失",
                   "尖锐 ", "说的是真话吗", "卷积块，宽度 8，含"):
        assert phrase not in zh, phrase
