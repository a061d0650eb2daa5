"""Verdicts that hold: every step's answer holds in at least 90% of 500 futures."""

import dataclasses

import pytest
from simhelpers import MODEL

from slack_sim.teach import storyline
from slack_sim.teach.robustness import (
    FUTURES,
    HOLDS_AT,
    Robustness,
    futures_of,
    robustness,
    step_robustness,
)
from slack_sim.teach.steps import TEACHING_PROFILE, TIPPING_SHOCK
from slack_sim.teach.storyline import STORYLINE


@pytest.fixture(scope="module")
def held() -> dict[str, Robustness]:
    return {step.key: step_robustness(step.key) for step in STORYLINE}


@pytest.mark.parametrize("step", STORYLINE, ids=lambda s: s.key)
def test_every_verdict_holds_in_nine_futures_in_ten(held, step):
    result = held[step.key]
    assert result.n == FUTURES
    assert sum(result.counts.values()) == FUTURES
    assert result.answer == storyline.run_step(step, model=MODEL).verdict.answer
    assert result.share >= HOLDS_AT, (
        f"step {step.key!r}: the answer {result.answer!r} {result.text()} "
        f"(answers in the futures: {result.counts}); reword or replace it")


def test_the_futures_are_shared_by_the_runs_and_keep_each_runs_settings():
    step = storyline.step("slack")
    draws, source = futures_of(step, n=20, model=MODEL)
    assert len(draws) == 20 and source in ("plausible futures",
                                          "futures consistent with 2010-2020")
    for run in step.runs:
        assert not set(run.scenario().values) & set(draws.columns)
    again, _ = futures_of(step, n=20, model=MODEL)
    assert again.equals(draws), "the same seed gives the same futures"


def test_a_fragile_verdict_is_caught():
    # the step as it was: a 60% against a 150% surge on the status quo's 20% slack; the
    # tipping threshold moves with the effect sizes, so "only the 60% surge recovers"
    # holds in well under nine futures in ten
    old = dataclasses.replace(
        storyline.step("tipping-point"),
        runs=(storyline.Run("surge 0.3", "60%", "baseline",
                            {**TIPPING_SHOCK, "Shock 1 demand surge": 0.6},
                            profile=TEACHING_PROFILE),
              storyline.Run("surge 2.0", "150%", "baseline",
                            {**TIPPING_SHOCK, "Shock 1 demand surge": 1.5},
                            profile=TEACHING_PROFILE, colour=1)),
        rule=storyline.BothOrEither("surge 0.3", "surge 2.0", test="recovers"))
    result = robustness(old, n=200, model=MODEL)
    assert not result.robust and result.share < HOLDS_AT


def test_the_fragile_old_austerity_and_partnership_verdicts_are_caught():
    # step 2 as it was: prevention's fall at the month the cut is deepest against the cut
    # (that month moves with the shape of the austerity path); step 7 as it was: "back down
    # within 2 years" (a long erosion time or a large collaboration boost takes it past two)
    old = (dataclasses.replace(storyline.step("austerity"),
                               answers={"more": "m", "about": "a", "less": "l"},
                               rule=storyline.CutDepth("austerity", "baseline",
                                                       "Prevention spending")),
           dataclasses.replace(storyline.step("partnership"),
                               answers={"within-2": "w", "2-5": "t", "lasts": "l"},
                               rule=storyline.FadeTime("old habits", "Partnership strength",
                                                       bins=(("within-2", 24.0),
                                                             ("2-5", 60.0)))))
    for item in old:
        result = robustness(item, n=200, model=MODEL)
        assert result.source == "futures consistent with 2010-2020"
        assert not result.robust and result.share < HOLDS_AT, item.key


def test_the_share_is_worded_for_the_screen():
    result = Robustness("x", "a", {"a": 470, "b": 30}, 500, "plausible futures")
    assert result.holds == 470 and result.share == pytest.approx(0.94)
    assert result.text() == "holds in 94% of 500 plausible futures"
    assert Robustness("x", "a", {"b": 5}, 5, "plausible futures").share == 0.0
