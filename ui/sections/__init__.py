"""One package per section of the chapter, its slug spelled with underscores
(`critical_points`, `batch_momentum`, …; the page id and URL keep hyphens).

A section package holds:

- `page.py`     — `render(sh)`: widgets → typed config → one cached call → figures;
- `calc.py`     — the section's pure calculations (no Streamlit, testable alone);
- `figures.py`  — its pure figure builders (numpy in, `go.Figure` out);
- `text.py`     — `EN` and `ZH`, the section's strings (same keys in both);
- `presets.py`  — `PRESETS`, one-click settings for its page.

The text catalog and the preset registry find `text.py` and `presets.py` here by
themselves; a new section adds its package and one `PageInfo` line in `ui.shell.PAGES`.
What two sections share lives in `ui.common`, never in another section.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import ModuleType


def slugs() -> list[str]:
    """Every section package, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if info.ispkg)


def module(slug: str, name: str) -> ModuleType | None:
    """`ui.sections.<slug>.<name>`, or None where that section has no such module."""
    full = f"{__name__}.{slug}.{name}"
    if importlib.util.find_spec(f"{__name__}.{slug}") is None or importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def modules(name: str) -> list[tuple[str, ModuleType]]:
    """(slug, module) for every section that has a module `name` (e.g. "text"), sorted by slug."""
    found = ((slug, module(slug, name)) for slug in slugs())
    return [(slug, mod) for slug, mod in found if mod is not None]
