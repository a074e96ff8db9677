"""Hyper-parameter specs and the one place where user values are validated.

A `Param` carries everything a UI or a command line needs to offer a value:
default, range, log-scale flag and labels in both languages.  Every registry
(surfaces, optimizers, schedules) describes its knobs with these, and every
value that reaches the engine passes through `resolve`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Param:
    """One knob: default, inclusive range, and how a slider should show it.  A `boolean`
    knob is a switch (torch's `amsgrad=True`): default False/True, range [0, 1], its values
    Python bools; it is set per racer, never swept."""

    name: str
    default: float
    lo: float
    hi: float
    log: bool = False
    integer: bool = False
    label_en: str = ""
    label_zh: str = ""
    latex: str = ""
    boolean: bool = False

    def check(self, value: object, owner: str) -> float:
        """Return `value` as a float (or int, or bool for a switch) inside the range, else raise ValueError."""
        field = f"{owner}.{self.name}" if owner else self.name
        if self.boolean:
            return _switch(value, field)
        if isinstance(value, bool):
            value = float(value)
        try:
            x = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"{field}: expected a number, got {value!r}") from None
        if not math.isfinite(x):
            raise ValueError(f"{field}: must be finite, got {value!r}")
        if self.integer:
            if x != round(x):
                raise ValueError(f"{field}: must be a whole number in [{_fmt(self.lo)}, {_fmt(self.hi)}], got {value!r}")
            x = int(round(x))
        if not (self.lo <= x <= self.hi):
            raise ValueError(f"{field}: {_fmt(x)} is outside the allowed range [{_fmt(self.lo)}, {_fmt(self.hi)}]")
        return x

    def check_array(self, values, owner: str) -> np.ndarray:
        """`check` for an array of values (one per row of a sweep), in one vectorized pass:
        the same rules (finite, whole where integer, inside [lo, hi]); the first offending value is named."""
        field = f"{owner}.{self.name}" if owner else self.name
        if self.boolean:
            raise ValueError(f"{field}: a switch (true/false) is set per racer, it cannot take one value per row")
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{field}: expected numbers, got {values!r}"[:200]) from None
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ValueError(f"{field}: must be finite, got {arr[bad].flat[0]!r}")
        if self.integer and (arr != np.round(arr)).any():
            x = arr[arr != np.round(arr)].flat[0]
            raise ValueError(f"{field}: must be a whole number in [{self.lo:g}, {self.hi:g}], got {x:g}")
        out = (arr < self.lo) | (arr > self.hi)
        if out.any():
            raise ValueError(f"{field}: {arr[out].flat[0]:g} is outside the allowed range [{self.lo:g}, {self.hi:g}]")
        return arr

    def label(self, lang: str) -> str:
        return (self.label_zh if lang == "zh" else self.label_en) or self.name


def switch(name: str, default: bool, label_en: str, label_zh: str, latex: str = "") -> Param:
    """A boolean knob (torch's flags: `amsgrad`, `maximize`, …)."""
    return Param(name, default, 0, 1, boolean=True, label_en=label_en, label_zh=label_zh, latex=latex)


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _switch(value: object, field: str) -> bool:
    """A switch's value: a bool, 0/1, or the words true/false (as typed on a command line)."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{field}: expected true or false, got {value!r}")


def _fmt(x: float) -> str:
    return f"{x:g}"


def resolve(owner: str, params: Iterable[Param], values: Mapping[str, object] | None) -> dict:
    """Defaults overlaid with `values`, each checked; unknown keys raise ValueError.  A value may
    also be an array (one per row of a sweep), checked by `Param.check_array`."""
    specs = {p.name: p for p in params}
    values = dict(values or {})
    unknown = sorted(set(values) - set(specs))
    if unknown:
        allowed = ", ".join(sorted(specs)) or "none"
        raise ValueError(f"{owner}: unknown parameter {unknown[0]!r} (allowed: {allowed})")
    out = {}
    for name, spec in specs.items():
        v = values.get(name, spec.default)
        out[name] = spec.check(v, owner) if np.ndim(v) == 0 else spec.check_array(v, owner)
    return out


def lookup(kind: str, registry: Mapping[str, object], name: str):
    """registry[name], or a ValueError that lists the valid names."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {kind} {name!r} (choose from: {', '.join(registry)})") from None
