"""Answer rules about money and recovery: break-even, recovering from a shock, cost.

The rules here compare runs on the package's outcome measures: the cumulative discounted
saving of one run against another (:func:`slack_sim.metrics.break_even_year`), whether the
crisis queue recovers after a shock (:func:`slack_sim.metrics.shock_response`) and the NPV
of spending (:func:`slack_sim.npv`). The base class and the rules about the shape of a
curve are in :mod:`slack_sim.teach.rules`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from ..metrics.core import (
    break_even_year,
    cumulative_discounted,
    cumulative_harm,
    npv,
    shock_response,
)
from ..model.calendar import START_YEAR, month_text
from ..report.text import money
from .rules import (
    Frames,
    Labels,
    Rule,
    Settings,
    StorylineError,
    Verdict,
    horizon_text,
    run_name,
    shock_window,
)

__all__ = ["BothOrEither", "CrossoverYear", "HarmAgainst", "RecoveryAndCost",
           "spending_saving"]

def _money(value: float) -> str:
    # short style: the profile's own scale (a council in millions, England in billions)
    return money(value)


def spending_saving(frames: Frames, policy: str, reference: str, variable: str) -> pd.Series:
    """Return reference spending minus policy spending, without the closing row."""
    return (frames[reference][variable] - frames[policy][variable]).iloc[:-1]


@dataclasses.dataclass(frozen=True)
class CrossoverYear(Rule):
    """In which period the cumulative discounted saving of ``policy`` changes sign for good.

    The saving is ``reference`` spending minus ``policy`` spending (positive: the policy
    spends less), discounted on the Green Book schedule, the one sign convention of every
    money chart of the storyline. By default the period is the one in which it turns
    positive for good (:func:`slack_sim.metrics.break_even_year`: the policy has paid for
    itself); with ``losing`` the one in which it turns *negative* for good (a cut has cost
    more than it saved). ``bins`` are ``(answer key, first year not in the bin)`` in
    increasing order; ``never`` is the key when it does not happen within the horizon.
    """

    policy: str
    reference: str
    bins: tuple[tuple[str, float], ...]
    never: str = "never"
    variable: str = "Total spending"
    losing: bool = False

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
        saving = spending_saving(frames, self.policy, self.reference, self.variable)
        year = break_even_year(-saving if self.losing else saving)
        running = cumulative_discounted(saving)
        extreme = running.max() if self.losing else running.min()
        at = running.idxmax() if self.losing else running.idxmin()
        side = "below" if self.losing else "above"
        if year is None:
            answer = self.never
            detail = (f"The cumulative saving on the chart does not go {side} zero for good by "
                      f"the end of the run ({horizon_text()}), where it stands at "
                      f"{_money(float(running.iloc[-1]))}.")
        else:
            answer = next((key for key, upto in self.bins if year < upto), self.bins[-1][0])
            detail = (f"The cumulative saving on the chart goes {side} zero for good in "
                      f"{month_text(year)}; at its {'highest' if self.losing else 'lowest'} "
                      f"it was {_money(float(extreme))}, in {month_text(float(at))}.")
        return Verdict(answer, detail, {"year": year, "extreme": float(extreme),
                                        "final": float(running.iloc[-1])})

    def describe(self) -> str:  # noqa: D102
        turn = "negative" if self.losing else "positive"
        return (f"the year the cumulative discounted saving of '{self.policy}' against "
                f"'{self.reference}' ({self.variable.lower()}) turns {turn} for good "
                "(Green Book discounting; slack_sim.break_even_year)")


def _recovery(frame: pd.DataFrame, settings: Mapping[str, float], shock: int) -> dict[str, Any]:
    start, length = shock_window(settings, shock)
    return shock_response(frame["Crisis queue"], start=start, length=length)


def _years_text(months: float) -> str:
    """Return a duration in months as people say it: "19 months (1.6 years)"."""
    return f"{months:.0f} months ({months / 12:.1f} years)"


def _recovery_text(label: str, response: Mapping[str, Any]) -> str:
    months = response["recovery_months"]
    if response["recovered"]:
        return (f"{label}: the queue peaks at {response['peak_level']:,.0f} and is back within "
                f"5% of its pre-shock level {_years_text(months)} after the shock ends")
    return (f"{label}: the queue peaks at {response['peak_level']:,.0f} and is not back "
            f"within 5% of its pre-shock level by the end of the run ({horizon_text()})")


def _recovers_within(response: Mapping[str, Any], within: float | None) -> bool:
    """Whether a shock response recovered, within ``within`` months of the shock's end."""
    if not response["recovered"]:
        return False
    return within is None or float(response["recovery_months"]) <= within

