"""Sweep planning: the spec, the policy grid, what is kept, and the chunks each task runs.

The half of :mod:`slack_sim.analysis.sweep` that needs no Dask: :class:`SweepSpec`
(councils x futures x policies, checked), :func:`policy_grid`, :class:`SweepReducer`
(what a run keeps), :func:`sweep_chunks` (the cut into :class:`SweepChunk` s, each
council's futures found once), :func:`run_chunk` (one chunk on one thread) and
:func:`sweep_in_process` (every chunk here, in order: the reference the Dask sweep is
checked against). :mod:`slack_sim.analysis.sweep` sends the same chunks to Dask and
writes the rows with :mod:`slack_sim.analysis.sweep_output`.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..engine import simulate_outcomes
from ..metrics.headline import HEADLINE_OUTPUTS, headline_outcomes
from ..model.parse import load_model
from ..scenarios import DEFAULT_PRESET, ScenarioError, profiles
from ..scenarios import preset as preset_scenario
from ..scenarios.councils import councils as council_table
from ..scenarios.councils import kept_futures
from .ranges import default_parameters, sample, uncertainty_ranges
from .sweep_output import Progress, concat_rows

__all__ = [
    "CHUNKS_PER_WORKER",
    "CHUNK_RUNS",
    "KEY_COLUMNS",
    "MIN_CHUNK_RUNS",
    "SweepChunk",
    "SweepReducer",
    "SweepSpec",
    "chunk_size",
    "policy_grid",
    "run_chunk",
    "sweep_chunks",
    "sweep_in_process",
]

#: Runs per chunk (one Dask task): about a second of one core, so that the few
#: milliseconds a task costs the scheduler stay well under 5% of it.
CHUNK_RUNS = 8192
#: A sweep on ``workers`` workers is cut into at least this many chunks a worker, where
#: its runs allow: the workers' last chunks then end close together. With one chunk per
#: council, a sweep of a dozen councils left one worker of two idle for most of a
#: chunk at the end (10.8% of the workers' time, ``benchmarks/bench_sweep.py``).
CHUNKS_PER_WORKER = 16
#: Fewest runs a chunk is cut down to for balance (about 0.2 s of one core): a Dask
#: task's few milliseconds stay about 1% of it.
MIN_CHUNK_RUNS = 1024

#: Columns that identify a row of the sweep's table.
KEY_COLUMNS = ("council", "policy", "future")


def policy_grid(levers: Mapping[str, Sequence[float]] | pd.DataFrame) -> pd.DataFrame:
    """Return the policies of a grid: one row per combination of the levers' values.

    Parameters
    ----------
    levers : mapping of str to sequence of float, or pandas.DataFrame
        Each lever's values (the grid is their product, the first lever varying
        slowest), or a table of policies (one row each, one column per lever).

    Returns
    -------
    pandas.DataFrame
        Index ``policy`` 0..P-1, one column per lever.

    Raises
    ------
    ScenarioError
        For a name that is not a lever of the model.
    """
    model = load_model()
    if isinstance(levers, pd.DataFrame):
        table = levers.reset_index(drop=True).astype(float)
    else:
        names = list(levers)
        rows = list(itertools.product(*(list(map(float, levers[n])) for n in names)))
        # no lever: one policy, the preset's own
        table = (pd.DataFrame(rows, columns=names, dtype=float) if names
                 else pd.DataFrame(index=range(1)))
    bad = [c for c in table.columns if c not in model.levers]
    if bad:
        raise ScenarioError(f"policy grid: {bad} are not levers of the model "
                            f"(levers: {', '.join(model.levers)})")
    table.index = pd.RangeIndex(len(table), name="policy")
    return table


@dataclasses.dataclass(frozen=True)
class SweepReducer:
    """What a sweep keeps of each run: the headline outcomes and values at dates.

    A picklable ``reduce`` for :func:`slack_sim.engine.simulate_outcomes`.

    Attributes
    ----------
    values_at : tuple of (str, tuple of float)
        Outputs and the decimal years to keep them at; column ``"<output> <year>"``
        (e.g. ``"Children looked after 2030"``).
    headline : bool
        Keep the headline outcomes.
    """

    values_at: tuple[tuple[str, tuple[float, ...]], ...] = ()
    headline: bool = True

    @property
    def outputs(self) -> list[str]:
        """The model outputs the reduction reads."""
        names = list(HEADLINE_OUTPUTS) if self.headline else []
        return names + [n for n, _ in self.values_at if n not in names]

    def __call__(self, series: Mapping[str, np.ndarray], years: np.ndarray, *,
                 settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Return the chunk's outcomes, one value per run."""
        out: dict[str, np.ndarray] = {}
        if self.headline:
            out.update(headline_outcomes(series, years, settings=settings))
        for name, at in self.values_at:
            for year in at:
                hits = np.flatnonzero(np.abs(years - year) <= 1e-9 * max(1.0, abs(year)))
                if not hits.size:
                    raise ValueError(f"{year:g} is not an output time of the run")
                out[f"{name} {year:g}"] = series[name][:, hits[0]].copy()
        return out


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """A sweep: councils x futures x policies, and what to keep.

    Attributes
    ----------
    councils : tuple of str
        Profile names (council slugs, or any profile of :func:`~slack_sim.profiles`).
    policies : pandas.DataFrame
        From :func:`policy_grid`.
    futures : int
        Futures per council.
    preset : str
        The preset the levers and uncertainties start from.
    seed : int
        Seed of the sampled futures (councils without history-consistent futures).
    reducer : SweepReducer
        What is kept of each run.
    chunk_runs : int
        Runs per chunk.
    """

    councils: tuple[str, ...]
    policies: pd.DataFrame
    futures: int = 100
    preset: str = DEFAULT_PRESET
    seed: int = 0
    reducer: SweepReducer = SweepReducer()
    chunk_runs: int = CHUNK_RUNS

    @classmethod
    def make(
        cls,
        policies: Mapping[str, Sequence[float]] | pd.DataFrame,
        *,
        councils: Iterable[str] | None = None,
        futures: int = 100,
        preset: str = DEFAULT_PRESET,
        seed: int = 0,
        values_at: Mapping[str, Sequence[float]] | None = None,
        headline: bool = True,
        chunk_runs: int = CHUNK_RUNS,
    ) -> SweepSpec:
        """Return a checked spec (default: every council of ``councils.csv``).

        Raises
        ------
        ScenarioError
            For an unknown profile, a policy column that is not a lever, or an unknown
            output in ``values_at``.
        ValueError
            For fewer than one future or one run per chunk.
        """
        names = tuple(councils) if councils is not None else tuple(council_table()["slug"])
        known = set(profiles())
        unknown = [c for c in names if c not in known]
        if unknown:
            raise ScenarioError(f"unknown profile(s) {unknown}; see slack-sim profiles")
        if int(futures) < 1 or int(chunk_runs) < 1:
            raise ValueError("futures and chunk_runs must be at least 1")
        model = load_model()
        at = tuple((str(k), tuple(float(y) for y in v)) for k, v in (values_at or {}).items())
        missing = [k for k, _ in at if k not in model.variables]
        if missing:
            raise ScenarioError(f"values_at: unknown output(s) {missing}")
        if not headline and not at:
            raise ValueError("nothing to keep: ask for the headline outcomes or values_at")
        preset_name = str(preset)
        preset_scenario(preset_name)  # raises for an unknown preset
        return cls(councils=names, policies=policy_grid(policies), futures=int(futures),
                   preset=preset_name, seed=int(seed),
                   reducer=SweepReducer(values_at=at, headline=bool(headline)),
                   chunk_runs=int(chunk_runs))

    @property
    def runs(self) -> int:
        """Upper bound of the number of runs (a council may have fewer futures)."""
        return len(self.councils) * len(self.policies) * self.futures

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-ready data (written into the Parquet file's metadata)."""
        return {
            "councils": list(self.councils), "futures": self.futures, "preset": self.preset,
            "seed": self.seed, "chunk_runs": self.chunk_runs,
            "policies": self.policies.to_dict(orient="list"),
            "values_at": {k: list(v) for k, v in self.reducer.values_at},
            "headline": self.reducer.headline, "model_version": load_model().version,
        }


@dataclasses.dataclass(frozen=True)
class SweepChunk:
    """One task: a council and a run of its (policy, future) pairs, with the inputs.

    Attributes
    ----------
    number : int
        Position of the chunk in the sweep (rows are written in this order).
    council : str
        The profile.
    first, stop : int
        Pairs ``first..stop-1``, pair ``j`` being policy ``j // n`` and future ``j % n``
        for ``n`` futures.
    base : dict
        The preset's lever and uncertainty values.
    futures : pandas.DataFrame
        The council's futures (all of them: a chunk is sent once).
    policies : pandas.DataFrame
        The policy grid.
    reducer : SweepReducer
        What is kept.
    """

    number: int
    council: str
    first: int
    stop: int
    base: dict[str, float]
    futures: pd.DataFrame
    policies: pd.DataFrame
    reducer: SweepReducer

    @property
    def runs(self) -> int:
        """Number of runs in the chunk."""
        return self.stop - self.first

    def table(self) -> pd.DataFrame:
        """Return the chunk's parameter table (one row per run) and its key columns."""
        n = len(self.futures)
        pairs = np.arange(self.first, self.stop)
        policy, future = pairs // n, pairs % n
        columns: dict[str, np.ndarray] = {k: np.full(len(pairs), v)
                                          for k, v in self.base.items()}
        for name in self.futures.columns:
            columns[name] = self.futures[name].to_numpy(dtype=float)[future]
        for name in self.policies.columns:
            columns[name] = self.policies[name].to_numpy(dtype=float)[policy]
        table = pd.DataFrame(columns)
        table.index = pd.MultiIndex.from_arrays(
            [np.full(len(pairs), self.council, dtype=object), policy, future],
            names=list(KEY_COLUMNS))
        return table


def _council_futures(council: str, n: int, seed: int,
                     sampled: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    kept = kept_futures(council)
    if kept is not None and len(kept):
        return kept.head(n).reset_index(drop=True), "futures consistent with 2010-2020"
    if "draws" not in sampled:  # the same draws for every council without its own
        ranges = uncertainty_ranges(default_parameters())
        sampled["draws"] = sample(ranges, n=n, seed=seed).reset_index(drop=True)
    return sampled["draws"], "plausible futures (not history-matched)"


def chunk_size(runs: int, *, most: int, workers: int | None) -> int:
    """Return the most runs a chunk of a sweep of ``runs`` runs gets.

    ``most`` (the spec's ``chunk_runs``), cut down so that ``workers`` workers get at
    least :data:`CHUNKS_PER_WORKER` chunks each, but not below :data:`MIN_CHUNK_RUNS`
    (nor above ``most``):
    ``min(most, max(MIN_CHUNK_RUNS, runs // (CHUNKS_PER_WORKER * workers)))``.
    ``workers=None`` (in process) gives ``most``.

    Examples
    --------
    >>> chunk_size(43_200, most=8192, workers=2)
    1350
    >>> chunk_size(2 * 10**8, most=8192, workers=2), chunk_size(43_200, most=8192, workers=None)
    (8192, 8192)
    >>> chunk_size(10_000, most=8192, workers=2), chunk_size(10_000, most=500, workers=2)
    (1024, 500)
    """
    if workers is None:
        return most
    balanced = int(runs) // (CHUNKS_PER_WORKER * max(1, int(workers)))
    return min(int(most), max(MIN_CHUNK_RUNS, balanced, 1))


def sweep_chunks(spec: SweepSpec, *, workers: int | None = None,
                 ) -> tuple[list[SweepChunk], dict[str, str]]:
    """Cut a sweep into chunks; also return each council's source of futures, in words.

    A council's (policy, future) pairs are cut into equal runs of consecutive pairs
    (sizes differ by one at most), each at most :func:`chunk_size` runs: ``workers``
    is the number of Dask workers that will share them (``None``: in process). The
    rows are the same however the sweep is cut.
    """
    base_values = preset_scenario(spec.preset).values
    model = load_model()
    base = {k: float(v) for k, v in base_values.items()
            if model[k].role != "profile" and k not in spec.policies.columns}
    chunks: list[SweepChunk] = []
    sources: dict[str, str] = {}
    sampled: dict[str, pd.DataFrame] = {}
    drawn: dict[str, pd.DataFrame] = {}
    for council in spec.councils:
        drawn[council], sources[council] = _council_futures(council, spec.futures,
                                                            spec.seed, sampled)
    runs = sum(len(spec.policies) * len(f) for f in drawn.values())
    size = chunk_size(runs, most=spec.chunk_runs, workers=workers)
    for council, futures in drawn.items():
        council_base = {k: v for k, v in base.items() if k not in futures.columns}
        pairs = len(spec.policies) * len(futures)
        parts = -(-pairs // size)
        edges = [pairs * i // parts for i in range(parts + 1)]
        for first, stop in zip(edges[:-1], edges[1:], strict=True):
            chunks.append(SweepChunk(number=len(chunks), council=council, first=first,
                                     stop=stop, base=council_base, futures=futures,
                                     policies=spec.policies, reducer=spec.reducer))
    return chunks, sources


def run_chunk(chunk: SweepChunk) -> pd.DataFrame:
    """Run one chunk and return its rows: keys, the policy's levers and the outcomes.

    Runs on one thread (a Dask worker per core); importable on any worker that has
    slack-sim installed. The columns are ``council``, ``policy``, ``future``, one per
    lever of the grid, then the outcomes.
    """
    table = chunk.table()
    outcomes = simulate_outcomes(table, chunk.reducer.outputs, chunk.reducer,
                                 profile=chunk.council, threads=1)
    keys = table.index.to_frame(index=False)
    levers = table[list(chunk.policies.columns)].reset_index(drop=True)
    return pd.concat([keys, levers, outcomes.reset_index(drop=True)], axis=1)


def sweep_in_process(spec: SweepSpec, *, progress: bool = False) -> pd.DataFrame:
    """Run every chunk of the sweep here, in order, and return the table.

    The reference :func:`sweep` is checked against: the same chunks, the same rows.
    """
    chunks, _ = sweep_chunks(spec)
    bar = Progress(sum(c.runs for c in chunks), len(chunks), enabled=progress)
    parts = []
    for chunk in chunks:
        parts.append(run_chunk(chunk))
        bar.update(chunk.runs)
    bar.close()
    return concat_rows(parts)
