"""Finance outcomes: Green Book discounting, NPV, break-even, benefit-cost ratio, ledger, reserves.

Pure functions on model output. The array functions (:func:`present_value_weights`,
:func:`npv_rows`, :func:`runway_rows`) take members x periods arrays and are what the
headline outcomes of one run and of a batch both use; the :class:`pandas.Series`
functions (:func:`npv`, :func:`reserves_runway`, ...) apply them to one series indexed by
time in decimal years (2010.0, 2010.0833, ..., as returned by :func:`slack_sim.simulate`).

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
    carries no period: :func:`slack_sim.outcomes` drops it before summing flows.
Discounting (HM Treasury Green Book)
    The discount rate is 3.5% a year for years 0 to 30 after the base year and 3.0% after
    that. A period starting ``t`` years after the start of the base year is discounted by
    ``D(t) = 1.035**-t`` for ``t <= 30`` and ``D(t) = 1.035**-30 * 1.03**-(t - 30)`` after:
    the rate steps at year 30, the factor is continuous. For monthly rows this is a monthly
    factor of ``1.035**(-1/12)`` for the first 360 months and ``1.03**(-1/12)`` after. For
    annual rows it is exactly the Green Book's annual table (year 0 undiscounted). Periods
    before the base year have ``t < 0`` and are compounded forward at 3.5%.
The savings ledger
    Its parts are the model's: the ``Ledger:`` tag in the comment of ``Total spending`` in
    ``models/slack.mdl`` names the variables that add up to it (:func:`ledger_rows`); their
    labels are those of :data:`slack_sim.metrics.catalogue.LEDGER_LABELS`.

References
----------
HM Treasury (2022). *The Green Book: Central Government Guidance on Appraisal and
Evaluation*, section A6 (discounting) and table 8 (3.5% for years 0-30, 3.0% for 31-75).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..model.calendar import START_YEAR
from .catalogue import LEDGER_LABELS

__all__ = [
    "CRISIS_STAFF_PARTS",
    "GREEN_BOOK_LONG_RATE",
    "GREEN_BOOK_RATE",
    "GREEN_BOOK_SWITCH_YEAR",
    "RESIDENTS",
    "SPENDING_CATEGORIES",
    "benefit_cost_ratio",
    "break_even_year",
    "cost_per_resident_per_year",
    "cumulative_discounted",
    "discount_factor",
    "discounted",
    "ledger_rows",
    "npv",
    "npv_rows",
    "period_years",
    "policy_finance",
    "present_value_weights",
    "reserves_runway",
    "runway_rows",
    "savings_ledger",
]

#: Green Book discount rate for years 0 to 30 (real, a year).
GREEN_BOOK_RATE = 0.035
#: Green Book discount rate from year 30 to 75 (real, a year).
GREEN_BOOK_LONG_RATE = 0.030
#: Years after the base year at which the rate steps down.
GREEN_BOOK_SWITCH_YEAR = 30.0
#: Residents the model's money and people are expressed per.
RESIDENTS = 100_000

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

_LEDGER_RE = re.compile(r"\bLedger:\s*([^.]+)\.")


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


def _split_pv(pv: np.ndarray) -> tuple[float, float]:
    """Return (money cut B, cost grown C) from the present values of category savings."""
    return float(np.clip(pv, 0.0, None).sum()), float(-np.clip(pv, None, 0.0).sum())


def benefit_cost_ratio(
    savings: pd.DataFrame | pd.Series,
    *,
    base_year: float = START_YEAR,
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
    (:func:`ledger_rows`). Known answer (0% discounting): 10 more on prevention in year 0
    and 5 less on crisis staff in each of years 1-3 gives B = 15, C = 10, ratio 1.5; at
    3.5% B = 5 (1/1.035 + 1/1.035^2 + 1/1.035^3) = 14.0082 and the ratio is 1.40082.

    References
    ----------
    HM Treasury, *The Green Book* (2022), 5.7 and A6 (benefit-cost ratio, discounting).
    """
    frame = savings.to_frame() if isinstance(savings, pd.Series) else savings
    pv = npv_rows(frame.to_numpy(dtype=float).T, _times(frame), base_year=base_year, per=per,
                  step=step)
    benefit, cost = _split_pv(pv)
    if cost == 0.0:
        return math.inf if benefit > 0 else None
    return benefit / cost


