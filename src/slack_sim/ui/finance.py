"""View models of the finance cards: an appraisal as a finance officer reads it.

:func:`slack_sim.analysis.appraise.appraise_scenario` appraises a scenario against
current policy over a window (from a month, for a number of years, at a price base,
discounted to the window's start) in many futures. This module turns its result into
text: one :class:`FinanceCard` per figure, whose value is the **central estimate** (the
median over the futures) with its **90% range** (5th to 95th percentile), and the
sliders' own run (member 0) labelled as such; the table by financial year; the
appraisal settings of the panel (:class:`AppraisalSettings`) and the side-by-side
summary of pinned scenarios on the Compare page. Nothing here draws a widget.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.appraise import AppraisalRun, next_april
from ..metrics.appraisal import rates_text
from ..metrics.prices import CASH, DEFAULT_PRICES, MODEL_PRICES, deflator, price_label
from ..model.calendar import MONTHS_PER_YEAR, month_text
from ..model.parse import Model, load_model
from ..report.text import money, percent
from ..validation import Interval, ValidationError, problems

__all__ = [
    "FUTURES_CHOICES",
    "FIELD_LABELS",
    "AppraisalSettings",
    "FinanceCard",
    "FinanceView",
    "by_year_table",
    "default_settings",
    "field_constraints",
    "finance_view",
    "month_setting_text",
    "price_choices",
    "setting_text",
    "settings_from_fields",
    "summary_table",
]

#: Futures the panel can run (besides the sliders' own run); 100 by default keeps a slider
#: move's rerun near the bands' own cost (500 doubled the server's rerun to about 0.5 s).
FUTURES_CHOICES = (0, 100, 200, 500, 1000)


@dataclasses.dataclass(frozen=True)
class AppraisalSettings:
    """The appraisal panel's settings (the cache key of an appraisal with the scenario).

    Attributes
    ----------
    start : float
        First month of the window (decimal year on the monthly grid; April 2027 is
        ``2027.25``).
    years : int
        Length of the window in years.
    prices : str
        ``"cash"`` or a financial year (real terms at its prices).
    rate, long_rate : float
        Green Book discount rates (a year, as fractions): to year 30, and after.
    futures : int
        Futures besides the sliders' own run.
    """

    start: float
    years: int = 10
    prices: str = DEFAULT_PRICES
    rate: float = 0.035
    long_rate: float = 0.030
    futures: int = 100

    @property
    def month(self) -> int:
        """Return the start's calendar month, 1 (January) to 12."""
        return int(round((self.start % 1) * MONTHS_PER_YEAR)) % 12 + 1

    @property
    def year(self) -> int:
        """Return the start's calendar year."""
        return int(math.floor(self.start + 1e-9))

    @staticmethod
    def from_month(year: int, month: int, **kwargs: Any) -> AppraisalSettings:
        """Return settings starting on a calendar month (``month`` 1 to 12)."""
        return AppraisalSettings(start=int(year) + (int(month) - 1) / MONTHS_PER_YEAR,
                                 **kwargs)

    def window_text(self) -> str:
        """Return e.g. ``"April 2027 for 10 years"``."""
        return f"{month_text(self.start)} for {self.years:g} years"


def default_settings() -> AppraisalSettings:
    """Return the panel's defaults.

    From the next April, ten years, 2025-26 prices, Green Book rates (3.5% to year 30,
    3.0% after), 100 futures.
    """
    return AppraisalSettings(start=next_april())


#: The panel's typed fields (the selectboxes offer only allowed values) by their labels
#: on the page, which messages name.
FIELD_LABELS = {"year": "Start year", "years": "Years", "rate": "Discount rate (%)",
                "long_rate": "After year 30 (%)"}


def field_constraints(model: Model | None = None) -> dict[str, Interval]:
    """Return the allowed values of the panel's typed fields, in the units they are typed in.

    The start year runs from the model's first calendar year to the year of its last
    month (a window must also end by the horizon, which the appraisal checks); a window
    is 1 to 30 years; the discount rates are 0 to 50% a year.
    """
    model = model or load_model()
    first = int(model.start_year)
    last = int(math.floor(model.start_year + (model.final_time - model.saveper) / 12))
    return {"year": Interval("integer", first, last, units="(a calendar year)",
                             grouping=False),
            "years": Interval("integer", 1, 30, units="years"),
            "rate": Interval("real", 0, 50, units="% a year"),
            "long_rate": Interval("real", 0, 50, units="% a year")}


