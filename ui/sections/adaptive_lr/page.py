"""§3.3 — Adaptive learning rate: one η is too big across the valley and too small along it."""

from __future__ import annotations

import dataclasses

import streamlit as st

from ui.common import compute, live, view
from ui.common.boxes import widened
from ui.common.figures import Series, curves_figure
from ui.common.numbers import num
from ui.common.racers import UI_LR_MAX, UI_LR_MIN
from ui.sections.adaptive_lr import calc
from ui.sections.adaptive_lr.figures import LossGrad, LossGradText, loss_grad_figure
from ui.shell import Shell
from ui.text import t

DEFAULT_STEPS = calc.DEFAULT_STEPS
LIVE_CHARTS = ("main", "al_lossgrad")  # the charts GD's live η control redraws: the surface, loss + ‖g‖
LOSS_UID = "al-gd"  # GD's traces on the loss chart: "al-gd-loss", "al-gd-grad"


@st.cache_data(max_entries=32, show_spinner=False)
def cached_curvature(surface: str, params: tuple, point: tuple) -> tuple[float, float]:
    return calc.curvature(compute.build(surface, params), point)


def live_eta(sh: Shell, surface: str, pk: tuple, start, steps: int, unit: float, eta_u: float, container=None) -> None:
    """GD's η, live: drag it and GD's path, loss and ‖g‖ follow at once (every position an
    exact engine run, computed in one batched call); on release the page reruns once."""
    if not sh.controls.drawn:  # a student following the teacher, who holds the setting
        return
    live.live_slider("eta_u", eta_data(sh.lang, sh.big, surface, pk, tuple(start), steps, unit), eta_u, container=container)


@live.shared
def eta_data(lang: str, big: bool, surface: str, pk: tuple, start: tuple, steps: int, unit: float) -> dict:
    """The live η's data (every session showing this setting shares it)."""
    us = calc.ETA_POSITIONS
    racer = live.racer_key(calc.configs(["gd"], {"gd": 1.0}, {})[0])  # GD's settings; η is the family's axis
    fam = live.family_view(surface, pk, racer, "lr", tuple((us * unit).tolist()), start, steps, 0,
                           calc.LINEUP["gd"].color, LOSS_UID)
    names = [t("al_name_gd", lang, u=u) for u in us]
    paths, curves = list(fam.paths), [fam.curves["loss"], fam.curves["grad"]]
    paths[1] = dataclasses.replace(paths[1], attrs=paths[1].attrs | {"name": names})
    curves[0] = dataclasses.replace(curves[0], attrs={"name": names})
    diverged_at, final = fam.diverged_at, fam.final_loss
    readouts = []
    for i, u in enumerate(us):
        state = (t("al_live_diverged", lang, k=int(diverged_at[i])) if diverged_at[i] >= 0
                 else t("al_live_final", lang, loss=num(float(final[i]))))
        readouts.append(t("al_live_readout", lang, lr=f"{u * unit:.4g}", prod=f"{2 * u:.2f}", state=state))
    return live.payload("eta_u", t("al_live_label", lang), us, [f"{u:.2f}" for u in us], readouts,
                        [d >= 0 for d in diverged_at], {"main": paths, "al_lossgrad": curves},
                        marks=[(0.5, "½"), (1.0, "1 = 2/λ_max")], font=20 if big else 15)


def formulas(sh: Shell) -> None:
    st.markdown(sh.t("al_intro"))
    st.latex(r"\theta_{t+1,i} = \theta_{t,i} - \frac{\eta}{\sigma_{t,i}}\, g_{t,i}"
             r"\qquad\text{(" + sh.t("al_each_coordinate") + r")}")
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**AdaGrad** ({sh.t('al_book')})")
        st.latex(r"\sigma_{t,i} = \sqrt{\frac{1}{t+1}\sum_{j=0}^{t} g_{j,i}^2}")
    with c2:
        st.markdown(f"**RMSProp** ({sh.t('al_book')})")
        st.latex(r"\sigma_{0,i} = |g_{0,i}|,\quad \sigma_{t,i} = \sqrt{\alpha\,\sigma_{t-1,i}^2 + (1-\alpha)\, g_{t,i}^2}")
    st.markdown(f"**Adam** ({sh.t('al_adam_source')})")
    st.latex(r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
             r"\theta_t = \theta_{t-1} - \eta\,\frac{m_t/(1-\beta_1^{t})}{\sqrt{v_t/(1-\beta_2^{t})} + \epsilon}")
    with st.expander(sh.t("al_book_vs_torch_title")):
        st.markdown(sh.t("al_book_vs_torch"))


