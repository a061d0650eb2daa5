"""Verdicts that hold: how often a step's computed answer survives the uncertainty.

A step's answer (:attr:`Step.rule`) is computed from one run of each of its scenarios at
the model's central values. :func:`robustness` runs every scenario of the step again in
each of ``n`` futures (the profile's history-consistent futures when it has them for this
model version, else a Latin-hypercube draw over the plausible ranges of the effect sizes:
the same choice :func:`slack_sim.analysis.ensemble.ensemble` makes), applies the *same*
rule to each future's runs and counts the futures that give the same answer. Every run of
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
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..analysis.batch import run_members
from ..analysis.ensemble import history_futures
from ..analysis.ranges import default_parameters, sample, uncertainty_ranges
from ..model.parse import Model, load_model
from ..report.text import percent
from .rules import Verdict
from .runner import run_step
from .steps import Step, step

__all__ = ["FUTURES", "HOLDS_AT", "Robustness", "futures_of", "member_verdicts", "robustness",
           "step_robustness"]

#: Futures each step's answer is checked in (the app's and the tests').
FUTURES = 500
#: The share of futures in which a stated answer must hold.
HOLDS_AT = 0.9

_SOURCES = {"history": "futures consistent with 2010-2020", "plausible": "plausible futures"}


@dataclasses.dataclass(frozen=True)
class Robustness:
    """How often a step's answer holds across futures.

    Attributes
    ----------
    step : str
        The step's key.
    answer : str
        The answer at the model's central values.
    counts : mapping of str to int
        Futures giving each answer.
    n : int
        Futures run.
    source : str
        Where the futures come from (``"plausible futures"`` or
        ``"futures consistent with 2010-2020"``).
    """

    step: str
    answer: str
    counts: Mapping[str, int]
    n: int
    source: str

    @property
    def holds(self) -> int:
        """Futures in which the central answer holds."""
        return int(self.counts.get(self.answer, 0))

    @property
    def share(self) -> float:
        """Share of futures in which the central answer holds, in ``[0, 1]``."""
        return self.holds / self.n if self.n else 0.0

    @property
    def robust(self) -> bool:
        """Whether the answer holds in at least :data:`HOLDS_AT` of the futures."""
        return self.share >= HOLDS_AT

    def text(self) -> str:
        """Return the share in words, e.g. ``"holds in 94% of 500 plausible futures"``."""
        return f"holds in {percent(self.share)} of {self.n} {self.source}"


def futures_of(item: Step, *, n: int = FUTURES, seed: int = 0,
               model: Model | None = None) -> tuple[pd.DataFrame, str]:
    """Return the futures a step is checked in (one row each) and where they come from.

    The history-consistent futures of the profile of the step's first run when it has
    them for this model version (its first ``n``), else ``n`` Latin-hypercube draws
    (``seed``) over the plausible ranges of the effect sizes. Columns a run of the step
    sets itself are dropped, so every run keeps its own settings.
    """
    model = model or load_model()
    scenarios = [run.scenario() for run in item.runs]
    fixed = {name for scenario in scenarios for name in scenario.values}
    kept = history_futures(scenarios[0])
    if kept is not None:
        draws, source = kept.head(n), _SOURCES["history"]
    else:
        table = uncertainty_ranges(default_parameters(model=model), model=model)
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

    It is a pure function of the step, the model and its profiles, so one copy per
    server process serves every session.
    """
    return robustness(step(key), n=n)
