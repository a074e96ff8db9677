"""Live controls: a slider that moves every path with the hand, on exact numbers.

The server runs every position the control can take (`optim_lab.family`, one batched engine
call, cached by the page) and sends the family once, thinned to what the charts draw and
packed as float32.  Our own component (Streamlit's components v2: inline, no iframe, code in
`live_assets/`) draws the slider; while it moves it swaps those arrays into the page's own
Plotly charts in the browser — `Plotly.restyle` on the instance Streamlit's chart element
already loaded, so nothing is fetched and the chart is the one the page drew (its contour,
sizes, language) — and on release it reports the value once: the callback puts it into the
page's classic control (`sh.controls`), so the rerun, the URL, the tables and equations
follow as if the classic slider had moved.  Without JavaScript (AppTest) the classic control
alone drives the page.

Contract for tests: the slider is the element `[data-live="<url key>"]`, focusable, moved by
the arrow keys, with `aria-valuenow`; its box carries `data-drawn` (the position the charts
show).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from optim_lab import jobs
from optim_lab.family import Family, family, race_family
from ui.common import compute, server_costs
from ui.common.figures import MAX_TRAIL_POINTS, thin_path, turn_scores
from ui.common.figures.contour import PATH_FAINT, PATH_HEAD, PATH_TRAIL
from ui.common.racers import RacerConfig

ASSETS = Path(__file__).with_name("live_assets")
FAINT_POINTS = 300  # the faint full path under the trail, per position
CURVE_POINTS = 250  # points per curve (loss, ‖g‖) per position
SHARED_ENTRIES = 4  # encoded families kept per page's builder (each up to ~1.5 MB; a class shares one)
# (8 held 17 MB after 120 free runs; with 4 the server kept +76/+77 MB after a class instead of +91 to +102, make load-class)

_component = st.components.v2.component(
    "optim_lab.live",
    css=(ASSETS / "live.css").read_text(encoding="utf-8"),
    js=(ASSETS / "live.js").read_text(encoding="utf-8"),
)


def f32(a) -> str:
    """An array as base64 of little-endian float32 (the browser's Float32Array)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def unpack(b64: str) -> np.ndarray:
    """The inverse of `f32` (for tests and the benchmark)."""
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


@dataclass
class TraceSwap:
    """One trace of one chart, per position: its x, y and attributes.  `match` names
    attributes the figure gave the trace (dotted paths) that pick it out in the browser."""

    match: dict
    x: list[str]
    y: list[str]
    attrs: dict[str, list] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"match": self.match, "x": self.x, "y": self.y, "attrs": self.attrs}


def _last(n_points: int, diverged_at: int) -> int:
    """The last drawn step of a path of `n_points` points: the one before divergence."""
    return n_points - 1 if diverged_at < 0 else max(0, min(n_points - 1, diverged_at - 1))


def path_swaps(theta: np.ndarray, diverged_at: np.ndarray, color: str, names: Sequence[str]) -> list[TraceSwap]:
    """The three traces `figures.contour_figure` draws for a racer of colour `color` — the faint
    whole path, the trail (thinned as the figure thins it, so release changes nothing) and the
    head (✕ where the run diverged) — for every position of a family `theta` (T+1, R, 2)."""
    T = theta.shape[0] - 1
    faint_x, faint_y, trail_x, trail_y, head_x, head_y, symbols = [], [], [], [], [], [], []
    for i in range(theta.shape[1]):
        xy, d = theta[:, i], int(diverged_at[i])
        k = _last(T + 1, d)
        scores = turn_scores(xy[:k + 1])
        faint = xy[thin_path(k + 1, FAINT_POINTS, scores)]
        trail = xy[thin_path(k + 1, MAX_TRAIL_POINTS, scores)]
        faint_x.append(f32(faint[:, 0]))
        faint_y.append(f32(faint[:, 1]))
        trail_x.append(f32(trail[:, 0]))
        trail_y.append(f32(trail[:, 1]))
        head_x.append(f32(xy[k:k + 1, 0]))
        head_y.append(f32(xy[k:k + 1, 1]))
        symbols.append("x" if d >= 0 and k < T else "circle")
    return [
        TraceSwap({"meta": PATH_FAINT, "line.color": color}, faint_x, faint_y),
        TraceSwap({"meta": PATH_TRAIL, "line.color": color}, trail_x, trail_y, {"name": list(names)}),
        TraceSwap({"meta": PATH_HEAD, "marker.color": color}, head_x, head_y, {"marker.symbol": symbols}),
    ]


