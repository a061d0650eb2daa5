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
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from ..engine.run import ENGINES, simulate
from ..model.parse import load_model
from ..report.compare import comparison, summarize
from ..report.export import export
from ..scenarios import (
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


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"slack-sim: error: {message}; see '{self.prog} --help'\n")


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


def _parse_range(item: str, option: str = "--range") -> tuple[str, tuple[float, float]]:
    """Parse ``"Name=lo:hi"`` (finite numbers, ``lo <= hi``)."""
    name, sep, value = item.partition("=")
    lo_text, sep2, hi_text = value.partition(":")
    try:
        if not sep or not sep2 or not name.strip():
            raise ValueError
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        raise CliError(f'{option}: expected "Name=lo:hi" with two numbers, got {item!r}'
                       ) from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise CliError(f"{option} {name.strip()}: lo and hi must be finite numbers, got "
                       f"{lo_text.strip()}:{hi_text.strip()}")
    if lo > hi:
        raise CliError(f"{option} {name.strip()}: lo ({lo:g}) is above hi ({hi:g}); give the "
                       "lowest value first")
    return name.strip(), (lo, hi)


def _parse_ranges(items: Sequence[str] | None, option: str = "--range"
                  ) -> dict[str, tuple[float, float]]:
    """Parse repeated ``"Name=lo:hi"`` options, refusing a name given twice."""
    out: dict[str, tuple[float, float]] = {}
    for item in items or []:
        name, bounds = _parse_range(item, option)
        if name in out:
            raise CliError(f"{option}: {name!r} is given more than once")
        out[name] = bounds
    return out


def _check_seed(args: argparse.Namespace) -> None:
    if args.seed < 0:
        raise CliError(f"--seed must be a whole number of at least 0, got {args.seed}")


def _parse_values(text: str, what: str) -> list[float]:
    """Parse ``"lo:hi:n"`` (n evenly spaced values) or ``"a,b,c"``."""
    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            count = int(n)
            if count < 1 or count > 200:
                raise CliError(f"{what}: n (the number of values in \"lo:hi:n\") must be "
                               f"from 1 to 200, got {count}")
            return [round(float(v), 10) for v in np.linspace(float(lo), float(hi), count)]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CliError(f'{what}: expected "lo:hi:n" or "a,b,c", got {text!r}') from None


def _parameters_arg(args: argparse.Namespace) -> list[str] | None:
    """Return the uncertainties named by ``--groups`` and ``--parameter``, checked."""
    from ..analysis.ensemble import default_parameters, uncertainty_ranges

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
    from ..analysis.ensemble import uncertainty_ranges

    ranges = _parse_ranges(args.ranges)
    if ranges:
        try:
            uncertainty_ranges(list(ranges), ranges=ranges)
        except ValueError as exc:
            raise CliError(f"--range: {exc}") from None
    return ranges


def _add_uncertainty_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--groups", metavar="G1,G2",
                   help='uncertainty groups to sample (default "Effect sizes"; also Need, '
                        'Austerity, "Shock 1", "Shock 2")')
    p.add_argument("--parameter", action="append", metavar="NAME",
                   help="an uncertainty to sample (repeatable; adds to --groups)")
    p.add_argument("--range", dest="ranges", action="append", metavar='"Name=lo:hi"',
                   help="narrow a parameter's range inside the model's (repeatable)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the draws, a whole number of at least 0 (default 0)")


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
    """Refuse a bad ``--out`` before any work is done."""
    if not args.out:
        return
    path = Path(args.out)
    if path.suffix.lower() not in (".csv", ".json"):
        raise CliError(f"--out must end in .csv or .json, got {args.out!r}")
    if path.is_dir():
        raise CliError(f"--out {args.out!r} is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise CliError(f"--out {args.out!r}: the folder {str(parent)!r} does not exist")


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _money(value: float) -> str:
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def _ordinal(value: float) -> str:
    """Return ``90th``, ``1st``, ``22nd``, ``12.5th``."""
    if float(value).is_integer():
        n = int(value)
        suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10,
                                                                                     "th")
        return f"{n}{suffix}"
    return f"{value:g}th"


def _format_ensemble_summary(summary: pd.DataFrame) -> str:
    """Format :meth:`Ensemble.summary` as ``slack-sim summary`` does: labels, units, £."""
    from ..analysis.ensemble import HEADLINE_OUTCOMES

    short_units = {"decimal year": "year"}
    rows = []
    for key, row in summary.iterrows():
        label, units = HEADLINE_OUTCOMES.get(str(key), (str(key), ""))
        money = units.startswith("GBP")
        shown = "£, present value" if money else short_units.get(units, units)
        cells = {c: ("" if pd.isna(v) else _money(float(v)) if money else
                     _fmt_cell(float(v), units)) for c, v in row.items() if c != "members"}
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


