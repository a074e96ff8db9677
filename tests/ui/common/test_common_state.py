"""State that follows the learner: a selected step kept (clamped) when Steps changes, derived
defaults that stay derived, each optimizer and surface with its own defaults, nothing but
what the controls show in the URL, a reset button, and settings kept across Home and back."""

from __future__ import annotations

import pytest

from tests import apptest
from ui.common import keys
from ui.common.state import shown
from ui.shell import PAGE_BY_ID

PLAYGROUND = PAGE_BY_ID["playground"].path


def query(at) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def open_pg(params: dict | None = None):
    return apptest.open_page(PLAYGROUND, "en", {"n": "1", "steps": "50"} | (params or {}))


def test_a_selected_step_survives_a_change_of_steps_clamped():
    at = open_pg({"k": "30"})
    at.slider(key="steps").set_value(80).run()
    assert at.slider(key="k").value == 30 and query(at)["k"] == "30"
    at.slider(key="steps").set_value(20).run()
    assert at.slider(key="k").value == 20


def test_a_step_left_at_its_default_follows_steps_and_stays_out_of_the_url():
    at = open_pg()
    assert at.slider(key="k").value == 50
    at.slider(key="steps").set_value(80).run()
    assert at.slider(key="k").value == 80
    assert "k" not in query(at)


def test_t_max_follows_steps_until_the_learner_sets_it():
    at = apptest.open_page(PAGE_BY_ID["lr-schedule"].path, "en", {"steps": "200"})
    assert at.slider(key="sp_t_max").value == 200
    at.slider(key="steps").set_value(120).run()
    assert at.slider(key="sp_t_max").value == 120 and "sp_t_max" not in query(at)
    at.slider(key="sp_t_max").set_value(90).run()
    at.slider(key="steps").set_value(150).run()
    assert at.slider(key="sp_t_max").value == 90 and query(at)["sp_t_max"] == "90"


def test_each_optimizer_brings_its_own_learning_rate():
    at = open_pg()
    assert at.session_state["o1_lr__exact"] == pytest.approx(0.001)  # SGD on Rosenbrock
    at.selectbox(key="o1").set_value("adam").run()
    assert at.session_state["o1_lr__exact"] == pytest.approx(0.05)  # Adam's own default, not SGD's η
    assert "o1_lr" not in query(at)  # a default never lands in the URL
    at.select_slider(key="o1_lr__log").set_value(-1.5).run()
    assert query(at)["o1_lr"] == "0.03162"  # what the label shows, not 10**-1.5 to 17 digits
    at.selectbox(key="o1").set_value("sgd").run()
    assert at.session_state["o1_lr__exact"] == pytest.approx(0.001) and "o1_lr" not in query(at)
    at.selectbox(key="o1").set_value("adam").run()
    assert at.session_state["o1_lr__exact"] == pytest.approx(0.03162)  # the value the learner set for Adam


def test_a_new_surface_brings_its_own_start_and_rates():
    at = open_pg({"x0": "0.5", "y0": "1", "o1_lr": "0.002"})
    at.selectbox(key="surface").set_value("himmelblau").run()
    from surfaces import get_surface

    assert (at.number_input(key="x0").value, at.number_input(key="y0").value) == tuple(get_surface("himmelblau").start)
    assert at.session_state["o1_lr__exact"] == pytest.approx(0.01)
    assert not {"x0", "y0", "o1_lr"} & set(query(at))


def test_a_refused_learning_rate_falls_back_to_the_exact_default():
    at = open_pg({"o1_lr": "99"})
    assert apptest.ignored_notices(at)
    assert at.session_state["o1_lr__exact"] == 0.001 and "o1_lr" not in query(at)


def test_a_click_on_the_chart_is_rounded_to_what_the_boxes_show(monkeypatch):
    from ui.common import view

    state = {"main": {"selection": {"points": [{"x": -1.1666666269302368, "y": 2.3333332538604736}]}}}
    monkeypatch.setattr(view.st, "session_state", state)
    view.pick_start("main")
    assert (state["x0"], state["y0"]) == (-1.167, 2.333)
    assert shown(0.012345678) == 0.01235 and shown(-3.0) == -3.0