def curve_swap(uid: str, series: np.ndarray, diverged_at: np.ndarray, name: Sequence[str] | None = None,
               positive: bool = True) -> TraceSwap:
    """A curve against the step (the trace whose `meta` is `uid`) for every position: `series`
    (T+1, R), cut where the run diverged, at most CURVE_POINTS evenly spread points (both ends
    kept); `positive`: values ≤ 0 become gaps (a log axis)."""
    xs, ys = [], []
    n = series.shape[0]
    for i in range(series.shape[1]):
        d = int(diverged_at[i])
        end = n if d < 0 else d
        idx = np.unique(np.linspace(0, max(end - 1, 0), min(end, CURVE_POINTS)).round().astype(np.intp))
        y = np.asarray(series[idx, i], dtype=np.float64)
        if positive:
            y = np.where(y > 0, y, np.nan)
        xs.append(f32(idx))
        ys.append(f32(y))
    return TraceSwap({"meta": uid}, xs, ys, {"name": list(name)} if name is not None else {})


@dataclass
class FamilyView:
    """A family packed for the browser (language-free: names are added per language), and
    what a readout needs of every position."""

    paths: list[TraceSwap]  # the surface chart's faint path, trail and head
    curves: dict[str, TraceSwap]  # "loss", "grad": curves against the step, by trace `meta`
    diverged_at: np.ndarray  # (R,)
    final_loss: np.ndarray  # (R,) at the last usable step
    final_theta: np.ndarray  # (R, 2)


def racer_key(cfg: RacerConfig) -> str:
    """A racer as `family_view` takes it (its engine settings as JSON)."""
    return json.dumps(cfg.engine_dict(), sort_keys=True)


# 16: only the pages' `shared` builders ask for a family, when they build a setting's data anew
# (the warm-up's data changes with the warm-up shown, its family less often)
@st.cache_data(max_entries=16, max_size=128 * 2**20, show_spinner=False)
def family_view(surface: str, params: tuple, racer: str, axis: str, values: tuple, start: tuple, steps: int, seed: int,
                color: str, curve_meta: str | None = None) -> FamilyView:
    """Every position of `axis` (`values`) for the racer `racer` (`RacerConfig.engine_dict`
    as JSON) from `start`: one batched engine call (`optim_lab.family`), packed.  With
    `curve_meta`, also the loss and ‖g‖ curves of the traces whose meta is
    "<curve_meta>-loss" / "<curve_meta>-grad"."""
    cfg = RacerConfig.from_dict(json.loads(racer))
    fam = family(compute.build(surface, params), cfg.racer(), axis, values, start, steps, seed=seed)
    return _packed(fam, color, curve_meta)


# 16: one family per race setting (each up to 8 racers × the positions); bytes bounded by max_size
@st.cache_data(max_entries=16, max_size=128 * 2**20, show_spinner=False)
def race_family_view(surface: str, params: tuple, racers: tuple[str, ...], axis: str, values: tuple[tuple, ...],
                     start: tuple, steps: int, seed: int, colors: tuple[str, ...]) -> list[FamilyView]:
    """The family of a whole race: racer i (`racer_key`) at `values[i]` of `axis`, every racer
    × position a row of ONE batched engine call (`optim_lab.family.race_family`), packed per
    racer in its colour."""
    cfgs = [RacerConfig.from_dict(json.loads(r)) for r in racers]
    fams = race_family(compute.build(surface, params), [c.racer() for c in cfgs], axis, values, start, steps, seed=seed)
    return [_packed(f, c) for f, c in zip(fams, colors, strict=True)]


