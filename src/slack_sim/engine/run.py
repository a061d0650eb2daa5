"""Run a scenario: the *run* stage.

``simulate(scenario)`` returns a DataFrame indexed by time in decimal years (2010.0,
2010.0833, ...) with one column per model variable, named by its Vensim name. Engines
are registered in :data:`ENGINES`: ``"numpy"`` (the default) is the compiled engine of
:mod:`slack_sim.engine`; ``"pysd"`` is the reference interpreter. Every PySD run gets
a freshly loaded PySD model, so one scenario never leaks into the next (PySD's
``run(params=...)`` persists in the model object).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import START_YEAR, to_years
from ..model.files import cache_dir
from ..model.parse import CONTROL_VARIABLES, Model, load_model
from ..scenarios import Scenario

__all__ = ["ENGINES", "START_YEAR", "pysd_rhs", "simulate", "to_years"]

def _translated(model: Model) -> Path:
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


def _fresh_pysd(model: Model) -> Any:
    import pysd

    return pysd.load(str(_translated(model)))


def _run_pysd(
    scenario: Scenario,
    *,
    model: Model,
    time_step: float | None,
    output_step: float | None,
    final_time: float | None,
) -> pd.DataFrame:
    pmodel = _fresh_pysd(model)
    dt = float(time_step or model.time_step)
    step = float(output_step or model.saveper)
    end = float(final_time if final_time is not None else model.final_time)
    n = int(round((end - model.initial_time) / step))
    stamps = model.initial_time + step * np.arange(n + 1)
    with warnings.catch_warnings():
        # PySD warns when an output step is not a multiple of the time step; we check it.
        if abs(step / dt - round(step / dt)) > 1e-9:
            raise ValueError(f"output_step {step} must be a multiple of time_step {dt}")
        frame = pmodel.run(
            params=scenario.parameters(model=model),
            time_step=dt,
            saveper=step,
            final_time=end,
            return_timestamps=stamps,
        )
    names = [c for c in frame.columns if c in model.variables]
    out = frame[names].astype(float)
    out.index = pd.Index(to_years(frame.index.to_numpy()), name="year")
    return out


def _run_compiled(
    scenario: Scenario,
    *,
    model: Model,
    time_step: float | None,
    output_step: float | None,
    final_time: float | None,
) -> pd.DataFrame:
    from ..engine.compiled import run_scenario

    return run_scenario(scenario, model=model, time_step=time_step, output_step=output_step,
                        final_time=final_time)


#: Registered engines: name -> function(scenario, *, model, time_step, output_step, final_time).
#: ``"numpy"`` is the compiled engine (numba when installed, else pure numpy; see
#: :mod:`slack_sim.engine`), ``"pysd"`` the reference interpreter.
ENGINES: dict[str, Callable[..., pd.DataFrame]] = {"numpy": _run_compiled, "pysd": _run_pysd}


def simulate(
    scenario: Scenario | None = None,
    *,
    engine: str = "numpy",
    time_step: float | None = None,
    output_step: float | None = None,
    final_time: float | None = None,
) -> pd.DataFrame:
    """Run a scenario and return every model variable over time.

    Parameters
    ----------
    scenario : Scenario, optional
        What to run (default: the ``austerity-then-covid`` preset).
    engine : str
        ``"numpy"`` (the compiled engine, default) or ``"pysd"`` (the reference
        interpreter); see :data:`ENGINES`.
    time_step : float, optional
        Integration step in months (default: the model's TIME STEP).
    output_step : float, optional
        Months between output rows (default: the model's SAVEPER, one month).
    final_time : float, optional
        Last month to simulate (default: the model's FINAL TIME, 372 = end of 2040).

    Returns
    -------
    pandas.DataFrame
        Indexed by time in decimal years (``year``), one column per model variable
        named by its Vensim name (simulation control variables excluded).

    Raises
    ------
    ValueError
        For an unknown engine or inconsistent steps.
    """
    from ..scenarios import preset

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    model = load_model()
    scenario = scenario if scenario is not None else preset()
    for label, value in (("time_step", time_step), ("output_step", output_step)):
        if value is not None and not value > 0:
            raise ValueError(f"{label} must be positive, got {value!r}")
    return ENGINES[engine](
        scenario,
        model=model,
        time_step=time_step,
        output_step=output_step,
        final_time=final_time,
    )


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
    pm = _fresh_pysd(model)
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


_ = CONTROL_VARIABLES  # control variables never appear in the output (not model variables)
