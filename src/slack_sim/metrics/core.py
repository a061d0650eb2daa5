"""Deprecated location of the outcome measures: import from :mod:`slack_sim.metrics`.

``slack_sim.metrics.core`` was the one module of the outcomes stage; it is now split into
:mod:`~slack_sim.metrics.finance`, :mod:`~slack_sim.metrics.resilience`,
:mod:`~slack_sim.metrics.headline` and :mod:`~slack_sim.metrics.catalogue`. Every name it
had is still importable from here.
"""

from typing import Any

from ..model.calendar import START_YEAR as ORIGIN_YEAR
from . import (
    CATALOGUE,
    COMPARE_ROWS,
    CRISIS_STAFF_PARTS,
    GREEN_BOOK_LONG_RATE,
    GREEN_BOOK_RATE,
    GREEN_BOOK_SWITCH_YEAR,
    HEADLINE_OUTCOMES,
    HEADLINE_OUTPUTS,
    LEDGER_LABELS,
    RECOVERY_TOLERANCE,
    RESIDENTS,
    RISK_ROWS,
    SPENDING_CATEGORIES,
    benefit_cost_ratio,
    break_even_year,
    cost_per_resident_per_year,
    cumulative_discounted,
    cumulative_harm,
    discount_factor,
    discounted,
    headline_outcomes,
    ledger_rows,
    main_shock,
    npv,
    outcomes,
    peak,
    person_months,
    policy_finance,
    reserves_runway,
    savings_ledger,
    shock_response,
    shocks_in,
)

__all__ = [
    "CATALOGUE",
    "COMPARE_ROWS",
    "CRISIS_STAFF_PARTS",
    "GREEN_BOOK_LONG_RATE",
    "GREEN_BOOK_RATE",
    "GREEN_BOOK_SWITCH_YEAR",
    "HEADLINE_OUTCOMES",
    "HEADLINE_OUTPUTS",
    "LEDGER_LABELS",
    "ORIGIN_YEAR",
    "RECOVERY_TOLERANCE",
    "RESIDENTS",
    "RISK_ROWS",
    "SPENDING_CATEGORIES",
    "benefit_cost_ratio",
    "break_even_year",
    "cost_per_resident_per_year",
    "cumulative_discounted",
    "cumulative_harm",
    "discount_factor",
    "discounted",
    "headline_outcomes",
    "ledger_rows",
    "main_shock",
    "npv",
    "outcomes",
    "peak",
    "person_months",
    "policy_finance",
    "reserves_runway",
    "savings_ledger",
    "shock_response",
    "shocks_in",
]


def __getattr__(name: str) -> Any:
    if name == "LEDGER_ROWS":  # label -> model variable, read from the model on first use
        return ledger_rows()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