def settings_from_fields(fields: Mapping[str, Any], *,
                         model: Model | None = None) -> AppraisalSettings:
    """Return the settings the panel's fields describe, each field checked first.

    Parameters
    ----------
    fields : mapping
        ``month`` (1 to 12), ``year``, ``years``, ``prices``, ``rate`` and ``long_rate``
        (% a year, as typed) and ``futures``.
    model : Model, optional
        The model whose calendar bounds the start year (default: the loaded model).

    Returns
    -------
    AppraisalSettings

    Raises
    ------
    ValidationError
        Naming every field that is not allowed, one line each, in the one message format
        (``Start year: 2099 is outside ...``).
    """
    found = problems(fields, field_constraints(model), labels=FIELD_LABELS)
    if found:
        raise ValidationError("\n".join(found))
    return AppraisalSettings.from_month(
        int(fields["year"]), int(fields["month"]), years=int(fields["years"]),
        prices=str(fields["prices"]), rate=float(fields["rate"]) / 100,
        long_rate=float(fields["long_rate"]) / 100, futures=int(fields["futures"]))


def price_choices() -> list[str]:
    """Return the price bases offered: the deflator's financial years from 2010-11, then cash.

    The default (:data:`~slack_sim.metrics.prices.DEFAULT_PRICES`) is among them.
    """
    years = [fy for fy in deflator().index if str(fy) >= MODEL_PRICES]
    return [*years, CASH]


@dataclasses.dataclass(frozen=True)
class FinanceCard:
    """One finance card.

    Attributes
    ----------
    key : str
        Stable identifier (a column of :attr:`slack_sim.metrics.appraisal.Appraisal.totals`,
        or ``"probability"``).
    label : str
        Card title.
    value : str
        The central estimate (median of the futures) as text.
    range : str
        Its 90% range (5th to 95th percentile of the futures) as text; ``""`` without
        futures.
    own : str
        The sliders' own run (member 0) as text, labelled as such.
    help : str
        What the figure means and its units.
    number : float or None
        The central estimate as a number (for tests); ``None`` when absent.
    """

    key: str
    label: str
    value: str
    range: str
    own: str
    help: str
    number: float | None


@dataclasses.dataclass(frozen=True)
class FinanceView:
    """Everything the appraisal panel shows.

    Attributes
    ----------
    cards : list of FinanceCard
        NPV of net cost, benefit-cost ratio, discounted payback, return per £1 of extra
        prevention, lowest reserves (with months below zero) and the probability of a
        net saving.
    futures : int
        Members appraised (the sliders' own run included).
    source : str
        What the futures are (``"futures consistent with 2010-2020"`` or
        ``"plausible futures (not history-matched)"``).
    caption : str
        The window, prices, discounting and counterfactual, in one paragraph.
    by_year : pandas.DataFrame
        :func:`by_year_table` of the sliders' own run.
    unchanged : bool
        Whether the scenario spends exactly as current policy in every future (its
        levers are at current policy, or change nothing in the window).
    """

    cards: list[FinanceCard]
    futures: int
    source: str
    caption: str
    by_year: pd.DataFrame
    unchanged: bool = False


def _fy_text(start: float) -> str:
    if not math.isfinite(start):
        return "not within the window"
    y = int(start)
    return f"{y}-{(y + 1) % 100:02d}"


def _ratio(x: float) -> str:
    return f"{x:,.2f}"


def _pound(x: float) -> str:
    return f"£{x:,.2f}" if x >= 0 else f"-£{-x:,.2f}"


def _numeric_card(key: str, label: str, band: pd.Series, fmt: Any, help_text: str, n: int,
                  *, missing: str = "n/a") -> FinanceCard:
    """Return a card from a row of :meth:`~slack_sim.metrics.appraisal.Appraisal.bands`."""
    own = float(band["own"])
    own_text = "this run: " + (fmt(own) if math.isfinite(own) else missing)
    if not band["defined"]:
        return FinanceCard(key, label, missing, "", own_text, help_text, None)
    low, mid, high = (float(band[k]) for k in ("low", "central", "high"))
    spread = f"90%: {fmt(low)} to {fmt(high)}" if n > 1 else ""
    return FinanceCard(key, label, fmt(mid), spread, own_text, help_text, mid)


