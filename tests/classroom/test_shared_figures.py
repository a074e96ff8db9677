"""A class asks for the same figure once per student: `view.figure` builds it once per
setting for every session, each caller gets a copy of its own, and `view.chart` writes its
JSON text once per setting and look, the one string every session sends."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.basedatatypes import BaseFigure

from tests import apptest
from ui.common import keys, view
from ui.common.figures import ReadyFigure
from ui.common.figures.lean import layout_size
from ui.shell import PAGES


def _build(xs, *, height):
    _build.calls += 1
    return go.Figure(go.Scatter(x=xs, y=xs**2), layout={"height": height})


def test_a_figure_is_built_once_per_setting_and_each_caller_gets_its_own_copy():
    view._figure_json.clear()
    _build.calls = 0
    xs = np.linspace(0, 1, 5)
    first = view.figure(_build, xs, height=300).spec()
    assert first == _build(xs, height=300).to_dict()
    _build.calls = 1
    first["layout"]["height"] = 1  # what one session does to its copy (the chart look does)
    again = view.figure(_build, xs.copy(), height=300).spec()  # equal arguments, another session's arrays
    assert _build.calls == 1 and again["layout"]["height"] == 300
    view.figure(_build, xs, height=400).spec()
    view.figure(_build, xs + 1, height=300).spec()
    assert _build.calls == 3


def test_relayout_is_applied_and_is_part_of_the_setting():
    view._figure_json.clear()
    _build.calls = 0
    xs = np.linspace(0, 1, 5)
    plain = view.figure(_build, xs, height=300).spec()
    moved = view.figure(_build, xs, height=300, relayout={"margin": {"b": 90}}).spec()
    assert _build.calls == 2
    assert moved["layout"]["margin"] == {"b": 90} and "margin" not in plain["layout"]
    assert {k: v for k, v in moved["layout"].items() if k != "margin"} == plain["layout"]


def test_a_ready_figure_reaches_streamlit_as_it_is():
    """`st.plotly_chart` asks a plotly figure for its dict and validates nothing more: the ready
    spec is what goes out, the same JSON plotly writes for the figure it came from."""
    import plotly.io
    import plotly.tools

    spec = _build(np.linspace(0, 1, 5), height=300).to_dict()
    ready = ReadyFigure(spec)
    assert isinstance(ready, go.Figure)
    assert plotly.tools.return_figure_from_figure_or_data(ready, validate_figure=True) is spec
    assert plotly.io.to_json(ready, validate=False) == plotly.io.to_json(go.Figure(spec), validate=False)


# every section page but the training lab, whose curves grow every second while its runs train (the
# page opens with them training): that live chart is drawn per session, its other charts are shared
FOLLOWED = [p for p in PAGES if p.section and p.id != "training-lab"]


@pytest.mark.parametrize("page", FOLLOWED, ids=[p.id for p in FOLLOWED])
def test_a_second_student_on_the_same_view_builds_no_figure(page, monkeypatch):
    """What makes a class cheap to follow: once one session has drawn a view, the next one to
    open it (a follower) draws every chart from the shared texts: it builds no figure and
    encodes no JSON, and sends what the first one sent."""
    for _ in range(2):  # the process's very first run still has torch's default threads (the shell sets one
        # in its page setup), and a least-squares minimum may differ in its last bit between the two
        first = apptest.open_page(page.path, "en", None, timeout=120)
        assert not first.exception
    built = []
    init = BaseFigure.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(BaseFigure, "__init__", counting)
    encoded = _count_encodings(monkeypatch)
    second = apptest.open_page(page.path, "en", None, timeout=120)
    assert not second.exception
    assert second.get("plotly_chart")
    assert built == []
    assert encoded == []  # every chart's text was written by the first session
    assert [c.proto.spec for c in second.get("plotly_chart")] == [c.proto.spec for c in first.get("plotly_chart")]


def test_the_setting_is_read_by_value_not_by_how_objects_are_shared():
    """One session's arguments may share an object where another's hold two equal ones (a
    race's start is also its paths' first point): the same setting, the same figure."""
    view._figure_json.clear()
    a = np.linspace(0, 1, 5)
    pair = [0]

    def build_pair(xs, ys):
        pair[0] += 1
        return go.Figure(go.Scatter(x=xs, y=ys))

    view.figure(build_pair, a, a).spec()
    view.figure(build_pair, a, a.copy()).spec()
    assert pair[0] == 1


def test_an_array_is_read_by_its_values_whatever_its_memory_layout():
    view._figure_json.clear()
    _build.calls = 0
    z = np.arange(12.0).reshape(3, 4)
    view.figure(_build, z.T, height=300).spec()
    view.figure(_build, np.ascontiguousarray(z.T), height=300).spec()
    assert _build.calls == 1
    view.figure(_build, z.T.astype(np.float32), height=300).spec()  # other values (another dtype): another figure
    assert _build.calls == 2


def test_an_object_array_is_read_by_its_items_not_their_addresses():
    view._figure_json.clear()
    _build.calls = 0
    labels = []

    def build_labels(names, *, height):
        labels.append(list(names))
        return _build(np.linspace(0, 1, 3), height=height)

    view.figure(build_labels, np.array(["a" * 3, "b"], dtype=object), height=300).spec()
    view.figure(build_labels, np.array(["".join("aaa"), "b"], dtype=object), height=300).spec()  # equal items, other objects
    view.figure(build_labels, np.array(["c", "b"], dtype=object), height=300).spec()
    assert labels == [["aaa", "b"], ["c", "b"]]


def _as_streamlit_sends(fig) -> str:
    """What `st.plotly_chart` does with a figure to write its spec (streamlit 1.67)."""
    import plotly.io
    import plotly.tools

    return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), validate=False)


def _count_encodings(monkeypatch) -> list:
    import plotly.io._json as pj

    encoded = []
    encode = pj.to_json_plotly
    monkeypatch.setattr(pj, "to_json_plotly", lambda *a, **k: encoded.append(1) or encode(*a, **k))
    return encoded


def test_a_shared_chart_is_one_text_per_setting_and_look(monkeypatch):
    """`view.chart` sends a `figure` as the text plotly writes for it with the app's look, the
    same string object for every session of that setting and look (written once)."""
    from ui.common.figures.theme import look

    view._figure_json.clear()
    view._chart_text.clear()
    xs = np.linspace(0, 1, 5)
    sent = []
    monkeypatch.setattr(view.st, "plotly_chart", lambda fig, **kw: sent.append(_as_streamlit_sends(fig)))
    monkeypatch.setattr(view.st, "session_state", {})
    expected = {big: _as_streamlit_sends(ReadyFigure(look(_build(xs, height=300).to_dict(), big))) for big in (False, True)}
    encoded = _count_encodings(monkeypatch)
    for _ in range(3):  # three students
        view.chart(view.figure(_build, xs.copy(), height=300), "c")
    monkeypatch.setattr(view.st, "session_state", {keys.BIG: True})
    view.chart(view.figure(_build, xs, height=300), "c")
    assert len(encoded) == 2  # one text for the normal look, one for the projector's
    assert sent[0] is sent[1] is sent[2]
    assert sent[0] == expected[False] and sent[3] == expected[True] != sent[0]  # what went out before


def test_a_ready_text_reaches_streamlit_unchanged_and_sized_as_its_figure():
    from streamlit.elements.plotly_chart import _resolve_content_height, _resolve_content_width

    spec = _build(np.linspace(0, 1, 5), height=300).to_dict()
    text = _as_streamlit_sends(ReadyFigure(spec))
    ready = ReadyFigure.from_text(text, layout_size(spec))
    assert _as_streamlit_sends(ready) is text
    as_dict = ready.to_dict()
    assert _resolve_content_height("content", as_dict) == 300 and _resolve_content_width("content", as_dict) == 700
