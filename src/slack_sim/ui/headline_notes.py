"""Probability statements under the headline cards, from an ensemble's futures.

The cards themselves are :mod:`slack_sim.ui.headline`'s; these notes say how often a
card's outcome happens over the futures (a net saving, no recovery, reserves running out)
and where the sliders' own run sits among them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..report.text import money, months, percent
from .headline_text import HORIZON, compact

__all__ = ["card_notes", "probability_notes", "rank_note", "short_notes"]


def card_notes(notes: Mapping[str, str], summary: Mapping[str, Any],
               outcomes: pd.DataFrame) -> dict[str, str]:
    """Return the cards' probability statements, saying when a card's own value is atypical.

    Parameters
    ----------
    notes : mapping of str to str
        :func:`probability_notes` by card key.
    summary : mapping
        :func:`slack_sim.metrics.outcomes` of the scenario at the sliders' values.
    outcomes : pandas.DataFrame
        The ensemble's outcomes (one row per future).

    Returns
    -------
    dict of str to str
        The notes, the harm and wait ones followed by :func:`rank_note` when it says
        something.
    """
    out = dict(notes)
    for card_key, outcome in (("harm", "cumulative_harm"), ("wait", "peak_waiting_time")):
        rank = rank_note(float(summary[outcome]), outcomes[outcome].to_numpy(dtype=float))
        if rank and card_key in out:
            out[card_key] += " " + rank
    return out


def rank_note(value: float, futures: np.ndarray, *, lower_is: str = "better") -> str:
    """Return where a card's own value sits among the futures, when it is far from the middle.

    The cards show the sliders' own values; the futures spread around them. When the own
    value is below the 25th or above the 75th percentile of the futures, a finance officer
    should be told, or the card reads as typical when it is not.

    Parameters
    ----------
    value : float
        The card's value (the scenario run at the sliders' own values).
    futures : numpy.ndarray
        The same outcome in each future.
    lower_is : {"better", "worse"}
        Whether a lower value is the better one (harm, waiting: "better").

    Returns
    -------
    str
        For example "The sliders' own value is better than 92% of the futures." or ``""``
        when it lies between the quartiles (or there are no finite futures).

    Examples
    --------
    >>> rank_note(1.0, np.arange(2.0, 12.0))
    "The sliders' own value is better than 100% of the futures."
    >>> rank_note(6.0, np.arange(2.0, 12.0))
    ''
    """
    values = np.asarray(futures, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values) or not np.isfinite(value):
        return ""
    below = float(np.mean(values < value))
    above = float(np.mean(values > value))
    good, bad = (above, below) if lower_is == "better" else (below, above)
    if good > 0.75:
        return f"The sliders' own value is better than {percent(good)} of the futures."
    if bad > 0.75:
        return f"The sliders' own value is worse than {percent(bad)} of the futures."
    return ""


def short_notes(outcomes: pd.DataFrame, *, baseline_label: str = "the baseline") -> dict[str, str]:
    """Return the one-line probability under a central-estimate card, where it adds to it.

    The harm and wait cards' statements are their 90% ranges, so only the NPV card (the
    chance of a net saving against the baseline), the recovery card (the chance it never
    recovers) and the reserves card (the chance they run out) get one.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        :attr:`slack_sim.Ensemble.outcomes`: one row per future.
    baseline_label : str
        The baseline's name.

    Returns
    -------
    dict of str to str
        By card key; empty without futures.
    """
    n = len(outcomes)
    if n == 0:
        return {}
    notes: dict[str, str] = {}
    if "net_present_saving" in outcomes.columns:
        saving = outcomes["net_present_saving"].to_numpy(dtype=float)
        if np.nanmax(np.abs(saving)) >= 0.5:
            notes["npv"] = (f"Net saving against {baseline_label} positive in "
                            f"{percent(float(np.mean(saving > 0)))} of {n} futures.")
    if "main_shock" in outcomes.columns and (outcomes["main_shock"] > 0).any():
        failed = outcomes["did_not_recover"].to_numpy(dtype=bool)
        notes["recovery"] = f"Did not recover in {percent(float(np.mean(failed)))} of {n} futures."
    ran_out = np.isfinite(outcomes["reserves_runway_year"].to_numpy(dtype=float))
    notes["reserves"] = f"Run out in {percent(float(np.mean(ran_out)))} of {n} futures."
    return notes


def probability_notes(
    outcomes: pd.DataFrame, *, baseline_label: str = "the baseline"
) -> dict[str, str]:
    """Return one probability statement per headline card, from an ensemble's outcomes.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        :attr:`slack_sim.Ensemble.outcomes`: one row per future (member).
    baseline_label : str
        The baseline's name (``net_present_saving`` is against it).

    Returns
    -------
    dict of str to str
        By card key (:func:`slack_sim.ui.headline.cards`): ``"npv"`` (share of futures
        with a positive net saving against the baseline), ``"harm"`` and ``"wait"``
        (percentiles),
        ``"recovery"`` (share that did not recover; only with a shock) and ``"reserves"``
        (share where reserves run out by the end of the run). A future where a value is
        missing counts as not meeting the condition, as in
        :meth:`slack_sim.Ensemble.probability`.
    """
    n = len(outcomes)
    notes: dict[str, str] = {}
    if n == 0:
        return notes

    def share(mask: np.ndarray) -> str:
        return percent(float(np.mean(mask)))

    if "net_present_saving" in outcomes.columns:
        saving = outcomes["net_present_saving"].to_numpy(dtype=float)
        if np.nanmax(np.abs(saving)) < 0.5:  # under 50p: the same spending as the baseline
            notes["npv"] = f"Same spending as {baseline_label} in all {n} futures."
        else:
            with np.errstate(invalid="ignore"):
                positive = saving > 0
            low, mid, high = np.nanpercentile(saving, [5, 50, 95])
            notes["npv"] = (f"Net saving against {baseline_label} positive in "
                            f"{share(positive)} of {n} futures (median "
                            f"{money(mid, signed=True)}; 90% between "
                            f"{money(low, signed=True)} and "
                            f"{money(high, signed=True)}): each future's own saving; "
                            "the NPV card's change is the difference between the two "
                            "central estimates, which can differ from it in size when the "
                            "futures spread widely.")
    harm = outcomes["cumulative_harm"].to_numpy(dtype=float)
    low, mid, high = np.nanpercentile(harm, [5, 50, 95])
    notes["harm"] = (f"Harm {compact(low)} to {compact(high)} person-months in 90% of "
                     f"{n} futures (median {compact(mid)}).")
    wait = outcomes["peak_waiting_time"].to_numpy(dtype=float)
    mid, p90 = np.nanpercentile(wait, [50, 90])
    notes["wait"] = (f"Peak wait under {p90:,.1f} months in 90% of {n} futures "
                     f"(median {mid:,.1f}).")
    if "main_shock" in outcomes.columns and (outcomes["main_shock"] > 0).any():
        failed = outcomes["did_not_recover"].to_numpy(dtype=bool)
        rec = outcomes["recovery_months"].to_numpy(dtype=float)
        text = f"Did not recover in {share(failed)} of {n} futures"
        if np.isfinite(rec).any():
            text += (f"; where it recovered, a median {months(np.nanmedian(rec))} after "
                     "the shock ended")
        notes["recovery"] = text + "."
    runway = outcomes["reserves_runway_year"].to_numpy(dtype=float)
    ran_out = np.isfinite(runway)
    text = f"Reserves run out by {HORIZON} in {share(ran_out)} of {n} futures"
    if ran_out.any():
        text += f" (median {np.median(runway[ran_out]):.0f} where they do)"
    notes["reserves"] = text + "."
    return notes
