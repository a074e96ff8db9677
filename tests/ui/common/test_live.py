"""The live control's packing (`ui.common.live`): what the browser swaps in is what the figures
draw after the rerun, float32 of the engine's numbers, cut where a run diverged."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from ui.common import live
from ui.common.figures import MAX_TRAIL_POINTS, Path, contour_figure, untyped


def test_float32_round_trip():
    a = np.array([1.5, -2.25, np.nan, 1e30], dtype=np.float64)
    np.testing.assert_array_equal(live.unpack(live.f32(a)), a.astype(np.float32))


def spiral(n: int) -> np.ndarray:
    t = np.linspace(0, 6 * np.pi, n)
    return np.stack([t * np.cos(t), t * np.sin(t)], axis=1)


def test_the_trail_is_the_one_the_surface_figure_draws():
    """Release must not make the path jump: position i's trail is, point for point, the
    trail `contour_figure` draws for that run (same thinning, float32)."""
    T = 700
    a, b = spiral(T + 1), spiral(T + 1) * 0.5 + 1
    theta = np.stack([a, b], axis=1)
    diverged = np.array([-1, 400])
    faint, trail, head = live.path_swaps(theta, diverged, "#0072B2", ["a", "b"])
    assert trail.attrs["name"] == ["a", "b"] and head.attrs["marker.symbol"] == ["circle", "x"]
    for i in range(2):
        d = int(diverged[i])
        p = Path("r", "#0072B2", theta[:, i], None if d < 0 else d, "solid", np.zeros(T + 1))
        fig = contour_figure_traces([p])
        drawn = next(t for t in fig if t.get("name") == "r")
        np.testing.assert_array_equal(live.unpack(trail.x[i]), untyped(drawn["x"]))
        np.testing.assert_array_equal(live.unpack(trail.y[i]), untyped(drawn["y"]))
        assert len(live.unpack(trail.x[i])) <= MAX_TRAIL_POINTS and len(live.unpack(faint.x[i])) <= live.FAINT_POINTS
    last = theta[399, 1]  # the diverged run's head: its last usable point
    assert live.unpack(head.x[1])[0] == np.float32(last[0]) and live.unpack(head.y[1])[0] == np.float32(last[1])


def contour_figure_traces(paths):
    from ui.common.figures import Grid, Labels

    xs = np.linspace(-30, 30, 5)
    grid = Grid(xs, xs, np.zeros((5, 5), np.float32))
    return contour_figure(grid, paths, (-30, 30, -30, 30), Labels(), animate=False).to_dict()["data"]


def test_a_curve_stops_where_its_run_diverged_and_keeps_both_ends():
    T = 1000
    series = np.stack([np.linspace(1, 2, T + 1), np.linspace(1, 2, T + 1)], axis=1)
    series[3, 0] = 0.0  # not drawable on a log axis: a gap
    sw = live.curve_swap("u", series, np.array([-1, 40]), ["a", "b"])
    assert sw.match == {"meta": "u"} and sw.attrs == {"name": ["a", "b"]}
    x0, x1 = live.unpack(sw.x[0]), live.unpack(sw.x[1])
    assert x0[0] == 0 and x0[-1] == T and len(x0) <= live.CURVE_POINTS
    assert x1[-1] == 39 and len(x1) == 40  # short runs keep every step
    assert np.isnan(live.unpack(sw.y[0])[x0 == 3]).all()


def test_payload_places_its_marks_and_the_shared_data_starts_at_the_nearest_position():
    vals = np.array([0.1, 0.2, 0.3, 0.5])
    data = live.payload("eta_u", "η", vals, ["a", "b", "c", "d"], ["r"] * 4, [False] * 4, {}, marks=[(0.3, "x"), (9, "no")])
    assert data["param"] == "eta_u" and "index" not in data
    assert data["marks"] == [{"at": pytest.approx(0.5), "text": "x"}]
    shared = live.Shared.from_text(*live.encode(data))
    assert json.loads(shared.at(0.29)) == data | {"index": 2}
    assert json.loads(shared.at(0.5))["index"] == 3 and json.loads(shared.at(-7))["index"] == 0


def test_a_shared_builder_runs_once_per_setting_and_every_session_gets_the_same_bytes():
    calls = []

    @live.shared
    def build(lang: str, n: int) -> dict:
        calls.append((lang, n))
        return live.payload("k", lang, np.arange(n, dtype=float), ["s"] * n, ["r"] * n, [False] * n, {})

    one, again, other = build("en", 3), build("en", 3), build("zh", 3)
    assert one is again and calls == [("en", 3), ("zh", 3)]
    assert json.loads(other.at(1))["label"] == "zh" and one.at(1) != other.at(1)


@pytest.mark.parametrize(("reported", "expected"), [({"value": 0.5}, 0.5), ({"value": 7.0}, 0.95), ({}, 0.95)])
def test_the_release_moves_the_classic_control_within_its_range(monkeypatch, reported, expected):
    state = {"eta_u": 0.95, "live_eta_u": reported}
    monkeypatch.setattr(live, "st", SimpleNamespace(session_state=state))
    live.take("eta_u", "live_eta_u", 0.01, 1.2)()
    assert state["eta_u"] == expected