def _cmd_ensemble(args: argparse.Namespace) -> None:
    _check_out(args)
    _check_seed(args)
    from ..analysis.ensemble import ensemble

    if not 1 <= args.n <= 100_000:
        raise CliError(f"-n (the number of futures) must be a whole number from 1 to 100,000, "
                       f"got {args.n}")
    scenario = _scenario_from_args(args)
    baseline = None
    if args.baseline:
        try:
            baseline = preset(args.baseline, profile=scenario.profile)
        except ValueError as exc:
            raise CliError(f"--baseline: {exc}") from None
    ens = ensemble(scenario, n=args.n, seed=args.seed, method=args.method,
                   parameters=_parameters_arg(args), ranges=_ranges_arg(args),
                   baseline=baseline)
    print(f"{scenario.name} on {scenario.profile}: {ens.n:,} futures ({ens.method}, seed "
          f"{ens.seed}), {len(ens.samples.columns)} uncertainties sampled")
    print("money: GBP per 100,000 residents, 2010/11 prices; present values at the start of "
          "2010 (Green Book: 3.5% to year 30, 3.0% after)\n")
    print(_format_ensemble_summary(ens.summary()))
    print()
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
    _check_seed(args)
    from ..analysis.sensitivity import sensitivity

    if args.top < 1:
        raise CliError(f"--top (parameters printed per output) must be a whole number of at "
                       f"least 1, got {args.top}")
    if args.n is not None and args.n < 2:
        what = "the Sobol base sample" if args.method == "sobol" else "Morris trajectories"
        raise CliError(f"-n ({what}) must be a whole number of at least 2, got {args.n}")
    scenario = _scenario_from_args(args)
    table = sensitivity(scenario, method=args.method, n=args.n, seed=args.seed,
                        parameters=_parameters_arg(args), ranges=_ranges_arg(args),
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
    from ..analysis.tipping import STANDARD_MAPS, check_axis, rb3_scenario, tipping_map

    if args.scenario or args.preset or args.set:
        scenario = _scenario_from_args(args)
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
    tmap = tipping_map(scenario, x=axes["x"], y=axes["y"])
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


_OPTIMISE_OPTIONS = {
    "waiting_cap": "--waiting-cap", "harm_cap": "--harm-cap", "percentile": "--percentile",
    "futures": "--futures", "popsize": "--popsize", "maxiter": "--maxiter",
    "max_seconds": "--max-seconds", "seed": "--seed",
}


def _cmd_optimise(args: argparse.Namespace) -> None:
    _check_out(args)
    from ..analysis.optimise import check_search, optimise

    settings = {key: getattr(args, key) for key in _OPTIMISE_OPTIONS}
    problems = check_search(**settings, labels=_OPTIMISE_OPTIONS)
    if problems:
        raise CliError(problems[0])
    levers = _parse_ranges(args.lever, "--lever")
    if not levers:
        raise CliError('give at least one --lever "Name=lo:hi" to search')
    scenario = _scenario_from_args(args)
    result = optimise(scenario, levers=levers, parameters=_parameters_arg(args),
                      ranges=_ranges_arg(args),
                      progress=_progress_line("generations"), **settings)
    _end_progress()
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
    p = f"{_ordinal(args.percentile)}-percentile"
    print(f"  mean NPV of total spending {_money(result.cost)} (per 100,000 residents, "
          f"present value); {p} peak waiting time {result.waiting:.2f} months"
          + (f" (cap {args.waiting_cap:g})" if args.waiting_cap is not None else "")
          + f"; {p} cumulative harm {result.harm:,.0f} person-months"
          + (f" (cap {args.harm_cap:,.0f})" if args.harm_cap is not None else ""))
    points = len(result.pareto)
    print(f"Pareto front (cost against harm): {points} point{'' if points == 1 else 's'}")
    if args.out:
        _write(args.out, result.pareto, {
            "scenario": scenario.name, "levers": result.levers, "cost": result.cost,
            "waiting": result.waiting, "harm": result.harm, "feasible": result.feasible,
            "stopped": result.stopped, "generations": result.generations,
            "evaluations": result.evaluations, "seconds": result.seconds,
            "pareto": _json_records(result.pareto)})


def build_parser() -> argparse.ArgumentParser:
    """Return the ``slack-sim`` argument parser."""
    parser = _Parser(
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
    sens.add_argument("--top", type=int, default=8,
                      help="parameters printed per output, at least 1 (default 8)")
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
    opt.add_argument("--percentile", type=float, default=90.0,
                     help="percentile over the futures of the caps, above 0 and at most 100 "
                          "(default 90)")
    opt.add_argument("--futures", type=int, default=16,
                     help="futures each candidate is judged on, 1 to 1,000 (default 16)")
    opt.add_argument("--maxiter", type=int, default=30, help="most generations (default 30)")
    opt.add_argument("--popsize", type=int, default=10,
                     help="candidates per generation per lever, 1 to 1,000 (default 10)")
    opt.add_argument("--max-seconds", type=float, default=60.0,
                     help="cap on the run time, seconds (default 60; checked between "
                          "batches of runs, so it may be overrun by a fraction of a second)")
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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error, already reported on one line
        return exc.code if isinstance(exc.code, int) else 2
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
