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

The headline outcomes are the formulas of :mod:`slack_sim.metrics` applied to every member
at once (column-wise over a members x months array); ``tests/test_uncertainty.py`` checks
each against the scalar function in :mod:`slack_sim.metrics` member by member.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..engine.compiled import simulate_many
from ..metrics import core as metrics
from ..model.parse import Model, load_model
from ..scenarios import Scenario, ScenarioError

__all__ = [
    "BAND_OUTPUTS",
    "DEFAULT_GROUPS",
    "HEADLINE_OUTCOMES",
    "OUTCOME_OUTPUTS",
    "PERCENTILES",
    "Ensemble",
    "batch_outcomes",
    "default_parameters",
    "ranges_markdown",
    "ensemble",
    "run_members",
    "sample",
    "uncertainty_ranges",
]

#: Uncertainty groups sampled when no parameters are named.
DEFAULT_GROUPS: tuple[str, ...] = ("Effect sizes",)
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
    "Cases in care",
    "Unmet need",
    "Reserves",
)
#: Outputs the headline outcomes need.
OUTCOME_OUTPUTS: tuple[str, ...] = (
    "Total spending",
    "Crisis queue",
    "Unmet need",
    "Waiting time",
    "Reserves",
)
#: Headline outcome columns: key -> (label, units).
HEADLINE_OUTCOMES: dict[str, tuple[str, str]] = {
    "npv_total_spending": ("NPV of total spending", "GBP per 100,000 residents, present value"),
    "cumulative_harm": ("Cumulative harm (crisis queue + unmet need)", "person-months"),
    "peak_waiting_time": ("Peak waiting time", "months"),
    "recovery_months": ("Recovery after the main shock (months after its end)", "months"),
    "did_not_recover": ("Did not recover from the main shock", "flag"),
    "reserves_runway_year": ("Reserves first in deficit", "decimal year"),
    "net_present_saving": ("Net present saving against the baseline",
                           "GBP per 100,000 residents, present value"),
}

_TOL = 1e-9


# -- ranges and sampling ---------------------------------------------------------------------


def default_parameters(
    groups: Sequence[str] = DEFAULT_GROUPS, *, model: Model | None = None
) -> list[str]:
    """Return the uncertainties in the given groups, in model-file order.

    Parameters
    ----------
    groups : sequence of str
        Uncertainty groups (``"Effect sizes"``, ``"Need"``, ``"Austerity"``,
        ``"Shock 1"``, ``"Shock 2"``).
    model : Model, optional
        The parsed model (default :func:`~slack_sim.load_model`).

    Returns
    -------
    list of str
    """
    model = model or load_model()
    known = {model[n].group for n in model.uncertainties}
    unknown = [g for g in groups if g not in known]
    if unknown:
        raise ValueError(f"unknown uncertainty group(s) {unknown}; choose from {sorted(known)}")
    return [n for n in model.uncertainties if model[n].group in set(groups)]


