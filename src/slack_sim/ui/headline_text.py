"""How the app's cards and tables write their numbers: the run's span, money, counts, units.

Shared by the cards (:mod:`slack_sim.ui.headline`) and their probability statements
(:mod:`slack_sim.ui.headline_notes`); money and percentages themselves are
:mod:`slack_sim.report.text`'s.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..model.calendar import START_YEAR, model_month_text, month_text
from ..model.parse import load_model
from ..report.text import money, money_note

__all__ = ["HORIZON", "MONEY_NOTE", "SPAN", "compact", "format_comparison"]


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


def compact(value: float, *, signed: bool = False) -> str:
    """Return a count in short form, so a card is never cut off at 1280 px.

    Examples
    --------
    >>> compact(1234.4), compact(1.2345e6), compact(-2.5e9, signed=True)
    ('1,234', '1.23m', '-2.50bn')
    """
    sign = "+" if signed and value > 0 else ""
    if abs(value) >= 1e9:
        return f"{sign}{value / 1e9:.2f}bn"
    if abs(value) >= 1e6:
        return f"{sign}{value / 1e6:.2f}m"
    return f"{sign}{value:,.0f}"



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
