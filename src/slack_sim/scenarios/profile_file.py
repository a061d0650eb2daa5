"""Profile files: a council's own calibration saved as TOML, read back strictly as data.

A profile file holds what a calibration of a user's own figures produced: a title, the
base profile it started from (a council's slug or code, or England), the values (profile
inputs and fitted values, by model name), the calibration summary
(:func:`slack_sim.analysis.profiles.record`), the kept futures compactly (parameter values
only) and the model version. :func:`profile_file_text` writes one (the app offers it as a
download, so a user's figures never touch the server's disk), :func:`save_profile_file`
writes it to a path (the CLI), and :func:`read_profile_text` / :func:`load_profile_file`
read one back: bounded (:data:`MAX_PROFILE_FILE_BYTES`), strict (unknown keys refused,
values numbers only, each checked against the model's range) and checked for the model
version (a :class:`~slack_sim.scenarios.ScenarioVersionWarning`, like scenario files).

A scenario built from a profile file is ``Scenario(profile=<base>, values=<its values>)``
with a preset's own values set on top (:func:`profile_file_scenario`), exactly as a preset
sits on a built-in profile.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..fileio import atomic_write
from ..model import load_model
from .library import profile_info
from .scenario import Scenario, preset
from .userfile import check_size, decode_text, read_user_file
from .values import ScenarioError, ScenarioVersionWarning, check_value

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_FUTURES",
    "MAX_PROFILE_FILE_BYTES",
    "ProfileFile",
    "load_profile_file",
    "profile_file_scenario",
    "profile_file_text",
    "read_profile_text",
    "save_profile_file",
]

#: The ``format`` key of every profile file.
FORMAT = "slack-sim-profile"
#: The version of the layout written here.
FORMAT_VERSION = 1
#: Largest profile file read (bytes): 200 futures of ~20 parameters fit well inside.
MAX_PROFILE_FILE_BYTES = 1_000_000
#: Most kept futures stored or read.
MAX_FUTURES = 1_000
#: Longest title kept (characters).
MAX_TITLE = 200

_TOP = {"format", "format_version", "model_version", "title", "base_profile", "values",
        "calibration", "futures"}
_FUTURE_KEYS = {"columns", "rows"}
#: What a profile file is, in messages.
_EXPECTED = "a TOML profile file"


@dataclasses.dataclass(frozen=True)
class ProfileFile:
    """What a profile file holds.

    Attributes
    ----------
    title : str
        The user's name for it.
    base : str
        The profile it started from (a profile name, never a path).
    values : dict of str to float
        Profile inputs and fitted values by model name, each within the model's range.
    record : dict
        The calibration summary (numbers, strings and booleans only).
    futures : list of dict
        The kept futures: parameter values by name.
    model_version : str
        The model version it was made for.
    """

    title: str
    base: str
    values: dict[str, float]
    record: dict[str, Any]
    futures: list[dict[str, float]]
    model_version: str

    def scenario(self, preset_name: str | None = None) -> Scenario:
        """Return the scenario of this profile, with a preset's values on top."""
        return _scenario(self.base, self.values, preset_name)


def _key(name: str) -> str:
    return json.dumps(str(name))  # a TOML basic string (JSON escapes are TOML's)


def _number(x: Any) -> str:
    x = float(x)
    if not math.isfinite(x):
        raise ScenarioError(f"profile file: value {x!r} is not a finite number")
    return repr(float(f"{x:.10g}"))


def _scalar(x: Any) -> str | None:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int | float):
        return _number(x) if math.isfinite(float(x)) else None
    if x is None:
        return None
    return _key(str(x))


def profile_file_text(*, title: str, base: str, values: Mapping[str, float],
                      record: Mapping[str, Any] | None = None,
                      futures: Sequence[Mapping[str, float]] | Any = (),
                      ) -> str:
    """Return a profile file as TOML text.

    Parameters
    ----------
    title : str
        The user's name for the profile (at most :data:`MAX_TITLE` characters kept).
    base : str
        The profile the calibration started from (checked: a known profile name).
    values : mapping of str to float
        Profile inputs and fitted values by model name (each checked against its range).
    record : mapping, optional
        The calibration summary; missing values (``None``, NaN) are left out.
    futures : sequence of mappings or pandas.DataFrame, optional
        The kept futures' parameter values (at most :data:`MAX_FUTURES`, 6 significant
        digits).

    Returns
    -------
    str
        The file's text, readable by :func:`read_profile_text`.
    """
    model = load_model()
    profile_info(base)  # raises for an unknown profile or a path
    checked = {k: check_value(model, k, v, where="profile file") for k, v in values.items()}
    rows = futures.to_dict(orient="records") if hasattr(futures, "to_dict") else list(futures)
    if len(rows) > MAX_FUTURES:
        raise ScenarioError(f"profile file: {len(rows):,} futures; at most {MAX_FUTURES:,}")
    lines = [f"format = {_key(FORMAT)}", f"format_version = {FORMAT_VERSION}",
             f"model_version = {_key(model.version)}", f"title = {_key(str(title)[:MAX_TITLE])}",
             f"base_profile = {_key(base)}", "", "[values]"]
    lines += [f"{_key(k)} = {_number(v)}" for k, v in sorted(checked.items())]
    lines += ["", "[calibration]"]
    for k, v in (record or {}).items():
        text = _scalar(v)
        if text is not None:
            lines.append(f"{_key(k)} = {text}")
    if rows:
        columns = list(rows[0])
        lines += ["", "[futures]", "columns = [" + ", ".join(_key(c) for c in columns) + "]",
                  "rows = ["]
        for row in rows:
            lines.append("  [" + ", ".join(repr(float(f"{float(row[c]):.6g}"))
                                           for c in columns) + "],")
        lines.append("]")
    return "\n".join(lines) + "\n"


