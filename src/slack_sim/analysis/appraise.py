"""Appraise a policy the way a finance team asks: from a date, against current policy.

:func:`appraise_scenario` runs a scenario and its counterfactual under the same futures
and appraises the difference (:func:`slack_sim.metrics.appraisal.appraise`): by
financial year, at a chosen price base, discounted to the window's start. The
counterfactual defaults to **current policy**: the same profile and the same assumptions
(every uncertainty the scenario sets), with every lever at its current-policy value (the
model's default). The futures are the profile's history-consistent ones when it has been
history-matched (``models/profiles/futures/``), else a Latin hypercube over the
plausible ranges of the uncertainties; member 0 is always the scenario's own settings.

A batch that has already run the scenario over those futures (the app's ensemble, whose
500 futures the appraisal's are a seeded subset of) can leave its runs of
:data:`APPRAISAL_OUTPUTS` in :data:`POLICY_RUNS`; the appraisal then takes its members
from there and runs only member 0 (one lane), with the same numbers bit for bit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd

from ..engine import simulate_many
from ..metrics.appraisal import Appraisal, appraise
from ..metrics.finance import SPENDING_CATEGORIES
from ..model import START_YEAR, load_model
from ..model.calendar import MONTHS_PER_YEAR, month_text
from ..scenarios import Scenario
from ..validation import Interval, validate
from .ensemble import HISTORY_SOURCE, draw_futures
from .run_memo import MemberRuns, RunMemo

__all__ = ["APPRAISAL_OUTPUTS", "POLICY_RUNS", "POLICY_START", "AppraisalRun",
           "appraise_scenario", "current_policy", "next_april"]

_LABELS = {
    "crisis_staff_spending": "Social work staff",
    "care_placement_spending": "Care placements",
    "prevention_spending": "Prevention",
    "partnership_spending": "Partnership",
    "community_spending": "Community fund",
}
_RULES = {"futures": Interval("integer", 0, 5_000)}
#: counterfactual runs (a lever moved in the app leaves current policy, so its runs, unchanged)
_COUNTERFACTUALS = RunMemo(8)
#: The lever that says when the other levers take effect (``Policy start time`` in
#: ``slack.mdl``): the appraisal panel and the workbook state it with every appraisal.
POLICY_START = "Policy start time"
#: The outputs an appraisal runs (its spending categories, harm and reserves).
APPRAISAL_OUTPUTS: tuple[str, ...] = (*SPENDING_CATEGORIES.values(), "Harm", "Reserves")
#: Runs of a scenario's futures made by another batch (the app's ensemble puts its own
#: here), from which an appraisal takes its members instead of running them
POLICY_RUNS = MemberRuns(3)


def next_april(today: dt.date | None = None) -> float:
    """Return the next 1 April (after ``today``) as a decimal year on the monthly grid."""
    today = today or dt.date.today()
    year = today.year + (1 if today.month >= 4 else 0)
    return year + 3 / MONTHS_PER_YEAR


def current_policy(scenario: Scenario) -> Scenario:
    """Return the counterfactual: the same profile and assumptions, levers at current policy."""
    model = load_model()
    values = {k: v for k, v in scenario.values.items() if model[k].role != "lever"}
    return Scenario(profile=scenario.profile, values=values, name="current policy",
                    description="the same profile and assumptions, levers at current policy")


@dataclasses.dataclass(frozen=True)
class AppraisalRun:
    """An appraisal and how it was made.

    ``futures`` counts the futures drawn, over which the central estimates are taken;
    member 0 of the appraisal, the scenario's own settings ("this run"), is not one of them.
    """

    appraisal: Appraisal
    scenario: Scenario
    counterfactual: Scenario
    futures: int
    futures_source: str

    def probability_text(self) -> str:
        """Return e.g. ``"net saving in 83% of 500 futures consistent with 2010-2020"``."""
        share = self.appraisal.probability_of_saving()
        if self.futures == 0:
            return f"no futures drawn: this run only, a net {'saving' if share else 'cost'}"
        return f"net saving in {share:.0%} of {self.futures:,} {self.futures_source}"


def _futures(scenario: Scenario, n: int, seed: int) -> tuple[pd.DataFrame, str]:
    if n == 0:
        return pd.DataFrame(), "futures (the scenario's own settings only)"
    draws, _, source = draw_futures(scenario, n=n, seed=seed)
    return draws, (source if source == HISTORY_SOURCE
                   else "plausible futures (not history-matched)")


def appraise_scenario(
    scenario: Scenario,
    *,
    against: Scenario | None = None,
    start: float | None = None,
    years: float = 10.0,
    prices: str = "2025-26",
    rate: float = 0.035,
    long_rate: float = 0.030,
    futures: int = 500,
    seed: int = 0,
) -> AppraisalRun:
    """Appraise a scenario against a counterfactual over the same futures.

    Parameters
    ----------
    scenario : Scenario
        The policy.
    against : Scenario, optional
        The counterfactual (default :func:`current_policy` of the scenario).
    start : float, optional
        First month of the window, decimal year (default :func:`next_april`).
    years : float
        Length of the window (default 10).
    prices : str
        ``"cash"`` or a financial year (default 2025-26).
    rate, long_rate : float
        Green Book discount rates.
    futures : int
        Futures besides the scenario's own settings (0 to 5,000).
    seed : int
        Seed of the sample when the profile has no history-consistent futures.

    Returns
    -------
    AppraisalRun
    """
    validate({"futures": futures}, _RULES)
    start = next_april() if start is None else float(start)
    counterfactual = against if against is not None else current_policy(scenario)
    samples, source = _futures(scenario, futures, seed)
    outputs = list(APPRAISAL_OUTPUTS)

    def run(sc: Scenario, draws: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        base = sc.settings()  # member 0: the scenario's own settings
        first = pd.DataFrame([{c: base[c] for c in draws.columns}], index=[0])
        table = pd.concat([first, draws], ignore_index=True)
        for name, value in sc.values.items():
            if name not in draws.columns:
                table[name] = value
        taken = POLICY_RUNS.take(sc, draws, outputs) if len(draws) else None
        if taken is not None:  # the futures were run already: run member 0 only
            own = simulate_many(table.iloc[:1], outputs, profile=sc.profile)
            if np.array_equal(own["year"].to_numpy(), taken[1]):
                return ({k: np.concatenate([own[k].to_numpy(), taken[0][k]]) for k in outputs},
                        own["year"].to_numpy())
        ds = simulate_many(table, outputs, profile=sc.profile)
        return {k: ds[k].to_numpy() for k in outputs}, ds["year"].to_numpy()

    pol, grid = run(scenario, samples)
    # what the counterfactual sets itself keeps its value in every future, as the
    # ensemble's baseline does (a no-austerity, no-shock counterfactual stays so when the
    # futures draw the austerity and the shock); it takes the future's other uncertainties
    own = samples.drop(columns=[c for c in samples.columns if c in counterfactual.values])
    cf, _ = _COUNTERFACTUALS.get(counterfactual, own, what=json.dumps(outputs),
                                 compute=lambda: run(counterfactual, own))
    result = appraise(pol, cf, years_index=grid,
                      categories={_LABELS[k]: v for k, v in SPENDING_CATEGORIES.items()},
                      prevention="Prevention", harm="Harm", reserves="Reserves",
                      start=start, years=years, prices=prices, rate=rate, long_rate=long_rate)
    result.notes["counterfactual"] = counterfactual.description or counterfactual.name
    result.notes["futures"] = (f"member 0 the scenario's own settings, then {len(samples):,} "
                               f"{source}")
    result.notes["model origin"] = month_text(START_YEAR)
    return AppraisalRun(appraisal=result, scenario=scenario, counterfactual=counterfactual,
                        futures=len(samples), futures_source=source)
