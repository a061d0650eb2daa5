"""The app server's memory helpers of :mod:`slack_sim.ui.memo`: the heap freeze (in a fresh
process: ``gc.freeze`` is process-wide) and dropping chosen entries of the shared cache.
"""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import gc, json, weakref
    from slack_sim.ui import memo

    class Node:
        pass

    kept = [{"i": i} for i in range(50_000)]          # long-lived: to be frozen
    a, b = Node(), Node()
    a.other, b.other = b, a                            # a garbage cycle made before
    dead_before = weakref.ref(a)
    del a, b
    plain = Node()                                     # frozen, no cycle, dropped later
    plain_ref = weakref.ref(plain)
    walked_before = len(gc.get_objects())
    first = memo.freeze_heap()
    second = memo.freeze_heap()
    walked_after = len(gc.get_objects())
    c, d = Node(), Node()
    c.other, d.other = d, c                            # a garbage cycle made after
    dead_after = weakref.ref(c)
    del c, d
    gc.collect()
    del plain
    print(json.dumps({
        "first": first, "second": second, "count": gc.get_freeze_count(),
        "walked_before": walked_before, "walked_after": walked_after,
        "cycle_before_collected": dead_before() is None,
        "cycle_after_collected": dead_after() is None,
        "frozen_object_freed": plain_ref() is None, "kept": len(kept),
    }))
""")


def _run() -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_freeze_heap_once_collects_first_and_leaves_new_garbage_collectable() -> None:
    r = _run()
    # the first call freezes what lives (the 50,000 dicts at least); a second does nothing
    assert r["first"] >= 50_000
    assert r["count"] >= 50_000
    assert r["second"] == 0
    # a cycle that was garbage before the freeze was collected, not frozen for ever
    assert r["cycle_before_collected"]
    # the collector then walks only what was made since
    assert r["walked_after"] < r["walked_before"] / 10
    # garbage made afterwards is still collected, and a frozen object is still freed
    assert r["cycle_after_collected"]
    assert r["frozen_object_freed"]


def test_discard_drops_only_the_entries_asked_for_and_their_bytes() -> None:
    from slack_sim.ui.memo import ByteBudgetCache

    store = ByteBudgetCache(10**6)
    calls = []

    @store.memoise
    def double(key: str, n: int) -> list[int]:
        calls.append(key)
        return [n] * 100

    double("a", 1)
    double("b", 2)
    double("a", 3)
    before = store.stats()
    freed = store.discard(lambda k: "a" in k[1])
    after = store.stats()
    assert after.entries == before.entries - 2
    assert freed > 0 and after.bytes == before.bytes - freed
    double("b", 2)  # kept: no new call
    double("a", 1)  # dropped: computed again
    assert calls == ["a", "b", "a", "a"]


LATER = textwrap.dedent("""
    import gc, json, time
    from slack_sim.ui import memo

    try:
        memo.freeze_heap_later(-1.0)
        refused = False
    except ValueError as exc:
        refused = "at least 0" in str(exc)
    kept = [{"i": i} for i in range(50_000)]
    t = time.monotonic()
    timer = memo.freeze_heap_later(0.3)
    again = memo.freeze_heap_later(0.0)
    frozen_at_once = gc.get_freeze_count()
    timer.join(10)
    waited = time.monotonic() - t
    print(json.dumps({
        "refused": refused, "timer": timer is not None, "again": again is None,
        "daemon": timer.daemon, "at_once": frozen_at_once, "after": gc.get_freeze_count(),
        "waited": waited, "then": memo.freeze_heap(), "kept": len(kept),
    }))
""")


def test_freeze_heap_later_freezes_once_after_its_delay_off_the_callers_thread() -> None:
    out = subprocess.run([sys.executable, "-c", LATER], capture_output=True, text=True,
                         check=True, timeout=120)
    import json

    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["refused"]
    assert r["timer"] and r["again"] and r["daemon"]
    # nothing frozen when the call returns: the freeze waits for its delay, on the timer
    assert r["at_once"] == 0
    assert r["waited"] >= 0.3
    assert r["after"] >= 50_000
    # it was the process's one freeze
    assert r["then"] == 0
