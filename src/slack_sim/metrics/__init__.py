"""Stage 4, *outcomes*: finance (Green Book NPV, break-even, ledger), resilience (harm, shocks).

``finance``, ``ledger`` (a policy against a baseline) and ``resilience`` hold the
measures, array-first (members x time; one run is one member); ``headline`` the one
computation of the headline outcomes, used by a single run (:func:`outcomes`) and by
batches alike; ``catalogue`` the one table of outcome labels and units. The folder is
named ``metrics`` because ``slack_sim.outcomes`` is a public function.
"""

from typing import Any

from .catalogue import CATALOGUE, COMPARE_ROWS, HEADLINE_OUTCOMES, LEDGER_LABELS, RISK_ROWS
from .finance import (
    CRISIS_STAFF_PARTS,
    GREEN_BOOK_LONG_RATE,
    GREEN_BOOK_RATE,
    GREEN_BOOK_SWITCH_YEAR,
    PER_CHILDREN,
    SPENDING_CATEGORIES,
    break_even_year,
    cost_per_child_per_year,
    cumulative_discounted,
    discount_factor,
    discounted,
    npv,
    per_100k_children,
    reserves_runway,
)
from .headline import HEADLINE_OUTPUTS, headline_outcomes, outcomes
from .ledger import benefit_cost_ratio, ledger_rows, policy_finance, savings_ledger
from .resilience import (
    RECOVERY_TOLERANCE,
    cumulative_harm,
    main_shock,
    peak,
    person_months,
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
    "RECOVERY_TOLERANCE",
    "PER_CHILDREN",
    "RISK_ROWS",
    "SPENDING_CATEGORIES",
    "benefit_cost_ratio",
    "break_even_year",
    "cost_per_child_per_year",
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
    "per_100k_children",
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
