"""Scenario files: JSON that carries the model's version, read as data only.

:func:`save_scenario` and :func:`load_scenario` round-trip a :class:`Scenario` exactly;
a file written for another model version loads with a :class:`ScenarioVersionWarning`
listing what differs.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

from ..model import Model, load_model
from .scenario import FORMAT, Scenario
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
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"scenario file is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ScenarioError(f"not a slack-sim scenario file (expected format {FORMAT!r})")
    for key, kind in (("profile", str), ("values", dict)):
        if not isinstance(data.get(key), kind):
            raise ScenarioError(f"scenario file: '{key}' missing or not a {kind.__name__}")
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
    p = Path(path)
    p.write_text(scenario.to_json() + "\n", encoding="utf-8")
    return p


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
