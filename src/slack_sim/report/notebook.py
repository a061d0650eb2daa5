"""Helpers for the teaching notebooks (``notebooks/``): printable tables, no plotting.

The notebooks only run, print and plot; what they print comes from here, so that no
notebook carries its own copy of a formatter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from .text import cell

__all__ = ["show_table"]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def show_table(table: pd.DataFrame, rows: Sequence[str], columns: Sequence[str]) -> str:
    """Return rows of a comparison table as plain text, each cell formatted by its units.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`slack_sim.compare` (or ``Comparison.table``): indexed by outcome key,
        with the columns ``outcome`` and ``units`` and one column per scenario.
    rows : sequence of str
        Outcome keys to show, in order (e.g. ``"npv_total_spending"``).
    columns : sequence of str
        Scenario columns to show after the label and units (e.g. ``Comparison.labels``).

    Returns
    -------
    str
        A fixed-width table without the index: the label, the units, then one column per
        scenario; numbers by :func:`slack_sim.report.text.cell` (pounds whole, years to
        two decimals, ...), a missing value (no recovery, no break-even) as ``-``.

    Raises
    ------
    KeyError
        For a row or column the table does not have.

    Examples
    --------
    >>> import slack_sim as ss  # doctest: +SKIP
    >>> from slack_sim.report.notebook import show_table
    >>> table = ss.compare([ss.preset("invest-to-save")], baseline="austerity-then-covid")
    >>> print(show_table(table, ["npv_total_spending"], ["invest-to-save"]))  # doctest: +SKIP
    """
    rows, columns = list(rows), list(columns)
    missing = [r for r in rows if r not in table.index] + [
        c for c in ["outcome", "units", *columns] if c not in table.columns]
    if missing:
        raise KeyError(f"the table has no row or column {missing}")
    part = table.loc[rows, ["outcome", "units", *columns]]
    text = pd.DataFrame(
        {c: [v if c in ("outcome", "units") else ("-" if _missing(v) else cell(v, str(u)))
             for v, u in zip(part[c], part["units"], strict=True)]
         for c in part.columns},
        index=part.index)
    return text.to_string(index=False)
