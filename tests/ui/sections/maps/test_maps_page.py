"""AppTest of /maps: every map kind in both languages, every preset from its button, clicks
and box-zoom callbacks, an oversized request explained in the page."""

from __future__ import annotations

import json

import pytest

from tests import apptest
from ui.common import presets
from ui.sections.maps import page
from ui.text import t

PAGE = "pages/maps.py"
PRESETS = {p.id: p for p in presets.for_page("maps")}


def _open(lang="en", query=None):
    return apptest.open_page(PAGE, lang, query, timeout=120)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["basins", "sweep", "fractal"])
def test_each_map_renders_in_both_languages(kind, lang):
    q = {"map": kind} | ({"grid": "24", "steps": "60"} if kind == "basins" else {}) \
        | ({"sgrid": "24", "steps": "40"} if kind == "sweep" else {}) | ({"fgrid": "32", "fsteps": "40"} if kind == "fractal" else {})
    at = _open(lang, q)
    apptest.assert_clean(at)
    assert at.title[0].value.endswith(t("page_maps", lang))
    if kind == "basins":
        assert len(at.metric) == 2 and all(m.value.endswith("%") for m in at.metric)
        assert any(t("mp_legend_not_converged", lang) in m.value for m in at.markdown)
    if kind == "sweep":
        assert apptest.chart(at, "sweep")["data"][0]["type"] == "image"
    if kind == "fractal":
        assert at.metric[0].label == t("mp_converged_share", lang)


@pytest.mark.parametrize("preset_id", list(PRESETS))
def test_presets_apply_from_their_buttons(preset_id):
    preset = PRESETS[preset_id]
    at = _open("en")
    at.button(key=f"preset_{preset.id}").click().run()
    apptest.assert_clean(at)
    apptest.assert_state_matches(at, preset.params)
    assert any(t(preset.note, "en") in i.value for i in at.info)


def test_the_global_preset_prints_both_shares():
    at = _open("zh", PRESETS["momentum-global"].params)
    apptest.assert_clean(at)
    gd, mom = (float(m.value.rstrip("%")) for m in at.metric)
    assert mom > gd  # the preset's claim, on the page's own numbers


def test_a_request_too_large_is_explained():
    at = _open("en", {"map": "basins", "grid": "256", "steps": "2000", "two": "1"})
    assert not at.exception
    assert any("largest grid is" in e.value for e in at.error)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_same_parameter_on_both_axes_is_explained_in_the_page_language(lang):
    """Not "this map is too big" with an English body: the reason, in the page's words; the rest stays usable."""
    at = _open(lang, {"map": "sweep", "surface": "quadratic", "o1": "momentum", "sgrid": "16", "steps": "30",
                      "sx": "momentum", "sy": "momentum"})
    assert not at.exception
    (err,) = at.error
    name = at.selectbox(key="sx").format_func("momentum")
    assert err.value == t("mp_refused_same_axis", lang, name=name)
    assert "both vary" not in err.value and at.selectbox(key="sy").value == "momentum"


def test_click_and_box_callbacks(monkeypatch):
    import numpy as np

    state = {"basin0": {"selection": {"points": [{"x": 0.11, "y": -0.69}]}}}
    monkeypatch.setattr(page.st, "session_state", state)
    xs, ys = np.linspace(-2, 2, 9), np.linspace(-1, 1, 5)
    page.pick_cell("basin0", "cx", "cy", xs, ys)
    assert (state["cx"], state["cy"]) == (0.0, -0.5)  # snapped to the nearest cell centre
    state["sweep"] = {"selection": {"points": [{"x": -1.0, "y": 0.3}]}}
    page.pick_cell("sweep", "hx", "hy", np.geomspace(1e-3, 1, 4), np.linspace(0, 0.9, 4), log_x=True)
    assert state["hx"] == pytest.approx(0.1) and state["hy"] == pytest.approx(0.3)
    state["fractal"] = {"selection": {"points": [], "box": [{"x": [1.4, 1.2], "y": [0.5, 0.7]}]}}
    page.zoom_to_box("fractal")
    assert (state["zi0"], state["zi1"], state["zo0"], state["zo1"]) == (1.2, 1.4, 0.5, 0.7)
    state["fractal"] = {"selection": {"points": [], "box": []}}  # a click without a box keeps the range
    page.zoom_to_box("fractal")
    assert state["zi0"] == 1.2


def test_a_picked_cell_links_to_the_playground_with_its_settings():
    """The link carries the start and both optimizers; the playground understands every value of it."""
    from urllib.parse import parse_qsl

    at = _open("en", {"map": "basins", "grid": "16", "steps": "50", "cx": "1.7", "cy": "-0.8"})
    apptest.assert_clean(at)
    (link,) = [p for p in at.get("page_link") if p.proto.label == t("mp_open_playground", "en")]
    q = dict(parse_qsl(link.proto.query_string))
    assert (q["x0"], q["y0"], q["o1"], q["o2"], q["n"]) == ("1.7", "-0.8", "sgd", "momentum", "2")
    pg = apptest.open_page("pages/playground.py", "en", {k: v for k, v in q.items() if k != "lang"}, timeout=120)
    apptest.assert_clean(pg)
    assert pg.number_input(key="x0").value == 1.7 and pg.selectbox(key="o2").value == "momentum"