def uncertainty_ranges(
    parameters: Sequence[str] | None = None,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    model: Model | None = None,
) -> pd.DataFrame:
    """Return the sampling range of each parameter: its plausible range or an override.

    Uncertainties are sampled over the plausible range the model file states for them
    (narrower than the declared slider range, which also admits extreme-condition tests);
    levers, which have no plausible range, over their declared range.

    Parameters
    ----------
    parameters : sequence of str, optional
        Uncertainties (or levers) to sample; default :func:`default_parameters`.
    ranges : mapping of str to (float, float), optional
        Narrower ranges by name. Each must lie inside the model's declared range
        (``lo == hi`` fixes the parameter). A name not in ``parameters`` is added.
    model : Model, optional
        The parsed model.

    Returns
    -------
    pandas.DataFrame
        Indexed by name; columns ``group``, ``units``, ``default``, ``minimum``,
        ``maximum`` (the range sampled), ``declared_minimum``, ``declared_maximum``,
        ``source``, ``range_source`` (why the plausible range).

    Raises
    ------
    ScenarioError
        For an unknown name, a constant the model leaves open-ended, or an override outside
        the declared range.
    """
    model = model or load_model()
    names = list(parameters) if parameters is not None else default_parameters(model=model)
    ranges = dict(ranges or {})
    names += [n for n in ranges if n not in names]
    rows = []
    for name in names:
        if name not in model.variables or model[name].role not in ("uncertainty", "lever"):
            raise ScenarioError(f"{name!r} is not an uncertainty or lever of the model")
        var = model[name]
        if var.minimum is None or var.maximum is None:
            raise ScenarioError(f"{name}: the model declares no finite range to sample")
        plausible = (var.plausible_minimum, var.plausible_maximum)
        default_range = plausible if None not in plausible else (var.minimum, var.maximum)
        lo, hi = ranges.get(name, default_range)
        lo, hi = float(lo), float(hi)
        if not (var.minimum <= lo <= hi <= var.maximum):
            raise ScenarioError(
                f"{name}: range [{lo:g}, {hi:g}] must satisfy min <= lo <= hi <= max inside "
                f"the declared range {var.range_text}"
            )
        rows.append({
            "name": name, "group": var.group, "units": var.units, "default": var.default,
            "minimum": lo, "maximum": hi, "declared_minimum": var.minimum,
            "declared_maximum": var.maximum, "source": var.source,
            "range_source": var.plausible_note if name not in ranges else "set by the user",
        })
    if not rows:
        raise ValueError("no parameters to sample")
    return pd.DataFrame(rows).set_index("name")


def ranges_markdown(*, model: Model | None = None) -> str:
    """Return the Markdown tables of ``docs/uncertainty.md``: every uncertainty's range.

    One table per uncertainty group (Effect sizes first, the group sampled by default),
    with each constant's default, the range sampled (its plausible range) and why, the
    declared range (the slider's limits), units and the default's source, all read from
    the model file. ``tests/test_uncertainty.py`` checks the
    document holds the current text.
    """
    model = model or load_model()
    order = ["Effect sizes", "Need", "Austerity", "Shock 1", "Shock 2"]
    groups = order + sorted({model[n].group for n in model.uncertainties} - set(order))
    lines: list[str] = []
    for group in groups:
        names = [n for n in model.uncertainties if model[n].group == group]
        if not names:
            continue
        when = "sampled by default" if group in DEFAULT_GROUPS else "sampled on request"
        lines += ["", f"### {group} ({len(names)}; {when})", "",
                  "| name | default | range sampled | why that range | declared range "
                  "| units | source of the default |",
                  "|---|---:|---|---|---|---|---|"]
        for name in names:
            v = model[name]
            source = v.source.replace("|", "/")
            why = v.plausible_note.replace("|", "/")
            sampled = (f"[{v.plausible_minimum:g}, {v.plausible_maximum:g}]"
                       if v.plausible_minimum is not None else "declared range")
            lines.append(f"| {name} | {v.default:g} | {sampled} | {why} | "
                         f"[{v.minimum:g}, {v.maximum:g}] | {v.units} | {source} |")
    return "\n".join(lines).strip() + "\n"


def sample(
    table: pd.DataFrame,
    *,
    n: int,
    seed: int | None = 0,
    method: Literal["lhs", "random"] = "lhs",
) -> pd.DataFrame:
    """Draw ``n`` samples uniform over each parameter's range.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`uncertainty_ranges` (columns ``minimum`` and ``maximum``).
    n : int
        Number of draws.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same draws.
    method : {"lhs", "random"}
        ``"lhs"``: Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`, each
        parameter's range cut into ``n`` equal strata, one draw in each, strata paired
        at random); ``"random"``: independent uniform draws.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows (index ``member`` 0..n-1), one column per parameter.

    Notes
    -----
    A draw is ``lo + u (hi - lo)`` with ``u`` in ``[0, 1)``: the sample mean of each
    parameter tends to ``(lo + hi) / 2`` and, for LHS, every stratum of width
    ``(hi - lo) / n`` holds exactly one draw (McKay, Beckman and Conover 1979).

    References
    ----------
    McKay, M. D., Beckman, R. J. and Conover, W. J. (1979). A comparison of three methods
    for selecting values of input variables in the analysis of output from a computer code.
    *Technometrics* 21(2), 239-245.
    """
    from scipy.stats import qmc

    n = int(n)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    d = len(table)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                             or seed < 0):
        raise ValueError(f"seed must be a whole number of at least 0 (or None), got {seed!r}")
    rng = np.random.default_rng(seed)
    if method == "lhs":
        u = qmc.LatinHypercube(d, rng=rng).random(n)
    elif method == "random":
        u = rng.random((n, d))
    else:
        raise ValueError(f"method must be 'lhs' or 'random', got {method!r}")
    lo = table["minimum"].to_numpy(dtype=float)
    hi = table["maximum"].to_numpy(dtype=float)
    values = np.minimum(lo + u * (hi - lo), hi)
    return pd.DataFrame(values, columns=list(table.index),
                        index=pd.RangeIndex(n, name="member"))


