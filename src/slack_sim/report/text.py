"""Numbers as people read them: money, shares, ordinals and unit-aware table cells.

One copy of each formatter, used by the command line, the app, the storyline and the
exports, so a figure reads the same wherever it appears.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["cell", "money", "ordinal", "percent"]


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
    if units.startswith("GBP per resident"):
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
