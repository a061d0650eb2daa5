"""The committee-ready appraisal workbook (Excel), for one or several named scenarios.

Sheets:

- **Summary**: the appraisal of every scenario side by side (NPV of net cost, costs and
  cashable savings, benefit-cost ratio, discounted payback year, return per £1 of extra
  prevention, avoided harm, lowest reserves and months below zero, the probability of a
  net saving with its 90% range), then the window, prices and discounting;
- one sheet per scenario, **by financial year**: spending by category for the policy and
  its counterfactual, net cost, discounted net cost, cumulative discounted net saving,
  lowest reserves, avoided harm; with native Excel charts of net cost by year and the
  cumulative net saving;
- **Assumptions**: profile, price base and deflator vintage, discount rates, the
  counterfactual, and every lever and assumption that differs from the profile's
  defaults, with units and source.

Money is in £ thousands (``#,##0``) with negatives in red, never to the penny: a model's
figures carry no such precision. Written atomically (:func:`slack_sim.fileio.atomic_path`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.appraise import AppraisalRun
from ..fileio import atomic_path, safe_filename
from ..model import load_model
from ..model.calendar import month_text

__all__ = ["GBP_THOUSANDS", "write_appraisal_workbook"]

#: £ thousands, negatives in red.
GBP_THOUSANDS = '#,##0;[Red]-#,##0'
_RATIO = "0.00"
_PCT = "0%"
_HEADER_FILL = "DCE6F1"

_SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("npv_net_cost", "NPV of net cost (£ thousands; negative = a saving)", "money"),
    ("costs", "Present value of costs: spending that rises (£ thousands)", "money"),
    ("savings", "Present value of cashable savings: spending that falls (£ thousands)", "money"),
    ("benefit_cost_ratio", "Benefit-cost ratio (savings / costs)", "ratio"),
    ("payback_year", "Discounted payback (financial year)", "text"),
    ("return_per_pound", "Return per £1 of extra prevention", "ratio"),
    ("avoided_harm", "Avoided harm (person-months; not money)", "count"),
    ("lowest_reserves", "Lowest reserves in the window (£ thousands)", "money"),
    ("months_below_zero", "Months with reserves below zero", "count"),
)


def _sheet_name(name: str, used: set[str]) -> str:
    base = safe_filename(name, default="Scenario")[:28]
    out, k = base, 2
    while out.lower() in used:
        out = f"{base[:25]}-{k}"
        k += 1
    used.add(out.lower())
    return out


def _style_header(ws: Any, row: int, ncols: int) -> None:
    from openpyxl.styles import Font, PatternFill

    for c in range(1, ncols + 1):
        cell = ws.cell(row=row, column=c)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)


def _put(ws: Any, row: int, col: int, value: Any, kind: str) -> None:
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        cell.value = "not within the window" if kind == "text" else "n/a"
        return
    if kind == "money":
        cell.value = round(float(value) / 1e3)
        cell.number_format = GBP_THOUSANDS
    elif kind == "ratio":
        cell.value = round(float(value), 2)
        cell.number_format = _RATIO
    elif kind == "count":
        cell.value = round(float(value))
        cell.number_format = "#,##0"
    elif kind == "pct":
        cell.value = float(value)
        cell.number_format = _PCT
    else:
        cell.value = value


def _summary(ws: Any, runs: Mapping[str, AppraisalRun]) -> None:
    from openpyxl.utils import get_column_letter

    names = list(runs)
    ws.append(["Appraisal summary", *names])
    _style_header(ws, 1, len(names) + 1)
    for r, (key, label, kind) in enumerate(_SUMMARY_ROWS, start=2):
        ws.cell(row=r, column=1, value=label)
        for c, name in enumerate(names, start=2):
            _put(ws, r, c, runs[name].appraisal.central[key], kind)
    r = len(_SUMMARY_ROWS) + 2
    ws.cell(row=r, column=1, value="Probability of a net saving (over the futures)")
    for c, name in enumerate(names, start=2):
        _put(ws, r, c, runs[name].appraisal.probability_of_saving(), "pct")
    r += 1
    ws.cell(row=r, column=1, value="NPV of net cost, 5th to 95th percentile (£ thousands)")
    for c, name in enumerate(names, start=2):
        npv = runs[name].appraisal.totals["npv_net_cost"].to_numpy(dtype=float)
        lo, hi = np.percentile(npv, [5, 95])
        ws.cell(row=r, column=c, value=f"{lo / 1e3:,.0f} to {hi / 1e3:,.0f}")
    r += 1
    ws.cell(row=r, column=1, value="Futures")
    for c, name in enumerate(names, start=2):
        ws.cell(row=r, column=c, value=f"{runs[name].futures:,} {runs[name].futures_source}")
    first = runs[names[0]].appraisal
    r += 2
    for key, text in first.notes.items():
        ws.cell(row=r, column=1, value=key.capitalize())
        ws.cell(row=r, column=2, value=text)
        r += 1
    ws.column_dimensions["A"].width = 62
    for c in range(2, len(names) + 2):
        ws.column_dimensions[get_column_letter(c)].width = 24
    ws.freeze_panes = "B2"


def _by_year(ws: Any, run: AppraisalRun, title: str) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference

    table = run.appraisal.by_year
    ws.append([f"{title}: by financial year (£ thousands)", *table.index])
    _style_header(ws, 1, len(table.index) + 1)
    for r, (label, row) in enumerate(table.T.iterrows(), start=2):
        ws.cell(row=r, column=1, value=label)
        kind = "count" if "harm" in label.lower() else "money"
        for c, value in enumerate(row.to_numpy(), start=2):
            _put(ws, r, c, value, kind)
    from openpyxl.utils import get_column_letter

    ws.column_dimensions["A"].width = 40
    for c in range(2, len(table.index) + 2):
        ws.column_dimensions[get_column_letter(c)].width = 12
    labels = list(table.columns)
    n = len(table.index)
    cats = Reference(ws, min_col=2, max_col=n + 1, min_row=1)
    net_row = 2 + labels.index("Net cost")
    bar = BarChart()
    bar.title, bar.y_axis.title = "Net cost by financial year", "£ thousands"
    bar.add_data(Reference(ws, min_col=1, max_col=n + 1, min_row=net_row), from_rows=True,
                 titles_from_data=True)
    bar.set_categories(cats)
    bar.height, bar.width = 7.5, 18
    ws.add_chart(bar, f"A{len(labels) + 4}")
    cum_row = 2 + labels.index("Cumulative discounted net saving")
    line = LineChart()
    line.title, line.y_axis.title = "Cumulative discounted net saving", "£ thousands"
    line.add_data(Reference(ws, min_col=1, max_col=n + 1, min_row=cum_row), from_rows=True,
                  titles_from_data=True)
    line.set_categories(cats)
    line.x_axis.tickLblPos = "low"  # year labels below the plot, clear of negative values
    bar.x_axis.tickLblPos = "low"
    line.height, line.width = 7.5, 18
    ws.add_chart(line, f"H{len(labels) + 4}")


def _assumptions(ws: Any, runs: Mapping[str, AppraisalRun]) -> None:
    model = load_model()
    ws.append(["Scenario", "Setting", "Kind", "Value", "Current policy value", "Units",
               "Source"])
    _style_header(ws, 1, 7)
    for name, run in runs.items():
        ws.append([name, "Profile", "profile", run.scenario.profile, run.counterfactual.profile,
                   "", ""])
        ws.append([name, "Counterfactual", "", run.counterfactual.name, "", "", ""])
        base = run.counterfactual.settings()
        for key, value in run.scenario.values.items():
            var = model[key]
            ws.append([name, key, var.role, value, base.get(key), var.units, var.source])
    first = next(iter(runs.values())).appraisal
    ws.append([])
    ws.append(["Prices", first.notes["prices"]])
    ws.append(["Discounting", first.notes["discounting"]])
    ws.append(["Window", first.notes["window"]])
    for col, width in zip("ABCDEFG", (28, 36, 12, 14, 18, 16, 80), strict=True):
        ws.column_dimensions[col].width = width


def write_appraisal_workbook(
    runs: Mapping[str, AppraisalRun] | Sequence[tuple[str, AppraisalRun]],
    path: str | os.PathLike[str],
) -> Path:
    """Write the appraisal workbook for named scenarios and return its path.

    Parameters
    ----------
    runs : mapping or sequence of (name, AppraisalRun)
        Each scenario under the name the user gave it (pinned scenarios keep theirs).
    path : path-like
        Destination ``.xlsx`` (written atomically).

    Returns
    -------
    pathlib.Path
    """
    from openpyxl import Workbook

    runs = dict(runs)
    if not runs:
        raise ValueError("runs: give at least one appraised scenario")
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    _summary(ws, runs)
    used = {"summary", "assumptions"}
    for name, run in runs.items():
        _by_year(wb.create_sheet(_sheet_name(name, used)), run, name)
    _assumptions(wb.create_sheet("Assumptions"), runs)
    for sheet in wb.worksheets:  # prints as a committee paper: landscape, one page wide
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
    wb.properties.title = "slack-sim appraisal from " + month_text(
        next(iter(runs.values())).appraisal.start)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)