def lineup_controls(sh: Shell, surface: str, unit: float):
    """(ids on, their η, their hyper-parameters, η_u and η_u2) from the sidebar."""
    on, lrs = {}, {}

    def switch(r, **kw):
        on[r] = sh.controls.toggle(r, sh.t(f"al_run_{r}"), calc.LINEUP[r].on, **kw)

    def own_lr(r):
        lrs[r] = sh.controls.log_slider(f"lr_{r}", sh.t(f"al_lr_{r}"), UI_LR_MIN, UI_LR_MAX, calc.lr_default(r, surface),
                                        context=surface)

    side = sh.side
    with side.expander(sh.t("al_gd_group"), expanded=True) as gd:
        switch("gd")
        eta_u = sh.controls.slider("eta_u", sh.t("al_eta_u"), 0.01, 1.2, calc.ETA_UNITS["gd"], step=0.01, help=sh.t("al_eta_u_help"))
        switch("gd2")
        eta_u2 = sh.controls.slider("eta_u2", sh.t("al_eta_u2"), 0.01, 1.2, calc.ETA_UNITS["gd2"], step=0.01)
        gd.caption(sh.t("al_gd_lr", u=eta_u, lr=eta_u * unit, u2=eta_u2, lr2=eta_u2 * unit))
    lrs["gd"], lrs["gd2"] = eta_u * unit, eta_u2 * unit
    with side.expander("AdaGrad", expanded=True):
        switch("agb")
        own_lr("agb")
        switch("agd", help=sh.t("al_run_agd_help"))
        lrs["agd"] = lrs["agb"]
        switch("agt")
        own_lr("agt")
    with side.expander("RMSProp", expanded=False):
        switch("rmb")
        own_lr("rmb")
        a_rmb = sh.controls.slider("a_rmb", sh.t("al_alpha_book"), 0.5, 0.999, calc.ALPHA["rmb"], step=0.001)
        switch("rmt")
        own_lr("rmt")
        a_rmt = sh.controls.slider("a_rmt", sh.t("al_alpha_torch"), 0.5, 0.999, calc.ALPHA["rmt"], step=0.001)
    with side.expander("Adam", expanded=False):
        switch("adam")
        own_lr("adam")
    ids = [r for r in calc.LINEUP if on[r]]
    return ids, lrs, {"rmb": {"alpha": a_rmb}, "rmt": {"alpha": a_rmt}}, eta_u, eta_u2


def curvature_metrics(sh: Shell, lam_min: float, lam_max: float) -> None:
    """The η metrics: the book's figures in units of 2/λ_max."""
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("λ_max", num(lam_max))
    m2.metric("λ_min", num(lam_min))
    m3.metric(sh.t("al_condition"), num(lam_max / lam_min, 3) if lam_min > 0 else "∞")
    m4.metric("2/λ_max", num(2.0 / lam_max))
    st.caption(sh.t("al_units_note"))


def loss_and_gradient(sh: Shell, race, ids: list[str], k: int) -> None:
    who = sh.controls.select("lg", sh.t("al_lg_who"), ["all"] + ids, "all",
                             format_func=lambda v: sh.t("al_lg_all") if v == "all" else race.names[ids.index(v)])
    chosen = range(len(race.names)) if who == "all" else [ids.index(who)]
    r = race.result
    runs = [LossGrad(race.names[i], race.colors[i], r.loss[:, i], r.grad_norm[:, i], race.diverged(i),
                     uid=LOSS_UID if ids[i] == "gd" else None) for i in chosen]
    st.markdown(f"**{sh.t('al_lg_title')}**")
    fig = view.figure(loss_grad_figure, runs, LossGradText(step=sh.t("step"), loss=sh.t("al_axis_loss"), grad=sh.t("al_axis_grad"),
                                                 zero_floor=sh.t("zero_grad_floor")),
                      marker_step=k, height=sh.size(380, 460), font_size=sh.size(12, 15))
    view.chart(fig, "al_lossgrad")
    st.caption(sh.t("al_lg_note"))


