"""Council profiles: every English council with children's services, and their calibrations.

Built by ``tools/build_profiles.py`` from the project's derived tables (``models/data/``):

- ``models/profiles/councils.csv``: one row per council (code, slug, name, region, type,
  statistical neighbours) with the value of every profile input of ``slack.mdl`` (2010
  stocks and flows, child population and its growth, the 2010-11 spending split) and what
  was missing and how it was filled;
- ``models/profiles/calibration.csv``: one row per calibrated profile (England and each
  council): the model version it was calibrated for, the fitted values, whether the fit
  converged, its fit statistics and the history match's kept fraction;
- ``models/profiles/futures/<slug>.csv.gz``: the history-consistent futures of a profile
  (parameter values only).

A council is named by its slug (``kent``) or its GSS code (``E10000016``); a name is never
a path.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..model import models_dir
from .values import ScenarioError

__all__ = [
    "CALIBRATION_FILE",
    "COUNCILS_FILE",
    "calibration_record",
    "council",
    "councils",
    "fitted_values",
    "is_council",
    "kept_futures",
]

#: The council profile table, relative to ``models/``.
COUNCILS_FILE = "profiles/councils.csv"
#: The calibration table, relative to ``models/``.
CALIBRATION_FILE = "profiles/calibration.csv"
_FUTURES = "profiles/futures"
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")
_CODE = re.compile(r"E\d{8}")
#: Columns of the council table that describe the council (the rest are profile inputs).
DESCRIPTION_COLUMNS = ("code", "slug", "name", "region", "la_type", "statistical_neighbours",
                       "missing", "notes")


def _read(path: Path, mtime_ns: int) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype={"code": str})


@functools.lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> pd.DataFrame:
    return _read(Path(path), mtime_ns)


def _table(relative: str) -> pd.DataFrame | None:
    path = models_dir() / relative
    if not path.is_file():
        return None
    return _cached(str(path), path.stat().st_mtime_ns)


def councils() -> pd.DataFrame:
    """Return the council table (one row per council; empty if not built)."""
    table = _table(COUNCILS_FILE)
    return table.copy() if table is not None else pd.DataFrame(columns=list(DESCRIPTION_COLUMNS))


def _rows() -> dict[str, tuple[dict[str, Any], ...]] | None:
    """Return the council table's rows by slug and by code (``None`` if not built)."""
    path = models_dir() / COUNCILS_FILE
    if not path.is_file():
        return None
    return _rows_by_name(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _rows_by_name(path: str, mtime_ns: int) -> dict[str, tuple[dict[str, Any], ...]]:
    # each row once per version of the file, found by slug or code: selecting it from the
    # table with a mask cost about 0.8 ms a look-up, and the app's profile picker looks up
    # every council (151) on a server's first page
    table = _cached(path, mtime_ns)
    rows: dict[str, list[dict[str, Any]]] = {}
    for i in range(len(table)):
        row = table.iloc[i].to_dict()
        for name in dict.fromkeys((row["slug"], row["code"])):
            if isinstance(name, str):
                rows.setdefault(name, []).append(row)
    return {name: tuple(found) for name, found in rows.items()}


def is_council(name: str) -> bool:
    """Return whether ``name`` is a council's slug or code."""
    rows = _rows()
    if rows is None or not isinstance(name, str):
        return False
    return name in rows


def council(name: str) -> dict[str, Any]:
    """Return a council's row: its description and its profile inputs.

    Parameters
    ----------
    name : str
        Slug (``"kent"``) or GSS code (``"E10000016"``).

    Returns
    -------
    dict
        ``code``, ``slug``, ``name``, ``region``, ``la_type``, ``statistical_neighbours``
        (list of codes), ``missing``, ``notes`` and ``values`` (profile inputs by name).

    Raises
    ------
    ScenarioError
        For a name that is not a council (with close matches).
    """
    if not isinstance(name, str) or not (_SLUG.fullmatch(name) or _CODE.fullmatch(name)):
        raise ScenarioError(f"unknown profile {name!r}: a profile is a name such as 'kent' or a "
                            "council code such as 'E10000016', never a path")
    found = (_rows() or {}).get(name, ())
    if len(found) != 1:
        import difflib

        table = _table(COUNCILS_FILE)
        known = [] if table is None else list(table["slug"])
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ScenarioError(f"unknown profile {name!r}{hint} (see 'slack-sim profiles')")
    row = dict(found[0])
    values = {k: float(v) for k, v in row.items()
              if k not in DESCRIPTION_COLUMNS and pd.notna(v)}
    neighbours = row.get("statistical_neighbours")
    return {
        "code": row["code"], "slug": row["slug"], "name": row["name"],
        "region": row.get("region", ""), "la_type": row.get("la_type", ""),
        "statistical_neighbours": str(neighbours).split(";") if pd.notna(neighbours) else [],
        "missing": row.get("missing") if pd.notna(row.get("missing")) else "",
        "notes": row.get("notes") if pd.notna(row.get("notes")) else "",
        "values": values,
    }


def calibration_record(profile: str) -> dict[str, Any] | None:
    """Return a profile's calibration row (``None`` if it has not been calibrated).

    The row holds ``model_version`` (the model it was calibrated for), ``converged``,
    ``message``, the fit statistics per series (``mape:<series>``, ``um:<series>`` ...),
    ``kept``, ``kept_fraction`` and ``futures`` of the history match, and the fitted values
    (``fit:<parameter>``, with ``lower:`` and ``upper:`` 95% ranges).
    """
    path = models_dir() / CALIBRATION_FILE
    if not path.is_file():
        return None
    record = _records(str(path), path.stat().st_mtime_ns).get(profile)
    return None if record is None else dict(record)


@functools.lru_cache(maxsize=8)
def _records(path: str, mtime_ns: int) -> dict[str, dict[str, Any]]:
    # each profile's row once per version of the file (a Scenario reads its profile's row
    # several times: selecting it from the table each time cost about 1 ms a read)
    table = _cached(path, mtime_ns)
    records: dict[str, dict[str, Any]] = {}
    for i in range(len(table)):
        row = table.iloc[i].to_dict()
        records.setdefault(row["profile"], {k: v for k, v in row.items()
                                            if not (isinstance(v, float) and pd.isna(v))})
    return records


def fitted_values(profile: str) -> dict[str, float]:
    """Return a profile's fitted values by parameter name (empty if not calibrated)."""
    record = calibration_record(profile) or {}
    return {k.removeprefix("fit:"): float(v) for k, v in record.items() if k.startswith("fit:")}


def kept_futures(profile: str) -> pd.DataFrame | None:
    """Return a profile's history-consistent futures (parameter values), or ``None``."""
    if not _SLUG.fullmatch(str(profile)):
        return None
    path = models_dir() / _FUTURES / f"{profile}.csv.gz"
    if not path.is_file():
        return None
    return _cached(str(path), path.stat().st_mtime_ns).copy()
