"""Presets and profiles: the scenario library, read from ``models/`` (TOML).

Profiles (``models/profiles/*.toml``) hold a calibration's values; presets
(``models/presets.toml``) are named scenarios set on top of a profile.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from pathlib import Path
from typing import Any

from ..model import Model, load_model, models_dir
from .values import ScenarioError, check_value

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PROFILE",
    "preset_info",
    "presets",
    "profile_info",
    "profile_values",
    "profiles",
]

DEFAULT_PROFILE = "children-services-england"
DEFAULT_PRESET = "austerity-then-covid"


@functools.lru_cache(maxsize=64)
def _parse_toml(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    # keyed by the file's modification time and size: an edited file is read afresh
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _read_toml(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return copy.deepcopy(_parse_toml(path, stat.st_mtime_ns, stat.st_size))


def profiles() -> list[str]:
    """Return the names of the calibration profiles in ``models/profiles/``."""
    return sorted(p.stem for p in (models_dir() / "profiles").glob("*.toml"))


def profile_info(name: str) -> dict[str, Any]:
    """Return a profile's title, description and values.

    Parameters
    ----------
    name : str
        Profile name, e.g. ``"generic"``.

    Returns
    -------
    dict
        Keys ``name``, ``title``, ``description``, ``values``.

    Raises
    ------
    ScenarioError
        If there is no such profile.
    """
    path = models_dir() / "profiles" / f"{name}.toml"
    if not path.is_file():
        raise ScenarioError(f"unknown profile {name!r}; choose one of {', '.join(profiles())}")
    data = _read_toml(path)
    return {
        "name": name,
        "title": data.get("title", name),
        "description": data.get("description", ""),
        "values": dict(data.get("values", {})),
    }


def profile_values(name: str, *, model: Model | None = None) -> dict[str, float]:
    """Return the validated constant values a profile sets.

    Parameters
    ----------
    name : str
        Profile name.
    model : Model, optional
        The parsed model (default: :func:`~slack_sim.load_model`).

    Returns
    -------
    dict of str to float
        The values, each checked against the model's ranges.
    """
    model = model or load_model()
    info = profile_info(name)
    return {
        k: check_value(model, k, v, where=f"profile {name}") for k, v in info["values"].items()
    }


def _presets_table() -> dict[str, Any]:
    table = _read_toml(models_dir() / "presets.toml")
    return {k: v for k, v in table.items() if k != "experiments"}  # experiments: not presets


def experiment(name: str) -> dict[str, Any]:
    """Return a named experiment of ``models/presets.toml`` (its ``[experiments.NAME]`` table).

    Raises
    ------
    ScenarioError
        If there is no such experiment.
    """
    table = _read_toml(models_dir() / "presets.toml").get("experiments", {})
    if name not in table:
        raise ScenarioError(f"unknown experiment {name!r}; choose one of {', '.join(table)}")
    return dict(table[name])


def presets() -> list[str]:
    """Return the preset names, in the order of ``models/presets.toml``."""
    return list(_presets_table())


def preset_info(name: str) -> dict[str, Any]:
    """Return a preset's title, description and values.

    Raises
    ------
    ScenarioError
        If there is no such preset.
    """
    table = _presets_table()
    if name not in table:
        raise ScenarioError(f"unknown preset {name!r}; choose one of {', '.join(table)}")
    entry = table[name]
    return {
        "name": name,
        "title": entry.get("title", name),
        "description": entry.get("description", ""),
        "values": dict(entry.get("values", {})),
    }
