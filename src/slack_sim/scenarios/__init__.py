"""Stage 2, *scenarios*: a profile, levers and uncertainties, validated; presets; JSON files."""

from .files import load_scenario, save_scenario, scenario_from_json
from .jsonfile import MAX_SCENARIO_BYTES
from .library import (
    DEFAULT_PRESET,
    DEFAULT_PROFILE,
    experiment,
    preset_info,
    presets,
    profile_info,
    profile_values,
    profiles,
)
from .scenario import Scenario, preset, profile_version
from .values import ScenarioError, ScenarioVersionWarning, check_value, constraint

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PROFILE",
    "MAX_SCENARIO_BYTES",
    "Scenario",
    "ScenarioError",
    "ScenarioVersionWarning",
    "check_value",
    "constraint",
    "experiment",
    "load_scenario",
    "preset",
    "preset_info",
    "presets",
    "profile_info",
    "profile_values",
    "profile_version",
    "profiles",
    "save_scenario",
    "scenario_from_json",
]
