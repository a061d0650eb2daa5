"""The scenario: a profile plus lever and uncertainty settings, validated against the model.

A :class:`Scenario` names a calibration *profile* (``models/profiles/*.toml``) and the
values it sets on top of it. Every value is checked against the model's declared
range; the model file is the only source of names, units and ranges.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from collections.abc import Mapping
from typing import Any

from ..model import Model, load_model
from .jsonfile import FORMAT, FORMAT_VERSION, read_scenario_json
from .library import DEFAULT_PRESET, DEFAULT_PROFILE, preset_info, profile_info, profile_values
from .values import ScenarioError, ScenarioVersionWarning, check_value

__all__ = ["Scenario", "preset", "profile_version"]


def profile_version(name: str, *, model: Model | None = None) -> str:
    """Return the version of a profile's values: a hash of every value it sets.

    The values are those :func:`~slack_sim.scenarios.profile_values` gives: the
    profile's TOML ``values`` or its council's row of ``councils.csv``, plus the fitted
    values of its row of ``calibration.csv`` when that calibration is for this model. An
    edit to any of them (or a calibration going stale) gives another version; a change
    to a title, a description or a fit statistic does not.

    Parameters
    ----------
    name : str
        A profile name (see :func:`~slack_sim.scenarios.profiles`).
    model : Model, optional
        The parsed model (default: :func:`~slack_sim.load_model`).

    Returns
    -------
    str
        16 hex digits.

    Raises
    ------
    ScenarioError
        For an unknown profile.
    """
    values = profile_values(name, model=model)
    text = json.dumps(sorted(values.items()), allow_nan=False)  # repr: exact floats
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]



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
        checked = {k: check_value(model, k, v) for k, v in dict(self.values).items()}
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
        """Return the JSON-ready form: the model's and the profile's versions, the settings.

        The full settings are saved so that a later load can say what changed.
        """
        model = load_model()
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model_version": model.version,
            "profile_version": profile_version(self.profile, model=model),
            "name": self.name,
            "description": self.description,
            "profile": self.profile,
            "values": dict(self.values),
            "settings": self.settings(model=model),
        }

    @property
    def key(self) -> str:
        """Return the cache key of what this scenario computes: its profile and values.

        Canonical JSON (sorted keys), so two scenarios with the same profile and values
        (whatever their names or descriptions) share one key, and
        :meth:`from_key` rebuilds the scenario from it.
        """
        return json.dumps({"profile": self.profile, "values": dict(self.values)},
                          sort_keys=True)

    @classmethod
    def from_key(cls, key: str) -> Scenario:
        """Return the scenario a :attr:`key` describes (values checked again)."""
        data = json.loads(key)
        return cls(profile=data["profile"], values=data["values"])

    def to_json(self) -> str:
        """Return the scenario as JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Scenario:
        """Parse a scenario from JSON text (data only: no code is evaluated).

        Warns with :class:`ScenarioVersionWarning` when the file was written for another
        model version or another version of its profile's values (``profile_version``:
        see :func:`profile_version`), naming what changed: the versions and every
        setting whose value now differs from the one saved.

        Raises
        ------
        ScenarioError
            If the text is not a valid scenario file (see
            :func:`~slack_sim.scenarios.jsonfile.read_scenario_json`) or a value is invalid.
        """
        data = read_scenario_json(text)
        model = load_model()
        if data.get("model_version") == model.version:  # for this model: every name known
            unknown = sorted(set(data.get("settings") or {}) - set(model.settable))
            if unknown:
                raise ScenarioError(
                    f"scenario file: settings: unknown variable(s) "
                    f"{', '.join(map(repr, unknown[:5]))}{' ...' if len(unknown) > 5 else ''}"
                    " (the file says it is for this model version, whose settings these "
                    "are not)")
        scenario = cls(
            profile=data["profile"],
            values=data["values"],
            name=str(data.get("name", "custom")),
            description=str(data.get("description", "")),
        )
        message = _version_change(data, scenario, model)
        if message:
            warnings.warn(message, ScenarioVersionWarning, stacklevel=2)
        return scenario


def _version_change(data: dict[str, Any], scenario: Scenario, model: Model) -> str:
    """Return what changed since a scenario file was written ("" when nothing did).

    A file is stale when its ``model_version`` is not this model's, or its
    ``profile_version`` is not the profile's now, or (a file without a profile version)
    a saved setting differs from the value it has now.
    """
    saved = data.get("settings") or {}
    current = scenario.settings(model=model)
    heads = []
    if data.get("model_version") != model.version:
        heads.append(f"model version {data.get('model_version')!r}, this is "
                     f"{model.version!r}")
    saved_profile = data.get("profile_version")
    now_profile = profile_version(scenario.profile, model=model)
    changed = [f"{k}: {saved[k]!r} -> {current[k]!r}"
               for k in sorted(set(saved) & set(current)) if saved[k] != current[k]]
    if saved_profile is not None and saved_profile != now_profile:
        heads.append(f"profile {scenario.profile!r} version {saved_profile!r}, its values "
                     f"are now version {now_profile!r} (the profile was edited or "
                     "recalibrated since)")
    elif saved_profile is None and changed and not heads:
        heads.append(f"profile {scenario.profile!r} as it was then (the file has no profile "
                     f"version; the profile's values are now version {now_profile!r})")
    if not heads:
        return ""
    lines = []
    missing = sorted(set(saved) - set(model.settable))
    added = sorted(set(model.settable) - set(saved)) if saved else []
    if missing:
        lines.append("no longer in the model: " + _some(missing, ", "))
    if added:
        lines.append("new in the model (taking their defaults): " + _some(added, ", "))
    if changed:
        lines.append("values that now differ: " + _some(changed, "; "))
    detail = "; ".join(lines) if lines else "no setting differs"
    return f"scenario written for {' and '.join(heads)}: {detail}"


def _some(items: list[str], sep: str, most: int = 12) -> str:
    """Join at most ``most`` items, saying how many more there are."""
    shown = sep.join(items[:most])
    return shown + (f"{sep}and {len(items) - most} more" if len(items) > most else "")


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
