"""The teaching storyline: predict-then-run steps for workshops, as data.

The app's Teach page (:mod:`slack_sim.ui.teach`) walks a room through :data:`STORYLINE`,
following the numbered notebooks: the crisis queue as a bathtub; austerity and the
firefighting trap; Covid, hidden need and the tipping point; partnership capital; invest
to save. Each :class:`Step` names

- a one-idea question and the candidate answers a participant picks from;
- the scenarios it runs (:class:`Run`: a preset, a profile and lever or uncertainty
  settings by their model names, checked against the model by :func:`validate`);
- the output charted (:class:`Chart`);
- a :class:`Rule` that computes the right answer *from the model runs* (for example
  "in which period does the crisis queue peak", "does the cumulative discounted saving
  turn positive, and in which year");
- a short explanation tied to named feedback loops of the model (``Model.loops``).

Nothing here imports streamlit or defines model logic: runs go through
:func:`slack_sim.simulate` (or any runner with the same signature) and outcomes through
:mod:`slack_sim.metrics`. :func:`session_markdown` writes the session log a facilitator
downloads for the workshop write-up.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..analysis.tipping import RB3_SHOCK
from ..engine.run import simulate
from ..metrics.core import (
    break_even_year,
    cumulative_discounted,
    cumulative_harm,
    npv,
    peak,
    shock_response,
    shocks_in,
)
from ..model.parse import Model, load_model
from ..scenarios import DEFAULT_PROFILE, Scenario, ScenarioError, preset, presets, profiles

__all__ = [
    "CLEAN_SHOCK",
    "STORYLINE",
    "BothOrEither",
    "Chart",
    "CrossoverYear",
    "CutDepth",
    "Direction",
    "FadeTime",
    "LogEntry",
    "PeakTiming",
    "RecoveryAndCost",
    "Rule",
    "Run",
    "Step",
    "StepResult",
    "StorylineError",
    "Verdict",
    "chart_series",
    "log_entry",
    "month_text",
    "run_step",
    "session_markdown",
    "step",
    "validate",
]

Runner = Callable[[Scenario], pd.DataFrame]
Frames = Mapping[str, pd.DataFrame]
Settings = Mapping[str, Mapping[str, float]]
Labels = Mapping[str, str]

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_ORIGIN = 2010.0


class StorylineError(ValueError):
    """A step of the storyline names something the model or the presets do not have."""


# -- formatting -------------------------------------------------------------------------------


def month_text(year: float) -> str:
    """Return a decimal year on the monthly grid as text: ``2021.75`` -> ``"October 2021"``."""
    months = int(round((float(year) - _ORIGIN) * 12.0))
    return f"{_MONTH_NAMES[months % 12]} {int(_ORIGIN) + months // 12}"


def _model_month_text(month: float) -> str:
    return month_text(_ORIGIN + float(month) / 12.0)


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value) / 1e6:,.1f}m"


def _share(value: float) -> str:
    return f"{value:.0%}"


def _shock(settings: Mapping[str, float], number: int) -> tuple[float, float]:
    """Return ``(start month, length in months)`` of shock ``number`` in a run's settings."""
    for n, start, length in shocks_in(settings):
        if n == number:
            return start, length
    raise StorylineError(f"the run has no shock {number} (its length is 0)")


def _shock_text(settings: Mapping[str, float], number: int) -> str:
    start, length = _shock(settings, number)
    return f"{_model_month_text(start)} to {_model_month_text(start + length - 1)}"


def _name(labels: Labels | None, key: str) -> str:
    return (labels or {}).get(key, key)


def _at(series: pd.Series, year: float) -> float:
    """Return the value of a series at the row nearest a decimal year."""
    index = np.asarray(series.index, dtype=float)
    return float(series.iloc[int(np.argmin(np.abs(index - year)))])


