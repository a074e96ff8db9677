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


@dataclass(frozen=True)
class Param:
    """One numeric knob: default, inclusive range, and how a slider should show it."""

    name: str
    default: float
    lo: float
    hi: float
    log: bool = False
    integer: bool = False
    label_en: str = ""
    label_zh: str = ""
    latex: str = ""

    def check(self, value: object, owner: str) -> float:
        """Return `value` as a float (or int) inside the range, else raise ValueError."""
        field = f"{owner}.{self.name}" if owner else self.name
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

    def label(self, lang: str) -> str:
        return (self.label_zh if lang == "zh" else self.label_en) or self.name


def _fmt(x: float) -> str:
    return f"{x:g}"


def resolve(owner: str, params: Iterable[Param], values: Mapping[str, object] | None) -> dict[str, float]:
    """Defaults overlaid with `values`, each checked; unknown keys raise ValueError."""
    specs = {p.name: p for p in params}
    values = dict(values or {})
    unknown = sorted(set(values) - set(specs))
    if unknown:
        allowed = ", ".join(sorted(specs)) or "none"
        raise ValueError(f"{owner}: unknown parameter {unknown[0]!r} (allowed: {allowed})")
    return {name: spec.check(values.get(name, spec.default), owner) for name, spec in specs.items()}


def lookup(kind: str, registry: Mapping[str, object], name: str):
    """registry[name], or a ValueError that lists the valid names."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {kind} {name!r} (choose from: {', '.join(registry)})") from None
