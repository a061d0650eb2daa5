"""``slack-sim sweep``: every council x futures x a grid of policies, on Dask, to Parquet.

The work is :mod:`slack_sim.analysis.sweep`'s; this module reads the options::

    slack-sim sweep --lever "Prevention investment=0,0.05,0.1" --futures 200 \
        --out sweep.parquet                      # a LocalCluster on this machine
    slack-sim sweep ... --scheduler tcp://10.0.0.5:8786   # an existing Dask cluster

See ``docs/sweeps.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..analysis.sweep import CHUNK_RUNS
from ..scenarios import DEFAULT_PRESET
from ..validation import Interval, number
from .options import SEED, CliError, check

__all__ = ["add_sweep_command", "sweep_command"]


def _levers(items: list[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name:
                raise ValueError
            numbers = [number(v) for v in values.split(",") if v.strip()]
            if not numbers:
                raise ValueError
        except ValueError:
            raise CliError(f'--lever: expected "Name=v1,v2,..." with numbers, got {item!r}'
                           ) from None
        if name in out:
            raise CliError(f"--lever: {name!r} is given more than once")
        out[name] = numbers
    return out


def _values_at(items: list[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for item in items:
        name, sep, years = item.partition("@")
        try:
            if not sep or not name.strip():
                raise ValueError
            out.setdefault(name.strip(), []).extend(number(y) for y in years.split(","))
        except ValueError:
            raise CliError(f'--at: expected "Output@year,year,...", got {item!r}') from None
    return out


def sweep_command(args: argparse.Namespace) -> None:
    """Run ``slack-sim sweep``."""
    from ..analysis.sweep import SweepSpec, sweep

    out = Path(args.out)
    if out.suffix.lower() != ".parquet":
        raise CliError(f"--out must end in .parquet, got {args.out!r}")
    if out.is_dir():
        raise CliError(f"--out {args.out!r} is a folder")
    futures = check(args.futures, Interval("integer", 1), "--futures")
    chunk = check(args.chunk_runs, Interval("integer", 1), "--chunk-runs")
    seed = check(args.seed, SEED, "--seed")
    if args.workers is not None:
        check(args.workers, Interval("integer", 1), "--workers")
        if args.scheduler:
            raise CliError("--workers is for the local cluster; an existing cluster "
                           "(--scheduler) has its own")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise CliError(f"--scheduler expects an address such as tcp://host:8786, got "
                       f"{args.scheduler!r}")
    councils = None
    if args.councils:
        councils = [c.strip() for c in args.councils.split(",") if c.strip()]
    spec = SweepSpec.make(_levers(args.lever or []), councils=councils, futures=futures,
                          preset=args.preset, seed=seed, values_at=_values_at(args.at or []),
                          chunk_runs=chunk)
    where = args.scheduler or "a local cluster on 127.0.0.1"
    print(f"sweep: {len(spec.councils)} profiles x {len(spec.policies)} policies x up to "
          f"{spec.futures:,} futures = up to {spec.runs:,} runs on {where}",
          file=sys.stderr, flush=True)
    info = sweep(spec, out, scheduler=args.scheduler, n_workers=args.workers,
                 progress=not args.quiet)
    print(f"wrote {info['runs']:,} rows to {info['path']} in {info['seconds']:.1f} s "
          f"({info['runs_per_second']:,.0f} runs/s on {info['workers']} workers; "
          f"{info['chunks']} chunks, scheduling overhead {info['overhead']:.1%})")


def add_sweep_command(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep`` to the parser."""
    p = sub.add_parser(
        "sweep", help="every council x futures x a grid of policies on Dask, outcomes "
                      "to Parquet (one row per council x policy x future)")
    p.add_argument("--lever", action="append", metavar='"Name=v1,v2,..."',
                   help="a lever's values in the policy grid (repeatable; the grid is "
                        "their product; none: the preset's policy only)")
    p.add_argument("--councils", metavar="SLUG,SLUG,...",
                   help="profiles to sweep (default: every council of councils.csv)")
    p.add_argument("--futures", type=int, default=100,
                   help="futures per council (default 100; history-consistent where the "
                        "profile has them, else sampled)")
    p.add_argument("--preset", default=DEFAULT_PRESET,
                   help=f"preset the levers and uncertainties start from ({DEFAULT_PRESET})")
    p.add_argument("--at", action="append", metavar='"Output@2030,2035"',
                   help="also keep an output's value at these years (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampled futures (default 0)")
    p.add_argument("--scheduler", metavar="tcp://host:port",
                   help="an existing Dask scheduler (default: a LocalCluster on 127.0.0.1)")
    p.add_argument("--workers", type=int, help="workers of the local cluster (default: "
                                               "one per core)")
    p.add_argument("--chunk-runs", type=int, default=CHUNK_RUNS,
                   help=f"most runs per Dask task (default {CHUNK_RUNS}, about a second of "
                        "a core; a small sweep is cut finer so every worker gets 16 tasks)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", required=True, metavar="FILE.parquet")
    p.set_defaults(func=sweep_command)