def test_reset_brings_every_control_back_to_its_default():
    at = open_pg({"o1": "adam", "o1_lr": "0.2", "k": "10", "surface": "beale"})
    at.button(key=keys.RESET).click().run()
    assert not at.exception
    assert at.selectbox(key="surface").value == "rosenbrock" and at.slider(key="steps").value == 300
    assert at.selectbox(key="o1").value == "sgd"
    assert set(query(at)) == {"lang"}


def test_home_and_back_keeps_the_page_settings():
    at = open_pg({"surface": "beale", "o1": "adam", "k": "10"})
    at.switch_page("app.py").run()
    assert not at.exception
    at.switch_page(PLAYGROUND).run()
    assert not at.exception and not apptest.ignored_notices(at)
    assert at.selectbox(key="surface").value == "beale" and at.slider(key="k").value == 10
    assert query(at)["o1"] == "adam"


def test_a_number_box_says_what_it_accepts():
    at = open_pg()
    assert "-2" in at.number_input(key="x0").help and "2" in at.number_input(key="x0").help


def follow_menu(at, page_id: str, lang: str = "en"):
    """What a click on the menu does: the page's script with only the shell's parameters."""
    at.query_params.clear()
    at.query_params["lang"] = lang
    return at.switch_page(PAGE_BY_ID[page_id].path).run()


def control_values(at) -> dict:
    """Every keyed control of the page and what it holds."""
    widgets = [*at.slider, *at.select_slider, *at.selectbox, *at.number_input, *at.toggle, *at.radio]
    return {w.key: w.value for w in widgets if w.key and not w.key.startswith("_") and w.key not in ("lang_choice", "big_choice")}


def test_no_setting_leaks_into_the_next_page():
    """Issue 19 item 2: /inside-network?lr=0.5&steps=100&bs=64, then §3.2 in the menu opened
    /batch-momentum?steps=100&lr=0.5&bs=40, and the playground picked up steps."""
    fresh = {pid: apptest.open_page(PAGE_BY_ID[pid].path, "en") for pid in ("batch-momentum", "playground")}
    at = apptest.open_page(PAGE_BY_ID["inside-network"].path, "en", {"lr": "0.5", "steps": "100", "bs": "64"}, timeout=300)
    assert query(at)["steps"] == "100"
    for pid in ("batch-momentum", "playground"):
        follow_menu(at, pid)
        assert not at.exception and not apptest.ignored_notices(at)
        assert query(at) == {"lang": "en"}, pid
        assert control_values(at) == control_values(fresh[pid]), pid


def test_a_prepared_link_opens_exactly_its_view_after_another_page():
    at = open_pg({"steps": "80", "seed": "7", "surface": "beale"})
    at.query_params.clear()
    for k, v in {"lang": "en", "steps": "30"}.items():
        at.query_params[k] = v
    at.switch_page(PAGE_BY_ID["batch-momentum"].path).run()
    assert not at.exception and not apptest.ignored_notices(at)
    assert query(at) == {"lang": "en", "steps": "30"}
    assert at.slider(key="steps").value == 30 and at.number_input(key="seed").value == 0


def test_a_page_revisited_through_the_menu_keeps_its_own_settings():
    at = open_pg({"steps": "80", "surface": "beale"})
    follow_menu(at, "batch-momentum")
    follow_menu(at, "playground")
    assert not at.exception and not apptest.ignored_notices(at)
    assert query(at)["steps"] == "80" and at.selectbox(key="surface").value == "beale"


def test_a_learning_rate_slider_reads_the_rate_itself():
    """Issue 19 item 8: the slider read "10^-0.70"; it shows η = 0.2, and every position
    reads a number (the log scale is the slider's own business)."""
    at = open_pg({"o1_lr": "0.2", "n": "2", "o2": "adam", "o2_lr": "0.0302"})
    w = at.select_slider(key="o1_lr__log")
    assert w.format_func(w.value) == "0.2" and "0.2" in w.options
    assert not [o for o in w.options if "^" in o or "e" in o]
    w2 = at.select_slider(key="o2_lr__log")
    assert w2.format_func(w2.value) == "0.0302"  # an exact value from a link reads as it is, not 10^-1.52
    w2.set_value(-1.0).run()
    assert at.select_slider(key="o2_lr__log").format_func(-1.0) == "0.1" and query(at)["o2_lr"] == "0.1"
