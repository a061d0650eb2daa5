"""Command line: ``slack-sim presets | run | summary | compare | doc | save | show``.

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
    head = ["baseline", "scenario", "money cut", "cost grown"]
    lines = ["".ljust(width) + "".join(f"{h:>16}" for h in head)]
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
    print(f"name:        {scenario.name}")
    print(f"description: {scenario.description}")
    print(f"profile:     {scenario.profile}")
    print(f"model:       {model.version}")
    if not scenario.values:
        print("values:      (profile values only)")
    for name, value in scenario.values.items():
        var = model[name]
        print(f"  {name} = {value:g} {var.units}   ({var.role}, range {var.range_text})")


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
