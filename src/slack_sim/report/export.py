"""Export a comparison: CSV files and an Excel workbook for finance officers.

The workbook (written with openpyxl) has exactly three sheets:

``Assumptions``
    Every lever, uncertainty, profile input and loop switch: role, group, units, range,
    model default, the value in each scenario, definition and source.
``Outcomes``
    The comparison table of :func:`slack_sim.compare`, with notes on units and
    discounting below it.
``Time series``
    Monthly values of :data:`TIME_SERIES_OUTPUTS`, one row per scenario and month.

Money cells use a pound format with thousands separators, shares a percentage with one
decimal; each sheet's header row is frozen and filterable.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..fileio import atomic_path, atomic_write
from ..metrics.resilience import RECOVERY_TOLERANCE
from ..model.calendar import month_label
from ..model.parse import SETTABLE_ROLES, load_model
from .compare import Comparison
from .text import money_note, percent

__all__ = [
    "GBP_FORMAT",
    "PERCENT_FORMAT",
    "SHEETS",
    "TIME_SERIES_OUTPUTS",
    "assumptions_table",
    "export",
    "time_series_table",
    "write_csv",
    "write_excel",
]

#: Sheet names of the workbook, in order.
SHEETS = ("Assumptions", "Outcomes", "Time series")
#: Model outputs written to the time series.
TIME_SERIES_OUTPUTS = (
    "Total spending",
    "Crisis staff spending",
    "Agency premium spending",
    "Failure demand cost",
    "Care placement spending",
    "Prevention spending",
    "Partnership spending",
    "Community spending",
    "Funding",
    "Reserves",
    # the pathway councils report (DfE series), as the model counts them
    "Referrals",
    "Children in need",
    "Child protection plans",
    "Children looked after",
    "Care starts",
    "Care exits",
    "Spending on children looked after",
    "Early help spending",
    "Crisis queue",
    "Waiting time",
    "Unmet need",
    "Emerging need",
    "Hidden need",
    "Failure demand",
    "Workforce",
    "Utilisation",
    "Fatigue",
    "Prevention capacity",
    "Partnership strength",
    "Community capacity",
    # the denominator of any per-child (or per 100,000 children) figure
    "Child population",
)
#: Excel number format for money: pounds with thousands separators, negatives in red.
GBP_FORMAT = '"£"#,##0;[Red]-"£"#,##0'
#: Excel number format for money per child (pence shown).
GBP_PENCE_FORMAT = '"£"#,##0.00;[Red]-"£"#,##0.00'
#: Excel number format for shares: a percentage with one decimal.
PERCENT_FORMAT = "0.0%"
_NUMBER = "#,##0.00"
_INTEGER = "#,##0"
_ROLE_ORDER = {role: i for i, role in enumerate(("lever", "uncertainty", "profile", "switch"))}


def _is_share(var: Any) -> bool:
    """Return whether a variable is a share: dimensionless, in [0, 1], not an on/off flag."""
    return (
        var.units == "Dmnl"
        and var.role in ("lever", "uncertainty", "profile")
        and var.minimum is not None
        and var.maximum is not None
        and var.minimum >= 0
        and var.maximum <= 1
        and (var.step is None or var.step < 1)
    )


def assumptions_table(comparison: Comparison) -> pd.DataFrame:
    """Return every settable value of the model with its value in each scenario.

    Parameters
    ----------
    comparison : Comparison
        Scenarios that were compared.

    Returns
    -------
    pandas.DataFrame
        Columns ``Variable``, ``Role``, ``Group``, ``Units``, ``Minimum``, ``Maximum``,
        ``Model default``, one per scenario label, ``Definition``, ``Source``; levers
        first, then uncertainties, profile inputs and loop switches.
    """
    model = load_model()
    settings = {lab: sc.settings(model=model) for lab, sc in comparison.scenarios.items()}
    names = sorted(
        (n for n in model.settable if model[n].role in SETTABLE_ROLES),
        key=lambda n: _ROLE_ORDER.get(model[n].role or "", 9),
    )
    rows = []
    for name in names:
        var = model[name]
        rows.append(
            {
                "Variable": name,
                "Role": var.role,
                "Group": var.group,
                "Units": var.units,
                "Minimum": var.minimum,
                "Maximum": var.maximum,
                "Model default": var.default,
                **{lab: settings[lab][name] for lab in comparison.labels},
                "Definition": var.definition,
                "Source": var.source,
            }
        )
    return pd.DataFrame(rows)


def time_series_table(comparison: Comparison) -> pd.DataFrame:
    """Return the monthly values of the named outputs, one row per scenario and month.

    Parameters
    ----------
    comparison : Comparison
        Scenarios that were compared.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``month`` (``"YYYY-MM"``), ``year`` (decimal) and one column
        per output in :data:`TIME_SERIES_OUTPUTS` present in the model output, headed
        ``"Name (units)"``.
    """
    model = load_model()
    parts = []
    for lab in comparison.labels:
        frame = comparison.frames[lab]
        cols = [c for c in TIME_SERIES_OUTPUTS if c in frame.columns]
        part = frame[cols].copy()
        part.columns = [f"{c} ({model[c].units})" for c in cols]
        years = part.index.to_numpy(dtype=float)
        part.insert(0, "year", years)
        part.insert(0, "month", [month_label(y) for y in years])
        part.insert(0, "scenario", lab)
        parts.append(part.reset_index(drop=True))
    return pd.concat(parts, ignore_index=True)


def _outcomes_csv_table(comparison: Comparison) -> pd.DataFrame:
    return comparison.table.reset_index()


def write_csv(comparison: Comparison, path: str | os.PathLike[str]) -> list[Path]:
    """Write the outcomes to ``path`` and the time series beside it.

    Parameters
    ----------
    comparison : Comparison
        Scenarios that were compared.
    path : path-like
        CSV for the comparison table; the time series go to ``<stem>-timeseries.csv``.

    Returns
    -------
    list of pathlib.Path
        The two files written.
    """
    out = Path(path)
    series = out.with_name(f"{out.stem}-timeseries{out.suffix or '.csv'}")
    atomic_write(out, _outcomes_csv_table(comparison).to_csv(index=False))
    atomic_write(series, time_series_table(comparison).to_csv(index=False))
    return [out, series]


def _outcome_format(units: str, key: str) -> str | None:
    if units.startswith("GBP per child"):
        return GBP_PENCE_FORMAT
    if units.startswith("GBP"):
        return GBP_FORMAT
    if units == "%":
        return PERCENT_FORMAT
    if units == "year":
        return "0"
    if units in ("person-months", "people"):
        return _INTEGER if key != "peak_crisis_queue" else "#,##0.0"
    if units in ("months", "decimal year", "ratio"):
        return "0.00"
    return None


def _style_header(ws: Any, ncols: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDE5F0")
    for col in range(1, ncols + 1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _set_widths(ws: Any, widths: dict[int, float]) -> None:
    from openpyxl.utils import get_column_letter

    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _excel_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _write_assumptions(ws: Any, comparison: Comparison) -> None:
    from openpyxl.utils import get_column_letter

    model = load_model()
    table = assumptions_table(comparison)
    ws.append(list(table.columns))
    value_cols = ["Minimum", "Maximum", "Model default", *comparison.labels]
    idx = {c: i + 1 for i, c in enumerate(table.columns)}
    for r, row in enumerate(table.itertuples(index=False), start=2):
        ws.append([_excel_value(v) for v in row])
        var = model[row[0]]
        if var.units.startswith("GBP"):
            fmt = GBP_FORMAT
        elif _is_share(var):
            fmt = PERCENT_FORMAT
        else:
            fmt = "#,##0.####"
        for c in value_cols:
            ws.cell(row=r, column=idx[c]).number_format = fmt
    _style_header(ws, len(table.columns))
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"
    widths = {1: 36, 2: 12, 3: 14, 4: 22, 5: 12, 6: 12, 7: 14}
    widths.update({idx[lab]: 16 for lab in comparison.labels})
    widths.update({idx["Definition"]: 60, idx["Source"]: 60})
    _set_widths(ws, widths)


def _write_outcomes(ws: Any, comparison: Comparison) -> None:
    from openpyxl.styles import Font

    table = comparison.table
    columns = ["Outcome", "Units", *table.columns[2:], "Key"]
    ws.append(columns)
    for r, (key, row) in enumerate(table.iterrows(), start=2):
        values = [row["outcome"], row["units"], *row.iloc[2:].tolist(), key]
        ws.append([_excel_value(v) for v in values])
        fmt = _outcome_format(str(row["units"]), str(key))
        if fmt:
            for c in range(3, len(columns)):
                ws.cell(row=r, column=c).number_format = fmt
    _style_header(ws, len(columns))
    ws.freeze_panes = "C2"
    notes = [
        "Notes",
        f"Money: {money_note(comparison.base_year)}, each month discounted from its start. "
        "Real terms. A figure per child divides by the model's Child population (its column "
        "in the Time series sheet; per 100,000 children is 100,000 times that).",
        "Savings against the baseline are baseline minus scenario spending; the benefit-cost "
        "ratio is the present value of money cut from the spending categories where the "
        "scenario spends less over that of costs grown in the categories where it spends "
        "more (the rows of the savings ledger).",
        "Break-even: the first year from which the cumulative discounted saving stays "
        "positive. Recovery: months after a shock ends until the crisis queue is back to at "
        f"most {percent(RECOVERY_TOLERANCE)} above its level at the shock's start, and stays "
        "there. Excess harm: person-months of harm (the model's Harm: crisis queue + unmet "
        "need) against the same scenario without the shock.",
        f"Model version {load_model().version}.",
    ]
    start = len(table) + 3
    for i, text in enumerate(notes):
        cell = ws.cell(row=start + i, column=1, value=text)
        if i == 0:
            cell.font = Font(bold=True)
    widths = {1: 60, 2: 38}
    widths.update({c: 18 for c in range(3, len(columns))})
    widths[len(columns)] = 30
    _set_widths(ws, widths)


def _write_time_series(ws: Any, comparison: Comparison) -> None:
    from openpyxl.utils import get_column_letter

    table = time_series_table(comparison)
    model = load_model()
    # shares: dimensionless outputs the model bounds to [0, 1] (utilisation, fatigue, ...)
    shares = {f"{name} ({model[name].units})" for name in TIME_SERIES_OUTPUTS
              if model[name].units == "Dmnl" and model[name].minimum == 0
              and model[name].maximum == 1}
    ws.append(list(table.columns))
    formats = []
    for col in table.columns:
        if col == "month":
            formats.append("mmm yyyy")
        elif col == "year":
            formats.append("0.000")
        elif "(GBP" in col:
            formats.append(GBP_FORMAT)
        elif col in shares:
            formats.append(PERCENT_FORMAT)
        else:
            formats.append(_NUMBER if col != "scenario" else None)
    for row in table.itertuples(index=False):
        values = [_excel_value(v) for v in row]
        y, m = (int(p) for p in values[1].split("-"))
        values[1] = dt.datetime(y, m, 1)
        ws.append(values)
    for c, fmt in enumerate(formats, start=1):
        if fmt is None:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=c, max_col=c):
            cell.number_format = fmt
    _style_header(ws, len(table.columns))
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"
    widths = {1: 22, 2: 11, 3: 10}
    widths.update({c: 18 for c in range(4, len(table.columns) + 1)})
    _set_widths(ws, widths)


def write_excel(comparison: Comparison, path: str | os.PathLike[str]) -> Path:
    """Write the comparison to an Excel workbook with the sheets of :data:`SHEETS`.

    Parameters
    ----------
    comparison : Comparison
        Scenarios that were compared (:func:`slack_sim.compare.comparison`).
    path : path-like
        The ``.xlsx`` file to write.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    from openpyxl import Workbook

    wb = Workbook()
    default = wb.active
    wb.remove(default)
    writers = {
        "Assumptions": _write_assumptions,
        "Outcomes": _write_outcomes,
        "Time series": _write_time_series,
    }
    for name in SHEETS:
        writers[name](wb.create_sheet(name), comparison)
    out = Path(path)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


def export(comparison: Comparison, path: str | os.PathLike[str]) -> list[Path]:
    """Write a comparison to ``.xlsx`` (one workbook) or ``.csv`` (outcomes + time series).

    Parameters
    ----------
    comparison : Comparison
        Scenarios that were compared.
    path : path-like
        Destination; its suffix chooses the format.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return [write_excel(comparison, path)]
    if suffix == ".csv":
        return write_csv(comparison, path)
    raise ValueError(f"cannot export to {str(path)!r}: use a .xlsx or .csv file name")
