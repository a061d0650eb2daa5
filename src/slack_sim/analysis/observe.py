"""The observation operator: what the model says each published figure should be.

A published figure is a stock at 31 March of a year (children looked after, children in
need, child protection plans), a flow over a financial year April to March (referrals,
care starts and exits) or spending over a financial year. The model variable of the same
name gives it:

- a **stock** at 31 March ``year`` is the variable at the start of April ``year``
  (model month ``12 (year - origin) + 3``);
- a **flow** or **spending** over the financial year ending in March ``year`` is the
  mean of the variable's monthly values over the twelve months April ``year-1`` to March
  ``year`` times 12 when the variable is a rate per month, or that mean when it is a rate
  per year (read from the variable's units in ``slack.mdl``).

Figures the model cannot give (a series that is not a model variable, a financial year
that starts before the model does, a date past its horizon) are listed with the reason,
never silently dropped. :func:`simulate_observations` runs many parameter sets in batches
through the compiled engine and keeps only these figures (members x observations), so a
100,000-member history match holds 100,000 x (number of figures) numbers, not full
time series.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..engine import simulate_many
from ..model import START_YEAR, Model, load_model
from ..scenarios import Scenario

__all__ = ["ObservationPlan", "observation_plan", "simulate_observations"]

#: Kinds of published figures (from ``slack_sim.scenarios.observed``).
STOCK, FLOW, SPENDING = "stock", "flow", "spending"
#: Default relative measurement error of a published figure, by kind: administrative
#: counts are near-complete (2%), flows and spending carry recording and definitional noise
#: (5%). Judgement; a standard error given in the data replaces it. Counts of children also
#: carry Poisson noise (variance equal to the count), which dominates for small councils.
DEFAULT_CV = {STOCK: 0.02, FLOW: 0.05, SPENDING: 0.05}


def _per_month(units: str) -> bool:
    u = units.lower().replace(" ", "")
    return "/month" in u or "permonth" in u


@dataclasses.dataclass(frozen=True)
class ObservationPlan:
    """Which model values make each usable figure, and what could not be used.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per usable figure: ``series``, ``year``, ``value``, ``sigma`` (its
        measurement error, same units), ``kind``, ``first``/``last`` (model months of the
        window, inclusive; equal for a stock) and ``scale`` (12 for a per-month rate
        summed over a year, else 1).
    skipped : pandas.DataFrame
        Figures that could not be used, with the ``reason``.
    outputs : list of str
        The model variables needed.
    final_time : float
        Last model month needed (runs stop there).
    """

    table: pd.DataFrame
    skipped: pd.DataFrame
    outputs: list[str]
    final_time: float

    @property
    def n(self) -> int:
        """Number of usable figures."""
        return len(self.table)

    def values(self) -> np.ndarray:
        """Return the observed values, in table order."""
        return self.table["value"].to_numpy(dtype=float)

    def sigmas(self) -> np.ndarray:
        """Return the measurement errors, in table order."""
        return self.table["sigma"].to_numpy(dtype=float)

    def evaluate(self, outputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """Return (members x figures) model values from monthly output arrays.

        Parameters
        ----------
        outputs : mapping of str to numpy.ndarray
            Each needed variable as an array (members x months), month 0 first.

        Returns
        -------
        numpy.ndarray
        """
        rows = []
        for r in self.table.itertuples(index=False):
            series = outputs[r.series]
            window = series[:, int(r.first): int(r.last) + 1]
            rows.append(window.mean(axis=1) * r.scale)
        if not rows:
            return np.empty((0, 0))
        return np.stack(rows, axis=1)


def observation_plan(
    observed: pd.DataFrame,
    *,
    model: Model | None = None,
    cv: Mapping[str, float] | None = None,
    final_time: float | None = None,
    series: Sequence[str] | None = None,
) -> ObservationPlan:
    """Map a tidy table of observed figures onto the model's variables and time grid.

    Parameters
    ----------
    observed : pandas.DataFrame
        Columns ``series``, ``year`` (year ending 31 March), ``value``; optional ``kind``
        (stock, flow, spending: else read from the variable's units) and
        ``standard_error``.
    model : Model, optional
        The parsed model.
    cv : mapping, optional
        Relative measurement error by kind (default :data:`DEFAULT_CV`).
    final_time : float, optional
        Last usable model month (default the model's FINAL TIME).
    series : sequence of str, optional
        Use only these series.

    Returns
    -------
    ObservationPlan
    """
    model = model or load_model()
    cv = {**DEFAULT_CV, **dict(cv or {})}
    horizon = float(model.final_time if final_time is None else final_time)
    used, skipped = [], []
    for row in observed.to_dict(orient="records"):
        name, year, value = str(row["series"]), int(row["year"]), float(row["value"])
        if series is not None and name not in series:
            continue
        if name not in model.variables:
            skipped.append({**row, "reason": "not a model variable"})
            continue
        var = model.variables[name]
        kind = str(row.get("kind") or "")
        if kind not in (STOCK, FLOW, SPENDING):
            kind = STOCK if var.kind == "stock" else FLOW
        end = 12.0 * (year - START_YEAR) + 3.0  # 1 April of `year` = 31 March, end of day
        if kind == STOCK:
            first = last = end
        else:
            first, last = end - 12.0, end - 1.0
        if first < model.initial_time:
            skipped.append({**row, "reason": "its financial year starts before the model"})
            continue
        if last > horizon:
            skipped.append({**row, "reason": "after the horizon"})
            continue
        se = row.get("standard_error")
        if se is not None and np.isfinite(se) and se > 0:
            sigma = float(se)
        else:  # relative error, plus Poisson noise for counts of children (small councils)
            count = var.units.split("/")[0].strip() == "Person"
            sigma = float(np.sqrt((cv[kind] * value) ** 2 + (abs(value) if count else 0.0)))
        scale = 12.0 if kind != STOCK and _per_month(var.units) else 1.0
        used.append({"series": name, "year": year, "value": value, "sigma": max(sigma, 1e-9),
                     "kind": kind, "first": first, "last": last, "scale": scale})
    table = pd.DataFrame(used, columns=["series", "year", "value", "sigma", "kind", "first",
                                        "last", "scale"])
    outputs = list(dict.fromkeys(table["series"]))
    last = float(table["last"].max()) if len(table) else model.initial_time + 1.0
    return ObservationPlan(table=table, skipped=pd.DataFrame(skipped), outputs=outputs,
                           final_time=max(last, model.initial_time + 1.0))


def simulate_observations(
    scenario: Scenario,
    parameters: pd.DataFrame,
    plan: ObservationPlan,
    *,
    chunk: int = 8192,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Run a scenario under many parameter sets and return the observed figures only.

    Parameters
    ----------
    scenario : Scenario
        The scenario (profile and settings) every member starts from.
    parameters : pandas.DataFrame
        One row per member, one column per parameter set (Vensim names).
    plan : ObservationPlan
        From :func:`observation_plan`.
    chunk : int
        Members per batch through the compiled engine (memory is per chunk).
    progress : callable, optional
        ``progress(done, total)`` after each chunk.

    Returns
    -------
    numpy.ndarray
        Shape (members, figures).
    """
    n = len(parameters)
    out = np.empty((n, plan.n))
    base = {k: v for k, v in scenario.values.items() if k not in parameters.columns}
    for start in range(0, n, chunk):
        part = parameters.iloc[start:start + chunk].reset_index(drop=True)
        frame = part.copy()
        for k, v in base.items():
            frame[k] = v
        ds = simulate_many(frame, plan.outputs, profile=scenario.profile,
                           final_time=plan.final_time)
        arrays = {name: ds[name].to_numpy() for name in plan.outputs}
        out[start:start + len(part)] = plan.evaluate(arrays)
        if progress is not None:
            progress(min(start + chunk, n), n)
    return out
