"""Scenarios: a profile plus lever and uncertainty settings, validated against the model.

A :class:`Scenario` names a calibration *profile* (``models/profiles/*.toml``) and the
values it sets on top of it. Every value is checked against the model's declared
range; the model file is the only source of names, units and ranges. Presets are
data, in ``models/presets.toml``. Scenarios save to and load from JSON that carries
the model's version hash.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import json
import math
import numbers
import os
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..model.parse import Model, load_model, models_dir

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PROFILE",
    "Scenario",
    "ScenarioError",
    "ScenarioVersionWarning",
    "load_scenario",
    "preset",
    "preset_info",
    "presets",
    "profile_values",
    "profiles",
    "save_scenario",
]

DEFAULT_PROFILE = "children-services-england"
DEFAULT_PRESET = "austerity-then-covid"
_FORMAT = "slack-sim scenario"
_FORMAT_VERSION = 1
#: Largest scenario file accepted, in bytes (a full scenario is about 10 kB).
MAX_SCENARIO_BYTES = 1_000_000


class ScenarioError(ValueError):
    """A scenario setting is unknown, out of range or malformed."""


class ScenarioVersionWarning(UserWarning):
    """A scenario file was written for a different version of the model."""


def _check_value(model: Model, name: str, value: Any, *, where: str = "") -> float:
    """Return ``value`` as a float after checking name, type and range.

    Raises
    ------
    ScenarioError
        Naming the variable, the value given, the allowed range and the units.
    """
    prefix = f"{where}: " if where else ""
    if name not in model.variables or model.variables[name].role not in (
        "lever",
        "uncertainty",
        "profile",
        "switch",
    ):
        close = difflib.get_close_matches(str(name), model.settable, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(
            f"{prefix}unknown variable {name!r}: not a lever, uncertainty, profile input or "
            f"loop switch of the model{hint} (see 'slack-sim doc')"
        )
    var = model.variables[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        given = value
        try:
            value = float(value) if isinstance(value, str) else None
        except ValueError:
            value = None
        if value is None:
            raise ScenarioError(
                f"{prefix}{name}: expected a number in {var.range_text}, got {given!r}"
            )
    value = float(value)
    if not math.isfinite(value):
        raise ScenarioError(f"{prefix}{name}: {value} is not a finite number; allowed range "
                            f"{var.range_text}")
    lo, hi = var.minimum, var.maximum
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ScenarioError(
            f"{prefix}{name}: {value:g} is outside the allowed range {var.range_text}"
        )
    return value


# -- profiles and presets ------------------------------------------------------------------


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
        k: _check_value(model, k, v, where=f"profile {name}") for k, v in info["values"].items()
    }


def _presets_table() -> dict[str, Any]:
    return _read_toml(models_dir() / "presets.toml")


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


def preset(name: str = DEFAULT_PRESET, *, profile: str = DEFAULT_PROFILE) -> Scenario:
    """Return a preset scenario on a profile.

    Parameters
    ----------
    name : str
        One of :func:`presets`.
    profile : str
        One of :func:`profiles`.

    Returns
    -------
    Scenario
    """
    info = preset_info(name)
    return Scenario(
        profile=profile, values=info["values"], name=name, description=info["description"]
    )


# -- the scenario ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A profile plus lever and uncertainty settings.

    Parameters
    ----------
    profile : str
        Calibration profile the settings apply to.
    values : mapping of str to float
        Values of levers, uncertainties, profile inputs or loop switches that differ
        from the profile, by Vensim name. Each is checked against the model's range.
    name : str
        Short label (a preset name, or ``"custom"``).
    description : str
        What the scenario represents.

    Raises
    ------
    ScenarioError
        If a name is unknown or a value out of range (the message names the
        variable, the value, the allowed range and the units).
    """

    profile: str = DEFAULT_PROFILE
    values: Mapping[str, float] = dataclasses.field(default_factory=dict)
    name: str = "custom"
    description: str = ""

    def __post_init__(self) -> None:
        model = load_model()
        profile_info(self.profile)  # raises for an unknown profile
        checked = {k: _check_value(model, k, v) for k, v in dict(self.values).items()}
        object.__setattr__(self, "values", dict(sorted(checked.items())))

    def with_values(self, values: Mapping[str, float] | None = None, **kwargs: Any) -> Scenario:
        """Return a new scenario with some values changed.

        Parameters
        ----------
        values : mapping of str to float, optional
            New values by Vensim name.
        **kwargs
            ``name`` or ``description`` for the new scenario.

        Returns
        -------
        Scenario
            A copy; this scenario is unchanged.
        """
        merged = {**self.values, **dict(values or {})}
        unknown = set(kwargs) - {"name", "description"}
        if unknown:
            raise TypeError(f"with_values() got unexpected keyword(s) {sorted(unknown)}")
        return Scenario(
            profile=self.profile,
            values=merged,
            name=kwargs.get("name", "custom" if values else self.name),
            description=kwargs.get("description", self.description),
        )

    def settings(self, *, model: Model | None = None) -> dict[str, float]:
        """Return every settable constant's value: model default, then profile, then scenario.

        Returns
        -------
        dict of str to float
            One entry per lever, uncertainty, profile input and loop switch.
        """
        model = model or load_model()
        out = model.defaults()
        out.update(profile_values(self.profile, model=model))
        out.update(self.values)
        return out

    def parameters(self, *, model: Model | None = None) -> dict[str, float]:
        """Return only the values that differ from the model file's defaults.

        These are what an engine must set to run the scenario.
        """
        model = model or load_model()
        defaults = model.defaults()
        return {k: v for k, v in self.settings(model=model).items() if defaults.get(k) != v}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, with the model version and full settings."""
        model = load_model()
        return {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "model_version": model.version,
            "name": self.name,
            "description": self.description,
            "profile": self.profile,
            "values": dict(self.values),
            "settings": self.settings(model=model),
        }

    def to_json(self) -> str:
        """Return the scenario as JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Scenario:
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
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ScenarioError(f"not a slack-sim scenario file (expected format {_FORMAT!r})")
        for key, kind in (("profile", str), ("values", dict)):
            if not isinstance(data.get(key), kind):
                raise ScenarioError(f"scenario file: '{key}' missing or not a {kind.__name__}")
        model = load_model()
        saved_version = data.get("model_version")
        if saved_version != model.version:
            _warn_version(data, model)
        return cls(
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
