"""A class asks for the same figure once per student: `view.figure` builds it once per
setting for every session, and each caller gets a copy of its own."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.common import view


def _build(xs, *, height):
    _build.calls += 1
    return go.Figure(go.Scatter(x=xs, y=xs**2), layout={"height": height})


def test_a_figure_is_built_once_per_setting_and_each_caller_gets_its_own_copy():
    view._figure_json.clear()
    _build.calls = 0
    xs = np.linspace(0, 1, 5)
    first = view.figure(_build, xs, height=300)
    assert first == _build(xs, height=300).to_dict()
    _build.calls = 1
    first["layout"]["height"] = 1  # what one session does to its copy (the chart look does)
    again = view.figure(_build, xs.copy(), height=300)  # equal arguments, another session's arrays
    assert _build.calls == 1 and again["layout"]["height"] == 300
    view.figure(_build, xs, height=400)
    view.figure(_build, xs + 1, height=300)
    assert _build.calls == 3
