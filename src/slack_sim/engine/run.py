"""Run scenarios: :func:`simulate`, :func:`simulate_many` and :func:`simulate_outcomes`.

:func:`simulate` runs one scenario (every variable), :func:`simulate_many` N (the chosen
outputs' time series), :func:`simulate_outcomes` N keeping outcomes only.

``simulate(scenario)`` returns a DataFrame indexed by time in decimal years (from the
model's origin, one row a month) with one column per model variable, named by its
Vensim name. Engines are registered in :data:`ENGINES`: ``"compiled"`` (the default,
the generated code of :mod:`slack_sim.engine.compiled`) and ``"pysd"`` (the reference
interpreter, :mod:`slack_sim.engine.pysd`). ``engine="numpy"``, the compiled engine's
old name, still works and warns (:class:`DeprecationWarning`).

Memory: a batch that keeps whole time series holds outputs x N x times values.
``simulate_many(..., at=[years])`` keeps only the chosen output times and
:func:`simulate_outcomes` only what a reduction returns per scenario (e.g. the headline
outcomes, :func:`slack_sim.metrics.headline.headline_outcomes`); both run the batch a
chunk of :data:`CHUNK_SIZE` scenarios at a time, one chunk per core, building each
chunk's parameter rows when it runs, so memory is O(N x outcomes), not
O(N x times x outputs).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import start_year, to_years
from ..model.parse import load_model
from ..model.variables import Model
from ..scenarios import DEFAULT_PROFILE, Scenario
from ..validation import Interval, validate
from .chunked import CHUNK_SIZE, Settings, run_chunks, scenario_names, select_times
from .compiled import compile_model, resolve_backend
from .inputs import ParameterSource, parameters, scenario_row
from .pysd import pysd_rhs, run_pysd
from .state import RunState, state_step

__all__ = [
    "ENGINES",
    "RunState",
    "MAX_FINAL_TIME",
    "MIN_TIME_STEP",
    "START_YEAR",  # noqa: F822 (module __getattr__: read from the model when used)
    "pysd_rhs",
    "CHUNK_SIZE",
    "run_scenario",
    "simulate",
    "simulate_many",
    "simulate_outcomes",
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
    backend: str = "auto",
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
    backend : str
        For the compiled engine: ``"auto"`` (numba if installed, else numpy;
        ``SLACK_SIM_BACKEND`` overrides), ``"numba"`` or ``"numpy"`` (for one scenario, the
        generated plain-Python kernel: about 0.2 s a run, but no numba to import and load,
        which a process that runs one scenario and exits saves more than that on).
        The same numbers either way (both equal PySD's to 1e-9).

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
    if time_step is not None or output_step is not None or final_time is not None:
        # None is the model's own value (valid): nothing to check on the common path
        _steps(model, time_step=time_step, output_step=output_step, final_time=final_time)
    scenario = scenario if scenario is not None else preset()
    extra = {"backend": backend} if engine == "compiled" else {}
    return ENGINES[engine](
        scenario,
        model=model,
        time_step=time_step,
        output_step=output_step,
        final_time=final_time,
        **extra,
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


def _prepare(
    outputs: Sequence[str],
    *,
    time_step: float | None,
    output_step: float | None,
    final_time: float | None,
) -> tuple[Model, list[str], Any, Any]:
    """Check a batch's outputs and control values; return the model, outputs, kernel, schedule."""
    if isinstance(outputs, str):
        raise ValueError("outputs must be a non-empty list of variable names")
    model = load_model()
    outputs = list(outputs)
    _check_outputs(model, outputs)
    _steps(model, time_step=time_step, output_step=output_step, final_time=final_time)
    compiled = compile_model(model)
    sched = compiled.schedule(time_step=time_step, output_step=output_step,
                              final_time=final_time)
    return model, outputs, compiled, sched


