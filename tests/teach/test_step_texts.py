"""What each step says about when things happen is what its runs' settings say.

A step's words are typed, or built from constants, while its runs are presets and profiles
that can change under them: step 1 asked about Covid hitting "in March 2020" (England's
shock) while its runs, on the teaching council, have the shock from January to December
2020, as its verdict and its charts' shading said. Here every month a step names must be
one its runs set, step 1's question must give its Covid run's shock months, and each
typed period (a "two-year shock from 2020", "from 2011", "the first three months") is
checked against the setting it describes.
"""

import re

import pytest
from simhelpers import MODEL, run

from slack_sim.metrics.core import shocks_in
from slack_sim.model.calendar import MONTH_NAMES, model_month_text, to_years
from slack_sim.teach import storyline
from slack_sim.teach.rules import horizon_text, shock_text
from slack_sim.teach.storyline import STORYLINE

#: A month as the step texts write it, e.g. "March 2020".
MONTH = re.compile(rf"\b(?:{'|'.join(MONTH_NAMES)}) \d{{4}}\b")
#: Small whole numbers in words, as the step texts write them.
WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _settings(key: str, run_key: str) -> dict[str, float]:
    return storyline.step(key).run(run_key).scenario().settings(model=MODEL)


def _words(item: storyline.Step) -> list[str]:
    """Every text of a step the page shows: question, answers, notes, explanation, claim."""
    claim = item.in_charge.text if item.in_charge else ""
    return [item.question, *item.answers.values(), *item.notes.values(), item.explanation,
            claim, *(r.label for r in item.runs), *item.chart.labels.values(), item.chart.title]


def _year(month: float) -> str:
    return str(int(to_years(month)))


def _whole_years(months: float) -> int:
    assert months % 12 == 0, f"{months} months is not a whole number of years"
    return int(months // 12)


def _span(months: float) -> str:
    """``24`` -> ``"two-year"`` (a length as an adjective)."""
    return f"{WORDS[_whole_years(months)]}-year"


def _duration(months: float) -> str:
    """``12`` -> ``"a year"``, ``24`` -> ``"two years"``."""
    years = _whole_years(months)
    return "a year" if years == 1 else f"{WORDS[years]} years"


def _decade(settings: dict[str, float]) -> str:
    """``"the 2010s"`` when the austerity path starts and ends in one decade, else ``""``."""
    start, length = settings["Austerity start"], settings["Austerity length"]
    first, last = int(to_years(start)) // 10, int(to_years(start + length - 1)) // 10
    return f"the {first * 10}s" if first == last else ""


def _months_set(item: storyline.Step) -> set[str]:
    """The months a step's runs set: each shock's first and last, each policy start, the end."""
    months = {horizon_text()}
    for r in item.runs:
        settings = r.scenario().settings(model=MODEL)
        for _, start, length in shocks_in(settings):
            months |= {model_month_text(start), model_month_text(start + length - 1)}
        months.add(model_month_text(settings["Policy start time"]))
    return months


@pytest.mark.parametrize("item", STORYLINE, ids=lambda s: s.key)
def test_every_month_a_step_names_is_one_its_runs_set(item):
    named = {m for text in _words(item) for m in MONTH.findall(text)}
    assert named <= _months_set(item), (item.key, sorted(named - _months_set(item)))


def test_step_1_asks_about_the_months_its_run_has_the_shock():
    item = storyline.step("bathtub")
    months = shock_text(_settings("bathtub", "covid"), 1)
    assert months == "January 2020 to December 2020"  # the teaching profile's shock
    assert f"from {months}" in item.question
    # ... the months the verdict gives (and the charts shade, from the same settings)
    verdict = storyline.run_step(item, runner=run, model=MODEL).verdict
    assert f"the shock ran from {months}." in verdict.detail


#: Typed periods of the step texts, each built from the setting (or rule) it describes:
#: (step key, the runs it must hold for, the phrase from the run's settings and the step).
_PHRASES = [
    ("saves-then-costs", ("cut",),
     lambda item, s: f"halves its prevention budget from {_year(s['Policy start time'])}"),
    ("saves-then-costs", ("cut",),
     lambda item, s: f"escalate to crisis after about {_duration(s['Time to escalate'])}"),
    ("austerity", ("austerity",),
     lambda item, s: f"Austerity cuts the service's funding through {_decade(s)}"),
    ("hidden-need", ("covid",),
     lambda item, s: f"the first {WORDS[item.rule.first_months]} months of the shock"),
    ("tipping-point", ("surge 0.3", "surge 2.0"),
     lambda item, s: f"{_span(s['Shock 1 length'])} shock from {_year(s['Shock 1 start'])}"),
    ("tipping-point", ("surge 0.3", "surge 2.0"),
     lambda item, s: f"for {_duration(s['Shock 1 length'])}"),
    ("slack", ("slack 0.20", "slack 0.30"), lambda item, s: f"{_span(s['Shock 1 length'])} surge"),
    ("invest-to-save", ("invest to save",),
     lambda item, s: f"ring-fences prevention from {_year(s['Policy start time'])} and adds a "
                     f"{_span(s['Invest to save duration'])} fund"),
    ("invest-to-save", ("seize the moment",),
     lambda item, s: f"reinvests in prevention from {_year(s['Policy start time'])}"),
]
PERIODS = [(key, run, phrase) for key, runs, phrase in _PHRASES for run in runs]


@pytest.mark.parametrize(("key", "run_key", "phrase"), PERIODS,
                         ids=[f"{k}-{r}-{i}" for i, (k, r, _) in enumerate(PERIODS)])
def test_each_typed_period_is_the_runs_setting(key, run_key, phrase):
    item = storyline.step(key)
    expected = phrase(item, _settings(key, run_key))
    assert any(expected in text for text in _words(item)), (key, expected)
