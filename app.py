"""Home: what the app is, the chapter map, and presets to start class with."""

import streamlit as st

from ui import presets
from ui.shell import PAGE_BY_ID, available_pages, page_setup

sh = page_setup("home")
st.title(f"🧭 {sh.t('app_title')}")
st.markdown(f"#### {sh.t('app_tagline')}")
st.markdown(sh.t("home_how"))
st.latex(r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t")

st.subheader(sh.t("chapter_map"))
pages = [p for p in available_pages() if p.section]
query = {"lang": sh.lang} | ({"big": "1"} if sh.big else {})
cols = st.columns(3)
for i, p in enumerate(pages):
    with cols[i % 3].container(border=True):
        st.markdown(f"### {p.icon} §{p.section} {sh.t(f'page_{p.id}')}")
        st.markdown(sh.t(f"q_{p.id}"))
        st.page_link(p.path, label=sh.t("open_page"), icon="➡️", query_params=query)

home = [p for p in presets.ALL if p.home and p.page in {q.id for q in pages}]
if home:
    st.subheader(sh.t("presets_home"))
    cols = st.columns(min(3, len(home)))
    for i, pr in enumerate(home):
        page = PAGE_BY_ID[pr.page]
        with cols[i % len(cols)].container(border=True):
            st.markdown(f"**§{page.section} {sh.t(pr.title)}**")
            st.page_link(page.path, label=sh.t(f"page_{page.id}"), icon=page.icon, query_params=query | pr.params)
sh.finish()
