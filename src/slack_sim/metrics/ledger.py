"""A policy against a baseline: the savings ledger, benefit-cost ratio and policy finance.

The ledger's parts are the model's: the ``Ledger:`` tag in the comment of ``Total spending``
in ``models/slack.mdl`` names the variables that add up to it (:func:`ledger_rows`; crisis
staff spending is split into the agency premium, failure demand and the rest, the model's
``Core crisis staff spending``); their labels are those of
:data:`slack_sim.metrics.catalogue.LEDGER_LABELS`. Discounting is
:mod:`slack_sim.metrics.finance`'s.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..model.calendar import START_YEAR
from .catalogue import LEDGER_LABELS
from .finance import _step_years, _times, break_even_year, npv_rows

__all__ = ["benefit_cost_ratio", "ledger_rows", "policy_finance", "savings_ledger"]

_LEDGER_RE = re.compile(r"\bLedger:\s*([^.]+)\.")


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
        and ``side`` (``"cut"``, ``"grew"`` or ``"unchanged"``). All money in GBP for
        the profile's population (2010/11 prices).

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
