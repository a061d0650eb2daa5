"""Run a scenario over samples: member settings, the batch run and its headline outcomes.

The one copy of the sequence every analysis tool follows (ensembles, sensitivity, tipping
maps, the policy search): take a scenario and a table of samples (one row per member, one
column per setting drawn or varied), run every member in one batch on the compiled engine
(:func:`run_members`), give each member its settings (:func:`member_settings`) and compute
the headline outcomes of all members at once (:func:`slack_sim.metrics.headline_outcomes`, the
computation a single run uses too).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..engine import simulate_many
from ..metrics.catalogue import HEADLINE_OUTCOMES
from ..metrics.headline import HEADLINE_OUTPUTS, headline_outcomes
from ..metrics.resilience import SHOCK_SETTINGS
from ..model.calendar import START_YEAR
from ..scenarios import Scenario

__all__ = [
    "Batch",
    "batch_outcomes",
    "member_settings",
    "run_batch",
    "run_members",
    "scenario_key",
]


def scenario_key(scenario: Scenario) -> str:
    """Return the key identifying a scenario's run: its profile and values (not its name).

    ``Scenario.key`` where the scenario stage defines it, else the same text built here.
    """
    key = getattr(scenario, "key", None)
    if isinstance(key, str):
        return key
    return json.dumps({"p": scenario.profile, "v": dict(scenario.values)}, sort_keys=True)


def run_members(scenario: Scenario, samples: pd.DataFrame, outputs: Sequence[str]) -> Any:
    """Run a scenario once per row of ``samples`` on the compiled engine.

    Parameters
    ----------
    scenario : Scenario
        Its profile and values apply to every member; the sampled columns override them.
    samples : pandas.DataFrame
        One row per member, one column per parameter.
    outputs : sequence of str
        Model variables to keep.

    Returns
    -------
    xarray.Dataset
        As :func:`slack_sim.simulate_many`, dims ``("scenario", "year")``.
    """
    table = samples.copy()
    for name, value in scenario.values.items():
        if name not in table.columns:
            table[name] = value
    return simulate_many(table, list(dict.fromkeys(outputs)), profile=scenario.profile)


def member_settings(
    scenario: Scenario, samples: pd.DataFrame, names: Sequence[str] = SHOCK_SETTINGS
) -> dict[str, np.ndarray]:
    """Return each member's value of the named settings: sampled, else the scenario's."""
    base = scenario.settings()
    n = len(samples)
    return {k: (samples[k].to_numpy(dtype=float) if k in samples.columns
                else np.full(n, float(base[k]))) for k in names}


def batch_outcomes(
    data: Any,
    *,
    settings: Mapping[str, np.ndarray],
    baseline: Any | None = None,
    base_year: float = START_YEAR,
) -> pd.DataFrame:
    """Return the headline outcomes of every member of a batch run.

    Parameters
    ----------
    data : xarray.Dataset
        From :func:`slack_sim.simulate_many`, with the
        :data:`~slack_sim.metrics.headline.HEADLINE_OUTPUTS`.
    settings : mapping of str to numpy.ndarray
        Per-member shock starts and lengths (:func:`member_settings`).
    baseline : xarray.Dataset, optional
        The baseline under the same draws (same members): adds ``net_present_saving``.
    base_year : float
        Base year of discounting (default 2010).

    Returns
    -------
    pandas.DataFrame
        One row per member; columns :data:`HEADLINE_OUTCOMES` (``net_present_saving`` only
        with a baseline) plus ``main_shock``: :func:`slack_sim.metrics.headline_outcomes`, the
        computation :func:`slack_sim.outcomes` applies to one run.
    """
    years = np.asarray(data["year"].values, dtype=float)
    base = None
    if baseline is not None:
        if not np.array_equal(np.asarray(baseline["year"].values, dtype=float), years):
            raise ValueError("scenario and baseline runs must share the same times")
        base = np.asarray(baseline["Total spending"].values, dtype=float)
    out = headline_outcomes({name: np.asarray(data[name].values, dtype=float)
                    for name in HEADLINE_OUTPUTS}, years, settings=settings,
                   baseline_spending=base, base_year=base_year)
    columns = [k for k in HEADLINE_OUTCOMES if k in out] + ["main_shock"]
    index = pd.Index(np.asarray(data["scenario"].values), name="member")
    return pd.DataFrame({k: out[k] for k in columns}, index=index)


@dataclasses.dataclass(frozen=True)
class Batch:
    """A scenario run over samples.

    Attributes
    ----------
    data : xarray.Dataset
        Every member's time series of the outputs (members x years).
    settings : dict of str to numpy.ndarray
        Each member's shock starts and lengths.
    outcomes : pandas.DataFrame or None
        The headline outcomes (:func:`batch_outcomes`), ``None`` if not asked for.
    """

    data: Any
    settings: dict[str, np.ndarray]
    outcomes: pd.DataFrame | None


def run_batch(
    scenario: Scenario,
    samples: pd.DataFrame,
    *,
    outputs: Sequence[str] = (),
    outcomes: bool = True,
    baseline: Any | None = None,
    base_year: float = START_YEAR,
) -> Batch:
    """Run a scenario over samples and return the data, member settings and outcomes.

    Parameters
    ----------
    scenario : Scenario
        The scenario; the columns of ``samples`` override its values member by member.
    samples : pandas.DataFrame
        One row per member, one column per setting.
    outputs : sequence of str
        Model variables to keep besides those the outcomes need.
    outcomes : bool
        Compute the headline outcomes (default); without them only ``outputs`` are kept.
    baseline : xarray.Dataset, optional
        The baseline's run under the same samples (its ``Total spending``), for
        ``net_present_saving``.
    base_year : float
        Base year of discounting (default 2010).

    Returns
    -------
    Batch
    """
    wanted = [*outputs, *HEADLINE_OUTPUTS] if outcomes else list(outputs)
    data = run_members(scenario, samples, wanted)
    settings = member_settings(scenario, samples)
    table = (batch_outcomes(data, settings=settings, baseline=baseline, base_year=base_year)
             if outcomes else None)
    return Batch(data=data, settings=settings, outcomes=table)
