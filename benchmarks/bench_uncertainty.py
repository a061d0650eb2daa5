"""Benchmark the uncertainty tools: ensembles, Sobol, tipping map, optimiser.

Usage: ``python benchmarks/bench_uncertainty.py [--quick]``. Prints a Markdown table
(medians of repeats; the first call of each, which loads the engine, is not timed). Model
runs count the no-shock counterfactual runs recovery is judged against (one per member with
a shock; a tipping map's shock sizes share one per slack target).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

import slack_sim as ss
from slack_sim.analysis.ranges import default_parameters
from slack_sim.analysis.sensitivity import sensitivity
from slack_sim.analysis.tipping import standard_map


def timed(fn, repeats):
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 10,000 run")
    args = parser.parse_args()
    reps = 3 if args.quick else 11
    d = len(default_parameters())  # the Effect sizes group (model v2: 53)
    sc, base = ss.preset("invest-to-save"), ss.preset("austerity-then-covid")
    ss.ensemble(sc, n=16, baseline=base)  # load and warm the engine
    rows = []
    ss.ensemble(sc, n=500, seed=0, baseline=base)
    med, worst = timed(lambda i: ss.ensemble(sc.with_values({"Slack target": 0.10 + 0.01 * i}),
                                             n=500, seed=0, baseline=base), max(reps, 21))
    rows.append(("**app rerun**: 500 members after a slider move (new lever value, same "
                 "seed, the baseline's 500 runs cached), 12 band outputs, + counterfactuals",
                 med, worst, 1000))
    med, worst = timed(lambda i: ss.ensemble(sc, n=500, seed=100 + i, baseline=base), reps)
    rows.append(("ensemble, 500 members + baseline on the same draws (new seed: both run), "
                 "12 band outputs, + counterfactuals", med, worst, 1500))
    med, worst = timed(lambda i: ss.ensemble(sc, n=500, seed=i), reps)
    rows.append(("ensemble, 500 members, no baseline, + counterfactuals", med, worst, 1000))
    if not args.quick:
        med, worst = timed(lambda i: ss.ensemble(sc, n=10_000, seed=i), 3)
        rows.append(("ensemble, 10,000 members, 12 band outputs, + counterfactuals", med,
                     worst, 20_000))
    runs = {}

    def sobol(i):
        runs["sobol"] = sensitivity(sc, method="sobol", n=256, seed=i).attrs["runs"]

    med, worst = timed(sobol, 1 if args.quick else 3)
    rows.append((f"Sobol, {d} effect sizes, N = 256 (3 outputs), + counterfactuals", med,
                 worst, 2 * runs["sobol"]))

    def morris(i):
        runs["morris"] = sensitivity(sc, method="morris", n=20, seed=i).attrs["runs"]

    med, worst = timed(morris, reps)
    rows.append((f"Morris, {d} effect sizes, 20 trajectories, + counterfactuals", med, worst,
                 2 * runs["morris"]))
    med, worst = timed(lambda i: standard_map("slack-by-shock"), reps)
    rows.append(("tipping map, slack target x shock size (13 x 21), + 13 counterfactuals",
                 med, worst, 273 + 13))
    levers = {"Slack target": (0.05, 0.35), "Prevention investment": (0.5, 2.0),
              "Prevention time protection": (0.0, 1.0)}

    def opt(i):
        # v2 counts England's children: harm of the default is about 4e8 to 2e9
        # person-months over the run (v1's cap 2.2e6 was per 100,000 residents)
        r = ss.optimise(ss.preset(), levers=levers, waiting_cap=60, harm_cap=1.5e9,
                        futures=16, popsize=10, maxiter=30, max_seconds=60, seed=i)
        runs["opt"] = r.evaluations * 16  # no recovery judged: no counterfactual runs
        runs["opt_gen"] = r.generations

    med, worst = timed(opt, 1 if args.quick else 3)
    rows.append((f"optimiser, 3 levers, 30 candidates x 16 futures a generation, "
                 f"{runs['opt_gen']} generations", med, worst, runs["opt"]))
    print(f"Python {platform.python_version()}, numpy {np.__version__}; "
          f"backend {ss.simulate_many([ss.preset()], ['Crisis queue']).attrs['backend']}\n")
    print("| run | median s | max s | model runs |")
    print("|---|---:|---:|---:|")
    for label, m, w, n in rows:
        print(f"| {label} | {m:.3f} | {w:.3f} | {n:,} |")


if __name__ == "__main__":
    main()
