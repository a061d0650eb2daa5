"""Monte Carlo ensembles: a scenario run under many draws of its uncertainties.

``ensemble(scenario, n=500, seed=0)`` draws ``n`` Latin-hypercube samples of the
uncertainties (by default every constant of the model's *Effect sizes* group), each
uniform over the *plausible* range the model file gives for it (the ``Plausible: [lo, hi]``
tag of its comment, with the reason; ``Variable.plausible_minimum`` and
``Variable.plausible_maximum``; see ``docs/uncertainty.md``), runs them all in one batch on the
compiled engine (:func:`slack_sim.simulate_many`) and returns

- ``bands``: the 5th, 25th, 50th, 75th and 95th percentiles of each output at each time
  (a fan chart), and
- ``outcomes``: one row per member with the headline outcomes (NPV of spending,
  cumulative harm, peak waiting time, recovery from the main shock, reserves runway and,
  against a baseline run under the *same* draws, the net present saving).

The headline outcomes are :func:`slack_sim.metrics.headline_outcomes`, the computation
:func:`slack_sim.outcomes` applies to one run, on every member at once (members x months
arrays); the run over the samples is :func:`slack_sim.analysis.batch.run_batch`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..metrics.catalogue import HEADLINE_OUTCOMES
from ..metrics.headline import HEADLINE_OUTPUTS
from ..metrics.resilience import main_shock
from ..model.calendar import START_YEAR
from ..model.parse import load_model
from ..scenarios import Scenario, ScenarioError
from ..scenarios.councils import calibration_record, kept_futures
from ..validation import validate_params
from .batch import batch_outcomes, run_batch, run_members
from .chunks import CHUNK_MEMBERS, MemberFiller, member_chunks
from .ranges import (
    DEFAULT_GROUPS,
    SAMPLING,
    default_parameters,
    ranges_markdown,
    sample,
    uncertainty_ranges,
)
from .run_memo import RunMemo

__all__ = [
    "BAND_OUTPUTS",
    "CHUNK_MEMBERS",
    "DEFAULT_GROUPS",
    "HEADLINE_OUTCOMES",
    "OUTCOME_OUTPUTS",
    "PERCENTILES",
    "Ensemble",
    "batch_outcomes",
    "default_parameters",
    "ranges_markdown",
    "ensemble",
    "main_shock",
    "member_chunks",
    "run_members",
    "sample",
    "uncertainty_ranges",
]

#: Percentiles of the fan-chart bands.
PERCENTILES: tuple[int, ...] = (5, 25, 50, 75, 95)
#: Outputs given bands by default (the time series of the app's main charts).
BAND_OUTPUTS: tuple[str, ...] = (
    "Crisis queue",
    "Waiting time",
    "Utilisation",
    "Total spending",
    "Workforce",
    "Fatigue",
    "Prevention capacity",
    "Partnership strength",
    "Community capacity",
    "Children looked after",
    "Unmet need",
    "Reserves",
)
#: Outputs the headline outcomes need (:data:`slack_sim.metrics.headline.HEADLINE_OUTPUTS`).
OUTCOME_OUTPUTS: tuple[str, ...] = HEADLINE_OUTPUTS


# -- the ensemble ------------------------------------------------------------------------------


_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


@dataclasses.dataclass(frozen=True)
class Ensemble:
    """A scenario run under many draws of its uncertainties.

    Attributes
    ----------
    scenario : Scenario
        The scenario every member runs (its values, with the sampled parameters drawn).
    baseline : Scenario or None
        The baseline run under the same draws, if given.
    samples : pandas.DataFrame
        The draws: one row per member, one column per sampled parameter.
    ranges : pandas.DataFrame
        The range each parameter was drawn from (:func:`uncertainty_ranges`).
    bands : pandas.DataFrame
        Index ``year`` (decimal years); columns a MultiIndex ``(output, percentile)`` with
        percentiles 5, 25, 50, 75, 95.
    outcomes : pandas.DataFrame
        One row per member; columns :data:`HEADLINE_OUTCOMES` (and ``main_shock``).
    data : xarray.Dataset
        Every member's time series of the outputs (members x years).
    seed : int or None
        The seed of the draws.
    method : str
        ``"lhs"`` or ``"random"``.
    """

    scenario: Scenario
    baseline: Scenario | None
    samples: pd.DataFrame
    ranges: pd.DataFrame
    bands: pd.DataFrame
    outcomes: pd.DataFrame
    data: Any
    seed: int | None
    method: str
    source: str = "plausible futures"

    @property
    def n(self) -> int:
        """Number of members."""
        return len(self.samples)

    def probability(self, outcome: str, op: str = ">", threshold: float = 0.0) -> float:
        """Return the share of members (futures) where ``outcome op threshold`` holds.

        Parameters
        ----------
        outcome : str
            A column of :attr:`outcomes`, e.g. ``"net_present_saving"``.
        op : {">", ">=", "<", "<="}
            Comparison.
        threshold : float
            Value compared with.

        Returns
        -------
        float
            Share in ``[0, 1]``; members where the outcome is missing (``nan``, e.g. no
            recovery) count as not meeting the condition.
        """
        if outcome not in self.outcomes.columns:
            raise KeyError(f"no outcome {outcome!r}; have {list(self.outcomes.columns)}")
        if op not in _OPS:
            raise ValueError(f"op must be one of {list(_OPS)}, got {op!r}")
        values = self.outcomes[outcome].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return float(np.mean(_OPS[op](values, threshold)))

    def summary(self) -> pd.DataFrame:
        """Return the percentiles, mean and count of each headline outcome over the members.

        Missing values (no recovery, reserves never in deficit) are left out: ``members``
        counts the members with a value (see :meth:`probability` for the shares).
        """
        cols = [c for c in self.outcomes.columns if c not in ("main_shock", "did_not_recover")]
        table = self.outcomes[cols].quantile([p / 100 for p in PERCENTILES]).T
        table.columns = [f"p{p}" for p in PERCENTILES]
        table["mean"] = self.outcomes[cols].mean()
        table["members"] = self.outcomes[cols].notna().sum()
        table.index.name = "outcome"
        return table


def _percentiles_over_members(values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Return percentiles over axis 0 (members) as times x len(q), numpy's linear method.

    One sort along contiguous rows beats ``np.percentile(axis=0)`` on this shape by about
    5 times (the partition it uses is slow along a strided axis).
    """
    s = np.sort(values.T, axis=1)
    h = (s.shape[1] - 1) * q / 100.0
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, s.shape[1] - 1)
    w = h - lo
    return s[:, lo] + w * (s[:, hi] - s[:, lo])


