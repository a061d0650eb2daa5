"""The reference interpreter: the model run by PySD (the ``"pysd"`` engine).

PySD's translation of ``slack.mdl`` is cached on disk by model version and PySD
version. Every run gets a freshly loaded PySD model, so one scenario never leaks into
the next (PySD's ``run(params=...)`` persists in the model object).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import to_years
from ..model.files import cache_dir
from ..model.parse import load_model
from ..model.variables import Model
from ..scenarios import Scenario

__all__ = ["fresh_pysd", "pysd_rhs", "run_pysd", "translated"]


def translated(model: Model) -> Path:
    """Return the PySD translation of the model, cached on disk by model and PySD version."""
    from importlib.metadata import version

    target = cache_dir() / f"pysd-{model.version}-{version('pysd')}" / "slack.py"
    if target.is_file():
        return target
    import pysd

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        mdl = Path(tmp) / "slack.mdl"
        shutil.copyfile(model.path, mdl)
        pysd.read_vensim(str(mdl))
        os.replace(Path(tmp) / "slack.py", target)
    return target


def fresh_pysd(model: Model) -> Any:
    """Return a freshly loaded PySD model (no state from an earlier run)."""
    import pysd

    return pysd.load(str(translated(model)))


def run_pysd(
    scenario: Scenario,
    *,
    model: Model,
    time_step: float | None,
    output_step: float | None,
    final_time: float | None,
) -> pd.DataFrame:
    """Run one scenario on PySD: the ``"pysd"`` entry of ``ENGINES``.

    Returns
    -------
    pandas.DataFrame
        Index ``year`` (decimal years), one column per model variable.

    Raises
    ------
    ValueError
        If the output step is not a multiple of the time step.
    """
    dt = float(time_step or model.time_step)
    step = float(output_step or model.saveper)
    end = float(final_time if final_time is not None else model.final_time)
    if abs(step / dt - round(step / dt)) > 1e-9:
        raise ValueError(f"output_step {step} must be a multiple of time_step {dt}")
    pmodel = fresh_pysd(model)
    n = int(round((end - model.initial_time) / step))
    stamps = model.initial_time + step * np.arange(n + 1)
    frame = pmodel.run(
        params=scenario.parameters(model=model),
        time_step=dt,
        saveper=step,
        final_time=end,
        return_timestamps=stamps,
    )
    names = [c for c in frame.columns if c in model.variables]
    out = frame[names].astype(float)
    out.index = pd.Index(to_years(frame.index.to_numpy(), start=model.start_year), name="year")
    return out


def pysd_rhs(
    scenario: Scenario,
) -> tuple[list[str], np.ndarray, Callable[[float, np.ndarray], np.ndarray], Any]:
    """Return the model's right-hand side from PySD, for an independent ODE solver.

    Used to cross-check Euler integration against :func:`scipy.integrate.solve_ivp`.

    Parameters
    ----------
    scenario : Scenario
        Scenario whose parameters are set.

    Returns
    -------
    names : list of str
        Stock names, in state-vector order.
    y0 : numpy.ndarray
        Initial stock values.
    rhs : callable
        ``rhs(t, y)`` returns d(stocks)/dt at month ``t``.
    pysd_model : pysd model
        The PySD model, whose auxiliaries reflect the last state passed to ``rhs``.
    """
    model = load_model()
    pm = fresh_pysd(model)
    pm.set_components(scenario.parameters(model=model))
    pm.initialize()
    elements = pm._dynamicstateful_elements
    py_to_name = {pm.namespace[n]: n for n in pm.namespace}
    names = []
    for el in elements:
        py = getattr(el, "py_name", "").removeprefix("_integ_")
        names.append(py_to_name.get(py, py))
    y0 = np.array([float(el.state) for el in elements])

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        pm.time.update(t)
        pm.state = np.asarray(y, dtype=float)
        pm.clean_caches()
        return np.array(pm.ddt(), dtype=float)

    return names, y0, rhs, pm
