"""Steps 1–4 of the training lab (libraries, data, model, loss & optimizer) and each run's
own settings: what the page asks before anything trains."""

from __future__ import annotations

import numpy as np
import streamlit as st

from optim_lab.schedules import SCHEDULES
from optim_lab.training.models import BLOCKS, DEPTH, MLP_WIDTH, WIDTH, build_model, layer_table, n_params
from optim_lab.training.transforms import make_transforms
from ui.common.racers import racer_editor
from ui.common.view import chart, figure
from ui.sections.training_lab import calc, figures
from ui.shell import Shell

DEFAULT_LINEUP = ("sgd", "momentum", "adam", "rmsprop")
SURFACE = "digits"  # the racer editor's η table: the lab's networks (racers.LR_HINT)
T_MAX = 200  # a schedule's t_max until the learner sets it


# -- each run's own settings -----------------------------------------------------------------
def run_editor(sh: Shell, i: int, n_samples: int, box) -> calc.RunSetting:
    """Run i's optimizer (the one racer editor: η, β, … follow the optimizer), then what the
    run sets for itself: BN, its batch size (only those one epoch of which fits the bound), its loss;
    all in `box` (its fold of the sidebar)."""
    cfg = racer_editor(sh, i, SURFACE, default_opt=DEFAULT_LINEUP[i - 1], container=box, defaults={"s": "adam"},
                       steps=T_MAX, section="training_lab")
    bn = sh.controls.toggle(f"r{i}_bn", sh.t("tl_bn"), True, container=box)
    opts = calc.batch_options(n_samples)
    bs = sh.controls.select(f"r{i}_bs", sh.t("tl_batch"), opts, "64" if "64" in opts else "full",
                            format_func=lambda b: sh.t("tl_full", n=n_samples) if b == "full" else b, container=box)
    loss = sh.controls.select(f"r{i}_loss", sh.t("tl_loss"), ["ce", "mse"], "ce",
                              format_func=lambda v: sh.t(f"tl_loss_{v}"), container=box)
    return calc.RunSetting(cfg.racer(), bn, bs, loss)


def named_runs(sh: Shell, numbered: list[tuple[int, object]]) -> list[calc.NamedRun]:
    """'1 · Adam · η = 0.001', plus whatever else sets the run apart (BN, batch, loss, schedule);
    each run keeps its number in the sidebar (and its colour), whether or not the others can train."""
    configs = [c for _, c in numbered]
    out = []
    for i, c in numbered:
        parts = [c.racer.spec().label(sh.lang)]
        if len({x.racer.resolved_lr() for x in configs}) > 1 or len({x.racer.optimizer for x in configs}) == 1:
            parts.append(f"η = {c.racer.resolved_lr():g}")
        if len({x.racer.schedule for x in configs}) > 1:
            parts.append(SCHEDULES[c.racer.schedule].label(sh.lang))
        if len({x.model.bn for x in configs}) > 1:
            parts.append("BN" if c.model.bn else sh.t("tl_no_bn"))
        if len({x.batch_size for x in configs}) > 1:
            parts.append(f"B = {c.batch_size or c.n_train}")
        if len({x.loss for x in configs}) > 1:
            parts.append(sh.t(f"tl_loss_{c.loss}"))
        out.append(calc.NamedRun(i, f"{i} · " + " · ".join(parts), c))
    return out


# -- steps 1–4 -------------------------------------------------------------------------------
def step_libraries(sh: Shell) -> None:
    st.header(sh.t("tl_s1"))
    st.caption(sh.t("tl_s1_text"))
    st.code(sh.t("tl_imports"), language="python", wrap_lines=sh.big)  # the projector wraps what a screen scrolls
    st.caption(sh.t("tl_s1_torchvision"))


