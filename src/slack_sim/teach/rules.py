"""Answer rules of the storyline: how a step's right answer is computed from its runs.

A :class:`Rule` reads model runs (by run key) and their settings and returns a
:class:`Verdict`: the answer key, the numbers behind it in a sentence or two, and the
numbers themselves. This module holds the base class, the helpers every rule shares and
the rules about the shape of a curve (when it peaks, how far it falls, which way it moves
during a shock, how long a rise takes to fade); :mod:`slack_sim.teach.outcome_rules` holds
the rules about money and recovery (break-even, recovers or not, cost).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..metrics.core import peak, shocks_in
from ..model.calendar import MONTHS_PER_YEAR, model_month_text, month_text, to_years
from ..model.parse import load_model
from ..report.text import percent

__all__ = [
    "CutDepth",
    "Direction",
    "FadeTime",
    "PeakTiming",
    "Rule",
    "Shift",
    "StorylineError",
    "Verdict",
    "horizon_text",
    "run_name",
    "shock_text",
    "shock_window",
    "value_at",
]

Frames = Mapping[str, pd.DataFrame]
Settings = Mapping[str, Mapping[str, float]]
Labels = Mapping[str, str]


class StorylineError(ValueError):
    """A step of the storyline names something the model or the presets do not have."""


# -- helpers shared by the rules ----------------------------------------------------------------


def _share(value: float) -> str:
    return percent(value, exact_ends=False)


def shock_window(settings: Mapping[str, float], number: int) -> tuple[float, float]:
    """Return ``(start month, length in months)`` of shock ``number`` in a run's settings.

    Raises
    ------
    StorylineError
        If the run has no such shock (its length is 0).
    """
    for n, start, length in shocks_in(settings):
        if n == number:
            return start, length
    raise StorylineError(f"the run has no shock {number} (its length is 0)")


def _shock_years(settings: Mapping[str, float], number: int) -> tuple[float, float]:
    """Return the decimal years a shock starts and ends (its first month after it)."""
    start, length = shock_window(settings, number)
    return float(to_years(start)), float(to_years(start + length))


def shock_text(settings: Mapping[str, float], number: int) -> str:
    """Return the months a shock runs, e.g. ``"March 2020 to February 2021"``."""
    start, length = shock_window(settings, number)
    return f"{model_month_text(start)} to {model_month_text(start + length - 1)}"


def horizon_text() -> str:
    """Return the last month of the model run, e.g. ``"March 2046"`` (from its FINAL TIME).

    The output's last row is the closing state at FINAL TIME; the last month simulated is
    the one before it.
    """
    model = load_model()
    return model_month_text(model.final_time - model.saveper)


def run_name(labels: Labels | None, key: str) -> str:
    """Return a run's label in the detail text (its key when no label is given)."""
    return (labels or {}).get(key, key)


def value_at(series: pd.Series, year: float) -> float:
    """Return the value of a series at the row nearest a decimal year."""
    index = np.asarray(series.index, dtype=float)
    return float(series.iloc[int(np.argmin(np.abs(index - year)))])


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


class _OneSeries(Rule):
    """A rule that reads one variable of one run (``run`` and ``variable`` fields)."""

    run: str
    variable: str

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run,)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return (self.variable,)


