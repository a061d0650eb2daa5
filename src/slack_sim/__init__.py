"""slack-sim: how austerity and shocks play out in local public services.

A system-dynamics model (``models/slack.mdl``) of crisis demand, prevention, slack
capacity, staff fatigue, partnership strength and money, with scenarios, a CLI and
engines to run it. Stages follow PySD: *translate* (:mod:`slack_sim.model`),
*scenario* (:mod:`slack_sim.scenarios`), *run* (:mod:`slack_sim.simulate`), then
*outcomes* (:mod:`slack_sim.metrics`, :mod:`slack_sim.compare`, :mod:`slack_sim.export`).
"""

from .analysis.ensemble import Ensemble, ensemble, uncertainty_ranges
from .analysis.optimise import OptimisationResult, optimise, pareto_front
from .analysis.sensitivity import sensitivity
from .analysis.tipping import TippingMap, tipping_map
from .engine import simulate_many, simulate_outcomes
from .engine.run import ENGINES, simulate
from .metrics.core import (
    benefit_cost_ratio,
    break_even_year,
    cumulative_harm,
    discount_factor,
    npv,
    outcomes,
    reserves_runway,
    savings_ledger,
    shock_response,
)
from .model.parse import Loop, Model, Variable, load_model
from .report.compare import Comparison, compare, comparison, summarize
from .report.export import export, write_csv, write_excel
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

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PROFILE",
    "ENGINES",
    "Comparison",
    "Ensemble",
    "Loop",
    "Model",
    "OptimisationResult",
    "Scenario",
    "ScenarioError",
    "ScenarioVersionWarning",
    "TippingMap",
    "Variable",
    "benefit_cost_ratio",
    "break_even_year",
    "compare",
    "comparison",
    "cumulative_harm",
    "discount_factor",
    "ensemble",
    "export",
    "load_model",
    "load_scenario",
    "npv",
    "optimise",
    "outcomes",
    "pareto_front",
    "preset",
    "presets",
    "profiles",
    "reserves_runway",
    "save_scenario",
    "savings_ledger",
    "sensitivity",
    "shock_response",
    "simulate",
    "simulate_many",
    "simulate_outcomes",
    "summarize",
    "tipping_map",
    "uncertainty_ranges",
    "write_csv",
    "write_excel",
]
