"""The one table of outcome labels and units, and the tables built from it.

Every outcome has one entry in :data:`CATALOGUE`: its key (the snake_case key of
:func:`slack_sim.outcomes` and of the batch outcomes), a label and units for reports
(the comparison table, the Excel export, the command line) and, for the outcomes the app's
Risk page shows, a plain label and the kind of number. The tables the rest of the package
uses are selections of it:

- :data:`COMPARE_ROWS` (key -> (label, units)): the rows of :func:`slack_sim.compare`;
- :data:`SHOCK_ROWS`: the per-shock rows of the comparison (``shock_<n>_<field>``);
- :data:`HEADLINE_OUTCOMES` (key -> (label, units)): the columns of the batch outcomes
  (:func:`slack_sim.ensemble`, sensitivity, the policy search);
- :data:`RISK_ROWS` (key -> (plain label, kind)): the outcome table of the Risk page;
- :data:`LEDGER_LABELS` (model variable -> label): the rows of the savings ledger, whose
  parts the model declares (the ``Ledger:`` tag of ``Total spending`` in ``slack.mdl``).
"""

from __future__ import annotations

import dataclasses

__all__ = [
    "ABSENT",
    "CATALOGUE",
    "COMPARE_ROWS",
    "GBP",
    "HEADLINE_OUTCOMES",
    "LEDGER_LABELS",
    "PV",
    "RISK_ROWS",
    "SHOCK_ROWS",
    "VS_BASELINE",
    "Outcome",
]

