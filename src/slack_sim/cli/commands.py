"""The scenario subcommands: presets, run, summary, compare, doc, save and show.

One function per subcommand, each taking the parsed arguments; tables are formatted by
their units with :func:`slack_sim.report.text.cell`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pandas as pd

from ..engine.run import simulate
from ..fileio import atomic_write, safe_filename
from ..model.calendar import MONTHS_PER_YEAR, START_YEAR, month_text
from ..model.parse import load_model
from ..report.compare import comparison, summarize
from ..report.export import export
from ..report.text import cell, money_note, terminal_safe
from ..scenarios import (
    DEFAULT_PROFILE,
    load_scenario,
    preset,
    preset_info,
    presets,
    profiles,
    save_scenario,
)
from ..validation import Interval
from .options import CliError, check, scenario_from_args

__all__ = [
    "BASE_YEAR",
    "SUMMARY_COLUMNS",
    "compare_command",
    "doc_command",
    "money_line",
    "presets_command",
    "run_command",
    "save_command",
    "show_command",
    "summary_command",
]

#: Outputs printed by ``slack-sim run``.
SUMMARY_COLUMNS = (
    "Children looked after",
    "Crisis queue",
    "Waiting time",
    "Prevention spending",
    "Total spending",
    "Reserves",
)
#: Years printed by ``slack-sim run``: the start of the run, then every ten years (2010,
#: 2020, 2030, 2040; the run goes on to the model's FINAL TIME, March 2046).
_SUMMARY_YEARS = tuple(START_YEAR + 10.0 * k for k in range(4))
#: ``--base-year``: the calendar year present values are discounted to.
BASE_YEAR = Interval("real", 1900, 2200, units="calendar year")


def money_line(base_year: float) -> str:
    """Return the line saying how money is counted (:func:`~slack_sim.report.text.money_note`)."""
    return f"money: {money_note(base_year)}"


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


def _format_table(table: pd.DataFrame) -> str:
    cols = list(table.columns[2:])
    width = max(len(str(x)) for x in table["outcome"]) + 2
    uwidth = max(len(str(x)) for x in table["units"]) + 2
    cwidth = [
        max([len(str(c)), 12] + [len(cell(v, str(u))) for v, u in
                                 zip(table[c], table["units"], strict=True)]) + 2
        for c in cols
    ]
    lines = ["".ljust(width + uwidth) + "".join(f"{c:>{w}}" for c, w in zip(cols, cwidth,
                                                                           strict=True))]
    for _, row in table.iterrows():
        units = str(row["units"])
        cells = "".join(
            f"{cell(row[c], units):>{w}}" for c, w in zip(cols, cwidth, strict=True)
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


def presets_command(args: argparse.Namespace) -> None:
    """``slack-sim presets``: list the presets and the profiles."""
    for name in presets():
        info = preset_info(name)
        print(f"{name:<26}{info['description']}")
    print(f"\nprofiles: {', '.join(profiles())} (default {DEFAULT_PROFILE})")


def run_command(args: argparse.Namespace) -> None:
    """``slack-sim run``: run a scenario, print a summary and write every variable to CSV."""
    scenario = scenario_from_args(args)
    # one run, then exit: the plain-Python kernel (about 0.2 s) costs less than importing
    # numba and loading its machine code (about 0.6 s from cold); the same numbers
    frame = simulate(scenario, engine=args.engine, backend="numpy")
    out = Path(args.out or f"{safe_filename(scenario.name)}.csv")  # a name is never a path
    atomic_write(out, csv_text(frame))
    print(terminal_safe(f"{scenario.name} on {scenario.profile}: {scenario.description}"
                        .rstrip(": ")))
    print(_format_summary(_summary(frame)))
    # the last row is the closing state: the run covers the months up to the one before it
    last = month_text(float(frame.index[-1]) - 1.0 / MONTHS_PER_YEAR)
    print(f"(January of each year; the run goes on to the end of {last}; money is GBP for "
          "the profile's whole population)")
    print(f"\nwrote {len(frame)} months x {frame.shape[1]} variables to {out}")


def summary_command(args: argparse.Namespace) -> None:
    """``slack-sim summary``: the outcome metrics of a scenario, as a table or JSON."""
    scenario = scenario_from_args(args)
    base_year = check(args.base_year, BASE_YEAR, "--base-year")
    if args.json:
        out = summarize(scenario, baseline=args.baseline, base_year=base_year)
        print(json.dumps(out, indent=2, allow_nan=False))
        return
    comp = comparison([scenario], baseline=args.baseline, base_year=base_year)
    print(terminal_safe(f"{scenario.name} on {scenario.profile}: {scenario.description}"
                        .rstrip(": ")))
    if comp.baseline is not None:
        print(f"against baseline {comp.baseline!r}")
    print(money_line(base_year) + "\n")
    print(_format_table(comp.table.rename(columns=terminal_safe)))  # columns: user names
    label = comp.labels[-1]
    ledger = comp.summaries[label].get("ledger")
    if ledger and label != comp.baseline:
        print(f"\nwhere did the savings go ({label} against {comp.baseline}, present values):")
        print(_format_ledger(ledger))


def compare_command(args: argparse.Namespace) -> None:
    """``slack-sim compare``: compare scenarios and write an Excel workbook or CSV files."""
    if args.scenario_files and not args.presets and args.profile:
        raise CliError("--profile applies to --preset scenarios only")
    scenarios = [preset(n, profile=args.profile or DEFAULT_PROFILE) for n in args.presets or []]
    scenarios += [load_scenario(f) for f in args.scenario_files or []]
    if not scenarios:
        raise CliError("give at least one --preset or --scenario to compare")
    suffix = Path(args.out).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise CliError(f"--out must end in .xlsx or .csv, got {args.out!r}")
    base_year = check(args.base_year, BASE_YEAR, "--base-year")
    comp = comparison(scenarios, baseline=args.baseline, base_year=base_year)
    print(_format_table(comp.table.rename(columns=terminal_safe)))  # columns: user names
    for path in export(comp, args.out):
        print(f"wrote {terminal_safe(path)}")


def doc_command(args: argparse.Namespace) -> None:
    """``slack-sim doc``: every variable with units, range, definition and source."""
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
        atomic_write(args.out, text)
        print(f"wrote {len(doc)} variables to {terminal_safe(args.out)}")
    else:
        print(text)


def save_command(args: argparse.Namespace) -> None:
    """``slack-sim save``: save a scenario to a JSON file."""
    scenario = scenario_from_args(args)
    if args.name or args.description:
        scenario = scenario.with_values(
            name=args.name or scenario.name, description=args.description or scenario.description
        )
    path = save_scenario(scenario, args.out)
    print(f"saved scenario {terminal_safe(repr(scenario.name))} ({len(scenario.values)} values) "
          f"to {terminal_safe(path)}")


def show_command(args: argparse.Namespace) -> None:
    """``slack-sim show``: a saved scenario file, with the model version it was written for."""
    model = load_model()
    scenario = load_scenario(args.file)
    # the file parsed as JSON above; its own model version, which may differ from this one
    saved = json.loads(Path(args.file).read_bytes()).get("model_version")
    print(f"name:        {terminal_safe(scenario.name)}")
    print(f"description: {terminal_safe(scenario.description)}")
    print(f"profile:     {terminal_safe(scenario.profile)}")
    print(f"model:       {terminal_safe(saved)}" + ("" if saved == model.version
                                     else f" (this model is {model.version})"))
    if not scenario.values:
        print("values:      (profile values only)")
    for name, value in scenario.values.items():
        var = model[name]
        print(f"  {name} = {value:g} {var.units}   ({var.role}, range {var.range_text})")


def csv_text(frame: pd.DataFrame) -> str:
    """Return ``frame.to_csv(index_label="year")`` for a frame of floats, written faster.

    Each float is written as ``repr`` writes it, as pandas does: a row's values as the
    ``repr`` of their list, its separators made commas (about half pandas' time for a
    run's 436 x 371 values, and a quarter less than the csv module's writer); the header
    goes through the csv module (variable names are quoted where they need it). A frame
    with a missing value goes through pandas.

    Parameters
    ----------
    frame : pandas.DataFrame
        A run, indexed by year.

    Returns
    -------
    str
    """
    if frame.isna().to_numpy().any():
        return frame.to_csv(index_label="year")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["year", *frame.columns])
    # a float's repr has no comma or space: "[y, a, b]" -> "y,a,b"
    buffer.writelines(repr([y, *row])[1:-1].replace(", ", ",") + "\n"
                      for y, row in zip(frame.index.tolist(), frame.to_numpy().tolist(),
                                        strict=True))
    return buffer.getvalue()
