"""Steps 6 and 7 of the training lab: evaluate the finished runs (accuracy table, confusion
matrix, misclassified images, the BN pitfall) and predict a held-back or drawn digit."""

from __future__ import annotations

import numpy as np
import streamlit as st

from optim_lab.training.train import PITFALL_BATCHES, RunRecord
from ui.common.numbers import num
from ui.common.view import chart
from ui.sections.training_lab import calc, figures
from ui.sections.training_lab.canvas import draw_canvas
from ui.shell import Shell

NONE = "—"  # a cell without a number (a run that diverged before its first epoch ended)


def _acc(v: float | None) -> str:
    return NONE if v is None else f"{100 * v:.1f} %"


def _loss(v: float | None) -> str:
    return NONE if v is None else num(v, 4)  # 19 000, not 1.9e+04


def usable(done: list[tuple[calc.NamedRun, RunRecord]]) -> list[tuple[calc.NamedRun, RunRecord]]:
    """The finished runs that can predict: trained to the end without diverging."""
    return [(r, rec) for r, rec in done if rec.state_dict and rec.diverged_at is None and rec.finished]


def accuracy_rows(sh: Shell, done: list[tuple[calc.NamedRun, RunRecord]]) -> list[dict]:
    """Step 6's table: every number as the page writes it; a diverged run says so in words."""
    diverged = any(rec.diverged_at is not None for _, rec in done)
    rows = []
    for r, rec in done:
        last = rec.epochs[-1] if rec.epochs else None
        row = {sh.t("tl_col_run"): r.name, sh.t("tl_col_updates"): str(rec.updates),
               sh.t("tl_col_train_loss"): _loss(last and last.train_loss), sh.t("tl_col_train_acc"): _acc(last and last.train_acc),
               sh.t("tl_col_val_loss"): _loss(last and last.val_loss), sh.t("tl_col_val_acc"): _acc(last and last.val_acc),
               sh.t("tl_col_best"): NONE if rec.best_epoch is None else str(rec.best_epoch),
               sh.t("tl_col_time"): f"{np.mean([e.seconds for e in rec.epochs]):.2f}" if rec.epochs else NONE}
        if diverged:
            row[sh.t("tl_col_note")] = (sh.t("tl_diverged_short", e=rec.diverged_epoch, k=rec.diverged_at)
                                        if rec.diverged_at is not None else "")
        rows.append(row)
    return rows


def step_evaluate(sh: Shell, done: list[tuple[calc.NamedRun, RunRecord]], split) -> None:
    st.header(sh.t("tl_s6"))
    if not done:
        st.caption(sh.t("tl_wait_for_runs"))
        return
    st.markdown(f"**{sh.t('tl_acc_table')}**")
    sh.table(accuracy_rows(sh, done))
    ok = usable(done)
    if not ok:
        return
    names = [r.name for r, _ in ok]
    numbers = [r.number for r, _ in ok]
    probs = {r.name: calc.evaluation(rec).val_probs for r, rec in ok}
    y = split.y_val.numpy()
    left, right = st.columns([2, 3])
    with left:
        pick = sh.controls.select("cm", sh.t("tl_confusion_of"), names, names[0], container=st)
        lab = {"true": sh.t("tl_true"), "pred": sh.t("tl_pred")}
        chart(figures.confusion_figure(calc.confusion(probs[pick], y), lab, font_size=sh.font), "tl_confusion",
              width="stretch")
    with right:
        wrong = calc.misclassified(probs[pick], y, limit=10)
        n_wrong = int((probs[pick].argmax(1) != y).sum())
        if len(wrong) == 0:
            st.success(sh.t("tl_none_wrong", name=pick))
        else:
            st.markdown(f"**{sh.t('tl_wrong_title', name=pick, n=n_wrong, total=len(y))}**")
            titles = [f"{y[j]}→{probs[pick][j].argmax()}" for j in wrong]
            chart(figures.image_grid(split.x_val[wrong, 0].numpy(), titles, cols=5, font_size=sh.font), "tl_wrong",
                  width="stretch", config={"displayModeBar": False})
            j = int(sh.controls.slider("wi", sh.t("tl_wrong_pick"), 1, len(wrong), 1, integer=True))
            jj = wrong[j - 1]
            stack = np.stack([probs[n][jj] for n in names])
            lab = {"prob": sh.t("tl_prob"), "class": sh.t("tl_class")}
            chart(figures.softmax_bars(stack, names, lab, font_size=sh.font, title=sh.t("tl_label_true", y=y[jj]),
                                       numbers=numbers), "tl_wrong_probs", width="stretch")
    with st.expander(sh.t("tl_bn_pitfall"), expanded=False):
        st.markdown(sh.t("tl_bn_pitfall_text"))
        bn_runs = [(r, rec) for r, rec in ok if rec.config.model.bn]
        if not bn_runs:
            st.caption(sh.t("tl_no_bn_runs"))
        else:
            table = []
            for r, rec in bn_runs:
                res = calc.evaluation(rec).pitfall
                row = {sh.t("tl_col_run"): r.name, sh.t("tl_mode_eval"): _acc(res["eval"])}
                for b in PITFALL_BATCHES:
                    row[sh.t("tl_mode_train", b=b)] = _acc(res[f"train_{b}"])
                table.append(row)
            sh.table(table)


def step_predict(sh: Shell, ok: list[tuple[calc.NamedRun, RunRecord]], split) -> None:
    st.header(sh.t("tl_s7"))
    if not ok:
        st.caption(sh.t("tl_wait_for_runs"))
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
            chart(figures.image_grid(image[None], [sh.t("tl_input_8x8")], cols=1, height=260, font_size=sh.font),
                  "tl_input", width="stretch", config={"displayModeBar": False})
    with right:
        if image is None:
            st.info(sh.t("tl_draw_empty"))
            return
        names = [r.name for r, _ in ok]
        probs = calc.probabilities([rec for _, rec in ok], image)
        title = sh.t("tl_probs_title") + (f" · {sh.t('tl_label_true', y=truth)}" if truth is not None else "")
        lab = {"prob": sh.t("tl_prob"), "class": sh.t("tl_class")}
        chart(figures.softmax_bars(probs, names, lab, font_size=sh.font, title=title, numbers=[r.number for r, _ in ok]),
              "tl_probs", width="stretch")
        if sh.big:  # eleven columns do not fit the projector's type: a row per class, a column per run
            sh.table([{sh.t("tl_class"): str(d), **{n: f"{float(p[d]):.2f}" for n, p in zip(names, probs, strict=True)}}
                      for d in range(10)])
        else:
            sh.table([{sh.t("tl_col_run"): n, **{str(d): f"{float(p[d]):.2f}" for d in range(10)}}
                      for n, p in zip(names, probs, strict=True)])
