"""Imported once by the training fork server (`worker._context`), never by the app itself:
what every training child would otherwise do again before its first update — import
scikit-learn's digits, split them, run torch's first operations — is done here once and
inherited by each fork."""

from __future__ import annotations

from .presets import DEFAULT
from .train import prepare

_first = DEFAULT.runs[0]
_warm = prepare(_first)
_warm.model(_warm.x_val[:2]).sum().backward()
del _warm
