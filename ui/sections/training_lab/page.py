"""HW3 · Training lab: HW3's seven steps on real digits, trained live with the chapter's optimizers.

Widgets → `calc.Shared` + one `calc.RunSetting` per run → engine run configs →
`jobs.JOBS.run` (shared cache, one training per core) → figure builders.  A training
runs in a child process and reports to the script, which redraws the progress bars and
curves between epochs (and every 50 updates): that is where Streamlit stops a run that
is no longer wanted (a rerun, a new setting, the stop button, leaving the page).
"""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import streamlit as st

from optim_lab.optimizers import CUSTOM, OPTIMIZERS, custom_optimizer, get_optimizer
from optim_lab.rules import MOMENTUM, SCALING
from optim_lab.schedules import SCHEDULES
from optim_lab.training import codegen
from optim_lab.training.data import load_digits_split
from optim_lab.training.models import BLOCKS, DEPTH, MLP_WIDTH, WIDTH, build_model, layer_table, n_params
from optim_lab.training.train import CLIP, EPOCHS, MAX_RUNS, PITFALL_BATCHES, RunRecord
from optim_lab.training.transforms import make_transforms
from ui.common.racers import UI_LR_MAX, UI_LR_MIN, param_control
from ui.sections.training_lab import calc, figures, jobs
from ui.sections.training_lab.canvas import draw_canvas
from ui.shell import Shell

DEFAULT_LINEUP = (("sgd", 0.01), ("momentum", 0.01), ("adam", 1e-3), ("rmsprop", 1e-3))
# seconds between live chart redraws: each is a message through the shared server and a re-render in the
# browser (make load: at 0.5 s the redraws of 10 trainings were most of their server time)
REDRAW_EVERY = 1.0
# a waiting run's bar ("place p in the queue") is redrawn when its place changes, else this often: the
# redraw is also where Streamlit ends a script whose student has left or changed a setting
HEARTBEAT = 1.0
STOP_KEY, TOKEN_KEY, PARTIAL_KEY = "_tl_stopped", "_tl_token", "_tl_partial"

IMPORTS = """\
import argparse                      # the script's flags mirror the page's settings
import math                          # updates per epoch = ceil(N / B)
import numpy as np                   # the digits arrive as numpy arrays
import torch                         # tensors, autograd, torch.manual_seed
import torch.nn.functional as F      # cross_entropy, softmax, affine_grid + grid_sample (augmentation)
from torch import nn                 # Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear: the Classifier
from sklearn.datasets import load_digits                # 1 797 real 8×8 digits, shipped with scikit-learn
from sklearn.model_selection import train_test_split   # seeded, stratified train / validation / test split
# HW3 also imports torchvision.transforms, Dataset/DataLoader, PIL and tqdm: see the note below
"""


# -- controls -----------------------------------------------------------------------------
def run_editor(sh: Shell, i: int, n_samples: int) -> calc.RunSetting:
    """Run i's optimizer (the registry's controls) and what the run sets for itself."""
    k = f"o{i}"
    default_opt, default_lr = DEFAULT_LINEUP[i - 1]
    options = [*OPTIMIZERS, CUSTOM]

    def fmt(name):
        return sh.t("build_your_own") if name == CUSTOM else OPTIMIZERS[name].label(sh.lang)

    name = sh.controls.select(k, sh.t("optimizer"), options, default_opt, format_func=fmt)
    rules = {}
    if name == CUSTOM:
        rules["momentum_rule"] = sh.controls.select(f"{k}_m", sh.t("momentum_rule"), list(MOMENTUM), "heavy-ball",
                                                  format_func=lambda r: MOMENTUM[r].label(sh.lang))
        rules["scaling_rule"] = sh.controls.select(f"{k}_s", sh.t("scaling_rule"), list(SCALING), "adam",
                                                 format_func=lambda r: SCALING[r].label(sh.lang))
        spec = custom_optimizer(rules["momentum_rule"], rules["scaling_rule"])
    else:
        spec = get_optimizer(name)
    lr = sh.controls.log_slider(f"{k}_lr", sh.t("learning_rate"), UI_LR_MIN, UI_LR_MAX, default_lr)
    hp = {}
    if spec.params:
        with st.expander(sh.t("hyperparameters"), expanded=False):
            for p in spec.params:
                hp[p.name] = param_control(sh, f"{k}_h_{p.name}", p, st)
    sched = sh.controls.select(f"{k}_sch", sh.t("schedule"), list(SCHEDULES), "constant",
                               format_func=lambda s: SCHEDULES[s].label(sh.lang))
    sp = {}
    if SCHEDULES[sched].params:
        with st.expander(sh.t("schedule_params"), expanded=False):
            for p in SCHEDULES[sched].params:
                sp[p.name] = param_control(sh, f"{k}_sp_{p.name}", p, st,
                                           default=200 if p.name == "t_max" else None)
    from optim_lab.engine import Racer

    racer = Racer(name, lr=lr, hparams=hp, schedule=sched, sched_params=sp, **rules)
    bn = sh.controls.toggle(f"r{i}_bn", sh.t("tl_bn"), True)
    opts = calc.batch_options(n_samples)
    bs = sh.controls.select(f"r{i}_bs", sh.t("tl_batch"), opts, "64" if "64" in opts else "full",
                            format_func=lambda b: sh.t("tl_full", n=n_samples) if b == "full" else b)
    loss = sh.controls.select(f"r{i}_loss", sh.t("tl_loss"), ["ce", "mse"], "ce",
                              format_func=lambda v: sh.t(f"tl_loss_{v}"))
    return calc.RunSetting(racer, bn, bs, loss)