# -- verdicts and rules ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The answer a rule computed from the model runs.

    Attributes
    ----------
    answer : str
        Key of the right answer (one of the step's :attr:`Step.answers`).
    detail : str
        One or two sentences with the numbers behind it.
    numbers : mapping of str to float or None
        The numbers the answer was decided on (for the log and the tests).
    """

    answer: str
    detail: str
    numbers: Mapping[str, float | None] = dataclasses.field(default_factory=dict)


class Rule:
    """How a step's right answer is computed from its runs (base class).

    Subclasses are frozen dataclasses naming runs by their :attr:`Run.key`. They define
    :attr:`keys` (every answer the rule can give), :meth:`decide` and :meth:`describe`.
    """

    @property
    def keys(self) -> tuple[str, ...]:
        """Return every answer key the rule can give."""
        raise NotImplementedError

    @property
    def runs(self) -> tuple[str, ...]:
        """Return the keys of the runs the rule reads."""
        raise NotImplementedError

    @property
    def variables(self) -> tuple[str, ...]:
        """Return the model variables the rule reads."""
        raise NotImplementedError

    def decide(self, frames: Frames, settings: Settings,
               labels: Labels | None = None) -> Verdict:
        """Return the verdict computed from the runs.

        Parameters
        ----------
        frames : mapping of str to pandas.DataFrame
            Model output (:func:`slack_sim.simulate`) by run key.
        settings : mapping of str to mapping
            Every setting of each run (:meth:`slack_sim.Scenario.settings`) by run key.
        labels : mapping of str to str, optional
            Names of the runs in the detail text, by run key (default: the keys).

        Returns
        -------
        Verdict
        """
        raise NotImplementedError

    def describe(self) -> str:
        """Return how the answer is computed, in one sentence."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class PeakTiming(Rule):
    """When a variable peaks against a shock: ``"before"``, ``"during"`` or ``"after"`` it.

    Parameters
    ----------
    run : str
        The run to read.
    variable : str
        Model variable whose peak is timed (first month of its largest value).
    shock : int
        Shock number whose start and end (from the run's settings) the peak is placed in.
    noun : str
        What the variable counts, for the detail text (e.g. "people waiting").
    """

    run: str
    variable: str
    shock: int = 1
    noun: str = ""

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("before", "during", "after")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run,)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return (self.variable,)

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        value, year = peak(frames[self.run][self.variable])
        start, length = _shock(settings[self.run], self.shock)
        first, end = _ORIGIN + start / 12.0, _ORIGIN + (start + length) / 12.0
        eps = 1e-6
        answer = "before" if year < first - eps else "during" if year < end - eps else "after"
        noun = f" {self.noun}" if self.noun else ""
        detail = (f"The {self.variable.lower()} peaks in {month_text(year)} at "
                  f"{value:,.0f}{noun}; the shock ran from "
                  f"{_shock_text(settings[self.run], self.shock)}.")
        return Verdict(answer, detail, {"peak": value, "peak_year": year,
                                        "shock_start_year": first, "shock_end_year": end})

    def describe(self) -> str:  # noqa: D102
        return (f"the month the {self.variable.lower()} is highest in '{self.run}', placed "
                f"before, during or after shock {self.shock} (from the run's settings)")


@dataclasses.dataclass(frozen=True)
class CutDepth(Rule):
    """Whether a variable falls by ``"more"``, ``"about"`` or ``"less"`` than a funding cut.

    At the month the cut (a fraction, e.g. ``Funding cut fraction``) is deepest in ``run``,
    the fall of ``variable`` against ``reference`` at the same month is compared with the
    cut; within ``tolerance`` (a fraction of funding) counts as "about".
    """

    run: str
    reference: str
    variable: str
    cut: str = "Funding cut fraction"
    tolerance: float = 0.03

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("more", "about", "less")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run, self.reference)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return (self.variable, self.cut)

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        frame, base = frames[self.run], frames[self.reference]
        cut, year = peak(frame[self.cut])
        fall = 1.0 - _at(frame[self.variable], year) / _at(base[self.variable], year)
        answer = ("more" if fall > cut + self.tolerance
                  else "less" if fall < cut - self.tolerance else "about")
        detail = (f"When the funding cut is deepest ({month_text(year)}, {_share(cut)}), "
                  f"{self.variable.lower()} is {_share(fall)} below the "
                  f"'{_name(labels, self.reference)}' run.")
        return Verdict(answer, detail, {"cut": cut, "fall": fall, "year": year})

    def describe(self) -> str:  # noqa: D102
        return (f"at the month the {self.cut.lower()} is largest in '{self.run}', the fall of "
                f"{self.variable.lower()} against '{self.reference}' compared with that cut "
                f"(within {self.tolerance:.0%} counts as about the same)")


def _saving(frames: Frames, policy: str, reference: str, variable: str) -> pd.Series:
    """Return reference spending minus policy spending, without the closing row."""
    return (frames[reference][variable] - frames[policy][variable]).iloc[:-1]


@dataclasses.dataclass(frozen=True)
class CrossoverYear(Rule):
    """In which period the cumulative discounted saving of ``policy`` turns positive for good.

    The saving is ``reference`` spending minus ``policy`` spending, discounted on the Green
    Book schedule (:func:`slack_sim.metrics.break_even_year`). ``bins`` are
    ``(answer key, first year not in the bin)`` in increasing order; ``never`` is the key
    when it does not turn positive within the horizon.
    """

    policy: str
    reference: str
    bins: tuple[tuple[str, float], ...]
    never: str = "never"
    variable: str = "Total spending"

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return (self.never, *(key for key, _ in self.bins))

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.policy, self.reference)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return (self.variable,)

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        saving = _saving(frames, self.policy, self.reference, self.variable)
        year = break_even_year(saving)
        running = cumulative_discounted(saving)
        low = float(running.min())
        if year is None:
            answer = self.never
            detail = ("The running total on the chart does not cross zero for good by the end "
                      f"of 2040, where it stands at {_money(float(running.iloc[-1]))}.")
        else:
            answer = next((key for key, upto in self.bins if year < upto), self.bins[-1][0])
            detail = (f"The running total on the chart crosses zero for good in "
                      f"{month_text(year)}; its lowest point was {_money(low)}, in "
                      f"{month_text(float(running.idxmin()))}.")
        return Verdict(answer, detail, {"year": year, "lowest": low,
                                        "final": float(running.iloc[-1])})

    def describe(self) -> str:  # noqa: D102
        return (f"the year the cumulative discounted {self.variable.lower()} of "
                f"'{self.reference}' minus '{self.policy}' turns positive for good "
                "(Green Book discounting; slack_sim.break_even_year)")


