"""Share a scenario: URL query parameters and uploaded JSON, parsed as data only.

A link holds the preset, the profile, the baseline preset, the model version and every
setting that differs from the preset, one parameter per variable by its Vensim name::

    ?preset=invest-to-save&profile=children-services-england&baseline=baseline
    &model=a7eb5d7582f739a0&Slack+target=0.25

Nothing is evaluated: values are parsed with :func:`float` and checked against the
model's ranges; uploads are parsed with :mod:`json` by
:meth:`slack_sim.Scenario.from_json`. Anything wrong raises :class:`ShareError` with a
reason a user can act on. A link or file written for another model version is *stale*:
it decodes, but :attr:`Shared.stale` explains why it may no longer mean the same. A link
without a model version (typed by hand, e.g. ``?preset=second-shock``) is read as current.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from typing import Any

from ..analysis.run_memo import current_profile_version
from ..model.parse import Model, load_model
from ..scenarios import (
    DEFAULT_PRESET,
    MAX_SCENARIO_BYTES,
    Scenario,
    ScenarioError,
    ScenarioVersionWarning,
    preset,
    presets,
    profile_version,
    profiles,
)

__all__ = [
    "DEFAULT_BASELINE",
    "MAX_PARAMS",
    "MAX_PARAM_CHARS",
    "RESERVED",
    "ShareError",
    "Shared",
    "decode_query",
    "encode_query",
    "format_value",
    "parse_upload",
    "scenario_for",
]

#: Baseline preset the headline deltas are measured against by default.
DEFAULT_BASELINE = "baseline"
#: Query parameters that are not model variables (``view`` is the app's page, read by the
#: app itself so that a reload stays on the page; it is not part of the scenario).
RESERVED = ("preset", "profile", "baseline", "model", "pv", "view", "page", "step",
            "session", "present", "compact")
#: Most query parameters a link may carry (the model has fewer settable constants).
MAX_PARAMS = 200
#: Longest parameter name or value accepted, in characters.
MAX_PARAM_CHARS = 200


class ShareError(ValueError):
    """A shared link or file is malformed, oversized or holds invalid values."""


@dataclasses.dataclass(frozen=True)
class Shared:
    """A decoded link or file.

    Attributes
    ----------
    scenario : Scenario
        The scenario it describes.
    preset : str
        The preset it starts from (the one the reset button returns to).
    baseline : str
        The baseline preset for the headline deltas.
    stale : str or None
        Why it may not mean the same in this model version (``None`` if current).
    """

    scenario: Scenario
    preset: str
    baseline: str
    stale: str | None = None


def format_value(value: float) -> str:
    """Return a float as the shortest text that parses back to exactly the same float."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def scenario_for(
    preset_name: str,
    profile: str,
    values: Mapping[str, float],
    *,
    model: Model,
    preset_settings: Mapping[str, float] | None = None,
) -> Scenario:
    """Return a preset on a profile with some settings changed, named for display.

    Parameters
    ----------
    preset_name : str
        The preset.
    profile : str
        The calibration profile.
    values : mapping of str to float
        Settings; only those that differ from the preset's are kept.
    model : Model
        The parsed model.
    preset_settings : mapping of str to float, optional
        The preset's settings on the profile, if already known (saves reading them).

    Returns
    -------
    Scenario
        Named after the preset, with ``" (modified)"`` when a setting differs.
    """
    base = preset(preset_name, profile=profile)
    current = preset_settings or base.settings(model=model)
    diff = {k: float(v) for k, v in values.items() if current.get(k) != float(v)}
    if not diff:
        return base
    return base.with_values(diff, name=f"{preset_name} (modified)")


def encode_query(
    scenario: Scenario,
    *,
    preset_name: str,
    baseline: str,
    model: Model,
    preset_settings: Mapping[str, float] | None = None,
) -> dict[str, str]:
    """Return the query parameters of a scenario.

    Parameters
    ----------
    scenario : Scenario
        The current scenario.
    preset_name : str
        The preset it starts from.
    baseline : str
        The baseline preset.
    model : Model
        The parsed model (for its version and defaults).
    preset_settings : mapping of str to float, optional
        The preset's settings on the scenario's profile, if already known.

    Returns
    -------
    dict of str to str
        ``preset``, ``profile``, ``baseline``, ``model`` and one entry per setting that
        differs from the preset on the scenario's profile.
    """
    base = preset_settings or preset(preset_name, profile=scenario.profile).settings(model=model)
    settings = scenario.settings(model=model)
    out = {
        "preset": preset_name,
        "profile": scenario.profile,
        "baseline": baseline,
        "model": model.version,
        "pv": (current_profile_version(scenario.profile) if model.version == load_model().version
               else profile_version(scenario.profile, model=model)),
    }
    for name in model.settable:
        if settings[name] != base[name]:
            out[name] = format_value(settings[name])
    return out