def policy_finance(
    scenario: pd.DataFrame,
    *,
    baseline: pd.DataFrame,
    base_year: float = START_YEAR,
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
    totals = np.vstack([baseline["Total spending"].to_numpy(dtype=float),
                        scenario["Total spending"].to_numpy(dtype=float)])
    pv_base, pv_policy = npv_rows(totals, _times(scenario), **kw)
    by_category = _ledger_parts(baseline) - _ledger_parts(scenario)
    cut, grown = _split_pv(npv_rows(by_category.to_numpy(dtype=float).T, _times(scenario), **kw))
    return {
        "net_present_saving": float(pv_base - pv_policy),
        "discounted_money_cut": cut,
        "discounted_cost_grown": grown,
        "benefit_cost_ratio": benefit_cost_ratio(by_category, **kw),
        "break_even_year": break_even_year(baseline["Total spending"].astype(float)
                                           - scenario["Total spending"].astype(float), **kw),
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


# -- the savings ledger ----------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _ledger_parts_of(definition: str) -> tuple[str, ...]:
    match = _LEDGER_RE.search(definition)
    if not match:
        raise ValueError("the model declares no savings ledger: 'Total spending' needs a "
                         "'Ledger: <variable> + <variable> ...' tag in its comment")
    return tuple(p.strip() for p in match.group(1).split("+"))


def ledger_rows(model: Any = None) -> dict[str, str]:
    """Return the rows of the savings ledger: label -> model variable, in the model's order.

    Parameters
    ----------
    model : Model, optional
        The parsed model (default :func:`slack_sim.load_model`).

    Returns
    -------
    dict of str to str
        The parts of ``Total spending`` the model declares in the ``Ledger:`` tag of its
        comment (they add up to it exactly: crisis staff spending is split into the agency
        premium, failure demand and the rest, ``Core crisis staff spending``), labelled by
        :data:`~slack_sim.metrics.catalogue.LEDGER_LABELS`.
    """
    if model is None:
        from ..model.parse import load_model

        model = load_model()
    var = model["Total spending"]
    tagged = getattr(var, "ledger", None) or _ledger_parts_of(var.definition)
    unknown = [p for p in tagged if p not in model.variables]
    if unknown:
        raise ValueError(f"the savings ledger names unknown model variable(s) {unknown}")
    return {LEDGER_LABELS.get(p, p): p for p in tagged}


def __getattr__(name: str) -> Any:
    if name == "LEDGER_ROWS":  # read from the model on first use, not at import
        return ledger_rows()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ledger_parts(frame: pd.DataFrame, rows: dict[str, str] | None = None) -> pd.DataFrame:
    rows = rows or ledger_rows()
    missing = {"Total spending", *rows.values()} - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks spending columns: {', '.join(sorted(missing))}")
    return pd.DataFrame({label: frame[var] for label, var in rows.items()},
                        index=frame.index).astype(float)


def savings_ledger(
    scenario: pd.DataFrame,
    *,
    baseline: pd.DataFrame,
    discount: bool = True,
    base_year: float = START_YEAR,
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
        One row per part of the ledger (:func:`ledger_rows`) then a ``Total spending`` row;
        columns ``model variable``, ``baseline``, ``scenario``, ``change`` (scenario minus
        baseline), ``money cut`` (``max(-change, 0)``), ``cost grown`` (``max(change, 0)``)
        and ``side`` (``"cut"``, ``"grew"`` or ``"unchanged"``). All money in GBP per
        100,000 residents.

    Notes
    -----
    ``Total spending = Crisis staff + Care placements + Prevention + Partnership +
    Community`` in the model. ``Failure demand cost`` (failure demand at the 2010 staff cost
    of a case) and ``Agency premium spending`` are parts of crisis staff spending, so crisis
    staff is split into those two and the rest (``Core crisis staff spending``). The
    category rows therefore add up to the change in total spending (to floating-point
    rounding), and ``sum(cost grown) - sum(money cut)`` equals it too.
    """
    if not scenario.index.equals(baseline.index):
        raise ValueError("scenario and baseline must share the same time index")
    rows = {**ledger_rows(), "Total spending": "Total spending"}
    parts = {"scenario": scenario, "baseline": baseline}
    amounts = {}
    for side, frame in parts.items():
        values = _ledger_parts(frame, rows).to_numpy(dtype=float).T
        if discount:
            amounts[side] = npv_rows(values, _times(frame), base_year=base_year, step=step)
        else:
            amounts[side] = values.sum(axis=1) * _step_years(frame, step) * 12.0
    table = pd.DataFrame(
        {"model variable": list(rows.values()), "baseline": amounts["baseline"],
         "scenario": amounts["scenario"]},
        index=pd.Index(list(rows), name="category"),
    )
    table["change"] = table["scenario"] - table["baseline"]
    table["money cut"] = (-table["change"]).clip(lower=0.0)
    table["cost grown"] = table["change"].clip(lower=0.0)
    scale = 1e-9 * max(float(table["baseline"].abs().max()), 1.0)
    table["side"] = np.where(
        table["change"] < -scale, "cut", np.where(table["change"] > scale, "grew", "unchanged")
    )
    return table