def test_a_sweep_cell_links_to_its_settings():
    from urllib.parse import parse_qsl

    at = _open("en", {"map": "sweep", "surface": "quadratic", "o1": "momentum", "sgrid": "16", "steps": "30",
                      "hx": "0.05", "hy": "0.5"})
    apptest.assert_clean(at)
    (link,) = [p for p in at.get("page_link") if p.proto.label == t("mp_open_playground_cell", "en")]
    q = dict(parse_qsl(link.proto.query_string))
    assert q["o1"] == "momentum" and float(q["o1_lr"]) == pytest.approx(0.05, rel=0.3)  # the nearest cell of 16
    assert float(q["o1_h_momentum"]) == pytest.approx(0.5, abs=0.04)


def test_a_large_map_is_a_job_the_page_draws_everything_else_at_once(monkeypatch):
    """With the pool really asynchronous (OPTIM_LAB_JOBS unset): the first run draws the presets, the
    controls and a placeholder without the map; once the job is done, the next run draws the map."""
    from optim_lab.jobs import POOL

    monkeypatch.delenv("OPTIM_LAB_JOBS", raising=False)
    seed = 4241  # a setting no other test computes: no shared-cache hit
    at = _open("zh", {"map": "fractal", "fgrid": "32", "fsteps": "40", "fseed": str(seed)})
    assert not at.exception
    assert len(at.button) >= 3 and at.slider(key="fgrid").value == 32  # presets and controls are there
    assert any(t("job_placeholder", "zh") in c.value for c in at.caption)
    assert not at.metric and any(t("job_note", "zh") == c.value for c in at.caption)  # no map yet; what a left job does
    key = page.map_key("fractal", {"box": [0.0, 2.0, 0.0, 2.0], "grid": 32, "steps": 40, "seed": seed})
    assert POOL.wait(key, timeout=120).state == "done"
    at.run()
    apptest.assert_clean(at)
    assert apptest.chart(at, "fractal")["data"][0]["type"] == "image" and at.metric[0].label == t("mp_converged_share", "zh")
    assert not any(t("job_placeholder", "zh") in c.value for c in at.caption)


def test_the_default_basin_map_is_a_job(monkeypatch):
    monkeypatch.delenv("OPTIM_LAB_JOBS", raising=False)
    at = _open("en", {"map": "basins", "steps": "201"})  # 64 × 64 starts × 2 racers × 201 steps
    assert not at.exception
    assert at.slider(key="grid").value == 64 and any(t("job_placeholder", "en") in c.value for c in at.caption)
    assert not at.metric  # no map yet, and no wait for it


def _hover_data(at) -> dict:
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name == "optim_lab.live"]
    return json.loads(el.proto.json)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_sweep_sends_every_cells_path_for_hover_and_keeps_its_click(lang):
    """Without JavaScript the page is the classic one (a click picks the cell); the hover source
    carries the map's own thinned paths, in the page's language, under 2 MB."""
    import numpy as np

    from optim_lab.maps.sweep import HOVER_POINTS
    from ui.common.live import unpack

    at = _open(lang, {"map": "sweep", "surface": "quadratic", "o1": "momentum", "sgrid": "16", "steps": "30",
                      "hx": "0.05", "hy": "0.5"})
    apptest.assert_clean(at)
    data = _hover_data(at)
    assert data["mode"] == "hover" and (data["source"], data["target"]) == ("sweep", "cell_view")
    assert len(data["xs"]) == len(data["ys"]) == 16 and data["points"] == HOVER_POINTS
    paths = unpack(data["paths"]).reshape(16, 16, 2, HOVER_POINTS)
    sweep_fig, cell_fig = apptest.chart(at, "sweep"), apptest.chart(at, "cell_view")
    # the selected cell (named by the subheader) has the hover path whose last point is the drawn head
    (nx, ny), (vx, vy) = data["names"], data["values"]
    cells = [f"{nx} = {x:.4g}, {ny} = {y:.4g}" for y in vy for x in vx]  # what the readout writes (live.js `g4`)
    (c,) = [k for k, cell in enumerate(cells) if t("mp_cell_settings", lang, settings=cell) == at.subheader[0].value]
    color = data["traces"][2]["match"]["marker.color"]
    (head,) = [tr for tr in cell_fig["data"] if tr.get("mode") == "markers" and tr.get("showlegend") is False
               and (tr.get("marker") or {}).get("color") == color]
    np.testing.assert_allclose(paths[c // 16, c % 16, :, -1], [head["x"][0], head["y"][0]], rtol=1e-5)
    assert data["idle"] == t("mp_hover_idle", lang) and data["shown"] == t("mp_hover_shown", lang, cell="{cell}")
    assert len(at.get("bidi_component")) == 1  # no other live control on the maps
    assert len(json.dumps(data)) <= 2 * 10**6
    # the classic path is untouched: the chart still selects points and the callback picks the cell
    assert cell_fig["data"] and sweep_fig["layout"]["clickmode"] == "event+select"


def test_a_default_sweep_payload_is_measured_under_2_mb_and_a_large_one_snaps():
    at = _open("en", {"map": "sweep", "sgrid": "64"})
    apptest.assert_clean(at)
    data = _hover_data(at)
    size = len(json.dumps(data))
    print(f"hover payload 64 × 64 × 100 steps: {size:,} B")
    assert len(data["xs"]) == 64 and size <= 2 * 10**6
    at = _open("zh", {"map": "sweep", "sgrid": "100", "steps": "30"})
    apptest.assert_clean(at)
    data = _hover_data(at)
    assert len(data["xs"]) == len(data["ys"]) == 64 and data["idle"] == t("mp_hover_idle_snap", "zh", n=64)
    assert len(json.dumps(data)) <= 2 * 10**6
