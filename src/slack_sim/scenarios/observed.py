"""Observed series of English councils' children's services, and users' own figures.

The project's derived tables ``models/data/observed.csv`` and ``models/data/councils.csv``
are built by ``tools/build_local_tables.py`` from ``../shared/data/local/`` (see
``models/data/README.md``). This module reads them, reads a user's upload in the same
tidy format, and writes a template for such an upload.

It is standalone: it imports only the standard library, numpy and pandas, so the builder
and other tools can load it without the model.

Conventions (the same as the source data): ``year`` is the year ending 31 March. Stocks are
at 31 March ``year``; flows and spending are for the financial year April ``year``-1 to
March ``year``; the child population in row ``year`` is the ONS mid-year estimate at
30 June ``year``-1.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.files import models_dir

__all__ = [
    "DATA_DIR",
    "ENGLAND_CODE",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_ROWS",
    "SERIES",
    "ObservedDataError",
    "SeriesInfo",
    "councils",
    "load_observed",
    "read_observed_csv",
    "write_template",
]

DATA_DIR = models_dir() / "data"
"""Where the committed derived tables live (``<repo>/models/data``)."""

ENGLAND_CODE = "E92000001"
"""GSS code used for England (the sum of councils)."""

MAX_UPLOAD_BYTES = 2_000_000
"""Largest user upload read by :func:`read_observed_csv` (bytes)."""

MAX_UPLOAD_ROWS = 5_000
"""Most data rows read by :func:`read_observed_csv`."""

OUTLIER_FACTOR = 10.0
"""A value this many times (or this fraction of) its neighbours in time is flagged."""


@dataclass(frozen=True)
class SeriesInfo:
    """One observed series.

    Attributes
    ----------
    units : str
        Units exactly as written in ``observed.csv``.
    kind : str
        ``"stock"`` (a count at a date), ``"flow"`` (a count per year) or ``"spending"``
        (pounds per financial year).
    """

    units: str
    kind: str


SERIES: dict[str, SeriesInfo] = {
    "Child population": SeriesInfo(
        "children aged 0-17 (ONS mid-year estimate at 30 June of year-1)", "stock"),
    "Referrals": SeriesInfo("referrals per year", "flow"),
    "Children in need": SeriesInfo("children at 31 March", "stock"),
    "Child protection plans": SeriesInfo("children at 31 March", "stock"),
    "Child protection plan starts": SeriesInfo("plans per year", "flow"),
    "Section 47 enquiries": SeriesInfo("enquiries per year", "flow"),
    "Children looked after": SeriesInfo("children at 31 March", "stock"),
    "Care starts": SeriesInfo("children per year", "flow"),
    "Care exits": SeriesInfo("children per year", "flow"),
    "Spending on children looked after": SeriesInfo(
        "GBP per year, cash (nominal), gross expenditure", "spending"),
    "Early help spending": SeriesInfo("GBP per year, cash (nominal), net expenditure", "spending"),
}
"""Catalogue of series names (as in ``observed.csv`` and uploads) -> units and kind."""


class ObservedDataError(ValueError):
    """Observed data that cannot be used; the message is one line for the user."""


def _date_for(series: str, year: int) -> str:
    """Return the ISO date a value of ``series`` in reporting ``year`` refers to."""
    if series == "Child population":
        return f"{year - 1}-06-30"
    return f"{year}-03-31"


@lru_cache(maxsize=4)
def _read_table(path: str, mtime: float) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype={"area_code": str, "note": str},
                       keep_default_na=False, na_values=[""])


def _table(name: str, data_dir: Path | None) -> pd.DataFrame:
    path = (data_dir or DATA_DIR) / name
    if not path.is_file():
        raise ObservedDataError(
            f"{path}: not found; build it with `python tools/build_local_tables.py`")
    return _read_table(str(path), os.path.getmtime(path))


def councils(*, data_dir: Path | None = None) -> pd.DataFrame:
    """Return the council table ``models/data/councils.csv`` (one row per council and England).

    Parameters
    ----------
    data_dir : Path, optional
        Folder holding the derived tables; default :data:`DATA_DIR`.

    Returns
    -------
    pandas.DataFrame
        A copy of the table, one row per area, ``code`` unique.
    """
    return _table("councils.csv", data_dir).copy()


def _resolve_area(area: str, table: pd.DataFrame) -> str:
    key = area.strip()
    codes = dict(zip(table["code"].str.upper(), table["code"], strict=True))
    slugs = dict(zip(table["slug"], table["code"], strict=True))
    names = dict(zip(table["name"].str.lower(), table["code"], strict=True))
    for lookup, k in ((codes, key.upper()), (slugs, key.lower()), (names, key.lower())):
        if k in lookup:
            return lookup[k]
    pool = {**{k.lower(): v for k, v in codes.items()}, **slugs, **names}
    slug_of = dict(zip(table["code"], table["slug"], strict=True))
    close = difflib.get_close_matches(key.lower(), list(pool), n=6, cutoff=0.6)
    close = list(dict.fromkeys(slug_of[pool[c]] for c in close))[:3]
    hint = f"; did you mean {', '.join(close)}?" if close else (
        "; give a GSS code (e.g. E10000016), a slug (e.g. kent) or 'england'")
    raise ObservedDataError(f"unknown area {area!r}{hint}")


def load_observed(area: str, *, data_dir: Path | None = None) -> pd.DataFrame:
    """Return the observed series of one council or England.

    Parameters
    ----------
    area : str
        GSS code (``"E10000016"``), slug (``"kent"``), exact name (``"Kent"``) or
        ``"england"``; case-insensitive.
    data_dir : Path, optional
        Folder holding the derived tables; default :data:`DATA_DIR`.

    Returns
    -------
    pandas.DataFrame
        Rows of ``observed.csv`` for the area (``area_code, series, year, date, value,
        units, note``) plus ``kind`` from :data:`SERIES`, sorted by series and year.
        Suppressed or unavailable values have no row. Rows whose ``note`` starts with
        ``allocated:`` are estimates for a successor council before it existed.

    Raises
    ------
    ObservedDataError
        If the area is unknown (the message suggests close matches) or the table is absent.
    """
    code = _resolve_area(area, _table("councils.csv", data_dir))
    obs = _table("observed.csv", data_dir)
    out = obs[obs["area_code"] == code].copy()
    out["note"] = out["note"].fillna("")
    out["kind"] = out["series"].map(lambda s: SERIES[s].kind)
    order = {s: i for i, s in enumerate(SERIES)}
    out = out.sort_values(["series", "year"], key=lambda c: c.map(order) if c.name == "series"
                          else c, kind="stable")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- user uploads

REQUIRED_COLUMNS = ("series", "year", "value")
OPTIONAL_COLUMNS = ("standard_error", "units")


def _fail(name: str, row: int, column: str, value: object, expected: str) -> ObservedDataError:
    shown = "(blank)" if value == "" else repr(value)
    return ObservedDataError(f"{name}: row {row}, column '{column}': got {shown}; "
                             f"expected {expected}")


def _number(name: str, row: int, column: str, text: str) -> float:
    try:
        x = float(text.replace(",", "")) if text.strip() else math.nan
    except ValueError:
        raise _fail(name, row, column, text, "a number") from None
    if text.strip() == "" or not math.isfinite(x):
        raise _fail(name, row, column, text, "a finite number")
    return x


def read_observed_csv(path: str | os.PathLike[str], *,
                      horizon: tuple[float, float] = (2010.0, 2046.25)) -> pd.DataFrame:
    """Read a user's observed figures in the tidy format of ``observed.csv``.

    Lines starting with ``#`` are comments. Columns ``series, year, value`` are required,
    ``standard_error`` and ``units`` are optional (when given, ``units`` must match the
    catalogue), others (``area_code``, ``date``, ``note``...) are ignored. Rows whose
    ``value`` is blank are skipped (a template row not filled in).

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    horizon : tuple of float, keyword-only
        First and last year accepted (the model's horizon).

    Returns
    -------
    pandas.DataFrame
        Columns ``series, year, date, value, standard_error, units, kind, row, warning``;
        ``row`` is the row number a spreadsheet shows, ``warning`` is empty or says why a
        value needs confirming (10 times, or a tenth of, the median of its neighbours in
        time). The same warnings are listed in ``DataFrame.attrs["warnings"]``.

    Raises
    ------
    ObservedDataError
        With one line naming the file, row, column, the value given and what was expected:
        missing column, unknown series, year outside the horizon, negative value,
        non-numeric cell, units not matching, duplicated (series, year), file too large or
        too many rows.
    """
    p = Path(path)
    name = p.name
    lo, hi = horizon
    if not p.is_file():
        raise ObservedDataError(f"{name}: file not found")
    size = p.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise ObservedDataError(f"{name}: {size:,} bytes; expected at most "
                                f"{MAX_UPLOAD_BYTES:,} bytes")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ObservedDataError(f"{name}: not UTF-8 text; expected a CSV file") from None
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    header_row = 0
    records: list[dict[str, object]] = []
    seen: dict[tuple[str, float], int] = {}
    known = {s.lower(): s for s in SERIES}
    for fields in reader:
        row = reader.line_num
        if not fields or (fields[0].lstrip().startswith("#")) or not any(f.strip() for f in fields):
            continue
        if header is None:
            header = [f.strip().lower() for f in fields]
            header_row = row
            for col in REQUIRED_COLUMNS:
                if col not in header:
                    raise _fail(name, header_row, col, ", ".join(header),
                                "a header with columns series, year, value "
                                "(standard_error optional)")
            continue
        if len(records) >= MAX_UPLOAD_ROWS:
            raise ObservedDataError(f"{name}: row {row}: more than {MAX_UPLOAD_ROWS:,} data "
                                    f"rows; expected at most {MAX_UPLOAD_ROWS:,}")
        cell = dict(zip(header, (f.strip() for f in fields), strict=False))
        raw_series = cell.get("series", "")
        series = known.get(raw_series.lower())
        if series is None:
            close = difflib.get_close_matches(raw_series, list(SERIES), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(name, row, "series", raw_series,
                        f"one of the series in the template{hint}")
        year = _number(name, row, "year", cell.get("year", ""))
        if not lo <= year <= hi:
            raise _fail(name, row, "year", cell.get("year", ""),
                        f"a year between {lo:g} and {hi:g} (year ending 31 March)")
        value_text = cell.get("value", "")
        if value_text == "":
            continue
        value = _number(name, row, "value", value_text)
        if value < 0:
            what = "spending" if SERIES[series].kind == "spending" else "a count"
            raise _fail(name, row, "value", value_text, f"a number >= 0 ({what} cannot be "
                        "below zero)")
        se_text = cell.get("standard_error", "")
        se = math.nan
        if se_text != "":
            se = _number(name, row, "standard_error", se_text)
            if se < 0:
                raise _fail(name, row, "standard_error", se_text, "a number >= 0")
        units = cell.get("units", "")
        if units and units.lower() != SERIES[series].units.lower():
            raise _fail(name, row, "units", units, f"{SERIES[series].units!r} for {series!r}")
        key = (series, year)
        if key in seen:
            raise _fail(name, row, "year", cell.get("year", ""),
                        f"one row per series and year ({series!r} {year:g} is already in "
                        f"row {seen[key]})")
        seen[key] = row
        records.append({"series": series, "year": year, "value": value,
                        "standard_error": se, "row": row})
    if header is None:
        raise ObservedDataError(f"{name}: row 1, column 'series': no header; expected a "
                                "header with columns series, year, value")
    df = pd.DataFrame(records, columns=["series", "year", "value", "standard_error", "row"])
    df["date"] = [_date_for(s, int(y)) if float(y).is_integer() else ""
                  for s, y in zip(df["series"], df["year"], strict=True)]
    df["units"] = df["series"].map(lambda s: SERIES[s].units)
    df["kind"] = df["series"].map(lambda s: SERIES[s].kind)
    df = df.sort_values(["series", "year"], kind="stable").reset_index(drop=True)
    df["warning"] = _outlier_warnings(df, name)
    df = df[["series", "year", "date", "value", "standard_error", "units", "kind", "row",
             "warning"]]
    df.attrs["warnings"] = [w for w in df["warning"] if w]
    return df


def _outlier_warnings(df: pd.DataFrame, name: str) -> list[str]:
    """Flag values at least :data:`OUTLIER_FACTOR` times (or 1/factor) their neighbours' median.

    The neighbours are the up to two nearest values on each side in the same series.
    """
    out = [""] * len(df)
    for _, grp in df.groupby("series", sort=False):
        idx = list(grp.index)
        vals = grp["value"].to_numpy(dtype=float)
        for j, i in enumerate(idx):
            nbrs = np.concatenate([vals[max(0, j - 2):j], vals[j + 1:j + 3]])
            if len(nbrs) == 0 or vals[j] <= 0:
                continue
            ref = float(np.median(nbrs))
            if ref <= 0:
                continue
            ratio = vals[j] / ref
            if ratio >= OUTLIER_FACTOR or ratio <= 1 / OUTLIER_FACTOR:
                r = df.at[i, "row"]
                out[i] = (f"{name}: row {r}, column 'value': {vals[j]:g} is {ratio:.3g} times "
                          f"the median of its neighbours in time ({ref:g}); please confirm")
    return out


def write_template(path: str | os.PathLike[str], *, first_year: int = 2010,
                   last_year: int = 2020) -> Path:
    """Write a CSV template for a council's own figures, readable by :func:`read_observed_csv`.

    One row per series and year with ``value`` blank to fill in; header comment lines
    explain the year convention, units and how to leave a figure out.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write the template.
    first_year, last_year : int, keyword-only
        Years (ending 31 March) listed for every series.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if first_year > last_year:
        raise ValueError(f"first_year {first_year} is after last_year {last_year}")
    lines = [
        "# slack-sim observed figures template: fill in `value`; leave it blank where you have "
        "no figure.",
        "# year = year ending 31 March. Stocks (children at 31 March) are at 31 March of `year`;",
        "# flows (per year) and spending are for the financial year April year-1 to March year;",
        "# Child population is the ONS mid-year estimate at 30 June of year-1 (DfE's "
        "convention).",
        "# Spending is in pounds (not thousands or millions), cash (nominal) prices.",
        "# standard_error (optional): your measurement error in the same units as value.",
        "# Units per series:",
    ]
    lines += [f"#   {s}: {info.units} ({info.kind})" for s, info in SERIES.items()]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["series", "year", "date", "value", "standard_error", "units"])
    for s, info in SERIES.items():
        for y in range(first_year, last_year + 1):
            w.writerow([s, y, _date_for(s, y), "", "", info.units])
    out = Path(path)
    out.write_text("\n".join(lines) + "\n" + buf.getvalue(), encoding="utf-8")
    return out
