"""Inputs: scenarios (or a table of parameter values) -> the compiled engine's matrix.

A row of the parameter matrix is one scenario: the model's defaults, overlaid with the
scenario's profile, overlaid with its own values. A table's columns are checked against
the model's declared ranges with :mod:`slack_sim.validation` (one message format:
``row 3: Austerity depth: 7 is outside the allowed range [0, 0.6] Dmnl``).
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..model.files import models_dir
from ..model.variables import Model
from ..scenarios import Scenario, ScenarioError, profile_values
from ..validation import Interval, ValidationError

if TYPE_CHECKING:
    from .compiled import CompiledModel

__all__ = ["ParameterSource", "parameters", "profile_base", "profile_row", "range_of",
           "scenario_row"]

_PROFILE_BASES: dict[tuple[object, ...], dict[str, float]] = {}
_PROFILE_ROWS: dict[tuple[object, ...], np.ndarray] = {}


def profile_base(model: Model, profile: str) -> dict[str, float]:
    """Return the model defaults overlaid with a profile's values (what a Scenario starts from).

    Cached by model version and the profile file's modification time.

    Parameters
    ----------
    model : Model
        The parsed model.
    profile : str
        Calibration profile name.

    Returns
    -------
    dict
        Value of every settable constant.
    """
    key = _profile_key(model, profile)
    if key not in _PROFILE_BASES:
        base = model.defaults()
        base.update(profile_values(profile, model=model))
        _PROFILE_BASES[key] = base
    return dict(_PROFILE_BASES[key])


def _profile_key(model: Model, profile: str) -> tuple[object, ...]:
    # a profile's values come from its TOML or its row of councils.csv, plus its row of
    # calibration.csv: an edit to any of them is a new key (one stat a file, on paths
    # worked out once per models folder: this runs on every simulate())
    stamps = []
    for path in _profile_files(os.environ.get("SLACK_SIM_MODELS"), profile):
        try:
            st = os.stat(path)
        except OSError:
            stamps.append("-")
            continue
        stamps.append(str(st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else "-")
    return (model.version, profile, *stamps)


@functools.lru_cache(maxsize=256)
def _profile_files(models_env: str | None, profile: str) -> tuple[str, str, str]:
    # keyed on SLACK_SIM_MODELS, which models_dir() reads
    del models_env
    folder = models_dir() / "profiles"
    return (str(folder / f"{profile}.toml"), str(folder / "councils.csv"),
            str(folder / "calibration.csv"))


def profile_row(model: Model, compiled: CompiledModel, profile: str) -> np.ndarray:
    """Return :func:`profile_base` as a row of the parameter matrix (read-only, cached).

    Parameters
    ----------
    model : Model
        The parsed model.
    compiled : CompiledModel
        The compiled engine (its parameter order).
    profile : str
        Calibration profile name.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(compiled.parameters),)``; copy it before changing it.
    """
    key = (*_profile_key(model, profile), id(compiled))
    row = _PROFILE_ROWS.get(key)
    if row is None:
        row = compiled.parameter_matrix([profile_base(model, profile)])[0]
        row.setflags(write=False)
        _PROFILE_ROWS[key] = row
    return row


def scenario_row(scenario: Scenario, *, model: Model, compiled: CompiledModel) -> np.ndarray:
    """Return one scenario's row of the parameter matrix: its profile and its values."""
    row = profile_row(model, compiled, scenario.profile).copy()
    index = compiled.parameter_index
    for name, value in scenario.values.items():
        row[index[name]] = value
    return row


def range_of(model: Model, name: str) -> Interval:
    """Return the declared range of a constant as a validation :class:`Interval`."""
    var = model.variables[name]
    return Interval("real", var.minimum, var.maximum, units=var.units)


def _check_table(table: pd.DataFrame, model: Model, values: np.ndarray) -> None:
    settable = set(model.settable)
    bad = [c for c in table.columns if c not in settable]
    if bad:
        raise ScenarioError(f"unknown column(s) {bad}: columns must be levers, "
                            "uncertainties, profile inputs or loop switches of the model")
    for j, name in enumerate(table.columns):
        col, allowed = values[:, j], range_of(model, str(name))
        lo = -np.inf if allowed.low is None else allowed.low
        hi = np.inf if allowed.high is None else allowed.high
        bad_rows = np.flatnonzero(~np.isfinite(col) | (col < lo) | (col > hi))
        if bad_rows.size:  # the first bad value, reported in the one message format
            row = table.index[bad_rows[0]]
            try:
                allowed.check(float(col[bad_rows[0]]), f"row {row!r}: {name}")
            except ValidationError as exc:
                raise ScenarioError(str(exc)) from None