def step_table(sh: Shell, race, k: int) -> None:
    ax = view.labels_for(sh, race.spec)
    cols = ("η_t", f"σ ({ax.x})", f"σ ({ax.y})", f"η/σ ({ax.x})", f"η/σ ({ax.y})", f"Δ{ax.y}")
    rows = []
    for i, name, _ in race.rows():
        s = calc.step_numbers(race.result, i, k)
        cells = ("—",) * len(cols) if s is None else (
            f"{s.eta:.3g}", f"{s.sigma[0]:.3g}", f"{s.sigma[1]:.3g}", f"{s.eff[0]:.3g}", f"{s.eff[1]:.3g}", f"{s.dy:+.3g}")
        rows.append({sh.t("col_optimizer"): name} | dict(zip(cols, cells, strict=True)))
    sh.table(rows)
    st.caption(sh.t("al_table_note"))


def coordinate_curves(sh: Shell, race, k: int) -> None:
    st.markdown(f"#### {sh.t('al_coord_title')}")
    ax = view.labels_for(sh, race.spec)
    r = race.result
    panels = {"eff": [], "sigma": [], "theta": [], "step": []}
    for i, name, col in race.rows():
        d = race.diverged(i)
        for c, dash in ((1, "solid"), (0, "dot")):
            label = name if c == 1 else f"{name} · {ax.x}"
            panels["eff"].append(Series(label, col, r.eff_step[:, i, c], x0=1, dash=dash, diverged_at=d, group=name))
            panels["sigma"].append(Series(label, col, r.sigma[:, i, c], x0=1, dash=dash, diverged_at=d, group=name))
        panels["theta"].append(Series(f"{name} · {ax.y}", col, r.theta[:, i, 1], diverged_at=d, group=name))
        panels["step"].append(Series(f"{name} · |Δ{ax.y}|", col, calc.abs_moves_y(r, i), x0=1, diverged_at=d, group=name))
    chosen = [(sh.t("al_panel_eff"), panels["eff"], True), (sh.t("al_panel_sigma"), panels["sigma"], True),
              (sh.t("al_panel_theta", y=ax.y), panels["theta"], False), (sh.t("al_panel_step", y=ax.y), panels["step"], True)]
    fig = view.figure(curves_figure, chosen, ax, marker_step=k, font_size=sh.font, height=sh.size(560, 640))
    view.chart(fig, "al_coords")
    st.caption(sh.t("al_coord_note", x=ax.x, y=ax.y))


def selected_step(sh: Shell, race, ids: list[str], steps: int, lam_min: float, lam_max: float) -> None:
    """The charts, the table and the curves of the selected step (a fragment: the slider and
    ◀ / ▶ rerun only this); the charts come first, the slider right under them."""
    charts = st.container()
    k = view.step_picker(sh, sh.t("al_selected_step"), 1, steps, min(steps, 100))
    in_view, grid, _ = widened(race)
    left, right = charts.columns([3, 2])
    with left:
        view.show_surface(sh, in_view, grid_override=grid)
        if grid is not None:
            st.caption(sh.t("al_view_grown"))
    with right:
        loss_and_gradient(sh, race, ids, k)
    if sh.big:
        curvature_metrics(sh, lam_min, lam_max)
    st.markdown(f"**{sh.t('al_at_step', k=k)}**")
    step_table(sh, race, k)
    coordinate_curves(sh, race, k)


def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        formulas(sh)
    sh.preset_bar(columns=2)

    # presentation mode: the live η heads the sidebar (in the page it would push the chart off the first screen)
    live_slot = sh.side.container() if sh.big else None
    surface, params = view.surface_controls(sh, "long-valley", allowed=list(calc.SURFACES))
    pk = compute.params_key(params)
    problem = compute.build(surface, pk)
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, DEFAULT_STEPS, seed=False)
    lam_min, lam_max = cached_curvature(surface, pk, tuple(start))
    ids, lrs, hparams, eta_u, eta_u2 = lineup_controls(sh, surface, 2.0 / lam_max)
    if not sh.big or not ids:  # in presentation mode the numbers come under the chart
        curvature_metrics(sh, lam_min, lam_max)
    if not ids:
        st.info(sh.t("al_pick_one"))
        return
    names = [sh.t(f"al_name_{r}", u=eta_u if r == "gd" else eta_u2) for r in ids]
    race = view.run_race(sh, surface, params, calc.configs(ids, lrs, hparams), start, steps, seed, names=names)
    if race is None:
        return
    view.divergence_notes(sh, race)
    if "gd" in ids:
        live_eta(sh, surface, pk, start, steps, 2.0 / lam_max, eta_u, container=live_slot)
    view.step_view(lambda: selected_step(sh, race, ids, steps, lam_min, lam_max), race)
    sh.table(view.final_rows(sh, race))
    view.downloads(sh, race, f"adaptive-{surface}")
