"""Test helpers: cached simulations so each scenario runs once per test session."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

import slack_sim as ss

MODEL = ss.load_model()


@functools.lru_cache(maxsize=256)
def _run_cached(key: str, time_step: float | None, output_step: float | None) -> pd.DataFrame:
    data = json.loads(key)
    sc = ss.Scenario(profile=data["profile"], values=data["values"])
    # the compiled engine, proven equal to PySD within 1e-9 by tests/test_engine.py
    return ss.simulate(sc, time_step=time_step, output_step=output_step)


def run(
    scenario: ss.Scenario | None = None,
    *,
    time_step: float | None = None,
    output_step: float | None = None,
    **values: float,
) -> pd.DataFrame:
    """Simulate (cached); keyword values are applied on top of the scenario."""
    scenario = scenario or ss.preset()
    if values:
        scenario = scenario.with_values({k.replace("_", " "): v for k, v in values.items()})
    key = json.dumps({"profile": scenario.profile, "values": dict(scenario.values)},
                     sort_keys=True)
    return _run_cached(key, time_step, output_step).copy()


def generic_baseline(**values: float) -> ss.Scenario:
    sc = ss.preset("baseline", profile="generic")
    return sc.with_values(values) if values else sc


def month(frame: pd.DataFrame, m: float) -> pd.Series:
    """Row of a simulation at model month m."""
    return frame.loc[2010.0 + m / 12.0] if (2010.0 + m / 12.0) in frame.index else frame.iloc[
        int(np.argmin(np.abs(frame.index.to_numpy() - (2010.0 + m / 12.0))))
    ]
