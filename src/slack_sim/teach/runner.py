"""Running the storyline: check its steps against the model, run a step, chart its result.

:func:`validate` checks every step against the model, the presets and the profiles;
:func:`run_step` runs a step's scenarios (through :func:`slack_sim.simulate` or any runner
with the same signature, e.g. the app's cached one) and computes its answer with the
step's rule; :func:`chart_series` returns what the step's chart draws.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from ..engine.run import simulate
from ..metrics.core import cumulative_discounted
from ..model.parse import Model, load_model
from ..scenarios import Scenario, ScenarioError, presets, profiles
from .outcome_rules import spending_saving
from .rules import StorylineError, Verdict
from .steps import STORYLINE, Step

__all__ = ["StepResult", "chart_series", "run_step", "validate"]

Runner = Callable[[Scenario], pd.DataFrame]
#: Colours a run can take (the Okabe-Ito palette's eight).
_PALETTE = 8


def validate(steps: Sequence[Step] = STORYLINE, *, model: Model | None = None) -> None:
    """Check every step against the model, the presets and the profiles.

    Checks: unique step keys; unique run keys; every run a valid scenario (known preset,
    profile and variable names, values in range); every charted and rule variable a model
    variable; rules and charts name runs of their step; the candidate answers are exactly
    the rule's answers; each run of a step its own colour, and the same scenario the same
    colour in every step; every loop a named loop of the model and named in the explanation.

    Parameters
    ----------
    steps : sequence of Step
        The storyline (default :data:`STORYLINE`).
    model : Model, optional
        The parsed model (default :func:`slack_sim.load_model`).

    Raises
    ------
    StorylineError
        Listing every problem found.
    """
    model = model or load_model()
    problems: list[str] = []
    colours: dict[tuple, tuple[int, str]] = {}
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        problems.append(f"step keys repeat: {keys}")
    known_presets, known_profiles = set(presets()), set(profiles())
    for item in steps:
        where = f"step {item.key!r}"
        run_keys = [r.key for r in item.runs]
        if len(set(run_keys)) != len(run_keys):
            problems.append(f"{where}: run keys repeat: {run_keys}")
        if len({run.colour for run in item.runs}) != len(item.runs):
            problems.append(f"{where}: two runs share a colour")
        for run in item.runs:
            if not 0 <= run.colour < _PALETTE:
                problems.append(f"{where}, run {run.key!r}: colour {run.colour} is outside the "
                                f"allowed range [0, {_PALETTE - 1}]")
            same = (run.preset, run.profile, tuple(sorted(run.values.items())))
            seen = colours.setdefault(same, (run.colour, item.key))
            if seen[0] != run.colour:
                problems.append(f"{where}, run {run.key!r}: colour {run.colour}, but the same "
                                f"scenario has colour {seen[0]} in step {seen[1]!r}")
            if run.preset not in known_presets:
                problems.append(f"{where}, run {run.key!r}: unknown preset {run.preset!r}")
                continue
            if run.profile not in known_profiles:
                problems.append(f"{where}, run {run.key!r}: unknown profile {run.profile!r}")
                continue
            try:
                run.scenario()
            except ScenarioError as exc:
                problems.append(f"{where}, run {run.key!r}: {exc}")
        chart = item.chart
        named = [*item.rule.runs, *chart.policies, *([chart.reference] if chart.reference else [])]
        for key in named:
            if key not in run_keys:
                problems.append(f"{where}: names run {key!r}, not one of {run_keys}")
        variables = [*item.rule.variables, *chart.variables,
                     *(["Total spending"] if chart.kind == "cumulative-saving" else [])]
        for name in variables:
            if name not in model.variables:
                problems.append(f"{where}: {name!r} is not a model variable")
        if chart.kind == "level" and not chart.variables:
            problems.append(f"{where}: a level chart needs at least one variable")
        if chart.kind == "cumulative-saving" and not (chart.policies and chart.reference):
            problems.append(f"{where}: a cumulative-saving chart needs policies and a reference")
        drawn = len(chart.variables) if chart.kind == "level" else 1
        if not 0 <= chart.present < drawn:
            problems.append(f"{where}: presenter chart {chart.present} is not one of the "
                            f"{drawn} charts drawn (0 to {drawn - 1})")
        if set(item.answers) != set(item.rule.keys):
            problems.append(f"{where}: candidate answers {sorted(item.answers)} are not the "
                            f"rule's answers {sorted(item.rule.keys)}")
        if set(item.notes) - set(item.answers):
            problems.append(f"{where}: notes for unknown answers "
                            f"{sorted(set(item.notes) - set(item.answers))}")
        if not item.loops:
            problems.append(f"{where}: the explanation names no feedback loop")
        for loop in item.loops:
            if loop not in model.loops:
                problems.append(f"{where}: {loop!r} is not a named loop of the model "
                                f"({', '.join(model.loops)})")
            elif loop not in item.explanation:
                problems.append(f"{where}: loop {loop} is not named in the explanation")
        claim = item.in_charge
        if claim is not None:
            if claim.variable not in model.variables:
                problems.append(f"{where}: in charge of {claim.variable!r}, not a model variable")
            if (claim.kind == "loop") != (claim.loop is not None):
                problems.append(f"{where}: a {claim.kind!r} claim "
                                + ("names no loop" if claim.kind == "loop" else
                                   f"names loop {claim.loop!r}"))
            elif claim.loop is not None and claim.loop not in item.loops:
                problems.append(f"{where}: the loop in charge, {claim.loop}, is not one of "
                                f"the step's loops {list(item.loops)}")
            if claim.kind != "loop" and claim.cause not in model.variables:
                problems.append(f"{where}: {claim.kind} cause {claim.cause!r} is not a model "
                                "variable")
    if problems:
        raise StorylineError("; ".join(problems))


# -- running a step -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StepResult:
    """The runs of a step and the answer computed from them.

    Attributes
    ----------
    step : Step
        The step run.
    frames : dict of str to pandas.DataFrame
        Model output by run key.
    settings : dict of str to dict
        Every setting of each run by run key.
    verdict : Verdict
        The computed answer.
    """

    step: Step
    frames: dict[str, pd.DataFrame]
    settings: dict[str, dict[str, float]]
    verdict: Verdict


def run_step(
    item: Step,
    *,
    runner: Runner | None = None,
    overrides: Mapping[str, float] | None = None,
    model: Model | None = None,
) -> StepResult:
    """Run a step's scenarios and compute its answer.

    Parameters
    ----------
    item : Step
        The step.
    runner : callable, optional
        ``runner(scenario) -> DataFrame`` (default :func:`slack_sim.simulate`); the app
        passes its cached runner.
    overrides : mapping of str to float, optional
        Settings applied on top of every run (to ask "what if the model input were
        different?").
    model : Model, optional
        The parsed model.

    Returns
    -------
    StepResult
    """
    model = model or load_model()
    runner = runner or simulate
    frames: dict[str, pd.DataFrame] = {}
    settings: dict[str, dict[str, float]] = {}
    for run in item.runs:
        scenario = run.scenario(overrides)
        frames[run.key] = runner(scenario)
        settings[run.key] = scenario.settings(model=model)
    labels = {run.key: run.label for run in item.runs}
    return StepResult(item, frames, settings, item.rule.decide(frames, settings, labels))


def chart_series(result: StepResult) -> list[tuple[str, dict[str, pd.Series]]]:
    """Return what a step's chart draws: ``(title, {legend label: series})`` per chart.

    For a ``"level"`` chart, one entry per variable (titled by it) with each run's series;
    for a ``"cumulative-saving"`` chart, one entry with, for each policy, the cumulative
    discounted saving against the reference (:func:`slack_sim.metrics.cumulative_discounted`
    of reference minus policy total spending; GBP, present value).
    """
    item, chart = result.step, result.step.chart
    labels = {run.key: chart.labels.get(run.key, run.label) for run in item.runs}
    if chart.kind == "cumulative-saving":
        assert chart.reference is not None
        series = {
            labels[key]: cumulative_discounted(
                spending_saving(result.frames, key, chart.reference, "Total spending"))
            for key in chart.policies
        }
        return [(chart.title, series)]
    return [(name, {labels[run.key]: result.frames[run.key][name] for run in item.runs})
            for name in chart.variables]


