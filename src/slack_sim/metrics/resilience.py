"""Resilience outcomes: harm, person-months, peaks, and the response to a shock and recovery.

Array-first: :func:`person_months_rows`, :func:`peak_rows`, :func:`shock_rows` and
:func:`excess_harm_rows` take members x times arrays (one run is one member) and are the
one implementation of each measure; :func:`person_months`, :func:`peak` and
:func:`shock_response` apply them to one :class:`pandas.Series` indexed by time in decimal
years. Harm is the model's ``Harm`` variable (crisis queue plus unmet need, people).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import MONTHS_PER_YEAR, START_YEAR
from .finance import period_years

__all__ = [
    "RECOVERY_TOLERANCE",
    "SHOCK_SETTINGS",
    "cumulative_harm",
    "excess_harm_rows",
    "main_shock",
    "model_months",
    "peak",
    "peak_rows",
    "person_months",
    "person_months_rows",
    "shock_response",
    "shock_rows",
    "shocks_in",
]

#: Recovery band: back to at most this fraction above the no-shock counterfactual queue
#: (or, without one, the pre-shock level).
RECOVERY_TOLERANCE = 0.05
#: The settings that place the shocks (start and length of each, in months).
SHOCK_SETTINGS: tuple[str, ...] = ("Shock 1 start", "Shock 1 length", "Shock 2 start",
                                   "Shock 2 length")

_TOL = 1e-9  # months; model months are whole numbers stored as floats


def _times(series: pd.Series) -> np.ndarray:
    return np.asarray(series.index, dtype=float)


def model_months(years: np.ndarray, origin: float = START_YEAR) -> np.ndarray:
    """Return model months (month 0 is ``origin``) of decimal years, rounded to 1e-6."""
    return np.round((np.asarray(years, dtype=float) - origin) * MONTHS_PER_YEAR, 6)


# -- people ----------------------------------------------------------------------------------


def person_months_rows(levels: np.ndarray, step: float) -> np.ndarray:
    """Return the person-months of each row of a members x periods array (step in years)."""
    return np.atleast_2d(np.asarray(levels, dtype=float)).sum(axis=1) * step * MONTHS_PER_YEAR


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
    return float(person_months_rows(level.to_numpy(dtype=float),
                                    period_years(_times(level), step))[0])


def cumulative_harm(
    harm: pd.Series, unmet_need: pd.Series | None = None, *, step: float | None = None
) -> float:
    """Return cumulative harm: person-months of the model's ``Harm`` variable.

    Parameters
    ----------
    harm : pandas.Series
        The ``Harm`` variable (people in the crisis queue plus with unmet need), every row
        one period. For compatibility, the crisis queue when ``unmet_need`` is given.
    unmet_need : pandas.Series, optional
        People with unmet need: ``cumulative_harm(crisis_queue, unmet_need)`` is the
        person-months of both (the model's ``Harm = Crisis queue + Unmet need``).
    step : float, optional
        Period length in years (default: the index spacing).

    Returns
    -------
    float
        ``person_months(harm)``, or ``person_months(crisis_queue) +
        person_months(unmet_need)``.
    """
    if unmet_need is None:
        return person_months(harm, step=step)
    return person_months(harm, step=step) + person_months(unmet_need, step=step)


def peak_rows(values: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's largest value and the time it first occurs (``nan`` ignored)."""
    v = np.atleast_2d(np.asarray(values, dtype=float))
    i = np.argmax(np.where(np.isnan(v), -np.inf, v), axis=1)
    return v[np.arange(len(v)), i], np.asarray(times, dtype=float)[i]


def peak(series: pd.Series) -> tuple[float, float]:
    """Return the largest value of a series and the time (decimal year) it first occurs."""
    level, year = peak_rows(series.to_numpy(dtype=float), _times(series))
    return float(level[0]), float(year[0])


# -- shocks ------------------------------------------------------------------------------------


def shock_rows(
    queue: np.ndarray,
    months: np.ndarray,
    *,
    start: np.ndarray,
    length: np.ndarray,
    window_end: np.ndarray,
    tolerance: float = RECOVERY_TOLERANCE,
    reference: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    r"""Return each member's response to its shock: the one definition of recovery.

    Parameters
    ----------
    queue : numpy.ndarray
        Crisis queue, members x times.
    months : numpy.ndarray
        Model month of each time.
    start, length, window_end : numpy.ndarray
        Per member: the shock's start and length and the end of the window it is judged
        in (the next shock's start; ``inf`` if none), in months. A ``nan`` start is no
        shock (nothing recovers).
    tolerance : float
        Recovery band above the reference (default 5%).
    reference : numpy.ndarray, optional
        The queue each member would have had without the shock (the same scenario with that
        shock's length 0), members x times: the **no-shock counterfactual**. Recovery is
        then judged against it, time by time. Without it, against the pre-shock level
        :math:`q(s)`, which a service whose demand grows (v2's child population and need)
        leaves even with no shock at all.

    Returns
    -------
    dict of str to numpy.ndarray
        Per member: ``pre_index`` and ``pre_shock_level`` (the queue at the shock's start
        month, before it acts); ``recovered`` (bool), ``recovery_index`` (``-1`` if not)
        and ``recovery_months``: months from the shock's **end** until the queue is at most
        :math:`(1 + \text{tolerance})\,q_0(t)` and stays there to the window's end
        (``nan`` if it never does or there is no shock), :math:`q_0(t)` the reference (or
        :math:`q(s)` without one); ``peak_index``, ``peak_level`` (from the
        start to recovery or the window end), ``depth`` (peak rise over the pre-shock
        level, at least 0) and ``depth_share`` (over the pre-shock level, ``nan`` if that
        is not positive).
    """
    q = np.atleast_2d(np.asarray(queue, dtype=float))
    n, size = q.shape
    rows = np.arange(n)
    start = np.broadcast_to(np.asarray(start, dtype=float), (n,))
    length = np.broadcast_to(np.asarray(length, dtype=float), (n,))
    stop = np.broadcast_to(np.asarray(window_end, dtype=float), (n,))
    has = np.isfinite(start)
    s = np.where(has, start, 0.0)
    end = s + np.where(has, length, 0.0)
    i0 = np.clip(np.searchsorted(months, s + _TOL, side="right") - 1, 0, None)
    pre = q[rows, i0]
    m = months[None, :]
    in_window = (m >= s[:, None] - _TOL) & (m < stop[:, None] - _TOL)
    after = (m >= end[:, None] - _TOL) & (m < stop[:, None] - _TOL)
    if reference is None:
        band = (pre * (1.0 + tolerance))[:, None]
    else:
        ref = np.atleast_2d(np.asarray(reference, dtype=float))
        if ref.shape != q.shape:
            raise ValueError(f"reference must have the queue's shape {q.shape}, got {ref.shape}")
        band = ref * (1.0 + tolerance)
    outside = after & (q > band)
    idx = np.arange(size)
    last_after = np.where(after, idx, -1).max(axis=1)
    first_after = np.where(after, idx, size).min(axis=1)
    last_out = np.where(outside, idx, -1).max(axis=1)
    recovered = has & (last_after >= 0) & (last_out < last_after)
    rec_idx = np.where(recovered, np.where(last_out < 0, first_after, last_out + 1), -1)
    rec_month = np.where(recovered, months[np.clip(rec_idx, 0, size - 1)], np.inf)
    span = in_window & (m < rec_month[:, None] - _TOL)
    span = np.where(span.any(axis=1)[:, None], span, in_window)
    some = span.any(axis=1)
    j = np.argmax(np.where(span, np.where(np.isnan(q), np.inf, q), -np.inf), axis=1)
    peak_index = np.where(some, j, i0)
    peak_level = q[rows, peak_index]
    depth = np.maximum(peak_level - pre, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pre > 0, depth / np.where(pre > 0, pre, 1.0), np.nan)
    return {
        "pre_index": i0,
        "pre_shock_level": pre,
        "recovered": recovered,
        "recovery_index": rec_idx,
        "recovery_months": np.where(recovered, rec_month - end, np.nan),
        "recovery_month": rec_month,
        "peak_index": peak_index,
        "peak_level": peak_level,
        "depth": depth,
        "depth_share": share,
    }


def excess_harm_rows(
    harm: np.ndarray,
    months: np.ndarray,
    *,
    start: np.ndarray,
    upper: np.ndarray,
    step_months: float,
    counterfactual: np.ndarray | None = None,
) -> np.ndarray:
    r"""Return each member's excess harm of a shock, in person-months.

    With ``counterfactual`` (harm in the same run without the shock):
    :math:`\sum_{t \ge s} (h(t) - h_0(t))\,\Delta t`; without it,
    :math:`\sum_{s \le t < u} (h(t) - h(s))\,\Delta t` up to ``upper`` (recovery or the
    window end). ``harm`` is members x periods, ``months`` the month of each period.
    """
    h = np.atleast_2d(np.asarray(harm, dtype=float))
    start = np.broadcast_to(np.asarray(start, dtype=float), (len(h),))
    from_start = months[None, :] >= start[:, None] - _TOL
    if counterfactual is not None:
        cf = np.atleast_2d(np.asarray(counterfactual, dtype=float))
        return np.where(from_start, h - cf, 0.0).sum(axis=1) * step_months
    i = np.searchsorted(months, start + _TOL, side="right") - 1
    h0 = h[np.arange(len(h)), np.clip(i, 0, None)]
    upper = np.broadcast_to(np.asarray(upper, dtype=float), (len(h),))
    sel = from_start & (months[None, :] < upper[:, None] - _TOL)
    return np.where(sel, h - h0[:, None], 0.0).sum(axis=1) * step_months


def shock_response(
    crisis_queue: pd.Series,
    *,
    start: float,
    length: float,
    window_end: float | None = None,
    harm: pd.Series | None = None,
    counterfactual_harm: pd.Series | None = None,
    counterfactual_queue: pd.Series | None = None,
    tolerance: float = RECOVERY_TOLERANCE,
    origin: float = START_YEAR,
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
        Harm level (the model's ``Harm``: crisis queue plus unmet need, people) for the
        excess harm.
    counterfactual_harm : pandas.Series, optional
        Harm level in the same scenario without this shock.
    counterfactual_queue : pandas.Series, optional
        Crisis queue in the same scenario without this shock (same index): recovery is
        judged against it (basis ``"no-shock counterfactual"``); without it, against the
        pre-shock level (basis ``"pre-shock level"``).
    tolerance : float
        Recovery band above the reference (default 5%).
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
        most ``(1 + tolerance)`` times the no-shock counterfactual queue (or, without one,
        the pre-shock level) and stays there to the window end (``0`` if it already is at
        the end; ``None``: did not recover, the tipping signal); ``recovery_basis``;
        ``excess_harm`` (person-months) and ``excess_harm_basis``. This is
        :func:`shock_rows` (and :func:`excess_harm_rows`) on one member.

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
    stop = float(window_end) if window_end is not None else math.inf
    times = _times(crisis_queue)
    reference = None
    if counterfactual_queue is not None:
        if not counterfactual_queue.index.equals(crisis_queue.index):
            raise ValueError("crisis_queue and counterfactual_queue must share the same index")
        reference = counterfactual_queue.to_numpy(dtype=float)[None, :]
    r = shock_rows(crisis_queue.to_numpy(dtype=float), model_months(times, origin),
                   start=float(start), length=float(length), window_end=stop,
                   tolerance=tolerance, reference=reference)
    recovered = bool(r["recovered"][0])
    pre = float(r["pre_shock_level"][0])
    excess: float | None = None
    basis = None
    if harm is not None:
        cf = None
        if counterfactual_harm is not None:
            if not counterfactual_harm.index.equals(harm.index):
                raise ValueError("harm and counterfactual_harm must share the same index")
            cf = counterfactual_harm.to_numpy(dtype=float)
        upper = float(r["recovery_month"][0]) if recovered else stop
        excess = float(excess_harm_rows(
            harm.to_numpy(dtype=float), model_months(_times(harm), origin), start=float(start),
            upper=upper, step_months=period_years(_times(harm)) * MONTHS_PER_YEAR,
            counterfactual=cf)[0])
        basis = "no-shock counterfactual" if cf is not None else "pre-shock level"
    depth = float(r["depth"][0])
    return {
        "start_month": float(start),
        "length_months": float(length),
        "start_year": origin + float(start) / MONTHS_PER_YEAR,
        "end_year": origin + (float(start) + float(length)) / MONTHS_PER_YEAR,
        "pre_shock_level": pre,
        "peak_level": float(r["peak_level"][0]),
        "peak_year": float(times[int(r["peak_index"][0])]),
        "depth": depth,
        "depth_share": depth / pre if pre > 0 else None,
        "recovered": recovered,
        "recovery_months": float(r["recovery_months"][0]) if recovered else None,
        "recovery_basis": ("no-shock counterfactual" if reference is not None
                           else "pre-shock level"),
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


def main_shock(settings: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
    """Return each member's main shock: the first to start, as in :func:`shocks_in`.

    Parameters
    ----------
    settings : mapping of str to array_like
        Per member (or one value for one run): ``Shock 1 start``, ``Shock 1 length``,
        ``Shock 2 start``, ``Shock 2 length`` (a missing length is 0: no such shock).

    Returns
    -------
    tuple of numpy.ndarray
        ``(number, start, length, window_end)``: shock number (0 if the member has no
        shock), start and length in months (``nan`` without a shock), and the month the
        next shock starts (``inf`` if none), the window :func:`shock_rows` looks in.
    """
    def get(key: str) -> np.ndarray:
        return np.atleast_1d(np.asarray(settings.get(key, 0.0), dtype=float))

    s1, l1, s2, l2 = (get(k) for k in SHOCK_SETTINGS)
    on1, on2 = l1 > 0, l2 > 0
    first1 = on1 & (~on2 | (s1 <= s2))  # ties go to shock 1, as shocks_in sorts (start, n)
    number = np.where(first1, 1, np.where(on2, 2, 0))
    start = np.where(first1, s1, np.where(on2, s2, np.nan))
    length = np.where(first1, l1, np.where(on2, l2, np.nan))
    window = np.where(first1 & on2, s2, np.where(~first1 & on1 & on2, s1, np.inf))
    return number, start, length, window
