"""The app as a whole: the page registry, URL state in and out, containment of failures.
(Every page × language × preset is rendered by test_pages_smoke.)"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests import apptest
from ui.common import presets
from ui.shell import PAGE_BY_ID, PAGES, PageInfo, registry_problems


def test_the_page_registry_is_complete():
    """Every registered page has its script and its texts; every preset belongs to a page."""
    assert registry_problems() == []
    assert {p.page for p in presets.all_presets()} <= {p.id for p in PAGES}


def test_the_registry_check_names_a_missing_script_and_missing_texts():
    ghost = PageInfo("no-such-page", "pages/no-such-page.py", "9.9", "?")
    problems = registry_problems(PAGES + (ghost, PAGES[1]))
    assert "no-such-page: script pages/no-such-page.py is missing" in problems
    assert "no-such-page: text key 'page_no-such-page' is missing" in problems
    assert f"page id {PAGES[1].id!r} registered twice" in problems


def test_every_section_page_has_its_package():
    for p in PAGES:
        if p.section:
            assert (apptest.ROOT / "ui" / "sections" / p.slug / "page.py").is_file(), p.slug


def open_page(page, lang="en", query=None) -> AppTest:
    return apptest.open_page(page.path, lang, query, timeout=90)


def chart_specs(at) -> list[dict]:
    return list(apptest.charts(at).values())


ignored_notice = apptest.ignored_notices
PLAYGROUND = PAGE_BY_ID["playground"]


def test_url_values_set_widgets():
    page = PLAYGROUND
    at = open_page(page, "en", {"surface": "himmelblau", "steps": "123", "n": "2", "o2": "adam", "o2_lr": "0.03"})
    assert at.selectbox(key="surface").value == "himmelblau"
    assert at.slider(key="steps").value == 123
    assert at.selectbox(key="o2").value == "adam"
    assert at.select_slider(key="o2_lr__log").value == pytest.approx(-1.52, abs=0.006)
    theta = [t for t in chart_specs(at)[0]["data"] if t.get("type") == "scatter"]
    assert theta, "the race is drawn"


def test_bad_url_values_fall_back_with_a_notice():
    page = PLAYGROUND
    at = open_page(page, "en", {"steps": "99999", "surface": "no-such-surface", "o1_lr": "abc", "zzz": "1", "n": "2.5"})
    assert not at.exception
    notes = ignored_notice(at)
    assert len(notes) == 1
    for key in ("steps", "surface", "o1_lr", "zzz", "n"):
        assert f"`{key}=" in notes[0]
    assert at.slider(key="steps").value == 300  # the page default
    assert at.selectbox(key="surface").value == "rosenbrock"


def test_changing_a_control_changes_the_chart_data():
    page = PLAYGROUND
    at = open_page(page, "en", {"n": "1", "steps": "50"})
    before = chart_specs(at)[0]
    at.slider(key="steps").set_value(80).run()
    after = chart_specs(at)[0]
    assert not at.exception
    assert len(after.get("frames", [])) != len(before.get("frames", [])) or after["data"] != before["data"]
    assert at.query_params.get("steps") in ("80", ["80"])


def test_switching_language_keeps_every_value():
    page = PLAYGROUND
    at = open_page(page, "en", {"surface": "beale", "steps": "77", "n": "3", "o3": "rmsprop"})
    at.radio(key="lang_choice").set_value("zh").run()
    assert not at.exception
    assert at.selectbox(key="surface").value == "beale"
    assert at.slider(key="steps").value == 77
    assert at.selectbox(key="o3").value == "rmsprop"
    assert "竞技场" in at.title[0].value


def test_a_pick_on_the_chart_sets_the_start_or_the_inspected_point(monkeypatch):
    """The chart's on_select callback: the first picked point becomes the start, or, with
    "a click sets: the inspected point", the point the inspector looks at."""
    from ui.common import view

    state = {"main": {"selection": {"points": [{"x": 0.5, "y": 1.5}], "point_indices": [7]}}}
    monkeypatch.setattr(view.st, "session_state", state)
    view.pick_start("main", None)
    assert (state["x0"], state["y0"]) == (0.5, 1.5)
    state.update(click="point")
    state["main"]["selection"]["points"][0].update(x=-1.0, y=0.25)
    view.pick_start("main", "click")
    assert (state["ix"], state["iy"], state["inspect"]) == (-1.0, 0.25, "point")
    assert (state["x0"], state["y0"]) == (0.5, 1.5)
    state["main"] = {"selection": {"points": []}}  # a second click clears the selection: keep the last pick
    view.pick_start("main", None)
    assert (state["x0"], state["y0"]) == (0.5, 1.5)


def test_the_start_inputs_drive_the_race():
    page = PLAYGROUND
    at = open_page(page, "en", {"n": "1", "steps": "20"})
    at.number_input(key="x0").set_value(0.5)
    at.number_input(key="y0").set_value(1.5).run()
    assert not at.exception
    data = chart_specs(at)[0]["data"]
    star = next(t for t in data if t.get("name") == "start")
    assert (star["x"][0], star["y"][0]) == (0.5, 1.5)
    assert at.query_params.get("x0") in ("0.5", ["0.5"])


def test_a_failing_surface_is_contained_to_its_page(monkeypatch):
    """Inject a surface whose loss raises: the page says so, the app keeps working."""
    from surfaces import SURFACES, Problem, SurfaceSpec

    class Broken(Problem):
        def loss(self, theta, weights=None):
            raise RuntimeError("injected failure")

    spec = SurfaceSpec("failing", "Failing", "故障曲面", "L = ?", (-1.0, 1.0, -1.0, 1.0), (0.0, 0.0), factory=Broken)
    monkeypatch.setitem(SURFACES, "failing", spec)
    page = PLAYGROUND
    at = open_page(page, "en", {"surface": "failing"})
    assert not at.exception
    assert any("injected failure" in e.value for e in at.error)
    assert at.selectbox(key="surface").value == "failing"  # the sidebar is still there and usable
    at.selectbox(key="surface").set_value("himmelblau").run()
    assert not at.exception and not at.error and at.get("plotly_chart")
    other = PAGE_BY_ID["critical-points"]
    assert not open_page(other, "en").exception


def test_a_typed_formula_becomes_a_surface():
    page = PLAYGROUND
    at = open_page(page, "en", {"surface": "custom", "formula": "(x - 1)^2 + 3*(y + 0.5)^2", "n": "1", "steps": "50"})
    assert not at.exception and not ignored_notice(at)
    assert at.text_input(key="formula").value == "(x - 1)^2 + 3*(y + 0.5)^2"
    assert any("x - 1" in m.value or "x-1" in m.value.replace(" ", "") for m in at.latex)
    assert at.get("plotly_chart")


def test_a_hostile_formula_in_a_link_is_refused_and_named():
    page = PAGE_BY_ID["critical-points"]
    at = open_page(page, "zh", {"surface": "custom", "formula": "__import__('os').system('touch /tmp/owned')"})
    assert not at.exception
    notes = ignored_notice(at)
    assert notes and "`formula=" in notes[0]
    assert at.get("plotly_chart")  # the page runs on the default formula


def test_typing_a_bad_formula_explains_and_keeps_the_last_good_one():
    page = PLAYGROUND
    at = open_page(page, "en", {"surface": "custom", "n": "1", "steps": "20"})
    at.text_input(key="formula").set_value("x +* y").run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)
    assert at.get("plotly_chart")
