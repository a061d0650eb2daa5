"""A/B timing of two generated engines in one process (before and after a code-generator change).

On a machine shared with other work, two benchmark runs minutes apart measure the load
as much as the code. This loads two cached engine modules (folders
``<cache>/engine-<model version>-<generator hash>/`` written by ``compile_model``, e.g.
one from the base commit's checkout and one from this one, run with the same
``SLACK_SIM_CACHE``) and times their kernels alternately, round after round: the
one-lane kernel on one scenario with every variable (``simulate()``'s) and the 8-lane
block kernel on 256 scenarios with 4 outputs, on one thread (``time.thread_time``). It
prints the medians, the minima, the median of the per-round ratios, and how far apart
the two engines' numbers are (relative to each variable's scale; PySD parity is 1e-9).

``--batch`` also times the block kernel on the 10,000-scenario batch with
``bench_engine.py``'s 10 outputs (4 rounds, one thread): the case where writing the
output array costs memory traffic.

Usage::

    python benchmarks/bench_kernel_ab.py OLD_ENGINE_FOLDER NEW_ENGINE_FOLDER [--rounds 25]
        [--batch]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import slack_sim as ss
from slack_sim.engine import compiled as engine
from slack_sim.engine import inputs
from slack_sim.engine import kernel_cache as kc

BLOCK_OUTPUTS = ["Crisis queue", "Waiting time", "Reserves", "Fatigue"]
BLOCK_N = 256


def load(folder: Path):  # noqa: ANN201 (a generated module)
    """Load a cached engine module from its folder (its digest checked)."""
    path = folder / kc.KERNEL_FILE
    data, why = kc.read_verified(path)
    if data is None:
        raise SystemExit(f"{folder}: {why}")
    key = folder.name.removeprefix("engine-")
    module = kc.load_verified(path, key, data)
    if module is None:
        raise SystemExit(f"{folder}: not an engine module of this checkout's format")
    return module


def batch(modules: list, compiled: engine.CompiledModel, sched: engine.Schedule,
          control: tuple[float, ...], n: int = 10_000, rounds: int = 4) -> None:
    """Time the block kernel on n scenarios x bench_engine's 10 outputs, alternately."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_engine import OUTPUTS, draws

    P = inputs.parameters(draws(n), model=compiled.model, compiled=compiled,
                          profile=ss.DEFAULT_PROFILE)[0]
    rows = np.array([compiled.variables.index(v) for v in OUTPUTS], dtype=np.int64)
    seconds: list[list[float]] = [[] for _ in modules]
    first = []
    for _ in range(rounds):
        for m, t in zip(modules, seconds, strict=True):
            out = np.empty((len(rows), n, len(sched.stamps)))
            start = time.thread_time()
            m.kernel_numba(P, sched.times, sched.record, rows, out, *control, 0, n)
            t.append(time.thread_time() - start)
            if len(first) < len(modules):
                first.append(out)
    ratio = statistics.median(np.array(seconds[1]) / np.array(seconds[0]))
    print(f"block kernel, {n:,} scenarios x {len(rows)} outputs, one thread: old "
          f"{statistics.median(seconds[0]):.2f} s, new {statistics.median(seconds[1]):.2f} s "
          f"(new / old {ratio:.3f}, median of {rounds} rounds); the same numbers: "
          f"{np.array_equal(first[0], first[1], equal_nan=True)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--batch", action="store_true",
                        help="also the 10,000 x 10-output batch, one thread")
    args = parser.parse_args(argv)
    model = ss.load_model()
    compiled = engine.compile_model(model)
    sched = compiled.schedule()
    modules = [load(args.old), load(args.new)]
    p = inputs.scenario_row(ss.preset(), model=model, compiled=compiled)
    one = p[None, :].copy()
    block = np.repeat(one, BLOCK_N, axis=0)
    every = np.arange(len(compiled.variables), dtype=np.int64)
    some = np.array([compiled.variables.index(v) for v in BLOCK_OUTPUTS], dtype=np.int64)
    control = (sched.time_step, sched.initial_time, sched.final_time, sched.output_step)
    out1 = np.empty((1, len(sched.stamps), len(every)))
    outb = np.empty((len(some), BLOCK_N, len(sched.stamps)))
    results = []
    for m in modules:  # load (or compile) both kernels, keep the single run's numbers
        m.kernel_numba1(one, sched.times, sched.record, every, out1, *control, 0, 1)
        m.kernel_numba(block, sched.times, sched.record, some, outb, *control, 0, BLOCK_N)
        results.append(out1.copy())
    times: list[dict[str, list[float]]] = [{"one": [], "block": []} for _ in modules]
    for _ in range(args.rounds):
        for m, t in zip(modules, times, strict=True):
            start = time.thread_time()
            for _ in range(5):
                m.kernel_numba1(one, sched.times, sched.record, every, out1, *control, 0, 1)
            t["one"].append((time.thread_time() - start) / 5)
            start = time.thread_time()
            m.kernel_numba(block, sched.times, sched.record, some, outb, *control, 0, BLOCK_N)
            t["block"].append((time.thread_time() - start) / BLOCK_N)
    for folder, t in zip((args.old, args.new), times, strict=True):
        print(f"{folder.name}: one-lane kernel, every variable: median "
              f"{statistics.median(t['one']) * 1e6:.0f} us (min {min(t['one']) * 1e6:.0f}); "
              f"block kernel: median {statistics.median(t['block']) * 1e6:.1f} us a scenario "
              f"(min {min(t['block']) * 1e6:.1f})")
    for part in ("one", "block"):
        ratio = statistics.median(np.array(times[1][part]) / np.array(times[0][part]))
        print(f"new / old, {part}: {ratio:.3f} (median of {args.rounds} rounds)")
    if args.batch:
        batch(modules, compiled, sched, control)
    old, new = results
    scale = np.maximum(1.0, np.abs(old).max(axis=1, keepdims=True))
    print(f"numbers: largest difference {np.nanmax(np.abs(new - old) / scale):.1e} of a "
          "variable's scale (0 = the same numbers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
