"""Scenario files: JSON that carries the model's version, read as data only.

:func:`save_scenario` and :func:`load_scenario` round-trip a :class:`Scenario` exactly;
a file written for another model version loads with a :class:`ScenarioVersionWarning`
listing what differs.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..fileio import atomic_write
from .jsonfile import MAX_SCENARIO_BYTES
from .scenario import Scenario
from .userfile import read_user_file

__all__ = ["load_scenario", "save_scenario", "scenario_from_json"]

#: Parse a scenario from JSON text: :meth:`Scenario.from_json`.
scenario_from_json = Scenario.from_json


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
    raw = read_user_file(path, kind="scenario file", expected="a JSON file",
                         limit=MAX_SCENARIO_BYTES)
    return Scenario.from_json(raw)