@dataclasses.dataclass(frozen=True)
class PeakTiming(_OneSeries):
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
        What the variable counts, for the detail text (e.g. "children waiting").
    reference : str or None
        A run without the shock: the peak timed is then that of ``run`` minus
        ``reference`` (how far the shock put the variable above where it would have been),
        so a trend both runs share (a growing population) does not decide the answer.
    """

    run: str
    variable: str
    shock: int = 1
    noun: str = ""
    reference: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("before", "during", "after")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run,) + ((self.reference,) if self.reference else ())

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        series = frames[self.run][self.variable]
        if self.reference is not None:
            series = series - frames[self.reference][self.variable]
        value, year = peak(series)
        first, end = _shock_years(settings[self.run], self.shock)
        eps = 1e-6
        answer = "before" if year < first - eps else "during" if year < end - eps else "after"
        noun = f" {self.noun}" if self.noun else ""
        name = self.variable.lower()
        if self.reference is None:
            what = f"The {name} peaks in {month_text(year)} at {value:,.0f}{noun}"
        else:
            what = (f"The {name} is furthest above the '{run_name(labels, self.reference)}' "
                    f"run in {month_text(year)}, by {value:,.0f}{noun}")
        detail = f"{what}; the shock ran from {shock_text(settings[self.run], self.shock)}."
        return Verdict(answer, detail, {"peak": value, "peak_year": year,
                                        "shock_start_year": first, "shock_end_year": end})

    def describe(self) -> str:  # noqa: D102
        what = (f"the month the {self.variable.lower()} is highest in '{self.run}'"
                if self.reference is None else
                f"the month the {self.variable.lower()} of '{self.run}' is furthest above "
                f"that of '{self.reference}'")
        return (f"{what}, placed before, during or after shock {self.shock} (from the run's "
                "settings)")


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
        fall = 1.0 - value_at(frame[self.variable], year) / value_at(base[self.variable], year)
        answer = ("more" if fall > cut + self.tolerance
                  else "less" if fall < cut - self.tolerance else "about")
        detail = (f"When the funding cut is deepest ({month_text(year)}, {_share(cut)}), "
                  f"{self.variable.lower()} is {_share(fall)} below the "
                  f"'{run_name(labels, self.reference)}' run.")
        return Verdict(answer, detail, {"cut": cut, "fall": fall, "year": year})

    def describe(self) -> str:  # noqa: D102
        return (f"at the month the {self.cut.lower()} is largest in '{self.run}', the fall of "
                f"{self.variable.lower()} against '{self.reference}' compared with that cut "
                f"(within {self.tolerance:.0%} counts as about the same)")


@dataclasses.dataclass(frozen=True)
class Shift(Rule):
    """Where a cut lands over a span of years: does ``cut`` fall while ``shifted`` rises.

    Each variable's total over the years ``years`` (from the start of the first to the
    start of the second) in ``run`` is compared with its total in ``reference``: a change
    below ``-tolerance`` (a fraction) is a fall, above ``tolerance`` a rise, otherwise the
    same. The answer is ``"shift"`` when ``cut`` falls and ``shifted`` rises,
    ``"cut-only"`` when ``cut`` falls and ``shifted`` stays the same, ``"both-fall"`` when
    both fall, and ``"no-cut"`` when ``cut`` does not fall. Totals over years, not one
    month, so a slow stock (prevention capacity is cut over months) and the month the cut
    is deepest (which moves with the shape of the austerity path) do not decide the answer.
    """

    run: str
    reference: str
    cut: str
    shifted: str
    years: tuple[float, float]
    tolerance: float = 0.01

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("shift", "cut-only", "both-fall", "no-cut")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run, self.reference)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return (self.cut, self.shifted)

    def _change(self, frames: Frames, variable: str) -> float:
        first, last = self.years
        totals = []
        for key in (self.run, self.reference):
            series = frames[key][variable]
            times = np.asarray(series.index, dtype=float)
            totals.append(float(series[(times >= first - 1e-6) & (times < last - 1e-6)].sum()))
        return totals[0] / totals[1] - 1.0

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        cut, shifted = self._change(frames, self.cut), self._change(frames, self.shifted)
        if cut >= -self.tolerance:
            answer = "no-cut"
        elif shifted > self.tolerance:
            answer = "shift"
        elif shifted < -self.tolerance:
            answer = "both-fall"
        else:
            answer = "cut-only"

        def words(change: float) -> str:
            if abs(change) <= self.tolerance:
                return f"within {self.tolerance:.0%} of"
            return f"{_share(abs(change))} {'below' if change < 0 else 'above'}"

        first, last = self.years
        ref = run_name(labels, self.reference)
        detail = (f"From {first:.0f} to {last - 1:.0f}, {self.cut.lower()} is "
                  f"{words(cut)} the '{ref}' run and {self.shifted.lower()} is "
                  f"{words(shifted)} it.")
        return Verdict(answer, detail, {"cut_change": cut, "shifted_change": shifted})

    def describe(self) -> str:  # noqa: D102
        first, last = self.years
        return (f"the change in total {self.cut.lower()} and in total "
                f"{self.shifted.lower()} of '{self.run}' against '{self.reference}' from "
                f"{first:.0f} to {last - 1:.0f} (a change under {self.tolerance:.0%} counts "
                "as the same)")


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
        rel = frames[self.run][self.variable] / frames[self.reference][self.variable] - 1.0
        first, end = _shock_years(settings[self.run], self.shock)
        last = end if self.first_months is None else min(
            end, first + self.first_months / MONTHS_PER_YEAR)
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
        name, ref = self.variable.lower(), run_name(labels, self.reference)
        when = f"While the shock is on ({shock_text(settings[self.run], self.shock)}), {name}"
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
class FadeTime(_OneSeries):
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

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        series = frames[self.run][self.variable]
        first, end = _shock_years(settings[self.run], self.shock)
        level = value_at(series, first)
        times = np.asarray(series.index, dtype=float)
        window = series[times >= first - 1e-6]
        top, top_year = peak(window)
        later = window[(np.asarray(window.index, dtype=float) >= top_year)
                       & (window.to_numpy() <= level)]
        months = None if later.empty else max(0.0, (float(later.index[0]) - end) * MONTHS_PER_YEAR)
        if months is None:
            answer = self.lasts
        else:
            answer = next((key for key, most in self.bins if months <= most), self.lasts)
        name = self.variable.lower()
        detail = (f"Before the shock {name} is {level:.2f}; it peaks at {top:.2f} in "
                  f"{month_text(top_year)}. ")
        detail += (f"It is back down to {level:.2f} by {month_text(float(later.index[0]))}, "
                   f"{months:.0f} months after the shock ends." if months is not None else
                   f"It stays above that level to the end of the run ({horizon_text()}).")
        return Verdict(answer, detail, {"pre_shock": level, "peak": top, "months": months})

    def describe(self) -> str:  # noqa: D102
        return (f"months from the end of shock {self.shock} until the {self.variable.lower()} "
                f"of '{self.run}', past its peak, is back down to its level when the shock "
                "began")

