"""Test helpers: each scenario, ensemble and tipping map is computed once per test session.

Every helper here caches on the settings that determine its result (profile and values,
never the scenario's name), so tests in different files that ask the same question share
one computation. Results are copies (frames) or must be treated as read-only (ensembles,
maps): a test that changes one would change it for the tests after it.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import slack_sim as ss
from slack_sim.analysis import tipping
from slack_sim.model.calendar import to_years

MODEL = ss.load_model()
_LOCK = threading.Lock()


def scenario_key(scenario: ss.Scenario) -> str:
    """What a run depends on: the profile and the values (not the name or description)."""
    return json.dumps({"profile": scenario.profile, "values": dict(scenario.values)},
                      sort_keys=True)


@functools.lru_cache(maxsize=512)
def _run_cached(key: str, engine: str, time_step: float | None,
                output_step: float | None) -> pd.DataFrame:
    data = json.loads(key)
    sc = ss.Scenario(profile=data["profile"], values=data["values"])
    # the compiled engine, proven equal to PySD within 1e-9 by tests/engine/test_engine.py
    return ss.simulate(sc, engine=engine, time_step=time_step, output_step=output_step)


def run(
    scenario: ss.Scenario | None = None,
    *,
    engine: str = "compiled",
    time_step: float | None = None,
    output_step: float | None = None,
    **values: float,
) -> pd.DataFrame:
    """Simulate (cached); keyword values are applied on top of the scenario.

    ``engine`` is as for :func:`slack_sim.simulate` (``"pysd"`` for the reference
    interpreter: a PySD run takes about a second, so share it too). Also usable as the
    ``runner`` of :func:`slack_sim.compare`, :func:`slack_sim.comparison` and
    :func:`slack_sim.summarize`.
    """
    scenario = scenario or ss.preset()
    if values:
        scenario = scenario.with_values({k.replace("_", " "): v for k, v in values.items()})
    return _run_cached(scenario_key(scenario), engine, time_step, output_step).copy()


_ENSEMBLES: dict[str, ss.Ensemble] = {}
_MAPS: dict[str, Any] = {}


def _shared(cache: dict[str, Any], key: str, compute: Callable[[], Any]) -> Any:
    with _LOCK:
        found = cache.get(key)
    if found is None:
        found = compute()
        with _LOCK:
            cache[key] = found
    return found


def ensemble(scenario: ss.Scenario, *, baseline: ss.Scenario | None = None,
             **kwargs: Any) -> ss.Ensemble:
    """:func:`slack_sim.ensemble`, computed once per session for the same arguments.

    The members do not depend on the baseline (it only adds ``net_present_saving``), but
    the cache key includes it: the ensemble returned is exactly what the call would give.
    Read-only: do not change its frames.
    """
    key = json.dumps({"scenario": scenario_key(scenario),
                      "baseline": None if baseline is None else scenario_key(baseline),
                      "kwargs": kwargs}, sort_keys=True, default=list)
    return _shared(_ENSEMBLES, key,
                   lambda: ss.ensemble(scenario, baseline=baseline, **kwargs))


def standard_map(name: str) -> Any:
    """:func:`slack_sim.analysis.tipping.standard_map` on the RB3 experiment, once per session.

    Read-only: do not change its frames.
    """
    return _shared(_MAPS, name, lambda: tipping.standard_map(name))


def generic_baseline(**values: float) -> ss.Scenario:
    sc = ss.preset("baseline", profile="generic")
    return sc.with_values(values) if values else sc


def month(frame: pd.DataFrame, m: float) -> pd.Series:
    """Row of a simulation at model month m (the nearest row if m is not an output time)."""
    year = float(to_years(m))
    if year in frame.index:
        return frame.loc[year]
    return frame.iloc[int(np.argmin(np.abs(frame.index.to_numpy() - year)))]