def run_members(
    scenario: Scenario,
    samples: pd.DataFrame,
    outputs: Sequence[str],
) -> Any:
    """Run a scenario once per row of ``samples`` on the compiled engine.

    Parameters
    ----------
    scenario : Scenario
        Its profile and values apply to every member; the sampled columns override them.
    samples : pandas.DataFrame
        One row per member, one column per parameter.
    outputs : sequence of str
        Model variables to keep.

    Returns
    -------
    xarray.Dataset
        As :func:`slack_sim.simulate_many`, dims ``("scenario", "year")``.
    """
    table = samples.copy()
    for name, value in scenario.values.items():
        if name not in table.columns:
            table[name] = value
    return simulate_many(table, list(dict.fromkeys(outputs)), profile=scenario.profile)


# -- headline outcomes, every member at once --------------------------------------------------


def _member_settings(
    scenario: Scenario, samples: pd.DataFrame, names: Sequence[str]
) -> dict[str, np.ndarray]:
    base = scenario.settings()
    n = len(samples)
    return {k: (samples[k].to_numpy(dtype=float) if k in samples.columns
                else np.full(n, float(base[k]))) for k in names}


def main_shock(settings: Mapping[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Return each member's main shock: the first to start, as in :func:`metrics.shocks_in`.

    Parameters
    ----------
    settings : mapping of str to numpy.ndarray
        Per member: ``Shock 1 start``, ``Shock 1 length``, ``Shock 2 start``,
        ``Shock 2 length``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(number, start, length, window_end)``: shock number (0 if the member has no
        shock), start and length in months, and the month the next shock starts (``inf``
        if none), the window :func:`metrics.shock_response` looks in.
    """
    s1, l1 = settings["Shock 1 start"], settings["Shock 1 length"]
    s2, l2 = settings["Shock 2 start"], settings["Shock 2 length"]
    on1, on2 = l1 > 0, l2 > 0
    first1 = on1 & (~on2 | (s1 <= s2))  # ties go to shock 1, as shocks_in sorts (start, n)
    number = np.where(first1, 1, np.where(on2, 2, 0))
    start = np.where(first1, s1, np.where(on2, s2, np.nan))
    length = np.where(first1, l1, np.where(on2, l2, np.nan))
    window = np.where(first1 & on2, s2, np.where(~first1 & on1 & on2, s1, np.inf))
    return number, start, length, window


def recovery_months(
    queue: np.ndarray,
    months: np.ndarray,
    *,
    start: np.ndarray,
    length: np.ndarray,
    window_end: np.ndarray,
    tolerance: float = metrics.RECOVERY_TOLERANCE,
) -> np.ndarray:
    r"""Return months from each shock's end to recovery, for many members at once.

    Parameters
    ----------
    queue : numpy.ndarray
        Crisis queue, members x times.
    months : numpy.ndarray
        Model month of each time.
    start, length, window_end : numpy.ndarray
        Per member: the shock's start and length and the end of the window (months;
        ``nan`` start: no shock).
    tolerance : float
        Recovery band above the pre-shock level (default 5%).

    Returns
    -------
    numpy.ndarray
        The ``recovery_months`` of :func:`slack_sim.metrics.shock_response` for each member:
        the months from the shock's end until the queue is at most
        :math:`(1 + \text{tolerance})\,q(s)` (``q(s)`` the queue at the shock's start) and
        stays there to the window's end; ``nan`` if it never does (did not recover) or
        there is no shock.
    """
    n, _ = queue.shape
    rows = np.arange(n)
    has = np.isfinite(start)
    s = np.where(has, start, 0.0)
    end = s + np.where(has, length, 0.0)
    i0 = np.searchsorted(months, s + _TOL, side="right") - 1
    pre = queue[rows, np.clip(i0, 0, None)]
    after = (months[None, :] >= end[:, None] - _TOL) & (months[None, :] < window_end[:, None]
                                                         - _TOL)
    outside = after & (queue > (pre * (1.0 + tolerance))[:, None])
    idx = np.arange(len(months))
    last_after = np.where(after, idx, -1).max(axis=1)
    first_after = np.where(after, idx, len(months)).min(axis=1)
    last_out = np.where(outside, idx, -1).max(axis=1)
    rec_idx = np.where(last_out < 0, first_after, last_out + 1)
    ok = has & (last_after >= 0) & (last_out < last_after)
    rec = np.full(n, np.nan)
    rec[ok] = months[rec_idx[ok]] - end[ok]
    return rec


def batch_outcomes(
    data: Any,
    *,
    settings: Mapping[str, np.ndarray],
    baseline: Any | None = None,
    base_year: float = metrics.ORIGIN_YEAR,
) -> pd.DataFrame:
    r"""Return the headline outcomes of every member of a batch run.

    Parameters
    ----------
    data : xarray.Dataset
        From :func:`slack_sim.simulate_many`, with the :data:`OUTCOME_OUTPUTS`.
    settings : mapping of str to numpy.ndarray
        Per-member shock starts and lengths (see :func:`main_shock`).
    baseline : xarray.Dataset, optional
        The baseline under the same draws (same members): adds ``net_present_saving``.
    base_year : float
        Base year of discounting (default 2010).

    Returns
    -------
    pandas.DataFrame
        One row per member; columns :data:`HEADLINE_OUTCOMES` (``net_present_saving``
        only with a baseline) plus ``main_shock``.

    Notes
    -----
    Each is the :mod:`slack_sim.metrics` formula applied column-wise, exactly as
    :func:`slack_sim.metrics.outcomes` applies it to one run (flows and person-months
    over every row but the closing one):

    - ``npv_total_spending`` :math:`= \sum_t f(t)\,\Delta t\,D(t - b)`
      (:func:`~slack_sim.metrics.npv`, :func:`~slack_sim.metrics.discount_factor`);
    - ``cumulative_harm`` :math:`= \sum_t (q(t) + u(t))\,\Delta t` in person-months
      (:func:`~slack_sim.metrics.cumulative_harm`);
    - ``peak_waiting_time``: the largest waiting time (:func:`~slack_sim.metrics.peak`);
    - ``recovery_months`` and ``did_not_recover``: :func:`recovery_months`, the
      definition of :func:`~slack_sim.metrics.shock_response`;
    - ``reserves_runway_year``: first time reserves are negative, ``nan`` if never
      (:func:`~slack_sim.metrics.reserves_runway`);
    - ``net_present_saving`` = NPV(baseline) - NPV(scenario)
      (:func:`~slack_sim.metrics.policy_finance`).
    """
    years = np.asarray(data["year"].values, dtype=float)
    if len(years) < 2:
        raise ValueError("need at least two output times")
    step = float(np.median(np.diff(years)))
    factor = metrics.discount_factor(years[:-1] - float(base_year)) * step * 12.0

    def arr(ds: Any, name: str) -> np.ndarray:
        return np.asarray(ds[name].values, dtype=float)

    spend = arr(data, "Total spending")
    out: dict[str, np.ndarray] = {}
    out["npv_total_spending"] = spend[:, :-1] @ factor
    harm = arr(data, "Crisis queue")[:, :-1] + arr(data, "Unmet need")[:, :-1]
    out["cumulative_harm"] = harm.sum(axis=1) * step * 12.0
    out["peak_waiting_time"] = np.nanmax(arr(data, "Waiting time"), axis=1)
    number, start, length, window = main_shock(settings)
    months = np.round((years - metrics.ORIGIN_YEAR) * 12.0, 6)
    rec = recovery_months(arr(data, "Crisis queue"), months, start=start, length=length,
                          window_end=window)
    out["recovery_months"] = rec
    out["did_not_recover"] = (number > 0) & np.isnan(rec)
    reserves = arr(data, "Reserves")
    below = reserves < 0.0
    first = np.argmax(below, axis=1)
    out["reserves_runway_year"] = np.where(below.any(axis=1), years[first], np.nan)
    if baseline is not None:
        if not np.array_equal(np.asarray(baseline["year"].values, dtype=float), years):
            raise ValueError("scenario and baseline runs must share the same times")
        out["net_present_saving"] = arr(baseline, "Total spending")[:, :-1] @ factor - out[
            "npv_total_spending"]
    out["main_shock"] = number
    index = pd.Index(np.asarray(data["scenario"].values), name="member")
    return pd.DataFrame(out, index=index)


# -- the ensemble ------------------------------------------------------------------------------


_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
_PHRASES = {
    ("net_present_saving", ">"): "net saving positive",
    ("did_not_recover", ">"): "the service does not recover from the shock",
}


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

    def statement(
        self, outcome: str = "net_present_saving", op: str = ">", threshold: float = 0.0,
        *, phrase: str | None = None,
    ) -> str:
        """Return card text such as ``"net saving positive in 87% of futures"``.

        Parameters
        ----------
        outcome, op, threshold
            As for :meth:`probability`.
        phrase : str, optional
            What holds (default: a phrase for the common cases, else ``"<outcome> <op>
            <threshold>"``).

        Returns
        -------
        str
        """
        p = self.probability(outcome, op, threshold)
        text = phrase or _PHRASES.get((outcome, op)) or f"{outcome} {op} {threshold:g}"
        return f"{text} in {_percent(p)} of futures"

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


def _percent(p: float) -> str:
    if 0 < p < 0.01:
        return "under 1%"
    if 0.99 < p < 1:
        return "over 99%"
    return f"{round(100 * p):d}%"


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


_BASELINE_RUNS: dict[str, Any] = {}
_BASELINE_CACHE_SIZE = 8
_BASELINE_LOCK = threading.Lock()  # the app's sessions run in threads and share this cache


def _baseline_run(baseline: Scenario, draws: pd.DataFrame) -> Any:
    """Run the baseline's spending under the draws, cached by baseline and draws.

    In the app the baseline rarely changes while the scenario does, so a rerun after a
    slider move runs only the scenario's members.
    """
    import hashlib
    import json

    key = hashlib.sha256(json.dumps(
        {"p": baseline.profile, "v": dict(baseline.values), "c": list(draws.columns)},
        sort_keys=True).encode() + np.ascontiguousarray(draws.to_numpy()).tobytes()).hexdigest()
    with _BASELINE_LOCK:
        found = _BASELINE_RUNS.get(key)
    if found is not None:
        return found
    run = run_members(baseline, draws, ["Total spending"])
    with _BASELINE_LOCK:
        while len(_BASELINE_RUNS) >= _BASELINE_CACHE_SIZE:
            _BASELINE_RUNS.pop(next(iter(_BASELINE_RUNS)))
        _BASELINE_RUNS[key] = run
    return run


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
    base_year: float = metrics.ORIGIN_YEAR,
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

    Returns
    -------
    Ensemble
        ``.bands``, ``.outcomes``, ``.samples``, ``.probability()``, ``.statement()``.

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
    >>> ens.statement("net_present_saving", ">", 0)  # doctest: +SKIP
    'net saving positive in 56% of futures'
    """
    model = load_model()
    table = uncertainty_ranges(parameters, ranges=ranges, model=model)
    draws = sample(table, n=n, seed=seed, method=method)
    wanted = list(dict.fromkeys([*outputs, *OUTCOME_OUTPUTS]))
    data = run_members(scenario, draws, wanted)
    base_data = None
    if baseline is not None:
        if baseline.profile != scenario.profile:
            raise ScenarioError("the baseline must be on the scenario's profile")
        base_data = _baseline_run(baseline, draws)
    settings = _member_settings(scenario, draws, ["Shock 1 start", "Shock 1 length",
                                                  "Shock 2 start", "Shock 2 length"])
    outcomes = batch_outcomes(data, settings=settings, baseline=base_data, base_year=base_year)
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
    )
