"""The penalised likelihood of a calibration and its optimisation (``calibrate``'s engine).

:class:`Problem` turns a parameter vector in the unit box into standardised residuals,
every batch of trial points one call of the compiled engine (the published evidence's
prior one more residual); :func:`fit` minimises their sum of squares by trust-region
least squares with some coordinates held; :func:`profile_range` scans one coordinate's
95% profile-likelihood range. The equations are in :mod:`slack_sim.analysis.calibration`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..scenarios import Scenario
from .evidence import Evidence, elasticities
from .observe import ObservationPlan, simulate_observations

__all__ = ["CHI2_95", "EDGE", "Problem", "fit", "profile_range"]

#: How close (in the unit box) a profile range's end must come to a bound to count as
#: reaching it: 1% of the plausible range.
EDGE = 0.01
#: chi-square(1) 95% quantile: the profile-likelihood threshold on 2 * delta log L.
CHI2_95 = 3.841458820694124


class Problem:
    """Residuals of a parameter vector in the unit box, every evaluation batched."""

    def __init__(self, scenario: Scenario, plan: ObservationPlan, box: pd.DataFrame,
                 discrepancy: float, evidence: Evidence | None = None) -> None:
        self.scenario, self.plan, self.box = scenario, plan, box
        self.evidence = evidence
        self.names = list(box.index)
        self.lo = box["low"].to_numpy(dtype=float)
        self.span = box["high"].to_numpy(dtype=float) - self.lo
        z = plan.values()
        self.z = z
        self.s = np.sqrt(plan.sigmas() ** 2 + (discrepancy * z) ** 2)
        self.runs = 0
        self._memo: dict[bytes, np.ndarray] = {}

    def values(self, u: np.ndarray) -> np.ndarray:
        """Return parameter values of unit-box points (clipped into the box)."""
        return self.lo + np.clip(u, 0.0, 1.0) * self.span

    def figures(self, units: np.ndarray) -> np.ndarray:
        """Return model figures for rows of unit-box points (one engine call)."""
        frame = pd.DataFrame(self.values(np.atleast_2d(units)), columns=self.names)
        self.runs += len(frame)
        return simulate_observations(self.scenario, frame, self.plan)

    def elasticities(self, units: np.ndarray) -> np.ndarray:
        """Return the evidence's elasticity for rows of unit-box points (two engine calls)."""
        e = self.evidence
        assert e is not None
        frame = pd.DataFrame(self.values(np.atleast_2d(units)), columns=self.names)
        self.runs += 2 * len(frame)
        return elasticities(frame, profile=self.scenario.profile, year=e.year,
                            series=(e.series,))[e.series].to_numpy()

    def residuals_many(self, units: np.ndarray) -> np.ndarray:
        """Return standardised residuals (points x figures, then the prior's, if any)."""
        res = (self.figures(units) - self.z) / self.s
        if self.evidence is None:
            return res
        prior = (self.elasticities(units) - self.evidence.mean) / self.evidence.sd
        return np.column_stack([res, prior])

    def residual(self, u: np.ndarray) -> np.ndarray:
        """Return the residuals of one point (remembered: the optimiser asks twice)."""
        key = np.asarray(u, dtype=float).tobytes()
        if key not in self._memo:
            self._memo[key] = self.residuals_many(u[None, :])[0]
        return self._memo[key]

    def jacobian(self, u: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Forward differences (backward at the upper bound), all in one batch."""
        idx = np.flatnonzero(mask) if mask is not None else np.arange(len(u))
        h = 1e-4
        steps = np.where(u[idx] + h <= 1.0, h, -h)
        points = np.repeat(u[None, :], len(idx) + 1, axis=0)
        points[np.arange(1, len(idx) + 1), idx] += steps
        res = self.residuals_many(points)
        self._memo[np.asarray(u, dtype=float).tobytes()] = res[0]
        return ((res[1:] - res[0]) / steps[:, None]).T


def fit(problem: Problem, u0: np.ndarray, *, fixed: Mapping[int, float] | None = None,
         max_nfev: int) -> tuple[np.ndarray, Any]:
    """Least squares over the free coordinates (the others held at ``fixed``)."""
    fixed = dict(fixed or {})
    free = np.array([j not in fixed for j in range(len(u0))])
    full = np.array(u0, dtype=float)
    for j, v in fixed.items():
        full[j] = v

    def expand(x: np.ndarray) -> np.ndarray:
        u = full.copy()
        u[free] = x
        return u

    from scipy.optimize import least_squares  # imported when needed (start-up time)

    if not free.any():
        r = problem.residual(full)
        return full, type("R", (), {"cost": 0.5 * float(r @ r), "success": True,
                                    "message": "nothing to fit", "status": 1})()
    result = least_squares(
        lambda x: problem.residual(expand(x)),
        np.clip(full[free], 0.0, 1.0),
        jac=lambda x: problem.jacobian(expand(x), free),
        bounds=(0.0, 1.0),
        method="trf",
        x_scale=1.0,
        max_nfev=max_nfev,
        xtol=1e-6,
        ftol=1e-8,
    )
    return expand(result.x), result


def profile_range(problem: Problem, best: np.ndarray, best_cost: float, j: int, *,
             points: int, max_nfev: int,
             held: Mapping[int, float] | None = None) -> tuple[float, float]:
    """95% profile-likelihood range of coordinate ``j`` (unit box), scanned both ways.

    Coordinates in ``held`` stay at their values while the others are refitted.
    """
    ends = []
    for direction in (-1.0, 1.0):
        u, prev_u, prev_d = best.copy(), best[j], 0.0
        bound = 0.0 if direction < 0 else 1.0
        end = bound
        for k in range(1, points + 1):
            target = best[j] + direction * (k / points) * abs(bound - best[j])
            if abs(bound - best[j]) < 1e-9:
                break
            u, res = fit(problem, u, fixed={**dict(held or {}), j: target},
                          max_nfev=max_nfev)
            d = 2.0 * (res.cost - best_cost)
            if d > CHI2_95:  # crossed: interpolate between the last two grid points
                frac = (CHI2_95 - prev_d) / (d - prev_d) if d > prev_d else 1.0
                end = prev_u + frac * (target - prev_u)
                break
            prev_u, prev_d = target, max(d, 0.0)
        ends.append(end)
    return ends[0], ends[1]
