"""Run time of the app's computations under glibc's default allocator and the app's.

Usage::

    python benchmarks/bench_allocator.py              # 6 interleaved rounds
    python benchmarks/bench_allocator.py --rounds 12

The app server sets glibc's allocator (:data:`slack_sim.ui.memo.ALLOCATOR`: fixed mmap
and trim thresholds, four heaps) so memory freed by closed sessions goes back to the
system; large blocks are then mapped afresh each time, which costs some run time. Each
round runs, in a fresh process per setting, four 500-future ensembles against a baseline
and twenty single runs (what a few slider moves compute), and prints the mean and the
fastest time of each setting over the rounds (the fastest is the least disturbed by
whatever else the machine runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time
import slack_sim as ss
from slack_sim.analysis import ensemble as E
from slack_sim.ui import memo
if sys.argv[1] != "default":
    memo.tune_allocator(json.loads(sys.argv[1]))
sc, base = ss.preset(), ss.preset("baseline")
E.ensemble(sc, n=50)
ss.simulate(sc)
t = time.perf_counter()
for i in range(4):
    E._BASELINE_RUNS.clear()
    E.ensemble(sc.with_values({"Slack target": 0.1 + 0.01 * i}), n=500, baseline=base)
for i in range(20):
    ss.simulate(sc.with_values({"Slack target": 0.1 + 0.005 * i}))
print(time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=6, help="interleaved rounds (6)")
    args = ap.parse_args()
    if not 1 <= args.rounds <= 100:
        ap.error(f"--rounds: {args.rounds} is outside [1, 100]")
    sys.path.insert(0, str(ROOT / "src"))
    from slack_sim.ui.memo import ALLOCATOR

    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    settings = {"glibc default": "default", "the app's": json.dumps(ALLOCATOR)}
    times: dict[str, list[float]] = {k: [] for k in settings}
    for _ in range(args.rounds):
        for label, arg in settings.items():
            out = subprocess.run([sys.executable, "-c", _CHILD, arg], env=env, check=True,
                                 capture_output=True, text=True)
            times[label].append(float(out.stdout.strip().splitlines()[-1]))
    for label, ts in times.items():
        print(f"{label:>14}: mean {statistics.mean(ts):.2f} s, fastest {min(ts):.2f} s "
              f"over {len(ts)} rounds")
    print(f"the app's settings: {ALLOCATOR}")
    print("(timings are on whatever else the machine runs; re-run on a quiet one)")


if __name__ == "__main__":
    main()