def _recovery(frame: pd.DataFrame, settings: Mapping[str, float], shock: int) -> dict[str, Any]:
    start, length = _shock(settings, shock)
    return shock_response(frame["Crisis queue"], start=start, length=length)


def _recovery_text(label: str, response: Mapping[str, Any]) -> str:
    months = response["recovery_months"]
    if response["recovered"]:
        return (f"{label}: the queue peaks at {response['peak_level']:,.0f} and is back within "
                f"5% of its pre-shock level {months:.0f} months after the shock ends")
    return (f"{label}: the queue peaks at {response['peak_level']:,.0f} and never comes back "
            "within 5% of its pre-shock level")


@dataclasses.dataclass(frozen=True)
class BothOrEither(Rule):
    """Which of two runs passes a test: ``"both"``, ``"first"``, ``"second"`` or ``"neither"``.

    Tests: ``"recovers"`` (the crisis queue comes back within 5% of its pre-shock level
    after shock ``shock`` and stays there: :func:`slack_sim.metrics.shock_response`) and
    ``"breaks-even"`` (the cumulative discounted saving against ``reference`` turns
    positive for good by the end of the horizon: :func:`slack_sim.break_even_year`).
    """

    first: str
    second: str
    test: Literal["recovers", "breaks-even"]
    reference: str | None = None
    shock: int = 1

    def __post_init__(self) -> None:
        if self.test not in ("recovers", "breaks-even"):
            raise StorylineError(f"unknown test {self.test!r}: 'recovers' or 'breaks-even'")
        if self.test == "breaks-even" and self.reference is None:
            raise StorylineError("the 'breaks-even' test needs a reference run")

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("both", "first", "second", "neither")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.first, self.second) + ((self.reference,) if self.reference else ())

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        if self.test == "recovers":
            return ("Crisis queue",)
        return ("Total spending", "Crisis queue", "Emerging need", "Hidden need")

    def _passes(self, key: str, frames: Frames, settings: Settings,
                labels: Labels | None) -> tuple[bool, str, dict]:
        if self.test == "recovers":
            response = _recovery(frames[key], settings[key], self.shock)
            return (bool(response["recovered"]), _recovery_text(_name(labels, key), response),
                    {f"{key}_recovery_months": response["recovery_months"],
                     f"{key}_peak": response["peak_level"]})
        assert self.reference is not None
        saving = _saving(frames, key, self.reference, "Total spending")
        year = break_even_year(saving)
        total = npv(saving)
        harm = {k: cumulative_harm(f["Crisis queue"].iloc[:-1],
                                   (f["Emerging need"] + f["Hidden need"]).iloc[:-1])
                for k, f in ((key, frames[key]), ("ref", frames[self.reference]))}
        fewer = harm["ref"] - harm[key]
        when = f"breaks even in {month_text(year)}" if year is not None else \
            "does not break even by 2040"
        text = (f"{_name(labels, key)}: {when} (net present saving {_money(total)}); harm "
                f"{abs(fewer):,.0f} person-months {'lower' if fewer >= 0 else 'higher'}")
        return (year is not None, text, {f"{key}_break_even_year": year,
                                         f"{key}_net_present_saving": total,
                                         f"{key}_harm_change": -fewer})

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        a, text_a, num_a = self._passes(self.first, frames, settings, labels)
        b, text_b, num_b = self._passes(self.second, frames, settings, labels)
        answer = "both" if a and b else "first" if a else "second" if b else "neither"
        return Verdict(answer, f"{text_a}. {text_b}.", {**num_a, **num_b})

    def describe(self) -> str:  # noqa: D102
        if self.test == "recovers":
            return (f"whether the crisis queue in '{self.first}' and in '{self.second}' comes "
                    f"back within 5% of its level before shock {self.shock} and stays there "
                    "(slack_sim.shock_response)")
        return (f"whether the cumulative discounted saving of '{self.first}' and of "
                f"'{self.second}' against '{self.reference}' turns positive for good by 2040 "
                "(slack_sim.break_even_year)")


