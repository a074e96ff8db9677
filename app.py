"""Home: what the app is, the chapter map, and presets to start class with."""

import streamlit as st

from ui.common import presets
from ui.shell import PAGE_BY_ID, PAGES, Shell, numbered, serve


def render(sh: Shell) -> None:
    st.title(f"🧭 {sh.t('app_title')}")
    st.markdown(f"#### {sh.t('app_tagline')}")
    st.markdown(sh.t("home_how"))
    st.latex(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t")

    st.subheader(sh.t("chapter_map"))
    sections = [p for p in PAGES if p.section]
    cols = st.columns(3)
    for i, p in enumerate(sections):
        with cols[i % 3].container(border=True):
            # keep-all: a Chinese title breaks at its spaces and punctuation, never inside a word
            st.markdown(f"<h3 style='word-break: keep-all; overflow-wrap: break-word'>{p.icon} {numbered(p)} "
                        f"{sh.t(f'page_{p.id}')}</h3>", unsafe_allow_html=True)
            st.markdown(sh.t(f"q_{p.id}"))
            st.page_link(p.path, label=sh.t("open_page"), icon="➡️", query_params=sh.query)

    home = presets.for_home([p.id for p in sections])
    if home:
        st.subheader(sh.t("presets_home"))
        cols = st.columns(min(3, len(home)))
        for i, pr in enumerate(home):
            page = PAGE_BY_ID[pr.page]
            with cols[i % len(cols)].container(border=True):
                st.markdown(f"**{numbered(page)} {sh.t(pr.title)}**")
                st.page_link(page.path, label=sh.t(f"page_{page.id}"), icon=page.icon, query_params=sh.query | pr.params)


serve("home", render)
