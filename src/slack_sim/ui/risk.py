"""The uncertainty views of the app as plain Python: settings, summaries, checks, labels.

Everything the Scenario page's fan charts and probability statements and the Risk page
(:mod:`slack_sim.ui.analysis`) need that is not drawing: the defaults and ranges of the
controls (kept here as data, not as literals in the page code), a compact summary of an
ensemble (:func:`ensemble_view`: bands, outcomes and statements, cheap to cache and copy),
the outcome table in plain units, the ranked sensitivity table with plain labels, the
checks of the policy-search inputs (with messages a finance officer can act on) and the
rounding of a found lever mix to the sidebar's slider steps. No streamlit, no plotly.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.ensemble import BAND_OUTPUTS, DEFAULT_GROUPS, default_parameters, ensemble
from ..model.parse import Model, load_model
from ..scenarios import Scenario
from . import headline

__all__ = [
    "BANDS",
    "BandSettings",
    "EnsembleView",
    "MAPS",
    "OUTCOME_ROWS",
    "SEARCH",
    "SEARCH_EFFORT",
    "SENSITIVITY",
    "SearchSettings",
    "SensitivitySettings",
    "central_values",
    "ensemble_view",
    "outcome_table",
    "ranked_sensitivity",
    "search_problems",
    "snap_levers",
    "tipping_summary",
]


# -- settings (data) -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BandSettings:
    """Defaults and choices of the uncertainty bands on the Scenario page.

    Attributes
    ----------
    on : bool
        Bands and probability statements shown by default.
    members : int
        Futures drawn by default (500: a rerun stays under 300 ms server side).
    choices : tuple of int
        Futures the user can choose; above :attr:`members` a rerun takes longer.
    seed : int
        Seed of the draws: the same futures on every rerun, so a change in the bands is
        the levers', not luck's (common random numbers).
    outer, inner : tuple of int
        Percentiles of the lighter (outer) and darker (inner) bands.
    """

    on: bool = True
    members: int = 500
    choices: tuple[int, ...] = (100, 250, 500, 1000)
    seed: int = 0
    outer: tuple[int, int] = (5, 95)
    inner: tuple[int, int] = (25, 75)


#: The bands' defaults and choices.
BANDS = BandSettings()


@dataclasses.dataclass(frozen=True)
class SensitivitySettings:
    """Defaults and choices of the global sensitivity analysis on the Risk page.

    Attributes
    ----------
    methods : dict of str to str
        Method key (:func:`slack_sim.sensitivity`) to its label; the first is the default.
    morris_trajectories : tuple of int
        Choices of Morris trajectories (runs = trajectories x (parameters + 1)).
    morris_default : int
        Default trajectories.
    sobol_samples : tuple of int
        Choices of Sobol' base sample (runs = N x (parameters + 2)).
    sobol_default : int
        Default base sample.
    top : int
        Parameters shown per outcome in the chart.
    outputs : dict of str to str
        Outcome key to plain label, in the order shown.
    """

    methods: Mapping[str, str] = dataclasses.field(default_factory=lambda: {
        "morris": "Quick screen (Morris elementary effects)",
        "sobol": "Variance shares (Sobol' indices, slower)",
    })
    morris_trajectories: tuple[int, ...] = (5, 10, 20, 40, 80)
    morris_default: int = 20
    sobol_samples: tuple[int, ...] = (32, 64, 128, 256, 512)
    sobol_default: int = 128
    top: int = 10
    outputs: Mapping[str, str] = dataclasses.field(default_factory=lambda: {
        "npv_total_spending": "NPV of spending (£)",
        "cumulative_harm": "Harm (person-months)",
        "recovery_time": "Recovery time after the shock (months)",
    })


#: The sensitivity analysis' defaults.
SENSITIVITY = SensitivitySettings()


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """Defaults and limits of the policy search on the Risk page.

    Attributes
    ----------
    levers : tuple of str
        Levers searched by default.
    percentile : float
        Percentile over the futures of the waiting-time and harm caps (the 90th).
    effort : str
        Default search effort (a key of :data:`SEARCH_EFFORT`).
    seconds : float
        Default cap on the run time, seconds.
    seconds_range : tuple of float
        Smallest and largest run-time cap the user can set.
    seed : int
        Seed of the futures and of the search.
    """

    levers: tuple[str, ...] = ("Slack target", "Prevention investment",
                               "Prevention time protection")
    percentile: float = 90.0
    effort: str = "standard"
    seconds: float = 30.0
    seconds_range: tuple[float, float] = (5.0, 120.0)
    seed: int = 0


#: The policy search's defaults.
SEARCH = SearchSettings()

#: Search effort: label and the arguments of :func:`slack_sim.optimise` (population size
#: multiplier, most generations, futures every candidate is judged on).
SEARCH_EFFORT: dict[str, dict[str, Any]] = {
    "quick": {"label": "Quick (a rough answer in seconds)", "popsize": 5, "maxiter": 6,
              "futures": 8},
    "standard": {"label": "Standard", "popsize": 10, "maxiter": 30, "futures": 16},
    "thorough": {"label": "Thorough (more futures, more generations)", "popsize": 15,
                 "maxiter": 60, "futures": 32},
}

#: The tipping maps offered: key of :data:`slack_sim.tipping.STANDARD_MAPS` -> title.
MAPS: dict[str, str] = {
    "slack-by-shock": "Slack target by shock size",
    "austerity-by-shock": "Austerity depth by shock size",
}

#: Rows of the outcome table: outcome column -> (plain label, kind of number).
OUTCOME_ROWS: dict[str, tuple[str, str]] = {
    "npv_total_spending": ("NPV of spending, 2010-2040", "money"),
    "net_present_saving": ("Net saving against the baseline (NPV)", "money"),
    "cumulative_harm": ("Harm (person-months waiting or with unmet need)", "count"),
    "peak_waiting_time": ("Peak wait (months)", "months"),
    "recovery_months": ("Recovery after the shock ends (months; recovered futures only)",
                        "months"),
    "reserves_runway_year": ("Reserves first run out (year; futures where they do)", "year"),
}


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
    """

    bands: pd.DataFrame
    outcomes: pd.DataFrame
    notes: dict[str, str]
    members: int
    parameters: int
    groups: tuple[str, ...]
    seconds: float


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
    ens = ensemble(scenario, n=n, seed=seed, parameters=params, baseline=baseline,
                   outputs=list(outputs or BAND_OUTPUTS))
    outcomes = ens.outcomes
    return EnsembleView(
        bands=ens.bands,
        outcomes=outcomes,
        notes=headline.probability_notes(outcomes, baseline_label=baseline_label),
        members=ens.n,
        parameters=len(params),
        groups=tuple(groups),
        seconds=time.perf_counter() - t0,
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
        out["reserves_runway_year"] = year + (month - 1) / 12.0
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
        return headline.format_money(value)
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "year":
        return f"{value:.1f}"
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
        One row per outcome of :data:`OUTCOME_ROWS` present; columns ``outcome``, ``5%``,
        ``25%``, ``median``, ``75%``, ``95%`` (missing values left out, e.g. futures that
        did not recover) and ``futures counted``.
    """
    rows = []
    for key, (label, kind) in OUTCOME_ROWS.items():
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


# -- policy search ----------------------------------------------------------------------------


def search_problems(
    levers: Mapping[str, tuple[float, float]],
    *,
    waiting_cap: float | None,
    harm_cap: float | None,
    seconds: float,
    model: Model | None = None,
) -> list[str]:
    """Return what is wrong with the policy-search inputs, in plain words (empty: fine).

    Parameters
    ----------
    levers : mapping of str to (float, float)
        Each chosen lever's lowest and highest value.
    waiting_cap, harm_cap : float or None
        Caps on the 90th-percentile peak wait (months) and harm (person-months).
    seconds : float
        Run-time cap.
    model : Model, optional
        The parsed model (declared ranges).

    Returns
    -------
    list of str
    """
    model = model or load_model()
    problems = []
    if not levers:
        problems.append("Choose at least one policy lever to search.")
    for name, (lo, hi) in levers.items():
        var = model[name]
        if not (math.isfinite(lo) and math.isfinite(hi)):
            problems.append(f"{name}: give a number for both the lowest and highest value.")
        elif lo > hi:
            problems.append(f"{name}: the lowest value ({lo:g}) is above the highest "
                            f"({hi:g}); swap them.")
        elif lo == hi:
            problems.append(f"{name}: the lowest and highest values are both {lo:g}; give a "
                            "range to search, or leave the lever out to keep it fixed.")
        elif lo < var.minimum or hi > var.maximum:
            problems.append(f"{name}: {lo:g} to {hi:g} goes outside the model's range, "
                            f"{var.minimum:g} to {var.maximum:g}.")
    for label, cap in (("waiting-time cap", waiting_cap), ("harm cap", harm_cap)):
        if cap is not None and not (math.isfinite(cap) and cap > 0):
            problems.append(f"The {label} must be a positive number.")
    lo_s, hi_s = SEARCH.seconds_range
    if not lo_s <= seconds <= hi_s:
        problems.append(f"The run-time cap must be between {lo_s:g} and {hi_s:g} seconds.")
    return problems


def snap_levers(
    levers: Mapping[str, float],
    bounds: Mapping[str, tuple[float, float]],
    *,
    model: Model | None = None,
) -> dict[str, float]:
    """Round a lever mix to the sidebar sliders' steps, staying inside the searched ranges.

    Parameters
    ----------
    levers : mapping of str to float
        Lever values (e.g. :attr:`slack_sim.OptimisationResult.levers`).
    bounds : mapping of str to (float, float)
        The ranges searched.
    model : Model, optional
        The parsed model (slider steps and declared ranges).

    Returns
    -------
    dict of str to float
        Each value at the nearest slider step inside its searched range (the nearest
        step inward when rounding would leave it; the bound itself if no step is inside).
    """
    model = model or load_model()
    out = {}
    for name, value in levers.items():
        var = model[name]
        lo, hi = bounds.get(name, (var.minimum, var.maximum))
        step = var.step or (var.maximum - var.minimum) / 100.0
        origin = var.minimum
        k = round((value - origin) / step)
        snapped = origin + k * step
        if snapped < lo - 1e-12:
            snapped = origin + math.ceil((lo - origin) / step - 1e-9) * step
        if snapped > hi + 1e-12:
            snapped = origin + math.floor((hi - origin) / step + 1e-9) * step
        if not lo - 1e-12 <= snapped <= hi + 1e-12:  # no step inside a narrow range
            snapped = min(max(value, lo), hi)
        decimals = max(0, -int(math.floor(math.log10(step)))) + 2 if step < 1 else 0
        out[name] = float(min(max(round(snapped, decimals), var.minimum), var.maximum))
    return out


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
