"""A class asks for the same figure once per student: `view.chart` builds a `view.figure` and
writes its JSON text once per setting and look, the one string every session sends."""

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
    return go.Figure(go.Scatter(x=xs, y=xs**2), layout={"height": height})


def test_relayout_is_applied_and_is_part_of_the_setting():
    xs = np.linspace(0, 1, 5)
    plain, moved = view.figure(_build, xs, height=300), view.figure(_build, xs, height=300, relayout={"margin": {"b": 90}})
    assert plain.key != moved.key
    assert moved.spec()["layout"]["margin"] == {"b": 90} and "margin" not in plain.spec()["layout"]
    assert {k: v for k, v in moved.spec()["layout"].items() if k != "margin"} == plain.spec()["layout"]


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


def _key(build, *args, **kwargs) -> bytes:
    """The setting a figure is shared by (`chart` keeps its text under it)."""
    return view.figure(build, *args, **kwargs).key


def test_the_setting_is_read_by_value_not_by_how_objects_are_shared():
    """One session's arguments may share an object where another's hold two equal ones (a
    race's start is also its paths' first point): the same setting, the same figure."""
    a = np.linspace(0, 1, 5)
    assert _key(_build, a, a, height=1) == _key(_build, a, a.copy(), height=1)
    assert _key(_build, a, a, height=1) != _key(_build, a, a + 1, height=1)


def test_an_array_is_read_by_its_values_whatever_its_memory_layout():
    z = np.arange(12.0).reshape(3, 4)
    assert _key(_build, z.T, height=300) == _key(_build, np.ascontiguousarray(z.T), height=300)
    assert _key(_build, z.T, height=300) != _key(_build, z.T.astype(np.float32), height=300)  # another dtype: another figure


def test_a_read_only_array_is_hashed_once_and_its_views_by_where_they_lie():
    """An array that refuses writes (a shared race or grid) is hashed once while it lives; a view
    of it is read as that digest and where the view lies: equal values, equal settings."""
    z = np.arange(24.0).reshape(4, 6).copy()  # an array of its own (a read-only view of one that takes writes is read by value)
    z.flags.writeable = False
    same = z.copy()
    same.flags.writeable = False
    for view_of in (lambda a: a, lambda a: a[:, 2], lambda a: a[1:3, ::2], lambda a: a.T):
        assert _key(_build, view_of(z), height=1) == _key(_build, view_of(same), height=1)  # two arrays, one value
    assert _key(_build, z[:, 2], height=1) != _key(_build, z[:, 3], height=1)  # another column of the same array
    assert _key(_build, z[1:3], height=1) != _key(_build, z[1:3].astype(np.float32), height=1)
    assert view._FROZEN.get(z) is not None
    other = z + 1
    other.flags.writeable = False
    assert _key(_build, other[:, 2], height=1) != _key(_build, z[:, 2], height=1)
    w = np.arange(6.0)  # an array that takes writes is read by its values at every call
    before = _key(_build, w[::2], height=1)
    w[2] = -1
    assert _key(_build, w[::2], height=1) != before and view._FROZEN.get(w) is None
    v = w[:4]
    v.flags.writeable = False  # a read-only view of an array that takes writes: by value too
    assert _key(_build, v, height=1) == _key(_build, w[:4].copy(), height=1) and view._FROZEN.get(w) is None


def test_the_same_values_laid_out_otherwise_are_other_memory():
    """A view is keyed by where it lies in its array's memory, so the array's layout is part of
    its digest: a row of a C-ordered array and a column of a Fortran-ordered copy of it hold
    different values at the same offsets and strides."""
    c = np.array([[1.0, 2.0], [3.0, 4.0]])
    f = np.asfortranarray(c)
    for a in (c, f):
        a.flags.writeable = False
    assert _key(_build, c[0], height=1) != _key(_build, f[:, 0], height=1)  # [1, 2] and [1, 3]


def test_a_read_only_array_on_memory_that_takes_writes_is_read_by_its_values():
    """Refusing writes is not enough when the memory belongs to something that takes them (a
    window over a writable array, a tensor's numpy view): such an array is hashed at each call."""
    import torch

    src = np.arange(6.0)
    window = np.lib.stride_tricks.sliding_window_view(src, 3)  # read-only, on `src`'s memory
    before = _key(_build, window, height=1)
    src[1] = -1.0
    assert _key(_build, window, height=1) != before
    t = torch.zeros(4, dtype=torch.float64)
    a = t.numpy()
    a.flags.writeable = False
    before = _key(_build, a, height=1)
    t += 1
    assert _key(_build, a, height=1) != before


def test_a_read_only_arrays_digest_goes_with_it():
    """An address is reused once its array is gone: the digest kept for it goes too
    (`server_costs.WhileAlive`), and an array at that address is hashed anew."""
    z = np.zeros(8)
    z.flags.writeable = False
    first = _key(_build, z, height=1)
    gone = id(z)
    assert gone in view._FROZEN._kept
    del z
    assert gone not in view._FROZEN._kept
    again = np.ones(8)
    again.flags.writeable = False
    assert _key(_build, again, height=1) != first


def test_an_object_array_is_read_by_its_items_not_their_addresses():
    same = _key(_build, np.array(["a" * 3, "b"], dtype=object), height=300)
    assert same == _key(_build, np.array(["".join("aaa"), "b"], dtype=object), height=300)  # equal items, other objects
    assert same != _key(_build, np.array(["c", "b"], dtype=object), height=300)


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