def step_data(sh: Shell, split) -> tuple[int | None, bool, bool]:
    st.header(sh.t("tl_s2"))
    st.markdown(sh.t("tl_s2_text", **split.sizes))
    n_all = split.sizes["train"]
    c1, c2, c3 = sh.controls.columns(3)
    samples = int(sh.controls.slider("samples", sh.t("tl_samples"), 50, n_all, n_all, integer=True, container=c1))
    augment = sh.controls.toggle("aug", sh.t("tl_augment"), False, container=c2, help=sh.t("tl_augment_help"))
    normalize = sh.controls.toggle("norm", sh.t("tl_normalize"), True, container=c3, help=sh.t("tl_normalize_help"))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{sh.t('tl_samples_title')}**")
        idx = np.arange(20) * (n_all // 20)
        imgs = split.x_train[idx, 0].numpy()
        chart(figure(figures.image_grid, imgs, [str(int(split.y_train[j])) for j in idx], cols=10, font_size=sh.font),
              "tl_samples", width="stretch", config={"displayModeBar": False})
        st.markdown(f"**{sh.t('tl_aug_title')}**")
        if augment:
            import torch

            tfm, _ = make_transforms(0.0, 1.0, True, False, torch.Generator().manual_seed(0))
            one = split.x_train[idx[3] : idx[3] + 1].repeat(8, 1, 1, 1)
            variants = tfm(one)[:, 0].numpy()
            chart(figure(figures.image_grid, np.concatenate([one[:1, 0].numpy(), variants]),
                         ["x"] + [f"tfm {j + 1}" for j in range(8)], cols=9, font_size=sh.font),
                  "tl_aug", width="stretch", config={"displayModeBar": False})
        else:
            st.caption(sh.t("tl_aug_off"))
    with right:
        counts = {sh.t("tl_train"): split.class_counts("train"), sh.t("tl_val"): split.class_counts("val"),
                  sh.t("tl_test"): split.class_counts("test")}
        lab = {"title": sh.t("tl_counts_title"), "class": sh.t("tl_class"), "count": sh.t("tl_count")}
        chart(figure(figures.class_counts_figure, counts, lab, font_size=sh.font), "tl_counts", width="stretch")
        raw = split.x_train.numpy().ravel()
        lab = {"title": sh.t("tl_hist_title"), "raw": sh.t("tl_hist_raw"),
               "norm": sh.t("tl_hist_norm", mean=split.mean, std=split.std), "pixel": sh.t("tl_pixel"),
               "count": sh.t("tl_pixel_count")}
        chart(figure(figures.pixel_hist_figure, raw, (raw - split.mean) / split.std, lab, font_size=sh.font), "tl_hist",
              width="stretch")
    return (None if samples == n_all else samples), augment, normalize


def step_model(sh: Shell) -> dict:
    st.header(sh.t("tl_s3"))
    # four in a row on a screen; two rows of two on the projector, where a quarter cuts the model's name
    c1, c2, c3, c4 = (*sh.controls.columns(2), *sh.controls.columns(2)) if sh.big else sh.controls.columns(4)
    kind = sh.controls.select("model", sh.t("tl_model"), ["cnn", "mlp"], "cnn",
                              format_func=lambda k: sh.t(f"tl_model_{k}"), container=c1)
    out = {"kind": kind}
    if kind == "cnn":
        out["width"] = int(sh.controls.slider("width", sh.t("tl_width_cnn"), WIDTH.lo, WIDTH.hi, WIDTH.default, integer=True,
                                              container=c2, help=sh.t("tl_width_help")))
        out["blocks"] = int(sh.controls.slider("blocks", sh.t("tl_blocks"), BLOCKS.lo, BLOCKS.hi, BLOCKS.default, integer=True,
                                               container=c3, help=sh.t("tl_blocks_help")))
    else:
        out["mlp_width"] = int(sh.controls.slider("mwidth", sh.t("tl_width_mlp"), MLP_WIDTH.lo, MLP_WIDTH.hi, MLP_WIDTH.default,
                                                  integer=True, container=c2))
        out["depth"] = int(sh.controls.slider("depth", sh.t("tl_depth"), DEPTH.lo, DEPTH.hi, DEPTH.default, integer=True, container=c3))
        out["activation"] = sh.controls.select("act", sh.t("tl_activation"), ["relu", "tanh"], "relu", container=c3)
    out["residual"] = sh.controls.toggle("res", sh.t("tl_residual"), False, container=c4, help=sh.t("tl_residual_help"))
    return out


def show_layers(sh: Shell, runs: list[calc.NamedRun]) -> None:
    if not runs:
        return
    models = [build_model(r.config.model, r.config.seed) for r in runs]
    rows = layer_table(models[0])
    st.markdown(f"**{sh.t('tl_layers_of', i=runs[0].number, params=f'{n_params(models[0]):,}')}**")
    sh.table([{sh.t("tl_col_layer"): r["name"], sh.t("tl_col_type"): r["type"],
               sh.t("tl_col_shape"): " × ".join(str(s) for s in r["output_shape"]), sh.t("tl_col_params"): r["params"]}
              for r in rows])
    if len(runs) > 1:
        st.caption(sh.t("tl_params_per_run", items=", ".join(f"{r.name}: {n_params(m):,}" for r, m in zip(runs, models, strict=True))))


def step_loss_optimizer(sh: Shell, runs: list[calc.NamedRun]) -> None:
    if not runs:
        return
    for col, r in zip(st.columns(len(runs)), runs, strict=True):
        c = r.config
        with col:
            st.markdown(f"<span style='color:{figures.colour(r.number - 1)};font-weight:700'>● {r.name}</span>", unsafe_allow_html=True)
            if c.loss == "ce":
                st.latex(r"\text{" + sh.t("tl_loss_ce") + r"}:\ e = -\sum_i \hat y_i \ln y'_i")
            else:
                st.latex(r"\text{" + sh.t("tl_mse_book") + r"}:\ e = \sum_i (\hat y_i - y'_i)^2")
            st.latex(calc.update_formula(c.racer))
            spec = c.racer.spec()
            hp = spec.resolve(dict(c.racer.hparams))
            wd = hp.get("weight_decay", 0.0)
            if wd:  # AdamW's kind (Muon, Lion, …) shrinks θ itself; the others add λθ to g
                decoupled = spec.decoupled or bool(hp.get("decoupled_weight_decay", False))
                st.caption(sh.t("tl_wd_note_decoupled" if decoupled else "tl_wd_note", wd=wd))