#: Units of undiscounted money: pounds for the profile's whole population (a council, or
#: England), 2010/11 prices. Per 100,000 children is a display choice
#: (:func:`slack_sim.metrics.finance.per_100k_children`), not the model's unit.
GBP = "GBP, 2010/11 prices"
#: Units of discounted money.
PV = "GBP, present value, 2010/11 prices"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One outcome: how reports and the app name it.

    Attributes
    ----------
    label : str
        Label in reports (``"  of which ..."`` for a part of the row above).
    units : str
        Units in reports (``"year"`` a calendar year, ``"decimal year"``, ``"YYYY-MM"``, ...).
    plain : str
        Plain label on the app's Risk page (empty: not shown there).
    kind : str
        Kind of number on the Risk page: ``"money"``, ``"count"``, ``"months"``, ``"year"``.
    batch_units : str
        Units of the batch (members x time) value where they differ from ``units``: a
        single run reports the calendar year reserves run out, a batch the decimal year.
    """

    label: str
    units: str
    plain: str = ""
    kind: str = ""
    batch_units: str = ""


def _npv(label: str) -> Outcome:
    return Outcome(label, PV)


#: Every outcome, in the order of the comparison table (batch-only outcomes last).
CATALOGUE: dict[str, Outcome] = {
    "npv_total_spending": Outcome("NPV of total spending", PV,
                                  plain="NPV of spending over the run", kind="money"),
    "npv_crisis_staff_spending": _npv("NPV of crisis staff spending"),
    "npv_agency_premium_spending": _npv("  of which agency premium"),
    "npv_failure_demand_cost": _npv("  of which failure demand"),
    "npv_care_placement_spending": _npv("NPV of care placement spending"),
    "npv_prevention_spending": _npv("NPV of prevention spending"),
    "npv_partnership_spending": _npv("NPV of partnership spending"),
    "npv_community_spending": _npv("NPV of community spending"),
    "total_spending": Outcome("Total spending over the horizon, undiscounted", GBP),
    "cost_per_child_per_year": Outcome(
        "Cost per child per year (average, undiscounted; children: Child population)",
        "GBP per child per year"),
    "net_present_saving": Outcome("Net present saving against the baseline", PV,
                                  plain="Net saving against the baseline (NPV)", kind="money"),
    "discounted_money_cut": Outcome("Money cut from categories spending less", PV),
    "discounted_cost_grown": Outcome("Costs grown in categories spending more", PV),
    "benefit_cost_ratio": Outcome("Benefit-cost ratio (money cut / costs grown)", "ratio"),
    "break_even_year": Outcome("Break-even year (cumulative discounted saving stays positive)",
                               "year"),
    "break_even_month": Outcome("Break-even month", "YYYY-MM"),
    "reserves_runway_year": Outcome("Reserves first in deficit", "year",
                                    plain="Reserves first run out (year; futures where they do)",
                                    kind="year", batch_units="decimal year"),
    "reserves_runway_month": Outcome("Reserves first in deficit (month)", "YYYY-MM"),
    "lowest_reserves": Outcome("Lowest reserves (negative = deficit)", GBP),
    "months_in_deficit": Outcome("Months with reserves in deficit", "months"),
    "cumulative_harm": Outcome("Cumulative harm (crisis queue + unmet need)", "person-months",
                               plain="Harm (person-months waiting or with unmet need)",
                               kind="count"),
    "crisis_queue_person_months": Outcome("  of which waiting in the crisis queue",
                                          "person-months"),
    "unmet_need_person_months": Outcome("  of which unmet need", "person-months"),
    "peak_crisis_queue": Outcome("Peak crisis queue", "people"),
    "peak_crisis_queue_year": Outcome("Peak crisis queue, when", "decimal year"),
    "peak_waiting_time": Outcome("Peak waiting time", "months", plain="Peak wait (months)",
                                 kind="months"),
    "peak_waiting_time_year": Outcome("Peak waiting time, when", "decimal year"),
    # batch outcomes of the main shock (a single run reports every shock: SHOCK_ROWS)
    "recovery_months": Outcome(
        "Recovery after the main shock (months after its end)", "months",
        plain="Recovery after the shock ends (months; recovered futures only)", kind="months"),
    "did_not_recover": Outcome("Did not recover from the main shock", "flag"),
}

#: Outcomes that exist only for a batch (not rows of the comparison table).
_BATCH_ONLY = ("recovery_months", "did_not_recover")
#: Comparison rows that compare a scenario with the baseline (none for the baseline itself).
VS_BASELINE: tuple[str, ...] = (
    "net_present_saving",
    "discounted_money_cut",
    "discounted_cost_grown",
    "benefit_cost_ratio",
    "break_even_year",
    "break_even_month",
)

#: Rows of the comparison table: key -> (label, units). Shock rows are added per shock.
COMPARE_ROWS: dict[str, tuple[str, str]] = {
    k: (o.label, o.units) for k, o in CATALOGUE.items() if k not in _BATCH_ONLY
}

#: Per-shock rows of the comparison table: field of a shock response -> (label, units).
SHOCK_ROWS: dict[str, tuple[str, str]] = {
    "depth": ("depth (peak rise of the crisis queue)", "people"),
    "depth_share": ("depth, share of the pre-shock queue", "%"),
    "recovery_months": ("recovery (months after its end, to within 5%)", "months"),
    "excess_harm": ("excess harm against no such shock", "person-months"),
}

#: Columns of the batch outcomes: key -> (label, units).
HEADLINE_OUTCOMES: dict[str, tuple[str, str]] = {
    k: (CATALOGUE[k].label, CATALOGUE[k].batch_units or CATALOGUE[k].units)
    for k in ("npv_total_spending", "cumulative_harm", "peak_waiting_time", "recovery_months",
              "did_not_recover", "reserves_runway_year", "net_present_saving")
}

#: Rows of the Risk page's outcome table: key -> (plain label, kind of number).
RISK_ROWS: dict[str, tuple[str, str]] = {
    k: (CATALOGUE[k].plain, CATALOGUE[k].kind)
    for k in ("npv_total_spending", "net_present_saving", "cumulative_harm",
              "peak_waiting_time", "recovery_months", "reserves_runway_year")
}

#: Text shown where a value is absent (``None`` in the outcome dicts).
ABSENT: dict[str, str] = {
    "break_even_year": "not within the horizon",
    "break_even_month": "not within the horizon",
    "reserves_runway_year": "never",
    "reserves_runway_month": "never",
    "benefit_cost_ratio": "no extra cost",
    "recovery_months": "did not recover",
}

#: Label of each part of the savings ledger, by model variable (the parts, and their order,
#: are the model's: the ``Ledger:`` tag of ``Total spending``).
LEDGER_LABELS: dict[str, str] = {
    "Prevention spending": "Prevention",
    "Partnership spending": "Partnership",
    "Community spending": "Community fund",
    "Core crisis staff spending":
        "Crisis response staff (excluding agency premium and failure demand)",
    "Failure demand cost": "Failure demand (re-work by crisis staff)",
    "Agency premium spending": "Agency premium",
    "Care placement spending": "Care placements",
}
