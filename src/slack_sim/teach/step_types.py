"""The types of the storyline's steps: a run, a chart, what is in charge, a step.

:class:`Run`, :class:`Chart`, :class:`InCharge` and :class:`Step`; the content,
:data:`slack_sim.teach.steps.STORYLINE`, is data of these. Nothing here runs the model;
:mod:`slack_sim.teach.runner` does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

from ..scenarios import DEFAULT_PROFILE, Scenario, preset
from .rules import Rule

__all__ = ["Chart", "InCharge", "Run", "Step"]


@dataclasses.dataclass(frozen=True)
class Run:
    """One scenario a step runs.

    Attributes
    ----------
    key : str
        Identifier within the step (rules name runs by it).
    label : str
        Legend label.
    preset : str
        Preset name (``models/presets.toml``).
    values : mapping of str to float
        Lever, uncertainty, profile or switch settings on top of the preset, by model name.
    profile : str
        Calibration profile.
    colour : int
        Its line's colour, an index into the app's Okabe-Ito palette, the same for the
        same scenario in every step and by role: 0 (blue) the reference (no shock, no
        cut, the history), 1 (vermillion) the stressed or worse run, 2 (bluish green) the
        better policy, 3 (reddish purple) a second policy, 4 (orange) a milder stress.
    """

    key: str
    label: str
    preset: str
    values: Mapping[str, float] = dataclasses.field(default_factory=dict)
    profile: str = DEFAULT_PROFILE
    colour: int = 0

    def scenario(self, overrides: Mapping[str, float] | None = None) -> Scenario:
        """Return the run's scenario, with optional extra settings applied last.

        Raises
        ------
        slack_sim.ScenarioError
            For an unknown preset, profile or variable, or an out-of-range value.
        """
        base = preset(self.preset, profile=self.profile)
        values = {**dict(self.values), **dict(overrides or {})}
        return base.with_values(values, name=self.label) if values else base

    def settings_text(self) -> str:
        """Return the run's settings in words: preset, profile and changed values."""
        extra = ", ".join(f"{k} = {v:g}" for k, v in self.values.items())
        text = f"preset `{self.preset}`, profile `{self.profile}`"
        return text + (f", with {extra}" if extra else "")


@dataclasses.dataclass(frozen=True)
class Chart:
    """What a step draws once run.

    Attributes
    ----------
    variables : tuple of str
        Model variables, one chart each, every run a line (``kind="level"``).
    kind : {"level", "cumulative-saving"}
        ``"cumulative-saving"``: one chart of the cumulative discounted saving of each
        run in ``policies`` against ``reference`` (reference minus policy spending).
    policies : tuple of str
        For ``"cumulative-saving"``: the runs drawn.
    reference : str or None
        For ``"cumulative-saving"``: the run they are measured against.
    title : str
        Title of a ``"cumulative-saving"`` chart.
    labels : mapping of str to str
        Legend labels by run key, replacing the runs' labels in this chart.
    window : tuple of float or None
        Years shown (start, end); ``None`` for the whole horizon.
    present : int
        The chart presenter mode shows (it has room for one): an index into
        ``variables``; the one that settles the answer the room is likeliest to get wrong.
    """

    variables: tuple[str, ...] = ()
    kind: Literal["level", "cumulative-saving"] = "level"
    policies: tuple[str, ...] = ()
    reference: str | None = None
    title: str = ""
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    window: tuple[float, float] | None = None
    present: int = 0


@dataclasses.dataclass(frozen=True)
class InCharge:
    """What moves a step's chart over the years its answer is about, as the step states it.

    A claim checked by Loops that Matter (:mod:`slack_sim.analysis.loops`) in
    ``tests/teach/test_step_loops.py``, in one of three kinds:

    ``"loop"``
        The named loop :attr:`loop` dominates :attr:`variable` (the chart's variable)
        in the step's last run over :attr:`years`.
    ``"push"``
        No loop: an input, :attr:`cause`, pushes :attr:`variable`. Its link carries the
        change in the month it switches on, and knocking out the loops leaves the step's
        answer and its size.
    ``"accounting"``
        No loop runs through the money: the chart adds up or multiplies other quantities,
        and :attr:`cause` (a stock, or the lever's own spending line) carries most of
        the change between the step's runs.

    Attributes
    ----------
    kind : {"loop", "push", "accounting"}
        The kind of claim.
    variable : str
        The chart's model variable the claim is about.
    years : tuple of int
        The calendar years it is about (first and last, inclusive).
    loop : str or None
        The named loop in charge (``kind="loop"``), else ``None``.
    cause : str
        The input (``"push"``) or the quantity (``"accounting"``) that moves it.
    text : str
        The claim in words, for the screen.
    """

    kind: Literal["loop", "push", "accounting"]
    variable: str
    years: tuple[int, int]
    text: str
    loop: str | None = None
    cause: str = ""


@dataclasses.dataclass(frozen=True)
class Step:
    """One predict-then-run step of the storyline.

    Attributes
    ----------
    key : str
        Stable identifier.
    title : str
        Short title for the screen.
    question : str
        The one-idea question participants predict.
    runs : tuple of Run
        The scenarios run.
    chart : Chart
        The output drawn.
    answers : mapping of str to str
        Candidate answers: key -> text; the keys are those of the rule.
    rule : Rule
        How the right answer is computed from the runs.
    loops : tuple of str
        Ids of the model's named feedback loops the explanation rests on (e.g. ``"R1"``).
    explanation : str
        What the result shows, in terms of the loops.
    notes : mapping of str to str
        Extra sentence shown after the explanation for a given computed answer.
    notebook : str
        The notebook that goes deeper.
    in_charge : InCharge or None
        What moves the chart (a named loop, an input or accounting), checked by Loops
        that Matter.
    """

    key: str
    title: str
    question: str
    runs: tuple[Run, ...]
    chart: Chart
    answers: Mapping[str, str]
    rule: Rule
    loops: tuple[str, ...]
    explanation: str
    notes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    notebook: str = ""
    in_charge: InCharge | None = None

    def run(self, key: str) -> Run:
        """Return the run with a given key."""
        for run in self.runs:
            if run.key == key:
                return run
        raise KeyError(key)
