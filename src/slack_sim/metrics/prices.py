"""Prices: money in the model's price base, converted to a chosen base or to cash.

The model's money is in real terms at 2010-11 prices (its costs and funding are 2010-11
figures; real growth in unit costs is a model input, apart from general inflation). This
module converts it with the HM Treasury GDP deflator (the Green Book's measure of general
inflation), read from ``models/data/deflator.csv`` (built by ``tools/build_prices.py``
from ``../shared/data/prices/``):

- **real, at prices of financial year B**: value x D(B) / D(2010-11);
- **cash**: the value of each month x D(its financial year) / D(2010-11).

D is the deflator. Years after the series ends are extended at 2.0% a year (judgement:
the Bank of England's inflation target, which the OBR's forecast converges to); years
before it starts are refused. The vintage is named by :data:`VINTAGE` and on every output.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import models_dir
from ..model.calendar import financial_year
from ..validation import ValidationError

__all__ = [
    "CASH",
    "DEFAULT_PRICES",
    "LONG_RUN_INFLATION",
    "MODEL_PRICES",
    "deflator",
    "price_factors",
    "price_label",
    "vintage",
]

#: The model's own price base.
MODEL_PRICES = "2010-11"
#: The price base by default: 2025-26, the financial year the deflator's vintage (March
#: 2026) was published in and the base of its own rebased index.
DEFAULT_PRICES = "2025-26"
#: Cash (nominal) prices.
CASH = "cash"
#: Inflation assumed after the deflator series ends (judgement: the 2% target).
LONG_RUN_INFLATION = 0.02


def _path() -> Path:
    return models_dir() / "data" / "deflator.csv"


@functools.cache
def _table() -> tuple[pd.Series, str]:
    path = _path()
    lines = path.read_text(encoding="utf-8").splitlines()
    source = next((ln.removeprefix("# source:").strip() for ln in lines
                   if ln.startswith("# source:")), "")
    table = pd.read_csv(path, comment="#")
    return table.set_index("financial_year")["index"].astype(float), source


def vintage() -> str:
    """Return the deflator's source and vintage, for every output that uses it."""
    return _table()[1].split(";")[0]


def _start(fy: str) -> int:
    return int(fy[:4])


def deflator(years: list[str] | None = None) -> pd.Series:
    """Return the GDP deflator (2010-11 = 1) by financial year, extended past its end.

    Parameters
    ----------
    years : list of str, optional
        Financial years (``"2027-28"``) wanted; default the series as published.

    Returns
    -------
    pandas.Series

    Raises
    ------
    ValidationError
        For a malformed year or one before the series starts.
    """
    series = _table()[0]
    if years is None:
        return series.copy()
    first, last = _start(series.index[0]), _start(series.index[-1])
    out = {}
    for fy in years:
        if not _is_fy(fy):
            raise ValidationError(f"prices: {fy!r} is not a financial year; expected "
                                  "'cash' or a year such as '2025-26'")
        start = _start(fy)
        if start < first:
            raise ValidationError(f"prices: {fy} is outside the deflator's years "
                                  f"({series.index[0]} onward)")
        if fy in series.index:
            out[fy] = float(series[fy])
        else:
            out[fy] = float(series.iloc[-1]) * (1 + LONG_RUN_INFLATION) ** (start - last)
    return pd.Series(out)


def _is_fy(text: str) -> bool:
    return (isinstance(text, str) and len(text) == 7 and text[4] == "-" and text[:4].isdigit()
            and text[5:].isdigit() and (int(text[:4]) + 1) % 100 == int(text[5:]))


def price_factors(years: np.ndarray, prices: str = DEFAULT_PRICES) -> np.ndarray:
    """Return the factor converting model money at each time to the chosen prices.

    Parameters
    ----------
    years : numpy.ndarray
        Decimal years of the values (the model's output index).
    prices : str
        ``"cash"`` or a financial year such as ``"2025-26"`` (real terms at its prices).

    Returns
    -------
    numpy.ndarray
        Multiply model money by this, element by element.

    Examples
    --------
    At 2010-11 prices money is unchanged; at 2025-26 prices every value is scaled by one
    factor, D(2025-26) / D(2010-11) = 1.4994.

    >>> price_factors(np.array([2012.0]), "2010-11").tolist()
    [1.0]
    """
    years = np.asarray(years, dtype=float)
    if prices == CASH:
        fys = [financial_year(y) for y in years]
        table = deflator(sorted(set(fys)))
        return np.array([table[f] for f in fys])
    return np.full(years.shape, float(deflator([prices])[prices]))


def price_label(prices: str = DEFAULT_PRICES) -> str:
    """Return how outputs name their prices, e.g. ``"real terms, 2025-26 prices"``."""
    if prices == CASH:
        return "cash (nominal) prices"
    deflator([prices])  # validates
    return f"real terms, {prices} prices"
