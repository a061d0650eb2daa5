"""The uncertainty views of the app as plain Python: settings, summaries, checks, labels.

Everything the Scenario page's fan charts and probability statements and the Risk page
(:mod:`slack_sim.ui.pages.risk`) need that is not drawing: the defaults and ranges of the
controls (kept here as data, not as literals in the page code), a compact summary of an
ensemble (:func:`ensemble_view`: bands, outcomes and statements, cheap to cache and copy),
the outcome table in plain units, the ranked sensitivity table with plain labels and the
reading of a tipping map. The policy search's form checks (with messages a finance
officer can act on) and the rounding of a found lever mix to the sidebar's slider steps
are in :mod:`slack_sim.ui.risk_search`, importable from here too. No streamlit, no plotly.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import ensemble as ensemble_module
from ..analysis.appraise import APPRAISAL_OUTPUTS, POLICY_RUNS
from ..analysis.ensemble import BAND_OUTPUTS, DEFAULT_GROUPS, default_parameters, ensemble
from ..model.calendar import MONTHS_PER_YEAR, month_text
from ..model.parse import Model, load_model
from ..report.text import money
from ..scenarios import Scenario
from . import headline, headline_text, specs
from .risk_search import SEARCH_LABELS, search_problems, search_rows, snap_levers
from .risk_settings import (
    BANDS,
    MAPS,
    RISK_ROWS,
    SEARCH,
    SEARCH_EFFORT,
    SENSITIVITY,
    BandSettings,
    SearchSettings,
    SensitivitySettings,
)

__all__ = [
    "BANDS",
    "BandSettings",
    "EnsembleView",
    "MAPS",
    "RISK_ROWS",
    "SEARCH",
    "SEARCH_LABELS",
    "SEARCH_EFFORT",
    "SENSITIVITY",
    "SearchSettings",
    "SensitivitySettings",
    "central_values",
    "ensemble_view",
    "missing_text",
    "outcome_table",
    "ranges_view",
    "ranked_sensitivity",
    "search_problems",
    "search_rows",
    "sensitivity_text",
    "snap_levers",
    "tipping_summary",
]


# -- the ensemble behind the bands and statements -------------------------------------------


@dataclasses.dataclass(frozen=True)
class EnsembleView:
    """What the app shows of an ensemble: small, plain data (cheap to cache and copy).

    Attributes
    ----------
    bands : pandas.DataFrame
        :attr:`slack_sim.Ensemble.bands` (index year; columns (output, percentile)).
    outcomes : pandas.DataFrame
        :attr:`slack_sim.Ensemble.outcomes`, one row per future.
    notes : dict of str to str
        Probability statement per headline card key (:func:`headline.probability_notes`).
    members : int
        Futures drawn.
    parameters : int
        Uncertainties sampled.
    groups : tuple of str
        Their uncertainty groups.
    seconds : float
        Time taken to compute it.
    source : str
        What the futures are (:attr:`slack_sim.Ensemble.source`): ``"futures consistent
        with 2010-2020"`` for a history-matched profile with the default groups, else
        ``"plausible futures"``.
    """

    bands: pd.DataFrame
    outcomes: pd.DataFrame
    notes: dict[str, str]
    members: int
    parameters: int
    groups: tuple[str, ...]
    seconds: float
    source: str = "plausible futures"


def ensemble_view(
    scenario: Scenario,
    baseline: Scenario | None,
    *,
    n: int = BANDS.members,
    seed: int = BANDS.seed,
    groups: Sequence[str] = DEFAULT_GROUPS,
    baseline_label: str = "the baseline",
    outputs: Sequence[str] | None = None,
) -> EnsembleView:
    """Run :func:`slack_sim.ensemble` and keep what the app shows.

    With the default groups its members' runs of the appraisal's outputs are left in
    :data:`slack_sim.analysis.appraise.POLICY_RUNS`, so the scenario's appraisal over a
    subset of the same futures takes them instead of running them again.

    Parameters
    ----------
    scenario : Scenario
        The current scenario.
    baseline : Scenario or None
        The baseline, run under the same draws for the net saving.
    n : int
        Futures (members).
    seed : int
        Seed of the draws.
    groups : sequence of str
        Uncertainty groups sampled (default the effect sizes).
    baseline_label : str
        The baseline's name in the statements.
    outputs : sequence of str, optional
        Variables given bands (default :data:`slack_sim.uncertainty.BAND_OUTPUTS`; the
        app passes :func:`slack_sim.ui.charts.band_outputs`, those it draws).

    Returns
    -------
    EnsembleView
    """
    t0 = time.perf_counter()
    model = load_model()
    params = default_parameters(tuple(groups), model=model)
    # the default groups: the profile's history-consistent futures where it has them
    # (analysis.ensemble.draw_futures), else the plausible draws of those groups
    default = tuple(groups) == tuple(DEFAULT_GROUPS)
    shown = list(outputs or BAND_OUTPUTS)
    # the appraisal's futures are some of these: it takes their runs (kept, not banded;
    # the headline outcomes' outputs, harm and reserves among them, are run anyway)
    keep = ([o for o in APPRAISAL_OUTPUTS
             if o not in shown and o not in ensemble_module.OUTCOME_OUTPUTS]
            if default else [])
    ens = ensemble(scenario, n=n, seed=seed, parameters=None if default else params,
                   baseline=baseline, outputs=shown, keep=keep)
    if default:
        POLICY_RUNS.put(scenario, ens.samples,
                        outputs={o: ens.data[o].to_numpy() for o in APPRAISAL_OUTPUTS},
                        years=ens.data["year"].to_numpy())
    outcomes = ens.outcomes
    return EnsembleView(
        bands=ens.bands,
        outcomes=outcomes,
        notes=headline.probability_notes(outcomes, baseline_label=baseline_label),
        members=ens.n,
        parameters=len(ens.samples.columns),
        groups=tuple(groups),
        seconds=time.perf_counter() - t0,
        source=ens.source,
    )


def central_values(summary: Mapping[str, Any],
                   baseline: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Return a single run's headline outcomes in the ensemble's columns.

    Parameters
    ----------
    summary : mapping
        :func:`slack_sim.metrics.outcomes` of the scenario at the sliders' values.
    baseline : mapping, optional
        The same for the baseline (for ``net_present_saving``).

    Returns
    -------
    dict of str to float
        ``npv_total_spending``, ``cumulative_harm``, ``peak_waiting_time``,
        ``recovery_months`` and ``reserves_runway_year`` (``nan`` when absent) and, with a
        baseline, ``net_present_saving``: to mark on the ensemble's histograms.
    """
    out = {
        "npv_total_spending": float(summary["npv_total_spending"]),
        "cumulative_harm": float(summary["cumulative_harm"]),
        "peak_waiting_time": float(summary["peak_waiting_time"]),
    }
    shocks = summary.get("shocks") or []
    rec = shocks[0].get("recovery_months") if shocks else None
    out["recovery_months"] = float(rec) if rec is not None else math.nan
    runway = summary.get("reserves_runway_month")
    if runway:
        year, month = (int(v) for v in str(runway).split("-"))
        out["reserves_runway_year"] = year + (month - 1) / MONTHS_PER_YEAR
    else:
        out["reserves_runway_year"] = math.nan
    if baseline is not None:
        out["net_present_saving"] = (float(baseline["npv_total_spending"])
                                     - out["npv_total_spending"])
    return out


