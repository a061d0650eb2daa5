"""Outcomes: finance (NPV, break-even, benefit-cost ratio, reserves) and resilience (harm, shocks).

Every function here is pure: it takes plain :class:`pandas.Series` or
:class:`pandas.DataFrame` objects indexed by time in decimal years (2010.0, 2010.0833, ...,
as returned by :func:`slack_sim.simulate`) and returns numbers, dicts or tables. Nothing here
runs the model, so an uncertainty module or another engine can reuse the functions on any
output (see :mod:`slack_sim.compare` for the layer that runs scenarios).

Conventions
-----------
Money
    Model money is GBP per 100,000 residents in 2010/11 prices (real terms), so every result
    here is too. Spending variables are *flows* in GBP per month.
Periods
    Each row stands for the period from its time to the next row's time (the index
    spacing, one month for model output). A flow's value in a row is its rate during that
    period (Euler integration evaluates rates at the start of each step), so the amount
    spent in the period is ``value * period length``. A stock's value in a row is its level
    at the start of the period, so person-months are ``level * period length``. The last row
    of a simulation is the closing state at the end of the horizon (January 2041) and
    carries no period: :func:`outcomes` drops it before summing flows.
Discounting (HM Treasury Green Book)
    The discount rate is 3.5% a year for years 0 to 30 after the base year and 3.0% after
    that. A period starting ``t`` years after the start of the base year is discounted by
    ``D(t) = 1.035**-t`` for ``t <= 30`` and ``D(t) = 1.035**-30 * 1.03**-(t - 30)`` after:
    the rate steps at year 30, the factor is continuous. For monthly rows this is a monthly
    factor of ``1.035**(-1/12)`` for the first 360 months and ``1.03**(-1/12)`` after. For
    annual rows it is exactly the Green Book's annual table (year 0 undiscounted). Periods
    before the base year have ``t < 0`` and are compounded forward at 3.5%.

References
----------
HM Treasury (2022). *The Green Book: Central Government Guidance on Appraisal and
Evaluation*, section A6 (discounting) and table 8 (3.5% for years 0-30, 3.0% for 31-75).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "GREEN_BOOK_LONG_RATE",
    "GREEN_BOOK_RATE",
    "GREEN_BOOK_SWITCH_YEAR",
    "LEDGER_ROWS",
    "RECOVERY_TOLERANCE",
    "RESIDENTS",
    "SPENDING_CATEGORIES",
    "benefit_cost_ratio",
    "break_even_year",
    "cost_per_resident_per_year",
    "cumulative_discounted",
    "cumulative_harm",
    "discount_factor",
    "discounted",
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

#: Green Book discount rate for years 0 to 30 (real, a year).
GREEN_BOOK_RATE = 0.035
#: Green Book discount rate from year 30 to 75 (real, a year).
GREEN_BOOK_LONG_RATE = 0.030
#: Years after the base year at which the rate steps down.
GREEN_BOOK_SWITCH_YEAR = 30.0
#: Residents the model's money and people are expressed per.
RESIDENTS = 100_000
#: Recovery band: back to at most this fraction above the pre-shock level.
RECOVERY_TOLERANCE = 0.05
#: Calendar year of model time 0 (January 2010).
ORIGIN_YEAR = 2010.0

#: The spending categories that add up to ``Total spending``: key -> model variable.
SPENDING_CATEGORIES: dict[str, str] = {
    "crisis_staff_spending": "Crisis staff spending",
    "care_placement_spending": "Care placement spending",
    "prevention_spending": "Prevention spending",
    "partnership_spending": "Partnership spending",
    "community_spending": "Community spending",
}
#: "Of which" parts of crisis staff spending reported separately.
CRISIS_STAFF_PARTS: dict[str, str] = {
    "agency_premium_spending": "Agency premium spending",
    "failure_demand_cost": "Failure demand cost",
}

#: Rows of the savings ledger: label -> how it is computed from model variables.
#: Crisis staff spending is split into failure demand, agency premium and the rest so that
#: the rows add up exactly to Total spending.
LEDGER_ROWS: dict[str, str] = {
    "Prevention": "Prevention spending",
    "Partnership": "Partnership spending",
    "Community fund": "Community spending",
    "Crisis response staff (excluding agency premium and failure demand)":
        "Crisis staff spending - Agency premium spending - Failure demand cost",
    "Failure demand (re-work by crisis staff)": "Failure demand cost",
    "Agency premium": "Agency premium spending",
    "Care placements": "Care placement spending",
}

_TIME_TOL = 1e-6  # years; model times are multiples of 1/12 stored as floats


# -- time and discounting --------------------------------------------------------------------


def _times(series: pd.Series | pd.DataFrame) -> np.ndarray:
    return np.asarray(series.index, dtype=float)


def _step_years(series: pd.Series | pd.DataFrame, step: float | None) -> float:
    """Return the period length in years: ``step`` if given, else the index spacing."""
    if step is not None:
        if not step > 0:
            raise ValueError(f"step must be positive, got {step!r}")
        return float(step)
    t = _times(series)
    if len(t) < 2:
        raise ValueError("cannot infer the period length from fewer than two rows; give step")
    d = np.diff(t)
    spacing = float(np.median(d))
    if not spacing > 0 or np.abs(d - spacing).max() > 1e-6 * max(spacing, 1.0):
        raise ValueError("the index must be increasing and evenly spaced (decimal years)")
    return spacing


def _per_factor(per: Literal["month", "year"]) -> float:
    if per == "month":
        return 12.0
    if per == "year":
        return 1.0
    raise ValueError(f"per must be 'month' or 'year', got {per!r}")


def discount_factor(
    years: float | np.ndarray | Sequence[float],
    *,
    rate: float = GREEN_BOOK_RATE,
    long_rate: float = GREEN_BOOK_LONG_RATE,
    switch_year: float = GREEN_BOOK_SWITCH_YEAR,
) -> np.ndarray:
    """Return the Green Book discount factor ``years`` after the start of the base year.

    Parameters
    ----------
    years : float or array_like
        Time after the start of the base year, in years (may be fractional or negative).
    rate : float
        Annual rate up to ``switch_year`` (default 3.5%).
    long_rate : float
        Annual rate after ``switch_year`` (default 3.0%).
    switch_year : float
        Year at which the rate steps (default 30).

    Returns
    -------
    numpy.ndarray
        ``D(t) = (1 + rate)**-t`` for ``t <= switch_year``, otherwise
        ``(1 + rate)**-switch_year * (1 + long_rate)**-(t - switch_year)``.

    Notes
    -----
    Known answers: ``D(1) = 1/1.035 = 0.966184``; ``D(30) = 1.035**-30 = 0.356278``;
    ``D(31) = D(30)/1.03 = 0.345901``. The factor is continuous at the switch; the rate
    steps.

    References
    ----------
    HM Treasury, *The Green Book* (2022), A6.8-A6.11 and table 8.
    """
    t = np.asarray(years, dtype=float)
    early = np.power(1.0 + rate, -np.minimum(t, switch_year))
    late = np.power(1.0 + long_rate, -np.maximum(t - switch_year, 0.0))
    return early * late


def discounted(
    flow: pd.Series,
    *,
    base_year: float = ORIGIN_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> pd.Series:
    """Return the present value of the amount in each period of a flow.

    Parameters
    ----------
    flow : pandas.Series
        A rate (e.g. GBP per month) indexed by the start of each period in decimal years.
    base_year : float
        Calendar year whose start is time 0 for discounting (default 2010).
    per : {"month", "year"}
        Time unit of the rate: model spending is per month.
    step : float, optional
        Period length in years (default: the index spacing).

    Returns
    -------
    pandas.Series
        ``flow(t) * step * (12 if per == "month" else 1) * D(t - base_year)``, same index.
    """
    dt = _step_years(flow, step) * _per_factor(per)
    df = discount_factor(_times(flow) - float(base_year))
    return pd.Series(flow.to_numpy(dtype=float) * dt * df, index=flow.index, name=flow.name)


def npv(
    flow: pd.Series,
    *,
    base_year: float = ORIGIN_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> float:
    r"""Return the net present value of a flow on the Green Book schedule.

    Parameters
    ----------
    flow : pandas.Series
        A rate indexed by the start of each period in decimal years. Every row is one
        period (drop a simulation's closing row first; :func:`outcomes` does).
    base_year : float
        Calendar year discounted to (default 2010: present value at January 2010).
    per : {"month", "year"}
        Time unit of the rate (model spending is GBP per month).
    step : float, optional
        Period length in years (default: the index spacing; needed for a single row).

    Returns
    -------
    float
        :math:`\sum_t f(t)\,\Delta t\,D(t - b)`, with :math:`D` the
        :func:`discount_factor` and :math:`b` the base year.

    Notes
    -----
    Known answer: a constant 1m a year for 10 years, given as annual rows 2010..2019,
    has NPV :math:`\sum_{t=0}^{9} 1.035^{-t} = 8.6077` m (year 0 undiscounted). Given as
    monthly rows of 1m/12 a month, each month is discounted from its start, so the NPV is
    :math:`\tfrac{1}{12}\sum_{m=0}^{119} 1.035^{-m/12} = 8.4734` m.

    References
    ----------
    HM Treasury, *The Green Book* (2022), A6 (discounting).
    """
    return float(discounted(flow, base_year=base_year, per=per, step=step).sum())


def cumulative_discounted(
    flow: pd.Series,
    *,
    base_year: float = ORIGIN_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> pd.Series:
    """Return the cumulative present value at the *end* of each period.

    Parameters
    ----------
    flow : pandas.Series
        A rate indexed by the start of each period in decimal years.
    base_year, per, step
        As for :func:`npv`.

    Returns
    -------
    pandas.Series
        Same index as ``flow``; the value in the row for period ``k`` is the discounted
        sum over periods ``0..k``.
    """
    return discounted(flow, base_year=base_year, per=per, step=step).cumsum()


def break_even_year(
    saving: pd.Series,
    *,
    base_year: float = ORIGIN_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> float | None:
    r"""Return the first period from which the cumulative discounted saving stays positive.

    Parameters
    ----------
    saving : pandas.Series
        Baseline spending minus policy spending (a rate, positive = the policy spends
        less), indexed by the start of each period in decimal years.
    base_year, per, step
        As for :func:`npv`.

    Returns
    -------
    float or None
        The start (decimal year) of the period in which the cumulative discounted saving
        :math:`C_k = \sum_{j \le k} s_j\,\Delta t\,D(t_j - b)` turns positive for good,
        i.e. ``t[k + 1]`` for the last ``k`` with :math:`C_k \le 0`; ``t[0]`` if it is
        positive from the first period; ``None`` ("not within the horizon") if it is not
        positive at the end. Zero within rounding (``1e-9`` of the discounted flows) is
        not positive.

    Notes
    -----
    Known answer: annual savings of -10, 5, 5, 5, 5 from 2010 at 0% discounting give
    cumulative -10, -5, 0, 5, 10, so break-even is 2013 (the year in which the
    cumulative saving turns positive and stays so). At 3.5% it is also 2013
    (cumulative -10, -5.17, -0.50, 4.01).

    References
    ----------
    HM Treasury, *The Green Book* (2022), A6 (discounting); payback as in
    MHCLG, *Flexible use of capital receipts* (invest-to-save projects).
    """
    d = discounted(saving, base_year=base_year, per=per, step=step).to_numpy()
    if len(d) == 0:
        return None
    cum = np.cumsum(d)
    tol = 1e-9 * float(np.abs(d).sum())
    nonpositive = np.flatnonzero(cum <= tol)
    t = _times(saving)
    if len(nonpositive) == 0:
        return float(t[0])
    last = int(nonpositive[-1])
    if last == len(cum) - 1:
        return None
    return float(t[last + 1])


def benefit_cost_ratio(
    savings: pd.DataFrame | pd.Series,
    *,
    base_year: float = ORIGIN_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> float | None:
    r"""Return discounted gross savings over discounted extra costs, by spending category.

    Parameters
    ----------
    savings : pandas.DataFrame or pandas.Series
        Baseline spending minus policy spending (rates, positive = the policy spends less),
        one column per spending category (a Series is one category), indexed by the start
        of each period in decimal years.
    base_year, per, step
        As for :func:`npv`.

    Returns
    -------
    float or None
        :math:`B / C` where, with :math:`S_c` the present value of category :math:`c`'s
        saving, :math:`B = \sum_c \max(S_c, 0)` (money cut from categories where the policy
        spends less: the benefit) and :math:`C = \sum_c \max(-S_c, 0)` (costs grown in
        categories where it spends more: the investment or the displaced cost). ``inf``
        when nothing grew but something was cut, ``None`` when nothing changed.
        :math:`B - C` is the net present saving, so the ratio exceeds 1 exactly when the
        policy saves money overall; it reads as "GBP saved per GBP of extra spending", like
        the published 2.28 per 1 (Troubled Families) or 2.05 per 1 (Sure Start).

    Notes
    -----
    Savings net within each category over time and not across categories, so the ratio
    depends on the categories: :func:`policy_finance` uses the rows of the savings ledger
    (:data:`LEDGER_ROWS`). Known answer (0% discounting): 10 more on prevention in year 0
    and 5 less on crisis staff in each of years 1-3 gives B = 15, C = 10, ratio 1.5; at
    3.5% B = 5 (1/1.035 + 1/1.035^2 + 1/1.035^3) = 14.0082 and the ratio is 1.40082.

    References
    ----------
    HM Treasury, *The Green Book* (2022), 5.7 and A6 (benefit-cost ratio, discounting).
    """
    frame = savings.to_frame() if isinstance(savings, pd.Series) else savings
    pv = np.array(
        [npv(frame[c], base_year=base_year, per=per, step=step) for c in frame.columns]
    )
    benefit = float(np.clip(pv, 0.0, None).sum())
    cost = float(-np.clip(pv, None, 0.0).sum())
    if cost == 0.0:
        return math.inf if benefit > 0 else None
    return benefit / cost


def policy_finance(
    scenario: pd.DataFrame,
    *,
    baseline: pd.DataFrame,
    base_year: float = ORIGIN_YEAR,
    step: float | None = None,
) -> dict[str, float | None]:
    """Return the finance of a policy against a baseline.

    Parameters
    ----------
    scenario : pandas.DataFrame
        Model output of the policy (spending columns in GBP per month), every row one
        period (drop a simulation's closing row first).
    baseline : pandas.DataFrame
        The same for the baseline, same index.
    base_year : float
        Base year for discounting (default 2010).
    step : float, optional
        Period length in years (default: the index spacing).

    Returns
    -------
    dict
        ``net_present_saving`` (NPV of baseline minus NPV of policy total spending),
        ``discounted_money_cut`` (B) and ``discounted_cost_grown`` (C) over the ledger's
        categories, ``benefit_cost_ratio`` (B/C, see :func:`benefit_cost_ratio`) and
        ``break_even_year`` (decimal year, see :func:`break_even_year`).
    """
    if not scenario.index.equals(baseline.index):
        raise ValueError("scenario and baseline must share the same time index")
    kw: dict[str, Any] = {"base_year": base_year, "step": step}
    saving = baseline["Total spending"].astype(float) - scenario["Total spending"].astype(float)
    by_category = _ledger_parts(baseline) - _ledger_parts(scenario)
    pv = np.array([npv(by_category[c], **kw) for c in by_category.columns])
    return {
        "net_present_saving": npv(saving, **kw),
        "discounted_money_cut": float(np.clip(pv, 0.0, None).sum()),
        "discounted_cost_grown": float(-np.clip(pv, None, 0.0).sum()),
        "benefit_cost_ratio": benefit_cost_ratio(by_category, **kw),
        "break_even_year": break_even_year(saving, **kw),
    }


def cost_per_resident_per_year(
    spending: pd.Series,
    *,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
    residents: float = RESIDENTS,
) -> float:
    r"""Return average spending per resident per year (undiscounted, real terms).

    Parameters
    ----------
    spending : pandas.Series
        A spending rate for ``residents`` people (model: GBP per month per 100,000).
    per, step
        As for :func:`npv`.
    residents : float
        Residents the spending is for (default 100,000).

    Returns
    -------
    float
        :math:`\sum_t f(t)\,\Delta t \,/\, (\text{years} \times \text{residents})`.
        Known answer: a constant 1.5m GBP a month per 100,000 is 180 GBP per resident a
        year.
    """
    dt_years = _step_years(spending, step)
    total = float(spending.to_numpy(dtype=float).sum()) * dt_years * _per_factor(per)
    return total / (dt_years * len(spending)) / float(residents)


def reserves_runway(reserves: pd.Series) -> float | None:
    """Return the first time reserves go below zero.

    Parameters
    ----------
    reserves : pandas.Series
        Reserves balance (GBP; negative is a deficit), indexed in decimal years.

    Returns
    -------
    float or None
        Decimal year of the first row with a negative balance, ``None`` if it never is.
    """
    below = np.flatnonzero(reserves.to_numpy(dtype=float) < 0.0)
    return float(_times(reserves)[below[0]]) if len(below) else None


# -- the savings ledger ----------------------------------------------------------------------


def _ledger_parts(frame: pd.DataFrame) -> pd.DataFrame:
    missing = {
        "Total spending",
        *SPENDING_CATEGORIES.values(),
        *CRISIS_STAFF_PARTS.values(),
    } - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks spending columns: {', '.join(sorted(missing))}")
    staff_rest = (
        frame["Crisis staff spending"]
        - frame["Agency premium spending"]
        - frame["Failure demand cost"]
    )
    cols = {}
    for label, expr in LEDGER_ROWS.items():
        cols[label] = staff_rest if " - " in expr else frame[expr]
    return pd.DataFrame(cols, index=frame.index).astype(float)


def savings_ledger(
    scenario: pd.DataFrame,
    *,
    baseline: pd.DataFrame,
    discount: bool = True,
    base_year: float = ORIGIN_YEAR,
    step: float | None = None,
) -> pd.DataFrame:
    """Return "where did the savings go": each spending category, scenario against baseline.

    Parameters
    ----------
    scenario : pandas.DataFrame
        Model output (monthly spending columns in GBP per month) of the scenario, every
        row one period (drop a simulation's closing row first).
    baseline : pandas.DataFrame
        The same for the baseline, same index.
    discount : bool
        Present values on the Green Book schedule (default) or undiscounted sums.
    base_year : float
        Base year for discounting (default 2010).
    step : float, optional
        Period length in years (default: the index spacing).

    Returns
    -------
    pandas.DataFrame
        One row per category of :data:`LEDGER_ROWS` then a ``Total spending`` row;
        columns ``model variable``, ``baseline``, ``scenario``, ``change`` (scenario minus
        baseline), ``money cut`` (``max(-change, 0)``), ``cost grown`` (``max(change, 0)``)
        and ``side`` (``"cut"``, ``"grew"`` or ``"unchanged"``). All money in GBP per
        100,000 residents.

    Notes
    -----
    ``Total spending = Crisis staff + Care placements + Prevention + Partnership +
    Community`` in the model. ``Failure demand cost`` (failure demand at the 2010 staff cost
    of a case) and ``Agency premium spending`` are parts of crisis staff spending, so crisis
    staff is split into those two and the rest. The category rows therefore add up to the
    change in total spending (to floating-point rounding), and
    ``sum(cost grown) - sum(money cut)`` equals it too.
    """
    if not scenario.index.equals(baseline.index):
        raise ValueError("scenario and baseline must share the same time index")
    rows = []
    for label, expr in LEDGER_ROWS.items():
        rows.append((label, expr))
    rows.append(("Total spending", "Total spending"))
    parts_s = _ledger_parts(scenario)
    parts_b = _ledger_parts(baseline)
    parts_s["Total spending"] = scenario["Total spending"].astype(float)
    parts_b["Total spending"] = baseline["Total spending"].astype(float)

    def amount(series: pd.Series) -> float:
        if discount:
            return npv(series, base_year=base_year, step=step)
        return float(series.sum()) * _step_years(series, step) * 12.0

    table = pd.DataFrame(
        {
            "model variable": [expr for _, expr in rows],
            "baseline": [amount(parts_b[label]) for label, _ in rows],
            "scenario": [amount(parts_s[label]) for label, _ in rows],
        },
        index=pd.Index([label for label, _ in rows], name="category"),
    )
    table["change"] = table["scenario"] - table["baseline"]
    table["money cut"] = (-table["change"]).clip(lower=0.0)
    table["cost grown"] = table["change"].clip(lower=0.0)
    scale = 1e-9 * max(float(table["baseline"].abs().max()), 1.0)
    table["side"] = np.where(
        table["change"] < -scale, "cut", np.where(table["change"] > scale, "grew", "unchanged")
    )
    return table


# -- people and resilience -------------------------------------------------------------------


def person_months(level: pd.Series, *, step: float | None = None) -> float:
    r"""Return the person-months a level of people accumulates over its periods.

    Parameters
    ----------
    level : pandas.Series
        People (e.g. ``Crisis queue``) at the start of each period, in decimal years.
    step : float, optional
        Period length in years (default: the index spacing).

    Returns
    -------
    float
        :math:`\sum_t x(t)\,\Delta t` with :math:`\Delta t` in months. Known answer: 100
        people for 12 monthly rows is 1,200 person-months.
    """
    return float(level.to_numpy(dtype=float).sum()) * _step_years(level, step) * 12.0


def cumulative_harm(
    crisis_queue: pd.Series, unmet_need: pd.Series, *, step: float | None = None
) -> float:
    """Return cumulative harm: person-months in the crisis queue plus of unmet need.

    Parameters
    ----------
    crisis_queue : pandas.Series
        People waiting for a statutory response.
    unmet_need : pandas.Series
        People with unmet need (model: ``Emerging need + Hidden need``).
    step : float, optional
        Period length in years (default: the index spacing).

    Returns
    -------
    float
        ``person_months(crisis_queue) + person_months(unmet_need)``.
    """
    return person_months(crisis_queue, step=step) + person_months(unmet_need, step=step)


def peak(series: pd.Series) -> tuple[float, float]:
    """Return the largest value of a series and the time (decimal year) it first occurs."""
    values = series.to_numpy(dtype=float)
    i = int(np.nanargmax(values))
    return float(values[i]), float(_times(series)[i])


def _months(series: pd.Series | pd.DataFrame, origin: float) -> np.ndarray:
    return np.round((_times(series) - origin) * 12.0, 6)


def shock_response(
    crisis_queue: pd.Series,
    *,
    start: float,
    length: float,
    window_end: float | None = None,
    harm: pd.Series | None = None,
    counterfactual_harm: pd.Series | None = None,
    tolerance: float = RECOVERY_TOLERANCE,
    origin: float = ORIGIN_YEAR,
) -> dict[str, Any]:
    r"""Return a shock's depth, recovery time and excess harm.

    Parameters
    ----------
    crisis_queue : pandas.Series
        The crisis queue (people), indexed in decimal years.
    start : float
        Shock start, in model months (month 0 is ``origin``).
    length : float
        Shock length in months (positive).
    window_end : float, optional
        Month at which to stop looking (the next shock's start); default: the end of the
        series.
    harm : pandas.Series, optional
        Harm level (crisis queue plus unmet need, people) for the excess harm.
    counterfactual_harm : pandas.Series, optional
        Harm level in the same scenario without this shock.
    tolerance : float
        Recovery band above the pre-shock level (default 5%).
    origin : float
        Calendar year of month 0 (default 2010).

    Returns
    -------
    dict
        ``start_month``, ``length_months``, ``start_year``, ``end_year``;
        ``pre_shock_level`` (the queue at the shock's start month, before the shock acts);
        ``peak_level``, ``peak_year``; ``depth`` (peak rise over the pre-shock level,
        people, at least 0, from the start to recovery or the window end) and
        ``depth_share`` (depth over the pre-shock level); ``recovered`` (bool) and
        ``recovery_months``: months from the shock's **end** until the queue is back to at
        most ``(1 + tolerance)`` times the pre-shock level and stays there to the window end
        (``0`` if it already is at the end; ``None``: did not recover, the tipping signal);
        ``excess_harm`` (person-months) and ``excess_harm_basis``.

    Notes
    -----
    Recovery is one-sided: a queue that settles *below* its pre-shock level has
    recovered. Excess harm, with ``counterfactual_harm``, is
    :math:`\sum_{t \ge s} (h(t) - h_0(t))\,\Delta t` over the rest of the series (basis
    ``"no-shock counterfactual"``); without it,
    :math:`\sum_{s \le t < r} (h(t) - h(s))\,\Delta t` up to recovery ``r`` or the window
    end (basis ``"pre-shock level"``), which also counts any underlying trend.

    Known answer: a queue of 100 that rises by 10 a month during a 6-month shock from month
    24 (peak 160 at month 30) then falls by 10 a month is back within 5% (at 100) at month 36, so
    depth is 60 and recovery is 6 months after the shock's end.
    """
    if not length > 0:
        raise ValueError(f"shock length must be positive, got {length!r}")
    m = _months(crisis_queue, origin)
    q = crisis_queue.to_numpy(dtype=float)
    end = float(start) + float(length)
    stop = float(window_end) if window_end is not None else math.inf
    before = np.flatnonzero(m <= start + 1e-9)
    i0 = int(before[-1]) if len(before) else 0
    pre = float(q[i0])
    in_window = (m >= start - 1e-9) & (m < stop - 1e-9)
    after = np.flatnonzero((m >= end - 1e-9) & (m < stop - 1e-9))
    limit = pre * (1.0 + tolerance)
    recovered = False
    recovery_months: float | None = None
    recovery_index: int | None = None
    if len(after):
        outside = np.flatnonzero(q[after] > limit)
        if len(outside) == 0:
            recovery_index = int(after[0])
        elif outside[-1] < len(after) - 1:
            recovery_index = int(after[outside[-1] + 1])
        if recovery_index is not None:
            recovered = True
            recovery_months = float(m[recovery_index] - end)
    span = in_window & ((m < m[recovery_index] - 1e-9) if recovery_index is not None else True)
    if not span.any():
        span = in_window
    idx = np.flatnonzero(span)
    if len(idx):
        j = int(idx[np.argmax(q[idx])])
        peak_level, peak_year = float(q[j]), float(_times(crisis_queue)[j])
    else:
        peak_level, peak_year = pre, float(_times(crisis_queue)[i0])
    depth = max(peak_level - pre, 0.0)
    excess: float | None = None
    basis = None
    if harm is not None:
        dt_months = _step_years(harm, None) * 12.0
        h = harm.to_numpy(dtype=float)
        hm = _months(harm, origin)
        if counterfactual_harm is not None:
            if not counterfactual_harm.index.equals(harm.index):
                raise ValueError("harm and counterfactual_harm must share the same index")
            sel = hm >= start - 1e-9
            excess = float((h[sel] - counterfactual_harm.to_numpy(dtype=float)[sel]).sum())
            excess *= dt_months
            basis = "no-shock counterfactual"
        else:
            h0 = float(h[int(np.flatnonzero(hm <= start + 1e-9)[-1])]) if (
                hm <= start + 1e-9).any() else float(h[0])
            upper = m[recovery_index] if recovery_index is not None else stop
            sel = (hm >= start - 1e-9) & (hm < upper - 1e-9)
            excess = float((h[sel] - h0).sum()) * dt_months
            basis = "pre-shock level"
    return {
        "start_month": float(start),
        "length_months": float(length),
        "start_year": origin + float(start) / 12.0,
        "end_year": origin + end / 12.0,
        "pre_shock_level": pre,
        "peak_level": peak_level,
        "peak_year": peak_year,
        "depth": depth,
        "depth_share": depth / pre if pre > 0 else None,
        "recovered": recovered,
        "recovery_months": recovery_months,
        "excess_harm": excess,
        "excess_harm_basis": basis,
    }


_SHOCK_RE = re.compile(r"^Shock (\d+) start$")


def shocks_in(settings: Mapping[str, float]) -> list[tuple[int, float, float]]:
    """Return the shocks present in a scenario's settings.

    Parameters
    ----------
    settings : mapping of str to float
        Every settable value (:meth:`slack_sim.Scenario.settings`).

    Returns
    -------
    list of (int, float, float)
        ``(number, start month, length in months)`` for each shock with a positive length,
        ordered by start. A shock of length 0 is absent.
    """
    out = []
    for name, value in settings.items():
        match = _SHOCK_RE.match(name)
        if match:
            n = int(match.group(1))
            length = float(settings.get(f"Shock {n} length", 0.0))
            if length > 0:
                out.append((n, float(value), length))
    return sorted(out, key=lambda s: (s[1], s[0]))


# -- all outcomes of one run -----------------------------------------------------------------


def _calendar_year(year: float) -> int:
    return int(math.floor(year + 1e-6))


def _month_label(year: float) -> str:
    """Return ``"YYYY-MM"`` for a decimal year on the monthly grid."""
    whole = _calendar_year(year)
    month = min(int(round((year - whole) * 12.0)), 11) + 1
    return f"{whole}-{month:02d}"


def outcomes(
    frame: pd.DataFrame,
    *,
    settings: Mapping[str, float],
    baseline: pd.DataFrame | None = None,
    counterfactuals: Mapping[int, pd.DataFrame] | None = None,
    base_year: float = ORIGIN_YEAR,
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
        excess harm is then measured against it (otherwise against the pre-shock level).
    base_year : float
        Base year for discounting (default 2010).

    Returns
    -------
    dict
        Money in GBP per 100,000 residents (2010/11 prices; NPVs discounted to the start of
        ``base_year``), people in persons, harm in person-months, times in decimal years.
        Keys: ``npv_total_spending``, ``npv_<category>`` for each category and "of which",
        ``total_spending``, ``cost_per_resident_per_year``, ``reserves_runway_year`` (the
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
    Flows and person-months sum over every row but the last: with Euler integration a
    stock at the end equals its start plus the sum of its monthly flows over those rows.
    """
    flows = frame.iloc[:-1]
    kw: dict[str, Any] = {"base_year": base_year}
    out: dict[str, Any] = {"base_year": float(base_year)}
    out["npv_total_spending"] = npv(flows["Total spending"], **kw)
    for key, var in {**SPENDING_CATEGORIES, **CRISIS_STAFF_PARTS}.items():
        out[f"npv_{key}"] = npv(flows[var], **kw)
    out["total_spending"] = float(flows["Total spending"].sum()) * _step_years(flows, None) * 12
    out["cost_per_resident_per_year"] = cost_per_resident_per_year(flows["Total spending"])
    runway = reserves_runway(frame["Reserves"])
    out["reserves_runway_year"] = None if runway is None else _calendar_year(runway)
    out["reserves_runway_month"] = None if runway is None else _month_label(runway)
    out["lowest_reserves"] = float(frame["Reserves"].min())
    out["months_in_deficit"] = round(
        float((flows["Reserves"] < 0).sum()) * _step_years(flows, None) * 12, 6
    )
    harm = frame["Crisis queue"] + frame["Unmet need"]
    out["crisis_queue_person_months"] = person_months(flows["Crisis queue"])
    out["unmet_need_person_months"] = person_months(flows["Unmet need"])
    out["cumulative_harm"] = out["crisis_queue_person_months"] + out["unmet_need_person_months"]
    out["peak_crisis_queue"], out["peak_crisis_queue_year"] = peak(frame["Crisis queue"])
    out["peak_waiting_time"], out["peak_waiting_time_year"] = peak(frame["Waiting time"])
    shocks = shocks_in(settings)
    out["shocks"] = []
    for i, (n, start, length) in enumerate(shocks):
        window_end = shocks[i + 1][1] if i + 1 < len(shocks) else None
        cf = (counterfactuals or {}).get(n)
        resp = shock_response(
            frame["Crisis queue"],
            start=start,
            length=length,
            window_end=window_end,
            harm=harm.iloc[:-1],
            counterfactual_harm=(
                (cf["Crisis queue"] + cf["Unmet need"]).iloc[:-1] if cf is not None else None
            ),
        )
        out["shocks"].append({"shock": n, **resp})
    if baseline is not None:
        if not baseline.index.equals(frame.index):
            raise ValueError("scenario and baseline outputs must share the same time index")
        bflows = baseline.iloc[:-1]
        fin = policy_finance(flows, baseline=bflows, **kw)
        year = fin.pop("break_even_year")
        out.update(fin)
        out["break_even_year"] = None if year is None else _calendar_year(year)
        out["break_even_month"] = None if year is None else _month_label(year)
        ledger = savings_ledger(flows, baseline=bflows, **kw)
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
