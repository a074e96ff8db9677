"""The memory releaser: the arena bound once, then at most one trim per interval; and on this machine's
glibc the calls exist and succeed."""

from __future__ import annotations

import sys

import pytest

from ui.common import memory


class FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, option, value):
        self.calls.append(("mallopt", option, value))
        return 1

    def malloc_trim(self, pad):
        self.calls.append(("malloc_trim", pad))
        return 1


def test_arena_bound_first_then_one_trim_per_interval():
    libc, now = FakeLibc(), [0.0]
    r = memory.Releaser(libc, clock=lambda: now[0], every=60.0, background=False)
    assert r.tick() is False and libc.calls == [("mallopt", memory.M_ARENA_MAX, memory.ARENAS)]
    now[0] = 59.9
    assert r.tick() is False and len(libc.calls) == 1
    now[0] = 60.0
    assert r.tick() is True and libc.calls[-1] == ("malloc_trim", 0)
    now[0] = 100.0
    assert r.tick() is False and r.trims == 1
    now[0] = 120.0
    assert r.tick() is True and r.trims == 2


def test_without_glibc_nothing_happens():
    r = memory.Releaser(None, clock=lambda: 1e9, background=False)
    assert [r.tick(), r.tick()] == [False, False] and r.trims == 0


@pytest.mark.skipif(not sys.platform.startswith("linux") or memory._glibc() is None, reason="glibc only")
def test_the_real_calls_succeed_here():
    libc = memory._glibc()
    assert libc.mallopt(memory.M_ARENA_MAX, memory.ARENAS) == 1  # glibc returns 1 on success
    r = memory.Releaser(libc, clock=iter([0.0, 61.0]).__next__, background=False)
    assert r.tick() is False and r.tick() is True and r.trims == 1
