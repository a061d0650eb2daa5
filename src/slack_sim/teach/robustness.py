"""Verdicts that hold: how often a step's computed answer survives the uncertainty.

A step's answer (:attr:`Step.rule`) is computed from one run of each of its scenarios at
the model's central values. :func:`robustness` runs every scenario of the step again in
each of ``n`` futures, applies the *same* rule to each future's runs and counts the
futures that give the same answer. The futures (:func:`futures_of`) are consistent with
history wherever the model has seen one:

- a step on a calibrated profile (England) uses the profile's history-consistent futures;
- a step on the round-number teaching council, which has no history of its own, uses the
  default profile's history-consistent futures *conditioned on what the two share*: their
  effect sizes (the 53 behavioural parameters, drawn jointly as England's 2010-2020 kept
  them), not England's need growth, population, unit-cost growth, austerity or Covid,
  which would break the flat council's equilibrium and are set by the step's experiment;
- only a profile with neither falls back to a Latin-hypercube draw over the plausible
  ranges of the effect sizes.

:func:`on_england` is the second check of the teaching council's steps: the same
experiment run on England's own profile over its history-consistent futures (need
growing as fitted), counted against the answer the step states. Every run of
a step sees the same futures (common random numbers), so a comparison between runs is a
comparison under the same draws. An uncertainty a run sets itself keeps its value.

:data:`HOLDS_AT` is the share a stated answer must reach (the storyline's tests check
every step against it); :meth:`Robustness.text` words the share for the screen
("holds in 94% of 500 plausible futures").
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter

import numpy as np
import pandas as pd

from ..analysis.batch import run_members
from ..analysis.ensemble import history_futures
from ..analysis.ranges import default_parameters, sample, uncertainty_ranges
from ..model.parse import Model, load_model
from ..scenarios import DEFAULT_PROFILE, preset
from . import shares_store
from .rules import Verdict
from .runner import run_step
from .share import HOLDS_AT, Robustness
from .steps import Step, step

__all__ = ["FUTURES", "HOLDS_AT", "Robustness", "england_robustness", "futures_of",
           "member_verdicts", "on_england", "robustness", "step_robustness"]

#: Futures each step's answer is checked in (the app's and the tests').
FUTURES = 500

_SOURCES = {"history": "futures consistent with 2010-2020",
            "shared": "futures whose effect sizes are consistent with England's 2010-2020",
            "plausible": "plausible futures"}


def futures_of(item: Step, *, n: int = FUTURES, seed: int = 0,
               model: Model | None = None) -> tuple[pd.DataFrame, str]:
    """Return the futures a step is checked in (one row each) and where they come from.

    The history-consistent futures of the profile of the step's first run when it has
    them for this model version (its first ``n``); else, for a profile without a history
    (the teaching council), the first ``n`` of the default profile's, their effect-size
    columns only (the parameters the two profiles share); else ``n`` Latin-hypercube draws
    (``seed``) over the plausible ranges of the effect sizes. Columns a run of the step
    sets itself are dropped, so every run keeps its own settings.
    """
    model = model or load_model()
    scenarios = [run.scenario() for run in item.runs]
    fixed = {name for scenario in scenarios for name in scenario.values}
    table = uncertainty_ranges(default_parameters(model=model), model=model)
    kept = history_futures(scenarios[0])
    shared = None if kept is not None else history_futures(preset(profile=DEFAULT_PROFILE))
    if kept is not None:
        draws, source = kept.head(n), _SOURCES["history"]
    elif shared is not None and set(table.index) <= set(shared.columns):
        draws, source = shared[list(table.index)].head(n), _SOURCES["shared"]
    else:
        draws, source = sample(table, n=n, seed=seed), _SOURCES["plausible"]
    draws = draws.drop(columns=[c for c in draws.columns if c in fixed])
    return draws.reset_index(drop=True), source


def robustness(item: Step, *, n: int = FUTURES, seed: int = 0, central: Verdict | None = None,
               model: Model | None = None) -> Robustness:
    """Run a step in ``n`` futures and count the futures that give each answer.

    Parameters
    ----------
    item : Step
        The step.
    n : int
        Futures (default :data:`FUTURES`).
    seed : int
        Seed of the draw when the profile has no history-consistent futures.
    central : Verdict, optional
        The answer at central values (default: :func:`slack_sim.teach.run_step`).
    model : Model, optional
        The parsed model.

    Returns
    -------
    Robustness
    """
    model = model or load_model()
    verdicts, source = member_verdicts(item, n=n, seed=seed, model=model)
    counts = Counter(v.answer for v in verdicts)
    if central is None:
        central = run_step(item, model=model).verdict
    return Robustness(item.key, central.answer, dict(counts), len(verdicts), source)


def member_verdicts(item: Step, *, n: int = FUTURES, seed: int = 0,
                    model: Model | None = None) -> tuple[list[Verdict], str]:
    """Return the step's verdict in each of ``n`` futures (:func:`futures_of`) and their source.

    Each future runs every scenario the rule reads (the batch engine,
    :func:`slack_sim.analysis.batch.run_members`) and the step's own rule decides on them.
    """
    model = model or load_model()
    draws, source = futures_of(item, n=n, seed=seed, model=model)
    outputs = list(dict.fromkeys(item.rule.variables))
    data, settings = {}, {}
    for run in item.runs:
        if run.key not in item.rule.runs:
            continue
        scenario = run.scenario()
        data[run.key] = run_members(scenario, draws, outputs)
        settings[run.key] = scenario.settings(model=model)
    years = pd.Index(np.asarray(next(iter(data.values()))["year"].values, dtype=float),
                     name="year")
    arrays = {k: {v: np.asarray(d[v].values, dtype=float) for v in outputs}
              for k, d in data.items()}
    verdicts = []
    for i, row in enumerate(draws.to_dict("records")):
        frames = {k: pd.DataFrame({v: a[v][i] for v in outputs}, index=years)
                  for k, a in arrays.items()}
        member = {k: {**s, **row} for k, s in settings.items()}
        verdicts.append(item.rule.decide(frames, member))
    return verdicts, source


@functools.lru_cache(maxsize=16)
def step_robustness(key: str, n: int = FUTURES) -> Robustness:
    """Return :func:`robustness` of a storyline step by key, cached.

    It is a pure function of the step, the model, its profiles and the package, so one
    copy per server process serves every session, and it is stored on disk
    (:func:`slack_sim.teach.shares_store.stored`) for every later process.
    """
    return shares_store.stored(kind="step", key=key, n=n,
                               compute=lambda: robustness(step(key), n=n))


def on_england(item: Step) -> Step | None:
    """Return the step with every run moved to the default profile (England), or ``None``.

    ``None`` when the step already runs on a profile with history-consistent futures:
    there is nothing to add. Otherwise the same experiment (presets and settings) on
    England's own profile, whose need and population grow as fitted.
    """
    if history_futures(item.runs[0].scenario()) is not None:
        return None
    return dataclasses.replace(item, runs=tuple(
        dataclasses.replace(run, profile=DEFAULT_PROFILE) for run in item.runs))


@functools.lru_cache(maxsize=16)
def england_robustness(key: str, n: int = FUTURES) -> Robustness | None:
    """Return how often a teaching-council step's stated answer holds on England, cached.

    The step's experiment on England's profile (:func:`on_england`) over England's
    history-consistent futures, counted against the answer the step states (its answer on
    its own council at central values); ``None`` for a step already on England. Stored on
    disk as :func:`step_robustness` is.
    """
    item = step(key)
    moved = on_england(item)
    if moved is None:
        return None
    return shares_store.stored(kind="england", key=key, n=n, compute=lambda: robustness(
        moved, n=n, central=run_step(item).verdict))