@dataclasses.dataclass(frozen=True)
class BothOrEither(Rule):
    """Which of two runs passes a test: ``"both"``, ``"first"``, ``"second"`` or ``"neither"``.

    Tests: ``"recovers"`` (the crisis queue comes back within 5% of its pre-shock level
    after shock ``shock`` and stays there, within ``within`` months of the shock's end when
    given: :func:`slack_sim.metrics.shock_response`) and
    ``"breaks-even"`` (the cumulative discounted saving against ``reference`` turns
    positive for good by the end of the horizon: :func:`slack_sim.break_even_year`).
    """

    first: str
    second: str
    test: Literal["recovers", "breaks-even"]
    reference: str | None = None
    shock: int = 1
    within: float | None = None

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
        return ("Total spending", "Harm")

    def _passes(self, key: str, frames: Frames, settings: Settings,
                labels: Labels | None) -> tuple[bool, str, dict]:
        if self.test == "recovers":
            response = _recovery(frames[key], settings[key], self.shock)
            return (_recovers_within(response, self.within),
                    _recovery_text(run_name(labels, key), response),
                    {f"{key}_recovery_months": response["recovery_months"],
                     f"{key}_peak": response["peak_level"]})
        assert self.reference is not None
        saving = spending_saving(frames, key, self.reference, "Total spending")
        year = break_even_year(saving)
        total = npv(saving)
        # the model's Harm (children waiting or with unmet need), in person-months
        harm = {k: cumulative_harm(f["Harm"].iloc[:-1])
                for k, f in ((key, frames[key]), ("ref", frames[self.reference]))}
        fewer = harm["ref"] - harm[key]
        when = f"breaks even in {month_text(year)}" if year is not None else \
            f"does not break even by {horizon_text()}"
        text = (f"{run_name(labels, key)}: {when} (net present saving {_money(total)}); harm "
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
            when = (f"within {self.within:g} months of its end" if self.within is not None
                    else f"by {horizon_text()}")
            return (f"whether the crisis queue in '{self.first}' and in '{self.second}' comes "
                    f"back within 5% of its level before shock {self.shock} and stays there, "
                    f"{when} (slack_sim.shock_response)")
        return (f"whether the cumulative discounted saving of '{self.first}' and of "
                f"'{self.second}' against '{self.reference}' turns positive for good by "
                f"{horizon_text()} "
                "(slack_sim.break_even_year)")


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
        detail = (f"{_recovery_text(run_name(labels, self.run), mine)}. "
                  f"{_recovery_text(run_name(labels, self.against), other)}. "
                  f"NPV of spending, {month_text(START_YEAR)} to {horizon_text()}: "
                  f"{_money(cost[self.run])} against {_money(cost[self.against])}.")
        return Verdict(answer, detail, {"recovery_months": mine["recovery_months"],
                                        "npv": cost[self.run],
                                        "npv_against": cost[self.against]})

    def describe(self) -> str:  # noqa: D102
        return (f"whether the crisis queue in '{self.run}' comes back within 5% of its "
                f"level before shock {self.shock} (slack_sim.shock_response), and whether "
                f"its NPV of total spending is below that of '{self.against}'")




@dataclasses.dataclass(frozen=True)
class HarmAgainst(Rule):
    """Whether ``run`` does ``"less"``, about the ``"same"`` or ``"more"`` harm than ``against``.

    Harm is the model's ``Harm`` (children waiting or with unmet need) summed from the
    start of shock ``shock`` to the end of the run, in child-months
    (:func:`slack_sim.metrics.cumulative_harm`); within ``tolerance`` (a share of
    ``against``'s) counts as the same. The detail also says how long each run's crisis
    queue takes to recover (or that it does not by the end of the run) and the NPV of
    each run's spending, so the room sees what the difference costs.
    """

    run: str
    against: str
    shock: int = 1
    tolerance: float = 0.02

    @property
    def keys(self) -> tuple[str, ...]:  # noqa: D102
        return ("less", "same", "more")

    @property
    def runs(self) -> tuple[str, ...]:  # noqa: D102
        return (self.run, self.against)

    @property
    def variables(self) -> tuple[str, ...]:  # noqa: D102
        return ("Harm", "Crisis queue", "Total spending")

    def _harm(self, frame: pd.DataFrame, settings: Mapping[str, float]) -> float:
        start, _ = shock_window(settings, self.shock)
        harm = frame["Harm"].iloc[:-1]
        first = START_YEAR + start / 12.0
        return float(cumulative_harm(harm[harm.index >= first - 1e-6]))

    def decide(self, frames: Frames, settings: Settings,  # noqa: D102
               labels: Labels | None = None) -> Verdict:
        mine = self._harm(frames[self.run], settings[self.run])
        other = self._harm(frames[self.against], settings[self.against])
        change = mine / other - 1.0 if other else 0.0
        answer = ("less" if change < -self.tolerance
                  else "more" if change > self.tolerance else "same")
        cost = {k: npv(frames[k]["Total spending"].iloc[:-1]) for k in (self.run, self.against)}
        recovery = {k: _recovery(frames[k], settings[k], self.shock)
                    for k in (self.run, self.against)}
        name, ref = run_name(labels, self.run), run_name(labels, self.against)
        detail = (f"From the shock to {horizon_text()}, {name} does "
                  f"{abs(other - mine):,.0f} child-months "
                  f"{'less' if mine <= other else 'more'} harm than {ref} "
                  f"({abs(change):.0%} {'less' if mine <= other else 'more'}). "
                  f"{_recovery_text(name, recovery[self.run])}. "
                  f"{_recovery_text(ref, recovery[self.against])}. "
                  f"NPV of spending, {month_text(START_YEAR)} to {horizon_text()}: "
                  f"{_money(cost[self.run])} against {_money(cost[self.against])}.")
        return Verdict(answer, detail, {
            "harm": mine, "harm_against": other, "change": change,
            "recovery_months": recovery[self.run]["recovery_months"],
            "recovery_months_against": recovery[self.against]["recovery_months"],
            "npv": cost[self.run], "npv_against": cost[self.against]})

    def describe(self) -> str:  # noqa: D102
        return (f"the harm (children waiting or with unmet need, child-months) of "
                f"'{self.run}' against '{self.against}' from the start of shock {self.shock} "
                f"to {horizon_text()} (within {self.tolerance:.0%} counts as the same)")