def simulate_many(
    scenarios: Sequence[Scenario] | pd.DataFrame,
    outputs: Sequence[str],
    *,
    profile: str = DEFAULT_PROFILE,
    time_step: float | None = None,
    output_step: float | None = None,
    final_time: float | None = None,
    backend: str = "auto",
    at: Sequence[float] | None = None,
    keep_state: float | None = None,
    from_state: RunState | None = None,
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
    at : sequence of float, optional
        Keep only these output times (decimal years, e.g. ``[2025.0, 2030.0]``): memory
        is then N x outputs x len(at), and the batch runs a chunk at a time (the
        parameter matrix is never built whole). The values are those of the full run.
    keep_state : float, optional
        Model time (months): keep every scenario's stocks at the start of the last
        integration step at or before it, as ``ds.attrs["state"]`` (a :class:`RunState`).
        Numba only; not with ``at``.
    from_state : RunState, optional
        Start every scenario from this state (one row per scenario, in order) at its
        step instead of from the initial time; output times before that step are
        ``nan``. A scenario whose constants differ from those of the run that kept the
        state only in what has no effect before the state's step goes on exactly, bit
        for bit, as its own run from the initial time (a shock's length, before its
        start: :func:`slack_sim.analysis.batch.no_shock_queue`). Numba only; not with
        ``at``.

    Returns
    -------
    xarray.Dataset
        One data variable per requested output (named by its Vensim name, with its
        ``units`` as an attribute), each with dimensions ``("scenario", "year")``:
        scenario by time in decimal years (every output time, or those of ``at``). The
        ``scenario`` coordinate is the DataFrame's index, or 0..N-1 for a list of
        scenarios (their names are in the ``name`` coordinate).

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

    model, outputs, compiled, sched = _prepare(outputs, time_step=time_step,
                                               output_step=output_step, final_time=final_time)
    kept = None
    if (keep_state is not None or from_state is not None) and (
            at is not None or resolve_backend(backend) != "numba"):
        raise ValueError("keep_state and from_state need the numba backend and no 'at'")
    if at is None and (keep_state is not None or from_state is not None):
        P, index, names = parameters(scenarios, model=model, compiled=compiled,
                                     profile=profile)
        keep = None if keep_state is None else state_step(sched, keep_state)
        if from_state is not None and tuple(from_state.stocks) != tuple(compiled.stocks):
            raise ValueError("from_state: its stocks are not this model's")
        out, values = compiled.run_state(
            P, outputs, sched=sched, keep=keep,
            begin=0 if from_state is None else from_state.step,
            state=None if from_state is None else from_state.values)
        if keep is not None:
            kept = RunState(step=keep, time=float(sched.times[keep]),
                            stocks=tuple(compiled.stocks), values=values,
                            before=int(np.count_nonzero(sched.record[:keep] >= 0)))
    elif at is None:
        P, index, names = parameters(scenarios, model=model, compiled=compiled,
                                     profile=profile)
        out = compiled.run(P, outputs, sched=sched, backend=backend)
    else:
        sched = select_times(sched, at)
        source = ParameterSource(scenarios, model=model, compiled=compiled, profile=profile)
        index, names = source.index, scenario_names(scenarios, source)
        out = np.empty((len(outputs), len(source), len(sched.stamps)))

        def keep(a: int, b: int, P: np.ndarray, chunk: np.ndarray) -> None:
            out[:, a:b, :] = chunk

        for _ in run_chunks(source, compiled, outputs, sched, backend, keep):
            pass
    data = {
        name: xr.Variable(("scenario", "year"), out[k], attrs={"units": model[name].units})
        for k, name in enumerate(outputs)
    }
    coords = {"scenario": index.to_numpy(), "year": sched.years,
              "name": ("scenario", np.array(names, dtype=object))}
    attrs = {
        "model_version": compiled.version,
        "time_step": sched.time_step,
        "output_step": sched.output_step,
        "backend": resolve_backend(backend),
    }
    if kept is not None:
        attrs["state"] = kept
    return xr.Dataset(data, coords=coords, attrs=attrs)


def simulate_outcomes(
    scenarios: Sequence[Scenario] | pd.DataFrame,
    outputs: Sequence[str],
    reduce: Callable[..., Mapping[str, Any]],
    *,
    profile: str = DEFAULT_PROFILE,
    time_step: float | None = None,
    output_step: float | None = None,
    final_time: float | None = None,
    backend: str = "auto",
    at: Sequence[float] | None = None,
    chunk_size: int = CHUNK_SIZE,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run many scenarios and keep only outcomes: ``reduce`` applied chunk by chunk.

    The batch runs :data:`CHUNK_SIZE` scenarios at a time (one chunk per core); each
    chunk's time series of ``outputs`` are passed to ``reduce`` and dropped, so memory
    is O(N x outcomes): a million scenarios fit in well under 1 GB.

    Parameters
    ----------
    scenarios : sequence of Scenario or pandas.DataFrame
        As for :func:`simulate_many`.
    outputs : sequence of str
        The model variables ``reduce`` needs.
    reduce : callable
        ``reduce(series, years, *, settings)`` -> mapping of outcome name to one value
        per scenario of the chunk. ``series`` maps each output to a chunk x times array,
        ``years`` are the output times, ``settings`` maps each constant (Vensim name) to
        the chunk's values. :func:`slack_sim.metrics.headline.headline_outcomes` is such
        a function (with ``outputs=HEADLINE_OUTPUTS``).
    profile, time_step, output_step, final_time, backend
        As for :func:`simulate_many`.
    at : sequence of float, optional
        Pass only these output times to ``reduce``.
    chunk_size : int
        Scenarios per chunk (rounded up to a multiple of the kernel's 8 lanes).
    threads : int, optional
        Chunks run at once (default: one per core; ``SLACK_SIM_THREADS`` overrides).

    Returns
    -------
    pandas.DataFrame
        One row per scenario (the DataFrame's index, or 0..N-1), one column per outcome,
        in the order ``reduce`` returns them.

    Raises
    ------
    ValueError
        For an unknown output, out-of-range steps, or a reduction that does not return
        one value per scenario.

    Examples
    --------
    >>> from slack_sim.metrics.headline import HEADLINE_OUTPUTS, headline_outcomes
    >>> table = simulate_outcomes(draws, HEADLINE_OUTPUTS, headline_outcomes)  # doctest: +SKIP
    """
    model, outputs, compiled, sched = _prepare(outputs, time_step=time_step,
                                               output_step=output_step, final_time=final_time)
    if at is not None:
        sched = select_times(sched, at)
    source = ParameterSource(scenarios, model=model, compiled=compiled, profile=profile)
    years = np.array(sched.years)

    def reduced(a: int, b: int, P: np.ndarray, out: np.ndarray) -> dict[str, np.ndarray]:
        series = {name: out[k] for k, name in enumerate(outputs)}
        result = reduce(series, years, settings=Settings(P, compiled.parameter_index))
        chunk = {}
        for name, value in result.items():
            value = np.asarray(value)
            if value.shape != (b - a,):
                raise ValueError(f"reduce returned {name!r} with shape {value.shape}; "
                                 f"expected one value per scenario, ({b - a},)")
            chunk[name] = value
        return chunk

    parts = list(run_chunks(source, compiled, outputs, sched, backend, reduced,
                             chunk_size=chunk_size, threads=threads))
    columns = list(parts[0]) if parts else []
    data = {c: np.concatenate([p[c] for p in parts]) for c in columns}
    return pd.DataFrame(data, index=source.index)


def __getattr__(name: str) -> Any:
    # START_YEAR comes from the model (its Origin tag), read when first asked for
    if name == "START_YEAR":
        return start_year()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
