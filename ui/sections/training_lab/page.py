"""HW3 · Training lab: HW3's seven steps on real digits, trained live with the chapter's optimizers.

Widgets (`setup`: steps 1–4 and each run's settings) → `calc.Shared` + one `calc.RunSetting`
per run → `calc.run_plan` (the engine's run config, its epochs fitted to the page's bound, or
why it cannot train: that run's note, never the page's end) → `training` (step 5: the runs
train, their curves grow) → `evaluate` (steps 6 and 7) → `script` (the code for a run).
"""

from __future__ import annotations

import streamlit as st

from optim_lab.training.data import load_digits_split
from optim_lab.training.train import CLIP, EPOCHS, MAX_RUNS
from ui.sections.training_lab import calc, evaluate, script, setup, training
from ui.shell import Shell

CHART_BOX = "tl_chart_box"
# Presentation mode: while runs train, the pool's fragment draws its progress bars above the growing
# curves and a placeholder line above both; on the projector the curves go first (flex order), so
# that they stay on the first screen while training as they do once trained.
CURVES_FIRST_CSS = f"""<style>
.st-key-{CHART_BOX} > [data-testid=stLayoutWrapper] {{ order: -1; }}
.st-key-{CHART_BOX} [data-testid=stVerticalBlock] > .st-key-tl_curves_live {{ order: -1; }}
</style>"""


def step_train_settings(sh: Shell, train_box):
    """Step 5's shared settings: in the step on a screen; on the projector in the sidebar
    (the teacher's panel), so that the curves come first."""
    c1, c2, c3 = (sh.side,) * 3 if sh.big else sh.controls.columns(3, within=train_box)
    epochs = int(sh.controls.slider("epochs", sh.t("tl_epochs"), EPOCHS.lo, EPOCHS.hi, 8, integer=True, container=c1))
    seed = int(sh.controls.number("seed", sh.t("tl_seed"), 0, 9999, 0, integer=True, container=c2))
    by = sh.controls.select("x", sh.t("tl_xaxis"), ["epochs", "updates"], "epochs",
                            format_func=lambda v: sh.t(f"tl_by_{v}"), container=c3, horizontal=True, radio=True)
    return epochs, seed, by


def show_notes(sh: Shell, plans: list[calc.Plan]) -> None:
    """Each run's own notes: its epochs fitted to the bound, or why it cannot train; for Muon,
    which parameters Muon steps and which AdamW."""
    for i, p in enumerate(plans, start=1):
        if p.note is not None:
            key, values = p.note
            text = sh.t(key, run=sh.t("tl_run_n", i=i), **values)
            if p.config is None:
                st.warning(text, icon="🛑")
            else:
                st.info(text, icon="✂️")
        if p.split is not None:
            st.info(muon_split_text(sh, i, p.split[1]), icon="🧩")


def muon_split_text(sh: Shell, i: int, v: dict) -> str:
    """"tl_muon_split" with its lists spelled out (only the kinds of parameter this model has)."""
    sep = sh.t("tl_list_sep")
    muon = [sh.t(key, n=v[n]) for key, n in (("tl_mu_kernels", "kernels"), ("tl_mu_matrices", "matrices")) if v[n]]
    adamw = [sh.t(key, n=v[n]) for key, n in (("tl_aw_biases", "biases"), ("tl_aw_bn", "bn"), ("tl_aw_head", "head")) if v[n]]
    return sh.t("tl_muon_split", run=sh.t("tl_run_n", i=i), muon_what=sep.join(muon), adamw_what=sep.join(adamw), **v)


def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        st.markdown(sh.t("tl_intro"))
    sh.preset_bar(columns=3)
    train_place = sh.chart_slot()  # step 5's curves: on the first screen in presentation mode, in HW3's order otherwise
    split = load_digits_split(0)

    n_runs = int(sh.controls.slider("n", sh.t("tl_runs"), 1, MAX_RUNS, 3, integer=True, container=sh.side))
    setup.step_libraries(sh)
    samples, augment, normalize = setup.step_data(sh, split)
    n_train = samples or split.sizes["train"]
    settings = []
    for i in range(1, n_runs + 1):
        with sh.side.expander(sh.t("tl_run_n", i=i), expanded=i == 1) as box:
            settings.append(setup.run_editor(sh, i, n_train, box))
    model = setup.step_model(sh)
    layers_box = st.container()
    s4 = st.container()
    with s4:
        st.header(sh.t("tl_s4"))
        st.markdown(sh.t("tl_s4_text"))
        c1, c2 = sh.controls.columns(2)
        clip_on = sh.controls.toggle("clip", sh.t("tl_clip"), False, container=c1)
        clip = sh.controls.log_slider("clipv", sh.t("tl_clip_value"), CLIP.lo, CLIP.hi, CLIP.default, container=c2) \
            if clip_on else None
    train_box = train_place()
    with train_box:
        chart_box = None
        if sh.big:  # on the projector the curves first, step 5's words under them
            st.html(CURVES_FIRST_CSS)
            chart_box = st.container(key=CHART_BOX)
        st.header(sh.t("tl_s5"))
    epochs, seed, by = step_train_settings(sh, train_box)
    with train_box:
        info_box = st.container()
        chart_box = chart_box or st.container()
    shared = calc.Shared(**model, samples=samples, augment=augment, normalize=normalize, clip=clip, epochs=epochs, seed=seed)
    plans = [calc.run_plan(shared, s, n_train) for s in settings]
    runs = setup.named_runs(sh, [(i, p.config) for i, p in enumerate(plans, start=1) if p.config is not None])
    with info_box:
        show_notes(sh, plans)
        if runs:
            st.caption(sh.t("tl_updates_per_epoch", items=", ".join(f"{r.name}: {r.config.updates_per_epoch}" for r in runs)))
    with layers_box:
        setup.show_layers(sh, runs)
    with s4:
        setup.step_loss_optimizer(sh, runs)
    if not runs:
        with chart_box:
            st.info(sh.t("tl_no_runs"), icon="🛑")
        records = []
    else:
        records = training.train_all(sh, runs, by, chart_box, info_box)
    done = [(r, rec) for r, rec in zip(runs, records, strict=True) if rec is not None]
    evaluate.step_evaluate(sh, done, split)
    evaluate.step_predict(sh, evaluate.usable(done), split)
    training.show_bn_view(sh, done)
    script.show_code(sh, runs)
