"""What every subcommand shares: reading a scenario and ranges, checking options, writing.

Options are checked with :mod:`slack_sim.validation`, so a bad one is reported in the one
message format (the option, the value given, what is allowed, the units) on one line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..fileio import atomic_write
from ..report.text import terminal_safe
from ..scenarios import DEFAULT_PRESET, DEFAULT_PROFILE, Scenario, load_scenario, preset
from ..scenarios.profile_file import profile_file_scenario
from ..validation import Interval, ValidationError, number

__all__ = [
    "SEED",
    "CliError",
    "check",
    "check_out",
    "end_progress",
    "json_records",
    "modified_name",
    "parse_ranges",
    "progress_line",
    "scenario_from_args",
    "write",
]

#: ``--seed``: numpy's generators take no negative seeds.
SEED = Interval("integer", 0)


class CliError(Exception):
    """A user error reported as one line."""


def check(value: Any, constraint: Interval, option: str) -> Any:
    """Return an option's value if its constraint allows it, else raise :class:`CliError`.

    Parameters
    ----------
    value : object
        The value given.
    constraint : slack_sim.validation.Interval
        What is allowed.
    option : str
        The option's name in the message (e.g. ``"--seed"``).

    Returns
    -------
    object
        The value (a float for a real interval).

    Raises
    ------
    CliError
        In the one message format: option, value given, allowed range, units.
    """
    try:
        return constraint.check(value, option)
    except ValidationError as exc:
        raise CliError(str(exc)) from None


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set expects \"Name=value\", got {item!r}")
        out[name.strip()] = value.strip()
    return out


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Return the scenario named by ``--scenario`` or ``--preset``/``--profile`` and ``--set``.

    ``--profile-file FILE`` (a profile file saved by the app's Council page) stands in for
    ``--profile``: the scenario is the preset on the file's base profile with the file's
    values (:func:`slack_sim.scenarios.profile_file.profile_file_scenario`). ``--profile``
    is always a name, never a path.
    """
    profile_file = getattr(args, "profile_file", None)
    if profile_file and (args.profile or args.scenario):
        raise CliError("give one of --profile-file, --profile and --scenario, not two")
    if args.profile and ("/" in args.profile or "\\" in args.profile
                         or args.profile.endswith(".toml")):
        raise CliError(f"--profile {args.profile!r}: a profile is a name such as 'kent' or a "
                       "council code such as 'E10000016', never a path; for a saved profile "
                       "file use --profile-file FILE")
    if args.scenario:
        if args.preset or args.profile:
            raise CliError("give either --scenario or --preset/--profile, not both")
        scenario = load_scenario(args.scenario)
    elif profile_file:
        scenario = profile_file_scenario(profile_file, args.preset or DEFAULT_PRESET)
    else:
        scenario = preset(args.preset or DEFAULT_PRESET, profile=args.profile or DEFAULT_PROFILE)
    updates = _parse_set(args.set or [])
    if updates:
        scenario = scenario.with_values(updates, name=modified_name(scenario.name))
    name = (getattr(args, "name", None) or "").strip()
    return scenario.with_values(name=name) if name else scenario


def modified_name(name: str) -> str:
    """Return a scenario's name once ``--set`` has changed it: the name with "(modified)".

    Examples
    --------
    >>> modified_name("invest-to-save"), modified_name("invest-to-save (modified)")
    ('invest-to-save (modified)', 'invest-to-save (modified)')
    """
    return name if name.endswith("(modified)") else f"{name} (modified)"


def _parse_range(item: str, option: str) -> tuple[str, tuple[float, float]]:
    """Parse ``"Name=lo:hi"`` (finite numbers, ``lo <= hi``)."""
    name, sep, value = item.partition("=")
    lo_text, sep2, hi_text = value.partition(":")
    try:
        if not sep or not sep2 or not name.strip():
            raise ValueError
        lo, hi = number(lo_text), number(hi_text)
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


def parse_ranges(items: Sequence[str] | None, option: str = "--range"
                 ) -> dict[str, tuple[float, float]]:
    """Parse repeated ``"Name=lo:hi"`` options, refusing a name given twice."""
    out: dict[str, tuple[float, float]] = {}
    for item in items or []:
        name, bounds = _parse_range(item, option)
        if name in out:
            raise CliError(f"{option}: {name!r} is given more than once")
        out[name] = bounds
    return out


#: Whether a progress line is drawn and not yet ended (a message then starts a new line).
_LINE = {"open": False}


def progress_line(label: str) -> Callable[[int, int], None]:
    """Return a progress callback that rewrites one line of stderr: ``label: done/total``."""
    def report(done: int, total: int) -> None:
        print(f"\r{label}: {done:,}/{total:,}", end="", file=sys.stderr, flush=True)
        _LINE["open"] = True

    return report


def end_progress() -> None:
    """End the progress line, if one is drawn (an error or Ctrl-C then reads on its own line)."""
    if _LINE["open"]:
        print("", file=sys.stderr, flush=True)
        _LINE["open"] = False


def check_out(args: argparse.Namespace) -> None:
    """Refuse a bad ``--out`` (not .csv or .json, a folder, a missing folder) before any work."""
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


def write(out: str, frame: pd.DataFrame | None, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` as JSON or ``frame`` as CSV, by the suffix of ``out``."""
    path = Path(out)
    if path.suffix.lower() == ".json":
        atomic_write(path, json.dumps(payload, indent=2, allow_nan=False, default=str) + "\n")
    elif path.suffix.lower() == ".csv":
        if frame is None:
            raise CliError("this command writes JSON only: use --out FILE.json")
        atomic_write(path, frame.to_csv())
    else:
        raise CliError(f"--out must end in .csv or .json, got {out!r}")
    print(f"wrote {terminal_safe(path)}")


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a frame's rows as JSON-ready dicts (missing values as ``None``)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]
