"""Policy search: the cheapest lever mix that keeps waiting time and harm under caps.

``optimise(scenario, levers={"Slack target": (0.1, 0.3), ...}, waiting_cap=6,
harm_cap=1e6)`` searches the levers, within the ranges given, with
:func:`scipy.optimize.differential_evolution` (seeded, bounded, ``vectorized=True``: each
generation's candidates x a small fixed ensemble of futures run as one
:func:`slack_sim.simulate_many` batch). Every candidate is judged on the *same* futures
(common random numbers: a seeded Latin hypercube of the uncertainties), so differences
between candidates are policy, not luck. The search minimises the mean NPV of total
spending over the futures subject to the chosen percentile (default the 90th) of peak
waiting time and of cumulative harm staying under their caps; the constraints enter as a
penalty that ranks every infeasible candidate after every feasible one. Every evaluated
candidate is kept, and its non-dominated points (cost against harm) form the Pareto front.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .model import load_model
from .scenarios import Scenario, ScenarioError
from .uncertainty import (
    OUTCOME_OUTPUTS,
    _member_settings,
    batch_outcomes,
    run_members,
    sample,
    uncertainty_ranges,
)

__all__ = ["OptimisationResult", "model_objective", "optimise", "pareto_front"]

Progress = Callable[[int, int], None]
#: Added to the normalised cost of an infeasible candidate (ranks it after all feasible).
INFEASIBLE_OFFSET = 1e3


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
        Generations run and candidates evaluated.
    seconds : float
        Wall time.
    stopped : str
        ``"converged"``, ``"max_seconds"`` or ``"maxiter"``.
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


def pareto_front(points: pd.DataFrame, *, x: str = "cost", y: str = "harm") -> pd.DataFrame:
    r"""Return the rows no other row beats on both ``x`` and ``y`` (both minimised).

    Parameters
    ----------
    points : pandas.DataFrame
        Candidates with columns ``x`` and ``y``.
    x, y : str
        The two objectives.

    Returns
    -------
    pandas.DataFrame
        The non-dominated rows, sorted by ``x`` (and duplicates removed).

    Notes
    -----
    Row :math:`a` dominates :math:`b` when :math:`x_a \le x_b`, :math:`y_a \le y_b` and
    one is strict. Sorted by :math:`x`, a row is on the front exactly when its :math:`y`
    is below every :math:`y` before it (Kung et al. 1975), so this is
    :math:`O(n \log n)`. Known answer: points (1, 3), (2, 2), (3, 1), (2, 3), (3, 3) give
    the front (1, 3), (2, 2), (3, 1).
    """
    if points.empty:
        return points.copy()
    ordered = points.sort_values([x, y], kind="stable")
    ys = ordered[y].to_numpy(dtype=float)
    best = np.minimum.accumulate(np.concatenate([[np.inf], ys[:-1]]))
    keep = ys < best
    return ordered[keep].drop_duplicates(subset=[x, y])


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
        numbers); 0 or 1 judges on the scenario's own values only.
    seed : int
        Seed of the ensemble's Latin hypercube.
    percentile : float
        Percentile over the futures of the waiting time and harm constraints.
    parameters, ranges
        Uncertainties sampled and their ranges (:func:`slack_sim.ensemble`).

    Returns
    -------
    callable
        ``evaluate(X)`` with ``X`` candidates x levers returns a dict of arrays, one value
        per candidate: ``cost`` (mean NPV of total spending over the futures), ``waiting``
        (the percentile of peak waiting time) and ``harm`` (the percentile of cumulative
        harm), all from :func:`slack_sim.uncertainty.batch_outcomes`.
    """
    model = load_model()
    for name in levers:
        if name not in model.variables or model[name].role != "lever":
            raise ScenarioError(f"{name!r} is not a lever of the model (see 'slack-sim doc "
                                "--role lever')")
    if futures > 1:
        table = uncertainty_ranges(parameters, ranges=ranges, model=model)
        draws = sample(table, n=futures, seed=seed)
    else:
        draws = pd.DataFrame(index=pd.RangeIndex(1))
    k = len(draws)
    names = list(levers)
    draw_values = draws.to_numpy(dtype=float)

    def evaluate(X: np.ndarray) -> dict[str, np.ndarray]:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        s = len(X)
        rows = pd.DataFrame(np.repeat(X, k, axis=0), columns=names)
        for j, col in enumerate(draws.columns):
            rows[col] = np.tile(draw_values[:, j], s)
        data = run_members(scenario, rows, OUTCOME_OUTPUTS)
        settings = _member_settings(scenario, rows, ["Shock 1 start", "Shock 1 length",
                                                     "Shock 2 start", "Shock 2 length"])
        out = batch_outcomes(data, settings=settings)
        cost = out["npv_total_spending"].to_numpy(dtype=float).reshape(s, k)
        wait = out["peak_waiting_time"].to_numpy(dtype=float).reshape(s, k)
        harm = out["cumulative_harm"].to_numpy(dtype=float).reshape(s, k)
        return {
            "cost": cost.mean(axis=1),
            "waiting": np.percentile(wait, percentile, axis=1),
            "harm": np.percentile(harm, percentile, axis=1),
        }

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
        The levers to search and the range of each (inside the model's declared range).
    waiting_cap : float, optional
        Cap on the percentile of peak waiting time (months); ``None``: no cap.
    harm_cap : float, optional
        Cap on the percentile of cumulative harm (person-months); ``None``: no cap.
    percentile : float
        Percentile over the futures (default 90).
    futures : int
        Size of the fixed ensemble each candidate is judged on (default 16).
    parameters, ranges
        Uncertainties of the ensemble and their ranges (default: the Effect sizes group
        over its declared ranges).
    seed : int
        Seed of the futures and of the search: the same seed gives the same result (when
        ``max_seconds`` does not cut the search short).
    popsize : int
        Population size multiplier (candidates per generation = ``popsize x`` levers).
    maxiter : int
        Most generations.
    tol : float
        Relative convergence tolerance of the population (differential evolution's).
    max_seconds : float, optional
        Stop after this wall time (checked after each generation); the best so far is
        returned with ``stopped="max_seconds"``.
    progress : callable, optional
        ``progress(generation, maxiter)`` after each generation.

    Returns
    -------
    OptimisationResult

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
    from scipy.optimize import differential_evolution

    names = list(levers)
    if not names:
        raise ValueError("give at least one lever to search")
    bounds = []
    for name in names:
        lo, hi = (float(v) for v in levers[name])
        if not lo < hi:
            raise ValueError(f"{name}: the range must have lo < hi, got [{lo:g}, {hi:g}]")
        bounds.append((lo, hi))
    if isinstance(target, Scenario):
        model = load_model()
        for name, (lo, hi) in zip(names, bounds, strict=True):
            var = model[name] if name in model.variables else None
            if var is None or var.role != "lever":
                raise ScenarioError(f"{name!r} is not a lever of the model")
            if lo < var.minimum or hi > var.maximum:
                raise ScenarioError(f"{name}: [{lo:g}, {hi:g}] is outside the declared "
                                    f"range {var.range_text}")
        evaluate = model_objective(target, names, futures=futures, seed=seed,
                                   percentile=percentile, parameters=parameters,
                                   ranges=ranges)
    elif callable(target):
        evaluate = target
    else:
        raise TypeError("target must be a Scenario or a function evaluate(X)")

    t0 = time.perf_counter()
    records: list[pd.DataFrame] = []
    scale: list[float] = []
    state = {"generation": 0, "stopped": "maxiter"}

    def violation(res: Mapping[str, np.ndarray]) -> np.ndarray:
        v = np.zeros(len(res["cost"]))
        if waiting_cap is not None:
            v += np.maximum(0.0, np.asarray(res["waiting"]) / waiting_cap - 1.0)
        if harm_cap is not None:
            v += np.maximum(0.0, np.asarray(res["harm"]) / harm_cap - 1.0)
        return v

    def objective(xt: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(xt, dtype=float).T)  # scipy passes levers x candidates
        X = np.clip(X, [b[0] for b in bounds], [b[1] for b in bounds])
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

    def callback(intermediate_result: Any) -> bool:
        state["generation"] += 1
        if progress is not None:
            progress(state["generation"], maxiter)
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            state["stopped"] = "max_seconds"
            return True
        return False

    result = differential_evolution(
        objective, bounds, rng=np.random.default_rng(seed), popsize=popsize, maxiter=maxiter,
        tol=tol, polish=False, vectorized=True, updating="deferred", callback=callback,
        init="latinhypercube",
    )
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


def _least_violation(evaluated: pd.DataFrame, waiting_cap: float | None,
                     harm_cap: float | None) -> Any:
    v = np.zeros(len(evaluated))
    if waiting_cap is not None:
        v += np.maximum(0.0, evaluated["waiting"].to_numpy() / waiting_cap - 1.0)
    if harm_cap is not None:
        v += np.maximum(0.0, evaluated["harm"].to_numpy() / harm_cap - 1.0)
    return evaluated.index[int(np.argmin(v))]
