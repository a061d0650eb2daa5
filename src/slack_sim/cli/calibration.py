"""The calibration subcommands: ``calibrate``, ``history-match``, ``backtest``, ``profiles``.

Each reads a profile's published series (``models/data/observed.csv``, by the profile's
area) or a user's CSV (``--observed FILE``, in the same tidy format; see
``slack-sim template``), prints the figures a reader needs (fitted values with their 95%
ranges, Theil statistics and MAPE per series; the kept fraction and how the ranges
narrowed; the backtest against persistence and a linear trend) and writes CSV or JSON
with ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from typing import Any

import pandas as pd

from ..analysis.backtest import backtest
from ..analysis.calibration import calibrate
from ..analysis.history import band_narrowing, history_match
from ..analysis.profiles import calibration_spec, evidence_prior
from ..scenarios import Scenario, preset, profile_info, profiles
from ..scenarios import observed as ob
from ..scenarios.councils import councils
from ..validation import Interval
from .options import CliError, check, check_out, end_progress, json_records, progress_line, write

__all__ = ["add_calibration_commands"]

#: ``history-match -n``: futures per wave.
FUTURES = Interval("integer", 10, 2_000_000)
#: ``backtest --train-until``: the last training year (ending March).
TRAIN = Interval("integer", 2012, 2019, units="(year ending March)", grouping=False)


def _observed(args: argparse.Namespace, profile: str) -> pd.DataFrame:
    spec = calibration_spec()
    if args.observed:
        try:
            table = ob.read_observed_csv(args.observed)
        except ob.ObservedDataError as exc:
            raise CliError(str(exc)) from None
        return table[table["series"].isin(spec["series"])]
    area = profile_info(profile).get("area") or (
        "england" if profile.startswith("children-services-england") else None)
    if not area:
        raise CliError(f"--profile {profile}: has no published series; give --observed FILE")
    table = ob.load_observed(area)
    return table[table["series"].isin(spec["series"])]


def _scenario(args: argparse.Namespace) -> tuple[str, Scenario]:
    name = args.profile or "children-services-england"
    base = name if name.endswith("-uncalibrated") or args.calibrated else (
        f"{name}-uncalibrated")
    return name, preset(args.preset or calibration_spec()["preset"], profile=base)


def _stage_progress(label: str) -> Any:
    def say(stage: str, frac: float) -> None:
        print(f"\r{label}: {stage:<28} {frac:4.0%}", end="", file=sys.stderr, flush=True)

    return say


def calibrate_command(args: argparse.Namespace) -> None:
    """``slack-sim calibrate``: fit a profile's parameters to its published series."""
    check_out(args)
    name, scenario = _scenario(args)
    obs = _observed(args, name)
    params = args.parameter or list(calibration_spec()["fit"]["parameters"])
    fit = calibrate(scenario, obs, params, seed=check(args.seed, Interval("integer", 0), "--seed"),
                    evidence=None if args.no_evidence else evidence_prior(),
                    progress=_stage_progress("calibrating"))
    end_progress()
    print(f"{name}: {len(fit.residuals)} published figures, {fit.runs:,} model runs")
    print(fit.summary())
    if args.out:
        write(args.out, fit.parameters, {
            "profile": name, "converged": fit.converged, "message": fit.message,
            "negative_log_likelihood": fit.negative_log_likelihood,
            "evidence": None if fit.evidence is None else dataclasses.asdict(fit.evidence),
            "elasticity": fit.elasticity,
            "parameters": json_records(fit.parameters.reset_index()),
            "statistics": json_records(fit.statistics.reset_index()),
            "residuals": json_records(fit.residuals)})


def history_command(args: argparse.Namespace) -> None:
    """``slack-sim history-match``: keep the futures consistent with the published series."""
    check_out(args)
    n = check(args.n, FUTURES, "-n")
    name, scenario = _scenario(args)
    obs = _observed(args, name)
    hm = history_match(scenario, obs, n=n, waves=args.waves,
                       progress=lambda w, d, t: progress_line(f"wave {w}")(d, t))
    end_progress()
    print(hm.describe())
    print(hm.waves.to_string(index=False))
    narrowed = hm.ranges.sort_values("narrowed", ascending=False).head(10)
    print("ranges narrowed most (the kept futures' 5-95% range against a uniform draw's):")
    for pname, row in narrowed.iterrows():
        print(f"  {pname}: {row['low']:g} to {row['high']:g} -> {row['kept_low']:.4g} to "
              f"{row['kept_high']:.4g} {row['units']} ({row['narrowed']:.0%})")
    if len(hm.kept):
        bands = band_narrowing(hm, ["Children looked after", "Referrals", "Crisis queue",
                                    "Total spending"], year=2030.25)
        print("90% bands in April 2030, plausible futures -> history-consistent futures:")
        for oname, row in bands.iterrows():
            print(f"  {oname}: {row['plausible_low']:,.0f} to {row['plausible_high']:,.0f} -> "
                  f"{row['kept_low']:,.0f} to {row['kept_high']:,.0f} "
                  f"({row['narrowed']:.0%} narrower)")
    if args.out:
        write(args.out, hm.kept, {"profile": name, "kept_fraction": hm.kept_fraction,
                                  "waves": json_records(hm.waves),
                                  "ranges": json_records(hm.ranges.reset_index())})


