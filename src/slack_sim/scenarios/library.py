"""Presets and profiles: the scenario library, read from ``models/`` (TOML).

Profiles (``models/profiles/*.toml``) hold a calibration's values; presets
(``models/presets.toml``) are named scenarios set on top of a profile.
"""

from __future__ import annotations

import copy
import functools
import re
import tomllib
from pathlib import Path
from typing import Any

from ..model import Model, load_model, models_dir
from .councils import calibration_record, council, fitted_values, is_council
from .councils import councils as council_table
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
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,100}")


@functools.lru_cache(maxsize=64)
def _parse_toml(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    # keyed by the file's modification time and size: an edited file is read afresh
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _read_toml(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return copy.deepcopy(_parse_toml(path, stat.st_mtime_ns, stat.st_size))


#: Suffix of a profile name that asks for its values without the calibration.
UNCALIBRATED = "-uncalibrated"


def _toml_profiles() -> list[str]:
    return sorted(p.stem for p in (models_dir() / "profiles").glob("*.toml"))


def profiles(*, councils: bool = True) -> list[str]:
    """Return the profile names: the TOML profiles, then every council's slug.

    Parameters
    ----------
    councils : bool
        Include the councils (``models/profiles/councils.csv``).
    """
    names = _toml_profiles()
    if councils:
        names += [s for s in council_table()["slug"] if s not in names]
    return names


def _calibration(name: str, model: Model) -> tuple[dict[str, float], str]:
    """Return the fitted values to apply and the calibration's status in words."""
    record = calibration_record(name)
    if record is None:
        return {}, "not calibrated"
    if record.get("model_version") != model.version:
        return {}, (f"calibration stale: made for model {record.get('model_version')}, this is "
                    f"{model.version} (run tools/build_profiles.py)")
    status = "calibrated" if record.get("converged") else "calibrated (fit did not converge)"
    return fitted_values(name), status


def profile_info(name: str) -> dict[str, Any]:
    """Return a profile's title, description, values and calibration status.

    A profile is a TOML file of ``models/profiles/`` (``children-services-england``,
    ``generic``) or a council, by slug (``kent``) or code (``E10000016``); its values are
    its inputs plus its fitted values when it has been calibrated for this model
    version. ``<name>-uncalibrated`` gives the same profile without the fitted values.

    Parameters
    ----------
    name : str
        Profile name, e.g. ``"generic"``.

    Returns
    -------
    dict
        Keys ``name``, ``title``, ``description``, ``values``, ``kind`` (``"profile"`` or
        ``"council"``), ``calibration`` (status in words), ``area`` (the observed area:
        a council code or ``"england"``, or ``None``).

    Raises
    ------
    ScenarioError
        If there is no such profile (a name is never taken as a path).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ScenarioError(f"unknown profile {name!r}: a profile is a name such as "
                            "'generic', 'kent' or a council code such as 'E10000016', never "
                            "a path")
    base = name.removesuffix(UNCALIBRATED)
    model = load_model()
    if base in _toml_profiles():
        data = _read_toml(models_dir() / "profiles" / f"{base}.toml")
        info = {"name": name, "title": data.get("title", base),
                "description": data.get("description", ""),
                "values": dict(data.get("values", {})), "kind": "profile",
                "area": data.get("area")}
        key = base
    elif is_council(base):
        row = council(base)
        info = {"name": name, "title": f"{row['name']} ({row['code']})",
                "description": (f"{row['name']}, {row['region']}: {row['la_type']}, built from "
                                "the published series (models/data)."
                                + (f" Missing: {row['missing']}." if row["missing"] else "")),
                "values": row["values"], "kind": "council", "area": row["code"]}
        key = row["slug"]
    else:
        import difflib

        close = difflib.get_close_matches(base, profiles(), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ScenarioError(f"unknown profile {name!r}{hint} (see 'slack-sim profiles')")
    if name.endswith(UNCALIBRATED):
        info["calibration"] = "uncalibrated (asked for)"
    else:
        fitted, info["calibration"] = _calibration(key, model)
        info["values"].update(fitted)
    return info


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
