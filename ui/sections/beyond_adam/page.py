"""Beyond Adam — Lion, SAM, schedule-free, WSD and Muon, each in one part with its preset.

The 2-D parts: widgets → a line-up (`calc.lineup`) → one cached race → the part's own chart,
its sentence (numbers read off the race by `calc`) and the surface.  SAM trains a real network
twice: a job of the worker pool (`calc.sam_task`), drawn as it grows.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import streamlit as st

from optim_lab.schedules import SCHEDULES
from surfaces import get_surface
from ui.common import jobs, view
from ui.common.figures import Series, curves_figure
from ui.sections.beyond_adam import calc
from ui.sections.beyond_adam.figures import sam_figure
from ui.shell import Shell

TASK = "ui.sections.beyond_adam.calc:sam_task"

FORMULAS = {
    "lion": [r"c_t = \beta_1 m_{t-1} + (1-\beta_1)\,g_t,\qquad \theta_t = \theta_{t-1} - \eta_t\big(\operatorname{sign}(c_t) + \lambda\,\theta_{t-1}\big),"
             r"\qquad m_t = \beta_2 m_{t-1} + (1-\beta_2)\,g_t"],
    "sam": [r"\epsilon_t = \rho\,\frac{g_t}{\lVert g_t\rVert},\qquad \theta_t = \theta_{t-1} - \eta\,\nabla L(\theta_{t-1} + \epsilon_t)"],
    "sf": [r"y_t = (1-\beta)\,z_t + \beta\,x_t,\qquad z_{t+1} = z_t - \eta\,\nabla L(y_t)\quad (t \ge 0)",
           r"x_{t+1} = (1 - c_{t+1})\,x_t + c_{t+1}\,z_{t+1},\quad c_{t+1} = \frac{1}{t+1}\ \ \Rightarrow\ \ x_t = \frac{z_1 + \dots + z_t}{t}",
           r"\eta^{(\cos)}_t = \frac{\eta}{2}\Big(1 + \cos\frac{\pi t}{T}\Big)"],
    "wsd": [SCHEDULES["wsd"].latex],
    "muon": [r"B_t = \mu B_{t-1} + (1-\mu)\,g_t,\qquad d_t = \mu B_t + (1-\mu)\,g_t,\qquad O_t = \mathrm{NS}_5(d_t) \approx U V^\top",
             r"\theta_t = \theta_{t-1}(1 - \eta\lambda) - \eta\,\sqrt{\max(1, r/c)}\;O_t",
             r"1\times 2:\ \ O_t \approx 0.7\,\frac{d_t}{\lVert d_t\rVert}\ \ \Rightarrow\ \ \lVert\Delta\theta\rVert \approx 0.7\,\eta"],
}


# == the 2-D parts ====================================================================================
def _names(sh: Shell, part: str, roles: list[str], steps: int) -> list[str]:
    half = max(1, steps // 2)
    return [sh.t(f"ba_{r}_name", T=steps if r == "cos_T" else half) for r in roles]


def _panel(sh: Shell, race, values: list[np.ndarray], x0: int = 1) -> list[Series]:
    return [Series(n, col, v, x0=x0, diverged_at=race.diverged(i), dash=race.dash(i))
            for (i, n, col), v in zip(race.rows(), values, strict=True)]


def _curves(sh: Shell, race, panels: list[tuple[str, list[Series], bool]], key: str) -> None:
    fig = view.figure(curves_figure, panels, view.labels_for(sh, race.spec), font_size=sh.font, height=sh.size(380, 460),
                      cols=len(panels))
    view.chart(fig, key)


def lion_view(sh: Shell, race, roles: list[str], whole: bool) -> None:
    """The part's chart, and its sentence while every run is whole (none diverged)."""
    r = race.result
    steps = [calc.coordinate_steps(r, i) / np.maximum(r.lr[:, i, None], 1e-300) for i in range(r.n_rows)]
    _curves(sh, race, [(sh.t("ba_lion_b"), _panel(sh, race, [s[:, 0] for s in steps]), True),
                       (sh.t("ba_lion_w"), _panel(sh, race, [s[:, 1] for s in steps]), True),
                       (sh.t("curve_loss"), _panel(sh, race, [r.loss[:, i] for i in range(r.n_rows)], 0), True)], "ba_lion")
    if not whole:
        return
    c = calc.lion_claim(r, roles)
    st.markdown(sh.t("ba_lion_claim", lo=c["lion_min"], hi=c["lion_max"], clo=c["cos_min"], chi=c["cos_max"], amin=c["adam_min"],
                     amax=c["adam_max"], ab=c["adam_last_b"], aw=c["adam_last_w"], ll=c["loss_lion"], la=c["loss_adam"],
                     lc=c["loss_cos"]) + (" " + sh.t("ba_lion_jumps", n=calc.LATE) if c["jumps"] else ""))


def sf_view(sh: Shell, race, roles: list[str], whole: bool) -> None:
    r = race.result
    _curves(sh, race, [(sh.t("curve_loss"), _panel(sh, race, [r.loss[:, i] for i in range(r.n_rows)], 0), True),
                       (sh.t("curve_lr"), _panel(sh, race, [r.lr[:, i] for i in range(r.n_rows)]), False)], "ba_sf")
    if whole:
        h = calc.horizon_losses(r, roles)
        st.markdown(sh.t(calc.sf_claim_key(h), **h))


def wsd_view(sh: Shell, race, roles: list[str], whole: bool) -> None:
    r = race.result
    _curves(sh, race, [(sh.t("ba_wsd_chart_eta"), _panel(sh, race, [r.lr[:, i] for i in range(r.n_rows)]), False),
                       (sh.t("ba_wsd_chart_loss"), _panel(sh, race, [r.loss[:, i] for i in range(r.n_rows)], 0), True)],
            "ba_wsd")
    if whole:
        w = calc.wsd_claim(r, roles)
        st.markdown(sh.t(calc.wsd_claim_key(w), **w))