def run_names(sh: Shell, configs) -> list[str]:
    """'1 · Adam', plus whatever sets the run apart from the others (BN, batch, loss, schedule)."""
    names = []
    for i, c in enumerate(configs, start=1):
        parts = [c.racer.spec().label(sh.lang)]
        if len({x.model.bn for x in configs}) > 1:
            parts.append("BN" if c.model.bn else sh.t("tl_no_bn"))
        if len({x.batch_size for x in configs}) > 1:
            parts.append(f"B = {c.batch_size or c.n_train}")
        if len({x.loss for x in configs}) > 1:
            parts.append(sh.t(f"tl_loss_{c.loss}"))
        if len({(x.racer.schedule, x.racer.resolved_lr()) for x in configs}) > 1 and len({x.racer.optimizer for x in configs}) == 1:
            parts.append(f"η = {c.racer.resolved_lr():g}" + ("" if c.racer.schedule == "constant" else f" · {SCHEDULES[c.racer.schedule].label(sh.lang)}"))
        names.append(f"{i} · " + " · ".join(parts))
    return names


# -- steps ---------------------------------------------------------------------------------
def step_libraries(sh: Shell) -> None:
    st.header(sh.t("tl_s1"))
    st.caption(sh.t("tl_s1_text"))
    st.code(IMPORTS, language="python", wrap_lines=sh.big)  # the projector wraps what a screen scrolls
    st.info(sh.t("tl_s1_torchvision"), icon="ℹ️")


