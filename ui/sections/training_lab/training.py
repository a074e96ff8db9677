"""Step 5 of the training lab: the runs train (shared cache, one training per core), their
curves grow, a stop button ends this session's trainings; and the BN view's twin run."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import streamlit as st

from optim_lab.training.train import RunRecord
from ui.common.view import chart
from ui.sections.training_lab import calc, figures, jobs
from ui.shell import Shell

# seconds between live chart redraws: each is a message through the shared server and a re-render in the
# browser (make load: at 0.5 s the redraws of 10 trainings were most of their server time)
REDRAW_EVERY = 1.0
# a waiting run's bar ("place p in the queue") is redrawn when its place changes, else this often: the
# redraw is also where Streamlit ends a script whose student has left or changed a setting
HEARTBEAT = 1.0
STOP_KEY, TOKEN_KEY, PARTIAL_KEY = "_tl_stopped", "_tl_token", "_tl_partial"


def curve(sh: Shell, run: calc.NamedRun, rec: RunRecord | None) -> figures.CurveRun:
    if rec is None:
        return figures.CurveRun(run.name, [], [], [], [], [], [], [], number=run.number)
    cv = rec.curves()
    div = None
    if rec.diverged_at is not None:
        div = sh.t("tl_diverged_short", e=rec.diverged_epoch, k=rec.diverged_at)
    return figures.CurveRun(run.name, cv["epoch"], cv["updates"], cv["train_loss"], cv["val_loss"], cv["train_acc"],
                            cv["val_acc"], list(rec.batch_loss), div, number=run.number)


def labels(sh: Shell) -> dict:
    return {"loss": sh.t("tl_loss_axis"), "acc": sh.t("tl_acc_axis"), "train": sh.t("tl_train"), "val": sh.t("tl_val"),
            "epoch": sh.t("tl_epoch"), "update": sh.t("tl_update"), "batch_loss": sh.t("tl_batch_loss"),
            "title": sh.t("tl_curves_title")}


def curves(sh: Shell, runs: list[calc.NamedRun], records: list[RunRecord | None], by: str):
    epochs = max(r.config.n_epochs for r in runs)
    total = max(r.config.total_updates for r in runs)
    return figures.curves_figure([curve(sh, r, rec) for r, rec in zip(runs, records, strict=True)], by, labels(sh),
                                 epochs, total, height=sh.size(420, 560), font_size=sh.font)


def train_all(sh: Shell, runs: list[calc.NamedRun], by: str, chart_box, info_box) -> list[RunRecord | None]:
    """Train (or fetch) every run; the curves are drawn in `chart_box`, the bars and the stop
    button in `info_box`."""
    ss = st.session_state
    configs = [r.config for r in runs]
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
    with info_box:
        stop_slot = st.empty()
        if stopped:
            stop_slot.button(sh.t("tl_restart"), key="tl_restart", on_click=lambda: ss.pop(STOP_KEY, None))
            st.caption(sh.t("tl_stopped_note"))
        elif not all(r is not None for r in records):
            stop_slot.button(sh.t("tl_stop"), key="tl_stop", on_click=lambda: ss.__setitem__(STOP_KEY, sig))
        bars = [st.empty() for _ in configs]
    with chart_box:
        chart_slot = st.empty()
    last_draw, draws = [0.0], [0]

    def draw(force=False):
        now = time.perf_counter()
        if not force and now - last_draw[0] < REDRAW_EVERY:
            return
        last_draw[0] = now
        draws[0] += 1  # one element id per redraw (an unkeyed chart with equal parameters would collide)
        with chart_slot:
            chart(curves(sh, runs, records, by), "tl_curves" if force else f"tl_curves_live_{draws[0]}", width="stretch")

    for i, (run, cfg) in enumerate(zip(runs, configs, strict=True)):
        key, name = cfg.key(), run.name
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
    if not stopped:
        stop_slot.empty()  # trained: nothing left to stop
    draw(force=True)
    with info_box:
        for run, rec in zip(runs, records, strict=True):
            if rec is not None and rec.diverged_at is not None:
                st.warning(sh.t("tl_diverged", name=run.name, e=rec.diverged_epoch, k=rec.diverged_at), icon="💥")
    return records


def show_bn_view(sh: Shell, done: list[tuple[calc.NamedRun, RunRecord]]) -> None:
    with st.expander(sh.t("tl_bnview"), expanded=False):
        st.markdown(sh.t("tl_bnview_text"))
        shown = [(r.name, r.number, rec) for r, rec in done]
        if done and len({rec.config.model.bn for _, rec in done}) == 1:
            first, rec1 = done[0]
            flip = not rec1.config.model.bn
            if sh.controls.toggle("bnv", sh.t("tl_bnview_pair_on" if flip else "tl_bnview_pair_off", i=first.number), False):
                twin_cfg = dataclasses.replace(rec1.config, model=dataclasses.replace(rec1.config.model, bn=flip))
                twin_name = f"{first.name} · {'BN' if flip else sh.t('tl_no_bn')}"
                bar = st.empty()
                bar.progress(0.0, text=sh.t("tl_progress_upd", name=twin_name, e=1, E=twin_cfg.n_epochs, k=0,
                                            K=twin_cfg.total_updates))

                def progress(rec, k, tot):
                    bar.progress(min(k / tot, 1.0), text=sh.t("tl_progress_upd", name=twin_name, e=len(rec.epochs),
                                                             E=twin_cfg.n_epochs, k=k, K=tot))

                twin, _ = jobs.JOBS.run(twin_cfg, progress=progress)
                bar.empty()
                shown.append((twin_name, max(r.number for r, _ in done) + 1, twin))
        lab = {"epoch": sh.t("tl_epoch"), "preact": sh.t("tl_preact")}
        chart(figures.preact_figure([calc.preact_bands(rec) for _, _, rec in shown], [n for n, _, _ in shown], lab,
                                    font_size=sh.font, numbers=[i for _, i, _ in shown]), "tl_preact", width="stretch")
