"""Stage 2, *scenarios*: a profile, levers and uncertainties, validated; presets; JSON files."""

from .scenario import (
    DEFAULT_PRESET,
    DEFAULT_PROFILE,
    MAX_SCENARIO_BYTES,
    Scenario,
    ScenarioError,
    ScenarioVersionWarning,
    load_scenario,
    preset,
    preset_info,
    presets,
    profile_info,
    profile_values,
    profiles,
    save_scenario,
)

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PROFILE",
    "MAX_SCENARIO_BYTES",
    "Scenario",
    "ScenarioError",
    "ScenarioVersionWarning",
    "load_scenario",
    "preset",
    "preset_info",
    "presets",
    "profile_info",
    "profile_values",
    "profiles",
    "save_scenario",
]