def step_data(sh: Shell, split) -> tuple[int | None, bool, bool]:
    st.header(sh.t("tl_s2"))
    st.markdown(sh.t("tl_s2_text", **split.sizes))
    n_all = split.sizes["train"]
    c1, c2, c3 = st.columns(3)
    samples = int(sh.controls.slider("samples", sh.t("tl_samples"), 50, n_all, n_all, integer=True, container=c1))
    augment = sh.controls.toggle("aug", sh.t("tl_augment"), False, container=c2, help=sh.t("tl_augment_help"))
    normalize = sh.controls.toggle("norm", sh.t("tl_normalize"), True, container=c3, help=sh.t("tl_normalize_help"))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{sh.t('tl_samples_title')}**")
        idx = np.arange(20) * (n_all // 20)
        imgs = split.x_train[idx, 0].numpy()
        st.plotly_chart(figures.image_grid(imgs, [str(int(split.y_train[j])) for j in idx], cols=10, font_size=sh.font),
                        key="tl_samples", width="stretch", config={"displayModeBar": False})
        st.markdown(f"**{sh.t('tl_aug_title')}**")
        if augment:
            import torch

            tfm, _ = make_transforms(0.0, 1.0, True, False, torch.Generator().manual_seed(0))
            one = split.x_train[idx[3] : idx[3] + 1].repeat(8, 1, 1, 1)
            variants = tfm(one)[:, 0].numpy()
            st.plotly_chart(figures.image_grid(np.concatenate([one[:1, 0].numpy(), variants]),
                                               ["x"] + [f"tfm {j + 1}" for j in range(8)], cols=9, font_size=sh.font),
                            key="tl_aug", width="stretch", config={"displayModeBar": False})
        else:
            st.caption(sh.t("tl_aug_off"))
    with right:
        counts = {sh.t("tl_train"): split.class_counts("train"), sh.t("tl_val"): split.class_counts("val"),
                  sh.t("tl_test"): split.class_counts("test")}
        lab = {"title": sh.t("tl_counts_title"), "class": sh.t("tl_class"), "count": sh.t("tl_count")}
        st.plotly_chart(figures.class_counts_figure(counts, lab, font_size=sh.font), key="tl_counts", width="stretch")
        raw = split.x_train.numpy().ravel()
        lab = {"title": sh.t("tl_hist_title"), "raw": sh.t("tl_hist_raw"),
               "norm": sh.t("tl_hist_norm", mean=split.mean, std=split.std), "pixel": sh.t("tl_pixel"),
               "count": sh.t("tl_pixel_count")}
        st.plotly_chart(figures.pixel_hist_figure(raw, (raw - split.mean) / split.std, lab, font_size=sh.font),
                        key="tl_hist", width="stretch")
    return (None if samples == n_all else samples), augment, normalize


def step_model(sh: Shell) -> dict:
    st.header(sh.t("tl_s3"))
    # four in a row on a screen; two rows of two on the projector, where a quarter cuts the model's name
    c1, c2, c3, c4 = (*st.columns(2), *st.columns(2)) if sh.big else st.columns(4)
    kind = sh.controls.select("model", sh.t("tl_model"), ["cnn", "mlp"], "cnn",
                              format_func=lambda k: sh.t(f"tl_model_{k}"), container=c1)
    out = {"kind": kind}
    if kind == "cnn":
        out["width"] = int(sh.controls.slider("width", sh.t("tl_width_cnn"), WIDTH.lo, WIDTH.hi, WIDTH.default, integer=True, container=c2,
                                                 help=sh.t("tl_width_help")))
        out["blocks"] = int(sh.controls.slider("blocks", sh.t("tl_blocks"), BLOCKS.lo, BLOCKS.hi, BLOCKS.default, integer=True, container=c3,
                                                  help=sh.t("tl_blocks_help")))
    else:
        out["mlp_width"] = int(sh.controls.slider("mwidth", sh.t("tl_width_mlp"), MLP_WIDTH.lo, MLP_WIDTH.hi, MLP_WIDTH.default,
                                                  integer=True, container=c2))
        out["depth"] = int(sh.controls.slider("depth", sh.t("tl_depth"), DEPTH.lo, DEPTH.hi, DEPTH.default, integer=True, container=c3))
        out["activation"] = sh.controls.select("act", sh.t("tl_activation"), ["relu", "tanh"], "relu", container=c3)
    out["residual"] = sh.controls.toggle("res", sh.t("tl_residual"), False, container=c4, help=sh.t("tl_residual_help"))
    return out


def show_layers(sh: Shell, configs, names) -> None:
    models = [build_model(c.model, c.seed) for c in configs]
    rows = layer_table(models[0])
    st.markdown(f"**{sh.t('tl_layers_of', i=1, params=f'{n_params(models[0]):,}')}**")
    sh.table([{sh.t("tl_col_layer"): r["name"], sh.t("tl_col_type"): r["type"],
                   sh.t("tl_col_shape"): " × ".join(str(s) for s in r["output_shape"]), sh.t("tl_col_params"): r["params"]}
                  for r in rows])
    if len(configs) > 1:
        st.caption(sh.t("tl_params_per_run", items=", ".join(f"{n}: {n_params(m):,}" for n, m in zip(names, models, strict=True))))


def step_loss_optimizer(sh: Shell, configs, names) -> None:
    cols = st.columns(len(configs))
    for col, c, name in zip(cols, configs, names, strict=True):
        with col:
            st.markdown(f"<span style='color:{figures.colour(names.index(name))};font-weight:700'>● {name}</span>",
                        unsafe_allow_html=True)
            if c.loss == "ce":
                st.latex(r"\text{" + sh.t("tl_loss_ce") + r"}:\ e = -\sum_i \hat y_i \ln y'_i")
            else:
                st.latex(r"\text{" + sh.t("tl_mse_book") + r"}:\ e = \sum_i (\hat y_i - y'_i)^2")
            st.latex(calc.update_formula(c.racer))
            wd = c.racer.spec().resolve(dict(c.racer.hparams)).get("weight_decay", 0.0)
            if wd:
                st.caption(sh.t("tl_wd_note", wd=wd))


# -- training ------------------------------------------------------------------------------
def _curve(rec: RunRecord | None, name: str, sh: Shell) -> figures.CurveRun:
    if rec is None:
        return figures.CurveRun(name, [], [], [], [], [], [], [])
    cv = rec.curves()
    div = None
    if rec.diverged_at is not None:
        div = sh.t("tl_diverged", name="", e=rec.diverged_epoch, k=rec.diverged_at).strip()
    return figures.CurveRun(name, cv["epoch"], cv["updates"], cv["train_loss"], cv["val_loss"], cv["train_acc"],
                            cv["val_acc"], list(rec.batch_loss), div)


def _labels(sh: Shell) -> dict:
    return {"loss": sh.t("tl_loss_axis"), "acc": sh.t("tl_acc_axis"), "train": sh.t("tl_train"), "val": sh.t("tl_val"),
            "epoch": sh.t("tl_epoch"), "update": sh.t("tl_update"), "batch_loss": sh.t("tl_batch_loss"),
            "title": sh.t("tl_curves_title")}


def train_all(sh: Shell, configs, names, by: str) -> list[RunRecord | None]:
    ss = st.session_state
    sig = "|".join(c.key() for c in configs)
    old = ss.get(TOKEN_KEY)
    if old is not None:
        old.set()  # a run of this session still looping elsewhere stops at its next update
    token = ss[TOKEN_KEY] = threading.Event()
    partial: dict = ss.setdefault(PARTIAL_KEY, {})
    records: list[RunRecord | None] = [jobs.JOBS.finished(c.key()) for c in configs]
    if all(r is not None for r in records):  # every run already trained: nothing to stop, nothing stopped
        ss.pop(STOP_KEY, None)
    stopped = ss.get(STOP_KEY) == sig
    if stopped:
        st.button(sh.t("tl_restart"), key="tl_restart", on_click=lambda: ss.pop(STOP_KEY, None))
        st.caption(sh.t("tl_stopped_note"))
    elif not all(r is not None for r in records):
        st.button(sh.t("tl_stop"), key="tl_stop", on_click=lambda: ss.__setitem__(STOP_KEY, sig))
    st.caption(sh.t("tl_updates_per_epoch", items=", ".join(f"{n}: {c.updates_per_epoch}" for n, c in zip(names, configs, strict=True))))
    if sh.big:  # on the projector the curves come first, the progress bars under them
        chart = st.empty()
        bars = [st.empty() for _ in configs]
    else:
        bars = [st.empty() for _ in configs]
        chart = st.empty()
    epochs = max(c.n_epochs for c in configs)
    total = max(c.total_updates for c in configs)
    last_draw, draws = [0.0], [0]

    def draw(force=False):
        now = time.perf_counter()
        if not force and now - last_draw[0] < REDRAW_EVERY:
            return
        last_draw[0] = now
        fig = figures.curves_figure([_curve(r, n, sh) for r, n in zip(records, names, strict=True)], by, _labels(sh),
                                    epochs, total, height=sh.size(420, 560), font_size=sh.font)
        draws[0] += 1  # one element id per redraw (an unkeyed chart with equal parameters would collide)
        chart.plotly_chart(fig, key="tl_curves" if force else f"tl_curves_live_{draws[0]}", width="stretch")

    for i, (cfg, name) in enumerate(zip(configs, names, strict=True)):
        key = cfg.key()
        E, K = cfg.n_epochs, cfg.total_updates
        if records[i] is not None:
            bars[i].progress(1.0, text=sh.t("tl_cached", name=name))
            continue
        if stopped:
            records[i] = partial.get(key)
            rec = records[i]
            done = rec.updates / K if rec else 0.0
            bars[i].progress(min(done, 1.0), text=sh.t("tl_progress_upd", name=name, e=len(rec.epochs) if rec else 0, E=E,
                                                      k=rec.updates if rec else 0, K=K))
            continue

        def progress(rec, k, tot, i=i, name=name, key=key, E=E):
            records[i] = rec
            partial[key] = rec
            e = len(rec.epochs)
            spe = float(np.mean([x.seconds for x in rec.epochs])) if rec.epochs else 0.0
            text = (sh.t("tl_progress", name=name, e=e, E=E, spe=spe) if k == rec.epochs[-1].updates
                    else sh.t("tl_progress_upd", name=name, e=e + 1, E=E, k=k, K=tot)) if rec.epochs else \
                sh.t("tl_progress_upd", name=name, e=1, E=E, k=k, K=tot)
            bars[i].progress(min(k / tot, 1.0), text=text)
            draw()

        said: dict = {}  # what this run's bar says now: a bar is redrawn on news, else at most every HEARTBEAT s

        def say(i, value, text, said=said):
            now = time.monotonic()
            if said.get("text") != text or now - said.get("at", 0.0) >= HEARTBEAT:
                said.update(text=text, at=now)
                bars[i].progress(value, text=text)

        def wait(place, i=i, name=name, say=say):
            say(i, 0.0, sh.t("tl_waiting", name=name, place=place))

        def follow(rec, i=i, name=name, K=K, say=say):
            if rec is not None and rec is not records[i]:  # redrawn only when the owner has reported since
                records[i] = rec
                draw()
            say(i, min((rec.updates if rec else 0) / K, 1.0), sh.t("tl_following", name=name) + f" · {rec.updates if rec else 0}/{K}")

        bars[i].progress(0.0, text=sh.t("tl_progress_upd", name=name, e=1, E=E, k=0, K=K))
        rec, how = jobs.JOBS.run(cfg, progress=progress, wait=wait, follow=follow, should_stop=token.is_set)
        records[i] = rec
        partial.pop(key, None)
        bars[i].progress(1.0, text=sh.t("tl_progress_done", name=name, E=len(rec.epochs), k=rec.updates))
    draw(force=True)
    for rec, name in zip(records, names, strict=True):
        if rec is not None and rec.diverged_at is not None:
            st.warning(sh.t("tl_diverged", name=name, e=rec.diverged_epoch, k=rec.diverged_at), icon="💥")
    return records


# -- evaluate, predict, inside, code ---------------------------------------------------------
def step_evaluate(sh: Shell, done: list[tuple[str, RunRecord]], split) -> None:
    st.header(sh.t("tl_s6"))
    st.markdown(f"**{sh.t('tl_acc_table')}**")
    rows = []
    for name, r in done:
        last = r.epochs[-1] if r.epochs else None
        rows.append({sh.t("tl_col_run"): name, sh.t("tl_col_updates"): r.updates,
                     sh.t("tl_col_train_loss"): last and round(last.train_loss, 4), sh.t("tl_col_train_acc"): last and round(last.train_acc, 4),
                     sh.t("tl_col_val_loss"): last and round(last.val_loss, 4), sh.t("tl_col_val_acc"): last and round(last.val_acc, 4),
                     sh.t("tl_col_best"): r.best_epoch,
                     sh.t("tl_col_time"): round(float(np.mean([e.seconds for e in r.epochs])), 3) if r.epochs else None})
    sh.table(rows)
    usable = [(n, r) for n, r in done if r.state_dict and r.diverged_at is None]
    if not usable:
        return
    names = [n for n, _ in usable]
    probs = {n: calc.evaluation(r).val_probs for n, r in usable}
    y = split.y_val.numpy()
    left, right = st.columns([2, 3])
    with left:
        pick = sh.controls.select("cm", sh.t("tl_confusion_of"), names, names[0], container=st)
        lab = {"true": sh.t("tl_true"), "pred": sh.t("tl_pred")}
        st.plotly_chart(figures.confusion_figure(calc.confusion(probs[pick], y), lab, font_size=sh.font),
                        key="tl_confusion", width="stretch")
    with right:
        wrong = calc.misclassified(probs[pick], y, limit=10)
        n_wrong = int((probs[pick].argmax(1) != y).sum())
        if len(wrong) == 0:
            st.success(sh.t("tl_none_wrong", name=pick))
        else:
            st.markdown(f"**{sh.t('tl_wrong_title', name=pick, n=n_wrong, total=len(y))}**")
            titles = [f"{y[j]}→{probs[pick][j].argmax()}" for j in wrong]
            st.plotly_chart(figures.image_grid(split.x_val[wrong, 0].numpy(), titles, cols=5, font_size=sh.font),
                            key="tl_wrong", width="stretch", config={"displayModeBar": False})
            j = int(sh.controls.slider("wi", sh.t("tl_wrong_pick"), 1, len(wrong), 1, integer=True))
            jj = wrong[j - 1]
            stack = np.stack([probs[n][jj] for n in names])
            lab = {"prob": sh.t("tl_prob"), "class": sh.t("tl_class")}
            st.plotly_chart(figures.softmax_bars(stack, names, lab, font_size=sh.font, title=sh.t("tl_label_true", y=y[jj])),
                            key="tl_wrong_probs", width="stretch")
    with st.expander(sh.t("tl_bn_pitfall"), expanded=False):
        st.markdown(sh.t("tl_bn_pitfall_text"))
        bn_runs = [(n, r) for n, r in usable if r.config.model.bn]
        if not bn_runs:
            st.caption(sh.t("tl_no_bn_runs"))
        else:
            table = []
            for n, r in bn_runs:
                res = calc.evaluation(r).pitfall
                row = {sh.t("tl_col_run"): n, sh.t("tl_mode_eval"): round(res["eval"], 4)}
                for b in PITFALL_BATCHES:
                    row[sh.t("tl_mode_train", b=b)] = round(res[f"train_{b}"], 4)
                table.append(row)
            sh.table(table)


def step_predict(sh: Shell, usable: list[tuple[str, RunRecord]], split) -> None:
    st.header(sh.t("tl_s7"))
    if not usable:
        return
    src = sh.controls.select("src", sh.t("tl_source"), ["test", "draw"], "test",
                             format_func=lambda s: sh.t(f"tl_source_{s}"), horizontal=True, radio=True)
    left, right = st.columns([2, 3])
    image, truth = None, None
    with left:
        if src == "test":
            i = int(sh.controls.slider("ti", sh.t("tl_test_index"), 0, split.sizes["test"] - 1, 0, integer=True))
            image, truth = calc.held_back_image(i, split)
        else:
            st.caption(sh.t("tl_draw_hint"))
            pixels = draw_canvas("tl_canvas", sh.t("tl_clear"))
            image = calc.drawing_to_image(pixels) if pixels else None
        if image is not None:
            st.plotly_chart(figures.image_grid(image[None], [sh.t("tl_input_8x8")], cols=1, height=260, font_size=sh.font),
                            key="tl_input", width="stretch", config={"displayModeBar": False})
    with right:
        if image is None:
            st.info(sh.t("tl_draw_empty"))
            return
        names = [n for n, _ in usable]
        probs = calc.probabilities([r for _, r in usable], image)
        title = sh.t("tl_probs_title") + (f" · {sh.t('tl_label_true', y=truth)}" if truth is not None else "")
        lab = {"prob": sh.t("tl_prob"), "class": sh.t("tl_class")}
        st.plotly_chart(figures.softmax_bars(probs, names, lab, font_size=sh.font, title=title), key="tl_probs",
                        width="stretch")
        if sh.big:  # eleven columns do not fit the projector's type: a row per class, a column per run
            sh.table([{sh.t("tl_class"): str(d), **{n: round(float(p[d]), 2) for n, p in zip(names, probs, strict=True)}}
                      for d in range(10)])
        else:
            sh.table([{sh.t("tl_col_run"): n, **{str(d): round(float(p[d]), 2) for d in range(10)}}
                      for n, p in zip(names, probs, strict=True)])


def show_bn_view(sh: Shell, done: list[tuple[str, RunRecord]]) -> None:
    with st.expander(sh.t("tl_bnview"), expanded=False):
        st.markdown(sh.t("tl_bnview_text"))
        shown = list(done)
        if done and len({r.config.model.bn for _, r in done}) == 1:
            first_name, first = done[0]
            flip = not first.config.model.bn
            if sh.controls.toggle("bnv", sh.t("tl_bnview_pair_on" if flip else "tl_bnview_pair_off"), False):
                twin_cfg = dataclasses.replace(first.config, model=dataclasses.replace(first.config.model, bn=flip))
                twin_name = f"{first_name} · {'BN' if flip else sh.t('tl_no_bn')}"
                bar = st.empty()
                bar.progress(0.0, text=sh.t("tl_progress_upd", name=twin_name, e=1, E=twin_cfg.n_epochs, k=0,
                                            K=twin_cfg.total_updates))

                def progress(rec, k, tot):
                    bar.progress(min(k / tot, 1.0), text=sh.t("tl_progress_upd", name=twin_name, e=len(rec.epochs),
                                                             E=twin_cfg.n_epochs, k=k, K=tot))

                twin, _ = jobs.JOBS.run(twin_cfg, progress=progress)
                bar.empty()
                shown.append((twin_name, twin))
        names = [n for n, _ in shown]
        lab = {"epoch": sh.t("tl_epoch"), "preact": sh.t("tl_preact")}
        st.plotly_chart(figures.preact_figure([calc.preact_bands(r) for _, r in shown], names, lab, font_size=sh.font),
                        key="tl_preact", width="stretch")


def show_code(sh: Shell, configs, names) -> None:
    with st.expander(sh.t("tl_code"), expanded=False):
        st.markdown(sh.t("tl_code_text"))
        pick = sh.controls.select("code", sh.t("tl_code_of"), names, names[0])
        cfg = configs[names.index(pick)]
        src = codegen.script(cfg)
        st.download_button(sh.t("tl_download"), src, file_name="train_digits.py", mime="text/x-python", key="tl_download")
        st.code(src, language="python", wrap_lines=sh.big)


# -- the page ----------------------------------------------------------------------------------
def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        st.markdown(sh.t("tl_intro"))
    sh.preset_bar(columns=3)
    train_place = sh.chart_slot()  # step 5's curves: on the first screen in presentation mode, in HW3's order otherwise
    split = load_digits_split(0)

    n_runs = int(sh.controls.slider("n", sh.t("tl_runs"), 1, MAX_RUNS, 3, integer=True, container=st.sidebar))
    step_libraries(sh)
    samples, augment, normalize = step_data(sh, split)
    n_train = samples or split.sizes["train"]
    settings = []
    for i in range(1, n_runs + 1):
        with st.sidebar.expander(sh.t("tl_run_n", i=i), expanded=i == 1):
            settings.append(run_editor(sh, i, n_train))
    model = step_model(sh)
    layers_box = st.container()
    s4 = st.container()
    with s4:
        st.header(sh.t("tl_s4"))
        st.markdown(sh.t("tl_s4_text"))
        c1, c2 = st.columns(2)
        clip_on = sh.controls.toggle("clip", sh.t("tl_clip"), False, container=c1)
        clip = sh.controls.log_slider("clipv", sh.t("tl_clip_value"), CLIP.lo, CLIP.hi, CLIP.default, container=c2) \
            if clip_on else None
    train_box = train_place()
    train_box.header(sh.t("tl_s5"))
    # on the projector step 5's settings wait in the sidebar (the teacher's panel): the curves come first
    c1, c2, c3 = (st.sidebar,) * 3 if sh.big else train_box.columns(3)
    epochs = int(sh.controls.slider("epochs", sh.t("tl_epochs"), EPOCHS.lo, EPOCHS.hi, 8, integer=True, container=c1))
    seed = int(sh.controls.number("seed", sh.t("tl_seed"), 0, 9999, 0, integer=True, container=c2))
    by = sh.controls.select("x", sh.t("tl_xaxis"), ["epochs", "updates"], "epochs",
                            format_func=lambda v: sh.t(f"tl_by_{v}"), container=c3, horizontal=True, radio=True)
    shared = calc.Shared(**model, samples=samples, augment=augment, normalize=normalize, clip=clip, epochs=epochs, seed=seed)
    try:
        configs = calc.run_configs(shared, settings)
    except ValueError as exc:
        st.error(sh.t("tl_settings_error", error=str(exc)), icon="🛑")
        return
    names = run_names(sh, configs)
    with layers_box:
        show_layers(sh, configs, names)
    with s4:
        step_loss_optimizer(sh, configs, names)
    with train_box:
        records = train_all(sh, configs, names, by)
    done = [(n, r) for n, r in zip(names, records, strict=True) if r is not None]
    step_evaluate(sh, done, split)
    usable = [(n, r) for n, r in done if r.state_dict and r.diverged_at is None]
    step_predict(sh, usable, split)
    show_bn_view(sh, done)
    show_code(sh, configs, names)
