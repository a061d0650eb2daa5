"""The Council page's data (plain Python, tested without a browser).

:func:`neighbours_table` compares a council with its DfE statistical neighbours on the
published series, as rates per 10,000 children (the DfE convention; spending in GBP per
child), and on the headline outcomes of one scenario run on each council's profile.
:func:`check_upload` reads a user's figures (:func:`~slack_sim.scenarios.observed.
read_observed_csv`) and lists every problem by row and column, not only the first one,
plus the values flagged for confirmation. :func:`own_profile` turns a fit of the user's
figures into what the session keeps and what the profile file holds.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..model import load_model
from ..scenarios import Scenario, profile_info
from ..scenarios import observed as ob
from ..scenarios.councils import council, councils, is_council

__all__ = [
    "OUTCOMES",
    "RATE_SERIES",
    "UploadCheck",
    "check_upload",
    "neighbour_codes",
    "neighbours_table",
    "own_profile",
    "rate_label",
    "safe_name",
    "template_bytes",
]

#: Published series compared across neighbours (rates per 10,000 children; spending per child).
RATE_SERIES = ("Referrals", "Children in need", "Child protection plans",
               "Children looked after", "Care starts", "Spending on children looked after",
               "Early help spending")
#: Headline outcomes compared (summary key, label, per 10,000 children or per child).
OUTCOMES = (("cumulative_harm", "Harm, person-months per 10,000 children", 1e4),
            ("npv_total_spending", "NPV of spending, GBP per child", 1.0),
            ("peak_waiting_time", "Peak wait (months)", None))
#: Most problems listed for one upload.
MAX_PROBLEMS = 50
_PROBLEM = re.compile(r"^(?P<file>.*?): row (?P<row>\d+), column '(?P<column>[^']*)': "
                      r"got (?P<value>.*?); expected (?P<expected>.*)$")
#: The calibration's fitted series: an upload needs figures for at least one.
REQUIRED_ANY = ("Referrals", "Children in need", "Child protection plans",
                "Children looked after", "Care starts", "Care exits",
                "Spending on children looked after", "Early help spending")


def rate_label(series: str) -> str:
    """Return the column label of a published series' rate."""
    if ob.SERIES[series].kind == "spending":
        return f"{series}, GBP per child"
    return f"{series} per 10,000 children"


def neighbour_codes(profile: str) -> list[str]:
    """Return the DfE statistical neighbours' codes of a council (empty for England)."""
    return list(council(profile)["statistical_neighbours"]) if is_council(profile) else []


def _rates(code: str, year: int) -> dict[str, float]:
    try:
        obs = ob.load_observed(code)
    except ob.ObservedDataError:
        return {}
    obs = obs[obs["year"] <= year]
    pop = obs[obs["series"] == "Child population"].set_index("year")["value"]
    out: dict[str, float] = {}
    for series in RATE_SERIES:
        rows = obs[obs["series"] == series]
        rows = rows[rows["year"].isin(pop.index)]
        if rows.empty:
            continue
        last = rows.iloc[-1]
        per = 1.0 if ob.SERIES[series].kind == "spending" else 1e4
        out[rate_label(series)] = float(last["value"]) / float(pop[last["year"]]) * per
        out[f"year:{series}"] = int(last["year"])
    return out


def neighbours_table(profile: str, *, scenario_values: Mapping[str, float] | None = None,
                     summary: Callable[[Scenario], Mapping[str, Any]] | None = None,
                     year: int = 2020) -> pd.DataFrame:
    """Return the council and its statistical neighbours, one row each.

    Parameters
    ----------
    profile : str
        A council's slug or code.
    scenario_values : mapping, optional
        Lever and uncertainty values of the scenario run on every council's profile (its
        profile inputs are each council's own).
    summary : callable, optional
        ``summary(scenario)`` returning :func:`slack_sim.metrics.outcomes` (the app passes
        its cache); without it, no outcome columns.
    year : int
        Latest published year used (years ending March; figures after March 2020 are
        held back).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``council``, ``role`` ("chosen" or "neighbour"), ``children``
        (the 2010 child population, which the outcomes are divided by), ``data``
        ("published" or what is missing), one rate column per series
        (:func:`rate_label`), ``year:<series>`` and the outcomes.
    """
    if not is_council(profile):
        return pd.DataFrame()
    table = councils().set_index("code")
    me = council(profile)
    model = load_model()
    rows = []
    for role, code in [("chosen", me["code"]), *(("neighbour", c) for c in
                                                 neighbour_codes(profile))]:
        known = code in table.index
        row: dict[str, Any] = {"code": code, "council": table.at[code, "name"] if known
                               else "(not in the council table)", "role": role}
        rates = _rates(code, year) if known else {}
        if not known:
            row["data"] = "no profile (not in the council table)"
        elif not any(k for k in rates if not k.startswith("year:")):
            row["data"] = "no published figures"
        else:
            absent = [s for s in RATE_SERIES if rate_label(s) not in rates]
            row["data"] = ("published" if not absent else "published; none for "
                           + ", ".join(absent))
        row.update(rates)
        if known:
            row["children"] = float(table.at[code, "Child population 2010"]) if (
                "Child population 2010" in table.columns) else float("nan")
        if known and summary is not None:
            slug = table.at[code, "slug"]
            values = {k: v for k, v in (scenario_values or {}).items()
                      if model[k].role != "profile"}
            out = summary(Scenario(profile=slug, values=values))
            kids = row.get("children") or float("nan")
            for key, label, per in OUTCOMES:
                value = float(out[key])
                row[label] = value / kids * per if per else value
        rows.append(row)
    return pd.DataFrame(rows)