def finance_view(run: AppraisalRun) -> FinanceView:
    """Return the finance cards, caption and table of an appraisal.

    Parameters
    ----------
    run : slack_sim.analysis.appraise.AppraisalRun
        The appraisal (member 0 the sliders' own settings, then the futures).

    Returns
    -------
    FinanceView
        The central estimate of each card is the median over the futures (without
        futures: this run); the range is the 5th to 95th percentile. A figure that is
        undefined in a future (a ratio with nothing to divide by) is left out of its
        median and range.
    """
    a = run.appraisal
    t = a.totals
    own = a.own
    b = a.bands()
    n = run.futures  # member 0, this run, is shown beside the futures, not among them
    window = f"{month_text(a.start)} to {month_text(a.start + a.years - 1 / 12)}"
    prices = price_label(a.prices)
    cards = [
        _numeric_card(
            "npv_net_cost", "NPV of net cost", b.loc["npv_net_cost"],
            lambda x: money(x, signed=True),
            f"Present value of the policy's spending minus current policy's, {window}, "
            f"discounted to {month_text(a.start)}, {prices}. Negative: a net saving.", n),
        _numeric_card(
            "benefit_cost_ratio", "Benefit-cost ratio", b.loc["benefit_cost_ratio"], _ratio,
            "Present value of cashable savings (spending that falls) over the present value "
            "of costs (spending that rises). Above 1: the savings exceed the costs.", n,
            missing="no extra cost"),
    ]
    pay = b.loc["payback_year"]
    low, mid, high = (float(pay[k]) for k in ("low", "central", "high"))
    spread = ""
    if n > 0:
        spread = f"pays back within the window in {percent(float(pay['defined']))} of futures"
        if low != high:
            spread = f"90%: {_fy_text(low)} to {_fy_text(high)}; " + spread
    cards.append(FinanceCard(
        "payback_year", "Discounted payback", _fy_text(mid), spread,
        "this run: " + _fy_text(float(pay["own"])),
        "The first financial year (April to March) at whose end the cumulative discounted "
        "net saving is at least zero and stays so to the window's end.",
        mid if math.isfinite(mid) else None))
    cards.append(_numeric_card(
        "return_per_pound", "Return per £1 of extra prevention", b.loc["return_per_pound"],
        _pound,
        "Present value of the fall in every other category of spending per £1 of extra "
        "prevention spending (present values). Undefined when prevention spending does "
        "not rise.", n, missing="no extra prevention"))
    reserves = _numeric_card(
        "lowest_reserves", "Lowest reserves", b.loc["lowest_reserves"],
        lambda x: money(x, signed=x < 0),
        f"The lowest usable reserves in the window ({window}), {prices}; below zero the "
        "council would have to borrow or cut further.", n)
    months = b.loc["months_below_zero"]
    below = f"{months['central']:.0f} months below zero (median)"
    if n > 0 and months["low"] != months["high"]:
        below += f", 90%: {months['low']:.0f} to {months['high']:.0f}"
    reserves = dataclasses.replace(
        reserves, range="; ".join(x for x in (reserves.range, below) if x),
        own=reserves.own + f", {float(months['own']):.0f} months below zero")
    cards.append(reserves)
    share = a.probability_of_saving()
    cards.append(FinanceCard(
        "probability", "Probability of a net saving", percent(share),
        f"in {percent(share)} of {n:,} {run.futures_source}" if n > 0
        else "no futures drawn: the sliders' own run only",
        "this run: " + ("a net saving" if float(own["npv_net_cost"]) < 0
                                else "a net cost"),
        "The share of futures in which the NPV of net cost is below zero (the policy saves "
        "money against current policy over the window).", share))
    against = run.counterfactual.description or "levers at current policy"
    source = a.notes.get("prices", "").split("GDP deflator: ")[-1]
    caption = (
        f"Against current policy ({against}), {window}, {prices}; GDP deflator: {source}. "
        f"Discounted to {month_text(a.start)} at {rates_text(a.rate, a.long_rate)}. "
        "Each card: "
        + (f"the central estimate (median) over {n:,} {run.futures_source} with its 90% "
           "range, then this run (the sliders' own values, not one of the futures)."
           if n > 0 else "this run (the sliders' own values); no futures drawn.")
        + " Avoided harm is in person-months, not money.")
    unchanged = bool(np.nanmax(np.abs(t["costs"].to_numpy(dtype=float))) < 0.5
                     and np.nanmax(np.abs(t["savings"].to_numpy(dtype=float))) < 0.5)
    return FinanceView(cards=cards, futures=n, source=run.futures_source, caption=caption,
                       by_year=by_year_table(run), unchanged=unchanged)