def _packed(fam: Family, color: str, curve_meta: str | None = None) -> FamilyView:
    """A family packed for the browser (paths, and with `curve_meta` the loss and ‖g‖ curves)."""
    values = fam.values
    names = [""] * len(values)
    curves = {}
    if curve_meta:
        curves = {"loss": curve_swap(f"{curve_meta}-loss", fam.loss, fam.diverged_at, names),
                  "grad": curve_swap(f"{curve_meta}-grad", fam.grad_norm, fam.diverged_at)}
    R = len(values)
    last = np.array([_last(fam.steps + 1, int(d)) for d in fam.diverged_at])
    return FamilyView(path_swaps(fam.theta, fam.diverged_at, color, names), curves, fam.diverged_at,
                      fam.loss[last, np.arange(R)], fam.theta[last, np.arange(R)])


def nearest(values: np.ndarray, value: float) -> int:
    return int(np.argmin(np.abs(np.asarray(values) - value)))


def payload(param: str, label: str, values: np.ndarray, shown: Sequence[str], readouts: Sequence[str],
            bad: Sequence[bool], charts: dict[str, list[TraceSwap]], marks: Sequence[tuple[float, str]] = (),
            font: int = 14) -> dict:
    """What the component receives (JSON), but the position it shows: everything it shows at
    every position."""
    vals = np.asarray(values, dtype=np.float64)
    lo, hi = float(vals[0]), float(vals[-1])
    data = {
        "param": param, "label": label,
        "values": np.asarray(values).tolist() if np.issubdtype(np.asarray(values).dtype, np.integer) else vals.tolist(),
        "shown": list(shown), "readouts": list(readouts), "bad": [bool(b) for b in bad], "font": int(font),
        "marks": [{"at": (m - lo) / (hi - lo), "text": t} for m, t in marks if lo <= m <= hi],
        "charts": [{"key": k, "traces": [s.to_json() for s in swaps]} for k, swaps in charts.items()],
    }
    # the family's identity: the browser keeps its decoded arrays while this stays the same
    data["token"] = hashlib.sha1(repr(data["charts"]).encode()).hexdigest()[:16]
    return data


@dataclass(frozen=True)
class Shared:
    """A live control's data (`payload`) encoded once, as the UTF-8 JSON the component
    receives, and shared by every session that shows it: a class of sixty follows the
    teacher's page at once, and building and encoding a family of a megabyte was half of a
    page's run.  `at(value)` adds the position the control shows (nearest to `value`)."""

    head: bytes  # the JSON object without its closing brace
    values: tuple[float, ...]
    hasher: server_costs.PayloadHasher = field(compare=False, repr=False)  # the head hashed once

    @classmethod
    def from_text(cls, text: bytes, values: tuple[float, ...]) -> Shared:
        """From `encode(payload)`."""
        return cls(text[:-1], values, server_costs.PayloadHasher(text[:-1]))

    def tail(self, value: float) -> bytes:
        return b', "index": %d}' % nearest(np.asarray(self.values), value)

    def at(self, value: float) -> bytes:
        return self.head + self.tail(value)

    def digest_at(self, value: float) -> str:
        """The digest of `at(value)` (`server_costs.payload_digest`), the head not hashed again."""
        return self.hasher.digest(self.tail(value))


def encode(data: dict) -> tuple[bytes, tuple[float, ...]]:
    """A payload as the component receives it (UTF-8 JSON) and its control's positions."""
    return json.dumps(data).encode("utf-8"), tuple(float(v) for v in data["values"])


_BUILDERS: dict[str, Callable[..., dict]] = {}  # every `shared` builder, by "module:qualname"


