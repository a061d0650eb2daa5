"""Benchmark sweeps on Dask: throughput with 1 and 2 workers, scheduling overhead (issue 16).

Runs the same sweep (the first ``--councils`` councils of ``councils.csv`` x a policy
grid of ``Prevention investment`` x ``--futures`` futures) in process (one thread, the
reference) and on a ``LocalCluster`` on 127.0.0.1 with 1 and 2 single-threaded workers
(kernels warmed on each worker first), and reports runs per second and the scheduling
overhead: the share of the workers' wall time not spent computing chunks,
``1 - sum(chunk seconds) / (wall x workers)``. A small-chunk run shows what too fine a
split costs. ``--write-docs`` rewrites this script's section of ``docs/performance.md``.

Usage::

    python benchmarks/bench_sweep.py [--councils 12] [--futures 500] [--policies 16] [--write-docs]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import DOC, machine, write_section  # noqa: E402

from slack_sim.analysis import sweep as sw  # noqa: E402
from slack_sim.scenarios.councils import councils  # noqa: E402

LEVER = "Prevention investment"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=12)
    parser.add_argument("--futures", type=int, default=500)
    parser.add_argument("--policies", type=int, default=16)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    slugs = list(councils()["slug"])[: args.councils]
    values = [0.1 * i / max(args.policies - 1, 1) for i in range(args.policies)]
    spec = sw.SweepSpec.make({LEVER: values}, councils=slugs, futures=args.futures)
    chunks, _ = sw.sweep_chunks(spec)
    runs = sum(c.runs for c in chunks)

    sw._warm()
    # a tiny sweep first: what the first sweep of a process imports (scipy's statistics,
    # the metrics) is not part of the throughput
    sw.sweep_in_process(sw.SweepSpec.make({LEVER: values[:1]}, councils=slugs[:1],
                                          futures=8))
    t = time.perf_counter()
    reference = sw.sweep_in_process(spec)
    in_process = time.perf_counter() - t
    rows = [("in process, one thread", 1, max(c.runs for c in chunks), len(chunks), in_process,
             runs / in_process, None)]
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        trials = [(1, spec.chunk_runs), (2, spec.chunk_runs), (2, 256)]
        for workers, chunk_runs in trials:
            run_spec = spec if chunk_runs == spec.chunk_runs else sw.SweepSpec.make(
                {LEVER: values}, councils=slugs, futures=args.futures, chunk_runs=chunk_runs)
            path = Path(tmp) / f"sweep-{workers}-{chunk_runs}.parquet"
            info = sw.sweep(run_spec, path, n_workers=workers, progress=False)
            same = pd.read_parquet(path).equals(reference)
            rows.append((f"Dask LocalCluster, {workers} worker{'s' * (workers > 1)}", workers,
                         info["chunk_runs"], info["chunks"], info["seconds"],
                         info["runs_per_second"], (info["overhead"], same)))
    info = machine()
    lines = [
        "## Sweeps on Dask: `python benchmarks/bench_sweep.py`",
        "",
        f"Measured {info['date']} on model `{info['model']}`; machine: {info['machine']} "
        f"(load average {info['load']} at the start, shared with other sessions). "
        f"{len(slugs)} councils x {len(spec.policies)} policies (`{LEVER}`) x up to "
        f"{args.futures:,} futures = {runs:,} runs, headline outcomes kept; Dask workers are "
        "single-threaded processes on 127.0.0.1, warmed (kernel loaded) before timing; "
        "rows written to Parquet as they arrive.",
        "",
        "| run | runs per chunk: largest (mean) | chunks | seconds | runs/s | "
        "scheduling overhead | "
        "equals in-process |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, _, chunk_runs, n_chunks, seconds, rate, extra in rows:
        overhead = "-" if extra is None else f"{extra[0]:.1%}"
        same = "reference" if extra is None else ("yes" if extra[1] else "NO")
        lines.append(f"| {label} | {chunk_runs:,} ({runs / n_chunks:,.0f}) | {n_chunks} | "
                     f"{seconds:.2f} | {rate:,.0f} | {overhead} | {same} |")
    lines += ["", "Scheduling overhead = 1 - (sum of the chunks' own compute seconds) / "
              "(wall seconds x workers): what Dask, the transfer of results and the "
              "Parquet writer cost the workers. Target (issue 16): under 5% at the default "
              f"chunk size ({spec.chunk_runs:,} runs at most; on Dask a sweep is cut into at "
              f"least {sw.CHUNKS_PER_WORKER} chunks a worker, of no fewer than "
              f"{sw.MIN_CHUNK_RUNS:,} runs, where its size allows: "
              "`slack_sim.analysis.sweep_plan.chunk_size`). The last row asks for chunks "
              "of 256 runs: what too fine a split costs."]
    print("\n".join(lines))
    if args.write_docs:
        write_section(DOC, "bench_sweep", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
