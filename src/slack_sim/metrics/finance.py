"""Finance outcomes: Green Book discounting, NPV, break-even, cost per child, reserves.

Pure functions on model output. The array functions (:func:`present_value_weights`,
:func:`npv_rows`, :func:`runway_rows`) take members x periods arrays and are what the
headline outcomes of one run and of a batch both use; the :class:`pandas.Series`
functions (:func:`npv`, :func:`reserves_runway`, ...) apply them to one series indexed by
time in decimal years (2010.0, 2010.0833, ..., as returned by :func:`slack_sim.simulate`).
A policy against a baseline (savings ledger, benefit-cost ratio) is
:mod:`slack_sim.metrics.ledger`.

Conventions
-----------
Money
    Model money is GBP for the profile's whole population (a council, or England) in
    2010/11 prices (real terms), so every result here is too. Spending variables are
    *flows* in GBP per month. A figure per child or per 100,000 children is a display
    choice, computed from the model's ``Child population`` (:func:`cost_per_child_per_year`,
    :func:`per_100k_children`).
Periods
    Each row stands for the period from its time to the next row's time (the index
    spacing, one month for model output). A flow's value in a row is its rate during that
    period (Euler integration evaluates rates at the start of each step), so the amount
    spent in the period is ``value * period length``. A stock's value in a row is its level
    at the start of the period, so person-months are ``level * period length``. The last row
    of a simulation is the closing state at the end of the horizon (the model's FINAL TIME)
    and carries no period: :func:`slack_sim.outcomes` drops it before summing flows.
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
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..model.calendar import START_YEAR

__all__ = [
    "CRISIS_STAFF_PARTS",
    "GREEN_BOOK_LONG_RATE",
    "GREEN_BOOK_RATE",
    "GREEN_BOOK_SWITCH_YEAR",
    "PER_CHILDREN",
    "SPENDING_CATEGORIES",
    "break_even_year",
    "cost_per_child_per_year",
    "cumulative_discounted",
    "discount_factor",
    "discounted",
    "npv",
    "npv_rows",
    "per_100k_children",
    "period_years",
    "present_value_weights",
    "reserves_runway",
    "runway_rows",
]

#: Green Book discount rate for years 0 to 30 (real, a year).
GREEN_BOOK_RATE = 0.035
#: Green Book discount rate from year 30 to 75 (real, a year).
GREEN_BOOK_LONG_RATE = 0.030
#: Years after the base year at which the rate steps down.
GREEN_BOOK_SWITCH_YEAR = 30.0
#: Children a "per 100,000 children" display figure is per (a display choice: the model
#: counts children and pounds for the profile's whole population).
PER_CHILDREN = 100_000

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

# -- time and discounting --------------------------------------------------------------------


def _times(series: pd.Series | pd.DataFrame) -> np.ndarray:
    return np.asarray(series.index, dtype=float)


def period_years(times: np.ndarray | Sequence[float], step: float | None = None) -> float:
    """Return the period length in years: ``step`` if given, else the spacing of ``times``.

    Raises
    ------
    ValueError
        For a step that is not positive, fewer than two times without a step, or times
        that are not increasing and evenly spaced.
    """
    if step is not None:
        if not step > 0:
            raise ValueError(f"step must be positive, got {step!r}")
        return float(step)
    t = np.asarray(times, dtype=float)
    if len(t) < 2:
        raise ValueError("cannot infer the period length from fewer than two rows; give step")
    d = np.diff(t)
    spacing = float(np.median(d))
    if not spacing > 0 or np.abs(d - spacing).max() > 1e-6 * max(spacing, 1.0):
        raise ValueError("the index must be increasing and evenly spaced (decimal years)")
    return spacing


def _step_years(series: pd.Series | pd.DataFrame, step: float | None) -> float:
    return period_years(_times(series), step)


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


def present_value_weights(
    times: np.ndarray | Sequence[float],
    *,
    base_year: float = START_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> np.ndarray:
    """Return the weight turning a rate in each period into its present value.

    Parameters
    ----------
    times : array_like
        Start of each period in decimal years.
    base_year : float
        Calendar year whose start is time 0 for discounting (default 2010).
    per : {"month", "year"}
        Time unit of the rate: model spending is per month.
    step : float, optional
        Period length in years (default: the spacing of ``times``).

    Returns
    -------
    numpy.ndarray
        ``step * (12 if per == "month" else 1) * D(t - base_year)`` for each period.
    """
    t = np.asarray(times, dtype=float)
    dt = period_years(t, step) * _per_factor(per)
    return discount_factor(t - float(base_year)) * dt


def npv_rows(
    flows: np.ndarray,
    times: np.ndarray | Sequence[float],
    *,
    base_year: float = START_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> np.ndarray:
    """Return the NPV of each row of a members x periods array of rates (see :func:`npv`)."""
    weights = present_value_weights(times, base_year=base_year, per=per, step=step)
    # a row's sum depends on that row alone (no matrix product, whose kernel varies with
    # the number of rows), so one run and a batch member agree to the last bit
    return (np.atleast_2d(np.asarray(flows, dtype=float)) * weights).sum(axis=1)


def discounted(
    flow: pd.Series,
    *,
    base_year: float = START_YEAR,
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
    weights = present_value_weights(_times(flow), base_year=base_year, per=per, step=step)
    return pd.Series(flow.to_numpy(dtype=float) * weights, index=flow.index, name=flow.name)


def npv(
    flow: pd.Series,
    *,
    base_year: float = START_YEAR,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> float:
    r"""Return the net present value of a flow on the Green Book schedule.

    Parameters
    ----------
    flow : pandas.Series
        A rate indexed by the start of each period in decimal years. Every row is one
        period (drop a simulation's closing row first; :func:`slack_sim.outcomes` does).
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
        :func:`discount_factor` and :math:`b` the base year (:func:`npv_rows` on one row).

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
    return float(npv_rows(flow.to_numpy(dtype=float), _times(flow), base_year=base_year,
                          per=per, step=step)[0])


def cumulative_discounted(
    flow: pd.Series,
    *,
    base_year: float = START_YEAR,
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
    base_year: float = START_YEAR,
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


def _average(values: pd.Series | float) -> float:
    if isinstance(values, pd.Series):
        return float(values.to_numpy(dtype=float).mean())
    return float(values)


def cost_per_child_per_year(
    spending: pd.Series,
    children: pd.Series | float,
    *,
    per: Literal["month", "year"] = "month",
    step: float | None = None,
) -> float:
    r"""Return average spending per child per year (undiscounted, real terms).

    Parameters
    ----------
    spending : pandas.Series
        A spending rate for the profile's population (model: GBP per month).
    children : pandas.Series or float
        The children it is for: the model's ``Child population`` over the same periods
        (same index), or one number.
    per, step
        As for :func:`npv`.

    Returns
    -------
    float
        :math:`\sum_t f(t)\,\Delta t \,/\, \sum_t c(t)\,\Delta t`: the money spent over
        the periods divided by the child-years lived in them. Known answer: a constant 1.5m
        GBP a month for 100,000 children is 180 GBP per child a year.

    Raises
    ------
    ValueError
        For ``children`` with a different index, or not positive.
    """
    dt_years = _step_years(spending, step)
    total = float(spending.to_numpy(dtype=float).sum()) * dt_years * _per_factor(per)
    if isinstance(children, pd.Series) and not children.index.equals(spending.index):
        raise ValueError("spending and children must share the same time index")
    child_years = _average(children) * dt_years * len(spending)
    if not child_years > 0:
        raise ValueError(f"children must be positive, got {_average(children)!r}")
    return total / child_years


def per_100k_children(value: float | np.ndarray | pd.Series,
                      children: float | np.ndarray | pd.Series) -> float | np.ndarray | pd.Series:
    """Return a figure for the profile's children as a figure per 100,000 children.

    A display choice (the model counts children and pounds for the whole profile):
    ``value * 100,000 / children``, with ``children`` the model's ``Child population`` at the
    same time (or a series of it, element by element).
    """
    return value * PER_CHILDREN / children


def runway_rows(reserves: np.ndarray, times: np.ndarray | Sequence[float]) -> np.ndarray:
    """Return, for each row of a members x times array, the first time it is below zero.

    ``nan`` for a row that never is (see :func:`reserves_runway`).
    """
    r = np.atleast_2d(np.asarray(reserves, dtype=float))
    below = r < 0.0
    first = np.argmax(below, axis=1)
    return np.where(below.any(axis=1), np.asarray(times, dtype=float)[first], np.nan)


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
    year = float(runway_rows(reserves.to_numpy(dtype=float), _times(reserves))[0])
    return None if math.isnan(year) else year
