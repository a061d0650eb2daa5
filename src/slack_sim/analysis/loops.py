"""Which loop is in charge: loop dominance by the Loops that Matter method.

Loops that Matter (LTM; Schoenberg, Davidsen and Eberlein 2020, *System Dynamics Review*
36(2); Eberlein and Schoenberg 2020) multiplies the *link scores* of a run
(:mod:`slack_sim.analysis.link_scores`) around each feedback loop
(:mod:`slack_sim.analysis.loop_paths`: the named loops and an independent loop set) into a
*loop score*. A loop's *relative* score for a variable is its score over the sum of the
absolute scores of the loops through that variable, so the shares of the loops through a
variable sum to 1 in absolute value and a balancing loop's share is negative. This module
computes the loop scores (:func:`analyse_loops`) and summarises which loop dominates a
variable when (:class:`LoopAnalysis`, :func:`dominant_periods`).

Every public name of the two modules it draws on stays importable from here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..model.parse import load_model
from ..model.variables import Model
from ..scenarios import Scenario
from .link_scores import PERTURBATIONS as PERTURBATIONS
from .link_scores import STILL as STILL
from .link_scores import _equations as _equations
from .link_scores import _link_scores, link_polarities, loop_run
from .link_scores import _values as _values
from .loop_paths import (
    DYNAMIC_KINDS,
    FeedbackLoop,
    _canonical,
    _named_cycles,
    _polarity,
    causal_graph,
    declared_paths,
    independent_loops,
    loop_tags,
)
from .loop_paths import MAX_LOOP_LENGTH as MAX_LOOP_LENGTH
from .loop_paths import MIN_LOOP_LENGTH as MIN_LOOP_LENGTH
from .loop_paths import _path as _path

__all__ = [
    "DYNAMIC_KINDS",
    "FeedbackLoop",
    "LoopAnalysis",
    "Period",
    "analyse_loops",
    "causal_graph",
    "declared_paths",
    "dominant_periods",
    "independent_loops",
    "link_polarities",
    "loop_tags",
    "loop_run",
]


@dataclasses.dataclass(frozen=True)
class Period:
    """A span of years in which one loop (or none) dominates a variable."""

    start: float
    end: float
    loop: str | None
    label: str
    share: float


@dataclasses.dataclass
class LoopAnalysis:
    """Loop scores of one run: see :func:`analyse_loops`.

    Attributes
    ----------
    model : Model
        The parsed model.
    loops : list of FeedbackLoop
        Named loops' cycles first (in the model's loop order), then the independent loop
        set's other loops.
    scores : pandas.DataFrame
        Loop score of each loop (columns: loop id) at each step (index: model month of
        the step's end).
    years : numpy.ndarray
        The decimal year of each row of ``scores``.
    link_scores : dict
        The score of every link on a loop, by ``(cause, effect)``.
    polarities : dict
        Every link's polarity at the operating point.
    """

    model: Model
    loops: list[FeedbackLoop]
    scores: pd.DataFrame
    years: np.ndarray
    link_scores: dict[tuple[str, str], np.ndarray]
    polarities: dict[tuple[str, str], int]

    def loop(self, loop_id: str) -> FeedbackLoop:
        """Return the loop with this id."""
        for lp in self.loops:
            if lp.id == loop_id:
                return lp
        raise KeyError(loop_id)

    def through(self, variable: str) -> list[FeedbackLoop]:
        """Return the loops that pass through ``variable``."""
        return [lp for lp in self.loops if variable in lp.variables]

    def relative(self, variable: str) -> pd.DataFrame:
        """Return the relative loop scores of the loops through ``variable``.

        Parameters
        ----------
        variable : str
            A model variable.

        Returns
        -------
        pandas.DataFrame
            One column per loop through it; each row's absolute values sum to 1 (0 where
            no loop through it moves). Index: decimal year.

        Raises
        ------
        KeyError
            If the model has no such variable.
        """
        if variable not in self.model:
            raise KeyError(variable)
        ids = [lp.id for lp in self.through(variable)]
        part = self.scores[ids].to_numpy()
        total = np.abs(part).sum(axis=1, keepdims=True)
        rel = np.divide(part, total, out=np.zeros_like(part), where=total > 0)
        return pd.DataFrame(rel, index=pd.Index(self.years, name="year"), columns=ids)

    def shares(self, variable: str) -> pd.DataFrame:
        """Relative scores of the loops through ``variable`` grouped by named loop.

        The cycles of one named loop are added together; each unnamed loop stays its own
        column.

        Returns
        -------
        pandas.DataFrame
            Index: decimal year; columns: named loop ids, then unnamed loop ids.
        """
        rel = self.relative(variable)
        groups = {lp.id: lp.group for lp in self.through(variable)}
        return rel.T.groupby(lambda c: groups[c], sort=False).sum().T

    def label(self, group: str) -> str:
        """Return ``"R1 firefighting trap"`` for a named loop, or an unnamed loop's name."""
        loop = self.model.loops.get(group)
        if loop is not None:
            return f"{loop.id} {loop.name}"
        lp = self.loop(group)
        return f"{lp.id} ({lp.letter}) {lp.name}"

    def dominance(self, variable: str, *, named_only: bool = False) -> list[Period]:
        """Return the periods in which one loop dominates ``variable``, year by year.

        Each calendar year's dominant loop is the one with the largest mean absolute
        share of that year's steps (:meth:`shares`); consecutive years with the same
        dominant loop make one period.

        Parameters
        ----------
        variable : str
            A model variable.
        named_only : bool
            Compare only the named loops (their shares renormalised among themselves).

        Returns
        -------
        list of Period
        """
        shares = self.shares(variable)
        if named_only:
            shares = shares[[c for c in shares.columns if c in self.model.loops]]
        return dominant_periods(shares, label=self.label)

    def sentence(self, variable: str, *, named_only: bool = False) -> str:
        """Return the dominance in words, e.g. ``"R1 firefighting trap drives ... "``."""
        periods = [p for p in self.dominance(variable, named_only=named_only) if p.loop]
        if not periods:
            return f"No feedback loop through {variable} moves in this run."
        parts = [f"{p.label} in {p.start:.0f}" if p.start == p.end
                 else f"{p.label} from {p.start:.0f} to {p.end:.0f}" for p in periods]
        return f"Dominant loop for {variable}: " + "; ".join(parts) + "."


