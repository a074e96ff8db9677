"""A page with a job draws at once: the first run shows the placeholder and goes on; the run
after the job has finished shows the result (the fragment's poll is what triggers it in a browser)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page():
    import streamlit as st

    from ui.common import jobs
    from ui.text import t

    class Sh:
        lang = "en"

        def t(self, key, **values):
            return t(key, "en", **values)

    n = st.session_state.get("n", 6)
    res = jobs.show(Sh(), f"apptest-sum-{n}", "tests.toys:count_task", {"n": n})
    st.markdown(f"result={res}")
    st.button("after the job")  # the rest of the page is drawn whatever the job's state


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def test_the_first_run_does_not_wait_and_the_next_shows_the_result(monkeypatch):
    from optim_lab.jobs import POOL

    monkeypatch.delenv("OPTIM_LAB_JOBS", raising=False)
    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["n"] = 7
    at.run()
    assert not at.exception
    assert "result=None" in _markdown(at) and at.button, "the page went on while the job computed"
    assert any("appears here as soon as it is computed" in c.value for c in at.caption)
    assert POOL.wait("apptest-sum-7", timeout=60).state == "done"
    at.run()
    assert "result=28" in _markdown(at)
    assert not any("appears here" in c.value for c in at.caption)


def test_inline_jobs_compute_in_the_script_run():
    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["n"] = 3
    at.run()
    assert "result=6" in _markdown(at)
