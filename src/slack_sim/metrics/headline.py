"""The headline outcomes: one computation for one run and for a batch of runs.

:func:`headline_outcomes` takes members x times arrays of the model outputs it needs
(:data:`HEADLINE_OUTPUTS`) and returns one value per member for each headline outcome
(:data:`~slack_sim.metrics.catalogue.HEADLINE_OUTCOMES`). A batch (an ensemble, a
sensitivity sample, a policy search) passes all its members at once; :func:`outcomes`,
every outcome of one simulation, passes that run as a batch of one member, so a single
run and a batch member cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import MONTHS_PER_YEAR, START_YEAR, month_label
from .finance import (
    CRISIS_STAFF_PARTS,
    SPENDING_CATEGORIES,
    cost_per_child_per_year,
    npv,
    npv_rows,
    period_years,
    runway_rows,
)
from .ledger import policy_finance, savings_ledger
from .resilience import (
    RECOVERY_TOLERANCE,
    main_shock,
    model_months,
    peak,
    peak_rows,
    person_months,
    person_months_rows,
    shock_response,
    shock_rows,
    shocks_in,
)

__all__ = ["HEADLINE_OUTPUTS", "headline_outcomes", "outcomes"]

#: Model outputs the headline outcomes need.
HEADLINE_OUTPUTS: tuple[str, ...] = (
    "Total spending",
    "Harm",
    "Crisis queue",
    "Waiting time",
    "Reserves",
)


def headline_outcomes(
    series: Mapping[str, np.ndarray],
    years: np.ndarray,
    *,
    settings: Mapping[str, Any],
    baseline_spending: np.ndarray | None = None,
    counterfactual_queue: np.ndarray | None = None,
    base_year: float = START_YEAR,
    tolerance: float = RECOVERY_TOLERANCE,
) -> dict[str, np.ndarray]:
    r"""Return the headline outcomes of every member, as arrays.

    Parameters
    ----------
    series : mapping of str to numpy.ndarray
        The :data:`HEADLINE_OUTPUTS`, each members x times (the last time the closing
        state, as the model output has it).
    years : numpy.ndarray
        The times, in decimal years.
    settings : mapping of str to array_like
        Per member: the shocks' starts and lengths (:func:`~.resilience.main_shock`).
    baseline_spending : numpy.ndarray, optional
        ``Total spending`` of the baseline run under the same draws (members x times):
        adds ``net_present_saving``.
    counterfactual_queue : numpy.ndarray, optional
        ``Crisis queue`` of each member without its main shock (that shock's length 0),
        members x times: recovery is judged against it (:func:`~.resilience.shock_rows`);
        without it, against the pre-shock level.
    base_year : float
        Base year of discounting (default 2010).
    tolerance : float
        Recovery band above the reference queue (default 5%).

    Returns
    -------
    dict of str to numpy.ndarray
        One value per member: ``npv_total_spending``, ``cumulative_harm``,
        ``peak_waiting_time`` (and ``peak_waiting_time_year``), ``recovery_months`` and
        ``did_not_recover`` (the main shock), ``reserves_runway_year`` (decimal year,
        ``nan`` if never), ``net_present_saving`` (with a baseline) and ``main_shock`` (its
        number, 0 for none).

    Notes
    -----
    Flows and person-months sum over every period, the closing row excluded:

    - ``npv_total_spending`` :math:`= \sum_t f(t)\,\Delta t\,D(t - b)`
      (:func:`~.finance.npv_rows`);
    - ``cumulative_harm`` :math:`= \sum_t h(t)\,\Delta t` in person-months, :math:`h`
      the model's ``Harm`` (:func:`~.resilience.person_months_rows`);
    - ``peak_waiting_time``: the largest waiting time (:func:`~.resilience.peak_rows`);
    - ``recovery_months`` and ``did_not_recover``: :func:`~.resilience.shock_rows` on the
      main shock (the first to start; the window ends at the next one);
    - ``reserves_runway_year``: first time reserves are negative
      (:func:`~.finance.runway_rows`);
    - ``net_present_saving`` = NPV(baseline) - NPV(scenario).
    """
    years = np.asarray(years, dtype=float)
    if len(years) < 2:
        raise ValueError("need at least two output times")
    step = period_years(years)
    periods = years[:-1]
    spend = np.atleast_2d(series["Total spending"])
    out: dict[str, np.ndarray] = {}
    out["npv_total_spending"] = npv_rows(spend[:, :-1], periods, base_year=base_year,
                                         step=step)
    out["cumulative_harm"] = person_months_rows(np.atleast_2d(series["Harm"])[:, :-1], step)
    out["peak_waiting_time"], out["peak_waiting_time_year"] = peak_rows(
        series["Waiting time"], years)
    number, start, length, window = main_shock(settings)
    shock = shock_rows(series["Crisis queue"], model_months(years), start=start,
                       length=length, window_end=window, tolerance=tolerance,
                       reference=counterfactual_queue)
    out["recovery_months"] = shock["recovery_months"]
    out["did_not_recover"] = (number > 0) & ~shock["recovered"]
    out["reserves_runway_year"] = runway_rows(series["Reserves"], years)
    if baseline_spending is not None:
        base = np.atleast_2d(baseline_spending)
        out["net_present_saving"] = npv_rows(base[:, :-1], periods, base_year=base_year,
                                             step=step) - out["npv_total_spending"]
    out["main_shock"] = number
    return out


def _calendar_year(year: float) -> int:
    return int(math.floor(year + 1e-6))


def _one(value: np.ndarray) -> float | None:
    x = float(np.asarray(value)[0])
    return None if math.isnan(x) else x


def outcomes(
    frame: pd.DataFrame,
    *,
    settings: Mapping[str, float],
    baseline: pd.DataFrame | None = None,
    counterfactuals: Mapping[int, pd.DataFrame] | None = None,
    base_year: float = START_YEAR,
) -> dict[str, Any]:
    """Return every outcome metric of a simulation (JSON-ready, snake_case keys).

    Parameters
    ----------
    frame : pandas.DataFrame
        Model output (:func:`slack_sim.simulate`): rows are months in decimal years, the
        last row the closing state.
    settings : mapping of str to float
        The scenario's settings (for the shocks' starts and lengths).
    baseline : pandas.DataFrame, optional
        Baseline output, same index: adds the policy-against-baseline finance and ledger.
    counterfactuals : mapping of int to pandas.DataFrame, optional
        For shock ``n``, the output of the same scenario with that shock's length set to 0:
        recovery and excess harm are then measured against it (otherwise against the
        pre-shock level, which a growing service never returns to; see
        :func:`~.resilience.shock_rows`).
    base_year : float
        Base year for discounting (default 2010).

    Returns
    -------
    dict
        Money in GBP for the profile's population (2010/11 prices; NPVs discounted to the
        start of ``base_year``), people in persons, harm in person-months, times in decimal
        years. Keys: ``npv_total_spending``, ``npv_<category>`` for each category and "of
        which", ``total_spending``, ``cost_per_child_per_year`` (per child of the model's
        ``Child population``), ``reserves_runway_year`` (the
        calendar year reserves first go below zero, ``None`` if never) and
        ``reserves_runway_month`` (``"YYYY-MM"``),
        ``lowest_reserves``, ``months_in_deficit``, ``cumulative_harm``,
        ``crisis_queue_person_months``, ``unmet_need_person_months``,
        ``peak_crisis_queue`` (and ``_year``), ``peak_waiting_time`` (and ``_year``),
        ``shocks`` (list of :func:`shock_response` dicts plus ``shock``); with a baseline
        also the :func:`policy_finance` keys (``break_even_year`` as a calendar year,
        ``break_even_month`` as ``"YYYY-MM"``) and ``ledger`` (list of rows).

    Notes
    -----
    The headline outcomes are :func:`headline_outcomes` on this run as a batch of one member.
    Flows and person-months sum over every row but the last: with Euler integration a
    stock at the end equals its start plus the sum of its monthly flows over those rows.
    """
    if baseline is not None and not baseline.index.equals(frame.index):
        raise ValueError("scenario and baseline outputs must share the same time index")
    years = np.asarray(frame.index, dtype=float)
    main = int(main_shock(settings)[0][0])
    main_cf = (counterfactuals or {}).get(main)
    for cf in (counterfactuals or {}).values():
        if not cf.index.equals(frame.index):
            raise ValueError("scenario and counterfactual outputs must share the same time index")
    head = headline_outcomes(
        {name: frame[name].to_numpy(dtype=float)[None, :] for name in HEADLINE_OUTPUTS},
        years, settings=settings, base_year=base_year,
        baseline_spending=(None if baseline is None
                           else baseline["Total spending"].to_numpy(dtype=float)[None, :]),
        counterfactual_queue=(None if main_cf is None
                              else main_cf["Crisis queue"].to_numpy(dtype=float)[None, :]),
    )
    flows = frame.iloc[:-1]
    step = period_years(years)
    out: dict[str, Any] = {"base_year": float(base_year)}
    out["npv_total_spending"] = float(head["npv_total_spending"][0])
    for key, var in {**SPENDING_CATEGORIES, **CRISIS_STAFF_PARTS}.items():
        out[f"npv_{key}"] = npv(flows[var], base_year=base_year)
    out["total_spending"] = float(flows["Total spending"].sum()) * step * MONTHS_PER_YEAR
    out["cost_per_child_per_year"] = cost_per_child_per_year(flows["Total spending"],
                                                             flows["Child population"])
    runway = _one(head["reserves_runway_year"])
    out["reserves_runway_year"] = None if runway is None else _calendar_year(runway)
    out["reserves_runway_month"] = None if runway is None else month_label(runway)
    out["lowest_reserves"] = float(frame["Reserves"].min())
    out["months_in_deficit"] = round(
        float((flows["Reserves"] < 0).sum()) * step * MONTHS_PER_YEAR, 6)
    out["crisis_queue_person_months"] = person_months(flows["Crisis queue"])
    out["unmet_need_person_months"] = person_months(flows["Unmet need"])
    out["cumulative_harm"] = float(head["cumulative_harm"][0])
    out["peak_crisis_queue"], out["peak_crisis_queue_year"] = peak(frame["Crisis queue"])
    out["peak_waiting_time"] = float(head["peak_waiting_time"][0])
    out["peak_waiting_time_year"] = float(head["peak_waiting_time_year"][0])
    shocks = shocks_in(settings)
    out["shocks"] = []
    for i, (n, start, length) in enumerate(shocks):
        cf = (counterfactuals or {}).get(n)
        resp = shock_response(
            frame["Crisis queue"],
            start=start,
            length=length,
            window_end=shocks[i + 1][1] if i + 1 < len(shocks) else None,
            harm=flows["Harm"],
            counterfactual_harm=cf["Harm"].iloc[:-1] if cf is not None else None,
            counterfactual_queue=cf["Crisis queue"] if cf is not None else None,
        )
        out["shocks"].append({"shock": n, **resp})
    if baseline is not None:
        bflows = baseline.iloc[:-1]
        fin = policy_finance(flows, baseline=bflows, base_year=base_year)
        year = fin.pop("break_even_year")
        out.update(fin)
        out["net_present_saving"] = float(head["net_present_saving"][0])
        out["break_even_year"] = None if year is None else _calendar_year(year)
        out["break_even_month"] = None if year is None else month_label(year)
        ledger = savings_ledger(flows, baseline=bflows, base_year=base_year)
        out["ledger"] = [
            {
                "category": str(label),
                # snake_case keys, as everywhere in the JSON (``money cut`` -> ``money_cut``)
                **{str(k).replace(" ", "_"): (str(v) if isinstance(v, str) else float(v))
                   for k, v in row.items()},
            }
            for label, row in ledger.iterrows()
        ]
    return out
