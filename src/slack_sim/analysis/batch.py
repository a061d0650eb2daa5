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
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..engine import simulate_many
from ..engine.compiled import resolve_backend
from ..metrics.catalogue import HEADLINE_OUTCOMES
from ..metrics.headline import HEADLINE_OUTPUTS, headline_outcomes
from ..metrics.resilience import SHOCK_SETTINGS, main_shock
from ..model.calendar import START_YEAR
from ..model.parse import load_model
from ..scenarios import Scenario

__all__ = [
    "Batch",
    "batch_outcomes",
    "member_settings",
    "no_shock_queue",
    "run_batch",
    "run_members",
    "scenario_key",
    "shock_start",
]

#: Run the no-shock counterfactuals on from the members' own state at the earliest main
#: shock start (numba only); ``False`` runs them from the initial time. The numbers are
#: the same bit for bit (``tests/engine/test_restart.py``); the switch is for
#: ``benchmarks/ab_rerun.py --change restart``.
RESTART = True


def scenario_key(scenario: Scenario) -> str:
    """Return the key identifying a scenario's run: its profile and values (not its name).

    :attr:`Scenario.key`, the one definition (this name is kept for callers of it).
    """
    return scenario.key


def run_members(scenario: Scenario, samples: pd.DataFrame, outputs: Sequence[str],
                **state: Any) -> Any:
    """Run a scenario once per row of ``samples`` on the compiled engine.

    Parameters
    ----------
    scenario : Scenario
        Its profile and values apply to every member; the sampled columns override them.
    samples : pandas.DataFrame
        One row per member, one column per parameter.
    outputs : sequence of str
        Model variables to keep.
    **state
        ``keep_state`` or ``from_state``, as :func:`slack_sim.simulate_many`.

    Returns
    -------
    xarray.Dataset
        As :func:`slack_sim.simulate_many`, dims ``("scenario", "year")``.
    """
    table = samples.copy()
    for name, value in scenario.values.items():
        if name not in table.columns:
            table[name] = value
    return simulate_many(table, list(dict.fromkeys(outputs)), profile=scenario.profile,
                         **state)


@functools.cache
def _lengths_act_only_through_switches(version: str) -> bool:
    """Whether each ``Shock n length`` is used by ``Shock n active`` alone (this model).

    The restart of the counterfactuals rests on it (a length does nothing before its
    shock's start, through ``IF THEN ELSE(Time >= start :AND: Time < start + length ...``);
    a model that used a length anywhere else runs them from the initial time instead.
    """
    model = load_model()
    users: dict[str, set[str]] = {}
    for cause, effect in model.edges():
        users.setdefault(cause, set()).add(effect)
    return all(users.get(f"Shock {n} length", set()) == {f"Shock {n} active"} for n in (1, 2))


def shock_start(settings: Mapping[str, np.ndarray]) -> float | None:
    """Return the earliest start of a member's main shock (months), ``None`` if none has one.

    Before it every member's no-shock counterfactual runs as the member itself does: a
    shock's length acts only through its ``Shock n active`` switch, which is 0 before the
    shock's start whatever the length (``models/slack.mdl``), so the counterfactual can
    go on from the member's own state there (:func:`no_shock_queue`).
    """
    number = main_shock(settings)[0]
    starts = [np.asarray(settings[f"Shock {n} start"], dtype=float)[number == n]
              for n in (1, 2)]
    found = np.concatenate(starts)
    return float(found.min()) if found.size else None


def member_settings(
    scenario: Scenario, samples: pd.DataFrame, names: Sequence[str] = SHOCK_SETTINGS
) -> dict[str, np.ndarray]:
    """Return each member's value of the named settings: sampled, else the scenario's."""
    base = scenario.settings()
    n = len(samples)
    return {k: (samples[k].to_numpy(dtype=float) if k in samples.columns
                else np.full(n, float(base[k]))) for k in names}