@dataclasses.dataclass(frozen=True)
class Direction(Rule):
    """Whether a variable ``"rise"``-s, ``"fall"``-s or stays the ``"same"`` during a shock.

    The relative difference ``run / reference - 1`` over the months shock ``shock`` is in
    force (or only its first ``first_months``, e.g. the first lockdown): "fall" when its
    lowest value is below ``-tolerance`` and larger in size than its highest, "rise" when
    its highest is above ``tolerance``, otherwise "same".
    """

    run: str
    reference: str
    variable: str
    shock: int = 1
    tolerance: float = 0.02
    first_months: float | None = None

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("rise", "fall", "same")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run, self.reference)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return (self.variable,)

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        start, length = _shock(settings[self.run], self.shock)
        rel = frames[self.run][self.variable] / frames[self.reference][self.variable] - 1.0
        first, end = _ORIGIN + start / 12.0, _ORIGIN + (start + length) / 12.0
        last = end if self.first_months is None else min(end, first + self.first_months / 12.0)
        times = np.asarray(rel.index, dtype=float)
        during = rel[(times >= first - 1e-6) & (times < last - 1e-6)]
        after = rel[times >= end - 1e-6]
        low, high = float(during.min()), float(during.max())
        if low < -self.tolerance and -low >= high:
            answer = "fall"
        elif high > self.tolerance:
            answer = "rise"
        else:
            answer = "same"
        name, ref = self.variable.lower(), _name(labels, self.reference)
        when = f"While the shock is on ({_shock_text(settings[self.run], self.shock)}), {name}"
        if self.first_months is not None:
            when = (f"In the first {self.first_months:g} months of the shock (from "
                    f"{month_text(first)}), {name}")
        if answer == "fall":
            detail = (f"{when} are up to {_share(-low)} below the '{ref}' run "
                      f"({month_text(float(during.idxmin()))}).")
        elif answer == "rise":
            detail = (f"{when} are up to {_share(high)} above the '{ref}' run "
                      f"({month_text(float(during.idxmax()))}).")
        else:
            detail = f"{when} stay within {self.tolerance:.0%} of the '{ref}' run."
        if len(after) and float(after.max()) > self.tolerance:
            detail += (f" Afterwards they run up to {_share(float(after.max()))} above it "
                       f"({month_text(float(after.idxmax()))}).")
        return Verdict(answer, detail, {"lowest": low, "highest": high,
                                        "highest_after": float(after.max()) if len(after)
                                        else None})

    def describe(self) -> str:  # noqa: D102
        span = (f"while shock {self.shock} is in force" if self.first_months is None
                else f"in the first {self.first_months:g} months of shock {self.shock}")
        return (f"the largest relative difference of {self.variable.lower()} between "
                f"'{self.run}' and '{self.reference}' {span} "
                f"(a difference under {self.tolerance:.0%} counts as the same)")


@dataclasses.dataclass(frozen=True)
class RecoveryAndCost(Rule):
    """Whether ``run`` recovers from a shock, and costs less or more than ``against``.

    Answers: ``"no-recovery"`` (the crisis queue of ``run`` does not come back within 5% of
    its pre-shock level: :func:`slack_sim.metrics.shock_response`), else
    ``"recovers-cheaper"`` or ``"recovers-dearer"`` by comparing the NPV of total spending
    over the horizon (:func:`slack_sim.npv`).
    """

    run: str
    against: str
    shock: int = 1

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("recovers-cheaper", "recovers-dearer", "no-recovery")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run, self.against)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return ("Crisis queue", "Total spending")

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        mine = _recovery(frames[self.run], settings[self.run], self.shock)
        other = _recovery(frames[self.against], settings[self.against], self.shock)
        cost = {k: npv(frames[k]["Total spending"].iloc[:-1]) for k in (self.run, self.against)}
        cheaper = cost[self.run] < cost[self.against]
        if not mine["recovered"]:
            answer = "no-recovery"
        else:
            answer = "recovers-cheaper" if cheaper else "recovers-dearer"
        detail = (f"{_recovery_text(_name(labels, self.run), mine)}. "
                  f"{_recovery_text(_name(labels, self.against), other)}. "
                  f"NPV of spending 2010-2040: {_money(cost[self.run])} against "
                  f"{_money(cost[self.against])} per 100,000 residents.")
        return Verdict(answer, detail, {"recovery_months": mine["recovery_months"],
                                        "npv": cost[self.run],
                                        "npv_against": cost[self.against]})

    def describe(self) -> str:  # noqa: D102
        return (f"whether the crisis queue in '{self.run}' comes back within 5% of its "
                f"level before shock {self.shock} (slack_sim.shock_response), and whether "
                f"its NPV of total spending is below that of '{self.against}'")


