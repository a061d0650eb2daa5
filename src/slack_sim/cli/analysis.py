"""The analysis subcommands: ``ensemble``, ``sensitivity``, ``tipping-map``, ``optimise``.

One function per subcommand. Every option is checked before any model run, in the one
message format of :mod:`slack_sim.validation` (the option, the value given, what is
allowed, the units); the printed summaries format money, years and months as
``slack-sim summary`` does, while ``--out`` files keep full precision.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from ..analysis.ensemble import (
    HEADLINE_OUTCOMES,
    default_parameters,
    ensemble,
    uncertainty_ranges,
)
from ..analysis.optimise import check_search, optimise
from ..analysis.sensitivity import sensitivity
from ..analysis.tipping import STANDARD_MAPS, check_axis, rb3_scenario, tipping_map
from ..model.calendar import START_YEAR
from ..report.text import cell, money, ordinal, statement, terminal_safe
from ..scenarios import DEFAULT_PROFILE, preset
from ..validation import Interval
from .commands import money_line
from .options import (
    SEED,
    CliError,
    check,
    check_out,
    end_progress,
    json_records,
    parse_ranges,
    progress_line,
    scenario_from_args,
    write,
)

__all__ = ["ensemble_command", "optimise_command", "sensitivity_command", "tipping_command"]

#: ``ensemble -n``: futures drawn.
MEMBERS = Interval("integer", 1, 100_000)
#: ``sensitivity --top``: parameters printed per output.
TOP = Interval("integer", 1)
#: ``sensitivity -n``: Morris trajectories or the Sobol base sample.
SAMPLES = Interval("integer", 2)
#: ``n`` of ``--x-values "lo:hi:n"``: values on an axis of a tipping map.
AXIS_VALUES = Interval("integer", 1, 200)
#: The options of ``optimise`` checked by :func:`slack_sim.analysis.optimise.check_search`.
_OPTIMISE_OPTIONS = {
    "waiting_cap": "--waiting-cap", "harm_cap": "--harm-cap", "percentile": "--percentile",
    "futures": "--futures", "popsize": "--popsize", "maxiter": "--maxiter",
    "max_seconds": "--max-seconds", "seed": "--seed",
}


def _parse_values(text: str, what: str) -> list[float]:
    """Parse ``"lo:hi:n"`` (n evenly spaced values) or ``"a,b,c"``."""
    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            count = check(int(n), AXIS_VALUES, f'{what}: n (the number of values in "lo:hi:n")')
            return [round(float(v), 10) for v in np.linspace(float(lo), float(hi), count)]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CliError(f'{what}: expected "lo:hi:n" or "a,b,c", got {text!r}') from None


def _parameters_arg(args: argparse.Namespace) -> list[str] | None:
    """Return the uncertainties named by ``--groups`` and ``--parameter``, checked."""
    names: list[str] = []
    if args.groups:
        try:
            names += default_parameters([g.strip() for g in args.groups.split(",")])
        except ValueError as exc:
            raise CliError(f"--groups: {exc}") from None
    extra = list(dict.fromkeys(p for p in (args.parameter or []) if p not in names))
    if extra:
        try:
            uncertainty_ranges(extra)
        except ValueError as exc:
            raise CliError(f"--parameter: {exc}") from None
    names += extra
    return names or None


def _ranges_arg(args: argparse.Namespace) -> dict[str, tuple[float, float]]:
    """Return the ``--range`` options, checked against the model's declared ranges."""
    ranges = parse_ranges(args.ranges)
    if ranges:
        try:
            uncertainty_ranges(list(ranges), ranges=ranges)
        except ValueError as exc:
            raise CliError(f"--range: {exc}") from None
    return ranges


def _format_ensemble_summary(summary: pd.DataFrame) -> str:
    """Format :meth:`Ensemble.summary` as ``slack-sim summary`` does: labels, units, £."""
    short_units = {"decimal year": "year"}
    rows = []
    for key, row in summary.iterrows():
        label, units = HEADLINE_OUTCOMES.get(str(key), (str(key), ""))
        is_money = units.startswith("GBP")
        shown = "£, present value" if is_money else short_units.get(units, units)
        cells = {c: ("" if pd.isna(v) else money(float(v), style="pounds") if is_money else
                     cell(float(v), units)) for c, v in row.items() if c != "members"}
        cells["members"] = f"{int(row['members']):,}"
        rows.append((label, shown, cells))
    cols = [c for c in summary.columns if c != "members"] + ["members"]
    lw = max(len(r[0]) for r in rows) + 2
    uw = max(len(r[1]) for r in rows) + 2
    cw = {c: max(len(c), *(len(r[2][c]) for r in rows)) + 2 for c in cols}
    lines = ["".ljust(lw + uw) + "".join(f"{c:>{cw[c]}}" for c in cols)]
    for label, units, cells in rows:
        lines.append(f"{label:<{lw}}{units:<{uw}}" + "".join(f"{cells[c]:>{cw[c]}}"
                                                             for c in cols))
    return "\n".join(lines)