def no_shock_queue(
    scenario: Scenario, samples: pd.DataFrame, settings: Mapping[str, np.ndarray],
    *, state: Any | None = None, queue: np.ndarray | None = None,
) -> np.ndarray:
    """Return each member's crisis queue without its main shock: the no-shock counterfactual.

    Each member is run again with its main shock (:func:`~slack_sim.metrics.main_shock`) of
    length 0, everything else as drawn; members whose counterfactual is the same settings
    share one run (a tipping map's shock sizes do). A member without a shock is its own
    counterfactual.

    Parameters
    ----------
    scenario, samples, settings
        As :func:`run_batch` (``settings`` from :func:`member_settings`).
    state : slack_sim.engine.run.RunState, optional
        The members' own stocks at a step at or before every main shock's start
        (:func:`shock_start`), kept by their run (in the order of ``samples``), with
        ``queue``, their own crisis queue (members x times): the counterfactuals then go
        on from that state, their output times before it are the members' own, and the
        numbers are those of runs from the initial time, bit for bit (a shock's length
        has no effect before its start; ``tests/engine/test_restart.py`` proves it).

    Returns
    -------
    numpy.ndarray
        Members x times, the rows in the order of ``samples``.
    """
    number = main_shock(settings)[0]
    table = samples.copy()
    for n in (1, 2):
        column = f"Shock {n} length"
        table[column] = np.where(number == n, 0.0, np.asarray(settings[column], dtype=float))
    table = table.reset_index(drop=True)
    # members whose settings are equal (compared exactly, as numbers) share one run
    unique, first, inverse = np.unique(table.to_numpy(dtype=float), axis=0,
                                       return_index=True, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    extra = {} if state is None else {"from_state": state.take(first)}
    data = run_members(scenario, pd.DataFrame(unique, columns=table.columns),
                       ["Crisis queue"], **extra)
    out = np.asarray(data["Crisis queue"].values, dtype=float)[inverse]
    if state is not None:  # before the state's step: the members' own queue
        out[:, :state.before] = np.asarray(queue, dtype=float)[:, :state.before]
    return out


def batch_outcomes(
    data: Any,
    *,
    settings: Mapping[str, np.ndarray],
    baseline: Any | None = None,
    counterfactual_queue: np.ndarray | None = None,
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
    counterfactual_queue : numpy.ndarray, optional
        Each member's crisis queue without its main shock (:func:`no_shock_queue`), the
        reference of recovery.
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
                   baseline_spending=base, counterfactual_queue=counterfactual_queue,
                   base_year=base_year)
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
    recovery: bool = True,
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
    recovery : bool
        Judge recovery from the main shock (default): members with a shock are also run
        without it. ``False`` (a caller that needs only money, harm and waiting) skips those
        runs and leaves ``recovery_months`` ``nan`` and ``did_not_recover`` ``False``.

    Returns
    -------
    Batch

    Notes
    -----
    With outcomes, members with a shock are also run without it (:func:`no_shock_queue`):
    recovery is judged against that counterfactual queue, as :func:`slack_sim.outcomes`
    judges it with ``counterfactuals``.
    """
    wanted = [*outputs, *HEADLINE_OUTPUTS] if outcomes else list(outputs)
    settings = member_settings(scenario, samples)
    # the counterfactuals go on from the members' own state at the earliest main shock
    # start (the steps before it are the members' own: about a quarter of their runs)
    start = (shock_start(settings) if outcomes and recovery and RESTART
             and resolve_backend() == "numba"
             and _lengths_act_only_through_switches(load_model().version) else None)
    data = run_members(scenario, samples, wanted,
                       **({} if start is None else {"keep_state": start}))
    state = data.attrs.pop("state", None)  # for the counterfactuals only, not left in data
    table = None
    if outcomes:
        if recovery:
            reference = (no_shock_queue(scenario, samples, settings, state=state,
                                        queue=data["Crisis queue"].values)
                         if (main_shock(settings)[0] > 0).any() else None)
            table = batch_outcomes(data, settings=settings, baseline=baseline,
                                   counterfactual_queue=reference, base_year=base_year)
        else:  # no shock for the outcomes: no recovery is judged
            none = {**settings, "Shock 1 length": np.zeros(len(samples)),
                    "Shock 2 length": np.zeros(len(samples))}
            table = batch_outcomes(data, settings=none, baseline=baseline, base_year=base_year)
            table["main_shock"] = main_shock(settings)[0]
    return Batch(data=data, settings=settings, outcomes=table)
