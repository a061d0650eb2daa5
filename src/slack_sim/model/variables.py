"""The parsed model as plain dataclasses: :class:`Variable`, :class:`Loop`, :class:`Model`.

:func:`slack_sim.model.parse.load_model` builds them from ``models/slack.mdl``; nothing
here reads a file. :meth:`Model.doc` lists every variable, as PySD's ``model.doc`` does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "CONTROL_VARIABLES",
    "SETTABLE_ROLES",
    "Loop",
    "Model",
    "ModelFormatError",
    "Variable",
]

#: Vensim's simulation control variables; they are not model variables.
CONTROL_VARIABLES = ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")

#: Roles of constants that a scenario may set.
SETTABLE_ROLES = ("lever", "uncertainty", "profile", "switch")

def _fmt(x: float) -> str:
    return f"{x:g}"


class ModelFormatError(ValueError):
    """The model file breaks one of the project's conventions."""


@dataclasses.dataclass(frozen=True)
class Variable:
    """One model variable, as documented in ``slack.mdl``.

    Attributes
    ----------
    name : str
        Vensim name, e.g. ``"Crisis queue"``.
    kind : str
        ``"stock"``, ``"flow"``, ``"auxiliary"``, ``"constant"``, ``"lookup"``
        (an inline ``WITH LOOKUP``) or ``"initial"`` (an ``INITIAL`` value).
    role : str or None
        For constants: ``"lever"``, ``"uncertainty"``, ``"profile"``, ``"switch"`` or
        ``"constant"``; ``None`` for computed variables.
    equation : str
        Right-hand side as written in the model file.
    units : str
        Vensim units.
    minimum, maximum, step : float or None
        Declared range (``None`` where the model leaves it open with ``?``).
    definition : str
        Plain-language definition (the comment without its Kind/Group/Source tags).
    source : str
        Where the default value comes from (constants only).
    group : str
        Slider group for levers and uncertainties (e.g. ``"Shock 1"``).
    sector : str
        The model sector (Vensim group / view) the variable belongs to.
    depends_on : tuple of str
        Variables its equation references, in first-use order.
    default : float or None
        Default value of a constant.
    plausible_minimum, plausible_maximum : float or None
        For uncertainties: the range of values believed plausible (the ``Plausible:
        [lo, hi]`` tag of the comment), narrower than the declared range, which also
        admits extreme-condition tests. Monte Carlo ensembles and sensitivity analysis
        sample it. ``None`` where the comment has no such tag.
    plausible_note : str
        Why that range (the text after the brackets, e.g. a source or "judgement").
    references : tuple of str
        ``depends_on`` with ``"Time"`` where the equation first uses it (the order the
        sketch writer draws arrows in).
    """

    name: str
    kind: str
    role: str | None
    equation: str
    units: str
    minimum: float | None
    maximum: float | None
    step: float | None
    definition: str
    source: str
    group: str
    sector: str
    depends_on: tuple[str, ...]
    default: float | None = None
    plausible_minimum: float | None = None
    plausible_maximum: float | None = None
    plausible_note: str = ""
    references: tuple[str, ...] = ()

    @property
    def plausible_text(self) -> str:
        """Return the plausible range as text, e.g. ``"[12, 36] Month"``, or ``""``."""
        if self.plausible_minimum is None or self.plausible_maximum is None:
            return ""
        return f"[{_fmt(self.plausible_minimum)}, {_fmt(self.plausible_maximum)}] {self.units}"

    @property
    def range_text(self) -> str:
        """Return the declared range as text, e.g. ``"[0, 1] Dmnl"``."""
        lo = "?" if self.minimum is None else _fmt(self.minimum)
        hi = "?" if self.maximum is None else _fmt(self.maximum)
        return f"[{lo}, {hi}] {self.units}"


@dataclasses.dataclass(frozen=True)
class Loop:
    """A named feedback loop, e.g. ``R1`` "firefighting trap".

    Attributes
    ----------
    id : str
        ``R`` (reinforcing) or ``B`` (balancing) and a number.
    name : str
        Short name.
    description : str
        The causal chain as described in the model comments.
    variables : tuple of str
        Variables whose comments mention the loop.
    """

    id: str
    name: str
    description: str
    variables: tuple[str, ...]

    @property
    def polarity(self) -> str:
        """Return ``"reinforcing"`` or ``"balancing"``."""
        return "reinforcing" if self.id.startswith("R") else "balancing"


