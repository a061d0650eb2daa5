"""Numbers as people read them: money, shares, ordinals and unit-aware table cells.

One copy of each formatter, used by the command line, the app, the storyline and the
exports, so a figure reads the same wherever it appears: :func:`money_note` says once how
money is counted, :func:`statement` words an ensemble's share of futures for a card.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

from ..metrics.finance import GREEN_BOOK_LONG_RATE, GREEN_BOOK_RATE, GREEN_BOOK_SWITCH_YEAR
from ..model.calendar import month_text, start_year

__all__ = ["STATEMENT_PHRASES", "cell", "money", "money_note", "months", "ordinal", "percent",
           "statement", "terminal_safe"]


def money(value: float, *, signed: bool = False,
          style: Literal["short", "millions", "pounds"] = "short") -> str:
    """Return an amount of pounds as text.

    Parameters
    ----------
    value : float
        Pounds.
    signed : bool
        Write ``+`` before a positive amount.
    style : {"short", "millions", "pounds"}
        ``"short"``: ``£358.6m``, ``£1.23bn``, ``£950k``, ``£12``; ``"millions"``:
        always millions with one decimal (``£1,234.5m``); ``"pounds"``: whole pounds
        with thousands separators (``£12,345``).

    Returns
    -------
    str
        For example ``-£21.1m`` (the sign before the pound sign).
    """
    if not math.isfinite(value):
        return str(value)
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    size = abs(value)
    if style == "pounds":
        return f"{sign}£{size:,.0f}"
    if style == "millions":
        return f"{sign}£{size / 1e6:,.1f}m"
    if size >= 1e9:
        text = f"£{size / 1e9:.2f}bn"
    elif size >= 1e6:
        text = f"£{size / 1e6:.1f}m"
    elif size >= 1e3:
        text = f"£{size / 1e3:.0f}k"
    else:
        text = f"£{size:.0f}"
    return sign + text


def percent(share: float, *, digits: int = 0, exact_ends: bool = True) -> str:
    """Return a share in ``[0, 1]`` as a percentage.

    With ``exact_ends`` (the default) a share above 0 but under the last digit shown
    reads ``"under 1%"`` and one just under 1 ``"over 99%"``, so "never" and "always"
    mean exactly that.
    """
    if not math.isfinite(share):
        return str(share)
    unit = 10.0 ** -(digits + 2)
    if exact_ends and 0 < share < unit:
        return f"under {unit:.{digits}%}"
    if exact_ends and 1 - unit < share < 1:
        return f"over {1 - unit:.{digits}%}"
    return f"{share:.{digits}%}"


def money_note(base_year: float | None = None, *, rates: bool = True) -> str:
    """Return how money is counted, as one sentence (no full stop): the one copy of it.

    Parameters
    ----------
    base_year : float, optional
        The (decimal) year present values are discounted to (default: the model's start,
        January 2010).
    rates : bool
        Add the Green Book rates in brackets (default).

    Returns
    -------
    str
        ``"GBP for the profile's whole population (not per 100,000), at 2010/11 prices;
        present value at January 2010 on the HM Treasury Green Book schedule (3.5% a year
        for 30 years, 3.0% after)"``. The prices year is the model's first financial year.
    """
    y0 = int(start_year())
    when = month_text(float(y0 if base_year is None else base_year))
    text = (f"GBP for the profile's whole population (not per 100,000), at "
            f"{y0}/{(y0 + 1) % 100:02d} prices; present value at {when} on the HM Treasury "
            "Green Book schedule")
    if rates:
        text += (f" ({GREEN_BOOK_RATE:.1%} a year for {GREEN_BOOK_SWITCH_YEAR:g} years, "
                 f"{GREEN_BOOK_LONG_RATE:.1%} after)")
    return text


#: What holds, by (outcome, comparison), in the wording of :func:`statement`.
STATEMENT_PHRASES: Mapping[tuple[str, str], str] = {
    ("net_present_saving", ">"): "net saving positive",
    ("did_not_recover", ">"): "the service does not recover from the shock",
}


def statement(
    ensemble: Any, outcome: str = "net_present_saving", op: str = ">", threshold: float = 0.0,
    *, phrase: str | None = None,
) -> str:
    """Return card text such as ``"net saving positive in 87% of futures"``.

    Parameters
    ----------
    ensemble : slack_sim.analysis.ensemble.Ensemble
        Anything with ``probability(outcome, op, threshold)`` (the share of futures).
    outcome, op, threshold
        As for ``Ensemble.probability``.
    phrase : str, optional
        What holds (default: :data:`STATEMENT_PHRASES`, else ``"<outcome> <op>
        <threshold>"``).

    Returns
    -------
    str
        The share as :func:`percent` writes it (``"under 1%"``, ``"87%"``, ``"over 99%"``).
    """
    share = ensemble.probability(outcome, op, threshold)
    text = phrase or STATEMENT_PHRASES.get((outcome, op)) or f"{outcome} {op} {threshold:g}"
    return f"{text} in {percent(share)} of futures"


def months(value: float) -> str:
    """Return a whole number of months in words: ``"1 month"``, ``"12 months"``.

    Parameters
    ----------
    value : float
        Months (rounded to a whole number).

    Returns
    -------
    str
    """
    n = round(float(value))
    return f"{n:.0f} month" + ("" if n == 1 else "s")


def ordinal(value: float) -> str:
    """Return ``1st``, ``22nd``, ``90th``, ``12.5th``."""
    if float(value).is_integer():
        n = int(value)
        suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    return f"{value:g}th"


def cell(value: object, units: str) -> str:
    """Return a table cell formatted by its units (pounds, %, years, person-months, ...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if units.startswith("GBP per child"):
        return f"{value:,.2f}"
    if units.startswith("GBP"):
        return f"{value:,.0f}"
    if units == "%":
        return f"{value:.1%}"
    if units == "year":
        return f"{value:.0f}"
    if units == "decimal year":
        return f"{value:.2f}"
    if units == "person-months":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def terminal_safe(text: object) -> str:
    """Return text safe to print to a terminal: control characters shown as escapes.

    ANSI escape sequences, carriage returns and newlines in user-supplied text (a
    scenario's name, a file name) are written as their Python escapes (backslash, x1b;
    backslash, n) so that they cannot recolour the terminal, overwrite a line or forge a
    second one. Tabs are kept.
    """
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != "\t":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)
