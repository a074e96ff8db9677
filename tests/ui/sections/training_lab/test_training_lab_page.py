"""Training lab page (AppTest): defaults in both languages, every preset trains exactly the
engine preset whose claim is tested, divergence and refused settings are said in words."""

from __future__ import annotations

import re

import pytest

from optim_lab.jobs import POOL
from optim_lab.training.presets import PRESETS
from optim_lab.training.train import MAX_UPDATES
from tests import apptest
from ui.common.lineup import default_lr
from ui.sections.training_lab.training import job_key
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
    assert not at.get("progress")  # inline jobs (tests/conftest.py): trained within the run, no bar left
    assert len({d["name"] for d in apptest.chart(at, "tl_curves")["data"]}) == 3
    assert not at.warning
    tables = at.dataframe
    assert len(tables[1].value) == 3  # the accuracy table, one row per run (after the layer table)
    assert any(r"\odot" in m.value for m in at.latex)
    assert at.code and "def train(" in at.code[-1].value  # the code for this run
    assert not [b for b in at.button if b.key == "tl_stop"]  # trained: no stop button left (issue 19 item 10)
    if lang == "zh":  # the imports of step 1 explained in the page's language, the script's English said in Chinese
        assert "# 每个回合的更新次数" in at.code[0].value
        assert t("tl_code_language", "zh") in [c.value for c in at.caption]


def test_the_learning_rate_follows_the_optimizer_and_the_run_name_shows_it():
    """Issue 18: the lab's own run editor kept SGD's η = 0.01 when run 1 became Adam, and the name hid it."""
    at = _open("en", {"n": "2", "o2": "sgd", "samples": "50", "epochs": "1"})
    apptest.assert_clean(at)
    at.selectbox(key="o1").set_value("adam").run()
    apptest.assert_clean(at)
    assert at.query_params.get("o1_lr") in (None, [])  # Adam's own default, not SGD's carried over
    names = {d["name"] for d in apptest.chart(at, "tl_curves")["data"] if d.get("showlegend")}
    assert "1 · Adam · η = 0.001" in names and "2 · SGD / GD · η = 0.01" in names, names


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_preset_link_trains_the_engine_preset(preset):
    from ui.sections.training_lab.calc import preset_params

    at = _open("en", preset_params(preset))
    apptest.assert_clean(at)
    recs = [POOL.peek(job_key(c.checked())).result for c in preset.runs]
    assert all(r is not None for r in recs), "the page trained other settings than the preset's"
    assert preset.claim(recs)["holds"]


def test_divergence_is_a_sentence_not_a_broken_chart():
    at = _open("en", {"n": "1", "o1": "sgd", "o1_lr": "10", "r1_bn": "0", "epochs": "2"})
    assert not at.exception
    assert any("diverged at epoch 1 (update" in w.value for w in at.warning)
    assert at.get("plotly_chart")


def test_a_batch_size_the_menu_offers_trains_fitted_to_the_bound_and_says_so_in_the_pages_language():
    """Issue 19 item 1: B = 8 at 8 epochs ended the page in an English red box; now that run trains 2 epochs,
    says why in Chinese, and every run keeps its curves, the evaluation and the prediction."""
    at = _open("zh", {"n": "2", "r1_bs": "8", "epochs": "8"})  # the case: 1 347 samples, 169 updates an epoch
    apptest.assert_clean(at)
    note = t("tl_fit_epochs", "zh", run=t("tl_run_n", "zh", i=1), b=8, per_epoch=169, asked=8, total=1352, max=MAX_UPDATES, e=2)
    assert note in [i.value for i in at.info]
    assert len(apptest.chart(at, "tl_curves")["data"]) >= 8  # both runs drawn
    headers = [h.value for h in at.header]
    assert t("tl_s6", "zh") in headers and t("tl_s7", "zh") in headers
    assert len(at.dataframe[1].value) == 2


def test_a_run_that_cannot_train_is_that_runs_note_in_the_pages_language():
    at = _open("zh", {"n": "2", "model": "mlp", "samples": "65", "r1_bs": "64", "r2_bn": "0", "r2_bs": "64", "epochs": "1"})
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [t("tl_bn_batch_of_one", "zh", run=t("tl_run_n", "zh", i=1), n=65, b=64)]
    names = {d["name"] for d in apptest.chart(at, "tl_curves")["data"] if d.get("showlegend")}
    assert len(names) == 1 and names.pop().startswith("2 · ")  # run 2 trains, and keeps its number (and colour)


