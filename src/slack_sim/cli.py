"""Command line: ``slack-sim presets | run | summary | compare | doc | save | show | ...``.

Also ``ensemble | sensitivity | tipping-map | optimise`` (uncertainty and policy search).

Errors exit with status 2 and one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .compare import comparison, summarize
from .export import export
from .model import load_model
from .scenarios import (
    DEFAULT_PRESET,
    DEFAULT_PROFILE,
    Scenario,
    ScenarioError,
    ScenarioVersionWarning,
    load_scenario,
    preset,
    preset_info,
    presets,
    profiles,
    save_scenario,
)
from .simulate import ENGINES, simulate

__all__ = ["SUMMARY_COLUMNS", "main"]

#: Outputs printed by ``slack-sim run``.
SUMMARY_COLUMNS = (
    "Cases in care",
    "Crisis queue",
    "Waiting time",
    "Prevention spending",
    "Total spending",
    "Reserves",
)
_SUMMARY_YEARS = (2010.0, 2020.0, 2030.0, 2040.0)


class CliError(Exception):
    """A user error reported as one line."""


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set expects \"Name=value\", got {item!r}")
        out[name.strip()] = value.strip()
    return out


def _scenario_from_args(args: argparse.Namespace) -> Scenario:
    if args.scenario:
        if args.preset or args.profile:
            raise CliError("give either --scenario or --preset/--profile, not both")
        scenario = load_scenario(args.scenario)
    else:
        scenario = preset(args.preset or DEFAULT_PRESET, profile=args.profile or DEFAULT_PROFILE)
    updates = _parse_set(args.set or [])
    return scenario.with_values(updates) if updates else scenario


def _add_scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", help=f"preset name (default {DEFAULT_PRESET}); see 'presets'")
    p.add_argument("--profile", help=f"calibration profile (default {DEFAULT_PROFILE})")
    p.add_argument(
        "--set",
        action="append",
        metavar='"Name=value"',
        help="set a lever, uncertainty or profile input by its model name (repeatable)",
    )
    p.add_argument("--scenario", metavar="FILE.json", help="start from a saved scenario file")


def _summary(frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame.loc[[y for y in _SUMMARY_YEARS if y in frame.index], list(SUMMARY_COLUMNS)]
    rows.index = [f"{int(y)}" for y in rows.index]
    return rows.T


def _format_summary(table: pd.DataFrame) -> str:
    model = load_model()
    lines = []
    width = max(len(c) for c in table.index) + 2
    header = "".ljust(width + 10) + "".join(f"{c:>14}" for c in table.columns)
    lines.append(header)
    for name, row in table.iterrows():
        units = model[str(name)].units
        cells = "".join(f"{v:>14,.1f}" for v in row.to_numpy())
        lines.append(f"{name:<{width}}{units:<10}{cells}")
    return "\n".join(lines)


def _cmd_presets(args: argparse.Namespace) -> None:
    for name in presets():
        info = preset_info(name)
        print(f"{name:<26}{info['description']}")
    print(f"\nprofiles: {', '.join(profiles())} (default {DEFAULT_PROFILE})")


def _cmd_run(args: argparse.Namespace) -> None:
    scenario = _scenario_from_args(args)
    frame = simulate(scenario, engine=args.engine)
    out = Path(args.out or f"{scenario.name}.csv")
    frame.to_csv(out, index_label="year")
    print(f"{scenario.name} on {scenario.profile}: {scenario.description}".rstrip(": "))
    print(_format_summary(_summary(frame)))
    print(f"\nwrote {len(frame)} months x {frame.shape[1]} variables to {out}")


def _base_year(args: argparse.Namespace) -> float:
    year = float(args.base_year)
    if not math.isfinite(year) or not 1900 <= year <= 2200:
        raise CliError(f"--base-year must be a calendar year such as 2010, got {args.base_year}")
    return year


def _fmt_cell(value: object, units: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if units.startswith("GBP per resident"):
        return f"{value:,.2f}"
    if units.startswith("GBP"):
        return f"{value:,.0f}"
    if units == "%":
        return f"{value:.1%}"
    if units == "year":
        return f"{value:.0f}"
    if units == "decimal year":
        return f"{value:.2f}"
    if units in ("person-months",):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _format_table(table: pd.DataFrame) -> str:
    cols = list(table.columns[2:])
    width = max(len(str(x)) for x in table["outcome"]) + 2
    uwidth = max(len(str(x)) for x in table["units"]) + 2
    cwidth = [
        max([len(str(c)), 12] + [len(_fmt_cell(v, str(u))) for v, u in
                                 zip(table[c], table["units"], strict=True)]) + 2
        for c in cols
    ]
    lines = ["".ljust(width + uwidth) + "".join(f"{c:>{w}}" for c, w in zip(cols, cwidth,
                                                                           strict=True))]
    for _, row in table.iterrows():
        units = str(row["units"])
        cells = "".join(
            f"{_fmt_cell(row[c], units):>{w}}" for c, w in zip(cols, cwidth, strict=True)
        )
        lines.append(f"{row['outcome']:<{width}}{units:<{uwidth}}{cells}")
    return "\n".join(lines)


def _format_ledger(rows: list[dict[str, object]]) -> str:
    width = max(len(str(r["category"])) for r in rows) + 2
    head = ["baseline", "scenario", "money_cut", "cost_grown"]
    lines = ["".ljust(width) + "".join(f"{h.replace('_', ' '):>16}" for h in head)]
    for r in rows:
        cells = "".join(f"{float(r[h]):>16,.0f}" for h in head)  # type: ignore[arg-type]
        lines.append(f"{r['category']:<{width}}{cells}")
    return "\n".join(lines)


def _cmd_summary(args: argparse.Namespace) -> None:
    scenario = _scenario_from_args(args)
    base_year = _base_year(args)
    if args.json:
        out = summarize(scenario, baseline=args.baseline, base_year=base_year)
        print(json.dumps(out, indent=2, allow_nan=False))
        return
    comp = comparison([scenario], baseline=args.baseline, base_year=base_year)
    print(f"{scenario.name} on {scenario.profile}: {scenario.description}".rstrip(": "))
    if comp.baseline is not None:
        print(f"against baseline {comp.baseline!r}")
    print("money: GBP per 100,000 residents, 2010/11 prices; present values at the start of "
          f"{base_year:g} (Green Book: 3.5% to year 30, 3.0% after)\n")
    print(_format_table(comp.table))
    label = comp.labels[-1]
    ledger = comp.summaries[label].get("ledger")
    if ledger and label != comp.baseline:
        print(f"\nwhere did the savings go ({label} against {comp.baseline}, present values):")
        print(_format_ledger(ledger))


def _cmd_compare(args: argparse.Namespace) -> None:
    if args.scenario_files and not args.presets and args.profile:
        raise CliError("--profile applies to --preset scenarios only")
    scenarios = [preset(n, profile=args.profile or DEFAULT_PROFILE) for n in args.presets or []]
    scenarios += [load_scenario(f) for f in args.scenario_files or []]
    if not scenarios:
        raise CliError("give at least one --preset or --scenario to compare")
    suffix = Path(args.out).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise CliError(f"--out must end in .xlsx or .csv, got {args.out!r}")
    comp = comparison(scenarios, baseline=args.baseline, base_year=_base_year(args))
    print(_format_table(comp.table))
    for path in export(comp, args.out):
        print(f"wrote {path}")


def _cmd_doc(args: argparse.Namespace) -> None:
    doc = load_model().doc()
    if args.role:
        doc = doc[doc["role"] == args.role]
    cols = ["name", "sector", "kind", "role", "units", "min", "max", "default", "definition",
            "source"]
    if args.format == "csv" or (args.out and str(args.out).endswith(".csv")):
        text = doc[cols + ["equation"]].to_csv(index=False)
    else:
        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            text = doc[cols].fillna("").to_string(index=False)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {len(doc)} variables to {args.out}")
    else:
        print(text)


def _cmd_save(args: argparse.Namespace) -> None:
    scenario = _scenario_from_args(args)
    if args.name or args.description:
        scenario = scenario.with_values(
            name=args.name or scenario.name, description=args.description or scenario.description
        )
    path = save_scenario(scenario, args.out)
    print(f"saved scenario {scenario.name!r} ({len(scenario.values)} values) to {path}")


def _cmd_show(args: argparse.Namespace) -> None:
    model = load_model()
    scenario = load_scenario(args.file)
    # the file parsed as JSON above; its own model version, which may differ from this one
    saved = json.loads(Path(args.file).read_bytes()).get("model_version")
    print(f"name:        {scenario.name}")
    print(f"description: {scenario.description}")
    print(f"profile:     {scenario.profile}")
    print(f"model:       {saved}" + ("" if saved == model.version
                                     else f" (this model is {model.version})"))
    if not scenario.values:
        print("values:      (profile values only)")
    for name, value in scenario.values.items():
        var = model[name]
        print(f"  {name} = {value:g} {var.units}   ({var.role}, range {var.range_text})")


# -- uncertainty, sensitivity, tipping points, policy search --------------------------------


def _parse_range(item: str) -> tuple[str, tuple[float, float]]:
    """Parse ``"Name=lo:hi"``."""
    name, sep, value = item.partition("=")
    lo, sep2, hi = value.partition(":")
    try:
        if not sep or not sep2 or not name.strip():
            raise ValueError
        return name.strip(), (float(lo), float(hi))
    except ValueError:
        raise CliError(f'expected "Name=lo:hi", got {item!r}') from None


def _parse_values(text: str, what: str) -> list[float]:
    """Parse ``"lo:hi:n"`` (n evenly spaced values) or ``"a,b,c"``."""
    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            count = int(n)
            if count < 1 or count > 200:
                raise CliError(f"{what}: give between 1 and 200 values, got {count}")
            return [round(float(v), 10) for v in np.linspace(float(lo), float(hi), count)]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CliError(f'{what}: expected "lo:hi:n" or "a,b,c", got {text!r}') from None


def _parameters_arg(args: argparse.Namespace) -> list[str] | None:
    from .uncertainty import default_parameters

    names: list[str] = []
    if args.groups:
        names += default_parameters([g.strip() for g in args.groups.split(",")])
    names += [p for p in (args.parameter or []) if p not in names]
    return names or None


def _add_uncertainty_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--groups", metavar="G1,G2",
                   help='uncertainty groups to sample (default "Effect sizes"; also Need, '
                        'Austerity, "Shock 1", "Shock 2")')
    p.add_argument("--parameter", action="append", metavar="NAME",
                   help="an uncertainty to sample (repeatable; adds to --groups)")
    p.add_argument("--range", dest="ranges", action="append", metavar='"Name=lo:hi"',
                   help="narrow a parameter's range inside the model's (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")


def _progress_line(label: str) -> Any:
    def report(done: int, total: int) -> None:
        print(f"\r{label}: {done:,}/{total:,}", end="", file=sys.stderr, flush=True)

    return report


def _end_progress() -> None:
    print("", file=sys.stderr, flush=True)


def _write(out: str, frame: pd.DataFrame | None, payload: dict[str, Any]) -> None:
    path = Path(out)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(payload, indent=2, allow_nan=False, default=str) + "\n",
                        encoding="utf-8")
    elif path.suffix.lower() == ".csv":
        if frame is None:
            raise CliError("this command writes JSON only: use --out FILE.json")
        frame.to_csv(path)
    else:
        raise CliError(f"--out must end in .csv or .json, got {out!r}")
    print(f"wrote {path}")


def _check_out(args: argparse.Namespace) -> None:
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".json"):
        raise CliError(f"--out must end in .csv or .json, got {args.out!r}")


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _cmd_ensemble(args: argparse.Namespace) -> None:
    _check_out(args)
    from .uncertainty import ensemble

    scenario = _scenario_from_args(args)
    baseline = preset(args.baseline, profile=scenario.profile) if args.baseline else None
    if not 1 <= args.n <= 100_000:
        raise CliError(f"-n must be between 1 and 100,000, got {args.n}")
    ens = ensemble(scenario, n=args.n, seed=args.seed, method=args.method,
                   parameters=_parameters_arg(args),
                   ranges=dict(_parse_range(r) for r in args.ranges or []),
                   baseline=baseline)
    print(f"{scenario.name} on {scenario.profile}: {ens.n} futures ({ens.method}, seed "
          f"{ens.seed}), {len(ens.samples.columns)} uncertainties sampled")
    with pd.option_context("display.width", 200, "display.float_format", "{:,.4g}".format):
        print(ens.summary().to_string())
    print(ens.statement("did_not_recover", ">", 0.5))
    if baseline is not None:
        print(f"{ens.statement('net_present_saving', '>', 0)} (against {baseline.name}, "
              "same futures)")
    if args.out:
        what = args.what
        frame = ens.outcomes if what == "outcomes" else ens.bands
        if what == "bands":
            frame = frame.copy()
            frame.columns = [f"{o} p{p:g}" for o, p in frame.columns]
        payload = {
            "scenario": scenario.name, "profile": scenario.profile, "n": ens.n,
            "seed": ens.seed, "method": ens.method, "parameters": list(ens.samples.columns),
            "summary": _json_records(ens.summary().reset_index()),
            "outcomes": _json_records(ens.outcomes.reset_index()),
        }
        _write(args.out, frame, payload)


def _cmd_sensitivity(args: argparse.Namespace) -> None:
    _check_out(args)
    from .sensitivity import sensitivity

    scenario = _scenario_from_args(args)
    table = sensitivity(scenario, method=args.method, n=args.n, seed=args.seed,
                        parameters=_parameters_arg(args),
                        ranges=dict(_parse_range(r) for r in args.ranges or []),
                        progress=_progress_line(f"{args.method} runs"))
    _end_progress()
    key = "ST" if args.method == "sobol" else "mu_star"
    print(f"{args.method} sensitivity of {scenario.name} ({table.attrs['runs']:,} runs); "
          f"top {args.top} by {key}:")
    for output, part in table.groupby("output", sort=False):
        print(f"\n{output}")
        for _, row in part.head(args.top).iterrows():
            extra = (f"S1 {row['S1']:6.3f}  ST {row['ST']:6.3f} +/- {row['ST_conf']:.3f}"
                     if args.method == "sobol" else
                     f"mu* {row['mu_star']:,.4g}  sigma {row['sigma']:,.4g}")
            print(f"  {int(row['rank']):>2}. {row['parameter']:<38}{extra}")
    if args.out:
        _write(args.out, table.set_index(["output", "parameter"]),
               {"scenario": scenario.name, "method": args.method,
                "runs": table.attrs["runs"], "indices": _json_records(table)})


def _cmd_tipping(args: argparse.Namespace) -> None:
    _check_out(args)
    from .tipping import STANDARD_MAPS, rb3_scenario, tipping_map

    if args.scenario or args.preset or args.set:
        scenario = _scenario_from_args(args)
    else:
        scenario = rb3_scenario(args.profile or DEFAULT_PROFILE)
    std_x, std_y = STANDARD_MAPS[args.map]
    for axis in ("x", "y"):
        if getattr(args, axis) and not getattr(args, f"{axis}_values"):
            raise CliError(f"--{axis} needs --{axis}-values")
    x = (args.x or std_x[0], _parse_values(args.x_values, "--x-values")) if args.x_values \
        else std_x
    y = (args.y or std_y[0], _parse_values(args.y_values, "--y-values")) if args.y_values \
        else std_y
    tmap = tipping_map(scenario, x=x, y=y)
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
        _write(args.out, tmap.table.set_index([tmap.x, tmap.y]),
               {"scenario": scenario.name, "x": tmap.x, "y": tmap.y,
                "grid": _json_records(tmap.table),
                "threshold": {f"{k:g}": (None if np.isnan(v) else v)
                              for k, v in thr.items()}})


def _cmd_optimise(args: argparse.Namespace) -> None:
    _check_out(args)
    from .optimise import optimise

    scenario = _scenario_from_args(args)
    levers = dict(_parse_range(r) for r in args.lever or [])
    if not levers:
        raise CliError('give at least one --lever "Name=lo:hi" to search')
    result = optimise(scenario, levers=levers, waiting_cap=args.waiting_cap,
                      harm_cap=args.harm_cap, percentile=args.percentile,
                      futures=args.futures, parameters=_parameters_arg(args),
                      ranges=dict(_parse_range(r) for r in args.ranges or []),
                      seed=args.seed, maxiter=args.maxiter, max_seconds=args.max_seconds,
                      popsize=args.popsize, progress=_progress_line("generations"))
    _end_progress()
    status = "meets the caps" if result.feasible else "NO lever mix found meets the caps"
    print(f"{result.evaluations:,} candidates x {args.futures} futures in "
          f"{result.seconds:.1f} s ({result.stopped}); best found {status}:")
    for name, value in result.levers.items():
        print(f"  {name} = {value:.4g}")
    print(f"  mean NPV of total spending {result.cost:,.0f}; p{args.percentile:g} peak "
          f"waiting time {result.waiting:.2f} months; p{args.percentile:g} cumulative harm "
          f"{result.harm:,.0f} person-months")
    print(f"Pareto front (cost against harm): {len(result.pareto)} points")
    if args.out:
        _write(args.out, result.pareto, {
            "scenario": scenario.name, "levers": result.levers, "cost": result.cost,
            "waiting": result.waiting, "harm": result.harm, "feasible": result.feasible,
            "stopped": result.stopped, "pareto": _json_records(result.pareto)})


def build_parser() -> argparse.ArgumentParser:
    """Return the ``slack-sim`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="slack-sim",
        description="How austerity and shocks play out in local public services.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help="list the preset scenarios and profiles").set_defaults(
        func=_cmd_presets
    )
    run = sub.add_parser("run", help="run a scenario, print a summary and write a CSV")
    _add_scenario_args(run)
    run.add_argument("--out", metavar="FILE.csv", help="CSV to write (default NAME.csv)")
    run.add_argument("--engine", default="numpy", choices=sorted(ENGINES),
                     help="numpy: the compiled engine (default); pysd: the reference interpreter")
    run.set_defaults(func=_cmd_run)
    summ = sub.add_parser("summary", help="outcome metrics of a scenario (NPV, harm, shocks)")
    _add_scenario_args(summ)
    summ.add_argument("--baseline", metavar="NAME", help="preset to compare against")
    summ.add_argument("--base-year", default=2010.0, type=float,
                      help="year discounted to (default 2010)")
    summ.add_argument("--json", action="store_true", help="print JSON (snake_case keys)")
    summ.set_defaults(func=_cmd_summary)
    comp = sub.add_parser("compare", help="compare scenarios; write an Excel workbook or CSV")
    comp.add_argument("--preset", dest="presets", action="append", metavar="NAME",
                      help="a preset to compare (repeatable)")
    comp.add_argument("--scenario", dest="scenario_files", action="append",
                      metavar="FILE.json", help="a saved scenario to compare (repeatable)")
    comp.add_argument("--profile", help=f"profile of the presets (default {DEFAULT_PROFILE})")
    comp.add_argument("--baseline", metavar="NAME", help="preset to compare against")
    comp.add_argument("--base-year", default=2010.0, type=float,
                      help="year discounted to (default 2010)")
    comp.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.csv")
    comp.set_defaults(func=_cmd_compare)
    doc = sub.add_parser("doc", help="every variable with units, range, definition and source")
    doc.add_argument("--format", choices=["table", "csv"], default="table")
    doc.add_argument("--role", choices=["lever", "uncertainty", "profile", "switch"])
    doc.add_argument("--out", metavar="FILE", help="write to a file instead of the terminal")
    doc.set_defaults(func=_cmd_doc)
    save = sub.add_parser("save", help="save a scenario to a JSON file")
    _add_scenario_args(save)
    save.add_argument("--name", help="scenario name")
    save.add_argument("--description", help="scenario description")
    save.add_argument("--out", required=True, metavar="FILE.json")
    save.set_defaults(func=_cmd_save)
    show = sub.add_parser("show", help="show a saved scenario file")
    show.add_argument("file", metavar="FILE.json")
    show.set_defaults(func=_cmd_show)
    ens = sub.add_parser("ensemble", help="run a scenario under many draws of its uncertainties")
    _add_scenario_args(ens)
    _add_uncertainty_args(ens)
    ens.add_argument("-n", type=int, default=500, help="members (default 500)")
    ens.add_argument("--method", choices=["lhs", "random"], default="lhs")
    ens.add_argument("--baseline", metavar="NAME", help="preset run under the same futures")
    ens.add_argument("--what", choices=["outcomes", "bands"], default="outcomes",
                     help="what a CSV --out holds (default outcomes; JSON has both summary "
                          "and outcomes)")
    ens.add_argument("--out", metavar="FILE.csv|FILE.json")
    ens.set_defaults(func=_cmd_ensemble)
    sens = sub.add_parser("sensitivity", help="rank the uncertainties (Sobol or Morris)")
    _add_scenario_args(sens)
    _add_uncertainty_args(sens)
    sens.add_argument("--method", choices=["sobol", "morris"], default="sobol")
    sens.add_argument("-n", type=int, default=None,
                      help="Sobol base sample (power of 2, default 256) or Morris "
                           "trajectories (default 20)")
    sens.add_argument("--top", type=int, default=8, help="parameters printed per output")
    sens.add_argument("--out", metavar="FILE.csv|FILE.json")
    sens.set_defaults(func=_cmd_sensitivity)
    tip = sub.add_parser("tipping-map", help="recovery time over a grid (default: slack target "
                                             "by shock size on the RB3 experiment)")
    _add_scenario_args(tip)
    tip.add_argument("--map", choices=["slack-by-shock", "austerity-by-shock"],
                     default="slack-by-shock", help="a standard map")
    tip.add_argument("--x", metavar="NAME", help="setting on the x axis (replaces the map's)")
    tip.add_argument("--x-values", metavar="lo:hi:n|a,b,c")
    tip.add_argument("--y", metavar="NAME", help="setting on the y axis (replaces the map's)")
    tip.add_argument("--y-values", metavar="lo:hi:n|a,b,c")
    tip.add_argument("--out", metavar="FILE.csv|FILE.json")
    tip.set_defaults(func=_cmd_tipping)
    opt = sub.add_parser("optimise", help="cheapest lever mix keeping waiting and harm under caps")
    _add_scenario_args(opt)
    _add_uncertainty_args(opt)
    opt.add_argument("--lever", action="append", metavar='"Name=lo:hi"',
                     help="a lever to search and its range (repeatable)")
    opt.add_argument("--waiting-cap", type=float, help="cap on the percentile peak waiting "
                                                       "time, months")
    opt.add_argument("--harm-cap", type=float, help="cap on the percentile cumulative harm, "
                                                    "person-months")
    opt.add_argument("--percentile", type=float, default=90.0)
    opt.add_argument("--futures", type=int, default=16, help="futures per candidate")
    opt.add_argument("--maxiter", type=int, default=30, help="most generations")
    opt.add_argument("--popsize", type=int, default=10)
    opt.add_argument("--max-seconds", type=float, default=60.0, help="cap on run time")
    opt.add_argument("--out", metavar="FILE.csv|FILE.json",
                     help="the Pareto front (CSV) or the result (JSON)")
    opt.set_defaults(func=_cmd_optimise)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on a user error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ScenarioVersionWarning)
            args.func(args)
        for w in caught:
            if issubclass(w.category, ScenarioVersionWarning):
                print(f"slack-sim: WARNING: {w.message}", file=sys.stderr)
    except BrokenPipeError:  # output piped into e.g. 'head'
        sys.stderr.close()
        return 0
    except (CliError, ScenarioError, OSError, ValueError) as exc:
        print(f"slack-sim: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
