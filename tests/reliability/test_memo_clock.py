"""Defect class 9: the shared result cache's byte budget and expiry, under a fake clock.

The server's memory comes back down after its sessions close only if the shared cache
(:mod:`slack_sim.ui.memo`) lets go of what they computed: an entry unused for the idle
time goes at the next sweep, one used since stays, the byte count stays exact through
evictions and expiries, and the sweep gives freed memory back to the system. A fake clock
makes the ten minutes instant and the test exact (no sleeps, no timing margins).
"""

import pytest

from slack_sim.ui import memo
from slack_sim.ui.memo import ByteBudgetCache


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _blob(n: int, tag: str) -> bytes:
    return tag.encode() + bytes(n)


def test_an_entry_expires_only_after_the_idle_time_since_its_last_use():
    clock = Clock()
    store = ByteBudgetCache(10_000_000, clock=clock)
    store.get_or_compute("a", lambda: _blob(1000, "a"))
    clock.now += 300
    store.get_or_compute("b", lambda: _blob(1000, "b"))
    clock.now += 299.5  # a: 599.5 s idle, b: 299.5 s
    assert store.expire(600) == 0 and store.stats().entries == 2
    store.get_or_compute("a", lambda: pytest.fail("a hit recomputed"))  # used: a is fresh
    clock.now += 301  # a: 301 s idle, b: 600.5 s
    freed = store.expire(600)
    stats = store.stats()
    assert stats.entries == 1 and stats.evictions == 1
    assert freed == stats.bytes  # b and a are the same size: the bytes freed were b's
    store.get_or_compute("a", lambda: pytest.fail("the entry used since expired"))
    calls = []
    store.get_or_compute("b", lambda: calls.append(1) or b"")
    assert calls == [1]


def test_after_every_entry_expires_the_store_holds_nothing():
    clock = Clock()
    store = ByteBudgetCache(10_000_000, clock=clock)
    for i in range(20):
        store.get_or_compute(i, lambda i=i: _blob(50_000, str(i)))
        clock.now += 10
    held = store.stats().bytes
    assert held > 20 * 50_000
    clock.now += 600
    assert store.expire(600) == held
    assert store.stats().bytes == 0 and store.stats().entries == 0


def test_the_byte_count_stays_exact_through_evictions_replacements_and_expiry():
    clock = Clock()
    store = ByteBudgetCache(300_000, clock=clock)
    sizes = {}
    for i in range(40):
        n = 10_000 * (1 + i % 7)
        store.get_or_compute(("k", i % 13), lambda n=n, i=i: _blob(n, str(i)))
        clock.now += 17
        assert 0 <= store.stats().bytes <= 300_000
    kept = list(store._entries)  # what is still held, oldest first
    sizes = {k: len(store._entries[k]) for k in kept}
    assert store.stats().bytes == sum(sizes.values())
    clock.now = store._used[kept[len(kept) // 2]] + 600.5  # the older half goes
    freed = store.expire(600)
    gone = [k for k in kept if k not in store._entries]
    assert gone and freed == sum(sizes[k] for k in gone)
    assert store.stats().bytes == sum(sizes.values()) - freed


def test_a_sweep_expires_idle_entries_and_gives_memory_back(monkeypatch):
    clock = Clock()
    store = ByteBudgetCache(10_000_000, clock=clock)
    trims = []
    monkeypatch.setattr(memo, "trim_memory", lambda: trims.append(1) or True)
    store.get_or_compute("a", lambda: _blob(100_000, "a"))
    seen = memo.sweep_once(store, idle=600, seen=-1)  # activity since the last sweep: trim
    assert trims == [1] and store.stats().entries == 1
    seen = memo.sweep_once(store, idle=600, seen=seen)  # nothing happened: no trim
    assert trims == [1]
    clock.now += 601
    memo.sweep_once(store, idle=600, seen=seen)  # the entry expired: dropped and trimmed
    assert store.stats().entries == 0 and trims == [1, 1]
