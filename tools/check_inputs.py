"""Sweep every settable input over its declared range and count garbage outputs.

Runs the default scenario under (1) random corners of all settable inputs (levers,
uncertainties, profile inputs and switches at either end of their ``[min, max]``), and
(2) uniform draws over those ranges, and reports how many runs give a NaN, an infinity or
a negative stock (any value below 0, no tolerance; Reserves, documented as able to go
negative, is exempt), which stocks, and which inputs the bad runs share.
``tests/model/test_in_range.py`` is the same check as a hypothesis property test. Usage::

    python tools/check_inputs.py                 # 2,000 corners and 10,000 uniform draws
    python tools/check_inputs.py --draws 1000 --corners 200 --seed 3

Exit status 1 when any run is bad (so CI can use it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import slack_sim as ss  # noqa: E402
from slack_sim.model import SETTABLE_ROLES  # noqa: E402


def settable_ranges(model: ss.Model) -> pd.DataFrame:
    """Return ``minimum``/``maximum`` of every settable constant with a declared range."""
    rows = {}
    for v in model.variables.values():
        if v.role in SETTABLE_ROLES and v.minimum is not None and v.maximum is not None:
            rows[v.name] = {"minimum": v.minimum, "maximum": v.maximum, "role": v.role}
    return pd.DataFrame.from_dict(rows, orient="index")


def draws(ranges: pd.DataFrame, *, corners: int, uniform: int, seed: int) -> pd.DataFrame:
    """Return random corners, then uniform draws, of the ranges (one row per run)."""
    rng = np.random.default_rng(seed)
    lo = ranges["minimum"].to_numpy(dtype=float)
    hi = ranges["maximum"].to_numpy(dtype=float)
    pick = rng.integers(0, 2, size=(corners, len(lo)))
    corner = np.where(pick == 1, hi, lo)
    flat = lo + rng.random((uniform, len(lo))) * (hi - lo)
    return pd.DataFrame(np.vstack([corner, flat]), columns=list(ranges.index))


def check(frame: pd.DataFrame, *, chunk: int = 2000) -> pd.DataFrame:
    """Run every row and return per-run flags: nan, inf, negative stock (and which)."""
    model = ss.load_model()
    # a stock whose definition says it can be negative (Reserves: a deficit) is allowed to be
    stocks = [v.name for v in model.variables.values()
              if v.kind == "stock" and "can be negative" not in v.definition.lower()]
    every = list(model.variables)
    out = []
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start:start + chunk].reset_index(drop=True)
        ds = ss.simulate_many(part, every)
        nan = np.zeros(len(part), dtype=bool)
        inf = np.zeros(len(part), dtype=bool)
        neg = np.zeros(len(part), dtype=bool)
        which: list[set[str]] = [set() for _ in range(len(part))]
        for name in every:
            a = ds[name].to_numpy()
            bad_nan = np.isnan(a).any(axis=1)
            bad_inf = np.isinf(a).any(axis=1)
            nan |= bad_nan
            inf |= bad_inf
            if name in stocks:
                bad_neg = (a < 0).any(axis=1)  # strictly: a stock is never below 0
                neg |= bad_neg
                for i in np.flatnonzero(bad_neg):
                    which[i].add(name)
        out.append(pd.DataFrame({"nan": nan, "inf": inf, "negative_stock": neg,
                                 "stocks": ["; ".join(sorted(w)) for w in which]}))
    return pd.concat(out, ignore_index=True)


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
    flags = check(frame)
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