def _cell(value: float, kind: str) -> str:
    if value is None or not math.isfinite(value):
        return ""
    if kind == "money":
        return money(value)
    if kind == "count":  # as on the cards: "607.09m", not nine digits
        return headline_text.compact(value)
    if kind == "year":  # a month, as the cards write a date: "Jul 2028", not "2028.5"
        return month_text(value, short=True)
    return f"{value:,.1f}"


def outcome_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Return the spread of each headline outcome over the futures, as text.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        :attr:`slack_sim.Ensemble.outcomes`.

    Returns
    -------
    pandas.DataFrame
        One row per outcome of :data:`RISK_ROWS` present; columns ``outcome``, ``5%``,
        ``25%``, ``median``, ``75%``, ``95%`` (missing values left out, e.g. futures that
        did not recover) and ``futures counted``.
    """
    rows = []
    for key, (label, kind) in RISK_ROWS.items():
        if key not in outcomes.columns:
            continue
        values = outcomes[key].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        row: dict[str, str] = {"outcome": label}
        qs = np.percentile(values, [5, 25, 50, 75, 95]) if len(values) else [np.nan] * 5
        for name, q in zip(("5%", "25%", "median", "75%", "95%"), qs, strict=True):
            row[name] = _cell(float(q), kind)
        row["futures counted"] = f"{len(values)} of {len(outcomes)}"
        rows.append(row)
    return pd.DataFrame(rows)


def ranges_view(table: pd.DataFrame) -> pd.DataFrame:
    """Return the ranges the uncertainties are drawn from, with the reasons, as text.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`slack_sim.analysis.ensemble.uncertainty_ranges` (index the names).

    Returns
    -------
    pandas.DataFrame
        Columns ``uncertainty``, ``group``, ``model default``, ``drawn from``, ``to``,
        ``units`` (in words) and ``why that range``.
    """
    table = table.reset_index()
    return pd.DataFrame({
        "uncertainty": table["name"], "group": table["group"],
        "model default": table["default"].map(lambda v: f"{v:g}"),
        "drawn from": table["minimum"].map(lambda v: f"{v:g}"),
        "to": table["maximum"].map(lambda v: f"{v:g}"),
        "units": table["units"].map(lambda u: specs.units_text(u) or "ratio"),
        "why that range": table["range_source"],
    })


def missing_text(outcomes: pd.DataFrame, chosen: str) -> str:
    """Return which futures a histogram of ``chosen`` leaves out, and why (``""``: none).

    For example ``"Of 500 futures, 12 did not recover: not in the histogram."``.
    """
    values = outcomes[chosen].to_numpy(dtype=float)
    missing = int(np.sum(~np.isfinite(values)))
    if not missing:
        return ""
    if chosen == "recovery_months":
        failed = int(outcomes["did_not_recover"].sum())
        parts = [f"{failed} did not recover"] if failed else []
        if missing > failed:
            parts.append(f"{missing - failed} had no shock")
        what = " and ".join(parts)
    elif chosen == "reserves_runway_year":
        what = f"{missing} never ran out of reserves"
    else:
        what = f"{missing} had no value"
    return f"Of {len(outcomes)} futures, {what}: not in the histogram."


# -- sensitivity ----------------------------------------------------------------------------


def ranked_sensitivity(table: pd.DataFrame, *, model: Model | None = None,
                       top: int = SENSITIVITY.top) -> pd.DataFrame:
    """Return the top uncertainties for each outcome with plain labels.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`slack_sim.sensitivity` (Morris or Sobol').
    model : Model, optional
        The parsed model (for each parameter's definition and units).
    top : int
        Rows kept per outcome.

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome`` (plain label), ``rank``, ``uncertainty``, ``importance``,
        ``uncertainty of the estimate`` (95% half-width), ``what it is``; ``attrs``
        carry ``measure`` (what ``importance`` means).
    """
    model = model or load_model()
    sobol = "ST" in table.columns
    key, conf = ("ST", "ST_conf") if sobol else ("mu_star", "mu_star_conf")
    kept = table[table["rank"] <= top]
    out = pd.DataFrame({
        "outcome": [SENSITIVITY.outputs.get(o, o) for o in kept["output"]],
        "rank": kept["rank"].to_numpy(dtype=int),
        "uncertainty": kept["parameter"].to_numpy(),
        "importance": kept[key].to_numpy(dtype=float),
        "uncertainty of the estimate": kept[conf].to_numpy(dtype=float),
        "what it is": [model[p].definition for p in kept["parameter"]],
    })
    out.attrs["measure"] = (
        "total-order Sobol' index: the share of the outcome's variance this uncertainty "
        "explains, alone or with others" if sobol else
        "Morris mu*: the mean absolute change in the outcome when this uncertainty moves "
        "across its range in steps of a third, in the outcome's units")
    out.attrs["method"] = "sobol" if sobol else "morris"
    return out


def sensitivity_text(ranked: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`ranked_sensitivity` with its numbers as text, for the page's table."""
    shown = ranked.copy()
    shown["importance"] = shown["importance"].map(lambda v: f"{v:,.3g}")
    shown["uncertainty of the estimate"] = shown["uncertainty of the estimate"].map(
        lambda v: f"± {v:,.2g}")
    return shown


# -- tipping maps ---------------------------------------------------------------------------


def tipping_summary(recovered: pd.DataFrame, threshold: pd.Series) -> str:
    """Return a plain-language reading of a tipping map.

    Parameters
    ----------
    recovered : pandas.DataFrame
        :attr:`slack_sim.tipping.TippingMap.recovered` (index the y values, columns x).
    threshold : pandas.Series
        :meth:`slack_sim.tipping.TippingMap.threshold`.

    Returns
    -------
    str
    """
    x, y = recovered.columns.name, recovered.index.name
    cells = recovered.size
    failed = int((~recovered.to_numpy(dtype=bool)).sum())
    text = f"{failed} of {cells} settings did not recover."
    known = threshold.dropna()
    if len(known):
        first_x, first_y = known.index[0], known.iloc[0]
        text += f" At {x} {first_x:g} the service tips from a {y} of {first_y:g}"
        if len(known) > 1:
            last_x, last_y = known.index[-1], known.iloc[-1]
            text += f"; at {last_x:g} from {last_y:g}"
        text += "."
    never = threshold[threshold.isna()]
    if len(never):
        text += (f" With {x} at {', '.join(f'{v:g}' for v in never.index[:3])}"
                 f"{' and more' if len(never) > 3 else ''}, no {y} up to "
                 f"{recovered.index.max():g} tipped it.")
    return text
