"""Every cached computation of the app, in one place.

Each function is pure: it reads no session state and no other global, takes plain values
(a scenario is passed as its :func:`scenario_key`, one string naming its profile, the
version of that profile's values and the scenario's values) and returns a copy, so
nothing mutable is shared between browser sessions. The
pages call these; what they compute lives in the package (:func:`slack_sim.simulate`,
:func:`slack_sim.metrics.outcomes`, :mod:`slack_sim.ui.risk`, ...).

Results that depend on a scenario (runs, outcomes, futures, maps, exports) share one
cache bounded in bytes (:func:`slack_sim.ui.memo.shared`: 200 MB unless
``SLACK_SIM_APP_CACHE_MB`` says otherwise), however many sessions and slider states there
are; the few small tables of the model, presets and profiles use ``st.cache_data``.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ..analysis.ensemble import DEFAULT_GROUPS, uncertainty_ranges
from ..analysis.optimise import model_objective
from ..analysis.run_memo import current_profile_version
from ..analysis.tipping import STANDARD_MAPS, rb3_scenario, tipping_map
from ..engine.run import simulate
from ..metrics.core import outcomes
from ..model.parse import load_model
from ..report.compare import comparison, no_shock_runs
from ..report.export import write_excel
from ..scenarios import (
    Scenario,
    preset,
    preset_info,
    presets,
    profile_info,
    profiles,
)
from ..teach import storyline
from . import charts, diagram, finance, headline, memo, risk

__all__ = [
    "chart_figures",
    "comparison_table",
    "csv_text",
    "ensemble_summary",
    "excel_bytes",
    "lever_performance",
    "loop_dot",
    "preset_settings",
    "ranges_table",
    "run_frame",
    "scenario_from_key",
    "scenario_key",
    "scenario_summary",
    "step_result",
    "tipping_result",
    "titles",
]


# -- the one scenario key -----------------------------------------------------------------------


def scenario_key(scenario: Scenario) -> str:
    """Return the cache key of a scenario: :attr:`Scenario.key` and its profile's version.

    The profile's version (:func:`slack_sim.scenarios.profile_version`: a hash of every
    value the profile sets, read again when its files change) is part of the key, so an
    edited or recalibrated profile never serves the results computed on its old values
    (issue 17, item 8).

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    str
        Canonical JSON (sorted keys): ``profile``, ``profile_version`` and ``values``.
    """
    data = json.loads(scenario.key)
    data["profile_version"] = _version(scenario.profile)
    return json.dumps(data, sort_keys=True)


def _version(profile: str) -> str:
    """Return :func:`profile_version`, read again only when the profile's files change.

    :func:`slack_sim.analysis.run_memo.current_profile_version`: keyed as the engine keys
    its profile rows (the model version and the modification times of the files a
    profile's values come from), so a rerun does not hash the profile's values again for
    every key it makes.
    """
    return current_profile_version(profile)


def scenario_from_key(key: str) -> Scenario:
    """Return the scenario a :func:`scenario_key` describes (:meth:`Scenario.from_key`)."""
    return Scenario.from_key(key)


#: Decorator: cache a result function in the app's shared byte-bounded cache.
_shared = memo.shared().memoise
#: The same, the results also kept on disk for the server's next start
#: (:mod:`slack_sim.ui.disk_memo`): what a visit's first page reads, and the Teach page's
#: story steps, so the first visitor after a start finds them computed.
_stored = memo.shared().memoise(persist=True)


def _runner(scenario: Scenario) -> pd.DataFrame:
    """Run a scenario through the cache (for package functions that take a runner)."""
    return run_frame(scenario_key(scenario))


# -- runs and outcomes ----------------------------------------------------------------------------


@_stored
def run_frame(key: str) -> pd.DataFrame:
    """Return the model output of a scenario (:func:`slack_sim.simulate`), by its key."""
    return simulate(scenario_from_key(key))


@_stored
def scenario_summary(key: str) -> dict[str, Any]:
    """Return :func:`slack_sim.metrics.outcomes` of a scenario, by its key."""
    scenario = scenario_from_key(key)
    counterfactuals = no_shock_runs(scenario, lambda sc: run_frame(scenario_key(sc)))
    return outcomes(run_frame(key), settings=scenario.settings(),
                    counterfactuals=counterfactuals)


@_stored
def chart_figures(key: str, base_key: str, baseline: str, members: int | None,
                  groups: str) -> list[dict[str, Any]]:
    """Return the Scenario page's charts as plotly's figure dicts, in :data:`charts.CHARTS` order.

    One cached result for the six, so that a page (or a guessed next step) reads the
    runs and the futures' bands from the cache once, not once a chart.

    Parameters
    ----------
    key, base_key : str
        The scenario's and the baseline's :func:`scenario_key`.
    baseline : str
        The baseline preset's name (the dashed line's label).
    members : int or None
        Futures behind the bands (:func:`ensemble_summary`), ``None`` for no bands.
    groups : str
        Uncertainty groups sampled, comma-separated.

    Returns
    -------
    list of dict
        ``{"data": [...], "layout": {...}}`` a chart (:func:`charts.scenario_figure_json`):
        what the page hands the browser.
    """
    model = load_model()
    view = None if members is None else ensemble_summary(key, baseline, members, groups,
                                                         base_key=base_key)
    frame, base = run_frame(key), run_frame(base_key)
    settings = scenario_from_key(key).settings(model=model)
    return [charts.scenario_figure_json(
        spec, frame, model=model, settings=settings, baseline=base, baseline_label=baseline,
        bands=None if view is None else view.bands, outer=risk.BANDS.outer,
        inner=risk.BANDS.inner) for spec in charts.CHARTS]


@_stored
def ensemble_summary(key: str, baseline: str, members: int,
                     groups: str = ",".join(DEFAULT_GROUPS), *,
                     base_key: str | None = None) -> risk.EnsembleView:
    """Return the uncertainty bands, outcomes and statements of a scenario.

    Parameters
    ----------
    key : str
        The scenario's :func:`scenario_key`.
    baseline : str
        The baseline preset's name (its label in the statements).
    members : int
        Futures drawn (seeded: :data:`slack_sim.ui.risk.BANDS`).
    groups : str
        Uncertainty groups sampled, comma-separated.
    base_key : str, optional
        The baseline's :func:`scenario_key`, run under the same draws: the preset on the
        profile in use with the user's own figures when they are in use
        (:func:`slack_sim.ui.state.baseline_scenario`; the app always gives it). Default:
        the preset ``baseline`` on the scenario's profile.

    Returns
    -------
    slack_sim.ui.risk.EnsembleView
        Bands of the charted variables, one row of outcomes per future, and the
        probability statements of the headline cards.
    """
    scenario = scenario_from_key(key)
    base = (scenario_from_key(base_key) if base_key is not None
            else preset(baseline, profile=scenario.profile))
    return risk.ensemble_view(
        scenario, base, n=members, seed=risk.BANDS.seed,
        groups=[g for g in groups.split(",") if g], baseline_label=baseline,
        outputs=charts.band_outputs())


@_shared
def comparison_table(pins_json: str, baseline: str) -> pd.DataFrame:
    """Return the formatted :func:`slack_sim.compare` table of pinned scenarios.

    ``pins_json`` is the JSON list of the pins (profile, values, name, description).
    """
    scenarios = [Scenario(**p) for p in json.loads(pins_json)]
    base = preset(baseline, profile=scenarios[0].profile)
    table = comparison(scenarios, baseline=base, runner=_runner).table
    return headline.format_comparison(table)


@_shared
def csv_text(key: str) -> str:
    """Return the model output as CSV: time in decimal years first, every variable."""
    buffer = io.StringIO()
    run_frame(key).to_csv(buffer, index_label="year")
    return buffer.getvalue()


@_shared
def excel_bytes(scenario_json: str, baseline: str) -> bytes:
    """Return the Excel workbook of a scenario (its JSON, with its name) against a preset."""
    result = comparison([Scenario.from_json(scenario_json)], baseline=baseline, runner=_runner)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_excel(result, Path(tmp) / "slack-sim.xlsx")
        return path.read_bytes()


# -- the model, presets and profiles ---------------------------------------------------------------


@st.cache_data(max_entries=8, show_spinner=False)
def loop_dot(levers: bool, max_hidden: int) -> str:
    """Return the loop view of the model as DOT."""
    return diagram.loop_view_dot(load_model(), levers=levers, max_hidden=max_hidden)


@st.cache_data(max_entries=4, show_spinner=False)
def titles() -> dict[str, dict[str, str]]:
    """Return the titles and descriptions of presets and profiles (read once)."""
    return {
        "preset": {p: preset_info(p)["title"] for p in presets()},
        "profile": {p: profile_info(p)["title"] for p in profiles()},
        "description": {p: preset_info(p)["description"] for p in presets()},
    }


@st.cache_data(max_entries=16, show_spinner=False)
def calibration(profile: str) -> Any:
    """Return the calibration view of a profile (see :mod:`slack_sim.ui.calibration`)."""
    from .calibration import calibration_view

    return calibration_view(profile)


def preset_settings(preset_name: str, profile: str) -> dict[str, float]:
    """Return every setting of a preset on a profile (cached by the profile's version)."""
    return _preset_settings(preset_name, profile, _version(profile))


@st.cache_data(max_entries=64, show_spinner=False)
def _preset_settings(preset_name: str, profile: str, version: str) -> dict[str, float]:
    return preset(preset_name, profile=profile).settings()


# -- the Risk page --------------------------------------------------------------------------------


@_shared
def tipping_result(name: str, profile: str, key: str) -> dict[str, Any]:
    """Return one standard tipping map.

    Parameters
    ----------
    name : str
        A key of :data:`slack_sim.tipping.STANDARD_MAPS`.
    profile : str
        Calibration profile of the standard experiment.
    key : str
        The :func:`scenario_key` of the scenario varied; ``""`` for the standard
        experiment (:func:`slack_sim.tipping.rb3_scenario` on ``profile``).

    Returns
    -------
    dict
        ``recovery`` and ``recovered`` (DataFrames, y by x), ``threshold`` (Series) and
        ``seconds``.
    """
    scenario = rb3_scenario(profile) if not key else scenario_from_key(key)
    x, y = STANDARD_MAPS[name]
    result = tipping_map(scenario, x=x, y=y)
    return {"recovery": result.recovery, "recovered": result.recovered,
            "threshold": result.threshold(), "seconds": result.seconds}


@_shared
def lever_performance(key: str, levers_json: str, futures: int, seed: int) -> dict[str, float]:
    """Return the scenario's mean NPV and percentile wait and harm over the futures.

    The futures are those of the policy search with the same number and seed (common
    random numbers), so the numbers compare directly with the search's results.

    Parameters
    ----------
    key : str
        The scenario's :func:`scenario_key`.
    levers_json : str
        The levers searched (JSON list): their current values are evaluated.
    futures, seed : int
        The search's futures.

    Returns
    -------
    dict
        ``cost``, ``waiting``, ``harm``.
    """
    scenario = scenario_from_key(key)
    names = json.loads(levers_json)
    settings = scenario.settings()
    evaluate = model_objective(scenario, names, futures=futures, seed=seed,
                               percentile=risk.SEARCH.percentile)
    out = evaluate(np.array([[settings[n] for n in names]], dtype=float))
    return {k: float(v[0]) for k, v in out.items()}


@st.cache_data(max_entries=16, show_spinner=False)
def ranges_table(names: tuple[str, ...]) -> pd.DataFrame:
    """Return the range each uncertainty is drawn from, with the reason, for display."""
    return risk.ranges_view(uncertainty_ranges(list(names)))


# -- the Teach page -------------------------------------------------------------------------------


@_stored
def step_result(step_key: str) -> storyline.StepResult:
    """Return the runs of a storyline step and the answer computed from them.

    The runs go through :func:`run_frame`, so they share the cache of the other pages.
    """
    return storyline.run_step(storyline.step(step_key), runner=_runner, model=load_model())


# -- the appraisal (issue 14: the finance cards and the committee workbook) ----------------------


@_stored
def appraisal_run(key: str, start: float, years: float, prices: str, rate: float,
                  long_rate: float, futures: int) -> Any:
    """Return the appraisal of a scenario against current policy (its key and the settings).

    Parameters
    ----------
    key : str
        The scenario's :func:`scenario_key`.
    start, years, prices, rate, long_rate, futures
        As :func:`slack_sim.analysis.appraise.appraise_scenario` (the appraisal panel's
        :class:`slack_sim.ui.finance.AppraisalSettings`).

    Returns
    -------
    slack_sim.analysis.appraise.AppraisalRun
    """
    from ..analysis.appraise import appraise_scenario

    return appraise_scenario(scenario_from_key(key), start=start, years=years, prices=prices,
                             rate=rate, long_rate=long_rate, futures=futures)


@_stored
def appraisal_view(key: str, start: float, years: float, prices: str, rate: float,
                   long_rate: float, futures: int) -> finance.FinanceView:
    """Return the finance cards, caption and table of :func:`appraisal_run`'s appraisal.

    Cached apart from the appraisal, so that a page whose appraisal is done (a guessed
    slider step) reads its cards rather than recomputing their statistics and the table
    by financial year (about 35 ms a page on the 2-core machine).

    Parameters
    ----------
    key, start, years, prices, rate, long_rate, futures
        As :func:`appraisal_run`.

    Returns
    -------
    slack_sim.ui.finance.FinanceView
    """
    return finance.finance_view(appraisal_run(key, start, years, prices, rate, long_rate,
                                              futures))


@_shared
def appraisal_workbook(pins_json: str, start: float, years: float, prices: str, rate: float,
                       long_rate: float, futures: int) -> bytes:
    """Return the committee workbook of the pinned scenarios, each under its pinned name.

    ``pins_json`` is the JSON list of the pins (profile, values, name, description); each
    is appraised by :func:`appraisal_run` (so the Scenario page's appraisals are reused)
    and written by :func:`slack_sim.report.workbook.write_appraisal_workbook`.
    """
    from ..report.workbook import write_appraisal_workbook

    runs = {}
    for pin in json.loads(pins_json):
        scenario = Scenario(**pin)
        runs[pin["name"]] = appraisal_run(scenario_key(scenario), start, years, prices, rate,
                                          long_rate, futures)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_appraisal_workbook(runs, Path(tmp) / "slack-sim-appraisal.xlsx")
        return Path(path).read_bytes()
