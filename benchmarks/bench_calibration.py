"""Benchmark calibration and history matching (issue targets: 60 s, 60 s, 1 GB).

Prints, for England's profile on its published 2010-2020 series: the wall time of one
calibration, of a 100,000-future history match (one wave, then two), and the peak
resident memory of the history match, measured in a fresh process each so that one
does not hold the other's memory. Usage::

    python benchmarks/bench_calibration.py [--futures 100000] [--profile kent]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

_CHILD = r"""
import json, resource, sys, time
import slack_sim as ss
from slack_sim.analysis.calibration import calibrate
from slack_sim.analysis.history import history_match
from slack_sim.analysis.profiles import calibration_spec
from slack_sim.scenarios import observed as ob
what, profile, area = sys.argv[1:4]
n, waves = int(sys.argv[4]), int(sys.argv[5])
spec = calibration_spec()
obs = ob.load_observed(area)
obs = obs[obs.series.isin(spec["series"])]
sc = ss.preset(spec["preset"], profile=profile + "-uncalibrated")
ss.simulate_many([sc], ["Harm"])  # compile or load the kernel outside the timing
t = time.perf_counter()
if what == "calibrate":
    fit = calibrate(sc, obs, spec["fit"]["parameters"])
    extra = {"runs": fit.runs, "converged": fit.converged}
else:
    hm = history_match(sc, obs, n=n, waves=waves)
    extra = {"kept_fraction": hm.kept_fraction, "runs": hm.runs}
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, **extra}))
"""


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the three measurements and print them beside the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, default=100_000)
    parser.add_argument("--profile", default="children-services-england")
    args = parser.parse_args()
    area = "england" if args.profile.startswith("children-services-england") else args.profile
    if area != "england":
        from slack_sim.scenarios import profile_info

        area = profile_info(args.profile)["area"]
    import slack_sim as ss

    print(f"model {ss.load_model().version}, profile {args.profile}, "
          f"{time.strftime('%Y-%m-%d')}, peak RSS includes the Python, numba and pandas "
          f"runtime (about {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          "in this process)")
    cal = _child("calibrate", args.profile, area, "0", "0")
    print(f"calibrate one profile: {cal['seconds']:.1f} s ({cal['runs']:,} runs, converged "
          f"{cal['converged']}); target 60 s")
    for waves in (1, 2):
        hm = _child("history", args.profile, area, str(args.futures), str(waves))
        print(f"history match {args.futures:,} futures x {waves} wave(s): {hm['seconds']:.1f} s, "
              f"peak {hm['peak_mib']:.0f} MiB, kept {hm['kept_fraction']:.1%}; "
              "targets 60 s and 1,024 MiB")


if __name__ == "__main__":
    main()
