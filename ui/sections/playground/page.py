"""§3.5 — Optimizer playground: race up to 8 optimizers, or build your own."""

from __future__ import annotations

import streamlit as st

from optim_lab.optimizers import CUSTOM, OPTIMIZERS
from ui.common import compute, view
from ui.common.racers import racer_editor
from ui.sections.playground import calc
from ui.shell import Shell

DEFAULT_SURFACE = "rosenbrock"
DEFAULT_STEPS = 300
MAX_RACERS = 8
DEFAULT_LINEUP = ("sgd", "momentum", "rmsprop", "adam", "adagrad", "nesterov", "adamw", CUSTOM)


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


def selected_step(sh: Shell, race, steps: int) -> None:
    """Everything that shows the selected step (a fragment: ◀ / ▶ rerun only this)."""
    left, right = st.columns([3, 2])
    with left:
        view.show_surface(sh, race)
    with right:
        k = view.step_picker(sh, sh.t("selected_step"), 1, steps, steps)
        live_equations(sh, race, k)
    view.show_curves(sh, race, selected=k)
    if race.result.alive(0, k):
        with st.expander(f"{sh.t('inspector')} · {race.names[0]} · {sh.t('step_k', k=k)}"):
            view.inspector(sh, race, race.result.at(0, k), sh.t("step_k", k=k))


def render(sh: Shell) -> None:
    sh.header()
    with sh.intro():
        st.markdown(sh.t("pg_intro"))
        st.latex(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t")
    sh.preset_bar()

    surface, params = view.surface_controls(sh, DEFAULT_SURFACE, custom=True)
    problem = compute.build(surface, compute.params_key(params))
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, DEFAULT_STEPS, seed=problem.n_samples is not None)
    n = sh.controls.slider("n", sh.t("n_racers"), 1, MAX_RACERS, 4, integer=True, container=st.sidebar)
    configs = []
    for i in range(1, n + 1):
        with st.sidebar.expander(f"{i} · {sh.t('racer')}", expanded=i == 1):
            configs.append(racer_editor(sh, i, surface, default_opt=DEFAULT_LINEUP[i - 1], container=st,
                                        data_n=problem.n_samples, steps=steps))

    race = view.run_race(sh, surface, params, configs, start, steps, seed)
    if race is None:
        return
    view.divergence_notes(sh, race)
    view.step_view(lambda: selected_step(sh, race, steps), race)
    st.markdown(f"**{sh.t('results')}**")
    view.results_table(sh, race)
    view.downloads(sh, race, f"playground-{surface}")
    with st.expander(sh.t("pg_how_it_works")):
        st.markdown(sh.t("pg_how_text"))
        rows = [{sh.t("col_optimizer"): o.label(sh.lang), "m": o.momentum, "σ": o.scaling,
                 sh.t("col_convention"): o.torch_name and f"torch.optim.{o.torch_name}" or sh.t("book_convention")}
                for o in OPTIMIZERS.values()]
        sh.table(rows)