def built(name: str, args: tuple) -> tuple[bytes, tuple[float, ...]]:
    """The builder `name`'s data for `args`, encoded (computed where `jobs.HELPERS` runs it)."""
    module, _, _ = name.partition(":")
    importlib.import_module(module)  # registers its builders
    return encode(_BUILDERS[name](*args))


def shared(build: Callable[..., dict]) -> Callable[..., Shared]:
    """A page's builder of live data, `build(*args) -> payload(...)`, cached for the whole
    process by its arguments (which must name everything the data depends on: the language,
    presentation mode and the family's settings) and returned encoded (`Shared`).  Built and
    encoded in a helper process (`jobs.HELPERS`, which finds the builder by its name)."""
    name = f"{build.__module__}:{build.__qualname__}"
    _BUILDERS[name] = build

    @functools.wraps(build)
    def encoded(*args) -> Shared:
        return Shared.from_text(*jobs.HELPERS.call(built, name, args))  # built off this process's lock

    return st.cache_resource(max_entries=SHARED_ENTRIES, show_spinner=False)(encoded)


def take(key: str, component_key: str, lo: float, hi: float, integer: bool = False) -> Callable[[], None]:
    """The callback that moves the classic control `key` to the value the live control
    reported (runs before the rerun, so the classic widget, the URL and everything below
    follow); a value outside [lo, hi] is ignored; `integer`: the control holds whole numbers."""

    def commit() -> None:
        res = st.session_state.get(component_key)
        value = res.get("value") if hasattr(res, "get") else getattr(res, "value", None)
        if isinstance(value, (int, float)) and lo <= float(value) <= hi:
            st.session_state[key] = int(round(value)) if integer else float(value)

    return commit


def live_slider(key: str, data: Shared, value: float, container=None, integer: bool = False) -> None:
    """Mount the live control for the classic control `key` (its URL key) at `value`; `data`
    from a `shared` builder."""
    ck = f"live_{key}"
    lo, hi = data.values[0], data.values[-1]
    where = container if container is not None else st
    payload = data.at(value)
    with where.container(), server_costs.drawing(payload, data.digest_at(value)):
        _component(key=ck, data=payload, on_value_change=take(key, ck, lo, hi, integer), height="content")


# -- hover sources: a chart whose points each have a precomputed path ----------------------------
def hover_payload(source: str, target: str, traces: list[dict], xs, ys, paths: np.ndarray, idle: str, shown: str,
                  names: tuple[str, str], values: tuple, font: int = 14) -> dict:
    """What a hover source receives (JSON): hovering the chart `source` at the grid point nearest
    (xs[b], ys[a]) (its axis coordinates) draws `paths[a, b]` ((ny, nx, 2, P): x then y) into the
    traces of the chart `target` that `traces` pick out — dicts of `match` (as `TraceSwap.match`)
    and `kind` ("line": the whole path, "head": its last point).  The readout says `idle`; while
    hovering, `shown` with "{cell}" replaced by "<names[0]> = <values[0][b]>, <names[1]> = <values[1][a]>"
    (numbers as Python's `:.4g`)."""
    paths = np.asarray(paths)
    return {
        "mode": "hover", "source": source, "target": target, "traces": traces, "xs": np.asarray(xs, dtype=np.float64).tolist(),
        "ys": np.asarray(ys, dtype=np.float64).tolist(), "points": int(paths.shape[-1]), "paths": f32(paths.ravel()),
        "idle": idle, "shown": shown, "names": list(names), "values": [np.asarray(v, dtype=np.float64).tolist() for v in values],
        "font": int(font), "token": hashlib.sha1(paths.tobytes()).hexdigest()[:16],
    }


def hover_source(key: str, data: dict, container=None) -> None:
    """Mount a hover source (`hover_payload`): it reports nothing to the server (a click on the
    source chart stays that chart's own selection); its box carries `data-cell` (the hovered
    grid point, empty when the target shows its own drawing)."""
    where = container if container is not None else st
    with where.container():
        _component(key=key, data=data, height="content")
