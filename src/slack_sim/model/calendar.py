"""The model's calendar: model time in months <-> decimal years.

Month 0 of the model is the calendar month of the ``Origin: YYYY-MM.`` tag of the
INITIAL TIME comment in ``models/slack.mdl`` (a model fact, read by
:func:`~slack_sim.model.parse.load_model`); a month is 1/12 year. ``START_YEAR`` is
that month as a decimal year, looked up from the model when first used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .parse import load_model

__all__ = [
    "MONTHS_PER_YEAR",
    "MONTH_NAMES",
    "START_YEAR",  # noqa: F822 (module __getattr__: read from the model when used)
    "financial_year",
    "label_text",
    "model_month_text",
    "month_index",
    "month_label",
    "month_text",
    "start_year",
    "to_years",
]

#: Months in a year (the model's time unit is the month).
MONTHS_PER_YEAR = 12.0


def start_year() -> float:
    """Return the decimal year of model time 0, from the model's ``Origin:`` tag."""
    return load_model().start_year


def __getattr__(name: str) -> Any:
    # START_YEAR is read from the model when first asked for, so importing the package
    # does not parse the model file
    if name == "START_YEAR":
        return start_year()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_years(months: Any, *, start: float | None = None) -> Any:
    """Convert model time in months to decimal years.

    Parameters
    ----------
    months : array-like
        Model time in months.
    start : float, optional
        Decimal year of month 0 (default: the model's origin, :func:`start_year`).

    Returns
    -------
    numpy.ndarray or float
        Decimal years.
    """
    origin = start_year() if start is None else start
    return origin + np.asarray(months, dtype=float) / MONTHS_PER_YEAR


def _origin_months() -> int:
    return int(round(start_year() * MONTHS_PER_YEAR))


#: Month names, January first.
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def month_index(year: float) -> int:
    """Return the whole months since model time 0 of a decimal year on the monthly grid."""
    return int(round((float(year) - start_year()) * MONTHS_PER_YEAR))


def month_label(year: float) -> str:
    """Return ``"YYYY-MM"`` for a decimal year on the monthly grid (``2016.5`` -> ``2016-07``)."""
    months = month_index(year) + _origin_months()
    return f"{months // 12}-{months % 12 + 1:02d}"


def month_text(year: float, *, short: bool = False) -> str:
    """Return a decimal year as a month: ``2021.75`` -> ``"October 2021"`` (``"Oct 2021"``)."""
    months = month_index(year) + _origin_months()
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
    months = month_index(year) + _origin_months()
    start = months // 12 if months % 12 >= 3 else months // 12 - 1
    return f"{start}-{(start + 1) % 100:02d}"