def bands(data: Any, outputs: Sequence[str],
          percentiles: Sequence[float] = PERCENTILES) -> pd.DataFrame:
    """Return percentiles over members at each time, as a (time x (output, percentile)) frame.

    Parameters
    ----------
    data : xarray.Dataset
        Members x years.
    outputs : sequence of str
        Data variables to summarise.
    percentiles : sequence of float
        Percentiles (linear interpolation between members, numpy's default).

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns MultiIndex ``(output, percentile)``.
    """
    q = np.asarray(percentiles, dtype=float)
    if q.size == 0 or np.any((q < 0) | (q > 100)):
        raise ValueError(f"percentiles must lie in [0, 100], got {list(percentiles)}")
    blocks = [_percentiles_over_members(np.asarray(data[o].values, dtype=float), q)
              for o in outputs]
    columns = pd.MultiIndex.from_product([list(outputs), list(percentiles)],
                                         names=["output", "percentile"])
    index = pd.Index(np.asarray(data["year"].values, dtype=float), name="year")
    return pd.DataFrame(np.hstack(blocks), index=index, columns=columns)


#: the baseline's runs: the app's baseline rarely changes while the scenario does
_BASELINE_RUNS = RunMemo(8)


def _baseline_run(baseline: Scenario, draws: pd.DataFrame) -> Any:
    """Run the baseline's spending under the draws, remembered by baseline and draws.

    In the app the baseline rarely changes while the scenario does, so a rerun after a
    slider move runs only the scenario's members (:class:`~.run_memo.RunMemo`: keyed by
    the baseline, its profile's version and the draws).
    """
    # what the baseline sets itself keeps its value (a no-austerity, no-shock baseline stays
    # so when the futures draw the austerity and the shock)
    draws = draws.drop(columns=[c for c in draws.columns if c in baseline.values])
    return _BASELINE_RUNS.get(baseline, draws, what="Total spending",
                              compute=lambda: run_members(baseline, draws, ["Total spending"]))


def _run_in_chunks(
    scenario: Scenario,
    draws: pd.DataFrame,
    *,
    outputs: Sequence[str],
    baseline: Scenario | None,
    base_year: float,
    progress: Callable[[int, int], None] | None,
) -> tuple[Any, pd.DataFrame]:
    """Run the members chunk by chunk (:data:`CHUNK_MEMBERS`); their data and outcomes.

    Every member's numbers are those of one call over all of them: members are
    independent lanes of the engine, the draws are made once before the chunks, and the
    chunks are put back together in the members' order.
    """
    parts = member_chunks(len(draws), CHUNK_MEMBERS)
    filler = MemberFiller(len(draws)) if len(parts) > 1 else None
    data, tables = None, []
    for part in parts:
        chunk = draws.iloc[part]
        base_data = None
        if baseline is not None:  # one chunk (the app's): cached across slider moves
            base_data = (_baseline_run(baseline, chunk) if len(parts) == 1 else run_members(
                baseline, chunk.drop(columns=[c for c in chunk.columns
                                              if c in baseline.values]), ["Total spending"]))
        run = run_batch(scenario, chunk, outputs=outputs, baseline=base_data,
                        base_year=base_year)
        if filler is None:
            data = run.data
        else:
            filler.add(part, run.data)  # copied into place: no chunk is kept
        tables.append(run.outcomes)
        del run, base_data
        if progress is not None:
            progress(part.stop, len(draws))
    if filler is not None:
        data = filler.dataset()
    return data, (tables[0] if len(tables) == 1 else pd.concat(tables))


