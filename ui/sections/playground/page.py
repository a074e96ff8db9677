"""§3.5 — Optimizer playground: race up to 8 optimizers, or build your own."""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from optim_lab.optimizers import CUSTOM, LR_MAX, LR_MIN, OPTIMIZERS
from ui.common import compute, keys, live, view
from ui.common.racers import racer_editor
from ui.sections.playground import calc
from ui.shell import Shell
from ui.text import t

DEFAULT_SURFACE = "rosenbrock"
DEFAULT_STEPS = 300
MAX_RACERS = 8
LRX = "lrx"  # URL key of the η multiplier
DEFAULT_LINEUP = ("sgd", "momentum", "rmsprop", "adam", "adagrad", "nesterov", "adamw", CUSTOM)


def scaled(configs: list, m: float) -> list:
    """Every racer with its η × m (at m = 1 the racers themselves: the page is unchanged)."""
    return configs if m == 1.0 else [c.replace(lr=c.lr * m) for c in configs]


def live_multiplier(sh: Shell, race, configs: list, m: float, container=None) -> None:
    """η × m, live: drag it and every racer's path follows at once.  ONE batched engine call for
    the whole race (its family: racers × positions as rows of one loop, cached per setting),
    every position an exact run; on release the page reruns once."""
    if not sh.controls.drawn:  # a student following the teacher, who holds the setting
        return
    ms = np.array(calc.MULTIPLIERS)
    if not all(LR_MIN <= c.lr * ms[0] and c.lr * ms[-1] <= LR_MAX for c in configs):
        return  # some racer's η × m would leave the engine's range: the classic selector alone (it reports the error)
    data = multiplier_data(sh.lang, sh.big, race.surface, compute.params_key(race.params), tuple(configs),
                           tuple(race.start), race.steps, race.seed, tuple(race.colors), tuple(race.names))
    live.live_slider(LRX, data, m, container=container)


@live.shared
def multiplier_data(lang: str, big: bool, surface: str, pk: tuple, configs: tuple, start: tuple, steps: int, seed: int,
                    colors: tuple, names: tuple) -> dict:
    """The live η × m's data (every session showing this race shares it)."""
    ms = np.array(calc.MULTIPLIERS)
    paths, bad = [], np.zeros(len(ms), dtype=bool)
    gone: list[list[str]] = [[] for _ in ms]
    fams = live.race_family_view(surface, pk, tuple(live.racer_key(c) for c in configs), "lr",
                                 tuple(tuple((c.lr * ms).tolist()) for c in configs), start, steps, seed, colors)
    for fam, name in zip(fams, names, strict=True):
        for swap in fam.paths:
            if "name" in swap.attrs:
                swap = dataclasses.replace(swap, attrs=swap.attrs | {"name": [name] * len(ms)})
            paths.append(swap)
        for i in np.flatnonzero(fam.diverged_at >= 0):
            bad[i] = True
            gone[i].append(name)
    readouts = [t("pg_live_diverged", lang, names=", ".join(g)) if g else t("pg_live_none", lang) for g in gone]
    return live.payload(LRX, t("pg_live_label", lang), ms, [f"× {v:g}" for v in ms], readouts, bad, {"main": paths},
                        marks=[(1.0, "× 1")], font=20 if big else 15)


def live_equations(sh: Shell, race, k: int) -> None:
    """Step k of every racer, as the update θ_k = θ_{k−1} − eff ⊙ d with its numbers."""
    st.markdown(f"**{sh.t('live_equation')}**")
    for i, name, color in race.rows():
        spec = race.configs[i].spec()
        st.markdown(f"<span style='color:{color};font-weight:700'>● {name}</span> &nbsp; "
                    f"<small>m: {spec.momentum_rule.label(sh.lang)} · σ: {spec.scaling_rule.label(sh.lang)}</small>",
                    unsafe_allow_html=True)
        if not race.result.alive(i, k):
            st.caption(sh.t("diverged_at", name=name, k=race.diverged(i)))
            continue
        st.latex(calc.step_latex(race.result.step(i, k), spec.momentum_rule.eta_inside))


