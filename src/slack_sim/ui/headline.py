"""Headline numbers for the app's cards, with deltas against a baseline.

The numbers are those of :func:`slack_sim.metrics.outcomes`; this module only chooses
five of them and writes them as text a finance officer or a workshop can read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..model.calendar import START_YEAR, label_text, model_month_text, month_text
from ..model.parse import load_model
from ..report.text import money, money_note, percent

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


def _horizon() -> str:
    """Return the last month of the run (``"March 2046"``), from the model's FINAL TIME."""
    model = load_model()
    return model_month_text(model.final_time - model.saveper)


#: The last month of the run (``"March 2046"`` on model v2) and the run's span in words.
HORIZON = _horizon()
SPAN = f"{month_text(START_YEAR)} to {HORIZON}"

#: How money is expressed everywhere in the app (model v2: GBP for the profile's whole
#: population, not per 100,000). The one copy in the app, the Teach page's session log
#: included; to be replaced by ``slack_sim.report.text.money_note()`` once it exists.
MONEY_NOTE = "Money is " + money_note() + "."


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
    return f"{months:.0f} months", float(months)


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
        delta = _compact(harm - float(b["cumulative_harm"]), signed=True)
    out.append(Card("harm", "Harm (person-months)", _compact(harm), delta, "inverse",
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
    numeric("harm", "cumulative_harm", _compact, lambda d: _compact(d, signed=True))
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
            lambda m: "never" if not np.isfinite(m) else f"{m:.0f} months", 1.0, "no shock",
            months_span)
    ordinal("reserves", _runway_values(futures),
            _runway_values(base) if base is not None else None,
            lambda y: "never" if not np.isfinite(y) else _month_label(y), 12.0, "never",
            lambda lo, hi: f"90%: {_runway_text(lo)} to {_runway_text(hi)}")
    return out


def _compact(value: float, *, signed: bool = False) -> str:
    """Return a count in short form, so a card is never cut off at 1280 px.

    Examples
    --------
    >>> _compact(1234.4), _compact(1.2345e6), _compact(-2.5e9, signed=True)
    ('1,234', '1.23m', '-2.50bn')
    """
    sign = "+" if signed and value > 0 else ""
    if abs(value) >= 1e9:
        return f"{sign}{value / 1e9:.2f}bn"
    if abs(value) >= 1e6:
        return f"{sign}{value / 1e6:.2f}m"
    return f"{sign}{value:,.0f}"


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
        By card key (:func:`cards`): ``"npv"`` (share of futures with a positive net
        saving against the baseline), ``"harm"`` and ``"wait"`` (percentiles),
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
                            f"{money(high, signed=True)}).")
    harm = outcomes["cumulative_harm"].to_numpy(dtype=float)
    low, mid, high = np.nanpercentile(harm, [5, 50, 95])
    notes["harm"] = (f"Harm {_compact(low)} to {_compact(high)} person-months in 90% of "
                     f"{n} futures (median {_compact(mid)}).")
    wait = outcomes["peak_waiting_time"].to_numpy(dtype=float)
    mid, p90 = np.nanpercentile(wait, [50, 90])
    notes["wait"] = (f"Peak wait under {p90:,.1f} months in 90% of {n} futures "
                     f"(median {mid:,.1f}).")
    if "main_shock" in outcomes.columns and (outcomes["main_shock"] > 0).any():
        failed = outcomes["did_not_recover"].to_numpy(dtype=bool)
        rec = outcomes["recovery_months"].to_numpy(dtype=float)
        text = f"Did not recover in {share(failed)} of {n} futures"
        if np.isfinite(rec).any():
            text += (f"; where it recovered, a median {np.nanmedian(rec):.0f} months after "
                     "the shock ended")
        notes["recovery"] = text + "."
    runway = outcomes["reserves_runway_year"].to_numpy(dtype=float)
    ran_out = np.isfinite(runway)
    text = f"Reserves run out by {HORIZON} in {share(ran_out)} of {n} futures"
    if ran_out.any():
        text += f" (median {np.median(runway[ran_out]):.0f} where they do)"
    notes["reserves"] = text + "."
    return notes


def _cell_text(value: Any, units: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    x = float(value)
    sign = "-" if x < 0 else ""
    if units.startswith("GBP per resident"):
        return f"{sign}£{abs(x):,.2f}"
    if units.startswith("GBP"):
        return money(x, style="pounds")
    if units == "%":
        return f"{x:.1%}"
    if units == "year":
        return f"{x:.0f}"
    if units in ("person-months", "people"):
        return f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"
    if units == "decimal year":
        return f"{x:.2f}"
    return f"{x:,.2f}"


def format_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """Return a :func:`slack_sim.compare` table as text, formatted by each row's units.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`slack_sim.compare`.

    Returns
    -------
    pandas.DataFrame
        Same rows and columns, every cell a string (money as pounds, shares as %), so
        mixed numbers and words display cleanly.
    """
    out = table.copy()
    for key, row in table.iterrows():
        units = str(row["units"])
        for col in table.columns[2:]:
            cell = row[col]
            if " - " in str(col) and cell is not None and not isinstance(cell, str):
                text = _cell_text(cell, units)
                out.at[key, col] = text if text.startswith("-") else "+" + text
            else:
                out.at[key, col] = _cell_text(cell, units)
    return out.astype(str)