def backtest_command(args: argparse.Namespace) -> None:
    """``slack-sim backtest``: fit to ``--train-until``, forecast the later years, score."""
    check_out(args)
    year = check(args.train_until, TRAIN, "--train-until")
    name, scenario = _scenario(args)
    obs = _observed(args, name)
    params = list(calibration_spec()["fit"]["parameters"])
    bt = backtest(scenario, obs, params, train_until=year, futures=args.futures,
                  evidence=None if args.no_evidence else evidence_prior(),
                  progress=_stage_progress("backtest"))
    end_progress()
    print(f"{name}: trained on the years to March {year}, forecast "
          f"{year + 1}-{int(bt.forecasts['year'].max())}")
    print("series: MAPE model / persistence / linear trend; share inside the model's 90% band")
    for sname, row in bt.scores.iterrows():
        def pct(v: float) -> str:
            return "n/a" if not math.isfinite(v) else f"{v:.1%}"
        print(f"  {sname}: {pct(row['mape_model'])} / {pct(row['mape_persistence'])} / "
              f"{pct(row['mape_trend'])}; {row['inside_band']:.0%} inside")
    if args.out:
        write(args.out, bt.forecasts, {"profile": name, "train_until": year,
                                       "scores": json_records(bt.scores.reset_index()),
                                       "forecasts": json_records(bt.forecasts)})


def profiles_command(args: argparse.Namespace) -> None:
    """``slack-sim profiles``: every profile with code, name and calibration status."""
    table = councils().set_index("slug")
    rows = []
    for name in profiles():
        info = profile_info(name)
        code = table.loc[name, "code"] if name in table.index else ""
        rows.append({"profile": name, "code": code, "name": info["title"],
                     "calibration": info["calibration"]})
    frame = pd.DataFrame(rows)
    if args.region:
        keep = set(table.index[table["region"].str.lower() == args.region.lower()])
        frame = frame[frame["profile"].isin(keep)]
    print(frame.to_string(index=False))
    calibrated = frame["calibration"].str.startswith("calibrated").sum()
    print(f"{len(frame)} profiles, {calibrated} calibrated for this model version")


def add_calibration_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``calibrate``, ``history-match``, ``backtest`` and ``profiles`` to the parser."""
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", help="profile to fit (default children-services-england)")
        p.add_argument("--preset", help="history preset (default: models/calibration.toml)")
        p.add_argument("--observed", metavar="FILE.csv",
                       help="your own figures (tidy CSV: series, year, value) instead of the "
                            "published series")
        p.add_argument("--calibrated", action="store_true",
                       help="start from the profile's committed fit (default: uncalibrated)")
        p.add_argument("--out", metavar="FILE.csv|FILE.json")

    def evidence(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-evidence", action="store_true",
                       help="fit to the series alone, without the published effect of "
                            "prevention as a prior (models/calibration.toml [fit.evidence])")
    cal = sub.add_parser("calibrate", help="fit a profile's parameters to its published series")
    common(cal)
    cal.add_argument("--parameter", action="append", metavar="NAME",
                     help="a parameter to fit (repeatable; default models/calibration.toml)")
    cal.add_argument("--seed", type=int, default=0)
    evidence(cal)
    cal.set_defaults(func=calibrate_command)
    hm = sub.add_parser("history-match",
                        help="keep the futures consistent with the published series")
    common(hm)
    hm.add_argument("-n", type=int, default=100_000, help="futures per wave (default 100,000)")
    hm.add_argument("--waves", type=int, default=2, choices=range(1, 6))
    hm.set_defaults(func=history_command)
    bt = sub.add_parser("backtest", help="fit to a year, forecast the rest, score against "
                                         "persistence and a linear trend")
    common(bt)
    bt.add_argument("--train-until", type=int, default=2016,
                    help="last training year, ending March (default 2016)")
    bt.add_argument("--futures", type=int, default=20_000)
    evidence(bt)
    bt.set_defaults(func=backtest_command)
    pro = sub.add_parser("profiles", help="list profiles: councils by code and name, "
                                          "whether calibrated")
    pro.add_argument("--region", help="only councils of this region")
    pro.set_defaults(func=profiles_command)