@dataclasses.dataclass(frozen=True)
class FadeTime(Rule):
    """How long after a shock ends a variable is back down to its pre-shock level.

    The pre-shock level is the value in the shock's first month; the fade time is from the
    shock's end to the first month after the variable's peak in which it is at or below
    that level. ``bins`` are ``(answer key, most months)`` in increasing order; ``lasts`` is
    the key when it takes longer than the last bin (or never happens).
    """

    run: str
    variable: str
    bins: tuple[tuple[str, float], ...]
    lasts: str = "lasts"
    shock: int = 1

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return (*(key for key, _ in self.bins), self.lasts)

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run,)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return (self.variable,)

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        series = frames[self.run][self.variable]
        start, length = _shock(settings[self.run], self.shock)
        first, end = _ORIGIN + start / 12.0, _ORIGIN + (start + length) / 12.0
        level = _at(series, first)
        times = np.asarray(series.index, dtype=float)
        window = series[times >= first - 1e-6]
        top, top_year = peak(window)
        later = window[(np.asarray(window.index, dtype=float) >= top_year)
                       & (window.to_numpy() <= level)]
        months = None if later.empty else max(0.0, (float(later.index[0]) - end) * 12.0)
        if months is None:
            answer = self.lasts
        else:
            answer = next((key for key, most in self.bins if months <= most), self.lasts)
        name = self.variable.lower()
        detail = (f"Before the shock {name} is {level:.2f}; it peaks at {top:.2f} in "
                  f"{month_text(top_year)}. ")
        detail += (f"It is back down to {level:.2f} by {month_text(float(later.index[0]))}, "
                   f"{months:.0f} months after the shock ends." if months is not None else
                   "It stays above that level to the end of 2040.")
        return Verdict(answer, detail, {"pre_shock": level, "peak": top, "months": months})

    def describe(self) -> str:  # noqa: D102
        return (f"months from the end of shock {self.shock} until the {self.variable.lower()} "
                f"of '{self.run}', past its peak, is back down to its level when the shock "
                "began")


# -- steps --------------------------------------------------------------------------------------


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
    """

    key: str
    label: str
    preset: str
    values: Mapping[str, float] = dataclasses.field(default_factory=dict)
    profile: str = DEFAULT_PROFILE

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
    """

    variables: tuple[str, ...] = ()
    kind: Literal["level", "cumulative-saving"] = "level"
    policies: tuple[str, ...] = ()
    reference: str | None = None
    title: str = ""
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    window: tuple[float, float] | None = None


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

    def run(self, key: str) -> Run:
        """Return the run with a given key."""
        for run in self.runs:
            if run.key == key:
                return run
        raise KeyError(key)


#: The one-year shock of the tipping-point experiment (:data:`slack_sim.tipping.RB3_SHOCK`).
CLEAN_SHOCK: dict[str, float] = RB3_SHOCK