def showing_3d() -> bool:
    """Whether the surface view is in 3-D this run (its switch, or a link's value it has not read yet)."""
    ss = st.session_state
    raw = (ss.get(keys.URL_SNAPSHOT) or {}).get(keys.VIEW_3D)
    if raw is not None:
        return str(raw).lower() in ("1", "true", "yes", "on")
    return bool(ss.get(keys.VIEW_3D, False))


def selected_step(sh: Shell, race, steps: int, drawn_3d: bool) -> None:
    """Everything that shows the selected step (a fragment: ◀ / ▶ rerun only this).  The 3-D
    switch lives here; the live η × m (outside) moves the contour's traces only, so switching
    between 2-D and 3-D reruns the page, which shows or hides it."""
    left, right = st.columns([3, 2])
    with left:
        view.show_surface(sh, race)
    if bool(st.session_state.get(keys.VIEW_3D, False)) != drawn_3d:
        st.rerun()
    with right:
        k = view.step_picker(sh, sh.t("selected_step"), 1, steps, steps)
        live_equations(sh, race, k)
    view.show_curves(sh, race, selected=k)
    if race.result.alive(0, k):
        with st.expander(f"{sh.t('inspector')} · {race.names[0]} · {sh.t('step_k', k=k)}"):
            view.inspector(sh, race, race.result.at(0, k), sh.t("step_k", k=k))


def equal_budget(sh: Shell, race) -> None:
    """Where a racer takes SAM's two gradients a step: the race at an equal gradient budget."""
    rows = calc.equal_budget(race.result)
    if rows is None:
        return
    st.markdown(f"**{sh.t('pg_budget_title')}**")
    st.caption(sh.t("pg_budget_note", budget=race.steps))
    sh.table([{sh.t("col_optimizer"): name, sh.t("col_grads_per_step"): str(per),
               sh.t("col_budget_steps", budget=race.steps): str(k),
               sh.t("col_budget_loss"): "—" if loss is None else f"{loss:.6g}"}
              for (_, name, _), (per, k, loss) in zip(race.rows(), rows, strict=True)])


def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        st.markdown(sh.t("pg_intro"))
        st.latex(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t")
    sh.preset_bar()

    # presentation mode: the live η × m heads the sidebar (in the page it would push the chart off the first screen)
    live_slot = sh.side.container() if sh.big else None
    surface, params = view.surface_controls(sh, DEFAULT_SURFACE, custom=True)
    problem = compute.build(surface, compute.params_key(params))
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, DEFAULT_STEPS, seed=problem.n_samples is not None)
    n = sh.controls.slider("n", sh.t("n_racers"), 1, MAX_RACERS, 4, integer=True, container=sh.side)
    m = sh.controls.select(LRX, sh.t("pg_lrx"), calc.MULTIPLIERS, 1.0, format_func=lambda v: f"× {v:g}",
                           container=sh.side, help=sh.t("pg_lrx_help"))
    configs = []
    for i in range(1, n + 1):
        with sh.side.expander(f"{i} · {sh.t('racer')}", expanded=i == 1) as box:
            configs.append(racer_editor(sh, i, surface, default_opt=DEFAULT_LINEUP[i - 1], container=box,
                                        data_n=problem.n_samples, steps=steps))

    race = view.run_race(sh, surface, params, scaled(configs, m), start, steps, seed)
    if race is None:
        return
    view.divergence_notes(sh, race)
    drawn_3d = showing_3d()
    if not drawn_3d:  # in 3-D the live control would move nothing: the classic selector alone
        live_multiplier(sh, race, configs, m, container=live_slot)
    view.step_view(lambda: selected_step(sh, race, steps, drawn_3d), race)
    st.markdown(f"**{sh.t('results')}**")
    view.results_table(sh, race)
    equal_budget(sh, race)
    view.downloads(sh, race, f"playground-{surface}")
    with st.expander(sh.t("pg_how_it_works")):
        st.markdown(sh.t("pg_how_text"))
        rows = [{sh.t("col_optimizer"): o.label(sh.lang), "m": o.momentum, "σ": o.scaling,
                 sh.t("col_convention"): o.torch_name and f"torch.optim.{o.torch_name}" or sh.t("book_convention")}
                for o in OPTIMIZERS.values()]
        sh.table(rows)