def dominant_periods(shares: pd.DataFrame, *, label: Any = str) -> list[Period]:
    """Group years into periods by the loop with the largest mean absolute share.

    Parameters
    ----------
    shares : pandas.DataFrame
        Relative loop scores (index: decimal year; columns: loops).
    label : callable
        Loop id -> text for :attr:`Period.label`.

    Returns
    -------
    list of Period
        ``start`` is a period's first year, ``end`` its last (calendar years); ``loop``
        is ``None`` for years in which no loop moves.
    """
    if shares.empty or shares.shape[1] == 0:
        return []
    years = np.floor(shares.index.to_numpy(dtype=float) + 1e-9).astype(int)
    yearly = shares.abs().groupby(years).mean()
    periods: list[Period] = []
    for year, row in yearly.iterrows():
        top = row.idxmax() if row.max() > 0 else None
        share = float(row.max()) / float(row.sum()) if row.sum() > 0 else 0.0
        if periods and periods[-1].loop == top:
            last = periods[-1]
            n = last.end - last.start + 1
            periods[-1] = dataclasses.replace(
                last, end=float(year), share=(last.share * n + share) / (n + 1))
        else:
            periods.append(Period(float(year), float(year), top,
                                  label(top) if top else "no loop", share))
    return periods


def analyse_loops(scenario: Scenario | None = None, *, model: Model | None = None,
                  run: pd.DataFrame | None = None,
                  settings: Mapping[str, float] | None = None) -> LoopAnalysis:
    """Compute the loop scores of a run (Loops that Matter).

    Parameters
    ----------
    scenario : Scenario, optional
        What to run on ``slack.mdl`` (default: the default preset).
    model : Model, optional
        The model (default: ``slack.mdl``).
    run : pandas.DataFrame, optional
        A run from :func:`loop_run` (every variable at every integration step); made
        when not given.
    settings : mapping, optional
        Constants for a model other than ``slack.mdl``.

    Returns
    -------
    LoopAnalysis
        The loops, their scores at every step, the link scores and polarities.
    """
    model = model or load_model()
    if run is None:
        run = loop_run(scenario, model=model, settings=settings)
    graph = causal_graph(model)
    signs = link_polarities(model, run, graph)
    order = {n: i for i, n in enumerate(model.variables)}
    named = _named_cycles(model, graph, signs)
    taken = {_canonical(lp.variables, order) for lp in named}
    loops = list(named)
    for k, cycle in enumerate((c for c in independent_loops(model, graph) if c not in taken),
                              start=1):
        short = " > ".join(cycle) if len(cycle) <= 3 else f"{cycle[0]} > ... ({len(cycle)} links)"
        loops.append(FeedbackLoop(f"L{k}", short, cycle, _polarity(cycle, signs)))
    needed = {link for lp in loops for link in lp.links}
    links = _link_scores(model, run, sorted(needed, key=lambda e: (order[e[0]], order[e[1]])))
    data = {lp.id: np.prod([links[link] for link in lp.links], axis=0) for lp in loops}
    months = run.index.to_numpy(dtype=float)[1:]
    scores = pd.DataFrame(data, index=pd.Index(months, name="month"))
    years = model.start_year + months / 12.0
    return LoopAnalysis(model, loops, scores, years, links, signs)
