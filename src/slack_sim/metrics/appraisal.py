"""Appraisal as a council's finance team does it: a window, financial years, a price base.

Given the monthly output of a policy run and of its counterfactual (the same profile and
assumptions with the levers at current policy), :func:`appraise` reports over a window
that starts on a chosen month (default: the next April) and lasts a number of years:

- spending by category and in total, policy and counterfactual, **by financial year**
  (April to March) at the chosen prices (real terms at a financial year's prices, or cash;
  see :mod:`slack_sim.metrics.prices`);
- **net cost** = policy spending - counterfactual spending (positive: the policy costs
  more), its cumulative discounted total and the **NPV** of net cost, discounted to the
  window's start on the Green Book schedule (3.5% a year to year 30, 3.0% after;
  editable);
- **costs** and **cashable savings**: the present value of the categories whose spending
  rises and of those whose spending falls, and the **benefit-cost ratio** (savings over
  costs);
- **discounted payback**: the first financial year at whose end the cumulative
  discounted net saving is at least 0 and stays so to the window's end, or "not within
  the window";
- **return per £1 of extra prevention**: the present value of the fall in every other
  category over the present value of the rise in prevention spending;
- **avoided harm** in person-months (children waiting or unmet, not money), kept apart
  from the money;
- the lowest reserves in the window and the months below zero.

Everything is array-first: each input is members x months, so one run is one member and
an ensemble of futures gives the spread of each figure.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..model.calendar import financial_year, month_text
from ..validation import Interval, validate
from .finance import GREEN_BOOK_LONG_RATE, GREEN_BOOK_RATE, discount_factor
from .prices import DEFAULT_PRICES, price_factors, price_label, vintage

__all__ = ["FIGURES", "Appraisal", "appraise", "discount_from", "fy_label", "fy_start",
           "rates_text", "window_months"]

_RULES = {
    "years": Interval("real", 0, 50, closed="right", units="years"),
    "rate": Interval("real", 0, 0.5, units="a year"),
    "long_rate": Interval("real", 0, 0.5, units="a year"),
}


#: The figures of an appraisal, in the order the app, the CLI and the workbook show them.
FIGURES = ("npv_net_cost", "costs", "savings", "benefit_cost_ratio", "payback_year",
           "return_per_pound", "avoided_harm", "lowest_reserves", "months_below_zero")


def fy_start(label: object) -> float:
    """Return the first calendar year of a financial year label (``"2031-32"`` -> 2031).

    ``None`` (no payback within the window) is ``inf``, so it sorts after every year.
    """
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return math.inf
    return float(str(label)[:4])


def fy_label(start: float) -> str | None:
    """Return the financial year starting in April of ``start`` (``inf``: ``None``)."""
    if not math.isfinite(start):
        return None
    y = int(start)
    return f"{y}-{(y + 1) % 100:02d}"


def discount_from(t: np.ndarray, *, rate: float = 0.035, long_rate: float = 0.030,
                  switch: float = 30.0) -> np.ndarray:
    """Return the Green Book discount factor ``t`` years after the appraisal's start.

    The one formula, :func:`slack_sim.metrics.finance.discount_factor`, measured from the
    window's start instead of the model's.
    """
    return discount_factor(t, rate=rate, long_rate=long_rate, switch_year=switch)


def rates_text(rate: float, long_rate: float) -> str:
    """Return the discount rates as a reader checks them against the Green Book.

    Rates are written as typed (``4.25%``, not rounded to ``4.2%``), and the Green Book is
    named as their source only when they are its own.

    Examples
    --------
    >>> rates_text(0.035, 0.03)
    '3.5% a year to year 30, 3% after (HM Treasury Green Book)'
    >>> rates_text(0.0425, 0.03)
    "4.25% a year to year 30, 3% after (the Green Book's: 3.5% and 3%)"
    """
    def pct(r: float) -> str:
        return f"{r * 100:.4g}%"

    text = f"{pct(rate)} a year to year 30, {pct(long_rate)} after"
    if math.isclose(rate, GREEN_BOOK_RATE) and math.isclose(long_rate, GREEN_BOOK_LONG_RATE):
        return text + " (HM Treasury Green Book)"
    return text + f" (the Green Book's: {pct(GREEN_BOOK_RATE)} and {pct(GREEN_BOOK_LONG_RATE)})"


def window_months(years_index: np.ndarray, *, start: float, years: float) -> np.ndarray:
    """Return the positions of the months from ``start`` for ``years`` (a boolean mask).

    Raises
    ------
    ValidationError
        If the window starts before the model or runs past its horizon.
    """
    grid = np.asarray(years_index, dtype=float)
    end = start + years
    tol = 1e-6
    if start < grid[0] - tol or end > grid[-1] + tol:
        raise _horizon_error(start, years, grid)
    return (grid >= start - tol) & (grid < end - tol)


def _horizon_error(start: float, years: float, grid: np.ndarray) -> Exception:
    from ..validation import ValidationError

    first, end = float(grid[0]), float(grid[-1])  # end: the closing state, after the last month
    horizon = f"months {month_text(first)} to {month_text(end - 1 / 12)}"
    if start < first - 1e-6:
        return ValidationError(
            f"appraisal window: start {month_text(start)} is before the model's horizon "
            f"({horizon}); start in {month_text(first)} or later")
    latest = end - years
    hint = (f"for {years:g} years start by {month_text(latest)}" if latest >= first - 1e-6
            else f"at most {end - first:.2f} years fit")
    return ValidationError(
        f"appraisal window: {month_text(start)} for {years:g} years ends in "
        f"{month_text(start + years - 1 / 12)}, past the model's horizon ({horizon}); {hint}")


@dataclasses.dataclass(frozen=True)
class Appraisal:
    """An appraisal of a policy against its counterfactual over a window.

    Attributes
    ----------
    by_year : pandas.DataFrame
        The scenario's own settings (member 0, "this run"), one row per financial year
        of the window: spending by category (policy and counterfactual), net cost,
        discounted net cost, the cumulative discounted net saving, lowest reserves,
        avoided harm.
    totals : pandas.DataFrame
        One row per member: npv_net_cost, costs, savings, benefit_cost_ratio,
        payback_year (financial year or ``None``), return_per_pound, avoided_harm,
        lowest_reserves, months_below_zero.
    start, years : float
        The window (decimal year of its first month; length in years).
    prices : str
        Price base (``"cash"`` or a financial year).
    rate, long_rate : float
        Discount rates.
    notes : dict of str to str
        Price base and deflator vintage, discounting, definitions.
    """

    by_year: pd.DataFrame
    totals: pd.DataFrame
    start: float
    years: float
    prices: str
    rate: float
    long_rate: float
    notes: dict[str, str]

    @property
    def own(self) -> dict[str, object]:
        """Return the totals of member 0: the scenario's own settings ("this run").

        Not the central estimate: that is the median over the members (:meth:`bands`).
        """
        return self.totals.iloc[0].to_dict()

    @property
    def drawn(self) -> pd.DataFrame:
        """Return the totals of the futures: members 1 onwards.

        Member 0 is the scenario's own settings ("this run"), shown beside the central
        estimate, not counted among the futures; without futures (one member) it is all
        there is, and the central estimate is this run.
        """
        return self.totals.iloc[1:] if len(self.totals) > 1 else self.totals

    def bands(self) -> pd.DataFrame:
        """Return every figure's central estimate and 90% range over the futures.

        Returns
        -------
        pandas.DataFrame
            Index :data:`FIGURES`; columns ``low``, ``central``, ``high`` (the 5th, 50th
            and 95th percentiles over the futures, :attr:`drawn`, where the figure is
            defined: a ratio with nothing to divide by is left out), ``own`` (member 0,
            the scenario's own settings) and ``defined`` (the share of the futures where
            it is defined). The
            payback is the first calendar year of its financial year (``inf``: not
            within the window; read it back with :func:`fy_label`), its percentiles
            taken on the members' ranks, with no interpolation between years.
        """
        rows = {}
        drawn, first = self.drawn, self.totals.iloc[0]
        for key in FIGURES:
            if key == "payback_year":
                values = np.array([fy_start(p) for p in drawn[key]], dtype=float)
                low, mid, high = np.percentile(values, [5, 50, 95], method="inverted_cdf")
                defined = float(np.mean(np.isfinite(values)))
                own = fy_start(first[key])
            else:
                values = drawn[key].to_numpy(dtype=float)
                ok = values[np.isfinite(values)]
                low, mid, high = (np.percentile(ok, [5, 50, 95]) if len(ok)
                                  else (math.nan,) * 3)
                defined = float(len(ok) / len(values)) if len(values) else 0.0
                own = float(first[key])
            rows[key] = {"low": float(low), "central": float(mid), "high": float(high),
                         "own": float(own), "defined": defined}
        return pd.DataFrame.from_dict(rows, orient="index")

    def probability_of_saving(self) -> float:
        """Return the share of the futures whose NPV of net cost is below 0 (a net saving)."""
        return float((self.drawn["npv_net_cost"] < 0).mean())


def _payback(cum_saving_by_fy: np.ndarray, labels: list[str]) -> str | None:
    ok = cum_saving_by_fy >= 0
    for i in range(len(ok)):
        if ok[i:].all():
            return labels[i]
    return None


def appraise(
    policy: Mapping[str, np.ndarray],
    counterfactual: Mapping[str, np.ndarray],
    *,
    years_index: np.ndarray,
    categories: Mapping[str, str],
    prevention: str,
    harm: str,
    reserves: str,
    start: float,
    years: float = 10.0,
    prices: str = DEFAULT_PRICES,
    rate: float = 0.035,
    long_rate: float = 0.030,
    money_per: float = 1.0,
) -> Appraisal:
    """Appraise a policy against its counterfactual, member by member.

    Parameters
    ----------
    policy, counterfactual : mapping of str to numpy.ndarray
        Model variables as arrays (members x months) on the grid ``years_index``; needs
        every category, ``harm`` and ``reserves``.
    years_index : numpy.ndarray
        Decimal year of each month.
    categories : mapping of str to str
        Label -> model variable of each spending category (they add up to total spending;
        money per month in the model's prices).
    prevention : str
        The label of the prevention category (for the return per £1).
    harm : str
        The model variable of harm (people; summed over months into person-months).
    reserves : str
        The model variable of reserves (money).
    start : float
        First month of the window (decimal year on the monthly grid).
    years : float
        Length of the window in years (above 0, at most 50).
    prices : str
        ``"cash"`` or a financial year (real terms at its prices).
    rate, long_rate : float
        Green Book discount rates (0 to 0.5).
    money_per : float
        Months per unit of the money rates (1 when spending is per month).

    Returns
    -------
    Appraisal

    Raises
    ------
    ValidationError
        For a window outside the horizon, a bad length, rate or price base.
    """
    validate({"years": years, "rate": rate, "long_rate": long_rate}, _RULES)
    grid = np.asarray(years_index, dtype=float)
    mask = window_months(grid, start=start, years=years)
    t = grid[mask]
    factor = price_factors(t, prices) * money_per
    disc = discount_from(t - start, rate=rate, long_rate=long_rate)
    fys = np.array([financial_year(y) for y in t])
    labels = list(dict.fromkeys(fys))

    def money(run: Mapping[str, np.ndarray], var: str) -> np.ndarray:
        return np.atleast_2d(np.asarray(run[var], dtype=float))[:, mask] * factor

    pol = {k: money(policy, v) for k, v in categories.items()}
    cf = {k: money(counterfactual, v) for k, v in categories.items()}
    diff = {k: pol[k] - cf[k] for k in categories}
    net = sum(diff.values())
    pv = {k: (d * disc).sum(axis=1) for k, d in diff.items()}
    costs = sum(np.maximum(p, 0.0) for p in pv.values())
    savings = sum(np.maximum(-p, 0.0) for p in pv.values())
    npv_net = (net * disc).sum(axis=1)
    extra_prevention = pv[prevention]
    others = sum(-p for k, p in pv.items() if k != prevention)
    with np.errstate(divide="ignore", invalid="ignore"):
        bcr = np.where(costs > 0, savings / np.where(costs > 0, costs, 1.0), np.nan)
        per_pound = np.where(extra_prevention > 0, others / np.where(
            extra_prevention > 0, extra_prevention, 1.0), np.nan)
    harm_p = np.atleast_2d(policy[harm])[:, mask]
    harm_c = np.atleast_2d(counterfactual[harm])[:, mask]
    avoided = (harm_c - harm_p).sum(axis=1)  # people x months = person-months
    res = np.atleast_2d(policy[reserves])[:, mask] * price_factors(t, prices)
    # by financial year, per member
    fy_index = np.array([labels.index(f) for f in fys])
    n_fy = len(labels)

    def by_fy(a: np.ndarray) -> np.ndarray:
        out = np.zeros((a.shape[0], n_fy))
        np.add.at(out.T, fy_index, a.T)
        return out

    cum_saving = np.cumsum(by_fy(-net * disc), axis=1)
    paybacks = [_payback(row, labels) for row in cum_saving]
    totals = pd.DataFrame({
        "npv_net_cost": npv_net, "costs": costs, "savings": savings,
        "benefit_cost_ratio": bcr, "payback_year": paybacks,
        "return_per_pound": per_pound, "avoided_harm": avoided,
        "lowest_reserves": res.min(axis=1), "months_below_zero": (res < 0).sum(axis=1),
    })
    rows: dict[str, np.ndarray] = {}
    for k in categories:
        rows[f"{k} (policy)"] = by_fy(pol[k][:1])[0]
        rows[f"{k} (counterfactual)"] = by_fy(cf[k][:1])[0]
    rows["Total (policy)"] = sum(rows[f"{k} (policy)"] for k in categories)
    rows["Total (counterfactual)"] = sum(rows[f"{k} (counterfactual)"] for k in categories)
    rows["Net cost"] = by_fy(net[:1])[0]
    rows["Net cost, discounted"] = by_fy((net * disc)[:1])[0]
    rows["Cumulative discounted net saving"] = cum_saving[0]
    lowest = np.full(n_fy, math.inf)
    np.minimum.at(lowest, fy_index, res[0])
    rows["Lowest reserves"] = lowest
    rows["Avoided harm (person-months)"] = by_fy((harm_c - harm_p)[:1])[0]
    by_year = pd.DataFrame(rows, index=pd.Index(labels, name="financial year"))
    notes = {
        "window": f"{month_text(start)} for {years:g} years",
        "prices": f"{price_label(prices)}; GDP deflator: {vintage()}",
        "discounting": f"to {month_text(start)}, {rates_text(rate, long_rate)}",
        "net cost": "policy spending minus counterfactual spending (positive: costs more)",
        "cashable savings": "present value of the categories whose spending falls",
        "avoided harm": "person-months of children waiting or with unmet need, not money",
    }
    return Appraisal(by_year=by_year, totals=totals, start=start, years=years, prices=prices,
                     rate=rate, long_rate=long_rate, notes=notes)
