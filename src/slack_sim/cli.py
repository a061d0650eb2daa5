"""Command line: ``slack-sim presets | run | doc | save | show``.

Errors exit with status 2 and one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

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
    run.add_argument("--engine", default="pysd", choices=sorted(ENGINES))
    run.set_defaults(func=_cmd_run)
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
