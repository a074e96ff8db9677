"""Long work on a page: ask the worker pool, draw the rest at once, grow the live part.

`show(sh, key, task, args, live=...)` returns a job's result when it is finished (a cache hit:
the same setting computed before, by anybody).  Otherwise it draws, where it is called, a
fragment that polls the pool every `every` seconds — a progress bar (queue place, k/total)
and whatever `live(view)` draws of the partial result — and reruns the whole page once the
job is done; meanwhile it returns None and the page goes on drawing everything else: the
menu, the presets and the controls are never held up by a computation.  What happens to a
job nobody waits for is `optim_lab.jobs`'s rule (README, `job_note`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from optim_lab.jobs import POOL, JobView

STOPPED_KEY = "_jobs_stopped"  # keys this session stopped: polled without asking again


@dataclass(frozen=True)
class Ask:
    key: str  # identifies the computation completely (task + canonical setting)
    task: str  # "module:function"
    args: Any
    label: str = ""  # the job's name in its progress line ("" for a page's one job)


def viewer() -> str:
    """This browser session's id: the pool counts who still waits for a job."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def _stopped() -> set:
    return st.session_state.setdefault(STOPPED_KEY, set())


def _view(a: Ask) -> JobView:
    return POOL.peek(a.key) if a.key in _stopped() else POOL.ask(a.key, a.task, a.args, viewer())


def progress_text(sh, view: JobView, label: str = "") -> tuple[float, str]:
    """(fraction, line) of a job's progress bar, in the page's language."""
    prefix = f"{label}: " if label else ""
    if view.state == "queued":
        return 0.0, sh.t("job_queued", label=prefix, place=view.place)
    if view.state == "failed":
        return 0.0, sh.t("job_failed", label=prefix, error=view.error or "")
    if view.state == "cancelled":
        frac = view.done / view.total if view.total else 0.0
        return min(frac, 1.0), sh.t("job_cancelled", label=prefix)
    if view.state == "done":
        return 1.0, sh.t("job_running", label=prefix, done=view.total, total=view.total)
    if not view.total:
        return 0.0, sh.t("job_starting", label=prefix)
    return min(view.done / view.total, 1.0), sh.t("job_running", label=prefix, done=view.done, total=view.total)


def show_all(sh, asks: Sequence[Ask], *, live: Callable[[list[JobView]], None] | None = None,
             every: float = 1.0) -> list[Any | None]:
    """Each ask's result, or None while it is not done.  When some are not done, a fragment polls
    them all: one bar per unfinished job, `live(views)` under the bars, and a page rerun when the
    last one ends."""
    views = [_view(a) for a in asks]
    results = [v.result if v.state == "done" else None for v in views]
    waiting = [i for i, v in enumerate(views) if v.state in ("queued", "running")]
    for i, v in enumerate(views):
        if v.state == "failed":
            st.error(progress_text(sh, v, asks[i].label)[1], icon="🛑")
    if not waiting:
        if live is not None and any(v.state == "cancelled" for v in views):
            live(views)
        return results
    st.caption(sh.t("job_placeholder"))

    @st.fragment(run_every=every)
    def poll() -> None:
        now = [_view(a) for a in asks]
        if any(now[i].finished for i in waiting):
            st.rerun()  # the whole page: what follows the result (tables, inspectors) is drawn with it
        for i in waiting:
            frac, text = progress_text(sh, now[i], asks[i].label)
            st.progress(frac, text=text)
        if live is not None:
            live(now)

    poll()
    return results


def show(sh, key: str, task: str, args, *, live: Callable[[JobView], None] | None = None, every: float = 1.0,
         label: str = "") -> Any | None:
    """One job: its result, or None while it computes (see the module's docstring)."""
    hook = None if live is None else (lambda views: live(views[0]))
    return show_all(sh, [Ask(key, task, args, label)], live=hook, every=every)[0]


def stop(keys: Sequence[str]) -> None:
    """This session no longer wants these jobs (the pool stops each one nobody else wants)."""
    me = viewer()
    for key in keys:
        _stopped().add(key)
        POOL.cancel(key, me)


def resume(keys: Sequence[str]) -> None:
    """Ask for these jobs again (after `stop`)."""
    _stopped().difference_update(keys)


def stopped(key: str) -> bool:
    return key in _stopped()
