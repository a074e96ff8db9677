"""The training lab's "code for this run": the standalone script of one run, to read and download."""

from __future__ import annotations

import streamlit as st

from optim_lab.torch_optim import is_muon
from optim_lab.training import codegen
from ui.sections.training_lab import calc
from ui.shell import Shell


def show_code(sh: Shell, runs: list[calc.NamedRun]) -> None:
    if not runs:
        return
    with st.expander(sh.t("tl_code"), expanded=False):
        st.markdown(sh.t("tl_code_text"))
        names = [r.name for r in runs]
        pick = sh.controls.select("code", sh.t("tl_code_of"), names, names[0])
        run = runs[names.index(pick)]
        if is_muon(run.config.racer):  # two optimizers (Muon + AdamW): not written out
            st.info(sh.t("tl_code_none_muon"), icon="ℹ️")
            return
        why = codegen.unwritten(run.config.racer)
        if why is not None:  # the engine's newer rules are not written out: no script rather than a wrong one
            st.info(sh.t("tl_code_none", why=why), icon="ℹ️")
            return
        src = codegen.script(run.config)
        st.download_button(sh.t("tl_download"), src, file_name="train_digits.py", mime="text/x-python", key="tl_download")
        st.caption(sh.t("tl_code_language"))
        st.code(src, language="python", wrap_lines=sh.big)
