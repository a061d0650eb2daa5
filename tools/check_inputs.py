"""Sweep every settable input over its declared range and count garbage outputs.

Runs the default scenario under (1) random corners of all settable inputs (levers,
uncertainties, profile inputs and switches at either end of their ``[min, max]``), and
(2) uniform draws over those ranges, and reports how many runs give a NaN, an infinity or
a negative stock (any value below 0, no tolerance; Reserves, documented as able to go
negative, is exempt), which stocks, and which inputs the bad runs share.
The check is ``slack_sim.analysis.input_checks``; ``tests/model/test_in_range.py`` runs it
as a hypothesis property test and over a batch of random draws. Usage::

    python tools/check_inputs.py                 # 2,000 corners and 10,000 uniform draws
    python tools/check_inputs.py --draws 1000 --corners 200 --seed 3

Exit status 1 when any run is bad (so CI can use it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import slack_sim as ss  # noqa: E402
from slack_sim.analysis.input_checks import (  # noqa: E402
    draws,
    garbage_flags,
    settable_ranges,
)


def main(argv: list[str] | None = None) -> int:
    """Run the sweep and print the counts; exit 1 if any run is bad."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corners", type=int, default=2000)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = ss.load_model()
    ranges = settable_ranges(model)
    frame = draws(ranges, corners=args.corners, uniform=args.draws, seed=args.seed)
    t = time.time()
    flags = garbage_flags(frame, model=model)
    bad = flags["nan"] | flags["inf"] | flags["negative_stock"]
    print(f"model {model.version}: {len(ranges)} settable inputs, {len(frame):,} runs "
          f"({args.corners:,} corners, {args.draws:,} uniform) in {time.time() - t:.1f} s")
    for label, part in (("corners", flags.iloc[:args.corners]),
                        ("uniform", flags.iloc[args.corners:])):
        print(f"  {label}: {int(part['nan'].sum())} NaN, {int(part['inf'].sum())} inf, "
              f"{int(part['negative_stock'].sum())} with a negative stock")
    if bad.any():
        stocks = flags.loc[flags["negative_stock"], "stocks"].str.split("; ").explode()
        print("  negative stocks:", stocks.value_counts().head(8).to_dict())
        worst = frame[bad.to_numpy()]
        # inputs whose value in bad runs differs most from all runs (in range units)
        span = (ranges["maximum"] - ranges["minimum"]).replace(0, 1)
        shift = ((worst.mean() - frame.mean()) / span).abs().sort_values(ascending=False)
        print("  inputs the bad runs lean on:", shift.head(8).round(2).to_dict())
    return 1 if bad.any() else 0


if __name__ == "__main__":
    raise SystemExit(main())
