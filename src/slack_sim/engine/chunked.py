"""Batches run a chunk at a time: memory O(N x outcomes), one chunk per core.

:func:`slack_sim.simulate_many` with ``at=`` and :func:`slack_sim.simulate_outcomes` run
their scenarios :data:`CHUNK_SIZE` at a time (:func:`run_chunks`), building each chunk's
parameter rows when it runs, so a batch never holds its whole parameter matrix or time
series.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from .compiled import CompiledModel
from .inputs import ParameterSource
from .schedule import Schedule
from .support import LANES

__all__ = ["CHUNK_SIZE", "Settings", "run_chunks", "scenario_names", "select_times"]

#: Scenarios per chunk of a batch that keeps outcomes only (a multiple of the kernel's
#: lanes): big enough that a chunk's Python work (its parameter rows, the reduction's
#: numpy calls) is a small part of its run, small enough that a chunk's time series
#: (chunk x outputs x times) stay in tens of MB.
CHUNK_SIZE = 2048


def select_times(sched: Schedule, at: Sequence[float]) -> Schedule:
    """Return ``sched`` recording only the output times ``at`` (decimal years), in order.

    Raises
    ------
    ValueError
        For a time that is not one of the run's output times, or one given twice.
    """
    years = sched.years
    rows = []
    for year in np.atleast_1d(np.asarray(at, dtype=float)).tolist():
        hits = np.flatnonzero(np.abs(years - year) <= 1e-9 * max(1.0, abs(year)))
        if not hits.size:
            raise ValueError(f"at: {year:g} is not an output time of the run (from "
                             f"{years[0]:g} to {years[-1]:g}, every "
                             f"{sched.output_step:g} months)")
        rows.append(int(hits[0]))
    if not rows or len(set(rows)) != len(rows):
        raise ValueError("at must list one or more distinct output times")
    new = np.full(len(sched.stamps), -1, dtype=np.int64)
    new[rows] = np.arange(len(rows))
    record = np.where(sched.record >= 0, new[np.maximum(sched.record, 0)], -1)
    return dataclasses.replace(sched, record=record, stamps=sched.stamps[rows])


class Settings(Mapping[str, np.ndarray]):
    """A chunk's constants by Vensim name: columns of its parameter rows (views)."""

    def __init__(self, P: np.ndarray, index: Mapping[str, int]) -> None:
        self._P, self._index = P, index

    def __getitem__(self, name: str) -> np.ndarray:
        return self._P[:, self._index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def scenario_names(scenarios: Any, source: ParameterSource) -> list[str]:
    """Return the batch's scenario names: the DataFrame's index as text, or their names."""
    if isinstance(scenarios, pd.DataFrame):
        return [str(i) for i in source.index]
    return [sc.name for sc in scenarios]


def _cores() -> int:
    env = os.environ.get("SLACK_SIM_THREADS")
    if env:
        return max(1, int(env))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def run_chunks(
    source: ParameterSource,
    compiled: CompiledModel,
    outputs: list[str],
    sched: Schedule,
    backend: str,
    consume: Callable[[int, int, np.ndarray, np.ndarray], Any],
    *,
    chunk_size: int = CHUNK_SIZE,
    threads: int | None = None,
) -> Iterator[Any]:
    """Run the batch a chunk at a time; yield ``consume(a, b, P, out)`` in chunk order.

    Each chunk's parameter rows are built, run (one kernel thread) and consumed on one
    worker thread; the kernel releases the GIL, so one chunk per core runs at once.
    """
    n = len(source)
    size = max(LANES, -(-int(chunk_size) // LANES) * LANES)
    bounds = [(a, min(a + size, n)) for a in range(0, n, size)]

    def work(ab: tuple[int, int], kernel_threads: int | None = 1) -> Any:
        a, b = ab
        P = source.rows(a, b)
        out = compiled.run(P, outputs, sched=sched, backend=backend, threads=kernel_threads)
        return consume(a, b, P, out)

    workers = min(threads or _cores(), len(bounds))
    if workers <= 1:  # one chunk (its kernel may still use every core) or one thread
        for ab in bounds:
            yield work(ab, None if len(bounds) == 1 else 1)
        return
    with ThreadPoolExecutor(workers) as pool:
        # at most two chunks in flight per worker: memory stays bounded
        pending: list[Any] = []
        for ab in bounds:
            pending.append(pool.submit(work, ab))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()