@dataclasses.dataclass(frozen=True)
class Model:
    """The parsed model: variables, stocks and their flows, loops, graph and version.

    Use :func:`~slack_sim.model.parse.load_model` rather than constructing it.

    Attributes
    ----------
    path : pathlib.Path
        The model file.
    version : str
        Hash of its equations (:func:`~slack_sim.model.parse.model_version`).
    variables : dict of str to Variable
        Every model variable (control variables excluded), in model-file order.
    stock_flows : dict
        Each stock's flows as ``(flow, +1 or -1)`` pairs.
    loops : dict of str to Loop
        The named feedback loops.
    sectors : tuple of str
        The model's sectors (Vensim groups), in file order.
    time_step, initial_time, final_time, saveper : float
        The control values, in months.
    origin : str
        The calendar month of model time 0, ``"YYYY-MM"`` (the ``Origin:`` tag of the
        INITIAL TIME comment).
    elements : tuple
        PySD's abstract syntax of every equation
        (:class:`pysd.translators.structures.abstract_model.AbstractElement`, control
        variables included), for the engine's code generator and the sketch writer, so
        that nothing parses the file a second time.
    """

    path: Path
    version: str
    variables: dict[str, Variable]
    stock_flows: dict[str, tuple[tuple[str, int], ...]]
    loops: dict[str, Loop]
    sectors: tuple[str, ...]
    time_step: float
    initial_time: float
    final_time: float
    saveper: float
    origin: str
    elements: tuple[Any, ...] = dataclasses.field(default=(), compare=False, repr=False)

    @property
    def start_year(self) -> float:
        """Decimal year of model time 0 (``"2016-07"`` is ``2016.5``)."""
        year, month = self.origin.split("-")
        return int(year) + (int(month) - 1) / 12

    # -- selections -------------------------------------------------------------------
    def names(self, *, role: str | None = None, kind: str | None = None) -> list[str]:
        """Return variable names, optionally filtered by role and kind.

        Parameters
        ----------
        role : str, optional
            Keep only constants with this role (``"lever"``, ``"uncertainty"``, ...).
        kind : str, optional
            Keep only variables of this kind (``"stock"``, ``"flow"``, ...).

        Returns
        -------
        list of str
            Names in model-file order.
        """
        return [
            v.name
            for v in self.variables.values()
            if (role is None or v.role == role) and (kind is None or v.kind == kind)
        ]

    @property
    def stocks(self) -> list[str]:
        """Names of the stocks (levels)."""
        return self.names(kind="stock")

    @property
    def levers(self) -> list[str]:
        """Names of the levers: what a council decides."""
        return self.names(role="lever")

    @property
    def uncertainties(self) -> list[str]:
        """Names of the uncertainties: austerity, shocks and effect sizes."""
        return self.names(role="uncertainty")

    @property
    def settable(self) -> list[str]:
        """Names of every constant a scenario may set (levers, uncertainties, profile, switches)."""
        return [v.name for v in self.variables.values() if v.role in SETTABLE_ROLES]

    def defaults(self) -> dict[str, float]:
        """Return the default value of every settable constant."""
        return {n: float(self.variables[n].default) for n in self.settable}  # type: ignore[arg-type]

    def edges(self) -> list[tuple[str, str]]:
        """Return the dependency graph as ``(cause, effect)`` pairs."""
        return [(d, v.name) for v in self.variables.values() for d in v.depends_on]

    def doc(self) -> pd.DataFrame:
        """Return one row per variable with its units, range, definition and source.

        Like PySD's ``model.doc``, one row per model variable (control variables
        excluded), in model-file order.

        Returns
        -------
        pandas.DataFrame
            Columns: name, sector, kind, role, group, units, min, max, step, default,
            plausible_min, plausible_max (uncertainties), equation, definition, source.
        """
        rows = [
            {
                "name": v.name,
                "sector": v.sector,
                "kind": v.kind,
                "role": v.role or "",
                "group": v.group,
                "units": v.units,
                "min": v.minimum,
                "max": v.maximum,
                "step": v.step,
                "default": v.default,
                "plausible_min": v.plausible_minimum,
                "plausible_max": v.plausible_maximum,
                "equation": v.equation,
                "definition": v.definition,
                "source": v.source,
            }
            for v in self.variables.values()
        ]
        return pd.DataFrame(rows)

    def __contains__(self, name: object) -> bool:
        return name in self.variables

    def __getitem__(self, name: str) -> Variable:
        return self.variables[name]


