"""The engine's view of the bottom layer: `Param` and friends live in `surfaces.spec`."""

from surfaces.spec import Param, lookup, resolve

__all__ = ["Param", "lookup", "resolve"]
