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


def best_of_pair(a: Callable[[], object], b: Callable[[], object], repeats: int) -> tuple[float, float]:
    """`best_of` of two calls measured in turns (a, b, a, b, …): a ratio of the two is then not
    skewed by the machine getting slower or faster between one's block of calls and the other's."""
    a()
    b()
    best_a = best_b = float("inf")
    for _ in range(max(1, int(repeats))):
        t0 = time.perf_counter()
        a()
        t1 = time.perf_counter()
        b()
        t2 = time.perf_counter()
        best_a, best_b = min(best_a, t1 - t0), min(best_b, t2 - t1)
    return best_a, best_b
