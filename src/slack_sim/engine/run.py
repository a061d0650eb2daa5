"""Run scenarios: :func:`simulate` (one, every variable) and :func:`simulate_many` (N).

``simulate(scenario)`` returns a DataFrame indexed by time in decimal years (from the
model's origin, one row a month) with one column per model variable, named by its
Vensim name. Engines are registered in :data:`ENGINES`: ``"compiled"`` (the default,
the generated code of :mod:`slack_sim.engine.compiled`) and ``"pysd"`` (the reference
interpreter, :mod:`slack_sim.engine.pysd`). ``engine="numpy"``, the compiled engine's
old name, still works and warns (:class:`DeprecationWarning`).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import start_year, to_years
from ..model.parse import load_model
from ..model.variables import Model
from ..scenarios import DEFAULT_PROFILE, Scenario
from ..validation import Interval, validate
from .compiled import compile_model, resolve_backend
from .inputs import parameters, scenario_row
from .pysd import pysd_rhs, run_pysd

__all__ = [
    "ENGINES",
    "MAX_FINAL_TIME",
    "MIN_TIME_STEP",
    "START_YEAR",  # noqa: F822 (module __getattr__: read from the model when used)
    "pysd_rhs",
    "run_scenario",
    "simulate",
    "simulate_many",
    "to_years",
]

#: Longest run in months (100 years): a larger ``final_time`` is an error, not a
#: memory error.
MAX_FINAL_TIME = 1200.0
#: Shortest integration step in months (about 45 minutes); caps a run at 1.2 million
#: steps.
MIN_TIME_STEP = 0.001

#: Old engine names that still work, with a DeprecationWarning.
_DEPRECATED_ENGINES = {"numpy": "compiled"}


def _steps(model: Model, **values: float | None) -> None:
    """Check time_step, output_step and final_time (``None``: the model's value)."""
    months = "months"
    validate(values, {
        "time_step": Interval("real", MIN_TIME_STEP, MAX_FINAL_TIME, units=months,
                              optional=True),
        "output_step": Interval("real", 0, MAX_FINAL_TIME, closed="right", units=months,
                                optional=True),
        "final_time": Interval("real", model.initial_time, MAX_FINAL_TIME, closed="right",
                               units=months, optional=True),
    })


def run_scenario(
    scenario: Scenario,
    *,
    model: Model,
    time_step: float | None,
    output_step: float | None,
    final_time: float | None,
    backend: str = "auto",
) -> pd.DataFrame:
    """Run one scenario on the compiled engine: the ``"compiled"`` entry of ``ENGINES``.

    Returns
    -------
    pandas.DataFrame
        The same frame as the PySD engine: index ``year``, one column per variable.
    """
    compiled = compile_model(model)
    sched = compiled.schedule(time_step=time_step, output_step=output_step,
                              final_time=final_time)
    p = scenario_row(scenario, model=model, compiled=compiled)
    # (R, V) in C order: pandas keeps it as the frame's block, no copy
    block = compiled.run_one(p, sched=sched, backend=backend)
    return pd.DataFrame(block, index=sched.year_index, columns=compiled.columns, copy=False)


#: Registered engines: name -> function(scenario, *, model, time_step, output_step, final_time).
#: ``"compiled"`` is the generated code (numba when installed, else pure numpy; see
#: :mod:`slack_sim.engine.compiled`), ``"pysd"`` the reference interpreter.
ENGINES: dict[str, Callable[..., pd.DataFrame]] = {"compiled": run_scenario, "pysd": run_pysd}


def simulate(
    scenario: Scenario | None = None,
    *,
    engine: str = "compiled",
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
        ``"compiled"`` (the generated code, default) or ``"pysd"`` (the reference
        interpreter); see :data:`ENGINES`. ``"numpy"`` is a deprecated name of
        ``"compiled"``.
    time_step : float, optional
        Integration step in months (default: the model's TIME STEP), at least
        :data:`MIN_TIME_STEP`.
    output_step : float, optional
        Months between output rows (default: the model's SAVEPER, one month); a
        multiple of the time step.
    final_time : float, optional
        Last month to simulate (default: the model's FINAL TIME, 372 = end of 2040), at
        most :data:`MAX_FINAL_TIME` (1200 months).

    Returns
    -------
    pandas.DataFrame
        Indexed by time in decimal years (``year``), one column per model variable
        named by its Vensim name (simulation control variables excluded).

    Raises
    ------
    ValueError
        For an unknown engine, a step or final time that is not finite or out of range
        (:class:`~slack_sim.validation.ValidationError`), or inconsistent steps.
    """
    from ..scenarios import preset

    if engine in _DEPRECATED_ENGINES:
        new = _DEPRECATED_ENGINES[engine]
        warnings.warn(f"engine={engine!r} is deprecated; use engine={new!r}",
                      DeprecationWarning, stacklevel=2)
        engine = new
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    model = load_model()
    _steps(model, time_step=time_step, output_step=output_step, final_time=final_time)
    scenario = scenario if scenario is not None else preset()
    return ENGINES[engine](
        scenario,
        model=model,
        time_step=time_step,
        output_step=output_step,
        final_time=final_time,
    )


def _check_outputs(model: Model, outputs: list[str]) -> None:
    if not outputs:
        raise ValueError("outputs must be a non-empty list of variable names")
    missing = [o for o in outputs if o not in model.variables]
    if missing:
        hints = {o: difflib.get_close_matches(o, list(model.variables), n=1) for o in missing}
        detail = ", ".join(f"{o!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
                           for o, h in hints.items())
        raise ValueError(f"unknown output variable(s): {detail}")
    if len(set(outputs)) != len(outputs):
        raise ValueError("outputs lists a variable twice")


def simulate_many(
    scenarios: Sequence[Scenario] | pd.DataFrame,
    outputs: Sequence[str],
    *,
    profile: str = DEFAULT_PROFILE,
    time_step: float | None = None,
    output_step: float | None = None,
    final_time: float | None = None,
    backend: str = "auto",
) -> Any:
    """Run many scenarios in one pass and return the requested outputs as labelled arrays.

    Parameters
    ----------
    scenarios : sequence of Scenario or pandas.DataFrame
        Scenarios to run, or a table of parameter values with one row per scenario and
        one column per settable constant (Vensim names), applied on top of ``profile``.
    outputs : sequence of str
        Model variables to return. Only their time series are kept in memory.
    profile : str
        Calibration profile for a DataFrame of parameters (ignored for Scenario objects,
        which name their own profile).
    time_step, output_step, final_time : float, optional
        As for :func:`simulate` (default: the model's control values).
    backend : str
        ``"auto"`` (numba if installed, else numpy; ``SLACK_SIM_BACKEND`` overrides),
        ``"numba"`` or ``"numpy"``.

    Returns
    -------
    xarray.Dataset
        One data variable per requested output (named by its Vensim name, with its
        ``units`` as an attribute), each with dimensions ``("scenario", "year")``:
        scenario by time in decimal years. The ``scenario`` coordinate is the
        DataFrame's index, or 0..N-1 for a list of scenarios (their names are in the
        ``name`` coordinate).

    Raises
    ------
    ScenarioError
        For an unknown column or an out-of-range value.
    ValueError
        For an unknown output, backend, out-of-range or inconsistent steps.

    Examples
    --------
    >>> import slack_sim as ss
    >>> ds = ss.simulate_many([ss.preset(p) for p in ss.presets()], ["Crisis queue"])
    >>> ds["Crisis queue"].sel(year=2021.0).to_series()  # doctest: +SKIP
    """
    import xarray as xr

    if isinstance(outputs, str):
        raise ValueError("outputs must be a non-empty list of variable names")
    model = load_model()
    outputs = list(outputs)
    _check_outputs(model, outputs)
    _steps(model, time_step=time_step, output_step=output_step, final_time=final_time)
    compiled = compile_model(model)
    sched = compiled.schedule(time_step=time_step, output_step=output_step,
                              final_time=final_time)
    P, index, names = parameters(scenarios, model=model, compiled=compiled, profile=profile)
    out = compiled.run(P, outputs, sched=sched, backend=backend)
    data = {
        name: xr.Variable(("scenario", "year"), out[k], attrs={"units": model[name].units})
        for k, name in enumerate(outputs)
    }
    coords = {"scenario": index.to_numpy(), "year": sched.years,
              "name": ("scenario", np.array(names, dtype=object))}
    return xr.Dataset(data, coords=coords, attrs={
        "model_version": compiled.version,
        "time_step": sched.time_step,
        "output_step": sched.output_step,
        "backend": resolve_backend(backend),
    })


def __getattr__(name: str) -> Any:
    # START_YEAR comes from the model (its Origin tag), read when first asked for
    if name == "START_YEAR":
        return start_year()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