def save_profile_file(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write a profile file (the arguments of :func:`profile_file_text`) and return its path."""
    return atomic_write(path, profile_file_text(**kwargs))


def _fail(name: str, text: str) -> ScenarioError:
    return ScenarioError(f"profile file {name}: {text}")


def _plain_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def read_profile_text(text: str | bytes, *, name: str = "(upload)") -> ProfileFile:
    """Parse a profile file (data only: TOML, no code evaluated).

    Parameters
    ----------
    text : str or bytes
        The file's contents.
    name : str
        How the file is named in messages.

    Returns
    -------
    ProfileFile

    Raises
    ------
    ScenarioError
        One line naming the file and the problem: too large, not TOML, not a profile
        file, an unknown key, a value that is not a number or out of its range, an unknown
        base profile (a path is never taken), futures of the wrong shape.

    Warns
    -----
    ScenarioVersionWarning
        When the file was made for another model version.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    what = f"profile file {name}"
    check_size(len(raw), what=what, limit=MAX_PROFILE_FILE_BYTES)
    try:
        data = tomllib.loads(decode_text(raw, what=what, expected=_EXPECTED))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(name, f"not {_EXPECTED} ({exc})") from None
    if data.get("format") != FORMAT:
        raise _fail(name, f"format is {data.get('format')!r}; expected {FORMAT!r} (a file "
                          "saved by slack-sim's Council page)")
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise _fail(name, f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: "
                          f"{', '.join(sorted(_TOP))}")
    if data.get("format_version") != FORMAT_VERSION:
        raise _fail(name, f"format_version is {data.get('format_version')!r}; expected "
                          f"{FORMAT_VERSION}")
    for key in ("title", "base_profile", "model_version"):
        if not isinstance(data.get(key), str):
            raise _fail(name, f"{key!r} must be text, got {data.get(key)!r}")
    base = data["base_profile"]
    try:
        profile_info(base)
    except ScenarioError as exc:
        raise _fail(name, f"base_profile: {exc}") from None
    model = load_model()
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise _fail(name, "[values] must be a table of numbers by model name")
    checked: dict[str, float] = {}
    for k, v in values.items():
        if not _plain_number(v):
            raise _fail(name, f"[values] {k!r}: got {v!r}; expected a number")
        if k not in model.settable:
            raise _fail(name, f"[values] {k!r} is not a settable constant of the model")
        checked[k] = check_value(model, k, float(v), where=f"profile file {name}")
    record = data.get("calibration", {})
    if not isinstance(record, dict) or not all(
            isinstance(v, str | bool) or _plain_number(v) for v in record.values()):
        raise _fail(name, "[calibration] must hold numbers, text and true/false only")
    futures = _futures(data.get("futures", {}), name)
    if data["model_version"] != model.version:
        warnings.warn(f"profile file {name} was made for model version "
                      f"{data['model_version']!r}, this is {model.version!r}: its fitted values "
                      "may no longer fit; calibrate the figures again", ScenarioVersionWarning,
                      stacklevel=2)
    return ProfileFile(title=data["title"][:MAX_TITLE], base=base, values=checked,
                       record=dict(record), futures=futures,
                       model_version=data["model_version"])


def _futures(table: Any, name: str) -> list[dict[str, float]]:
    if not isinstance(table, dict) or set(table) - _FUTURE_KEYS:
        raise _fail(name, "[futures] must hold only 'columns' and 'rows'")
    if not table:
        return []
    columns, rows = table.get("columns"), table.get("rows")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise _fail(name, "[futures] columns must be a list of names")
    if not isinstance(rows, list) or len(rows) > MAX_FUTURES:
        raise _fail(name, f"[futures] rows must be a list of at most {MAX_FUTURES:,} rows")
    out = []
    for i, row in enumerate(rows, start=1):
        if (not isinstance(row, list) or len(row) != len(columns)
                or not all(_plain_number(x) for x in row)):
            raise _fail(name, f"[futures] row {i}: expected {len(columns)} numbers")
        out.append(dict(zip(columns, map(float, row), strict=True)))
    return out


def load_profile_file(path: str | os.PathLike[str]) -> tuple[str, dict[str, float],
                                                              dict[str, Any]]:
    """Read a profile file from a path: ``(base profile name, values, calibration record)``.

    Raises
    ------
    ScenarioError
        If the file is missing, a directory, too large or malformed
        (:func:`read_profile_text`).
    """
    raw = read_user_file(path, kind="profile file", expected="a TOML file",
                         limit=MAX_PROFILE_FILE_BYTES)
    pf = read_profile_text(raw, name=repr(Path(path).name))
    return pf.base, pf.values, pf.record


def _scenario(base: str, values: Mapping[str, float], preset_name: str | None) -> Scenario:
    if preset_name is None:
        return Scenario(profile=base, values=dict(values))
    p = preset(preset_name, profile=base)
    return Scenario(profile=base, values={**values, **p.values}, name=p.name,
                    description=p.description)


def profile_file_scenario(path: str | os.PathLike[str], preset_name: str | None = None
                          ) -> Scenario:
    """Return the scenario of a profile file, with a preset's values on top.

    ``Scenario(profile=<base>, values=<its values>)``; with ``preset_name``, the preset's
    own values override the file's (a preset on a profile, as everywhere).
    """
    base, values, _ = load_profile_file(path)
    return _scenario(base, values, preset_name)