def by_year_table(run: AppraisalRun) -> pd.DataFrame:
    """Return the sliders' own run by financial year: money in £ thousands, rows the years.

    Parameters
    ----------
    run : slack_sim.analysis.appraise.AppraisalRun
        The appraisal.

    Returns
    -------
    pandas.DataFrame
        One row per financial year (``"2027-28"``), index named ``financial year``; the
        money columns in £ thousands (rounded to whole thousands, as the committee
        workbook), avoided harm in person-months.
    """
    table = run.appraisal.by_year.copy()
    out = pd.DataFrame(index=table.index)
    for col in table.columns:
        if "harm" in col.lower():
            out[col] = table[col].round(0)
        else:
            out[f"{col} (£ thousands)"] = (table[col] / 1e3).round(0)
    return out


def summary_table(runs: Mapping[str, AppraisalRun]) -> pd.DataFrame:
    """Return the appraisal summary of several scenarios side by side, as text.

    Parameters
    ----------
    runs : mapping of str to AppraisalRun
        By the name the user gave each scenario.

    Returns
    -------
    pandas.DataFrame
        One row per figure (``figure`` column), one column per scenario: the central
        estimate with its 90% range in brackets.
    """
    views = {name: finance_view(run) for name, run in runs.items()}
    rows: list[dict[str, str]] = []
    first = next(iter(views.values()), None)
    if first is None:
        return pd.DataFrame(columns=["figure"])
    for i, card in enumerate(first.cards):
        row = {"figure": card.label}
        for name, view in views.items():
            c = view.cards[i]
            if c.key == "probability":
                row[name] = c.range.removeprefix("in ") if c.range else c.value
            else:
                row[name] = c.value + (f" ({c.range})" if c.range else "")
        rows.append(row)
    extra = (("costs", "Present value of costs (spending that rises)", money),
             ("savings", "Present value of cashable savings (spending that falls)", money),
             ("avoided_harm", "Avoided harm (person-months, not money)",
              lambda x: f"{x:,.0f}"))
    bands = {name: run.appraisal.bands() for name, run in runs.items()}
    for key, label, fmt in extra:
        row = {"figure": label}
        for name, run in runs.items():
            b = bands[name].loc[key]
            text = fmt(b["central"]) if math.isfinite(b["central"]) else "n/a"
            if math.isfinite(b["central"]) and len(run.appraisal.totals) > 1:
                text += f" (90%: {fmt(b['low'])} to {fmt(b['high'])})"
            row[name] = text
        rows.append(row)
    return pd.DataFrame(rows)


def month_setting_text(model: Model, name: str) -> bool:
    """Return whether a setting is a date in model months (read as a month and year).

    A date is a constant in months whose name says it is a start (``Policy start time``,
    ``Austerity start``, ``Shock 1 start``); other constants in months are durations
    (``Shock 1 length``, ``Time to recruit``).
    """
    var = model[name]
    return var.units == "Month" and (name.endswith(" start") or name.endswith(" start time"))


def setting_text(name: str, value: float, *, model: Model | None = None) -> str:
    """Return a setting as the user reads it: a model month also as a month and year.

    Examples
    --------
    ``setting_text("Policy start time", 207)`` gives ``"Policy start time = 207 (April
    2027)"``.
    """
    model = model or load_model()
    text = f"{name} = {value:g}"
    if name in model and month_setting_text(model, name):
        text += f" ({month_text(model.start_year + float(value) / MONTHS_PER_YEAR)})"
    return text