#: The storyline, in the order of the notebooks.
STORYLINE: tuple[Step, ...] = (
    Step(
        key="bathtub",
        title="The crisis queue is a bathtub",
        question=("The history: a decade of cuts from 2010, then Covid-19 from March 2020. "
                  "When is the crisis queue (people waiting for a statutory response) at its "
                  "highest?"),
        runs=(
            Run("baseline", "No austerity, no shock", "baseline"),
            Run("history", "Austerity then Covid", "austerity-then-covid"),
        ),
        chart=Chart(variables=("Crisis queue",)),
        answers={
            "before": "Before Covid arrives, at the end of the decade of cuts",
            "during": "While the Covid shock is on",
            "after": "After the shock has ended",
        },
        rule=PeakTiming("history", "Crisis queue", shock=1, noun="people waiting"),
        loops=("B1",),
        explanation=(
            "The queue is a stock, like water in a bath: it rises in every month that more "
            "people arrive than are served, and it peaks where inflow and outflow cross, not "
            "when the shock is at its worst. The plug hole is widened by loop B1 (hiring): "
            "planners fund posts for the demand they expect, averaged over a year, and "
            "recruiting takes months more, so capacity catches up late. A backlog does not "
            "clear when demand is 'back to normal'; it clears only when capacity runs above "
            "demand for long enough."),
        notebook="01-stocks-and-flows",
    ),
    Step(
        key="austerity",
        title="Austerity: where the cuts land",
        question=("Austerity cuts the service's funding, and the council protects its "
                  "statutory (crisis) services. Compared with no austerity, does prevention "
                  "spending fall by more than the funding cut, by about as much, or by less?"),
        runs=(
            Run("baseline", "No austerity", "baseline"),
            Run("austerity", "Austerity", "austerity"),
        ),
        chart=Chart(variables=("Prevention spending", "Crisis spending")),
        answers={
            "more": "By more than the funding cut",
            "about": "By about as much as the funding cut",
            "less": "By less than the funding cut",
        },
        rule=CutDepth("austerity", "baseline", "Prevention spending"),
        loops=("R1",),
        explanation=(
            "Crises must be answered, so statutory spending is protected and the cut lands on "
            "what the council does not have to do: prevention. Then loop R1, the firefighting "
            "trap, deepens it: crisis pressure pulls prevention staff into crisis work and "
            "rising statutory costs squeeze the prevention budget, so more needs escalate into "
            "crises, which raises the pressure again. Money moves 'from preventative to "
            "responsive, from discretionary to statutory' (RSA 2017)."),
        notebook="02-austerity-and-the-firefighting-trap",
    ),
    Step(
        key="saves-then-costs",
        title="Cutting prevention: saves, then costs",
        question=("A council halves its prevention budget from 2010 (a round-number service, "
                  "no other cuts; needs escalate to crisis after about a year). Counting money "
                  "in present value, by when has the cut cost more than it saved?"),
        runs=(
            Run("keep", "Keep prevention", "baseline", {"Time to escalate": 12},
                profile="generic"),
            Run("cut", "Halve prevention", "baseline",
                {"Time to escalate": 12, "Prevention investment": 0.5}, profile="generic"),
        ),
        chart=Chart(kind="cumulative-saving", policies=("keep",), reference="cut",
                    title="Running total: what the cut cost minus what it saved",
                    labels={"keep": "Halving prevention (present value)"}),
        answers={
            "by-2014": "Within five years (by 2014)",
            "2015-2019": "Between 2015 and 2019",
            "2020-2029": "In the 2020s",
            "2030-2040": "Only after 2030",
            "never": "Never: it keeps saving money to 2040",
        },
        rule=CrossoverYear("keep", "cut", bins=(("by-2014", 2015.0), ("2015-2019", 2020.0),
                                                 ("2020-2029", 2030.0),
                                                 ("2030-2040", math.inf))),
        loops=("B3",),
        explanation=(
            "Prevention resolves needs before they become crises: loop B3 (prevention). Cut "
            "it and the saving comes at once, but the needs it would have resolved escalate "
            "only after a delay (the time to escalate), and some of those crises stay in care "
            "for years. The running total falls while the cut saves and climbs once the crises "
            "arrive. The longer the delay, the longer a cut looks like a saving, and the more "
            "it has locked in by the time the cost shows. Who is still in post to notice?"),
        notes={"never": "At this delay the discounted running total does not cross back by "
                        "2040; undiscounted, or with a shorter delay, it does."},
        notebook="02-austerity-and-the-firefighting-trap",
    ),
    Step(
        key="hidden-need",
        title="Covid: when demand falls, need does not",
        question=("In the first Covid lockdown (the first three months of the shock), what "
                  "happened to referrals (the demand a service can measure)?"),
        runs=(
            Run("baseline", "No Covid", "baseline"),
            Run("covid", "Covid, no austerity", "covid-without-austerity"),
        ),
        chart=Chart(variables=("Referrals", "Hidden need"), window=(2018.0, 2027.0)),
        answers={"rise": "They rose", "fall": "They fell", "same": "They stayed about the same"},
        rule=Direction("covid", "baseline", "Referrals", shock=1, first_months=3),
        loops=("B1",),
        explanation=(
            "People in crisis did not present. The need did not go away: it built up as "
            "hidden need (right-hand chart) and came back after the shock, some of it more "
            "severe. A dashboard of referrals showed a quieter service. Loop B1 (hiring) "
            "plans posts on referrals, the demand it can see, so it cannot see the hidden need "
            "that is about to return."),
        notebook="03-covid-and-slack",
    ),
    Step(
        key="tipping-point",
        title="The tipping point",
        question=("The 2010 service (no austerity) is hit by a one-year shock in 2020, with "
                  "10% of staff off sick: 60% more new need, or 150% more. Does the crisis "
                  "queue come back to where it was?"),
        runs=(
            Run("surge 0.6", "Surge of 60% for a year", "baseline",
                {**CLEAN_SHOCK, "Shock 1 demand surge": 0.6}),
            Run("surge 1.5", "Surge of 150% for a year", "baseline",
                {**CLEAN_SHOCK, "Shock 1 demand surge": 1.5}),
        ),
        chart=Chart(variables=("Crisis queue", "Prevention capacity")),
        answers={
            "both": "Both recover",
            "first": "Only the 60% surge recovers",
            "second": "Only the 150% surge recovers",
            "neither": "Neither recovers",
        },
        rule=BothOrEither("surge 0.6", "surge 1.5", test="recovers", shock=1),
        loops=("R1",),
        explanation=(
            "A big enough shock does not just take longer: the service flips into a lasting, "
            "worse state. The queue keeps pressure high, pressure keeps pulling staff and "
            "money out of prevention (right-hand chart), and less prevention keeps the queue "
            "high: loop R1, the firefighting trap. An A&E department can cope with a major "
            "incident, 'but not continuously, night after night'."),
        notebook="03-covid-and-slack",
    ),
    Step(
        key="slack",
        title="Slack is not waste",
        question=("The same 150% surge, in a service planned with a little more slack: 20% "
                  "spare capacity instead of 15%. What happens?"),
        runs=(
            Run("slack 0.15", "Slack 0.15 (status quo)", "baseline",
                {**CLEAN_SHOCK, "Shock 1 demand surge": 1.5}),
            Run("slack 0.20", "Slack 0.20", "baseline",
                {**CLEAN_SHOCK, "Shock 1 demand surge": 1.5, "Slack target": 0.2}),
        ),
        chart=Chart(variables=("Crisis queue", "Total spending")),
        answers={
            "recovers-cheaper": "It recovers, and costs less over 2010-2040",
            "recovers-dearer": "It recovers, but costs more over 2010-2040",
            "no-recovery": "It still does not recover",
        },
        rule=RecoveryAndCost("slack 0.20", "slack 0.15", shock=1),
        loops=("R1",),
        explanation=(
            "Slack is what absorbs a surge. Both services are overwhelmed at first and pull "
            "staff out of prevention into crisis work: loop R1, the firefighting trap. With a "
            "little more slack the queue peaks lower and capacity gets ahead of it in the end, "
            "so the diversion stops, prevention is rebuilt and the service comes back, slowly; "
            "with less, R1 holds the service in the worse state. The tipping point is not only "
            "in the shock; it is in the structure of the service, and in its slack."),
        notes={
            "recovers-cheaper": "And the slack paid for itself: a runaway crisis (crisis "
                                "staff, agency cover, care placements) cost more than the "
                                "spare capacity.",
            "recovers-dearer": "Here the slack costs money: the question is whether avoiding "
                               "the lasting crisis is worth the difference.",
        },
        notebook="03-covid-and-slack",
    ),
    Step(
        key="partnership",
        title="Partnership: slow to build, quick to lose",
        question=("Covid brought organisations together overnight. If the council then "
                  "returns to old habits (innovations revert, partnership and community "
                  "funding cut back), how long until partnership strength is back down to "
                  "where it was before Covid?"),
        runs=(
            Run("seize", "Seize the moment", "seize-the-moment"),
            Run("old habits", "Return to old habits", "return-to-old-habits"),
        ),
        chart=Chart(variables=("Partnership strength",), window=(2015.0, 2035.0)),
        answers={
            "within-2": "Within 2 years of the shock's end",
            "2-5": "2 to 5 years",
            "lasts": "It stays above for more than 5 years",
        },
        rule=FadeTime("old habits", "Partnership strength",
                      bins=(("within-2", 24.0), ("2-5", 60.0)), lasts="lasts", shock=1),
        loops=("R4",),
        explanation=(
            "Partnership strength is a stock of trust: built slowly through joint work, "
            "which needs slack, and lost quickly through fatigue, turnover and each "
            "organisation retreating to its statutory core. Loop R4 (partnership): slack "
            "allows joint work, joint work builds trust, trust makes prevention work better "
            "and staff more productive, which gives back slack. A crisis spike fades unless "
            "someone reinforces it, as 'seize the moment' (the other line) does."),
        notebook="04-partnership-capital",
    ),
    Step(
        key="invest-to-save",
        title="Invest to save: does it pay?",
        question=("Against the history (austerity then Covid): 'invest to save' ring-fences "
                  "prevention from 2011 and adds a five-year fund; 'seize the moment' keeps "
                  "the Covid partnerships and reinvests in prevention from 2021. Which pays "
                  "for itself in cash, in present value, by 2040?"),
        runs=(
            Run("history", "Austerity then Covid (history)", "austerity-then-covid"),
            Run("invest to save", "Invest to save", "invest-to-save"),
            Run("seize the moment", "Seize the moment", "seize-the-moment"),
        ),
        chart=Chart(kind="cumulative-saving", policies=("invest to save", "seize the moment"),
                    reference="history", title="Cumulative saving against the history"),
        answers={
            "both": "Both",
            "first": "Only invest to save",
            "second": "Only seize the moment",
            "neither": "Neither",
        },
        rule=BothOrEither("invest to save", "seize the moment", test="breaks-even",
                          reference="history"),
        loops=("B3", "R4"),
        explanation=(
            "Both policies strengthen loop B3 (prevention resolves needs before they become "
            "crises); seizing the moment also feeds loop R4 (partnership). The money is spent "
            "first and the savings (fewer crises, fewer care placements) arrive years later, "
            "discounted. Money is half the answer: a policy can fail to pay back in cash and "
            "still prevent a lot of harm (person-months waiting or with unmet need). Which "
            "matters more is your judgement, not the model's."),
        notebook="05-invest-to-save",
    ),
)


