"""Giving freed memory back to the system, on the one shared server process.

Every Streamlit session runs its script in its own thread, and glibc's malloc gives busy threads
arenas of their own (up to 8 per core).  When a class of 60 students leaves, Python frees their
objects, but the arenas keep the pages: `make load-class` measured the server's PSS still +360 MB
above its start after the class had expired, about half of it in those arenas.  So, on glibc:
at most two arenas (`mallopt(M_ARENA_MAX, 2)`, the setting glibc's MALLOC_ARENA_MAX documents,
made when the first page runs), and `malloc_trim(0)` — which returns free pages of every arena —
at most once in 10 s (a few ms of one thread), from a thread of its own so that no page run waits for it.  Elsewhere
(macOS, musl) both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections.abc import Callable

M_ARENA_MAX = -8  # glibc's <malloc.h>
ARENAS = 2
TRIM_EVERY_S = 10.0


def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:
        return None


class Releaser:
    """`tick()` from every page run: the first sets the arena bound, later ones start a trim when
    the last one is `every` seconds old.  Returns True when it started one (for the tests)."""

    def __init__(self, libc=None, clock: Callable[[], float] = time.monotonic, every: float = TRIM_EVERY_S,
                 background: bool = True):
        self.libc, self.clock, self.every, self.background = libc, clock, every, background
        self._lock = threading.Lock()
        self._last: float | None = None
        self.trims = 0

    def tick(self) -> bool:
        if self.libc is None:
            return False
        with self._lock:
            now = self.clock()
            if self._last is None:
                self.libc.mallopt(M_ARENA_MAX, ARENAS)
                self._last = now
                return False
            if now - self._last < self.every:
                return False
            self._last = now
        if self.background:
            threading.Thread(target=self.trim, name="malloc-trim", daemon=True).start()
        else:
            self.trim()
        return True

    def trim(self) -> None:
        """Give every arena's free pages back now (a helper process after each call)."""
        if self.libc is not None:
            self.libc.malloc_trim(0)
            self.trims += 1


RELEASER = Releaser(_glibc())
