"""Training lab page (AppTest): defaults in both languages, every preset trains exactly the
engine preset whose claim is tested, divergence and refused settings are said in words."""

from __future__ import annotations

import pytest

from optim_lab.training.presets import PRESETS
from optim_lab.training.train import MAX_UPDATES
from tests import apptest
from ui.sections.training_lab.jobs import JOBS
from ui.shell import PAGE_BY_ID
from ui.text import LANGS, t

SCRIPT = PAGE_BY_ID["training-lab"].path


def _open(lang="en", query=None):
    return apptest.open_page(SCRIPT, lang, query, timeout=240)


@pytest.mark.parametrize("lang", LANGS)
def test_defaults_train_three_runs_and_show_every_step(lang):
    at = _open(lang)
    apptest.assert_clean(at)
    headers = [h.value for h in at.header]
    for k in range(1, 8):
        assert t(f"tl_s{k}", lang) in headers
    bars = at.get("progress")
    assert len(bars) == 3 and all(b.proto.value == 100 for b in bars)
    assert not at.warning
    tables = at.dataframe
    assert len(tables[1].value) == 3  # the accuracy table, one row per run (after the layer table)
    assert any(r"\odot" in m.value for m in at.latex)
    assert at.code and "def train(" in at.code[-1].value  # the code for this run


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_preset_link_trains_the_engine_preset(preset):
    from ui.sections.training_lab.calc import preset_params

    at = _open("en", preset_params(preset))
    apptest.assert_clean(at)
    recs = [JOBS.finished(c.checked().key()) for c in preset.runs]
    assert all(r is not None for r in recs), "the page trained other settings than the preset's"
    assert preset.claim(recs)["holds"]


def test_divergence_is_a_sentence_not_a_broken_chart():
    at = _open("en", {"n": "1", "o1": "sgd", "o1_lr": "10", "r1_bn": "0", "epochs": "2"})
    assert not at.exception
    assert any("diverged at epoch 1 (update" in w.value for w in at.warning)
    assert at.get("plotly_chart")


def test_refused_settings_name_the_reason():
    at = _open("zh", {"n": "1", "r1_bs": "1", "epochs": "15"})
    assert not at.exception
    assert at.error and str(MAX_UPDATES) in at.error[0].value


def test_weight_decay_is_the_shared_box_and_reaches_hw3s_value():
    at = _open("en", {"n": "1", "o1": "adam", "o1_h_weight_decay": "1e-05", "samples": "50", "epochs": "1"})
    apptest.assert_clean(at)
    box = at.number_input(key="o1_h_weight_decay")
    assert box.value == 1e-5 and box.format == "%.3g"  # racers.param_control's box, not a copy of its own
    assert any(c.value.startswith(t("tl_wd_note", "en", wd=1e-5)) for c in at.caption)


def test_an_mlp_with_bn_shows_the_pitfall_table():
    """BatchNorm1d refuses train mode on a batch of one: the table's batches start at two."""
    from optim_lab.training.train import PITFALL_BATCHES

    at = _open("en", {"n": "1", "model": "mlp", "samples": "100", "epochs": "1"})
    apptest.assert_clean(at)
    (pitfall,) = [d.value for d in at.dataframe if t("tl_mode_eval", "en") in d.value.columns]
    assert list(pitfall.columns)[-len(PITFALL_BATCHES):] == [t("tl_mode_train", "en", b=b) for b in PITFALL_BATCHES]
    assert ((pitfall.iloc[0, 1:] >= 0) & (pitfall.iloc[0, 1:] <= 1)).all()