def _single(params: Mapping[str, Any], key: str) -> str:
    value = params[key]
    if isinstance(value, (list, tuple)):
        raise ShareError(f"the link gives {key!r} more than once")
    return str(value)


def decode_query(params: Mapping[str, Any], *, model: Model) -> Shared | None:
    """Decode query parameters into a scenario.

    Parameters
    ----------
    params : mapping of str to str
        The query parameters (``st.query_params``); a repeated key arrives as a list.
    model : Model
        The parsed model.

    Returns
    -------
    Shared or None
        ``None`` when there are no parameters (the default scenario).

    Raises
    ------
    ShareError
        For too many or too long parameters, an unknown preset, profile or variable,
        a value that is not a finite number or is outside the variable's range.
    """
    if not params:
        return None
    if len(params) > MAX_PARAMS:
        raise ShareError(f"the link has {len(params)} parameters; at most {MAX_PARAMS} are read")
    texts: dict[str, str] = {}
    for key in params:
        value = _single(params, key)
        if len(str(key)) > MAX_PARAM_CHARS or len(value) > MAX_PARAM_CHARS:
            raise ShareError(
                f"a link parameter is longer than {MAX_PARAM_CHARS} characters "
                f"({str(key)[:40]!r}...)"
            )
        texts[str(key)] = value
    preset_name = texts.get("preset", DEFAULT_PRESET)
    if preset_name not in presets():
        raise ShareError(f"unknown preset {preset_name!r}; choose one of {', '.join(presets())}")
    baseline = texts.get("baseline", DEFAULT_BASELINE)
    if baseline not in presets():
        raise ShareError(f"unknown baseline {baseline!r}; choose one of {', '.join(presets())}")
    profile = texts.get("profile", preset(preset_name).profile)
    if profile not in profiles():
        raise ShareError(f"unknown profile {profile!r}; choose one of {', '.join(profiles())}")
    values: dict[str, float] = {}
    for key, text in texts.items():
        if key in RESERVED:
            continue
        try:
            number = float(text)
        except ValueError:
            raise ShareError(f"{key}: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise ShareError(f"{key}: {text!r} is not a finite number")
        values[key] = number
    try:
        scenario = scenario_for(preset_name, profile, values, model=model)
    except ScenarioError as exc:
        raise ShareError(str(exc)) from None
    version = texts.get("model")
    stale = None
    if version is not None and version != model.version:
        stale = (
            f"This link was made with model version {version!r}; this app runs model version "
            f"{model.version!r}. The model has changed since, so the same settings may "
            "give different results."
        )
    linked, now = texts.get("pv"), profile_version(profile, model=model)
    if linked is not None and linked != now:
        stale = ((stale + " ") if stale else "") + (
            f"The profile {profile!r} has changed since the link was made (its values were "
            f"version {linked!r}, now {now!r}), so the same settings may give different "
            "results.")
    return Shared(scenario=scenario, preset=preset_name, baseline=baseline, stale=stale)


def parse_upload(data: bytes, *, model: Model, baseline: str = DEFAULT_BASELINE) -> Shared:
    """Parse an uploaded scenario JSON file (data only: json, never eval or pickle).

    Parameters
    ----------
    data : bytes
        The file's contents.
    model : Model
        The parsed model.
    baseline : str
        The baseline to keep (files do not carry one).

    Returns
    -------
    Shared
        With ``stale`` set when the file was written for another model version (the
        message lists what differs).

    Raises
    ------
    ShareError
        If the file is larger than ``MAX_SCENARIO_BYTES``, not JSON, not a slack-sim
        scenario, or holds unknown names or out-of-range values.
    """
    if len(data) > MAX_SCENARIO_BYTES:
        raise ShareError(
            f"the file is {len(data):,} bytes; scenario files are at most "
            f"{MAX_SCENARIO_BYTES:,} bytes"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioVersionWarning)
        try:
            scenario = Scenario.from_json(data)
        except ScenarioError as exc:
            raise ShareError(str(exc)) from None
        except RecursionError:
            raise ShareError("not a valid scenario file (JSON nested too deeply)") from None
        except (ValueError, TypeError) as exc:
            raise ShareError(f"not a valid scenario file ({type(exc).__name__})") from None
    stale = None
    for w in caught:
        if issubclass(w.category, ScenarioVersionWarning):
            stale = f"This file was {str(w.message)}".replace(
                "was scenario written", "was written"
            )
        else:  # pragma: no cover - from_json warns only about versions
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    name = scenario.name if scenario.name in presets() else DEFAULT_PRESET
    settings = scenario.settings(model=model)
    shared = scenario_for(name, scenario.profile, settings, model=model)
    if shared.name != scenario.name and scenario.name not in presets():
        shared = dataclasses.replace(shared, name=scenario.name)
    return Shared(scenario=shared, preset=name, baseline=baseline, stale=stale)
