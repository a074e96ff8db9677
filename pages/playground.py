"""§3.5 — Optimizer playground: race up to 8 optimizers, or build your own."""

import streamlit as st

from optim_lab.optimizers import CUSTOM, OPTIMIZERS, custom_optimizer
from ui.common import view
from ui.common.racers import racer_editor
from ui.shell import page_setup

sh = page_setup("playground")
with sh.guard():
    sh.header()
    st.markdown(sh.t("pg_intro"))
    st.latex(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t")
    sh.preset_bar()

    surface, params = view.surface_controls(sh, "rosenbrock", custom=True)
    problem = view.compute.build(surface, view.compute.params_key(params))
    start = view.start_controls(sh, problem)
    steps, seed = view.steps_controls(sh, 300, seed=problem.n_samples is not None)
    n = sh.controls.slider("n", sh.t("n_racers"), 1, 8, 4, integer=True, container=st.sidebar)
    DEFAULT_LINEUP = ["sgd", "momentum", "rmsprop", "adam", "adagrad", "nesterov", "adamw", CUSTOM]
    configs = []
    for i in range(1, n + 1):
        with st.sidebar.expander(f"{i} · {sh.t('racer')}", expanded=i == 1):
            configs.append(racer_editor(sh, i, surface, default_opt=DEFAULT_LINEUP[i - 1], container=st, data_n=problem.n_samples,
                                        steps=steps))

    rc = view.run_race(sh, surface, params, configs, start, steps, seed)
    if rc is not None:
        view.divergence_notes(sh, rc)
        left, right = st.columns([3, 2])
        with left:
            view.show_surface(sh, rc)
        with right:
            k = sh.controls.slider("k", sh.t("selected_step"), 1, steps, steps, integer=True)
            st.markdown(f"**{sh.t('live_equation')}**")
            r = rc.result
            for i, name in enumerate(rc.names):
                cfg = rc.configs[i]
                spec = custom_optimizer(cfg["momentum_rule"], cfg["scaling_rule"]) if cfg["optimizer"] == CUSTOM else OPTIMIZERS[cfg["optimizer"]]
                d = rc.diverged(i)
                color = rc.colors[i]
                st.markdown(f"<span style='color:{color};font-weight:700'>● {name}</span> &nbsp; "
                            f"<small>m: {spec.momentum_rule.label(sh.lang)} · σ: {spec.scaling_rule.label(sh.lang)}</small>",
                            unsafe_allow_html=True)
                if d is not None and k >= d:
                    st.caption(sh.t("diverged_at", name=name, k=d))
                    continue
                th0, th1 = r["theta"][k - 1, i], r["theta"][k, i]
                eta, sig, m = r["lr"][k - 1, i], r["sigma"][k - 1, i], r["direction"][k - 1, i]
                if spec.momentum_rule.eta_inside:
                    st.latex(
                        rf"\underbrace{{\begin{{bmatrix}}{th1[0]:.4g}\\{th1[1]:.4g}\end{{bmatrix}}}}_{{\theta_{{{k}}}}} = "
                        rf"\begin{{bmatrix}}{th0[0]:.4g}\\{th0[1]:.4g}\end{{bmatrix}} + "
                        rf"\underbrace{{\begin{{bmatrix}}{-m[0]:.3g}\\{-m[1]:.3g}\end{{bmatrix}}}}_{{m_{{{k}}}=\lambda m_{{{k - 1}}}-\eta g}}"
                        rf"\quad(\eta={eta:.3g})"
                    )
                else:
                    st.latex(
                        rf"\underbrace{{\begin{{bmatrix}}{th1[0]:.4g}\\{th1[1]:.4g}\end{{bmatrix}}}}_{{\theta_{{{k}}}}} = "
                        rf"\begin{{bmatrix}}{th0[0]:.4g}\\{th0[1]:.4g}\end{{bmatrix}} - "
                        rf"\frac{{{eta:.3g}}}{{\begin{{bmatrix}}{sig[0]:.3g}\\{sig[1]:.3g}\end{{bmatrix}}}} \odot "
                        rf"\underbrace{{\begin{{bmatrix}}{m[0]:.3g}\\{m[1]:.3g}\end{{bmatrix}}}}_{{m_{{{k}}}}}"
                    )
        view.show_curves(sh, rc, selected=k)
        if rc.diverged(0) is None or k < rc.diverged(0):
            with st.expander(f"{sh.t('inspector')} · {rc.names[0]} · {sh.t('step')} {k}"):
                view.inspector(sh, rc, tuple(float(v) for v in rc.result["theta"][k, 0]), f"{sh.t('step')} {k}")
        st.markdown(f"**{sh.t('results')}**")
        view.results_table(sh, rc)
        view.downloads(sh, rc, f"playground-{surface}")
        with st.expander(sh.t("pg_how_it_works")):
            st.markdown(sh.t("pg_how_text"))
            rows = [{sh.t("col_optimizer"): o.label(sh.lang), "m": o.momentum, "σ": o.scaling,
                     sh.t("col_convention"): o.torch_name and f"torch.optim.{o.torch_name}" or sh.t("book_convention")}
                    for o in OPTIMIZERS.values()]
            st.dataframe(rows, hide_index=True, width="stretch")
sh.finish()
