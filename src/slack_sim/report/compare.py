"""Run scenarios and compare their outcomes in one table.

``slack_sim.compare([scenarios...], baseline=...)`` returns a table with one row per
outcome (with its units), one column per scenario and, when a baseline is given, one
column per scenario with its change against the baseline. :func:`summarize` gives the
outcomes of one scenario as a JSON-ready dict. The metrics themselves are the pure
functions of :mod:`slack_sim.metrics`, their labels and units those of
:mod:`slack_sim.metrics.catalogue`; this module only runs the simulations they need (the
scenario, its baseline, and for each shock the same scenario without that shock).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..engine.run import simulate
from ..metrics.catalogue import ABSENT, COMPARE_ROWS, SHOCK_ROWS, VS_BASELINE
from ..metrics.headline import outcomes
from ..metrics.resilience import shocks_in
from ..model.calendar import START_YEAR
from ..scenarios import Scenario, preset
from .text import money_note

__all__ = [
    "no_shock_runs","COMPARE_ROWS", "Comparison", "compare", "comparison", "summarize"]

Runner = Callable[[Scenario], pd.DataFrame]


def __getattr__(name: str) -> Any:
    if name == "OUTCOME_ROWS":
        warnings.warn("slack_sim.report.compare.OUTCOME_ROWS is deprecated: use COMPARE_ROWS "
                      "(or slack_sim.metrics.catalogue)", DeprecationWarning, stacklevel=2)
        return COMPARE_ROWS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _default_runner(scenario: Scenario) -> pd.DataFrame:
    return simulate(scenario)


class _Runs:
    """Simulations run once each (by profile and values: :attr:`Scenario.key`)."""

    def __init__(self, runner: Runner | None) -> None:
        self.runner = runner or _default_runner
        self.cache: dict[str, pd.DataFrame] = {}

    def __call__(self, scenario: Scenario) -> pd.DataFrame:
        key = scenario.key
        if key not in self.cache:
            self.cache[key] = self.runner(scenario)
        return self.cache[key]


def no_shock_runs(scenario: Scenario, runner: Any) -> dict[int, pd.DataFrame]:
    """Return the scenario run without each of its shocks: the recovery counterfactuals.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    runner : callable
        ``runner(scenario) -> DataFrame`` (e.g. :func:`slack_sim.simulate`).

    Returns
    -------
    dict of int to pandas.DataFrame
        Shock number -> the run with that shock's length 0 (what
        :func:`slack_sim.metrics.outcomes` judges recovery against).
    """
    return {n: runner(scenario.with_values({f"Shock {n} length": 0.0}))
            for n, _, _ in shocks_in(scenario.settings())}


def _resolve_baseline(baseline: Scenario | str | None, profile: str) -> Scenario | None:
    if baseline is None or isinstance(baseline, Scenario):
        return baseline
    return preset(baseline, profile=profile)


def _summary(
    scenario: Scenario,
    *,
    baseline: Scenario | None,
    base_year: float,
    runs: _Runs,
) -> tuple[dict[str, Any], pd.DataFrame]:
    frame = runs(scenario)
    settings = scenario.settings()
    counterfactuals = no_shock_runs(scenario, runs)
    base_frame = runs(baseline) if baseline is not None else None
    out = outcomes(
        frame,
        settings=settings,
        baseline=base_frame,
        counterfactuals=counterfactuals,
        base_year=base_year,
    )
    head: dict[str, Any] = {
        "scenario": scenario.name,
        "profile": scenario.profile,
        "description": scenario.description,
    }
    if baseline is not None:
        head["baseline"] = baseline.name
    head["money_units"] = money_note(base_year)
    return {**head, **out}, frame


def summarize(
    scenario: Scenario,
    *,
    baseline: Scenario | str | None = None,
    base_year: float = START_YEAR,
    runner: Runner | None = None,
) -> dict[str, Any]:
    """Return every outcome of one scenario, optionally against a baseline.

    Parameters
    ----------
    scenario : Scenario
        The scenario (policy) to assess.
    baseline : Scenario or str, optional
        The baseline, or a preset name (taken on the scenario's profile).
    base_year : float
        Base year for discounting (default 2010).
    runner : callable, optional
        ``runner(scenario) -> DataFrame`` (default :func:`slack_sim.simulate`).

    Returns
    -------
    dict
        ``scenario``, ``profile``, ``description``, ``baseline`` (if given),
        ``money_units`` and the keys of :func:`slack_sim.metrics.outcomes`. JSON-ready
        (``None`` for absent values; an infinite benefit-cost ratio becomes ``None``).
    """
    base = _resolve_baseline(baseline, scenario.profile)
    out, _ = _summary(scenario, baseline=base, base_year=base_year, runs=_Runs(runner))
    if out.get("benefit_cost_ratio") == float("inf"):
        out["benefit_cost_ratio"] = None
    return out


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Scenarios run side by side: their outputs, outcome dicts and the comparison table.

    Attributes
    ----------
    labels : list of str
        Column label of each scenario (its name, made unique), baseline first if given.
    scenarios : dict of str to Scenario
        By label.
    baseline : str or None
        Label of the baseline.
    frames : dict of str to pandas.DataFrame
        Model output by label.
    summaries : dict of str to dict
        Outcome dicts by label (see :func:`summarize`).
    table : pandas.DataFrame
        The comparison table (see :func:`compare`).
    base_year : float
        Base year of the discounting.
    """

    labels: list[str]
    scenarios: dict[str, Scenario]
    baseline: str | None
    frames: dict[str, pd.DataFrame]
    summaries: dict[str, dict[str, Any]]
    table: pd.DataFrame
    base_year: float


def _unique_labels(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(field: str, value: Any) -> Any:
    """Return a table cell: the value, or text saying why it is absent."""
    if value is None or (field == "benefit_cost_ratio" and value == float("inf")):
        return ABSENT.get(field)
    return value


def _table(
    labels: Sequence[str],
    summaries: Mapping[str, dict[str, Any]],
    baseline: str | None,
) -> pd.DataFrame:
    rows = dict(COMPARE_ROWS)
    if baseline is None:
        rows = {k: v for k, v in rows.items() if k not in VS_BASELINE}
    shock_numbers = sorted({s["shock"] for summ in summaries.values() for s in summ["shocks"]})
    for n in shock_numbers:
        for field, (label, units) in SHOCK_ROWS.items():
            rows[f"shock_{n}_{field}"] = (f"Shock {n} {label}", units)
    values: dict[str, dict[str, Any]] = {}
    for lab in labels:
        summ = summaries[lab]
        col: dict[str, Any] = {}
        shocks = {s["shock"]: s for s in summ["shocks"]}
        for key in rows:
            if key.startswith("shock_"):
                n, field = key.split("_", 2)[1:]
                shock = shocks.get(int(n))
                col[key] = "no shock" if shock is None else _cell(field, shock[field])
            elif key in VS_BASELINE and lab == baseline:
                col[key] = None
            else:
                col[key] = _cell(key, summ.get(key))
        values[lab] = col
    table = pd.DataFrame(
        {
            "outcome": [label for label, _ in rows.values()],
            "units": [units for _, units in rows.values()],
            **{lab: [values[lab][k] for k in rows] for lab in labels},
        },
        index=pd.Index(list(rows), name="key"),
        dtype=object,
    )
    if baseline is not None:
        for lab in labels:
            if lab == baseline:
                continue
            deltas = []
            for key, (_, units) in rows.items():
                a, b = values[lab][key], values[baseline][key]
                # dates (when a peak came, when reserves ran out) get no delta: a difference
                # of two calendar dates is not a change in the outcome
                dated = units in ("year", "decimal year", "YYYY-MM")
                ok = key not in VS_BASELINE and not dated and _is_number(a) and _is_number(b)
                deltas.append(a - b if ok else None)
            table[f"{lab} - {baseline}"] = pd.Series(deltas, index=table.index, dtype=object)
    return table


def comparison(
    scenarios: Sequence[Scenario],
    *,
    baseline: Scenario | str | None = None,
    base_year: float = START_YEAR,
    runner: Runner | None = None,
) -> Comparison:
    """Run scenarios (and a baseline) and return everything needed to compare or export them.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The scenarios to compare (at least one).
    baseline : Scenario or str, optional
        The baseline, or a preset name on the first scenario's profile. It becomes the
        first column (it is not repeated if it is also in ``scenarios``).
    base_year : float
        Base year for discounting (default 2010).
    runner : callable, optional
        ``runner(scenario) -> DataFrame`` (default :func:`slack_sim.simulate`).

    Returns
    -------
    Comparison
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    for sc in scenarios:
        if not isinstance(sc, Scenario):
            raise TypeError(f"expected Scenario objects, got {type(sc).__name__}")
    base = _resolve_baseline(baseline, scenarios[0].profile)
    if base is not None:
        scenarios = [base] + [s for s in scenarios if s.key != base.key]
    labels = _unique_labels([s.name for s in scenarios])
    runs = _Runs(runner)
    summaries: dict[str, dict[str, Any]] = {}
    frames: dict[str, pd.DataFrame] = {}
    for lab, sc in zip(labels, scenarios, strict=True):
        summaries[lab], frames[lab] = _summary(
            sc, baseline=base, base_year=base_year, runs=runs
        )
    base_label = labels[0] if base is not None else None
    return Comparison(
        labels=labels,
        scenarios=dict(zip(labels, scenarios, strict=True)),
        baseline=base_label,
        frames=frames,
        summaries=summaries,
        table=_table(labels, summaries, base_label),
        base_year=float(base_year),
    )


def compare(
    scenarios: Sequence[Scenario],
    *,
    baseline: Scenario | str | None = None,
    base_year: float = START_YEAR,
    runner: Runner | None = None,
) -> pd.DataFrame:
    """Return one table comparing the outcomes of scenarios, with deltas against a baseline.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The scenarios to compare.
    baseline : Scenario or str, optional
        The baseline (or a preset name); the first column when given.
    base_year : float
        Base year for discounting (default 2010).
    runner : callable, optional
        ``runner(scenario) -> DataFrame`` (default :func:`slack_sim.simulate`).

    Returns
    -------
    pandas.DataFrame
        Index: outcome keys (snake_case, e.g. ``npv_total_spending``, ``shock_1_depth``).
        Columns: ``outcome`` (label), ``units``, one column per scenario (labelled by its
        name, baseline first), then ``"<scenario> - <baseline>"`` for each other scenario
        (numeric changes; ``None`` where not meaningful). Cells are numbers, or text where
        a value is absent (``"not within the horizon"``, ``"did not recover"``,
        ``"no shock"``, ``"never"``). Money is GBP for the profile's whole population in
        2010/11 prices (:func:`slack_sim.report.text.money_note`).

    Examples
    --------
    >>> import slack_sim as ss  # doctest: +SKIP
    >>> t = ss.compare([ss.preset("invest-to-save")], baseline="baseline")  # doctest: +SKIP
    >>> t.loc["npv_total_spending", "invest-to-save - baseline"]  # doctest: +SKIP
    """
    return comparison(scenarios, baseline=baseline, base_year=base_year, runner=runner).table
