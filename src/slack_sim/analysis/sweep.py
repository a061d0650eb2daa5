"""Sweeps: every council x futures x a grid of policies, in chunks, on Dask or in process.

A sweep runs one scenario per (council, policy, future) and keeps outcomes only: the
headline outcomes (:func:`slack_sim.metrics.headline.headline_outcomes`) and, if asked,
values of chosen outputs at chosen dates. Rows are built from

1. the council's profile (calibrated inputs; :func:`slack_sim.scenarios.profiles`
   lists them, the councils come from ``models/profiles/councils.csv``),
2. a preset's lever and uncertainty values (default: the default preset),
3. one of the council's futures: its history-consistent futures where the profile has
   them (``models/profiles/futures/<slug>.csv.gz``, the first ``futures`` rows), else
   ``futures`` seeded Latin-hypercube draws over the uncertainties' plausible ranges
   (the same draws for every such council: common random numbers),
4. one policy of the grid (the product of each lever's values),

later items overriding earlier ones. The work is cut into :class:`SweepChunk` s (one
council, a run of consecutive (policy, future) pairs) of about ``chunk_runs`` runs, each
computed by :func:`run_chunk` with :func:`slack_sim.engine.simulate_outcomes` (one
thread; a worker per core). :func:`sweep` sends them to ``dask.distributed`` (a
``LocalCluster`` on 127.0.0.1 by default, or an existing scheduler) and writes the rows
to Parquet in chunk order as they arrive, with a progress bar; :func:`sweep_in_process`
runs the same chunks here, one after another, and returns the same table.

Three modules: :mod:`~slack_sim.analysis.sweep_plan` (the spec, the grid, the chunks,
running one chunk, the in-process sweep), :mod:`~slack_sim.analysis.sweep_output`
(Parquet rows in chunk order, the progress bar) and this one, the Dask side (client,
cluster, warm-up, the timed tasks). Every name is importable from here.

Chunk size: a Dask task costs the scheduler and the worker a few milliseconds whatever
its size; a chunk of :data:`CHUNK_RUNS` runs takes about a second, so the overhead
stays far under 5%. A sweep too small to give every worker
:data:`~slack_sim.analysis.sweep_plan.CHUNKS_PER_WORKER` such chunks is cut finer (down to
:data:`~slack_sim.analysis.sweep_plan.MIN_CHUNK_RUNS` runs), so that no worker waits
long for the last one (``benchmarks/bench_sweep.py`` measures both). See
``docs/sweeps.md``.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..model.parse import load_model
from .sweep_output import ParquetRows as _Writer
from .sweep_output import Progress as _Progress
from .sweep_output import concat_rows as _concat  # noqa: F401 (kept importable here)
from .sweep_plan import (
    CHUNK_RUNS,
    CHUNKS_PER_WORKER,
    KEY_COLUMNS,
    MIN_CHUNK_RUNS,
    SweepChunk,
    SweepReducer,
    SweepSpec,
    chunk_size,
    policy_grid,
    run_chunk,
    sweep_chunks,
    sweep_in_process,
)

__all__ = [
    "CHUNKS_PER_WORKER",
    "CHUNK_RUNS",
    "KEY_COLUMNS",
    "MIN_CHUNK_RUNS",
    "SweepChunk",
    "SweepReducer",
    "SweepSpec",
    "chunk_size",
    "policy_grid",
    "run_chunk",
    "sweep",
    "sweep_chunks",
    "sweep_in_process",
]


def _warm(_: Any = None) -> str:
    # load the model and the kernel on a worker before timing anything
    from ..engine import compile_model

    compiled = compile_model(load_model())
    compiled.warm_up()
    return compiled.version


def sweep(
    spec: SweepSpec,
    path: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool = True,
    client: Any = None,
) -> dict[str, Any]:
    """Run the sweep on ``dask.distributed`` and write its rows to Parquet.

    Parameters
    ----------
    spec : SweepSpec
        What to run.
    path : path-like
        The Parquet file to write (one row per council x policy x future; outcomes
        only), with the spec, the model version and each council's source of futures
        in its metadata (key ``slack_sim``).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``); default: start a
        ``LocalCluster`` on 127.0.0.1 (one single-threaded worker process per core, or
        ``n_workers``), closed at the end.
    n_workers : int, optional
        Workers of the local cluster.
    progress : bool
        A progress bar on stderr.
    client : distributed.Client, optional
        Use this client (its cluster is left running).

    Returns
    -------
    dict
        ``runs``, ``chunks``, ``chunk_runs`` (the largest chunk's runs: the spec's
        ``chunk_runs``, or fewer so that every worker gets several chunks,
        :func:`~slack_sim.analysis.sweep_plan.chunk_size`), ``seconds`` (wall, warm-up
        excluded), ``runs_per_second``,
        ``task_seconds`` (the chunks' own compute time, summed), ``workers``,
        ``overhead`` (share of the workers' time not spent computing chunks:
        ``1 - task_seconds / (seconds x workers)``) and ``path``.
    """
    from distributed import Client, LocalCluster, as_completed

    own: list[Any] = []
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=n_workers or _cores(), threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
            own.append(cluster)
        own.insert(0, client)
    try:
        workers = len(client.scheduler_info()["workers"]) or 1
        chunks, sources = sweep_chunks(spec, workers=workers)  # >= 16 chunks a worker
        client.run(_warm)  # compile or load the kernel on every worker first
        writer = _Writer(Path(path), {"spec": spec.describe(), "futures_source": sources})
        bar = _Progress(sum(c.runs for c in chunks), len(chunks), enabled=progress)
        start = time.perf_counter()
        futures = client.map(_timed_chunk, chunks, pure=False)
        task_seconds = 0.0
        for future in as_completed(futures):
            number, seconds, rows = future.result()
            task_seconds += seconds
            writer.add(number, rows)
            bar.update(len(rows))
            future.release()
        seconds = time.perf_counter() - start
        writer.close()
        bar.close()
    finally:
        for item in own:
            item.close()
    runs = sum(c.runs for c in chunks)
    return {"runs": runs, "chunks": len(chunks),
            "chunk_runs": max((c.runs for c in chunks), default=0), "seconds": seconds,
            "runs_per_second": runs / seconds if seconds else math.inf,
            "task_seconds": task_seconds, "workers": workers,
            "overhead": 1 - task_seconds / (seconds * workers) if seconds else 0.0,
            "path": str(path)}


def _timed_chunk(chunk: SweepChunk) -> tuple[int, float, pd.DataFrame]:
    start = time.perf_counter()
    rows = run_chunk(chunk)
    return chunk.number, time.perf_counter() - start, rows


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


