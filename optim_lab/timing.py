"""Best-of-n wall time, for the benchmark rows of every package (`make bench`)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Seconds of the fastest of `repeats` calls, after one warm-up call (torch.func traces,
    caches fill): the minimum is the figure least disturbed by whatever else the machine does."""
    fn()
    best = float("inf")
    for _ in range(max(1, int(repeats))):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
