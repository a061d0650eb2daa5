"""Backtests: fit on the years up to one, forecast the rest, score against what happened.

The model is calibrated and history-matched on the figures up to ``train_until`` (a year
ending March), then its forecasts of the later figures are scored beside two naive
forecasters a sceptical finance officer would try first:

- **persistence**: every later figure equals the series' last training figure;
- **linear trend**: an ordinary least-squares line through the series' training figures,
  extended (needs two training points).

Scores per series and forecaster: MAPE (mean absolute percentage error) and the share of
the later figures inside the model's 90% band (the 5th to 95th percentile of the
history-consistent futures), so the band's honesty is measured too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..model import load_model
from ..scenarios import Scenario
from .calibration import CalibrationResult, Evidence, calibrate
from .history import HistoryMatch, history_match
from .observe import observation_plan, simulate_observations

__all__ = ["Backtest", "backtest", "naive_forecasts"]


def naive_forecasts(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """Return persistence and linear-trend forecasts of the ``test`` figures.

    Parameters
    ----------
    train, test : pandas.DataFrame
        Tidy figures (``series``, ``year``, ``value``).

    Returns
    -------
    pandas.DataFrame
        ``test`` with columns ``persistence`` and ``trend`` (NaN where a series has too
        few training figures).

    Examples
    --------
    A series rising by 10 a year: persistence lags, the trend is exact.

    >>> tr = pd.DataFrame({"series": "a", "year": [2014, 2015, 2016], "value": [10., 20, 30]})
    >>> te = pd.DataFrame({"series": "a", "year": [2017], "value": [40.]})
    >>> naive_forecasts(tr, te)[["persistence", "trend"]].round(6).values.tolist()
    [[30.0, 40.0]]
    """
    out = test.copy()
    out["persistence"] = np.nan
    out["trend"] = np.nan
    for name, part in train.groupby("series"):
        part = part.sort_values("year")
        rows = out["series"] == name
        out.loc[rows, "persistence"] = float(part["value"].iloc[-1])
        if len(part) >= 2:
            slope, intercept = np.polyfit(part["year"].astype(float), part["value"], 1)
            out.loc[rows, "trend"] = intercept + slope * out.loc[rows, "year"].astype(float)
    return out


@dataclasses.dataclass(frozen=True)
class Backtest:
    """A backtest's forecasts and scores.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        Per later figure: series, year, observed, model (the calibrated run), band_low /
        band_high (5th and 95th percentiles of the history-consistent futures),
        persistence, trend.
    scores : pandas.DataFrame
        Per series: figures, MAPE of model / persistence / trend, share inside the band.
    calibration : CalibrationResult
        The fit on the training years.
    match : HistoryMatch
        The history match on the training years.
    train_until : int
        Last training year (ending March).
    """

    forecasts: pd.DataFrame
    scores: pd.DataFrame
    calibration: CalibrationResult
    match: HistoryMatch
    train_until: int


def _mape(pred: pd.Series, obs: pd.Series) -> float:
    ok = pred.notna() & obs.notna() & (obs != 0)
    return float(np.mean(np.abs(pred[ok] - obs[ok]) / np.abs(obs[ok]))) if ok.any() else np.nan


def backtest(
    scenario: Scenario,
    observed: pd.DataFrame,
    parameters: Sequence[str],
    *,
    train_until: int = 2016,
    futures: int = 20_000,
    band_members: int = 500,
    seed: int = 0,
    series: Sequence[str] | None = None,
    evidence: Evidence | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Backtest:
    """Calibrate and history-match on the years to ``train_until``, score the later years.

    Parameters
    ----------
    scenario : Scenario
        The scenario (the history preset on a profile).
    observed : pandas.DataFrame
        Tidy figures over the whole period.
    parameters : sequence of str
        Parameters to calibrate.
    train_until : int
        Last training year (year ending March).
    futures : int
        Futures per history-matching wave.
    band_members : int
        History-consistent futures run for the forecast band.
    seed : int
        Seed.
    series : sequence of str, optional
        Series to use.
    evidence : Evidence, optional
        A published effect size used as a prior in the fit (as
        :func:`~slack_sim.analysis.calibration.calibrate`).
    progress : callable, optional
        ``progress(stage, fraction)``.

    Returns
    -------
    Backtest
    """
    say = progress or (lambda stage, frac: None)
    data = observed if series is None else observed[observed["series"].isin(series)]
    train = data[data["year"] <= train_until]
    test = data[data["year"] > train_until]
    if test.empty:
        raise ValueError(f"train_until: {train_until} leaves no later figures to forecast")
    say("calibrate", 0.0)
    fit = calibrate(scenario, train, parameters, seed=seed, profile_points=0,
                    evidence=evidence)
    say("history match", 0.4)
    match = history_match(fit.scenario, train, n=futures, seed=seed, waves=2)
    say("forecast", 0.8)
    model = load_model()
    plan = observation_plan(test, model=model)
    central = simulate_observations(fit.scenario, pd.DataFrame(index=[0]), plan)[0]
    kept = match.kept
    if len(kept) > band_members:
        kept = kept.sample(band_members, random_state=seed)
    if len(kept):
        members = simulate_observations(fit.scenario, kept.reset_index(drop=True), plan)
        low, high = np.percentile(members, [5, 95], axis=0)
    else:
        low = high = np.full(plan.n, np.nan)
    table = plan.table[["series", "year", "value"]].rename(columns={"value": "observed"})
    table = table.assign(model=central, band_low=low, band_high=high)
    naive = naive_forecasts(train, plan.table[["series", "year", "value"]])
    table["persistence"] = naive["persistence"].to_numpy()
    table["trend"] = naive["trend"].to_numpy()
    rows = []
    for name, part in table.groupby("series", sort=False):
        inside = (part["observed"] >= part["band_low"]) & (part["observed"] <= part["band_high"])
        rows.append({"series": name, "figures": len(part),
                     "mape_model": _mape(part["model"], part["observed"]),
                     "mape_persistence": _mape(part["persistence"], part["observed"]),
                     "mape_trend": _mape(part["trend"], part["observed"]),
                     "inside_band": float(inside.mean())})
    say("done", 1.0)
    return Backtest(forecasts=table.reset_index(drop=True),
                    scores=pd.DataFrame(rows).set_index("series"),
                    calibration=fit, match=match, train_until=train_until)
