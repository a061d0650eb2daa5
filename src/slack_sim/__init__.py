"""slack-sim: how austerity and shocks play out in local public services.

A system-dynamics model (``models/slack.mdl``) of crisis demand, prevention, slack
capacity, staff fatigue, partnership strength and money, with scenarios, a CLI and
engines to run it. Stages follow PySD: *translate* (:mod:`slack_sim.model`),
*scenario* (:mod:`slack_sim.scenarios`), *run* (:mod:`slack_sim.simulate`).
"""

from .model import Loop, Model, Variable, load_model
from .scenarios import (
    DEFAULT_PRESET,
    DEFAULT_PROFILE,
    Scenario,
    ScenarioError,
    ScenarioVersionWarning,
    load_scenario,
    preset,
    presets,
    profiles,
    save_scenario,
)
from .simulate import ENGINES, simulate

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PROFILE",
    "ENGINES",
    "Loop",
    "Model",
    "Scenario",
    "ScenarioError",
    "ScenarioVersionWarning",
    "Variable",
    "load_model",
    "load_scenario",
    "preset",
    "presets",
    "profiles",
    "save_scenario",
    "simulate",
]
