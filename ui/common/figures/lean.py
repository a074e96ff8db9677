"""Figures that carry their JSON ready-made: float32 arrays as plotly.js typed arrays and
`LeanFigure`, whose animation frames and layout parts skip plotly's key-by-key validation."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go


def typed(a) -> dict:
    """A float32 array as plotly.js's typed-array spec (base64).

    Compact, and plotly.py accepts it without its per-array validation (≈ 60× faster
    to build than a numpy array argument)."""
    arr = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
    spec = {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = str(arr.shape)[1:-1]
    return spec


def untyped(spec) -> np.ndarray:
    """The inverse of `typed` (for tests and checks)."""
    if not isinstance(spec, dict):
        return np.asarray(spec)
    arr = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")
    if "shape" in spec:
        arr = arr.reshape([int(v) for v in spec["shape"].split(",")])
    return arr


class LeanFigure(go.Figure):
    """A `go.Figure` that carries some of its JSON ready-made: animation frames and
    layout parts (sliders, subplot axes) that plotly would otherwise validate key by key.

    Sixty validated frames cost seconds of server time per rerun; ready-made they
    cost milliseconds.  `to_dict()` — what Streamlit sends — merges them in;
    `frames_json` and `layout_json` expose them to tests."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._frames_json: list[dict] = []
        self._layout_json: dict = {}
        self._data_json: list[dict] = []  # appended after the validated traces
        self._trace_json: dict[int, dict] = {}  # ready-made properties of validated traces, by index

    def add_ready(self, index: int, **props) -> None:
        """Properties of trace `index` carried ready-made (a contour's 10 000 hover texts: plotly
        would validate them, then deep-copy them twice, string by string — a quarter of a
        new view's figure time)."""
        self._trace_json.setdefault(index, {}).update(props)

    @property
    def frames_json(self) -> list[dict]:
        return self._frames_json

    @property
    def layout_json(self) -> dict:
        return self._layout_json

    def update_layout(self, dict1=None, overwrite=False, **kwargs):
        """As plotly's, over the ready-made parts too: a ready-made key this call touches is
        handed to plotly first (validated once), so this update lands on it and wins."""
        touched = set((dict1 or {}).keys()) | set(kwargs)
        moved = {}
        for key in touched:
            top = key if key in self._layout_json else key.split("_")[0]
            if top in self._layout_json:
                moved[top] = self._layout_json.pop(top)
        if moved:
            super().update_layout(moved)
        return super().update_layout(dict1, overwrite, **kwargs)

    def to_dict(self):
        d = super().to_dict()
        for i, props in self._trace_json.items():
            d["data"][i].update(props)
        if self._data_json:
            d["data"] = list(d.get("data", [])) + self._data_json
        if self._frames_json:
            d["frames"] = self._frames_json
        if self._layout_json:
            d.setdefault("layout", {}).update(self._layout_json)
        return d


class ReadyFigure(go.Figure):
    """A figure's finished JSON handed to Streamlit as it is: `st.plotly_chart` takes a
    plotly figure without validating it again and asks it for `to_dict()` only, so this one
    skips plotly's constructor and its deep copy of every array — in a class, sixty students
    draw the same cached chart at once and this was a third of each one's chart time.

    `ReadyFigure.from_text(json, size)` carries the JSON text itself: its `to_dict()` is a
    `ReadyText` — only the layout's height and width, which Streamlit reads to size the
    element — and `plotly.io.to_json`, which Streamlit then calls on it, returns the text as
    it is (`_install`).  The text of a shared chart is written once per setting, not once
    per student (JSON encoding was a sixth of the server's time while a class followed its
    teacher, `make load-class` under py-spy)."""

    def __new__(cls, spec: dict):
        fig = object.__new__(cls)
        fig._ready_spec = spec
        return fig

    def __init__(self, spec: dict):  # plotly's constructor is skipped on purpose (see above)
        pass

    @classmethod
    def from_text(cls, text: str, size: dict) -> ReadyFigure:
        return cls(ReadyText(text, size))

    def to_dict(self) -> dict:
        return self._ready_spec


class ReadyText(dict):
    """A chart's JSON `text`, standing for its figure dict: holds only the layout's `size`
    (height, width)."""

    def __init__(self, text: str, size: dict):
        super().__init__(layout=dict(size))
        self.text = text


def layout_size(spec: dict) -> dict:
    """The layout keys Streamlit reads from a figure to size its element."""
    layout = spec.get("layout") or {}
    return {k: layout[k] for k in ("height", "width") if k in layout}


def _install() -> None:
    """`plotly.io.to_json` returns a `ReadyText`'s text unchanged; everything else as before."""
    import plotly.io

    if getattr(plotly.io.to_json, "_optlab_ready_text", False):
        return
    original = plotly.io.to_json

    def to_json(fig, *args, **kwargs):
        return fig.text if isinstance(fig, ReadyText) else original(fig, *args, **kwargs)

    to_json._optlab_ready_text = True
    to_json.__doc__ = original.__doc__
    plotly.io.to_json = to_json


_install()
