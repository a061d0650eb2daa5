"""Scenario files as data: the bounded, strict JSON reader of scenario files and links.

:func:`read_scenario_json` returns the checked fields of a scenario file, refusing with
one line: oversized text, nesting deeper than :data:`MAX_DEPTH`, numbers of more than
:data:`MAX_DIGITS` digits or not finite, duplicate keys, unknown fields, another
``format_version``, a field of the wrong type and a value that is not a number.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..validation import given_text
from .values import ScenarioError

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_DEPTH", "MAX_DIGITS", "MAX_SCENARIO_BYTES",
           "read_scenario_json"]

#: The ``format`` field of a scenario file, and its version.
FORMAT = "slack-sim scenario"
FORMAT_VERSION = 1
#: Largest scenario file accepted, in bytes (a full scenario is about 10 kB).
MAX_SCENARIO_BYTES = 1_000_000


def read_scenario_json(text: str | bytes) -> dict[str, Any]:
    """Return the fields of a scenario file, checked (see the module's docstring).

    Raises
    ------
    ScenarioError
        One line naming what is wrong.
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
    for key in ("name", "description", "profile", "model_version", "profile_version"):
        text = data.get(key)
        if isinstance(text, str) and any(ch == "\0" or "\ud800" <= ch <= "\udfff"
                                         for ch in text):
            raise ScenarioError(f"scenario file: '{key}': not text (it holds a NUL or a lone "
                                f"surrogate): {given_text(text)}")
    for block in ("values", "settings"):
        for name, value in (data.get(block) or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScenarioError(f"scenario file: {block}: {name}: expected a number, got "
                                    f"{given_text(value)}")
    return data


#: The fields of a scenario file and their JSON types.
_FIELDS: dict[str, type] = {"format": str, "format_version": int, "model_version": str,
                            "profile_version": str, "name": str, "description": str,
                            "profile": str, "values": dict, "settings": dict}
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
