"""Benchmark the compiled engine against PySD (issue 3).

Prints, measured in one run on this machine: PySD seconds per run; the compiled
engine's seconds for N = 1, 100, 1,000 and 10,000 scenarios (median of repeats), the
per-scenario cost and its ratio to PySD; the peak memory of the 10,000 batch with 10
monthly outputs. ``--quick`` (for CI) uses small N and few repeats.

Usage::

    python benchmarks/bench_engine.py [--quick] [--backend auto|numba|numpy]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

import slack_sim as ss
from slack_sim.engine import compiled as engine

OUTPUTS = ["Crisis queue", "Waiting time", "Cases in care", "Workforce", "Fatigue",
           "Partnership strength", "Prevention capacity", "Total spending", "Reserves",
           "Hidden need"]
TARGETS = {1: 10e-3, 10_000: 1.0}  # seconds


def draws(n: int, seed: int = 7) -> pd.DataFrame:
    model = ss.load_model()
    rng = np.random.default_rng(seed)
    names = model.levers + model.uncertainties
    lo = np.array([model[x].minimum for x in names])
    hi = np.array([model[x].maximum for x in names])
    return pd.DataFrame(rng.uniform(lo, hi, size=(n, len(names))), columns=names)


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, few repeats (CI)")
    parser.add_argument("--backend", default="auto", choices=engine.BACKENDS)
    args = parser.parse_args(argv)
    model = ss.load_model()
    outputs = [o for o in OUTPUTS if o in model.variables]
    backend = engine.resolve_backend(args.backend)
    os.environ["SLACK_SIM_BACKEND"] = backend  # simulate() (the N = 1 row) follows it
    sizes = [1, 100] if args.quick else [1, 100, 1_000, 10_000]
    pysd_repeats = 1 if args.quick else 5

    t = time.perf_counter()
    compiled = engine.compile_model(model)
    compiled.warm_up(backend=backend)
    startup = time.perf_counter() - t

    sc = ss.preset()
    ss.simulate(sc, engine="pysd")  # translation cached, imports warm
    pysd = timed(lambda: ss.simulate(sc, engine="pysd"), pysd_repeats)

    numba_version = "-"
    if engine.numba_available():
        import numba

        numba_version = numba.__version__
    import pysd as pysd_module

    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{len(os.sched_getaffinity(0))} cores, {platform.system()} {platform.release()}")
    print(f"versions: Python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba_version}, pandas {pd.__version__}, PySD {pysd_module.__version__}")
    print(f"model {model.version}: {len(model.variables)} variables, {len(model.stocks)} "
          f"stocks, TIME STEP {model.time_step}, {model.final_time:g} months")
    print(f"backend: {backend}; compile or cache load + warm-up: {startup:.2f} s")
    print()
    print(f"{'run':<28}{'seconds':>10}{'ms/scenario':>13}{'x faster':>10}")
    print(f"{'PySD, 1 scenario':<28}{pysd:>10.4f}{pysd * 1e3:>13.3f}{1:>10.0f}")
    results = {}
    for n in sizes:
        table = draws(n)
        repeats = 3 if args.quick else (7 if n <= 1_000 else 5)
        if n == 1:  # the single-run path: simulate() builds the full DataFrame
            one = ss.Scenario(values=table.iloc[0].to_dict())
            sec = timed(lambda one=one: ss.simulate(one), repeats * 3)
            label = "simulate(), 1 scenario"
        else:
            sec = timed(lambda table=table: ss.simulate_many(table, outputs, backend=backend),
                        repeats)
            label = f"simulate_many, N={n:,}"
        results[n] = sec
        per = sec / n
        print(f"{label:<28}{sec:>10.4f}{per * 1e3:>13.4f}{pysd / per:>10.0f}")

    n_mem = 1_000 if args.quick else 10_000
    table = draws(n_mem)
    tracemalloc.start()
    ds = ss.simulate_many(table, outputs, backend=backend)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = sum(v.nbytes for v in ds.data_vars.values())
    print()
    print(f"peak memory, N={n_mem:,} with {len(outputs)} monthly outputs: {peak / 2**20:.0f} MiB "
          f"(tracemalloc; the outputs themselves are {size / 2**20:.0f} MiB)")
    status = []
    for n, limit in TARGETS.items():
        if n in results:
            ok = results[n] <= limit
            status.append(f"N={n:,}: {results[n]:.4f} s vs target {limit:g} s "
                          f"{'met' if ok else 'MISSED'}")
    if n_mem == 10_000:
        status.append(f"memory: {peak / 2**20:.0f} MiB vs target 500 MiB "
                      f"{'met' if peak <= 500 * 2**20 else 'MISSED'}")
    print("targets: " + "; ".join(status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