def step(key: str) -> Step:
    """Return the step of :data:`STORYLINE` with a given key.

    Raises
    ------
    KeyError
        If there is no such step.
    """
    for item in STORYLINE:
        if item.key == key:
            return item
    raise KeyError(f"no step {key!r}; steps: {', '.join(s.key for s in STORYLINE)}")


# -- validation ---------------------------------------------------------------------------------


def validate(steps: Sequence[Step] = STORYLINE, *, model: Model | None = None) -> None:
    """Check every step against the model, the presets and the profiles.

    Checks: unique step keys; unique run keys; every run a valid scenario (known preset,
    profile and variable names, values in range); every charted and rule variable a model
    variable; rules and charts name runs of their step; the candidate answers are exactly
    the rule's answers; every loop a named loop of the model and named in the explanation.

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
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        problems.append(f"step keys repeat: {keys}")
    known_presets, known_profiles = set(presets()), set(profiles())
    for item in steps:
        where = f"step {item.key!r}"
        run_keys = [r.key for r in item.runs]
        if len(set(run_keys)) != len(run_keys):
            problems.append(f"{where}: run keys repeat: {run_keys}")
        for run in item.runs:
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
                _saving(result.frames, key, chart.reference, "Total spending"))
            for key in chart.policies
        }
        return [(chart.title, series)]
    return [(name, {labels[run.key]: result.frames[run.key][name] for run in item.runs})
            for name in chart.variables]


# -- the session log ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LogEntry:
    """One step of a session as run: the prediction, the settings and the result.

    Attributes
    ----------
    number : int
        Step number (1-based).
    key, title, question : str
        The step's.
    prediction : str
        The answer the room predicted (text).
    answer : str
        The answer the model gave (text).
    matched : bool
        Whether they are the same.
    detail : str
        The numbers behind the answer.
    method : str
        How the answer was computed.
    settings : tuple of str
        Each run in words: its label, preset, profile and settings.
    loops : tuple of str
        The loops of the explanation, ``"R1 firefighting trap"`` style.
    """

    number: int
    key: str
    title: str
    question: str
    prediction: str
    answer: str
    matched: bool
    detail: str
    method: str
    settings: tuple[str, ...]
    loops: tuple[str, ...]


def log_entry(
    item: Step, prediction: str, verdict: Verdict, *, model: Model | None = None
) -> LogEntry:
    """Return the log entry of a step run with a prediction (an answer key).

    Raises
    ------
    KeyError
        If the prediction is not one of the step's answers.
    """
    model = model or load_model()
    if prediction not in item.answers:
        raise KeyError(f"{prediction!r} is not an answer of step {item.key!r}")
    number = next(i for i, s in enumerate(STORYLINE, 1) if s.key == item.key) \
        if item in STORYLINE else 0
    loops = tuple(f"{lp} {model.loops[lp].name}" for lp in item.loops if lp in model.loops)
    return LogEntry(
        number=number, key=item.key, title=item.title, question=item.question,
        prediction=item.answers[prediction], answer=item.answers[verdict.answer],
        matched=prediction == verdict.answer, detail=verdict.detail,
        method=item.rule.describe(),
        settings=tuple(f"{run.label}: {run.settings_text()}" for run in item.runs),
        loops=loops,
    )


def session_markdown(
    entries: Sequence[LogEntry],
    *,
    total_steps: int = len(STORYLINE),
    model_version: str = "",
    date: str = "",
) -> str:
    """Return the session log as Markdown, for the workshop write-up.

    Parameters
    ----------
    entries : sequence of LogEntry
        The steps run, in any order (written in step order).
    total_steps : int
        Steps in the storyline.
    model_version : str
        The model's version hash.
    date : str
        When the session ran (free text).

    Returns
    -------
    str
        A heading, a summary line and, per step, the question, the prediction, the
        model's answer with its numbers, whether they matched, the loops and the settings.
    """
    ordered = sorted(entries, key=lambda e: e.number)
    matched = sum(e.matched for e in ordered)
    lines = ["# slack-sim teaching session: log", ""]
    meta = [f"Model version `{model_version}`" if model_version else "",
            f"session of {date}" if date else ""]
    if any(meta):
        lines += ["; ".join(m for m in meta if m) + ".", ""]
    lines += [f"Steps run: {len(ordered)} of {total_steps}. Predictions that matched the model: "
              f"{matched} of {len(ordered)}.", ""]
    if not ordered:
        lines += ["No step has been run yet.", ""]
    for e in ordered:
        lines += [
            f"## Step {e.number} of {total_steps}: {e.title}", "",
            f"**Question.** {e.question}", "",
            f"- **Prediction:** {e.prediction}",
            f"- **The model says:** {e.answer}",
            f"- **Matched:** {'yes' if e.matched else 'no'}",
            f"- **Numbers:** {e.detail}",
            f"- **How the answer is computed:** {e.method}",
            f"- **Feedback loops:** {', '.join(e.loops)}",
            "- **Settings:**",
            *[f"  - {s}" for s in e.settings],
            "",
        ]
    lines += ["Money is GBP per 100,000 residents at 2010/11 prices; present values at January "
              "2010 on the HM Treasury Green Book schedule. The model is a stylised service, "
              "not a forecast of any area.", ""]
    return "\n".join(lines)
