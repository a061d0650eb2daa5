"""The model's calendar: model time in months <-> decimal years.

Month 0 of the model is January 2010 (decimal year 2010.0); a month is 1/12 year.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "MONTHS_PER_YEAR",
    "MONTH_NAMES",
    "START_YEAR",
    "financial_year",
    "label_text",
    "model_month_text",
    "month_index",
    "month_label",
    "month_text",
    "to_years",
]

#: Calendar year of model time 0 (January 2010).
START_YEAR = 2010.0
#: Months in a year (the model's time unit is the month).
MONTHS_PER_YEAR = 12.0


def to_years(months: Any) -> Any:
    """Convert model time in months to decimal years (month 0 is ``START_YEAR``)."""
    return START_YEAR + np.asarray(months, dtype=float) / MONTHS_PER_YEAR


#: Month names, January first.
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def month_index(year: float) -> int:
    """Return the whole months since model time 0 of a decimal year on the monthly grid."""
    return int(round((float(year) - START_YEAR) * MONTHS_PER_YEAR))


def month_label(year: float) -> str:
    """Return ``"YYYY-MM"`` for a decimal year on the monthly grid (``2016.5`` -> ``2016-07``)."""
    months = month_index(year) + int(START_YEAR) * 12
    return f"{months // 12}-{months % 12 + 1:02d}"


def month_text(year: float, *, short: bool = False) -> str:
    """Return a decimal year as a month: ``2021.75`` -> ``"October 2021"`` (``"Oct 2021"``)."""
    months = month_index(year) + int(START_YEAR) * 12
    name = MONTH_NAMES[months % 12]
    return f"{name[:3] if short else name} {months // 12}"


def label_text(label: str | None, *, short: bool = True) -> str | None:
    """Return ``"YYYY-MM"`` as ``"Jul 2016"`` (``None`` or empty stays ``None``)."""
    if not label:
        return None
    year, month = label.split("-")
    return month_text(int(year) + (int(month) - 1) / MONTHS_PER_YEAR, short=short)


def model_month_text(month: float, *, short: bool = False) -> str:
    """Return model time in months as a month: ``138`` -> ``"July 2021"``."""
    return month_text(float(to_years(month)), short=short)


def financial_year(year: float) -> str:
    """Return the financial year (April-March) of a decimal year: ``2027.25`` -> ``"2027-28"``."""
    months = month_index(year) + int(START_YEAR) * 12
    start = months // 12 if months % 12 >= 3 else months // 12 - 1
    return f"{start}-{(start + 1) % 100:02d}"