def ensemble_command(args: argparse.Namespace) -> None:
    """``slack-sim ensemble``: run a scenario under many draws of its uncertainties."""
    check_out(args)
    check(args.seed, SEED, "--seed")
    check(args.n, MEMBERS, "-n (the number of futures)")
    scenario = scenario_from_args(args)
    baseline = None
    if args.baseline:
        try:
            baseline = preset(args.baseline, profile=scenario.profile)
        except ValueError as exc:
            raise CliError(f"--baseline: {exc}") from None
    # no --groups, --parameter or --range: the profile's history-consistent futures where
    # it has them, as the API and the app
    ens = ensemble(scenario, n=args.n, seed=args.seed, method=args.method,
                   parameters=_parameters_arg(args), ranges=_ranges_arg(args) or None,
                   baseline=baseline, progress=progress_line("futures"))
    end_progress()
    how = (f"{ens.method}, seed {ens.seed}" if ens.source == "plausible futures"
           else f"drawn with seed {ens.seed}")
    print(f"{terminal_safe(scenario.name)} on {scenario.profile}: {ens.n:,} {ens.source} ({how}), "
          f"{len(ens.samples.columns)} uncertainties")
    print(money_line(START_YEAR) + "\n")
    print(_format_ensemble_summary(ens.summary()))
    print()
    print(statement(ens, "did_not_recover", ">", 0.5))
    if baseline is not None:
        print(f"{statement(ens, 'net_present_saving', '>', 0)} (against "
              f"{terminal_safe(baseline.name)}, same futures)")
    if args.out:
        frame = ens.outcomes if args.what == "outcomes" else ens.bands
        if args.what == "bands":
            frame = frame.copy()
            frame.columns = [f"{o} p{p:g}" for o, p in frame.columns]
        payload = {
            "scenario": scenario.name, "profile": scenario.profile, "n": ens.n,
            "seed": ens.seed, "method": ens.method, "parameters": list(ens.samples.columns),
            "summary": json_records(ens.summary().reset_index()),
            "outcomes": json_records(ens.outcomes.reset_index()),
        }
        write(args.out, frame, payload)


def sensitivity_command(args: argparse.Namespace) -> None:
    """``slack-sim sensitivity``: rank the uncertainties (Sobol' or Morris)."""
    check_out(args)
    check(args.seed, SEED, "--seed")
    check(args.top, TOP, "--top (parameters printed per output)")
    if args.n is not None:
        what = "the Sobol base sample" if args.method == "sobol" else "Morris trajectories"
        check(args.n, SAMPLES, f"-n ({what})")
    scenario = scenario_from_args(args)
    table = sensitivity(scenario, method=args.method, n=args.n, seed=args.seed,
                        parameters=_parameters_arg(args), ranges=_ranges_arg(args) or None,
                        progress=progress_line(f"{args.method} runs"))
    end_progress()
    key = "ST" if args.method == "sobol" else "mu_star"
    print(f"{args.method} sensitivity of {terminal_safe(scenario.name)} "
          f"({table.attrs['runs']:,} runs over the {table.attrs['ranges']}); top {args.top} "
          f"by {key}:")
    for output, part in table.groupby("output", sort=False):
        print(f"\n{output}")
        for _, row in part.head(args.top).iterrows():
            extra = (f"S1 {row['S1']:6.3f}  ST {row['ST']:6.3f} +/- {row['ST_conf']:.3f}"
                     if args.method == "sobol" else
                     f"mu* {row['mu_star']:,.4g}  sigma {row['sigma']:,.4g}")
            print(f"  {int(row['rank']):>2}. {row['parameter']:<38}{extra}")
    if args.out:
        write(args.out, table.set_index(["output", "parameter"]),
              {"scenario": scenario.name, "method": args.method,
               "runs": table.attrs["runs"], "indices": json_records(table)})


