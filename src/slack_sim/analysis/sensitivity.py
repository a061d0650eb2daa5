"""Global sensitivity: which uncertainties drive NPV, harm and recovery time (SALib).

``sensitivity(scenario, method="sobol")`` samples the uncertainties over their declared
ranges with SALib (Saltelli's extension of Sobol' sequences for ``"sobol"``, Morris
trajectories for ``"morris"``, the fast screen), runs every sample on the compiled engine
in batches (reporting progress), computes the headline outcomes with
:func:`slack_sim.analysis.batch.run_batch` and returns a tidy table ranked by importance.

The same wrapper takes a plain function of a parameter matrix, which is how the tests
check it against the Ishigami function's known indices.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..metrics.resilience import main_shock, model_months
from ..scenarios import Scenario
from ..validation import Interval, Options, validate
from .batch import run_batch
from .ensemble import HISTORY_SOURCE, history_futures
from .ranges import default_parameters, uncertainty_ranges

__all__ = ["MAX_RUNS", "SENSITIVITY_OUTPUTS", "evaluate_outcomes", "history_ranges", "sensitivity"]

#: Outcomes ranked by default.
SENSITIVITY_OUTPUTS: tuple[str, ...] = ("npv_total_spending", "cumulative_harm",
                                        "recovery_time")
#: Rows run on the engine per batch (one progress report each).
BATCH = 4096
#: Most runs one call may ask for: about 2 minutes at 0.1 ms a run, and the sample matrix
#: (runs x parameters) and outputs stay under a few hundred MB. Sobol' at the default 53
#: effect sizes (model v2) and N = 16,384 is 901,120 runs.
MAX_RUNS = 1_000_000

Progress = Callable[[int, int], None]

#: The arguments of :func:`sensitivity`, declared once.
CONSTRAINTS = {
    "method": Options(("sobol", "morris")),
    "seed": Interval("integer", 0, None),
    "n": Interval("integer", 2, None, units="(Sobol' base sample or Morris trajectories)",
                  optional=True),
    "num_levels": Interval("integer", 2, None),
    "num_resamples": Interval("integer", 1, None),
}


def evaluate_outcomes(
    scenario: Scenario,
    X: np.ndarray,
    names: Sequence[str],
    *,
    outputs: Sequence[str] = SENSITIVITY_OUTPUTS,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> np.ndarray:
    """Run the scenario at each row of ``X`` and return the named outcomes.

    Parameters
    ----------
    scenario : Scenario
        The scenario; the columns of ``X`` override its values.
    X : numpy.ndarray
        Parameter values, one row per run, one column per name.
    names : sequence of str
        Parameter names (columns of ``X``).
    outputs : sequence of str
        Columns of :func:`slack_sim.analysis.batch.batch_outcomes`, or ``"recovery_time"``:
        ``recovery_months`` with a run that did not recover (or had no shock) counted as
        the months from the shock's end to the end of the run (a censored value, so that
        the variance-based indices are defined).
    progress : callable, optional
        ``progress(done, total)`` after each batch.
    batch : int
        Rows per batch.

    Returns
    -------
    numpy.ndarray
        Rows x outputs.
    """
    total = len(X)
    out = np.empty((total, len(outputs)))
    for lo in range(0, total, batch):
        hi = min(lo + batch, total)
        run = run_batch(scenario, pd.DataFrame(X[lo:hi], columns=list(names)))
        table = run.outcomes
        horizon = float(model_months(run.data["year"].values[-1:])[0])
        for k, name in enumerate(outputs):
            if name == "recovery_time":
                _, start, length, _ = main_shock(run.settings)
                censored = horizon - (np.nan_to_num(start) + np.nan_to_num(length))
                rec = table["recovery_months"].to_numpy(dtype=float)
                out[lo:hi, k] = np.where(np.isnan(rec), censored, rec)
            else:
                out[lo:hi, k] = table[name].to_numpy(dtype=float)
        if progress is not None:
            progress(hi, total)
    return out


def _problem(ranges: pd.DataFrame) -> dict[str, Any]:
    varying = ranges[ranges["maximum"] > ranges["minimum"]]
    if varying.empty:
        raise ValueError("every parameter range is a point: nothing to vary")
    return {
        "num_vars": len(varying),
        "names": list(varying.index),
        "bounds": [[float(a), float(b)] for a, b in zip(varying["minimum"], varying["maximum"],
                                                         strict=True)],
    }


def history_ranges(scenario: Scenario) -> tuple[dict[str, tuple[float, float]] | None, str]:
    """Return the default uncertainties' 5-95% ranges among the history-consistent futures.

    ``(None, "")`` when the scenario's profile has no history-consistent futures for this
    model version. An uncertainty the scenario sets itself is left out (it keeps its value).

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    ranges : dict of str to (float, float) or None
    source : str
        How the ranges were made, for the wording of results.
    """
    kept = history_futures(scenario)
    if kept is None:
        return None, ""
    names = [p for p in default_parameters() if p in kept.columns and p not in scenario.values]
    q = kept[names].quantile([0.05, 0.95])
    return ({p: (float(q.at[0.05, p]), float(q.at[0.95, p])) for p in names},
            f"5-95% ranges of the {len(kept):,} {HISTORY_SOURCE}")


def sensitivity(
    target: Scenario | Callable[[np.ndarray], Any],
    *,
    method: Literal["sobol", "morris"] = "sobol",
    outputs: Sequence[str] | None = None,
    n: int | None = None,
    seed: int = 0,
    parameters: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    progress: Progress | None = None,
    num_levels: int = 4,
    num_resamples: int = 100,
) -> pd.DataFrame:
    r"""Rank which uncertainties drive the outcomes (Sobol' indices or Morris screening).

    Parameters
    ----------
    target : Scenario or callable
        A scenario (run on the compiled engine), or a plain function ``f(X)`` taking a
        samples x parameters array and returning a length-samples array (one output) or a
        samples x outputs array / DataFrame.
    method : {"sobol", "morris"}
        ``"sobol"``: first-order ``S1`` and total ``ST`` indices with their 95% confidence
        half-widths (bootstrap), ``N (D + 2)`` runs. ``"morris"``: elementary effects,
        ``mu_star`` (mean absolute effect, scaled by nothing: in the output's units),
        ``sigma`` and ``mu_star_conf``; ``n (D + 1)`` runs, the fast screen.
    outputs : sequence of str, optional
        For a scenario, outcome columns (default :data:`SENSITIVITY_OUTPUTS`: NPV of total
        spending, cumulative harm, recovery time; see :func:`evaluate_outcomes`); for a
        function, names of its output columns (default ``"y"``, ``"y1"`` ...).
    n : int, optional
        Base sample size, at least 2: for Sobol' a power of 2 (default 256; rounded up to a
        power of 2), for Morris the number of trajectories (default 20). The runs it
        implies (``N (D + 2)`` or ``n (D + 1)``) may not exceed :data:`MAX_RUNS`.
    seed : int
        Seed of the sampling and of the bootstrap, a whole number of at least 0: the same
        seed gives the same table.
    parameters : sequence of str, optional
        Uncertainties to vary (default: the Effect sizes group). For a function: the names,
        in the order of its columns, each with a range in ``ranges``.
    ranges : mapping of str to (float, float), optional
        Narrower ranges (scenario; see :func:`slack_sim.uncertainty.uncertainty_ranges`) or,
        for a function, every parameter's range (required).
    progress : callable, optional
        ``progress(done, total)`` as runs complete.
    num_levels : int
        Morris grid levels.
    num_resamples : int
        Bootstrap resamples of the confidence intervals.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per (output, parameter); columns ``output``, ``parameter``, ``rank``
        (1 = most important within the output) and, for Sobol', ``S1``, ``S1_conf``,
        ``ST``, ``ST_conf``; for Morris, ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma``.
        Sorted by output, then importance (``ST`` or ``mu_star``) descending. An output
        with no variance has indices 0. ``attrs["runs"]`` holds the number of runs,
        ``attrs["ranges"]`` which ranges were sampled: on a history-matched profile,
        with no ``parameters`` or ``ranges`` given, each uncertainty's 5-95% range among
        the history-consistent futures (:func:`history_ranges`).

    Notes
    -----
    With :math:`V = \operatorname{Var}(Y)`, :math:`S_i = \operatorname{Var}(E[Y|X_i])/V`
    and :math:`S_{T,i} = E[\operatorname{Var}(Y|X_{\sim i})]/V` (Saltelli et al. 2010,
    Jansen's estimator for the total index). Known answer, the Ishigami function
    :math:`\sin x_1 + 7\sin^2 x_2 + 0.1 x_3^4 \sin x_1` on :math:`[-\pi, \pi]^3`:
    :math:`S_1 = (0.3139, 0.4424, 0)`, :math:`S_T = (0.5576, 0.4424, 0.2437)`
    (``tests/test_uncertainty.py`` checks the wrapper reproduces them).

    References
    ----------
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
    *Computer Physics Communications* 181(2), 259-270.
    Morris, M. D. (1991). Factorial sampling plans for preliminary computational
    experiments. *Technometrics* 33(2), 161-174.
    Herman, J. and Usher, W. (2017). SALib: an open-source Python library for sensitivity
    analysis. *Journal of Open Source Software* 2(9), 97.
    """
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:  # pragma: no cover - SALib is a dependency
        raise ImportError("sensitivity() needs SALib: pip install 'SALib>=1.5'") from None

    validate({"method": method, "seed": seed, "n": n, "num_levels": num_levels,
              "num_resamples": num_resamples}, CONSTRAINTS)
    source = ""
    if isinstance(target, Scenario):
        if parameters is None and ranges is None:
            ranges, source = history_ranges(target)
        table = uncertainty_ranges(parameters, ranges=ranges)
        problem = _problem(table)
        out_names = list(outputs or SENSITIVITY_OUTPUTS)

        fixed = table[table["maximum"] <= table["minimum"]]

        def evaluate(X: np.ndarray) -> np.ndarray:
            # parameters given a point range stay at that value (SALib varies the rest)
            full = np.hstack([X, np.tile(fixed["minimum"].to_numpy(dtype=float), (len(X), 1))])
            return evaluate_outcomes(target, full, [*problem["names"], *fixed.index],
                                     outputs=out_names, progress=progress)
    elif callable(target):
        if not ranges:
            raise ValueError("a function needs ranges={name: (lo, hi), ...} for its inputs")
        names = list(parameters or ranges)
        missing = [p for p in names if p not in ranges]
        if missing:
            raise ValueError(f"no range for {missing}")
        table = pd.DataFrame({"minimum": [float(ranges[p][0]) for p in names],
                              "maximum": [float(ranges[p][1]) for p in names]}, index=names)
        if (table["maximum"] < table["minimum"]).any():
            raise ValueError("each range must have lo <= hi")
        problem = _problem(table)
        out_names = list(outputs) if outputs else []

        def evaluate(X: np.ndarray) -> np.ndarray:
            Y = target(X)
            Y = Y.to_numpy(dtype=float) if isinstance(Y, pd.DataFrame | pd.Series) else Y
            Y = np.asarray(Y, dtype=float)
            Y = Y[:, None] if Y.ndim == 1 else Y
            if progress is not None:
                progress(len(X), len(X))
            return Y
    else:
        raise TypeError("target must be a Scenario or a function of a parameter array")

    rng_seed = int(seed)
    d = problem["num_vars"]
    if method == "sobol":
        base = 1 << math.ceil(math.log2(256 if n is None else int(n)))
        runs, formula = base * (d + 2), f"N (D + 2) with N = {base:,} and D = {d}"
    else:
        base = 20 if n is None else int(n)
        runs, formula = base * (d + 1), f"n (D + 1) with D = {d}"
    if runs > MAX_RUNS:
        given = base if n is None else n
        raise ValueError(f"n = {given:,} asks for {runs:,} model runs ({formula}); at most "
                         f"{MAX_RUNS:,} are allowed: give a smaller n")
    if method == "sobol":
        X = sobol_sample.sample(problem, base, calc_second_order=False, seed=rng_seed)
    else:
        X = morris_sample.sample(problem, base, num_levels=num_levels, seed=rng_seed)
    bounds = np.asarray(problem["bounds"], dtype=float)
    X = np.clip(X, bounds[:, 0], bounds[:, 1])  # rounding may step just outside a bound
    Y = evaluate(X)
    if not out_names:
        out_names = ["y"] + [f"y{k}" for k in range(1, Y.shape[1])]
    if Y.shape != (len(X), len(out_names)):
        raise ValueError(f"expected outputs of shape {(len(X), len(out_names))}, got {Y.shape}")
    rows = []
    for k, name in enumerate(out_names):
        y = Y[:, k]
        if not np.all(np.isfinite(y)):
            raise ValueError(f"output {name!r} has non-finite values")
        constant = float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.abs(y).max()))
        if method == "sobol":
            if constant:
                res = {key: np.zeros(problem["num_vars"]) for key in
                       ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                res = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                            num_resamples=num_resamples, seed=rng_seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            if constant:
                res = {key: np.zeros(problem["num_vars"]) for key in
                       ("mu_star", "mu_star_conf", "mu", "sigma")}
            else:
                res = morris_analyze.analyze(problem, X, y, num_levels=num_levels,
                                             num_resamples=num_resamples, seed=rng_seed)
            keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        for j, param in enumerate(problem["names"]):
            rows.append({"output": name, "parameter": param,
                         **{key: float(np.asarray(res[key])[j]) for key in keys}})
    frame = pd.DataFrame(rows)
    key = "ST" if method == "sobol" else "mu_star"
    order = {name: i for i, name in enumerate(out_names)}
    frame = frame.sort_values(["output", key], key=lambda s: s.map(order) if s.name == "output"
                              else -s, kind="stable").reset_index(drop=True)
    frame.insert(2, "rank", frame.groupby("output", sort=False).cumcount() + 1)
    frame.attrs["runs"] = len(X)
    frame.attrs["ranges"] = source or ("given ranges" if ranges else "plausible ranges")
    frame.attrs["method"] = method
    return frame
