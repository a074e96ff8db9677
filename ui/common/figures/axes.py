"""Axes and colour scales: loss colours and their ticks, log axes, parameter planes."""

from __future__ import annotations

import functools
import math

import numpy as np

from ui.common.numbers import num

MAX_PLANE_ASPECT = 3.0  # a parameter box up to 1:3 is drawn to scale (equal units on both axes)


def colour_values(z: np.ndarray, log: bool) -> tuple[np.ndarray, float]:
    """What the contour colours: z itself, or log10(z − min + δ) when the range spans decades."""
    if not log:
        return z, 0.0
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return z, 0.0
    lo, hi = float(finite.min()), float(finite.max())
    delta = max((hi - lo) * 1e-6, 1e-12)
    return np.log10(z - lo + delta), lo - delta


def _tick_text(v: float) -> str:
    return num(v, 3)


def hover_text(z: np.ndarray) -> np.ndarray:
    """The loss of every grid site as the hover shows it (`num`, 3 digits).  A view's grid is
    the same rerun after rerun, and formatting its 10 000 values was a fifth of a 2-D page's
    server time (py-spy): the texts are kept per grid (read-only, shared)."""
    a = np.ascontiguousarray(z, dtype=np.float64)
    return _hover_text(a.tobytes(), a.shape)


@functools.lru_cache(maxsize=32)  # ≤ 32 × (a 160² grid's 200 kB of key + its texts)
def _hover_text(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    out = np.vectorize(_tick_text)(np.frombuffer(raw, dtype=np.float64).reshape(shape))
    out.flags.writeable = False
    return out


def loss_ticks(z: np.ndarray, c: np.ndarray, log: bool, n: int) -> dict:
    """At most `n` colour-bar ticks over the colour values `c` of `z`, labelled in loss units
    (c = log10(z − min + δ) when `log`); {} when nothing is finite.

    On a log scale the ticks sit at whole decades of z − min (plus both ends), so they are
    evenly spread and no two labels read the same; a tick too close to an end is dropped."""
    finite = np.isfinite(c)
    if not finite.any():
        return {}
    lo, hi = float(c[finite].min()), float(c[finite].max())
    if not log or hi - lo < 2:
        ticks = list(np.linspace(lo, hi, n)) if hi > lo else [lo]
    else:
        stride = max(1, math.ceil((hi - lo) / max(n - 1, 1)))
        inner = [float(d) for d in range(math.ceil(lo), math.floor(hi) + 1, stride)]
        gap = 0.35 * stride
        ticks = [lo] + [d for d in inner if d - lo > gap and hi - d > gap] + [hi]
    shift = colour_values(z, True)[1] if log else 0.0
    vals, texts = [], []
    for v in ticks:
        text = _tick_text(10**v + shift if log else v)
        if text not in texts:
            vals.append(float(v))
            texts.append(text)
    return dict(tickvals=vals, ticktext=texts)


def log_axis(values=None, **extra) -> dict:
    """The one tick format of every log axis in the app: decades written 10ⁿ (never bare
    minor digits 2 … 9, never SI prefixes such as 10n or 100μ).

    With `values` (the data the axis shows) the decade stride grows so at most ~7 decades
    are labelled; under one decade plotly's own ticks are kept, written as plain numbers."""
    ax = dict(type="log", exponentformat="power", minorloglabels="none", showexponent="all", automargin=True)
    decades = None
    if values is not None:
        v = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in values]) if isinstance(values, list | tuple) \
            else np.ravel(np.asarray(values, dtype=np.float64))
        v = v[np.isfinite(v) & (v > 0)]
        if v.size:
            decades = float(np.log10(v.max()) - np.log10(v.min()))
    if decades is None or decades >= 1:
        ax["dtick"] = max(1, math.ceil((decades or 0) / 7))
    return ax | extra


def log_floor(arrays: list[np.ndarray]) -> float:
    """Where a zero is drawn on a log axis: a decade under the smallest positive value shown
    (1e-16 when nothing is positive)."""
    pos = [np.asarray(a, np.float64) for a in arrays]
    pos = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in pos]) if pos else np.array([])
    if not pos.size:
        return 1e-16
    return float(10 ** (math.floor(np.log10(pos.min())) - 1))


def plane_axes(box, x_title: str, y_title: str, not_to_scale: str = "axes not to scale",
               max_aspect: float = MAX_PLANE_ASPECT) -> tuple[dict, dict, list[dict]]:
    """(xaxis, yaxis, annotations) of a parameter plane: equal units on both axes (a square box
    gives a square plot area, whatever the width) unless the box is more elongated than
    1:`max_aspect`; then the axes scale differently and the chart says so."""
    x0, x1, y0, y1 = (float(v) for v in box)
    xa = dict(range=[x0, x1], autorange=False, title=dict(text=x_title), constrain="domain", automargin=True)
    # a plot area narrower than its box keeps to the top: right under the legend/toolbar, no gap above
    ya = dict(range=[y0, y1], autorange=False, title=dict(text=y_title), constrain="domain", constraintoward="top",
              automargin=True)
    ratio = (x1 - x0) / (y1 - y0) if y1 > y0 else math.inf
    if 1 / max_aspect <= ratio <= max_aspect:
        ya.update(scaleanchor="x", scaleratio=1)
        return xa, ya, []
    note = dict(text=not_to_scale, xref="paper", yref="paper", x=1, y=1, xanchor="right", yanchor="top", showarrow=False,
                font=dict(color="white"), bgcolor="rgba(0,0,0,0.45)", borderpad=3)
    return xa, ya, [note]
