"""A large ensemble in chunks against one call: wall time and peak memory.

Usage::

    python benchmarks/bench_ensemble.py              # 20,000 plausible futures
    python benchmarks/bench_ensemble.py -n 100000    # the command line's largest

Runs ``ensemble(preset(), n=N, parameters=<the Effect sizes>)`` (fresh plausible draws,
not the profile's 500 stored futures) in a fresh process twice: as the package runs it
(chunks of ``CHUNK_MEMBERS`` with a progress callback) and as one call over every member
(``CHUNK_MEMBERS`` set to N), and prints each one's wall time, peak resident memory and
the number of progress calls, and whether the two results are identical. The engine is
compiled once beforehand (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time, hashlib
import numpy as np
import slack_sim as ss
from slack_sim.analysis import ensemble as E
n, one = int(sys.argv[1]), sys.argv[2] == "one"
if one:
    E.CHUNK_MEMBERS = n
calls = []
t = time.perf_counter()
ens = E.ensemble(ss.preset(), n=n, parameters=E.default_parameters(),
                 progress=lambda d, total: calls.append(d))
seconds = time.perf_counter() - t
digest = {}
for part, arrays in (("data", [ens.data[v].values for v in ens.data.data_vars]),
                     ("outcomes", [ens.outcomes.to_numpy(dtype=float)]),
                     ("bands", [ens.bands.to_numpy(dtype=float)])):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    digest[part] = h.hexdigest()
print(json.dumps({"seconds": seconds, "calls": len(calls), "digest": digest,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(n: int, how: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(n), how], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=20_000, help="members (20,000)")
    args = ap.parse_args()
    if not 1 <= args.n <= 100_000:
        ap.error(f"-n: {args.n} is outside [1, 100000]")
    _child(8, "chunks")  # compile the engine once, untimed
    chunks = _child(args.n, "chunks")
    one = _child(args.n, "one")
    for label, r in (("in chunks", chunks), ("one call ", one)):
        print(f"{args.n:,} futures {label}: {r['seconds']:.1f} s, peak RSS "
              f"{r['peak_mb']:,.0f} MB, {r['calls']} progress call(s)")
    same = [k for k in chunks["digest"] if chunks["digest"][k] == one["digest"][k]]
    print(f"identical (bit for bit): {', '.join(same) or 'nothing'}"
          + (f"; DIFFERENT: {', '.join(k for k in chunks['digest'] if k not in same)}"
             if len(same) < len(chunks["digest"]) else ""))
    print("(timings are on whatever else the machine runs; re-run on a quiet one)")


if __name__ == "__main__":
    main()