def test_the_evaluation_table_of_a_diverged_run_writes_no_none_and_no_e_notation():
    """Issue 19 item 9: a run that diverged in its first epoch showed "None"; large losses "1.9e+04"."""
    at = _open("en", {"n": "2", "o1": "sgd", "o1_lr": "10", "r1_bn": "0", "o2": "adam", "samples": "200", "epochs": "2"})
    apptest.assert_clean(at)
    table = at.dataframe[1].value
    cells = [str(v) for v in table.to_numpy().ravel()]
    assert not [c for c in cells if c in ("None", "nan") or re.search(r"\de[+-]\d", c)], cells
    (row,) = [r for _, r in table.iterrows() if r[t("tl_col_run", "en")].startswith("1 · ")]
    assert row[t("tl_col_note", "en")].startswith("diverged at epoch 1")
    assert row[t("tl_col_val_acc", "en")] == "—"


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
    accuracies = [float(v.removesuffix(" %")) for v in pitfall.iloc[0, 1:]]  # written as the page writes them: "97.4 %"
    assert all(0 <= a <= 100 for a in accuracies)


def test_the_bn_views_twin_trains_as_a_job_and_joins_the_chart():
    at = _open("zh", {"n": "1", "samples": "50", "epochs": "1", "bnv": "1"})
    apptest.assert_clean(at)
    names = [d["name"] for d in apptest.chart(at, "tl_preact")["data"] if d.get("mode") == "lines+markers"]  # the medians
    assert len(names) == 2 and names[1] == f"{names[0]} · {t('tl_no_bn', 'zh')}", names


@pytest.mark.parametrize("lang", LANGS)
def test_a_run_whose_update_the_script_does_not_write_out_says_so_instead_of_a_script(lang):
    """Lion trains like any optimizer, but the script writes out only the rules it reproduces exactly:
    the code view says why there is no script, in the page's language, and shows none."""
    at = _open(lang, {"n": "1", "o1": "lion", "epochs": "1", "samples": "200"})
    apptest.assert_clean(at)
    said = t("tl_code_none", lang, why="\x00").split("\x00")[0]
    assert any(i.value.startswith(said) for i in at.info)
    assert not [c for c in at.code if "def train(" in c.value]


@pytest.mark.parametrize("lang", LANGS)
def test_a_muon_run_trains_with_adamw_for_the_rest_and_says_which_parameters_get_which(lang):
    """Muon where it is meant to work: the run trains, and its note names what Muon steps (the
    kernels, the hidden matrix) and what AdamW steps (biases, BN's γ and β, the output layer)."""
    at = _open(lang, {"n": "2", "o1": "muon", "o1_lr": "0.02", "epochs": "1", "samples": "200"})
    apptest.assert_clean(at)
    assert not at.warning
    notes = [i.value for i in at.info if t("tl_mu_kernels", lang, n=2) in i.value]
    assert len(notes) == 1, [i.value for i in at.info]
    for piece in (t("tl_mu_matrices", lang, n=1), t("tl_aw_biases", lang, n=3), t("tl_aw_bn", lang, n=4),
                  t("tl_aw_head", lang, n=2), "12,944", "858"):
        assert piece in notes[0], piece
    assert len({d["name"] for d in apptest.chart(at, "tl_curves")["data"]}) == 2
    assert any(i.value == t("tl_code_none_muon", lang) for i in at.info)  # the code view: no script, and why
    captions = [c.value for c in at.caption]
    assert t("tl_wd_note_decoupled", lang, wd=0.1) in captions  # Muon's decay shrinks θ, it is no L2 term in g
    assert t("tl_wd_note", lang, wd=0.1) not in captions


def test_choosing_muon_starts_at_its_documented_learning_rate():
    """torch.optim.Muon's documented η is 0.02; the lab's other rules keep the digits row of LR_HINT."""
    at = _open("en", {"n": "2", "o1": "muon", "epochs": "1", "samples": "200"})
    apptest.assert_clean(at)
    assert float(at.session_state["o1_lr__exact"]) == 0.02
    assert float(at.session_state["o2_lr__exact"]) == default_lr(at.session_state["o2"], "digits")
