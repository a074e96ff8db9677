"""§3.1 — Critical points and saddles: the Hessian decides, and a saddle can be escaped."""

from __future__ import annotations

import streamlit as st

from optim_lab.analysis import escape_step
from ui.common import compute, keys, view
from ui.common.racers import racer_editor
from ui.sections.critical_points import calc
from ui.shell import Shell

DEFAULT_SURFACE = "textbook-saddle"
DEFAULT_STEPS = 200
DEFAULT_START = (-0.5, 0.5)  # on the line w₁ = −w₂: gradient descent slides into the saddle and stops there


def theory(sh: Shell) -> None:
    with sh.intro():
        _theory(sh)


def _theory(sh: Shell) -> None:
    st.markdown(sh.t("cp_taylor"))
    st.latex(r"L(\theta) \approx L(\theta') + (\theta-\theta')^\top g + \tfrac12 (\theta-\theta')^\top H (\theta-\theta')")
    with st.expander(sh.t("cp_theory_title"), expanded=False):
        st.markdown(sh.t("cp_cases"))
        st.latex(r"\lambda_1,\lambda_2 > 0:\ \text{" + sh.t("kind_minimum") + r"}\qquad \lambda_1,\lambda_2 < 0:\ \text{"
                 + sh.t("kind_maximum") + r"}\qquad \lambda_1 < 0 < \lambda_2:\ \text{" + sh.t("kind_saddle") + "}")
        st.markdown(sh.t("cp_escape"))
        st.latex(r"H u = \lambda u,\ \lambda < 0 \;\Rightarrow\; L(\theta' + u) \approx L(\theta') + \tfrac12 \lambda \lVert u\rVert^2 < L(\theta')")
        st.markdown(sh.t("cp_ratio"))
        st.latex(r"\text{" + sh.t("minimum_ratio") + r"} = \frac{\#\{\lambda_i > 0\}}{\#\{\lambda_i\}}")


def escaped(sh: Shell, race, problem, cfg, steps: int, seed: int):
    """(race, jump): with the escape switch on, the run continued from θ′ + u, and the jump (θ′, θ′ + u)."""
    end = race.result.at(0, -1)
    try:
        after = escape_step(problem, end)
    except ValueError:
        st.info(sh.t("cp_nothing_to_escape"))
        return race, None
    continued = view.run_race(sh, race.surface, race.params, [cfg], after, steps, seed)
    if continued is None:
        return race, None
    st.success(sh.t("cp_escaped", x=after[0], y=after[1], lx=end[0], ly=end[1]))
    return calc.with_escape(race, continued), (end, tuple(after))


def inspected_point(sh: Shell, race, problem, start) -> tuple[tuple[float, float], str, int | None]:
    """(point, title, selected step or None): the selected step of the run, or a point typed or clicked."""
    what = sh.controls.select(keys.INSPECT, sh.t("inspect_what"), ["step", "point"], "step", radio=True, horizontal=True,
                              format_func=lambda v: sh.t(f"inspect_{v}"))
    if what == "step":
        total = len(race.result.theta) - 1
        k = view.step_picker(sh, sh.t("selected_step"), 0, total, total)
        shown = race.result.usable(0, k)  # θ is frozen after divergence: inspect the last usable step
        if shown != k:
            st.caption(sh.t("diverged_at", name=race.names[0], k=race.diverged(0)))
        return race.result.at(0, shown), sh.t("step_k", k=shown), k
    x0, x1, y0, y1 = compute.box_of(problem)
    c1, c2 = sh.controls.columns(2)
    ix = sh.controls.number(keys.INSPECT_X, sh.t("inspect_x"), x0, x1, float(start[0]), container=c1, fmt="%.4g")
    iy = sh.controls.number(keys.INSPECT_Y, sh.t("inspect_y"), y0, y1, float(start[1]), container=c2, fmt="%.4g")
    return (float(ix), float(iy)), sh.t("inspect_point"), None


def selected_step(sh: Shell, race, problem, start, jump) -> None:
    """The inspector, the contour with its arrows and the curves' marker: everything that shows
    the selected step (a fragment: the slider and ◀ / ▶ rerun only this)."""
    left, right = st.columns([3, 2])
    with right:
        st.markdown(f"#### {sh.t('inspector')}")
        at, title, k = inspected_point(sh, race, problem, start)
        info = view.inspector(sh, race, at, title)
        taylor_on = sh.controls.toggle("taylor", sh.t("cp_show_taylor"), True)
    with left:
        first = st.container() if sh.big else None  # presentation mode: the chart first, the click switch under it
        sh.controls.select("click", sh.t("click_sets"), ["start", "point"], "start", radio=True, horizontal=True,
                           format_func=lambda v: sh.t(f"click_sets_{v}"))
        box = compute.box_of(problem)
        arrows = calc.eigen_arrows(info, box) + ([calc.jump_arrow(*jump)] if jump else [])
        with first if first is not None else st.container():
            view.show_surface(sh, race, mode_key="click", arrows=arrows,
                              taylor=calc.taylor_grid(box, info.at, info) if taylor_on else None, marker=info.at)
    view.show_curves(sh, race, selected=k)


def render(sh: Shell) -> None:
    sh.preamble()
    theory(sh)

    surface, params = view.surface_controls(sh, DEFAULT_SURFACE, custom=True)
    problem = compute.build(surface, compute.params_key(params))
    start = view.start_controls(sh, problem, default=DEFAULT_START if surface == DEFAULT_SURFACE else None)
    steps, seed = view.steps_controls(sh, DEFAULT_STEPS, seed=problem.n_samples is not None)
    with sh.side.expander(f"1 · {sh.t('racer')}", expanded=True) as box:
        cfg = racer_editor(sh, 1, surface, default_opt="sgd", container=box, data_n=problem.n_samples, steps=steps)
    escape = sh.controls.toggle("esc", sh.t("cp_escape_toggle"), False, container=sh.side, help=sh.t("cp_escape_help"))

    race = view.run_race(sh, surface, params, [cfg], start, steps, seed)
    if race is None:
        return
    jump = None
    if escape and race.diverged(0) is None:
        race, jump = escaped(sh, race, problem, cfg, steps, seed)
    view.divergence_notes(sh, race)
    view.step_view(lambda: selected_step(sh, race, problem, start, jump), race)
    view.downloads(sh, race, f"critical-points-{surface}")
