"""Policy search: the cheapest lever mix that keeps waiting time and harm under caps.

``optimise(scenario, levers={"Slack target": (0.1, 0.3), ...}, waiting_cap=6,
harm_cap=1e9)`` (harm in person-months for the profile's children: England's is about 5e8
over the run) searches the levers, within the ranges given, with
:func:`scipy.optimize.differential_evolution` (seeded, bounded, ``vectorized=True``: each
generation's candidates x a small fixed ensemble of futures run as one
:func:`slack_sim.simulate_many` batch). Every candidate is judged on the *same* futures
(common random numbers: a seeded Latin hypercube of the uncertainties), so differences
between candidates are policy, not luck. The search minimises the mean NPV of total
spending over the futures subject to the chosen percentile (default the 90th) of peak
waiting time and of cumulative harm staying under their caps; the constraints enter as a
penalty that ranks every infeasible candidate after every feasible one. Every evaluated
candidate is kept, and its non-dominated points (cost against harm) form the Pareto front.

:data:`SEARCH_CONSTRAINTS` declares the rules for the search's settings (caps, percentile,
futures, population, generations, time cap, seed) once; :func:`check_search` checks them
(:func:`slack_sim.validation.problems`), :func:`optimise` applies it, and a front end can
call it first to report every bad setting under its own names.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.parse import load_model
from ..scenarios import Scenario, ScenarioError
from ..validation import Interval, ValidationError, problems
from .batch import run_batch
from .ensemble import draw_futures
from .pareto import pareto_front

__all__ = ["BATCH_RUNS", "MAX_FUTURES", "MAX_POPSIZE", "SEARCH_CONSTRAINTS",
           "OptimisationResult", "check_search", "model_objective", "optimise", "pareto_front"]

Progress = Callable[[int, int], None]
#: Added to the normalised cost of an infeasible candidate (ranks it after all feasible).
INFEASIBLE_OFFSET = 1e3
#: Most futures a candidate is judged on. The percentile of 1,000 futures is already within
#: about a percentile point of the true one, so more buys nothing; and every candidate's
#: futures are run together, so the bound also keeps one candidate's runs (1,000 x 436 months
#: x 5 outputs, 15 MB) and a generation's time (about 0.1 ms a run: 2 s for 20 candidates)
#: small. (100,000 futures for 20 candidates asked numpy for tens of GB.)
MAX_FUTURES = 1000
#: Most candidates per generation per lever (differential evolution's ``popsize``; scipy
#: uses at least 5 candidates whatever it is).
MAX_POPSIZE = 1000
#: Most model runs (candidates x futures) per engine batch: a generation is run in batches
#: of at most this many, which bounds memory whatever the population, and the time cap is
#: checked between batches (about 0.4 s each on one core).
BATCH_RUNS = 4096

#: The settings of a search, declared once: name -> allowed values (and units). Checked by
#: :func:`check_search`, so by :func:`optimise`, :func:`model_objective` and the command line.
SEARCH_CONSTRAINTS: dict[str, Interval] = {
    # a cap of 0 or below cannot be met by any lever mix, so it is refused, not searched
    "waiting_cap": Interval("real", 0, None, closed="neither", units="months", optional=True),
    "harm_cap": Interval("real", 0, None, closed="neither", units="person-months",
                         optional=True),
    "percentile": Interval("real", 0, 100, closed="right", units="%"),
    "futures": Interval("integer", 1, MAX_FUTURES, units="futures"),
    "popsize": Interval("integer", 1, MAX_POPSIZE, units="candidates per lever"),
    "maxiter": Interval("integer", 1, None, units="generations"),
    "tol": Interval("real", 0, None, units="(relative)"),
    "max_seconds": Interval("real", 0, None, closed="neither", units="seconds", optional=True),
    "seed": Interval("integer", 0, None),
}


def check_search(
    *,
    waiting_cap: float | None = None,
    harm_cap: float | None = None,
    percentile: float = 90.0,
    futures: int = 16,
    popsize: int = 10,
    maxiter: int = 30,
    tol: float = 1e-3,
    max_seconds: float | None = 30.0,
    seed: int = 0,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """Return what is wrong with the settings of a policy search (empty: fine).

    The one statement of the rules is :data:`SEARCH_CONSTRAINTS`: :func:`optimise` raises
    :class:`~slack_sim.validation.ValidationError` (a :class:`ValueError`) on the first
    problem; the command line calls this first to name its own options, and a front end
    such as the app's Risk page can do the same with ``labels``.

    Parameters
    ----------
    waiting_cap, harm_cap, percentile, futures, popsize, maxiter, tol, max_seconds, seed
        The settings of :func:`optimise` (caps of ``None``: no cap; ``max_seconds=None``:
        no time cap).
    labels : mapping of str to str, optional
        The name to give each setting in the messages (default the parameter name), e.g.
        ``{"waiting_cap": "--waiting-cap"}`` on the command line.

    Returns
    -------
    list of str
        One message per bad setting in the one format of :mod:`slack_sim.validation`,
        naming it, the value given, the allowed range and the units, e.g.
        ``"percentile: 150 is outside the allowed range (0, 100] %"``.
    """
    values = {"waiting_cap": waiting_cap, "harm_cap": harm_cap, "percentile": percentile,
              "futures": futures, "popsize": popsize, "maxiter": maxiter, "tol": tol,
              "max_seconds": max_seconds, "seed": seed}
    return problems(values, SEARCH_CONSTRAINTS, labels=labels)


def _check(**settings: Any) -> None:
    found = check_search(**settings)
    if found:
        raise ValidationError(found[0])


@dataclasses.dataclass(frozen=True)
class OptimisationResult:
    """The outcome of a policy search.

    Attributes
    ----------
    levers : dict of str to float
        The best lever mix found (feasible if any feasible candidate was found).
    cost, waiting, harm : float
        Its mean NPV of total spending, percentile peak waiting time and percentile
        cumulative harm.
    feasible : bool
        Whether it meets both caps.
    evaluated : pandas.DataFrame
        Every candidate evaluated: the levers, ``cost``, ``waiting``, ``harm``,
        ``feasible``, ``generation``.
    pareto : pandas.DataFrame
        The candidates meeting the waiting cap that no other such candidate beats on both
        cost and harm (:func:`pareto_front`), by increasing cost.
    scenario : Scenario or None
        The scenario with the best levers set (``None`` for a plain function).
    generations, evaluations : int
        Generations completed (one cut short by the time cap is not counted) and
        candidates evaluated.
    seconds : float
        Wall time of the whole call, setting up the futures included (may exceed
        ``max_seconds`` by up to one batch of runs: see :func:`optimise`).
    stopped : str
        ``"converged"``, ``"max_seconds"`` (the time cap; the best found so far) or
        ``"maxiter"`` (the most generations).
    """

    levers: dict[str, float]
    cost: float
    waiting: float
    harm: float
    feasible: bool
    evaluated: pd.DataFrame
    pareto: pd.DataFrame
    scenario: Scenario | None
    generations: int
    evaluations: int
    seconds: float
    stopped: str


def model_objective(
    scenario: Scenario,
    levers: Sequence[str],
    *,
    futures: int = 16,
    seed: int = 0,
    percentile: float = 90.0,
    parameters: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """Return ``evaluate(X)`` for the model: cost, waiting and harm of each candidate.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose levers are searched.
    levers : sequence of str
        Lever names (columns of ``X``).
    futures : int
        Members of the fixed ensemble every candidate is judged on (common random
        numbers), 1 to :data:`MAX_FUTURES`; 1 judges on the scenario's own values only.
    seed : int
        Seed of the ensemble's Latin hypercube (at least 0).
    percentile : float
        Percentile over the futures of the waiting time and harm constraints (above 0, at
        most 100).
    parameters, ranges
        Uncertainties sampled and their ranges (:func:`slack_sim.ensemble`).

    Returns
    -------
    callable
        ``evaluate(X)`` with ``X`` candidates x levers returns a dict of arrays, one value
        per candidate: ``cost`` (mean NPV of total spending over the futures), ``waiting``
        (the percentile of peak waiting time) and ``harm`` (the percentile of cumulative
        harm), all from :func:`slack_sim.analysis.batch.run_batch`. ``X`` is run in
        batches of at most :data:`BATCH_RUNS` runs.

    Raises
    ------
    ValueError
        For a setting outside its range (:func:`check_search`).
    ScenarioError
        For a name that is not a lever.
    """
    _check(futures=futures, seed=seed, percentile=percentile)
    model = load_model()
    for name in levers:
        if name not in model.variables or model[name].role != "lever":
            raise ScenarioError(f"{name!r} is not a lever of the model (see 'slack-sim doc "
                                "--role lever')")
    if futures > 1:  # the profile's history-consistent futures where it has them
        draws, _, _ = draw_futures(scenario, n=futures, seed=seed, parameters=parameters,
                                   ranges=ranges)
    else:
        draws = pd.DataFrame(index=pd.RangeIndex(1))
    k = len(draws)
    names = list(levers)
    draw_values = draws.to_numpy(dtype=float)

    per_batch = max(1, BATCH_RUNS // k)

    def run(X: np.ndarray) -> dict[str, np.ndarray]:
        s = len(X)
        rows = pd.DataFrame(np.repeat(X, k, axis=0), columns=names)
        for j, col in enumerate(draws.columns):
            rows[col] = np.tile(draw_values[:, j], s)
        # cost, waiting and harm only: no recovery, so no runs without the shock
        out = run_batch(scenario, rows, recovery=False).outcomes
        cost = out["npv_total_spending"].to_numpy(dtype=float).reshape(s, k)
        wait = out["peak_waiting_time"].to_numpy(dtype=float).reshape(s, k)
        harm = out["cumulative_harm"].to_numpy(dtype=float).reshape(s, k)
        return {
            "cost": cost.mean(axis=1),
            "waiting": np.percentile(wait, percentile, axis=1),
            "harm": np.percentile(harm, percentile, axis=1),
        }

    def evaluate(X: np.ndarray) -> dict[str, np.ndarray]:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        parts = [run(X[i:i + per_batch]) for i in range(0, len(X), per_batch)]
        return {key: np.concatenate([p[key] for p in parts]) for key in ("cost", "waiting",
                                                                          "harm")}

    return evaluate


def optimise(
    target: Scenario | Callable[[np.ndarray], Mapping[str, np.ndarray]],
    *,
    levers: Mapping[str, tuple[float, float]],
    waiting_cap: float | None = None,
    harm_cap: float | None = None,
    percentile: float = 90.0,
    futures: int = 16,
    parameters: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 0,
    popsize: int = 10,
    maxiter: int = 30,
    tol: float = 1e-3,
    max_seconds: float | None = 30.0,
    progress: Progress | None = None,
) -> OptimisationResult:
    r"""Find the cheapest lever mix, within the ranges set, that meets the caps.

    Parameters
    ----------
    target : Scenario or callable
        The scenario whose levers are searched, or a plain ``evaluate(X)`` (candidates x
        levers array) returning a mapping with arrays ``cost``, ``waiting`` and ``harm``.
    levers : mapping of str to (float, float)
        The levers to search and the range of each: finite, low below high, inside the
        model's declared range.
    waiting_cap : float, optional
        Cap on the percentile of peak waiting time (months), finite and above 0; ``None``:
        no cap.
    harm_cap : float, optional
        Cap on the percentile of cumulative harm (person-months), finite and above 0;
        ``None``: no cap.
    percentile : float
        Percentile over the futures, above 0 and at most 100 (default 90).
    futures : int
        Size of the fixed ensemble each candidate is judged on, 1 to :data:`MAX_FUTURES`
        (default 16; 1 judges on the scenario's own values only). Bounded because every
        candidate's futures run together: more than 1,000 adds run time and memory and no
        useful precision to the percentile.
    parameters, ranges
        Uncertainties of the ensemble and their ranges (default: the Effect sizes group
        over its declared ranges).
    seed : int
        Seed of the futures and of the search, at least 0: the same seed gives the same
        result (when ``max_seconds`` does not cut the search short).
    popsize : int
        Population size multiplier, 1 to :data:`MAX_POPSIZE` (candidates per generation
        = ``popsize x`` levers, at least 5).
    maxiter : int
        Most generations, at least 1.
    tol : float
        Relative convergence tolerance of the population (differential evolution's), at
        least 0.
    max_seconds : float, optional
        Cap on the wall time, finite and above 0 (``None``: no cap). The clock is checked
        before each batch of at most :data:`BATCH_RUNS` model runs (so also within a
        generation) and after each generation; once the cap has passed, no further
        candidate is evaluated and the best found so far is returned with
        ``stopped="max_seconds"``. The search can therefore overrun the cap by one batch
        (about 0.4 s on a quiet machine, more under load); ``seconds`` in the result is
        the actual wall time.
    progress : callable, optional
        ``progress(generation, maxiter)`` after each generation.

    Returns
    -------
    OptimisationResult

    Raises
    ------
    ValueError
        For a setting outside its range (:func:`check_search`; the message names it, the
        value, the allowed range and the units) or a bad lever range.
    ScenarioError
        For a name that is not a lever, or a range outside the lever's declared range.

    Notes
    -----
    The search minimises
    :math:`F(x) = c(x)/c_0 + [v(x) > 0]\,(K + 100\,v(x))` with :math:`c` the cost,
    :math:`c_0` the cost of the first generation's best candidate (a scale), :math:`K`
    = :data:`INFEASIBLE_OFFSET` and the violation
    :math:`v = \max(0, w/W - 1) + \max(0, h/H - 1)` for caps :math:`W` and :math:`H`:
    a feasible candidate always beats an infeasible one, and among infeasible ones the
    smaller violation wins. Known answer (tested): minimise :math:`x_1 + 2x_2` on
    :math:`[0, 2] \times [0, 3]` with harm :math:`4 - x_1 - x_2 \le 1` gives
    :math:`x = (2, 1)`, cost 4.

    References
    ----------
    Storn, R. and Price, K. (1997). Differential evolution: a simple and efficient
    heuristic for global optimization over continuous spaces. *Journal of Global
    Optimization* 11, 341-359.
    """
    t0 = time.perf_counter()
    from scipy.optimize import differential_evolution

    _check(waiting_cap=waiting_cap, harm_cap=harm_cap, percentile=percentile,
           futures=futures, popsize=popsize, maxiter=maxiter, tol=tol,
           max_seconds=max_seconds, seed=seed)
    names = list(levers)
    if not names:
        raise ValueError("give at least one lever to search")
    bounds = []
    for name in names:
        try:
            lo, hi = (float(v) for v in levers[name])
        except (TypeError, ValueError):
            raise ValueError(f"{name}: the range must be two numbers (lowest, highest), got "
                             f"{levers[name]!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{name}: the range must be two finite numbers, got "
                             f"[{lo:g}, {hi:g}]")
        if not lo < hi:
            raise ValueError(f"{name}: the lowest value must be below the highest, got "
                             f"[{lo:g}, {hi:g}]")
        bounds.append((lo, hi))
    if isinstance(target, Scenario):
        model = load_model()
        for name, (lo, hi) in zip(names, bounds, strict=True):
            var = model[name] if name in model.variables else None
            if var is None or var.role != "lever":
                raise ScenarioError(f"{name!r} is not a lever of the model (see 'slack-sim doc "
                                    "--role lever')")
            if lo < var.minimum or hi > var.maximum:
                raise ScenarioError(f"{name}: [{lo:g}, {hi:g}] is outside the declared "
                                    f"range {var.range_text}")
        evaluate = model_objective(target, names, futures=futures, seed=seed,
                                   percentile=percentile, parameters=parameters,
                                   ranges=ranges)
        runs_per_candidate = futures
    elif callable(target):
        evaluate = target
        runs_per_candidate = 1
    else:
        raise TypeError("target must be a Scenario or a function evaluate(X)")
    per_batch = max(1, BATCH_RUNS // runs_per_candidate)

    records: list[pd.DataFrame] = []
    scale: list[float] = []
    state = {"generation": 0, "stopped": "maxiter"}

    def out_of_time() -> bool:
        return max_seconds is not None and time.perf_counter() - t0 > max_seconds

    def violation(res: Mapping[str, np.ndarray]) -> np.ndarray:
        v = np.zeros(len(res["cost"]))
        if waiting_cap is not None:
            v += np.maximum(0.0, np.asarray(res["waiting"]) / waiting_cap - 1.0)
        if harm_cap is not None:
            v += np.maximum(0.0, np.asarray(res["harm"]) / harm_cap - 1.0)
        return v

    def batch(X: np.ndarray) -> np.ndarray:
        res = {k: np.asarray(v, dtype=float) for k, v in evaluate(X).items()}
        v = violation(res)
        if not scale:
            finite = np.abs(res["cost"][np.isfinite(res["cost"])])
            scale.append(float(finite.min()) if finite.size and finite.min() > 0 else 1.0)
        frame = pd.DataFrame(X, columns=names)
        for key in ("cost", "waiting", "harm"):
            frame[key] = res[key]
        frame["feasible"] = v <= 0
        frame["generation"] = state["generation"]
        records.append(frame)
        f = res["cost"] / scale[0] + np.where(v > 0, INFEASIBLE_OFFSET + 100.0 * v, 0.0)
        return np.where(np.isfinite(f), f, np.inf)

    def objective(xt: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(xt, dtype=float).T)  # scipy passes levers x candidates
        X = np.clip(X, [b[0] for b in bounds], [b[1] for b in bounds])
        parts = []
        for i in range(0, len(X), per_batch):
            if records and out_of_time():  # always evaluate at least one batch
                raise _OutOfTime
            parts.append(batch(X[i:i + per_batch]))
        return np.concatenate(parts)

    def callback(intermediate_result: Any) -> bool:
        state["generation"] += 1
        if progress is not None:
            progress(state["generation"], maxiter)
        if out_of_time():
            state["stopped"] = "max_seconds"
            return True
        return False

    try:
        result = differential_evolution(
            objective, bounds, rng=np.random.default_rng(seed), popsize=popsize,
            maxiter=maxiter, tol=tol, polish=False, vectorized=True, updating="deferred",
            callback=callback, init="latinhypercube",
        )
    except _OutOfTime:
        state["stopped"] = "max_seconds"
    else:
        if state["stopped"] != "max_seconds" and result.success:
            state["stopped"] = "converged"
    evaluated = pd.concat(records, ignore_index=True)
    feasible = evaluated[evaluated["feasible"]]
    if len(feasible):
        best = feasible.loc[feasible["cost"].idxmin()]
    else:
        best = evaluated.loc[_least_violation(evaluated, waiting_cap, harm_cap)]
    lever_values = {n: float(best[n]) for n in names}
    waiting_ok = (evaluated["waiting"] <= waiting_cap) if waiting_cap is not None else True
    front = pareto_front(evaluated[waiting_ok] if waiting_cap is not None else evaluated)
    scenario = target.with_values(lever_values, name="optimised") if isinstance(
        target, Scenario) else None
    return OptimisationResult(
        levers=lever_values,
        cost=float(best["cost"]),
        waiting=float(best["waiting"]),
        harm=float(best["harm"]),
        feasible=bool(best["feasible"]),
        evaluated=evaluated,
        pareto=front.reset_index(drop=True),
        scenario=scenario,
        generations=state["generation"],
        evaluations=len(evaluated),
        seconds=time.perf_counter() - t0,
        stopped=state["stopped"],
    )


class _OutOfTime(Exception):
    """Raised inside the objective to stop the search at the time cap."""


def _least_violation(evaluated: pd.DataFrame, waiting_cap: float | None,
                     harm_cap: float | None) -> Any:
    v = np.zeros(len(evaluated))
    if waiting_cap is not None:
        v += np.maximum(0.0, evaluated["waiting"].to_numpy() / waiting_cap - 1.0)
    if harm_cap is not None:
        v += np.maximum(0.0, evaluated["harm"].to_numpy() / harm_cap - 1.0)
    return evaluated.index[int(np.argmin(v))]