def muon_view(sh: Shell, race, roles: list[str], whole: bool) -> None:
    r = race.result
    ratios = [np.linalg.norm(np.diff(r.theta[:, i], axis=0), axis=1) / r.lr[:, i] for i in range(r.n_rows)]
    _curves(sh, race, [(sh.t("ba_muon_chart"), _panel(sh, race, ratios), True),
                       (sh.t("curve_loss"), _panel(sh, race, [r.loss[:, i] for i in range(r.n_rows)], 0), True)], "ba_muon")
    m = calc.muon_ratio(r, roles)
    T = r.loss.shape[0] - 1
    if whole:
        st.markdown(sh.t("ba_muon_claim", lo=float(m.min()), hi=float(m.max()), med=float(np.median(m)), T=T,
                         lm=float(r.loss[-1, roles.index("muon")]), lk=float(r.loss[-1, roles.index("momentum")])))
    st.page_link("pages/training-lab.py", label=sh.t("ba_muon_lab"), icon="🧪", query_params=sh.query)


VIEWS = {"lion": lion_view, "sf": sf_view, "wsd": wsd_view, "muon": muon_view}


def surface_part(sh: Shell, part: str) -> None:
    side = sh.side
    lo, hi = calc.LR_RANGE[part]
    lr = sh.controls.log_slider(f"lr_{part}", sh.t("ba_lr"), lo, hi, calc.DEFAULT_LR[part], container=side)
    steps = int(sh.controls.slider(f"steps_{part}", sh.t("ba_steps"), 20, 1000, calc.DEFAULT_STEPS[part], integer=True,
                                   container=side))
    with sh.intro():
        st.markdown(sh.t(f"ba_{part}_text"))
        for f in FORMULAS[part]:
            st.latex(f)
        if part == "muon":
            st.caption(sh.t("ba_muon_shape"))
    configs, roles = calc.lineup(part, float(lr), steps)
    surface = calc.SURFACE[part]
    start = get_surface(surface).start
    race = view.run_race(sh, surface, {}, configs, start, steps, 0, names=_names(sh, part, roles, steps))
    if race is None:
        return
    view.divergence_notes(sh, race)
    VIEWS[part](sh, race, roles, all(race.diverged(i) is None for i in range(len(roles))))
    view.show_surface(sh, race, key=f"ba_surface_{part}", crit=False, height=sh.size(520, 620))


# == SAM on the real network ==========================================================================
def sam_setting(sh: Shell) -> calc.SamSetting:
    side = sh.side
    lr = sh.controls.select("slr", sh.t("ba_sam_lr"), [str(x) for x in calc.SAM_LRS], "0.1", container=side)
    rho = sh.controls.select("rho", sh.t("ba_sam_rho"), [str(x) for x in calc.SAM_RHOS], "0.1", container=side)
    batch = sh.controls.select("sbatch", sh.t("ba_sam_batch"), list(calc.SAM_BATCHES), "full", container=side,
                               format_func=lambda b: sh.t("ba_sam_full") if b == "full" else b)
    act = sh.controls.select("act", sh.t("ba_sam_act"), list(calc.SAM_ACTIVATIONS), "relu", container=side)
    steps = int(sh.controls.slider("ssteps", sh.t("ba_sam_steps"), 50, 400, 300, step=50, integer=True, container=side))
    return calc.SamSetting(lr=float(lr), rho=float(rho), batch=batch, activation=act, steps=steps)


def _sam_chart(sh: Shell, s: calc.SamSetting, d: dict) -> None:
    names = [sh.t("ba_sam_sgd"), sh.t("ba_sam_sam", rho=s.rho)]
    runs = [{**r, "name": n} for r, n in zip(d["runs"], names, strict=False) if r["update"]]
    labels = {"update": sh.t("ba_sam_update"), "sharp_title": sh.t("ba_sam_chart"), "loss_title": sh.t("ba_sam_loss_chart")}
    view.chart(view.figure(sam_figure, runs, labels, height=sh.size(420, 480), font_size=sh.font), "ba_sam")


def sam_part(sh: Shell) -> None:
    s = sam_setting(sh)
    with sh.intro():
        st.markdown(sh.t("ba_sam_text"))
        for f in FORMULAS["sam"]:
            st.latex(f)
    key = json.dumps(asdict(s), sort_keys=True)
    d = jobs.show(sh, f"beyond-adam:sam:{key}", TASK, s,
                  live=lambda job: job.partial and _sam_chart(sh, s, job.partial))
    if d is None:
        return
    _sam_chart(sh, s, d)
    claim, values = calc.sam_claim(d)
    if claim == "ba_sam_diverged":
        st.warning(sh.t(claim), icon="💥")
    else:
        st.markdown(sh.t(claim, **values) + " " + sh.t(values["losses"], **values))


def render(sh: Shell) -> None:
    sh.preamble(columns=5)
    if not sh.big:
        st.markdown(sh.t("ba_intro"))
    # on the projector the options name the part: no label, one line
    part = sh.controls.select("part", sh.t("ba_part"), list(calc.PARTS), "lion", radio=True, horizontal=True,
                              format_func=lambda p: sh.t(f"ba_part_{p}"),
                              label_visibility="collapsed" if sh.big else "visible")
    if not sh.big:
        st.subheader(sh.t(f"ba_title_{part}"))
    if part == "sam":
        sam_part(sh)
    else:
        surface_part(sh, part)
    if part == "sam":
        st.caption(sh.t("job_note"))
