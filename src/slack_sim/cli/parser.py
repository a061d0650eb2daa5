"""The ``slack-sim`` argument parser: every subcommand, its options and its function.

Each subcommand's function is set as ``func`` on the parsed arguments: the scenario
commands are in :mod:`slack_sim.cli.commands`, the analysis commands in
:mod:`slack_sim.cli.analysis`.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from ..engine.run import ENGINES
from ..model.calendar import START_YEAR
from ..scenarios import DEFAULT_PRESET, DEFAULT_PROFILE
from ..validation import number
from .analysis import ensemble_command, optimise_command, sensitivity_command, tipping_command
from .appraise import add_appraise_command
from .calibration import add_calibration_commands
from .commands import (
    compare_command,
    doc_command,
    presets_command,
    run_command,
    save_command,
    show_command,
    summary_command,
)
from .sweep import add_sweep_command

__all__ = ["build_parser"]

_Y0 = f"{START_YEAR:g}"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"slack-sim: error: {message}; see '{self.prog} --help'\n")


def _add_scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", help=f"preset name (default {DEFAULT_PRESET}); see 'presets'")
    p.add_argument("--profile", help=f"calibration profile: a name, a council's slug or code "
                                     f"(default {DEFAULT_PROFILE}); see 'profiles'")
    p.add_argument("--profile-file", metavar="FILE.toml",
                   help="a profile file saved by the app's Council page (your own figures, "
                        "calibrated), instead of --profile")
    p.add_argument(
        "--set",
        action="append",
        metavar='"Name=value"',
        help="set a lever, uncertainty or profile input by its model name (repeatable)",
    )
    p.add_argument("--scenario", metavar="FILE.json", help="start from a saved scenario file")


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


def _add_scenario_commands(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("presets", help="list the preset scenarios and profiles").set_defaults(
        func=presets_command
    )
    run = sub.add_parser("run", help="run a scenario, print a summary and write a CSV")
    _add_scenario_args(run)
    run.add_argument("--out", metavar="FILE.csv", help="CSV to write (default NAME.csv)")
    run.add_argument("--engine", default="compiled", choices=sorted(ENGINES),
                     help="numpy: the compiled engine (default); pysd: the reference interpreter")
    run.set_defaults(func=run_command)
    summ = sub.add_parser("summary", help="outcome metrics of a scenario (NPV, harm, shocks)")
    _add_scenario_args(summ)
    summ.add_argument("--baseline", metavar="NAME", help="preset to compare against")
    summ.add_argument("--base-year", default=START_YEAR, type=number,
                      help=f"year discounted to (default {_Y0})")
    summ.add_argument("--json", action="store_true", help="print JSON (snake_case keys)")
    summ.set_defaults(func=summary_command)
    comp = sub.add_parser("compare", help="compare scenarios; write an Excel workbook or CSV")
    comp.add_argument("--preset", dest="presets", action="append", metavar="NAME",
                      help="a preset to compare (repeatable)")
    comp.add_argument("--scenario", dest="scenario_files", action="append",
                      metavar="FILE.json", help="a saved scenario to compare (repeatable)")
    comp.add_argument("--profile", help=f"profile of the presets (default {DEFAULT_PROFILE})")
    comp.add_argument("--baseline", metavar="NAME", help="preset to compare against")
    comp.add_argument("--base-year", default=START_YEAR, type=number,
                      help=f"year discounted to (default {_Y0})")
    comp.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.csv")
    comp.set_defaults(func=compare_command)
    doc = sub.add_parser("doc", help="every variable with units, range, definition and source")
    doc.add_argument("--format", choices=["table", "csv"], default="table")
    doc.add_argument("--role", choices=["lever", "uncertainty", "profile", "switch"])
    doc.add_argument("--out", metavar="FILE", help="write to a file instead of the terminal")
    doc.set_defaults(func=doc_command)
    save = sub.add_parser("save", help="save a scenario to a JSON file")
    _add_scenario_args(save)
    save.add_argument("--name", help="scenario name")
    save.add_argument("--description", help="scenario description")
    save.add_argument("--out", required=True, metavar="FILE.json")
    save.set_defaults(func=save_command)
    show = sub.add_parser("show", help="show a saved scenario file")
    show.add_argument("file", metavar="FILE.json")
    show.set_defaults(func=show_command)


def _add_analysis_commands(sub: argparse._SubParsersAction) -> None:
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
    ens.set_defaults(func=ensemble_command)
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
    sens.set_defaults(func=sensitivity_command)
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
    tip.set_defaults(func=tipping_command)
    opt = sub.add_parser("optimise", help="cheapest lever mix keeping waiting and harm under caps")
    _add_scenario_args(opt)
    _add_uncertainty_args(opt)
    opt.add_argument("--lever", action="append", metavar='"Name=lo:hi"',
                     help="a lever to search and its range (repeatable)")
    opt.add_argument("--waiting-cap", type=number, help="cap on the percentile peak waiting "
                                                       "time, months")
    opt.add_argument("--harm-cap", type=number, help="cap on the percentile cumulative harm, "
                                                    "person-months")
    opt.add_argument("--percentile", type=number, default=90.0,
                     help="percentile over the futures of the caps, above 0 and at most 100 "
                          "(default 90)")
    opt.add_argument("--futures", type=int, default=16,
                     help="futures each candidate is judged on, 1 to 1,000 (default 16)")
    opt.add_argument("--maxiter", type=int, default=30, help="most generations (default 30)")
    opt.add_argument("--popsize", type=int, default=10,
                     help="candidates per generation per lever, 1 to 1,000 (default 10)")
    opt.add_argument("--max-seconds", type=number, default=60.0,
                     help="cap on the run time, seconds (default 60; checked between "
                          "batches of runs, so it may be overrun by a fraction of a second)")
    opt.add_argument("--out", metavar="FILE.csv|FILE.json",
                     help="the Pareto front (CSV) or the result (JSON)")
    opt.set_defaults(func=optimise_command)


def build_parser() -> argparse.ArgumentParser:
    """Return the ``slack-sim`` argument parser.

    Returns
    -------
    argparse.ArgumentParser
        Its errors are one line on stderr (exit status 2); each subcommand sets ``func``.
    """
    parser = _Parser(
        prog="slack-sim",
        description="How austerity and shocks play out in local public services.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_scenario_commands(sub)
    _add_analysis_commands(sub)
    add_calibration_commands(sub)
    add_appraise_command(sub, _add_scenario_args)
    add_sweep_command(sub)
    return parser
