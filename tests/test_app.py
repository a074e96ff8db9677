"""AppTest for every page: both languages, defaults and every preset, URL state in and out."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import apptest
from ui.common import presets
from ui.shell import PAGES, registry_problems
from ui.text import t

ROOT = Path(__file__).resolve().parent.parent
PRESETS = presets.ALL


def test_the_page_registry_is_complete():
    """Every registered page has its script and its texts; every preset belongs to a page."""
    assert registry_problems() == []
    assert {p.page for p in PRESETS} <= {p.id for p in PAGES}


def open_page(page, lang="en", query=None) -> AppTest:
    return apptest.open_page(page.path, lang, query, timeout=90)


def chart_specs(at) -> list[dict]:
    return list(apptest.charts(at).values())


ignored_notice = apptest.ignored_notices


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_page_renders_without_exception(page, lang):
    at = open_page(page, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert not ignored_notice(at)
    if page.id != "home":
        assert at.get("plotly_chart"), "every section page shows at least one chart"
        assert at.title[0].value == f"§{page.section} {t(f'page_{page.id}', lang)}"  # numbered as in the menu
        assert at.caption[0].value == t(f"q_{page.id}", lang)
    assert at.query_params.get("lang") in (lang, [lang])


@pytest.mark.parametrize("preset", PRESETS, ids=[f"{p.page}:{p.id}" for p in PRESETS])
def test_preset_link_renders_and_is_fully_understood(preset):
    page = next(p for p in PAGES if p.id == preset.page)
    at = open_page(page, "zh", preset.params)
    apptest.assert_clean(at)  # no exception, no error box, a chart, and every key a control of its page
    # every preset value is reflected back into the URL (nothing was dropped)
    for key, value in preset.params.items():
        got = at.query_params.get(key)
        got = got[0] if isinstance(got, list) else got
        if got is not None:
            assert float(got) == pytest.approx(float(value)) if _num(value) else got == value, key


def _num(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("preset", PRESETS, ids=[f"{p.page}:{p.id}" for p in PRESETS])
def test_preset_button_applies_the_preset(preset):
    page = next(p for p in PAGES if p.id == preset.page)
    at = open_page(page, "en")
    at.button(key=f"preset_{preset.id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not ignored_notice(at)
    apptest.assert_state_matches(at, preset.params)
    if preset.note:  # "what to look for" appears with the preset
        assert any(t(preset.note, "en") in i.value for i in at.info), preset.note


def test_url_values_set_widgets():
    page = next(p for p in PAGES if p.id == "playground")
    at = open_page(page, "en", {"surface": "himmelblau", "steps": "123", "n": "2", "o2": "adam", "o2_lr": "0.03"})
    assert at.selectbox(key="surface").value == "himmelblau"
    assert at.slider(key="steps").value == 123
    assert at.selectbox(key="o2").value == "adam"
    assert at.slider(key="o2_lr__log").value == pytest.approx(-1.52, abs=0.006)
    theta = [t for t in chart_specs(at)[0]["data"] if t.get("type") == "scatter"]
    assert theta, "the race is drawn"


def test_bad_url_values_fall_back_with_a_notice():
    page = next(p for p in PAGES if p.id == "playground")
    at = open_page(page, "en", {"steps": "99999", "surface": "no-such-surface", "o1_lr": "abc", "zzz": "1", "n": "2.5"})
    assert not at.exception
    notes = ignored_notice(at)
    assert len(notes) == 1
    for key in ("steps", "surface", "o1_lr", "zzz", "n"):
        assert f"`{key}=" in notes[0]
    assert at.slider(key="steps").value == 300  # the page default
    assert at.selectbox(key="surface").value == "rosenbrock"


def test_changing_a_control_changes_the_chart_data():
    page = next(p for p in PAGES if p.id == "playground")
    at = open_page(page, "en", {"n": "1", "steps": "50"})
    before = chart_specs(at)[0]
    at.slider(key="steps").set_value(80).run()
    after = chart_specs(at)[0]
    assert not at.exception
    assert len(after.get("frames", [])) != len(before.get("frames", [])) or after["data"] != before["data"]
    assert at.query_params.get("steps") in ("80", ["80"])


def test_switching_language_keeps_every_value():
    page = next(p for p in PAGES if p.id == "playground")
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
    view._on_pick("main", None)
    assert (state["x0"], state["y0"]) == (0.5, 1.5)
    state.update(click="point")
    state["main"]["selection"]["points"][0].update(x=-1.0, y=0.25)
    view._on_pick("main", "click")
    assert (state["ix"], state["iy"], state["inspect"]) == (-1.0, 0.25, "point")
    assert (state["x0"], state["y0"]) == (0.5, 1.5)
    state["main"] = {"selection": {"points": []}}  # a second click clears the selection: keep the last pick
    view._on_pick("main", None)
    assert (state["x0"], state["y0"]) == (0.5, 1.5)


def test_the_start_inputs_drive_the_race():
    page = next(p for p in PAGES if p.id == "playground")
    at = open_page(page, "en", {"n": "1", "steps": "20"})
    at.number_input(key="x0").set_value(0.5)
    at.number_input(key="y0").set_value(1.5).run()
    assert not at.exception
    data = chart_specs(at)[0]["data"]
    star = next(t for t in data if t.get("name") == "start")
    assert (star["x"][0], star["y"][0]) == (0.5, 1.5)
    assert at.query_params.get("x0") in ("0.5", ["0.5"])


def test_critical_points_saddle_preset_verdict():
    page = next(p for p in PAGES if p.id == "critical-points")
    pr = next(p for p in PRESETS if p.id == "gd-stops")
    at = open_page(page, "en", pr.params)
    assert any("saddle" in s.value for s in at.success)


def test_a_failing_surface_is_contained_to_its_page(monkeypatch):
    """Inject a surface whose loss raises: the page says so, the app keeps working."""
    from surfaces import SURFACES, Problem, SurfaceSpec

    class Broken(Problem):
        def loss(self, theta, weights=None):
            raise RuntimeError("injected failure")

    spec = SurfaceSpec("failing", "Failing", "故障曲面", "L = ?", (-1.0, 1.0, -1.0, 1.0), (0.0, 0.0), factory=Broken)
    monkeypatch.setitem(SURFACES, "failing", spec)
    page = next(p for p in PAGES if p.id == "playground")
    at = open_page(page, "en", {"surface": "failing"})
    assert not at.exception
    assert any("injected failure" in e.value for e in at.error)
    assert at.selectbox(key="surface").value == "failing"  # the sidebar is still there and usable
    at.selectbox(key="surface").set_value("himmelblau").run()
    assert not at.exception and not at.error and at.get("plotly_chart")
    other = next(p for p in PAGES if p.id == "critical-points")
    assert not open_page(other, "en").exception


def test_a_typed_formula_becomes_a_surface():
    page = next(p for p in PAGES if p.id == "playground")
    at = open_page(page, "en", {"surface": "custom", "formula": "(x - 1)^2 + 3*(y + 0.5)^2", "n": "1", "steps": "50"})
    assert not at.exception and not ignored_notice(at)
    assert at.text_input(key="formula").value == "(x - 1)^2 + 3*(y + 0.5)^2"
    assert any("x - 1" in m.value or "x-1" in m.value.replace(" ", "") for m in at.latex)
    assert at.get("plotly_chart")


def test_a_hostile_formula_in_a_link_is_refused_and_named():
    page = next(p for p in PAGES if p.id == "critical-points")
    at = open_page(page, "zh", {"surface": "custom", "formula": "__import__('os').system('touch /tmp/owned')"})
    assert not at.exception
    notes = ignored_notice(at)
    assert notes and "`formula=" in notes[0]
    assert at.get("plotly_chart")  # the page runs on the default formula


def test_typing_a_bad_formula_explains_and_keeps_the_last_good_one():
    page = next(p for p in PAGES if p.id == "playground")
    at = open_page(page, "en", {"surface": "custom", "n": "1", "steps": "20"})
    at.text_input(key="formula").set_value("x +* y").run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)
    assert at.get("plotly_chart")