def parameters(
    scenarios: Sequence[Scenario] | pd.DataFrame,
    *,
    model: Model,
    compiled: CompiledModel,
    profile: str,
) -> tuple[np.ndarray, pd.Index, list[str]]:
    """Return the parameter matrix, the scenario index and the scenario names.

    Parameters
    ----------
    scenarios : sequence of Scenario or pandas.DataFrame
        Scenarios, or a table with one row per scenario and one column per settable
        constant (applied on top of ``profile``).
    model : Model
        The parsed model.
    compiled : CompiledModel
        The compiled engine (its parameter order).
    profile : str
        Profile for a table (Scenario objects name their own).

    Returns
    -------
    P : numpy.ndarray
        Shape ``(N, len(compiled.parameters))``.
    index : pandas.Index
        The table's index, or ``0..N-1`` named ``scenario``.
    names : list of str
        Scenario names.

    Raises
    ------
    ScenarioError
        For an unknown column or a value outside its declared range.
    TypeError
        For a sequence holding something other than Scenario objects.
    """
    if isinstance(scenarios, pd.DataFrame):
        values = scenarios.to_numpy(dtype=float, copy=False)
        _check_table(scenarios, model, values)
        P = compiled.parameter_matrix([profile_base(model, profile)])
        P = np.repeat(P, len(scenarios), axis=0)
        cols = [compiled.parameters.index(str(c)) for c in scenarios.columns]
        P[:, cols] = values
        return P, scenarios.index.copy(), [str(i) for i in scenarios.index]
    scenarios = list(scenarios)
    bases: dict[str, np.ndarray] = {}
    P = np.empty((len(scenarios), len(compiled.parameters)))
    index_of = {name: j for j, name in enumerate(compiled.parameters)}
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, Scenario):
            raise TypeError(f"expected Scenario objects or a DataFrame, got {type(sc).__name__}")
        if sc.profile not in bases:
            bases[sc.profile] = profile_row(model, compiled, sc.profile)
        P[i] = bases[sc.profile]
        for name, value in sc.values.items():
            P[i, index_of[name]] = value
    index = pd.RangeIndex(len(scenarios), name="scenario")
    return P, index, [sc.name for sc in scenarios]


class ParameterSource:
    """Rows of the parameter matrix built a chunk at a time (never all N at once).

    A batch of a million scenarios has a million rows of every constant (about 1 GB):
    runs that keep only outcomes build each chunk's rows when they run it. The table's
    values are checked against the model's ranges once, up front, as :func:`parameters`
    does.

    Parameters
    ----------
    scenarios : sequence of Scenario or pandas.DataFrame
        As for :func:`parameters`.
    model, compiled, profile
        As for :func:`parameters`.

    Attributes
    ----------
    index : pandas.Index
        The scenario index (the table's, or ``0..N-1`` named ``scenario``).
    """

    def __init__(self, scenarios: Sequence[Scenario] | pd.DataFrame, *, model: Model,
                 compiled: CompiledModel, profile: str) -> None:
        self._model, self._compiled = model, compiled
        if isinstance(scenarios, pd.DataFrame):
            self._values = scenarios.to_numpy(dtype=float, copy=False)
            _check_table(scenarios, model, self._values)
            self._base = profile_row(model, compiled, profile)
            self._cols = np.array([compiled.parameter_index[str(c)] for c in scenarios.columns],
                                  dtype=np.intp)
            self._scenarios: list[Scenario] | None = None
            self.index = scenarios.index.copy()
        else:
            self._scenarios = list(scenarios)
            for sc in self._scenarios:
                if not isinstance(sc, Scenario):
                    raise TypeError("expected Scenario objects or a DataFrame, got "
                                    f"{type(sc).__name__}")
            self.index = pd.RangeIndex(len(self._scenarios), name="scenario")

    def __len__(self) -> int:
        return len(self.index)

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Return rows ``start..stop-1`` of the parameter matrix."""
        if self._scenarios is None:
            P = np.repeat(self._base[None, :], stop - start, axis=0)
            P[:, self._cols] = self._values[start:stop]
            return P
        return np.stack([scenario_row(sc, model=self._model, compiled=self._compiled)
                         for sc in self._scenarios[start:stop]])
