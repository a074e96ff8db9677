"""Step 5 of the training lab: every run is a job of the worker pool (`optim_lab.jobs`).

The script draws the whole page at once; a run already trained (by anybody, with exactly
these settings) comes from the pool's shared cache, the others are asked for and a fragment
(`ui.common.jobs.show_all`) redraws only their progress bars and growing curves until they
end, then the whole page once more with the finished runs.  Two students asking for the same
run share one job.  The stop button withdraws this session's interest in its unfinished runs
(the pool stops a run nobody else wants; its partial curves stay).  The BN view's twin run is
a job the same way.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from optim_lab.jobs import POOL, JobView
from optim_lab.training.train import MAX_RUNS, RunConfig, RunRecord
from optim_lab.training.worker import TASK
from ui.common import jobs
from ui.common.view import chart, figure
from ui.sections.training_lab import calc, figures
from ui.shell import Shell

LIVE_EVERY = 1.0  # seconds between the fragment's redraws of the growing curves (each is a message to the browser)


def job_key(cfg: RunConfig) -> str:
    """The pool's key of a run: the task and the run's canonical config."""
    return f"{TASK}|{cfg.key()}"


def ask(run: calc.NamedRun) -> jobs.Ask:
    return jobs.Ask(job_key(run.config), TASK, run.config.as_dict(), label=run.name)


def record_of(view: JobView) -> RunRecord | None:
    """What a job has trained so far: the finished record, else the last one it reported."""
    rec = view.result if view.state == "done" else view.partial
    return rec if isinstance(rec, RunRecord) else None


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


def curves(sh: Shell, runs: list[calc.NamedRun], records: list[RunRecord | None], by: str, shared: bool = False):
    """The curves of every run (a `LeanFigure`: plain JSON, cheap to redraw every second);
    `shared`: the finished runs' curves, built once for every session that shows them."""
    epochs = max(r.config.n_epochs for r in runs)
    total = max(r.config.total_updates for r in runs)
    args = ([curve(sh, r, rec) for r, rec in zip(runs, records, strict=True)], by, labels(sh), epochs, total)
    kw = dict(height=sh.size(420, 560), font_size=sh.font)
    return figure(figures.curves_figure, *args, **kw) if shared else figures.curves_figure(*args, **kw)


def stop_or_restart(sh: Shell, keys: list[str], done: list[bool]) -> None:
    """The stop button while runs of this session are queued or train (not once they ended, nor
    for a run that failed); after a stop, the button that trains them again."""
    open_keys = [k for k, d in zip(keys, done, strict=True) if not d]
    stopped = [k for k in open_keys if jobs.stopped(k)]
    if stopped:
        st.button(sh.t("tl_restart"), key="tl_restart", on_click=jobs.resume, args=(stopped,))
        st.caption(sh.t("tl_stopped_note"))
        return
    active = [k for k in open_keys if POOL.peek(k).state in ("queued", "running")]
    if active:
        st.button(sh.t("tl_stop"), key="tl_stop", on_click=jobs.stop, args=(active,))


def train_all(sh: Shell, runs: list[calc.NamedRun], by: str, chart_box, info_box) -> list[RunRecord | None]:
    """Every run's record when finished (None while it trains or after a stop): the curves in
    `chart_box` — live in the pool's fragment while runs train — the bars and buttons under them."""
    asks = [ask(r) for r in runs]
    keys = [a.key for a in asks]
    drawn = []

    def live(views: list[JobView]) -> None:
        drawn.append(True)
        chart(curves(sh, runs, [record_of(v) for v in views], by), "tl_curves_live", width="stretch")

    with chart_box:
        results = jobs.show_all(sh, asks, live=live, every=LIVE_EVERY)
        if not drawn:  # every run finished (or failed): the final curves, outside any fragment
            chart(curves(sh, runs, results, by, shared=True), "tl_curves", width="stretch")
    with info_box:
        stop_or_restart(sh, keys, [r is not None for r in results])
        for run, rec in zip(runs, results, strict=True):
            if rec is not None and rec.diverged_at is not None:
                st.warning(sh.t("tl_diverged", name=run.name, e=rec.diverged_epoch, k=rec.diverged_at), icon="💥")
        st.caption(sh.t("job_note"))
    return results


def show_bn_view(sh: Shell, done: list[tuple[calc.NamedRun, RunRecord]]) -> None:
    with st.expander(sh.t("tl_bnview"), expanded=False):
        st.markdown(sh.t("tl_bnview_text"))
        shown = [(r.name, r.number, rec) for r, rec in done]
        if done and len({rec.config.model.bn for _, rec in done}) == 1:
            first, rec1 = done[0]
            flip = not rec1.config.model.bn
            if sh.controls.toggle("bnv", sh.t("tl_bnview_pair_on" if flip else "tl_bnview_pair_off", i=first.number), False):
                twin = calc.NamedRun(MAX_RUNS + 1, f"{first.name} · {'BN' if flip else sh.t('tl_no_bn')}",
                                     dataclasses.replace(rec1.config, model=dataclasses.replace(rec1.config.model, bn=flip)))
                a = ask(twin)
                rec = jobs.show(sh, a.key, a.task, a.args, label=twin.name)
                if rec is not None:
                    shown.append((twin.name, twin.number, rec))
        lab = {"epoch": sh.t("tl_epoch"), "preact": sh.t("tl_preact")}
        chart(figure(figures.preact_figure, [calc.preact_bands(rec) for _, _, rec in shown], [n for n, _, _ in shown], lab,
                     font_size=sh.font, numbers=[i for _, i, _ in shown]), "tl_preact", width="stretch")
