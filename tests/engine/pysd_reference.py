"""PySD reference runs for the parity tests, stored once and checked for freshness.

A PySD run of the model takes about a second, and the parity tests need over a hundred
of them. Each run is stored in the cache folder (``$SLACK_SIM_CACHE/pysd-reference/``,
not in git: the references of the parity cases are about 20 MB) under a key made of
everything that decides its result: the model version, PySD's version, the source of
:mod:`slack_sim.engine.pysd` (how the engine drives PySD), the scenario's profile and
values, and the control values. A changed model or PySD therefore never reads an old
reference: it computes a new one. Each file also records the model and PySD version it
was computed with, and :func:`reference` fails if they do not match (a stale or
corrupted file is an error, never silently used).

``python -m pytest tests/engine`` computes missing references on first use (the first
run in a fresh cache takes the PySD time once); delete the folder to recompute them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

import slack_sim as ss
from slack_sim.engine import pysd as pysd_engine
from slack_sim.model import cache_dir

__all__ = ["reference", "reference_folder"]


def reference_folder() -> Path:
    """Return the folder of stored PySD references."""
    return cache_dir() / "pysd-reference"


@functools.cache
def _engine_source_hash() -> str:
    return hashlib.sha256(Path(pysd_engine.__file__).read_bytes()).hexdigest()[:12]


def _key(scenario: ss.Scenario, control: dict[str, float | None]) -> str:
    model = ss.load_model()
    spec = {
        "model": model.version,
        "pysd": version("pysd"),
        "engine": _engine_source_hash(),
        "profile": scenario.profile,
        # every value the run sets, the profile's included: a recalibrated or edited
        # profile gives a new reference, never a stale one
        "values": {k: float(v) for k, v in sorted(scenario.parameters().items())},
        "control": {k: v for k, v in sorted(control.items()) if v is not None},
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:24]


def reference(
    scenario: ss.Scenario,
    *,
    time_step: float | None = None,
    output_step: float | None = None,
    final_time: float | None = None,
) -> pd.DataFrame:
    """Return ``ss.simulate(scenario, engine="pysd", ...)``, from the store when fresh.

    Parameters
    ----------
    scenario : Scenario
        What to run.
    time_step, output_step, final_time : float, optional
        As for :func:`slack_sim.simulate`.

    Returns
    -------
    pandas.DataFrame
        The PySD run (a copy).

    Raises
    ------
    AssertionError
        If a stored file records another model or PySD version than its key says.
    """
    control = {"time_step": time_step, "output_step": output_step, "final_time": final_time}
    key = _key(scenario, control)
    if key not in _MEMO:  # once per session in memory, once per version on disk
        _MEMO[key] = _load_or_run(key, scenario, control)
    return _MEMO[key].copy()


_MEMO: dict[str, pd.DataFrame] = {}


def _load_or_run(key: str, scenario: ss.Scenario, control: dict[str, float | None]
                 ) -> pd.DataFrame:
    model = ss.load_model()
    path = reference_folder() / f"{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as data:
            stamp = (str(data["model_version"]), str(data["pysd_version"]))
            assert stamp == (model.version, version("pysd")), (
                f"{path}: stale PySD reference {stamp}; delete {reference_folder()}")
            return pd.DataFrame(data["values"], columns=list(data["columns"]),
                                index=pd.Index(data["index"], name="year"))
    frame = ss.simulate(scenario, engine="pysd", **control)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    with os.fdopen(fd, "wb") as fh:
        np.savez_compressed(
            fh, values=frame.to_numpy(dtype=float), index=frame.index.to_numpy(dtype=float),
            columns=np.array(frame.columns, dtype=str), model_version=model.version,
            pysd_version=version("pysd"))
    os.replace(tmp, path)
    return frame
