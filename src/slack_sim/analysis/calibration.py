r"""Calibration: fit chosen parameters of a profile to its published series.

The payoff is a Gaussian log-likelihood. Each published figure :math:`z_i` is the
model's figure :math:`f_i(\theta)` (see :mod:`slack_sim.analysis.observe`) plus an error
with standard deviation :math:`s_i = \sqrt{\sigma_i^2 + (\delta z_i)^2}`: the
measurement error :math:`\sigma_i` (the data's standard error, else 2% of a stock and 5%
of a flow or spending) and a model discrepancy :math:`\delta` (default 5%, a judgement:
a 12-stock model of a whole service cannot reproduce every year's figure). So

.. math::

    -\log L(\theta) = \tfrac12 \sum_i r_i(\theta)^2 + \text{const}, \qquad
    r_i = (f_i(\theta) - z_i) / s_i ,

plus, when evidence on an effect size is given (:class:`Evidence`), a Gaussian prior
on the model's value of that effect: one more residual
:math:`r_e = (\varepsilon(\theta) - \mu) / \tau`, with :math:`\varepsilon` the elasticity of
a series to early-help spending computed from the model at :math:`\theta`
(:func:`slack_sim.analysis.evidence.elasticities`) and the published interval read as
:math:`\mu \pm 1.96\,\tau`. The fit is then the posterior mode (penalised likelihood):
the published series cannot move prevention's effect outside what the studies of it
found without paying for it. The total is

.. math::

    -\log p(\theta \mid z) = \tfrac12 \sum_i r_i(\theta)^2 + \tfrac12 r_e(\theta)^2
    + \text{const},

minimised by :func:`scipy.optimize.least_squares` (trust-region reflective, within each
parameter's bounds: its ``Plausible`` range in ``slack.mdl``, else its declared range),
in coordinates scaled to the unit box, from the best points of a Latin hypercube of
starts. The Jacobian's finite differences are one batch of runs through the compiled
engine, so every optimiser step is one call of the engine.

A parameter whose 95% profile range reaches both ends of its plausible range is not
identified by the data: it is held at its sourced value and the others are refitted
(``identify``), so that no value is set by the optimiser's path alone.

Confidence ranges are profile-likelihood intervals: for each parameter in turn, fixed on
a grid and the others refitted, the 95% range is where
:math:`2\,[\log L(\hat\theta) - \log L_{\text{profile}}] \le 3.84`
(:math:`\chi^2_1`, Venzon and Moolgavkar 1988). Fit statistics per series follow
Sterman (2000, ch. 21): MAPE, and Theil's inequality statistics
:math:`U^M, U^S, U^C` (shares of the mean squared error due to bias, unequal variation
and unequal covariation; they sum to 1).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..model import Model, load_model
from ..scenarios import Scenario, ScenarioError
from ..validation import Interval, validate
from .evidence import Evidence
from .fit_statistics import fit_statistics, theil
from .likelihood import EDGE, Problem, fit, profile_range
from .observe import observation_plan

__all__ = ["CalibrationResult", "Evidence", "calibrate", "fit_statistics", "parameter_bounds",
           "theil"]


_RULES = {
    "starts": Interval("integer", 1, 256),
    "discrepancy": Interval("real", 0, 1),
    "max_nfev": Interval("integer", 5, 10_000),
    "seed": Interval("integer", 0, None),
    "profile_points": Interval("integer", 0, 50),
}


def parameter_bounds(
    names: Sequence[str],
    *,
    model: Model | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Return the search range of each parameter: given, else plausible, else declared.

    Parameters
    ----------
    names : sequence of str
        Settable constants of the model.
    model : Model, optional
        The parsed model.
    bounds : mapping, optional
        Explicit ``(low, high)`` per name, checked to lie inside the declared range.

    Returns
    -------
    pandas.DataFrame
        Indexed by name: ``low``, ``high``, ``units``, ``source``.

    Raises
    ------
    ScenarioError
        For an unknown name, an empty range or one outside the declared range.
    """
    model = model or load_model()
    bounds = dict(bounds or {})
    rows = {}
    for name in names:
        if name not in model.settable:
            raise ScenarioError(f"calibration parameter {name!r}: not a lever, uncertainty, "
                                "profile input or switch of the model")
        var = model[name]
        if name in bounds:
            lo, hi = (float(b) for b in bounds[name])
            source = "given"
        elif var.plausible_minimum is not None and var.plausible_maximum is not None:
            lo, hi, source = var.plausible_minimum, var.plausible_maximum, "plausible range"
        elif var.minimum is not None and var.maximum is not None:
            lo, hi, source = var.minimum, var.maximum, "declared range"
        else:
            raise ScenarioError(f"calibration parameter {name!r} has no range to search: "
                                "give bounds")
        if not lo < hi or (var.minimum is not None and lo < var.minimum) or (
                var.maximum is not None and hi > var.maximum):
            raise ScenarioError(f"calibration parameter {name!r}: range [{lo:g}, {hi:g}] must "
                                f"be non-empty and inside the declared range {var.range_text}")
        rows[name] = {"low": lo, "high": hi, "units": var.units, "source": source}
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclasses.dataclass(frozen=True)
class CalibrationResult:
    r"""A fit of parameters to published series.

    Attributes
    ----------
    parameters : pandas.DataFrame
        Indexed by name: ``value`` (fitted), ``lower``/``upper`` (95% profile-likelihood
        range; at a bound when the likelihood stays flat to it), ``low``/``high`` (the
        search range), ``start`` (value before fitting), ``units``, ``identified``
        (False: the data do not identify it and it is held at ``start``).
    statistics : pandas.DataFrame
        Per series: n, MAPE, RMSE, r, Theil U^M, U^S, U^C.
    residuals : pandas.DataFrame
        Per figure: series, year, observed, fitted, sigma, standardised residual.
    converged : bool
        Whether the optimiser met its tolerance; if not, ``message`` says why and the
        best point found is returned.
    message : str
        The optimiser's reason for stopping.
    negative_log_likelihood : float
        :math:`\tfrac12 \sum r_i^2` at the fitted values (with the evidence's
        :math:`\tfrac12 r_e^2` when evidence is given).
    runs : int
        Model runs used.
    scenario : Scenario
        The scenario with the fitted values set.
    skipped : pandas.DataFrame
        Figures that could not be used, with the reason.
    discrepancy : float
        The relative model discrepancy used.
    evidence : Evidence or None
        The prior used, if any.
    elasticity : float or None
        The evidence's elasticity at the fitted values.
    """

    parameters: pd.DataFrame
    statistics: pd.DataFrame
    residuals: pd.DataFrame
    converged: bool
    message: str
    negative_log_likelihood: float
    runs: int
    scenario: Scenario
    skipped: pd.DataFrame
    discrepancy: float
    evidence: Evidence | None = None
    elasticity: float | None = None

    @property
    def values(self) -> dict[str, float]:
        """Return the fitted values by name."""
        return {k: float(v) for k, v in self.parameters["value"].items()}

    def summary(self) -> str:
        """Return the fit as lines of text (values with ranges, then statistics)."""
        lines = [("Converged" if self.converged else "NOT CONVERGED") + f": {self.message}"]
        for name, row in self.parameters.iterrows():
            if not row.get("identified", True):
                lines.append(f"  {name} = {row['value']:.4g} {row['units']}: not identified "
                             "(the data rule out none of its plausible range "
                             f"{row['low']:.4g} to {row['high']:.4g}); kept at its sourced value")
                continue
            lines.append(f"  {name} = {row['value']:.4g} (95% range {row['lower']:.4g} to "
                         f"{row['upper']:.4g}) {row['units']}")
        if self.evidence is not None and self.elasticity is not None:
            e = self.evidence
            lines.append(f"  elasticity of {e.series.lower()} to early help ({e.year}): "
                         f"{self.elasticity:.3f} (prior {e.low:g} to {e.high:g}"
                         + (f", {e.source}" if e.source else "") + ")")
        lines.append("series: n, MAPE, U^M, U^S, U^C")
        for name, row in self.statistics.iterrows():
            lines.append(f"  {name}: {row['n']:.0f}, {row['mape']:.1%}, {row['um']:.2f}, "
                         f"{row['us']:.2f}, {row['uc']:.2f}")
        return "\n".join(lines)


