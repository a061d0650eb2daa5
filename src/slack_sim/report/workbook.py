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
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..analysis.appraise import POLICY_START, AppraisalRun
from ..fileio import atomic_path
from ..metrics.appraisal import fy_label
from ..metrics.prices import price_label, vintage
from ..model import load_model
from ..model.calendar import month_text

__all__ = ["GBP_THOUSANDS", "SHEET_NAME_MAX", "sheet_name", "write_appraisal_workbook"]

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
    ("payback_year", "Discounted payback (financial year, or not in the window)", "text"),
    ("return_per_pound", "Return per £1 of extra prevention", "ratio"),
    ("avoided_harm", "Avoided harm (person-months; not money)", "count"),
    ("lowest_reserves", "Lowest reserves in the window (£ thousands)", "money"),
    ("months_below_zero", "Months with reserves below zero", "count"),
)


#: Characters Excel refuses in a sheet name.
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
#: Excel's limit on a sheet name's length.
SHEET_NAME_MAX = 31


def sheet_name(name: str, used: set[str]) -> str:
    r"""Return an Excel sheet name for a scenario's name, unique among ``used`` (updated).

    The name the user gave, as far as Excel allows: the characters it forbids
    (``[ ] : * ? / \``) become ``-``, no apostrophe at either end, at most 31
    characters, and a name already taken (Excel compares them case-blind) gets a
    number: ``"ring fence (2)"``.

    Examples
    --------
    >>> used = {"summary", "assumptions"}
    >>> sheet_name("Ring fence: 2027/28?", used), sheet_name("ring fence: 2027/28?", used)
    ('Ring fence- 2027-28-', 'ring fence- 2027-28- (2)')
    """
    base = _FORBIDDEN.sub("-", unicodedata.normalize("NFKC", str(name))).strip().strip("'")
    base = base[:SHEET_NAME_MAX].strip() or "Scenario"
    out, k = base, 2
    while out.lower() in used or out.lower() == "history":
        suffix = f" ({k})"
        out = base[:SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
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
    from openpyxl.styles import Alignment

    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        cell.value = "not in window" if kind == "text" else "n/a"
        cell.alignment = Alignment(horizontal="right")
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
        cell.alignment = Alignment(horizontal="right")


_STATS = ("Central (median)", "5th percentile", "95th percentile", "This run")


def _summary(ws: Any, runs: Mapping[str, AppraisalRun]) -> None:
    """Write every figure of every scenario: central estimate, 90% range and this run."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    names = list(runs)
    width = len(_STATS)
    ws.cell(row=1, column=1, value="Appraisal summary")
    ws.cell(row=2, column=1, value="Figure")
    for i, name in enumerate(names):
        first = 2 + i * width
        ws.cell(row=1, column=first, value=name).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=1, start_column=first, end_row=1,
                       end_column=first + width - 1)
        for j, stat in enumerate(_STATS):
            cell = ws.cell(row=2, column=first + j, value=stat)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ncols = 1 + width * len(names)
    _style_header(ws, 1, ncols)
    _style_header(ws, 2, ncols)
    bands = {name: run.appraisal.bands() for name, run in runs.items()}
    r = 3
    for key, label, kind in _SUMMARY_ROWS:
        ws.cell(row=r, column=1, value=label)
        for i, name in enumerate(names):
            b = bands[name].loc[key]
            for j, stat in enumerate(("central", "low", "high", "own")):
                value = b[stat]
                if kind == "text":  # the payback: a financial year
                    value = fy_label(value)
                elif key != "payback_year" and stat != "own" and b["defined"] == 0:
                    value = None
                _put(ws, r, 2 + i * width + j, value, kind)
        r += 1
    ws.cell(row=r, column=1, value="Share of futures that pay back within the window")
    for i, name in enumerate(names):
        _put(ws, r, 2 + i * width, bands[name].loc["payback_year", "defined"], "pct")
    r += 1
    ws.cell(row=r, column=1, value="Probability of a net saving (NPV of net cost below 0)")
    for i, name in enumerate(names):
        run = runs[name]
        _put(ws, r, 2 + i * width, run.appraisal.probability_of_saving(), "pct")
        own = float(run.appraisal.own["npv_net_cost"])
        ws.cell(row=r, column=2 + i * width + 3, value="a net saving" if own < 0
                else "a net cost")
    r += 1
    ws.cell(row=r, column=1, value="Futures")
    for i, name in enumerate(names):
        ws.cell(row=r, column=2 + i * width,
                value=f"{runs[name].futures:,} {runs[name].futures_source}")
    r += 2
    notes = {"Reading the figures": (
        "central: the median over the futures; 5th to 95th percentile: the 90% range; this "
        "run: the scenario's own settings. A ratio with nothing to divide by (no extra "
        "cost, no extra prevention) is n/a and left out of the percentiles."),
        **runs[names[0]].appraisal.notes}
    last = max(ncols, 1 + width)
    for key, text in notes.items():
        ws.cell(row=r, column=1, value=key[0].upper() + key[1:]).alignment = Alignment(
            vertical="top")
        cell = ws.cell(row=r, column=2, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=last)
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(text) / (16 * (last - 1))))
        r += 1
    ws.column_dimensions["A"].width = 62
    for c in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16
    ws.row_dimensions[2].height = 30
    ws.freeze_panes = "B3"


def _by_year(ws: Any, run: AppraisalRun, title: str) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference

    table = run.appraisal.by_year
    # the sliders' own run, as the app's table: the Summary's central estimates are
    # medians over the futures, which no single run's years add up to
    ws.append([f"{title}: this run (its own settings), by financial year (£ thousands)",
               *table.index])
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


def _month_note(model: Any, key: str, value: Any) -> str:
    """Return a date setting in model months also as a month and year (else ``""``)."""
    var = model[key]
    if value is None or var.units != "Month" or not (
            key.endswith(" start") or key.endswith(" start time")):
        return ""
    return month_text(model.start_year + float(value) / 12)


def _assumptions(ws: Any, runs: Mapping[str, AppraisalRun]) -> None:
    """Write the basis of the appraisal, then every setting that differs (units, source)."""
    model = load_model()
    first = next(iter(runs.values())).appraisal
    basis = [
        ("Model", f"models/slack.mdl, version {model.version}"),
        ("Window", first.notes["window"]),
        ("Price base", price_label(first.prices)),
        ("Deflator (source and vintage)", f"GDP deflator: {vintage()}"),
        ("Real growth in unit costs", "from the model (e.g. Real growth in cost per child "
         "in care, below where changed); separate from general inflation, which the GDP "
         "deflator removes"),
        ("Discount rate to year 30", f"{first.rate:.1%} a year (HM Treasury Green Book: "
         "3.5%)"),
        ("Discount rate after year 30", f"{first.long_rate:.1%} a year (Green Book: "
         "3.0%)"),
        ("Discounted to", month_text(first.start)),
    ]
    ws.append(["Appraisal basis", ""])
    _style_header(ws, 1, 2)
    for label, text in basis:
        ws.append([label, text])
    ws.append([])
    ws.append(["Scenario", "Setting", "Kind", "Value", "Counterfactual value",
               "Profile default", "Units", "As a date", "Source"])
    _style_header(ws, ws.max_row, 9)
    for name, run in runs.items():
        ws.append([name, "Profile", "profile", run.scenario.profile,
                   run.counterfactual.profile, "", "", "", ""])
        ws.append([name, "Counterfactual", "", run.counterfactual.name, "", "", "", "",
                   run.counterfactual.description])
        ws.append([name, "Futures", "", f"{run.futures:,}", "", "", "", "",
                   run.futures_source])
        own = run.scenario.settings()
        base = run.counterfactual.settings()
        default = type(run.scenario)(profile=run.scenario.profile).settings()
        # when the policy starts is read with every appraisal, changed or not (a window
        # read without it misleads)
        starts = {POLICY_START} if POLICY_START in model else set()
        changed = sorted(set(run.scenario.values) | set(run.counterfactual.values) | starts,
                         key=lambda k: (model[k].role != "lever", k))
        if not set(changed) - starts:
            ws.append([name, "(no other setting differs from the profile's defaults)"])
        for key in changed:
            var = model[key]
            ws.append([name, key, var.role, own.get(key), base.get(key), default.get(key),
                       var.units, _month_note(model, key, own.get(key)), var.source])
    for col, width in zip("ABCDEFGHI", (30, 36, 12, 14, 18, 14, 16, 14, 80), strict=True):
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
        _by_year(wb.create_sheet(sheet_name(name, used)), run, name)
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
