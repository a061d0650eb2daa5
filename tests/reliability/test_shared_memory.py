"""Defect class 9: the app's shared result cache is bounded in bytes; sessions share no state.

Every result cache of the app (:mod:`slack_sim.ui.cache`) holds its results in one
least-recently-used store bounded in bytes (:mod:`slack_sim.ui.memo`), so many distinct
slider states cannot grow the server without bound; a result handed to a session is its
own copy; two sessions asking for the same result at once compute it once.
The 20-session browser figures are measured by ``benchmarks/bench_sessions.py``.
"""

import gc
import threading
import time
import tracemalloc

import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.ui import cache
from slack_sim.ui.memo import ByteBudgetCache


def test_the_store_never_holds_more_bytes_than_its_budget():
    store = ByteBudgetCache(1_000_000)
    for i in range(50):
        store.get_or_compute(("k", i), lambda i=i: bytes(100_000) + str(i).encode())
        assert store.stats().bytes <= 1_000_000
    stats = store.stats()
    assert 5 <= stats.entries <= 10 and stats.evictions == 50 - stats.entries
    # the least recently used go first: the newest entries are still there
    calls = []
    store.get_or_compute(("k", 49), lambda: calls.append(1))
    assert calls == []
    store.get_or_compute(("k", 0), lambda: calls.append(1) or b"")
    assert calls == [1]


def test_a_hit_keeps_an_entry_and_an_oversized_result_is_not_kept():
    store = ByteBudgetCache(450_000)  # four results of 100 kB; one result at most a quarter
    for key in "abcd":
        store.get_or_compute(key, lambda: bytes(100_000))
    store.get_or_compute("a", lambda: pytest.fail("a hit recomputed"))  # a is now newest
    store.get_or_compute("e", lambda: bytes(100_000))  # evicts b, the least recently used
    store.get_or_compute("a", lambda: pytest.fail("the recently used entry was evicted"))
    calls = []
    store.get_or_compute("b", lambda: calls.append(1) or b"")
    assert calls == [1]
    assert store.get_or_compute("huge", lambda: bytes(200_000)) == bytes(200_000)
    assert store.stats().bytes <= 450_000
    store.get_or_compute("huge", lambda: calls.append(2) or b"")
    assert calls == [1, 2]  # returned, not kept


def test_each_caller_gets_its_own_copy():
    store = ByteBudgetCache(10_000_000)
    first = store.get_or_compute("f", lambda: pd.DataFrame({"x": [1.0, 2.0]}))
    first.loc[0, "x"] = -99.0
    first["y"] = 0
    second = store.get_or_compute("f", lambda: pytest.fail("recomputed"))
    assert second["x"].tolist() == [1.0, 2.0] and "y" not in second


def test_concurrent_callers_of_one_key_compute_it_once():
    store = ByteBudgetCache(10_000_000)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return [1, 2, 3]

    results = []
    threads = [threading.Thread(target=lambda: results.append(store.get_or_compute("k", slow)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and results == [[1, 2, 3]] * 8


def test_an_error_is_not_cached_and_frees_the_key():
    store = ByteBudgetCache(10_000)

    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.get_or_compute("k", boom)
    assert store.get_or_compute("k", lambda: 5) == 5 and store.stats().entries == 1


def test_many_distinct_runs_through_the_app_cache_stay_within_a_byte_budget(monkeypatch):
    """The app's runs, outcomes and futures: retained memory stays under the budget."""
    budget = 8 * 2**20  # about six model runs
    shared = cache.run_frame.cache  # the store every result function of the app uses
    monkeypatch.setattr(shared, "budget", budget)
    shared.clear()
    evicted = shared.stats().evictions
    base = ss.preset()
    scenarios = [base.with_values({"Slack target": 0.05 + 0.01 * i}) for i in range(24)]
    cache.run_frame(scenarios[0].key)  # compile and warm up outside the measurement
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for sc in scenarios[1:]:
            frame = cache.run_frame(sc.key)
            assert len(frame) == 436
            del frame
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - start
        assert shared.stats().bytes <= budget and shared.stats().evictions > evicted
    finally:
        tracemalloc.stop()
        shared.clear()
    one_run = 436 * len(ss.load_model().variables) * 8
    assert 23 * one_run > 2 * budget  # without a bound these runs would hold 3x the budget
    assert retained < budget + one_run, f"{retained / 2**20:.1f} MB retained"


def test_every_scenario_result_of_the_app_shares_the_one_budget():
    shared = cache.run_frame.cache
    for name in ["scenario_summary", "ensemble_summary", "comparison_table", "csv_text",
                 "excel_bytes", "tipping_result", "lever_performance", "step_result",
                 "appraisal_run", "appraisal_view", "appraisal_workbook"]:
        assert getattr(getattr(cache, name), "cache", None) is shared, name


def test_idle_entries_expire_and_used_ones_stay():
    store = ByteBudgetCache(10_000_000)
    store.get_or_compute("old", lambda: bytes(1000))
    time.sleep(0.25)
    store.get_or_compute("new", lambda: bytes(1000))
    assert store.expire(0.2) > 0
    assert store.stats().entries == 1
    store.get_or_compute("new", lambda: pytest.fail("a recently used entry expired"))
    calls = []
    store.get_or_compute("old", lambda: calls.append(1) or b"")
    assert calls == [1]
