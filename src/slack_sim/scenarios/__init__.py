"""Stage 2, *scenarios*: a profile, levers and uncertainties, validated; presets; JSON files."""

from .files import MAX_SCENARIO_BYTES, load_scenario, save_scenario, scenario_from_json
from .library import (
    DEFAULT_PRESET,
    DEFAULT_PROFILE,
    preset,
    preset_info,
    presets,
    profile_info,
    profile_values,
    profiles,
)
from .scenario import Scenario
from .values import ScenarioError, ScenarioVersionWarning, check_value, constraint

_check_value = check_value  # TODO(restructure merge): old private name, remove after merging

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PROFILE",
    "MAX_SCENARIO_BYTES",
    "Scenario",
    "ScenarioError",
    "ScenarioVersionWarning",
    "check_value",
    "constraint",
    "load_scenario",
    "preset",
    "preset_info",
    "presets",
    "profile_info",
    "profile_values",
    "profiles",
    "save_scenario",
    "scenario_from_json",
]
