"""Why a map request is refused, as data: the command line prints the English message (one line),
the page says it in its own language from `reason` and `values`.

Reasons: "grid" (cells per side outside [2, MAX_GRID]), "work" (grid × steps over the bound;
values: steps, largest), "steps" (outside [1, most]), "same_axis" (both sweep axes vary one
parameter), "axis_unknown" (not a parameter of this optimizer), "axis_order" (LO ≥ HI),
"axis_log" (a log axis with LO ≤ 0), "range" (the fractal's η range)."""

from __future__ import annotations


class Refusal(ValueError):
    def __init__(self, reason: str, message: str, **values):
        super().__init__(message)
        self.reason = reason
        self.values = values
