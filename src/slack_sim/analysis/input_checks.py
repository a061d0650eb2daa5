"""Garbage checks over the settable inputs: NaN, infinity or a negative stock.

Every settable constant of the model that declares a ``[min, max]`` (levers,
uncertainties, profile inputs and loop switches) can be drawn inside its range, and the
draws run through the compiled engine a chunk at a time (:func:`slack_sim.engine.run.
simulate_outcomes`: memory O(N), both cores). A run is garbage when any model variable is
not finite at any output time, or any stock is below 0 (no tolerance), except a stock
whose definition says it can be negative (Reserves: a deficit).

Used by ``tools/check_inputs.py`` (corners and uniform draws, counts printed) and by
``tests/model/test_in_range.py`` (a hypothesis property test and a batch of random draws).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..engine.run import simulate_outcomes
from ..model import SETTABLE_ROLES, load_model
from ..model.variables import Model
from ..scenarios import DEFAULT_PROFILE

__all__ = ["FLAGS", "draws", "flag_runs", "garbage_flags", "non_negative_stocks",
           "settable_ranges"]

#: the per-run flags :func:`garbage_flags` returns (besides ``stocks``)
FLAGS = ("nan", "inf", "negative_stock")


def settable_ranges(model: Model | None = None) -> pd.DataFrame:
    """Return the declared range of every settable constant.

    Parameters
    ----------
    model : Model, optional
        The parsed model (default: :func:`slack_sim.model.load_model`).

    Returns
    -------
    pandas.DataFrame
        Index: Vensim names; columns ``minimum``, ``maximum`` (the model's units) and
        ``role`` (lever, uncertainty, profile, switch).
    """
    model = model or load_model()
    rows = {v.name: {"minimum": float(v.minimum), "maximum": float(v.maximum), "role": v.role}
            for v in model.variables.values()
            if v.role in SETTABLE_ROLES and v.minimum is not None and v.maximum is not None}
    return pd.DataFrame.from_dict(rows, orient="index")


def non_negative_stocks(model: Model | None = None) -> list[str]:
    """Return the stocks that must never go below 0 (all but those documented otherwise)."""
    model = model or load_model()
    return [v.name for v in model.variables.values()
            if v.kind == "stock" and "can be negative" not in v.definition.lower()]


def draws(ranges: pd.DataFrame, *, corners: int = 0, uniform: int = 0, mixed: int = 0,
          seed: int | None = None) -> pd.DataFrame:
    """Return random settings of the ranges, one row per run.

    Parameters
    ----------
    ranges : pandas.DataFrame
        As returned by :func:`settable_ranges`.
    corners : int
        Rows with every input at either end of its range (each end with probability 1/2).
    uniform : int
        Rows with every input uniform over its range.
    mixed : int
        Rows with each input at its minimum, at its maximum or uniform between, each with
        probability 1/3 (corners and interior points in one setting, as the property
        test's strategy draws them).
    seed : int, optional
        Seed of the random generator (``None``: a fresh one).

    Returns
    -------
    pandas.DataFrame
        ``corners``, then ``uniform``, then ``mixed`` rows; one column per input.
    """
    rng = np.random.default_rng(seed)
    lo = ranges["minimum"].to_numpy(dtype=float)
    hi = ranges["maximum"].to_numpy(dtype=float)
    corner = np.where(rng.integers(0, 2, size=(corners, len(lo))) == 1, hi, lo)
    flat = lo + rng.random((uniform, len(lo))) * (hi - lo)
    pick = rng.integers(0, 3, size=(mixed, len(lo)))
    between = lo + rng.random((mixed, len(lo))) * (hi - lo)
    mix = np.where(pick == 0, lo, np.where(pick == 1, hi, between))
    return pd.DataFrame(np.vstack([corner, flat, mix]), columns=list(ranges.index))


def flag_runs(series: Mapping[str, np.ndarray], *,
              stocks: list[str]) -> dict[str, np.ndarray]:
    """Flag the runs of a batch: NaN, infinity anywhere, a stock below 0.

    Parameters
    ----------
    series : mapping of str to numpy.ndarray
        Every model variable's values, each an array of runs x output times.
    stocks : list of str
        The stocks that must never go below 0 (:func:`non_negative_stocks`).

    Returns
    -------
    dict of str to numpy.ndarray
        One value per run: booleans ``nan``, ``inf``, ``negative_stock`` and ``stocks``,
        the names of the stocks below 0 joined by ``"; "`` (empty when none is).
    """
    n = len(next(iter(series.values())))
    nan = np.zeros(n, dtype=bool)
    inf = np.zeros(n, dtype=bool)
    for a in series.values():
        # one pass: a sum over time is not finite when any term is NaN or infinite (or,
        # rarely, when finite terms overflow); the flagged rows are then checked exactly
        rows = np.flatnonzero(~np.isfinite(a.sum(axis=1)))
        if rows.size:
            nan[rows] |= np.isnan(a[rows]).any(axis=1)
            inf[rows] |= np.isinf(a[rows]).any(axis=1)
    negative = np.zeros((n, len(stocks)), dtype=bool)
    for k, name in enumerate(stocks):
        negative[:, k] = (np.nanmin(series[name], axis=1) < 0) if nan.any() else (
            series[name].min(axis=1) < 0)  # strictly: never below 0
    which = np.array(["; ".join(s for s, bad in zip(stocks, row, strict=True) if bad)
                      for row in negative], dtype=object)
    return {"nan": nan, "inf": inf, "negative_stock": negative.any(axis=1), "stocks": which}


def garbage_flags(settings: pd.DataFrame | Mapping[str, float], *,
                  profile: str = DEFAULT_PROFILE,
                  model: Model | None = None) -> pd.DataFrame:
    """Run each setting and flag NaN, infinity and negative stocks.

    Parameters
    ----------
    settings : pandas.DataFrame or mapping
        One row per run, one column per settable constant (Vensim names), applied on top
        of ``profile``; or one setting as a mapping.
    profile : str
        The profile the settings are applied to.
    model : Model, optional
        The parsed model (default: :func:`slack_sim.model.load_model`).

    Returns
    -------
    pandas.DataFrame
        One row per run (the settings' index): booleans ``nan``, ``inf`` (any variable, any
        output time), ``negative_stock`` (any value below 0 of a stock of
        :func:`non_negative_stocks`), and ``stocks``, the stocks that went negative joined
        by ``"; "`` (empty when none did).

    Examples
    --------
    >>> flags = garbage_flags({"Slack target": 0.3})  # doctest: +SKIP
    >>> bool(flags[list(FLAGS)].to_numpy().any())  # doctest: +SKIP
    False
    """
    model = model or load_model()
    frame = settings if isinstance(settings, pd.DataFrame) else pd.DataFrame([dict(settings)])
    every = list(model.variables)
    stocks = non_negative_stocks(model)

    def reduce(series: Mapping[str, np.ndarray], years: Any, **_: Any) -> dict[str, Any]:
        return flag_runs(series, stocks=stocks)

    # chunks of 64 runs: every variable's series of a chunk is about 80 MB (the fastest here)
    return simulate_outcomes(frame, every, reduce, profile=profile, chunk_size=64)