# -- a user's own figures -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UploadCheck:
    """What an upload's check found.

    Attributes
    ----------
    figures : pandas.DataFrame or None
        The figures read (``None`` when any row was refused).
    problems : pandas.DataFrame
        One row per refusal: ``row``, ``column``, ``value``, ``expected``.
    flags : pandas.DataFrame
        Values to confirm (10 times, or a tenth of, their neighbours): ``row``,
        ``series``, ``year``, ``value``, ``why``.
    missing : list of str
        Calibrated series with no figure (calibrated on what exists).
    """

    figures: pd.DataFrame | None
    problems: pd.DataFrame
    flags: pd.DataFrame
    missing: list[str]

    @property
    def ok(self) -> bool:
        """Whether the figures can be calibrated."""
        return self.figures is not None and self.problems.empty


def safe_name(name: str) -> str:
    """Return a file name safe to write: letters, digits, dot, dash, underscore (80 chars)."""
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", Path(str(name)).name)[:80].lstrip(".")
    return clean or "upload.csv"


def _scratch_dir() -> str | None:
    # memory-backed where the machine has it, so the figures never reach a disk
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _problem(message: str) -> dict[str, Any]:
    m = _PROBLEM.match(message)
    if m is None:
        return {"row": None, "column": "", "value": "", "expected": message}
    return {"row": int(m["row"]), "column": m["column"], "value": m["value"],
            "expected": m["expected"]}


def check_upload(data: bytes, name: str = "upload.csv") -> UploadCheck:
    """Check a user's figures and list every problem by row and column.

    :func:`~slack_sim.scenarios.observed.read_observed_csv` refuses a file at its first
    bad row; here each refused row is blanked (keeping the row numbers) and the file read
    again, so every bad row is listed (at most :data:`MAX_PROBLEMS`). The file is read
    from a private temporary folder (memory-backed where available) deleted at once:
    nothing is kept on the server.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    name : str
        Its name (for messages; made safe).

    Returns
    -------
    UploadCheck
    """
    fname = safe_name(name)
    empty = pd.DataFrame(columns=["row", "column", "value", "expected"])
    if len(data) > ob.MAX_UPLOAD_BYTES:
        problem = {"row": None, "column": "", "value": f"{len(data):,} bytes",
                   "expected": f"at most {ob.MAX_UPLOAD_BYTES:,} bytes"}
        return UploadCheck(None, pd.DataFrame([problem]), pd.DataFrame(), [])
    lines = data.decode("utf-8-sig", errors="replace").splitlines()
    problems: list[dict[str, Any]] = []
    figures = None
    with tempfile.TemporaryDirectory(dir=_scratch_dir()) as tmp:
        path = Path(tmp) / fname
        while len(problems) < MAX_PROBLEMS:
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            try:
                figures = ob.read_observed_csv(path)
                break
            except ob.ObservedDataError as exc:
                p = _problem(str(exc))
                problems.append(p)
                row = p["row"]
                # a file-wide problem (size, header) or a row that cannot be blanked: stop
                if row is None or not 1 <= row <= len(lines) or p["column"] not in (
                        "series", "year", "value", "standard_error", "units") or (
                        not lines[row - 1].strip()) or _is_header(lines, row):
                    break
                lines[row - 1] = ""
    table = pd.DataFrame(problems) if problems else empty
    if problems:
        return UploadCheck(None, table, pd.DataFrame(), [])
    assert figures is not None
    flagged = figures[figures["warning"] != ""]
    why = flagged["warning"].astype(str).str.replace(r"^.*?column 'value': ", "", regex=True)
    flags = pd.DataFrame({"row": flagged["row"], "series": flagged["series"],
                          "year": flagged["year"], "value": flagged["value"], "why": why})
    missing = [s for s in REQUIRED_ANY if not (figures["series"] == s).any()]
    if len(missing) == len(REQUIRED_ANY):
        table = pd.DataFrame([{"row": None, "column": "series", "value": "(none)",
                               "expected": "figures for at least one of "
                                           + ", ".join(REQUIRED_ANY)}])
        return UploadCheck(None, table, flags, missing)
    return UploadCheck(figures, empty, flags.reset_index(drop=True), missing)


def _is_header(lines: list[str], row: int) -> bool:
    for i, line in enumerate(lines, start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            return i == row
    return False


def template_bytes() -> bytes:
    """Return the CSV template of a council's own figures (:func:`write_template`)."""
    with tempfile.TemporaryDirectory(dir=_scratch_dir()) as tmp:
        return ob.write_template(Path(tmp) / "template.csv").read_bytes()


def own_profile(fit: Any, record: Mapping[str, Any], *, title: str) -> dict[str, Any]:
    """Return what the session keeps of a fit of the user's figures (and the file holds).

    Parameters
    ----------
    fit : slack_sim.analysis.profiles.ProfileFit
        The fit.
    record : mapping
        :func:`slack_sim.analysis.profiles.record` of it.
    title : str
        The user's name for it.

    Returns
    -------
    dict
        ``title``, ``base`` (the profile fitted), ``values`` (the base's inputs and the
        fitted values), ``record``, ``futures`` (list of dicts).
    """
    base = fit.profile
    values = dict(profile_info(f"{base}-uncalibrated")["values"])
    values.update({k.removeprefix("fit:"): float(v) for k, v in record.items()
                   if k.startswith("fit:")})
    futures = fit.futures.to_dict(orient="records") if fit.futures is not None else []
    return {"title": title, "base": base, "values": values, "record": dict(record),
            "futures": futures}