def tipping_command(args: argparse.Namespace) -> None:
    """``slack-sim tipping-map``: recovery time over a grid of two settings."""
    check_out(args)
    if args.scenario or args.preset or args.set or getattr(args, "profile_file", None):
        scenario = scenario_from_args(args)
    else:
        scenario = rb3_scenario(args.profile or DEFAULT_PROFILE)
    axes = {}
    for axis, std in zip(("x", "y"), STANDARD_MAPS[args.map], strict=True):
        name, text = getattr(args, axis), getattr(args, f"{axis}_values")
        if name is not None and text is None:
            raise CliError(f"--{axis} needs --{axis}-values")
        if text is None:
            axes[axis] = std
            continue
        name = name if name is not None else std[0]
        values = check_axis(name, _parse_values(text, f"--{axis}-values"),
                            name_label=f"--{axis}", values_label=f"--{axis}-values")
        axes[axis] = (name, list(values))
    if axes["x"][0] == axes["y"][0]:
        raise CliError(f"--x and --y must be different settings, both are {axes['x'][0]!r}")
    tmap = tipping_map(scenario, x=axes["x"], y=axes["y"],
                       progress=progress_line("grid points"))
    end_progress()
    print(f"recovery after the shock (months after its end; '-' did not recover) on "
          f"{scenario.name}, {len(tmap.table)} runs in {tmap.seconds:.2f} s")
    grid = tmap.recovery
    head = f"{tmap.y[:18]:>18} | " + "".join(f"{v:>7g}" for v in grid.columns)
    print(f"{'':>18} | {tmap.x}")
    print(head)
    for yv, row in grid.iterrows():
        cells = "".join(f"{'-' if np.isnan(v) else f'{v:.0f}':>7}" for v in row.to_numpy())
        print(f"{yv:>18g} | {cells}")
    thr = tmap.threshold()
    print(f"\nsmallest {tmap.y} that did not recover, by {tmap.x}:")
    print("  " + ", ".join(f"{k:g}: {'none' if np.isnan(v) else f'{v:g}'}"
                           for k, v in thr.items()))
    if args.out:
        write(args.out, tmap.table.set_index([tmap.x, tmap.y]),
              {"scenario": scenario.name, "x": tmap.x, "y": tmap.y,
               "grid": json_records(tmap.table),
               "threshold": {f"{k:g}": (None if np.isnan(v) else v)
                             for k, v in thr.items()}})


def optimise_command(args: argparse.Namespace) -> None:
    """``slack-sim optimise``: the cheapest lever mix keeping waiting and harm under caps."""
    check_out(args)
    settings = {key: getattr(args, key) for key in _OPTIMISE_OPTIONS}
    problems = check_search(**settings, labels=_OPTIMISE_OPTIONS)
    if problems:
        raise CliError(problems[0])
    levers = parse_ranges(args.lever, "--lever")
    if not levers:
        raise CliError('give at least one --lever "Name=lo:hi" to search')
    scenario = scenario_from_args(args)
    result = optimise(scenario, levers=levers, parameters=_parameters_arg(args),
                      ranges=_ranges_arg(args),
                      progress=progress_line("generations"), **settings)
    end_progress()
    stopped = {"converged": "the population converged",
               "maxiter": f"reached --maxiter {args.maxiter}",
               "max_seconds": f"stopped at the --max-seconds cap of {args.max_seconds:g} s"}
    futures = (f"{args.futures:,} futures" if args.futures > 1
               else "1 future (the scenario's own values)")
    generations = f"{result.generations} generation{'' if result.generations == 1 else 's'}"
    print(f"{result.evaluations:,} lever mixes x {futures}, {generations} in "
          f"{result.seconds:.1f} s ({stopped[result.stopped]}).")
    if args.waiting_cap is None and args.harm_cap is None:
        print("No caps set; the cheapest lever mix found:")
    elif result.feasible:
        print("The cheapest lever mix found that meets the caps:")
    else:
        print("No lever mix found within the ranges meets the caps; the closest found "
              "(smallest excess over the caps):")
    for name, value in result.levers.items():
        print(f"  {name} = {value:.4g}")
    p = f"{ordinal(args.percentile)}-percentile"
    print(f"  mean NPV of total spending {money(result.cost, style='pounds')} (GBP for the "
          f"profile, present value); {p} peak waiting time {result.waiting:.2f} months"
          + (f" (cap {args.waiting_cap:g})" if args.waiting_cap is not None else "")
          + f"; {p} cumulative harm {result.harm:,.0f} person-months"
          + (f" (cap {args.harm_cap:,.0f})" if args.harm_cap is not None else ""))
    points = len(result.pareto)
    print(f"Pareto front (cost against harm): {points} point{'' if points == 1 else 's'}")
    if args.out:
        write(args.out, result.pareto, {
            "scenario": scenario.name, "levers": result.levers, "cost": result.cost,
            "waiting": result.waiting, "harm": result.harm, "feasible": result.feasible,
            "stopped": result.stopped, "generations": result.generations,
            "evaluations": result.evaluations, "seconds": result.seconds,
            "pareto": json_records(result.pareto)})