def history_futures(scenario: Scenario) -> pd.DataFrame | None:
    """Return the history-consistent futures of a scenario's profile, or ``None``.

    ``None`` when the profile has none (or its history match kept none), they were made
    for another model version, or the profile is a ``<name>-uncalibrated`` build (its
    sourced values, whose futures are the plausible ones: the stored futures were matched
    around the fit).
    """
    name = scenario.profile
    if name.endswith("-uncalibrated"):
        return None
    record = calibration_record(name)
    if record is None or record.get("model_version") != load_model().version:
        return None
    kept = kept_futures(name)
    # a profile whose history rules out every plausible future (its data are odd or the
    # model cannot follow them: the note of tools/build_profiles.py lists them) has none
    return kept if kept is not None and len(kept) else None


HISTORY_SOURCE = "futures consistent with 2010-2020"
PLAUSIBLE_SOURCE = "plausible futures"


def draw_futures(
    scenario: Scenario,
    *,
    n: int,
    seed: int | None = 0,
    method: Literal["lhs", "random"] = "lhs",
    parameters: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    futures: Literal["auto", "history", "plausible"] = "auto",
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Return the futures a scenario is run under: the one rule every analysis uses.

    ``"history"``: the profile's history-consistent futures (:func:`history_futures`), a
    subset of ``n`` chosen by ``seed`` when more are stored (all of them when fewer); an
    uncertainty the scenario sets itself keeps the scenario's value. ``"plausible"``:
    ``n`` fresh draws (:func:`sample`) over the plausible ranges of ``parameters``
    (default the Effect sizes, less those the scenario sets: a slider moved on one keeps
    its value in every future, as on the history path).
    ``"auto"``: history when the profile has been history-matched for this model version
    and neither ``parameters`` nor ``ranges`` is given, else plausible.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    n : int
        Futures wanted.
    seed : int or None
        Seed of the draw or the subset.
    method : {"lhs", "random"}
        Sampling of plausible futures.
    parameters : sequence of str, optional
        Uncertainties to sample (plausible futures; default the Effect sizes).
    ranges : mapping, optional
        Narrower ranges (plausible futures).
    futures : {"auto", "history", "plausible"}
        Which futures.

    Returns
    -------
    draws : pandas.DataFrame
        One row per future, one column per uncertainty set.
    ranges : pandas.DataFrame
        ``minimum`` and ``maximum`` of each column (for plausible futures, the full
        :func:`uncertainty_ranges` table).
    source : str
        :data:`HISTORY_SOURCE` or :data:`PLAUSIBLE_SOURCE`, for the wording of results.

    Raises
    ------
    ValueError
        For ``futures="history"`` on a profile without history-consistent futures.
    """
    if futures not in ("auto", "history", "plausible"):
        raise ValueError(f"futures: expected one of 'auto', 'history', 'plausible', got "
                         f"{futures!r}")
    kept = history_futures(scenario) if futures != "plausible" else None
    if futures == "history" and kept is None:
        raise ValueError(f"futures: profile {scenario.profile!r} has no history-consistent "
                         "futures for this model version (run tools/build_profiles.py)")
    if kept is not None and (futures == "history" or (parameters is None and ranges is None)):
        draws = kept.drop(columns=[c for c in kept.columns if c in scenario.values])
        if n < len(draws):  # a seeded subset of the stored futures (all of them if fewer)
            draws = draws.sample(n, random_state=np.random.default_rng(seed))
        draws = draws.reset_index(drop=True)
        return draws, pd.DataFrame({"minimum": draws.min(), "maximum": draws.max()}), (
            HISTORY_SOURCE)
    table = uncertainty_ranges(parameters, ranges=ranges, model=load_model())
    draws = sample(table, n=n, seed=seed, method=method)
    if parameters is None:  # the default group: what the scenario sets keeps its value
        draws = draws.drop(columns=[c for c in draws.columns if c in scenario.values])
        table = table.loc[list(draws.columns)]
    return draws, table, PLAUSIBLE_SOURCE


@validate_params(SAMPLING)
def ensemble(
    scenario: Scenario,
    *,
    n: int = 500,
    seed: int | None = 0,
    method: Literal["lhs", "random"] = "lhs",
    parameters: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    outputs: Sequence[str] = BAND_OUTPUTS,
    baseline: Scenario | None = None,
    percentiles: Sequence[float] = PERCENTILES,
    base_year: float = START_YEAR,
    futures: Literal["auto", "history", "plausible"] = "auto",
    progress: Callable[[int, int], None] | None = None,
    keep: Sequence[str] = (),
) -> Ensemble:
    r"""Run a scenario under ``n`` draws of its uncertainties (Monte Carlo, Latin hypercube).

    Parameters
    ----------
    scenario : Scenario
        The scenario (levers and the uncertainties not sampled stay as set).
    n : int
        Number of members (futures); 500 in the app.
    seed : int or None
        Seed of the draws: the same seed gives the same ensemble.
    method : {"lhs", "random"}
        Latin hypercube (default) or independent uniform draws (:func:`sample`).
    parameters : sequence of str, optional
        Uncertainties to sample; default every constant of the *Effect sizes* group
        (:func:`default_parameters`; add ``"Need"``, ``"Austerity"``, ``"Shock 1"`` ...
        with ``default_parameters([...])``).
    ranges : mapping of str to (float, float), optional
        Narrower ranges than the model's declared ones (see :func:`uncertainty_ranges`).
    outputs : sequence of str
        Model variables given bands.
    baseline : Scenario, optional
        A baseline (e.g. ``preset("baseline")``) run under the same draws (common random
        numbers), for ``net_present_saving`` per member.
    percentiles : sequence of float
        Percentiles of the bands (default 5, 25, 50, 75, 95).
    base_year : float
        Base year of discounting (default 2010).
    futures : {"auto", "history", "plausible"}
        Where the members come from. ``"history"``: the profile's history-consistent
        futures (``models/profiles/futures/``: every uncertainty drawn over its plausible
        range, kept when consistent with the published 2010-2020 series; see
        :func:`slack_sim.analysis.history.history_match`), the first ``n`` of them; an
        uncertainty the scenario sets itself keeps the scenario's value. ``"plausible"``:
        a fresh draw over the plausible ranges of ``parameters``. ``"auto"`` (default):
        history when the profile has been history-matched for this model version and
        neither ``parameters`` nor ``ranges`` is given, else plausible. ``.source`` says
        which ("futures consistent with 2010-2020").
    progress : callable, optional
        Called as ``progress(done, n)`` after each chunk of members
        (:data:`CHUNK_MEMBERS`; the command line's progress line). The chunks do not
        change the result: it is the same, bit for bit, as one call over every member.
    keep : sequence of str
        Model variables run and kept in ``.data`` without bands (e.g. the outputs an
        appraisal over the same futures takes from it).

    Returns
    -------
    Ensemble
        ``.bands``, ``.outcomes``, ``.samples``, ``.probability()`` (the share of futures;
        :func:`slack_sim.report.text.statement` words it for a card).

    Notes
    -----
    Each sampled parameter :math:`\theta_j` is uniform on its range :math:`[a_j, b_j]`, the
    draws a Latin hypercube: the percentile bands estimate the quantiles of each output
    under that distribution (for ``n = 500`` the 5th and 95th percentiles carry a sampling
    error of about 1 percentile point). Known answer: with ``ranges`` making every sampled
    range a point, all members equal the deterministic run and every band collapses to it.

    Examples
    --------
    >>> import slack_sim as ss  # doctest: +SKIP
    >>> ens = ss.ensemble(ss.preset("invest-to-save"), baseline=ss.preset("austerity-then-covid"))
    >>> from slack_sim.report.text import statement  # doctest: +SKIP
    >>> statement(ens, "net_present_saving", ">", 0)  # doctest: +SKIP
    'net saving positive in 60% of futures'
    """
    draws, table, source = draw_futures(scenario, n=n, seed=seed, method=method,
                                        parameters=parameters, ranges=ranges,
                                        futures=futures)
    if baseline is not None and baseline.profile != scenario.profile:
        raise ScenarioError("the baseline must be on the scenario's profile")
    run_outputs = [*outputs, *(k for k in keep if k not in outputs)]
    data, outcomes = _run_in_chunks(scenario, draws, outputs=run_outputs, baseline=baseline,
                                    base_year=base_year, progress=progress)
    return Ensemble(
        scenario=scenario,
        baseline=baseline,
        samples=draws,
        ranges=table,
        bands=bands(data, list(outputs), percentiles),
        outcomes=outcomes,
        data=data,
        seed=seed,
        method=method,
        source=source,
    )
