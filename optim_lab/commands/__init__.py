"""Sub-commands of `python -m optim_lab` that live in modules of their own.

Each module here defines `NAME` (the sub-command), `HELP` (one line),
`add_arguments(parser)` and `run(args) -> str` (the text written to stdout).
`optim_lab.cli` finds them here, so a new command needs no edit elsewhere.
Raise `UsageError` (or ValueError) for bad arguments: the CLI turns it into
exit status 2 and one line on stderr.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


class UsageError(Exception):
    pass


def discover() -> list[ModuleType]:
    """The command modules of this package, by name."""
    mods = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((m for m in mods if hasattr(m, "NAME")), key=lambda m: m.NAME)
