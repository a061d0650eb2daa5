"""Scenario files: JSON that carries the model's version, read as data only.

:func:`save_scenario` and :func:`load_scenario` round-trip a :class:`Scenario` exactly;
a file written for another model version loads with a :class:`ScenarioVersionWarning`
listing what differs.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

from ..fileio import atomic_write
from ..model import Model, load_model
from ..validation import given_text
from .scenario import FORMAT, FORMAT_VERSION, Scenario
from .values import ScenarioError, ScenarioVersionWarning

__all__ = ["MAX_SCENARIO_BYTES", "load_scenario", "save_scenario", "scenario_from_json"]

#: Largest scenario file accepted, in bytes (a full scenario is about 10 kB).
MAX_SCENARIO_BYTES = 1_000_000


def scenario_from_json(text: str | bytes) -> Scenario:
    """Parse a scenario from JSON text (data only: no code is evaluated).

    Warns with :class:`ScenarioVersionWarning` when the file was written for a
    different model version, listing what differs.

    Raises
    ------
    ScenarioError
        If the text is not a valid scenario or any value is invalid.
    """
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"scenario file too large ({len(text)} bytes; at most {MAX_SCENARIO_BYTES})"
        )
    data = _parse_json(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ScenarioError(f"not a slack-sim scenario file (expected format {FORMAT!r})")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ScenarioError(f"scenario file: unknown field(s) {', '.join(map(repr, unknown))}; "
                            f"allowed: {', '.join(_FIELDS)}")
    version = data.get("format_version", FORMAT_VERSION)
    if type(version) is not int or version != FORMAT_VERSION:
        raise ScenarioError(f"scenario file: format_version: expected {FORMAT_VERSION}, got "
                            f"{given_text(version)} (written by another version of slack-sim)")
    for key, kind in _FIELDS.items():
        if key in data and not isinstance(data[key], kind):
            raise ScenarioError(f"scenario file: '{key}': expected {_KIND_NAMES[kind]}, got "
                                f"{given_text(data[key])}")
    for key in ("profile", "values"):
        if key not in data:
            raise ScenarioError(f"scenario file: '{key}' missing")
    for block in ("values", "settings"):
        for name, value in (data.get(block) or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScenarioError(f"scenario file: {block}: {name}: expected a number, got "
                                    f"{given_text(value)}")
    model = load_model()
    saved_version = data.get("model_version")
    if saved_version != model.version:
        _warn_version(data, model)
    return Scenario(
        profile=data["profile"],
        values=data["values"],
        name=str(data.get("name", "custom")),
        description=str(data.get("description", "")),
    )


#: The fields of a scenario file and their JSON types.
_FIELDS: dict[str, type] = {"format": str, "format_version": int, "model_version": str,
                            "name": str, "description": str, "profile": str, "values": dict,
                            "settings": dict}
_KIND_NAMES = {str: "text", int: "a whole number", dict: "an object"}
#: Most nesting a scenario file may have (it needs 2).
MAX_DEPTH = 8
#: Most digits of a number in a scenario file.
MAX_DIGITS = 40


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ScenarioError(f"scenario file: the key {given_text(key)} is given twice")
        out[key] = value
    return out


def _parse_number(text: str) -> float | int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ScenarioError(f"scenario file: the number {given_text(text)} has more than "
                            f"{MAX_DIGITS} digits")
    value = float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"scenario file: the number {text[:24]} is not finite")
    return value


def _refuse_constant(name: str) -> None:
    raise ScenarioError(f"scenario file: {name} is not a number JSON allows (finite numbers only)")


def _depth(text: str) -> int:
    """Return the deepest nesting of brackets outside strings (without recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _parse_json(text: str | bytes) -> Any:
    """Parse JSON with bounds: depth, digits, finite numbers, no duplicate keys."""
    try:
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"scenario file is not valid JSON (not UTF-8 text: {exc})") from None
    if _depth(decoded) > MAX_DEPTH:
        raise ScenarioError(f"not a valid scenario file (JSON nested too deeply: more than "
                            f"{MAX_DEPTH} levels)")
    try:
        return json.loads(decoded, object_pairs_hook=_no_duplicates, parse_int=_parse_number,
                          parse_float=_parse_number, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"scenario file is not valid JSON: {exc}") from None


def _warn_version(data: dict[str, Any], model: Model) -> None:
    saved = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    lines = []
    missing = sorted(set(saved) - set(model.settable))
    added = sorted(set(model.settable) - set(saved)) if saved else []
    if missing:
        lines.append("no longer in the model: " + ", ".join(missing))
    if added:
        lines.append("new in the model (taking their defaults): " + ", ".join(added))
    try:
        current = Scenario(profile=data["profile"], values={
            k: v for k, v in data["values"].items() if k in model.settable
        }).settings(model=model)
        changed = [
            f"{k}: {saved[k]!r} -> {current[k]!r}"
            for k in sorted(set(saved) & set(current))
            if saved[k] != current[k]
        ]
        if changed:
            lines.append("values that now differ: " + "; ".join(changed))
    except ScenarioError:
        pass
    detail = "; ".join(lines) if lines else "no setting differs"
    warnings.warn(
        f"scenario written for model version {data.get('model_version')!r}, this is "
        f"{model.version!r}: {detail}",
        ScenarioVersionWarning,
        stacklevel=3,
    )


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write a scenario to a JSON file.

    Parameters
    ----------
    scenario : Scenario
        The scenario to save.
    path : path-like
        Destination file.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    return atomic_write(path, scenario.to_json() + "\n")


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario from a JSON file written by :func:`save_scenario`.

    Raises
    ------
    ScenarioError
        If the file is missing, too large, malformed or holds invalid values.
    """
    p = Path(path)
    if p.is_dir():
        raise ScenarioError(f"scenario file {str(p)!r} is a directory, not a JSON file")
    if not p.is_file():
        raise ScenarioError(f"scenario file {str(p)!r} not found")
    size = p.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"scenario file {str(p)!r} too large ({size} bytes; at most {MAX_SCENARIO_BYTES})"
        )
    return Scenario.from_json(p.read_bytes())
