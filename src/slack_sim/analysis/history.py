r"""History matching: keep only the futures consistent with what has been observed.

Following Craig et al. (1997) and Vernon, Goldstein and Bower (2010), a parameter set
:math:`x` is *implausible* when the model's figure :math:`f_i(x)` is too far from the
published figure :math:`z_i` given every source of uncertainty:

.. math::

    I_i(x) = \frac{|f_i(x) - z_i|}{\sqrt{\sigma_i^2 + (\delta z_i)^2}}, \qquad
    I(x) = \max_i I_i(x),

with :math:`\sigma_i` the measurement error of the figure (as in calibration) and
:math:`\delta` the model discrepancy (default 10% of the figure, a judgement: wider than
calibration's 5% because here whole futures, not a fitted centre, must be ruled out only
when clearly wrong). A set is kept when :math:`I(x) \le 3`: by Pukelsheim's three-sigma
rule at least 95% of the probability of any unimodal error lies within three standard
deviations, so a kept set is one the data cannot rule out.

Waves: the first samples a Latin hypercube over every sampled parameter's plausible
range; each next wave samples the box that bounds the kept sets of the last (widened by
5% of the range each side, never beyond the plausible range) and applies the same test,
until the box stops shrinking (no range narrows by more than ``tolerance``) or
``waves`` is reached. Runs stop at the last observed month and keep only the observed
figures (see :mod:`slack_sim.analysis.observe`): memory is members x figures.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..model import load_model
from ..scenarios import Scenario
from ..validation import Interval, validate
from .calibration import parameter_bounds
from .observe import ObservationPlan, observation_plan, simulate_observations

__all__ = ["HistoryMatch", "history_match", "implausibility"]

#: Most futures a history match may sample per wave.
MAX_FUTURES = 2_000_000

_RULES = {
    "n": Interval("integer", 10, MAX_FUTURES),
    "waves": Interval("integer", 1, 10),
    "cutoff": Interval("real", 0, None, closed="neither"),
    "discrepancy": Interval("real", 0, 1),
    "seed": Interval("integer", 0, None),
    "tolerance": Interval("real", 0, 1),
    "rank": Interval("integer", 1, 10),
}


def implausibility(figures: np.ndarray, plan: ObservationPlan, *,
                   discrepancy: float, rank: int = 1) -> np.ndarray:
    """Return :math:`I(x)` of each member (rows of ``figures``, figures in plan order).

    ``rank`` 1 is the largest :math:`I_i` (the maximum); 2 or 3 the second or third
    largest, a robust measure that one or two odd years (a council's recoding, a spike of
    unaccompanied asylum-seeking children) cannot decide alone (Vernon, Goldstein and
    Bower 2010, 3.2). Known answer: a member whose every figure equals the data has
    implausibility 0; one figure off by three combined standard deviations gives 3 (rank 1)
    and 0 (rank 2).
    """
    z = plan.values()
    s = np.sqrt(plan.sigmas() ** 2 + (discrepancy * z) ** 2)
    with np.errstate(invalid="ignore"):
        dev = np.abs(figures - z) / s
    dev = np.where(np.isfinite(dev), dev, np.inf)
    if not dev.shape[1]:
        return np.zeros(len(figures))
    k = min(rank, dev.shape[1])
    return np.partition(dev, dev.shape[1] - k, axis=1)[:, dev.shape[1] - k]


@dataclasses.dataclass(frozen=True)
class HistoryMatch:
    """The futures consistent with the observed history.

    Attributes
    ----------
    kept : pandas.DataFrame
        The non-implausible parameter sets of the last wave (one row per future):
        the history-consistent ensemble.
    ranges : pandas.DataFrame
        Per parameter: ``low``/``high`` (plausible range sampled in wave 1),
        ``kept_low``/``kept_high`` (5th and 95th percentiles of the kept sets) and
        ``narrowed`` (1 - that range over the same range of a uniform draw, 0.9 x span:
        0 when the history says nothing about the parameter).
    waves : pandas.DataFrame
        Per wave: futures run, kept, kept fraction of that wave's sample.
    kept_fraction : float
        Kept share of the first wave (of futures over the whole plausible box).
    cutoff, discrepancy : float
        The implausibility cut and the model discrepancy used.
    scenario : Scenario
        The scenario matched.
    figures : int
        Published figures used.
    skipped : pandas.DataFrame
        Figures that could not be used, with the reason.
    """

    kept: pd.DataFrame
    ranges: pd.DataFrame
    waves: pd.DataFrame
    kept_fraction: float
    cutoff: float
    discrepancy: float
    scenario: Scenario
    figures: int
    skipped: pd.DataFrame

    @property
    def runs(self) -> int:
        """Model runs over all waves."""
        return int(self.waves["futures"].sum())

    def describe(self) -> str:
        """Return the phrase the app and reports use, e.g. ``"2,140 futures consistent ..."``."""
        return (f"{len(self.kept):,} futures consistent with the published history "
                f"({self.kept_fraction:.1%} of {int(self.waves['futures'].iloc[0]):,} "
                "plausible futures)")


def _sample(box: pd.DataFrame, n: int, rng_seed: int) -> pd.DataFrame:
    from scipy.stats import qmc  # imported when needed: scipy costs 0.3 s at start-up

    cube = qmc.LatinHypercube(d=len(box), seed=rng_seed).random(n)
    lo = box["low"].to_numpy(dtype=float)
    hi = box["high"].to_numpy(dtype=float)
    return pd.DataFrame(lo + cube * (hi - lo), columns=list(box.index))


def history_match(
    scenario: Scenario,
    observed: pd.DataFrame,
    *,
    parameters: Sequence[str] | None = None,
    n: int = 100_000,
    waves: int = 3,
    cutoff: float = 3.0,
    discrepancy: float = 0.10,
    tolerance: float = 0.05,
    rank: int = 1,
    seed: int = 0,
    final_year: float | None = None,
    series: Sequence[str] | None = None,
    chunk: int = 8192,
    progress: Callable[[int, int, int], None] | None = None,
) -> HistoryMatch:
    """Rule out the futures the published history makes implausible.

    Parameters
    ----------
    scenario : Scenario
        The scenario (profile, levers) whose uncertainties are sampled.
    observed : pandas.DataFrame
        Tidy figures (``series``, ``year``, ``value``, ...).
    parameters : sequence of str, optional
        What to sample (default: every uncertainty with a plausible range that the
        observed window can inform, i.e. all of them except shock 2's).
    n : int
        Futures per wave.
    waves : int
        Most waves.
    cutoff : float
        Implausibility cut (3: Pukelsheim's three-sigma rule).
    discrepancy : float
        Relative model discrepancy.
    tolerance : float
        Stop when no range narrows by more than this share in a wave.
    rank : int
        Which largest figure's implausibility decides (1: the maximum; see
        :func:`implausibility`).
    seed : int
        Seed of the samples.
    final_year : float, optional
        Use figures up to this year ending March (backtests).
    series : sequence of str, optional
        Use only these series.
    chunk : int
        Futures per engine batch.
    progress : callable, optional
        ``progress(wave, done, total)``.

    Returns
    -------
    HistoryMatch
    """
    validate({"n": n, "waves": waves, "cutoff": cutoff, "discrepancy": discrepancy,
              "seed": seed, "tolerance": tolerance, "rank": rank}, _RULES)
    model = load_model()
    if parameters is None:
        parameters = [u for u in model.uncertainties
                      if model[u].plausible_minimum is not None
                      and not u.startswith("Shock 2")]
    names = list(dict.fromkeys(parameters))
    plausible = parameter_bounds(names, model=model)
    plausible = plausible[plausible["high"] > plausible["low"]]
    data = observed if final_year is None else observed[observed["year"] <= final_year]
    plan = observation_plan(data, model=model, series=series)
    if plan.n == 0:
        raise ValueError("observed: no usable figures to match (see the skipped figures)")
    box = plausible[["low", "high"]].copy()
    records, kept = [], pd.DataFrame(columns=list(box.index))
    first_fraction = math.nan
    for wave in range(1, waves + 1):
        sample = _sample(box, n, seed + wave)
        figures = simulate_observations(
            scenario, sample, plan, chunk=chunk,
            progress=None if progress is None else (lambda d, t, w=wave: progress(w, d, t)))
        ok = implausibility(figures, plan, discrepancy=discrepancy, rank=rank) <= cutoff
        kept = sample[ok].reset_index(drop=True)
        fraction = float(ok.mean())
        records.append({"wave": wave, "futures": n, "kept": int(ok.sum()),
                        "kept_fraction": fraction})
        if wave == 1:
            first_fraction = fraction
        if len(kept) < 2:
            break
        span = (plausible["high"] - plausible["low"]).to_numpy()
        new_lo = np.maximum(kept.min().to_numpy() - 0.05 * span, plausible["low"].to_numpy())
        new_hi = np.minimum(kept.max().to_numpy() + 0.05 * span, plausible["high"].to_numpy())
        old = (box["high"] - box["low"]).to_numpy()
        shrink = 1.0 - (new_hi - new_lo) / np.where(old > 0, old, 1.0)
        box = pd.DataFrame({"low": new_lo, "high": new_hi}, index=box.index)
        if wave > 1 and np.all(shrink <= tolerance):
            break
    span = plausible["high"] - plausible["low"]
    if len(kept):
        kept_lo, kept_hi = kept.quantile(0.05), kept.quantile(0.95)
    else:
        kept_lo = kept_hi = pd.Series(np.nan, index=plausible.index)
    ranges = pd.DataFrame({
        "low": plausible["low"], "high": plausible["high"],
        "kept_low": kept_lo, "kept_high": kept_hi,
        # the kept futures' 5-95% range against the same range of a uniform draw (90% of
        # the plausible span): 0 when the history says nothing, 1 when it pins the value
        "narrowed": 1.0 - (kept_hi - kept_lo) / (0.9 * span),
        "units": plausible["units"],
    })
    return HistoryMatch(
        kept=kept, ranges=ranges, waves=pd.DataFrame(records), kept_fraction=first_fraction,
        cutoff=cutoff, discrepancy=discrepancy, scenario=scenario, figures=plan.n,
        skipped=plan.skipped)


def band_narrowing(
    match: HistoryMatch,
    outputs: Sequence[str],
    *,
    year: float,
    n: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Return how much the history match narrows the 90% band of outputs at a date.

    The band (5th to 95th percentile) of each output at ``year`` over ``n`` futures drawn
    over the plausible ranges (the first wave's box), beside the band over ``n`` of the
    kept futures.

    Returns
    -------
    pandas.DataFrame
        Per output: ``plausible_low``, ``plausible_high``, ``kept_low``, ``kept_high``
        and ``narrowed`` (1 - kept width / plausible width).
    """
    from ..engine import simulate_many

    box = match.ranges[["low", "high"]]
    plausible = _sample(box, n, seed + 101)
    kept = match.kept.head(n)
    rows = {}
    for label, samples in (("plausible", plausible), ("kept", kept)):
        table = samples.copy()
        for name, value in match.scenario.values.items():
            if name not in table.columns:
                table[name] = value
        ds = simulate_many(table, list(outputs), profile=match.scenario.profile)
        years = ds["year"].to_numpy()
        col = int(np.argmin(np.abs(years - year)))
        for name in outputs:
            lo, hi = np.percentile(ds[name].to_numpy()[:, col], [5, 95])
            rows.setdefault(name, {})[f"{label}_low"] = lo
            rows[name][f"{label}_high"] = hi
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["narrowed"] = 1 - (out["kept_high"] - out["kept_low"]) / (
        out["plausible_high"] - out["plausible_low"])
    return out