def calibrate(
    scenario: Scenario,
    observed: pd.DataFrame,
    parameters: Sequence[str],
    *,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    discrepancy: float = 0.05,
    starts: int = 16,
    refine: int = 3,
    max_nfev: int = 100,
    profile_points: int = 8,
    seed: int = 0,
    series: Sequence[str] | None = None,
    final_year: float | None = None,
    evidence: Evidence | None = None,
    identify: bool = True,
    progress: Callable[[str, float], None] | None = None,
) -> CalibrationResult:
    """Fit parameters of a scenario to observed series by maximum likelihood.

    Parameters
    ----------
    scenario : Scenario
        What to fit (its profile and settings; the fitted values are set on it).
    observed : pandas.DataFrame
        Tidy figures: ``series``, ``year``, ``value`` (optional ``standard_error``,
        ``kind``), e.g. from :func:`slack_sim.scenarios.observed.load_observed`.
    parameters : sequence of str
        The constants to fit.
    bounds : mapping, optional
        Search range per parameter (default: plausible, else declared range).
    discrepancy : float
        Relative model discrepancy added to each figure's error (0 to 1).
    starts : int
        Latin-hypercube starting points (evaluated in one batch); the best ``refine`` of
        them are refined by least squares.
    refine : int
        Starts refined.
    max_nfev : int
        Most optimiser evaluations per refinement.
    profile_points : int
        Grid points each way for the profile-likelihood ranges (0: no ranges).
    seed : int
        Seed of the Latin hypercube.
    series : sequence of str, optional
        Fit only these series.
    final_year : float, optional
        Use figures up to this year ending March (a backtest's training window).
    evidence : Evidence, optional
        A published effect size entered as a Gaussian prior (see the module's docstring);
        the fit is then the posterior mode and its ranges profile the posterior.
    identify : bool
        Hold at its starting (sourced) value, and refit the others without it, every
        parameter the data do not identify: one whose 95% profile range reaches both ends
        of its plausible range (needs ``profile_points`` > 0 and two or more parameters;
        ``identified`` in the result says which). A value the data cannot tell from any
        other in its plausible range is otherwise set by the optimiser's path, not by
        evidence.
    progress : callable, optional
        ``progress(stage, fraction)``.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ScenarioError
        For an unknown parameter or a bad range.
    ValueError
        For bad settings, or fewer usable figures than parameters.
    """
    validate({"starts": starts, "discrepancy": discrepancy, "max_nfev": max_nfev,
              "seed": seed, "profile_points": profile_points}, _RULES)
    model = load_model()
    names = list(dict.fromkeys(parameters))
    if not names:
        raise ValueError("parameters: give at least one parameter to fit")
    box = parameter_bounds(names, model=model, bounds=bounds)
    data = observed if final_year is None else observed[observed["year"] <= final_year]
    plan = observation_plan(data, model=model, series=series)
    if plan.n < len(names) + 1:
        raise ValueError(f"observed: {plan.n} usable figure(s) for {len(names)} parameter(s); "
                         "need at least one more figure than parameters to fit")
    if evidence is not None and evidence.series not in model.variables:
        raise ScenarioError(f"evidence: {evidence.series!r} is not a model variable")
    problem = Problem(scenario, plan, box, discrepancy, evidence)
    say = progress or (lambda stage, frac: None)
    # starts: the scenario's own values (clipped into the box) and a Latin hypercube
    from scipy.stats import qmc  # imported when needed (start-up time)

    current = scenario.settings(model=model)
    own = np.clip((np.array([current[n] for n in names]) - problem.lo) / problem.span, 0, 1)
    cube = qmc.LatinHypercube(d=len(names), seed=seed).random(max(starts - 1, 0))
    candidates = np.vstack([own[None, :], cube])
    say("starts", 0.0)
    res0 = problem.residuals_many(candidates)
    costs = 0.5 * np.sum(res0 ** 2, axis=1)
    order = np.argsort(np.where(np.isfinite(costs), costs, np.inf))
    best_u, best, best_cost = None, None, math.inf
    for k, i in enumerate(order[:max(1, refine)]):
        say("fit", k / max(1, refine))
        u, result = fit(problem, candidates[i], max_nfev=max_nfev)
        if result.cost < best_cost:
            best_u, best, best_cost = u, result, float(result.cost)
    assert best_u is not None and best is not None
    lower, upper = problem.values(np.zeros(len(names))), problem.values(np.ones(len(names)))
    held: dict[int, float] = {}
    if profile_points:
        ranges = {}
        for j in range(len(names)):
            say("ranges", j / len(names))
            ranges[j] = profile_range(problem, best_u, best_cost, j, points=profile_points,
                                 max_nfev=max(10, max_nfev // 4))
        if identify and len(names) > 1:
            # not identified: the data rule out no value of its plausible range (its 95%
            # range reaches both bounds); it keeps its sourced value and the rest is refitted
            held = {j: float(own[j]) for j, (lo_u, hi_u) in ranges.items()
                    if lo_u <= EDGE and hi_u >= 1.0 - EDGE}
            if len(held) == len(names):
                held = {}
        if held:
            say("refit", 0.0)
            start = best_u.copy()
            for j, v in held.items():
                start[j] = v
            best_u, best = fit(problem, start, fixed=held, max_nfev=max_nfev)
            best_cost = float(best.cost)
            for j in range(len(names)):
                if j not in held:
                    say("ranges", j / len(names))
                    others = {k: v for k, v in held.items() if k != j}
                    ranges[j] = profile_range(problem, best_u, best_cost, j, points=profile_points,
                                         max_nfev=max(10, max_nfev // 4), held=others)
        for j, (lo_u, hi_u) in ranges.items():
            lower[j] = problem.lo[j] + lo_u * problem.span[j]
            upper[j] = problem.lo[j] + hi_u * problem.span[j]
    converged = bool(best.success and best.status > 0)
    message = str(best.message) if converged else (
        f"did not converge within {max_nfev} evaluations ({best.message}); the best point "
        "found is returned")
    fitted_values = problem.values(best_u)
    fitted = problem.figures(best_u[None, :])[0]
    elasticity = (float(problem.elasticities(best_u[None, :])[0])
                  if evidence is not None else None)
    say("done", 1.0)
    table = pd.DataFrame({
        "value": fitted_values, "lower": lower, "upper": upper,
        "low": problem.lo, "high": problem.lo + problem.span,
        "start": [current[n] for n in names], "units": box["units"].to_numpy(),
        "identified": [j not in held for j in range(len(names))],
    }, index=pd.Index(names, name="parameter"))
    residuals = plan.table[["series", "year", "value", "sigma"]].rename(
        columns={"value": "observed"}).assign(
        fitted=fitted, standardised=(fitted - problem.z) / problem.s)
    return CalibrationResult(
        parameters=table,
        statistics=fit_statistics(plan, fitted),
        residuals=residuals.reset_index(drop=True),
        converged=converged,
        message=message,
        negative_log_likelihood=best_cost,
        runs=problem.runs,
        scenario=scenario.with_values(dict(zip(names, fitted_values.tolist(), strict=True)),
                                      name=f"{scenario.name} (calibrated)",
                                      description=scenario.description),
        skipped=plan.skipped,
        discrepancy=discrepancy,
        evidence=evidence,
        elasticity=elasticity,
    )
