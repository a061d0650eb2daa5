"""Headline numbers for the app's cards, with deltas against a baseline.

The numbers are those of :func:`slack_sim.metrics.outcomes`; this module only chooses
five of them and writes them as text a finance officer or a workshop can read.

The run's span and the number formats are in :mod:`slack_sim.ui.headline_text`, the
probability statements under the cards in :mod:`slack_sim.ui.headline_notes`; every public
name of both stays importable from here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..model.calendar import START_YEAR, label_text
from ..report.text import money
from ..report.text import months as month_words
from .headline_notes import card_notes as card_notes
from .headline_notes import probability_notes as probability_notes
from .headline_notes import rank_note as rank_note
from .headline_notes import short_notes as short_notes
from .headline_text import HORIZON as HORIZON
from .headline_text import MONEY_NOTE, SPAN, compact
from .headline_text import format_comparison as format_comparison

__all__ = [
    "CENTRAL_NOTE",
    "HORIZON",
    "MONEY_NOTE",
    "SPAN",
    "Card",
    "cards",
    "card_notes",
    "central_cards",
    "format_comparison",
    "probability_notes",
    "rank_note",
    "short_notes",
]

_Y0 = int(START_YEAR)


@dataclasses.dataclass(frozen=True)
class Card:
    """One headline card (``st.metric``).

    Attributes
    ----------
    key : str
        Stable identifier.
    label : str
        Card title.
    value : str
        The scenario's value as text.
    delta : str or None
        Change against the baseline as text (``None``: no comparable change).
    delta_color : {"normal", "inverse", "off"}
        ``"inverse"`` when lower is better; ``"off"`` for a change in words.
    help : str
        What the number means and its units.
    number : float or None
        The value as a number (for tests and sorting); ``None`` when absent.
    range : str
        The 90% range over the futures (``"90%: £180bn to £200bn"``); ``""`` for a card
        of one run.
    own : str
        The sliders' own run, labelled as such (``"this run: £189bn"``); ``""`` when the
        value itself is that run's.
    """

    key: str
    label: str
    value: str
    delta: str | None
    delta_color: Literal["normal", "inverse", "off"]
    help: str
    number: float | None
    range: str = ""
    own: str = ""


def _month_index(label: str) -> int:
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def _first_shock(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    shocks = summary.get("shocks") or []
    return shocks[0] if shocks else None


def _recovery(summary: Mapping[str, Any]) -> tuple[str, float | None]:
    shock = _first_shock(summary)
    if shock is None:
        return "no shock", None
    months = shock.get("recovery_months")
    if months is None:
        return "never", None
    return month_words(months), float(months)


def cards(
    summary: Mapping[str, Any], baseline: Mapping[str, Any] | None = None
) -> list[Card]:
    """Return the five headline cards of a scenario, with deltas against a baseline.

    Parameters
    ----------
    summary : mapping
        :func:`slack_sim.metrics.outcomes` of the scenario.
    baseline : mapping, optional
        The same for the baseline.

    Returns
    -------
    list of Card
        NPV of spending, cumulative harm, peak waiting time, recovery after the (first)
        shock, and when reserves run out.
    """
    out: list[Card] = []
    b = baseline or {}

    npv = float(summary["npv_total_spending"])
    delta = None
    if baseline is not None:
        delta = money(npv - float(b["npv_total_spending"]), signed=True)
    out.append(Card("npv", "NPV of spending", money(npv), delta, "inverse",
                    f"Present value of all spending, {SPAN}. " + MONEY_NOTE, npv))

    harm = float(summary["cumulative_harm"])
    delta = None
    if baseline is not None:
        delta = compact(harm - float(b["cumulative_harm"]), signed=True)
    out.append(Card("harm", "Harm (person-months)", compact(harm), delta, "inverse",
                    "The model's Harm summed over every month: person-months (child-months) "
                    "spent waiting in the crisis queue plus with unmet need (emerging and "
                    f"hidden), for the profile's whole population, {SPAN}.", harm))

    wait = float(summary["peak_waiting_time"])
    when = float(summary["peak_waiting_time_year"])
    delta = None
    if baseline is not None:
        delta = f"{wait - float(b['peak_waiting_time']):+.2f} months"
    out.append(Card("wait", "Peak wait (months)", f"{wait:.2f}", delta, "inverse",
                    f"Longest wait for a statutory response (crisis queue over throughput, "
                    f"Little's law), first reached in {when:.1f}.", wait))

    text, months = _recovery(summary)
    delta = None
    color: Literal["normal", "inverse", "off"] = "inverse"
    if baseline is not None:
        b_text, b_months = _recovery(b)
        if months is not None and b_months is not None:
            delta = f"{months - b_months:+.0f} months"
        elif text != b_text:
            delta, color = f"baseline: {b_text}", "off"
    shock = _first_shock(summary)
    when_text = (
        f" Shock {shock['shock']} runs {shock['start_year']:.2f} to {shock['end_year']:.2f}."
        if shock else ""
    )
    out.append(Card("recovery", "Shock recovery", text, delta, color,
                    "Months after the first shock ends until the crisis queue is back within "
                    "5% of its pre-shock level and stays there." + when_text, months))

    runway = summary.get("reserves_runway_month")
    value = label_text(runway) if runway else "never"
    delta = None
    color = "normal"
    if baseline is not None:
        b_runway = b.get("reserves_runway_month")
        if runway and b_runway:
            delta = f"{_month_index(runway) - _month_index(b_runway):+d} months"
        elif runway != b_runway:
            b_text = label_text(b_runway) if b_runway else "never"
            delta, color = f"baseline: {b_text}", "off"
    out.append(Card("reserves", "Reserves run out", value, delta, color,
                    "When usable reserves first go below zero (the council would need to "
                    "borrow or cut further); later is better.",
                    None if not runway else float(_month_index(runway))))
    return out


# -- the central estimate over the futures (issue 14: what the cards show) ----------------------

#: What the cards' numbers are, said once (the cards' help and the page's caption).
CENTRAL_NOTE = ("Each card: the central estimate (the median of the futures), its 90% range "
                "(5th to 95th percentile) and this run (the sliders' own values).")


def _month_label(year: float) -> str:
    """Return a decimal year on the monthly grid as ``"Mar 2031"``."""
    whole = int(np.floor(year + 1e-9))
    month = int(round((year - whole) * 12)) + 1
    whole, month = (whole + 1, 1) if month > 12 else (whole, month)
    return label_text(f"{whole}-{month:02d}")


def _quantiles(values: np.ndarray, *, ordinal: bool = False) -> tuple[float, float, float] | None:
    """Return the 5th, 50th and 95th percentiles (``None`` without values).

    ``ordinal``: values that may be infinite ("never"), read as ranks (no interpolation
    between a month and "never").
    """
    a = np.asarray(values, dtype=float)
    a = a[~np.isnan(a)]
    if not len(a):
        return None
    if ordinal:
        low, mid, high = np.percentile(a, [5, 50, 95], method="inverted_cdf")
    else:
        low, mid, high = np.percentile(a[np.isfinite(a)], [5, 50, 95])
    return float(low), float(mid), float(high)


def _runway_text(year: float) -> str:
    return "never" if not np.isfinite(year) else _month_label(year)


def _recovery_values(outcomes: pd.DataFrame) -> np.ndarray:
    """Months to recover in each future with a shock; ``inf``: did not recover."""
    shock = outcomes["main_shock"].to_numpy(dtype=float) > 0
    failed = outcomes["did_not_recover"].to_numpy(dtype=bool)
    months = np.where(failed, np.inf, outcomes["recovery_months"].to_numpy(dtype=float))
    return months[shock]


def _runway_values(outcomes: pd.DataFrame) -> np.ndarray:
    """Decimal year reserves first go below zero in each future; ``inf``: never."""
    year = outcomes["reserves_runway_year"].to_numpy(dtype=float)
    return np.where(np.isnan(year), np.inf, year)


def central_cards(
    summary: Mapping[str, Any],
    futures: pd.DataFrame,
    *,
    baseline_futures: pd.DataFrame | None = None,
    source: str = "futures",
) -> list[Card]:
    """Return the five headline cards as the central estimate over the futures.

    Each card's value is the median of the futures, its ``range`` the 5th to 95th
    percentile, its ``own`` the sliders' own run (``summary``), labelled "this run". The
    delta is the change of the central estimate against the baseline's central estimate
    over the same futures (common random numbers).

    Parameters
    ----------
    summary : mapping
        :func:`slack_sim.metrics.outcomes` of the scenario at the sliders' values.
    futures : pandas.DataFrame
        The scenario's ensemble outcomes (:attr:`slack_sim.Ensemble.outcomes`), one row
        per future.
    baseline_futures : pandas.DataFrame, optional
        The baseline's, under the same draws (no delta without it).
    source : str
        What the futures are (``"plausible futures"``), for the help text.

    Returns
    -------
    list of Card
        In the order of :func:`cards` (same keys and labels).
    """
    own = {c.key: c for c in cards(summary)}
    n = len(futures)
    base = baseline_futures
    about = (f" {CENTRAL_NOTE} Over {n:,} {source}.")
    out: list[Card] = []

    def numeric(key: str, column: str, fmt: Any, delta_fmt: Any) -> None:
        q = _quantiles(futures[column].to_numpy(dtype=float))
        card = own[key]
        if q is None:
            out.append(dataclasses.replace(card, own="", help=card.help + about))
            return
        low, mid, high = q
        delta = None
        if base is not None:
            bq = _quantiles(base[column].to_numpy(dtype=float))
            delta = delta_fmt(mid - bq[1]) if bq is not None else None
        out.append(dataclasses.replace(
            card, value=fmt(mid), delta=delta, number=mid,
            range=f"90%: {fmt(low)} to {fmt(high)}", own=f"this run: {card.value}",
            help=card.help + about))

    numeric("npv", "npv_total_spending", money, lambda d: money(d, signed=True))
    numeric("harm", "cumulative_harm", compact, lambda d: compact(d, signed=True))
    numeric("wait", "peak_waiting_time", lambda x: f"{x:.2f}", lambda d: f"{d:+.2f} months")

    def ordinal(key: str, values: np.ndarray, base_values: np.ndarray | None, fmt: Any,
                steps: float, none_text: str, span: Any) -> None:
        card = own[key]
        q = _quantiles(values, ordinal=True)
        if q is None:
            out.append(dataclasses.replace(card, value=none_text, delta=None, number=None,
                                           own=f"this run: {card.value}",
                                           help=card.help + about))
            return
        low, mid, high = q
        delta, color = None, card.delta_color
        if base_values is not None:
            bq = _quantiles(base_values, ordinal=True)
            b_mid = bq[1] if bq is not None else None
            if b_mid is not None and np.isfinite(mid) and np.isfinite(b_mid):
                delta = f"{(mid - b_mid) * steps:+.0f} months"
            elif b_mid is None or np.isfinite(mid) != np.isfinite(b_mid):
                delta, color = f"baseline: {fmt(b_mid) if b_mid is not None else none_text}", "off"
        out.append(dataclasses.replace(
            card, value=fmt(mid), delta=delta, delta_color=color,
            number=mid if np.isfinite(mid) else None,
            range=span(low, high), own=f"this run: {card.value}",
            help=card.help + about))

    def months_span(low: float, high: float) -> str:
        if np.isfinite(low) and np.isfinite(high):
            return f"90%: {low:.0f} to {high:.0f} months"
        return f"90%: {'never' if not np.isfinite(low) else f'{low:.0f} months'} to never"

    ordinal("recovery", _recovery_values(futures),
            _recovery_values(base) if base is not None else None,
            lambda m: "never" if not np.isfinite(m) else month_words(m), 1.0, "no shock",
            months_span)
    ordinal("reserves", _runway_values(futures),
            _runway_values(base) if base is not None else None,
            lambda y: "never" if not np.isfinite(y) else _month_label(y), 12.0, "never",
            lambda lo, hi: f"90%: {_runway_text(lo)} to {_runway_text(hi)}")
    return out
