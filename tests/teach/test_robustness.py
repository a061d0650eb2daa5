"""Verdicts that hold: every step's answer holds in at least 90% of 500 futures."""

import dataclasses

import numpy as np
import pytest
from simhelpers import MODEL

from slack_sim.analysis.batch import run_members
from slack_sim.analysis.ensemble import history_futures
from slack_sim.analysis.ranges import default_parameters, uncertainty_ranges
from slack_sim.scenarios import DEFAULT_PROFILE, preset
from slack_sim.teach import storyline
from slack_sim.teach.robustness import (
    FUTURES,
    HOLDS_AT,
    Robustness,
    england_robustness,
    futures_of,
    member_verdicts,
    on_england,
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
                                          "futures consistent with 2010-2020",
                                          "futures whose effect sizes are consistent "
                                          "with England's 2010-2020")
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


def _teaching_steps():
    return [s for s in STORYLINE if s.runs[0].profile == TEACHING_PROFILE]


def test_the_teaching_councils_futures_are_englands_history_on_what_they_share():
    # England's history-consistent futures, conditioned on the parameters the round-number
    # council shares (the effect sizes), not fresh plausible draws
    assert {s.key for s in _teaching_steps()} == {"bathtub", "saves-then-costs",
                                                  "tipping-point", "slack"}
    england = history_futures(preset(profile=DEFAULT_PROFILE))
    assert england is not None, "the default profile is history-matched"
    effects = set(uncertainty_ranges(default_parameters(model=MODEL), model=MODEL).index)
    for step in _teaching_steps():
        draws, source = futures_of(step, n=50, model=MODEL)
        assert source == "futures whose effect sizes are consistent with England's 2010-2020"
        assert set(draws.columns) <= effects and len(draws.columns) >= len(effects) - 5
        assert "Need growth rate" not in draws.columns
        np.testing.assert_array_equal(draws.to_numpy(),
                                      england[list(draws.columns)].head(50).to_numpy())


def test_those_futures_keep_the_flat_council_flat():
    # why only the shared parameters: England's fitted need growth would make the flat
    # council drift with no shock and no austerity, and "back to where it was" undefined
    step = storyline.step("tipping-point")
    draws, _ = futures_of(step, n=60, model=MODEL)
    flat = preset("baseline", profile=TEACHING_PROFILE)

    def flat_share(futures):
        queue = np.asarray(run_members(flat, futures, ["Crisis queue"])["Crisis queue"].values)
        drift = np.abs(queue / queue[:, :1] - 1.0).max(axis=1)
        return float(np.mean(drift < 1e-3))

    assert flat_share(draws) >= 0.9
    england = history_futures(preset(profile=DEFAULT_PROFILE)).head(60)
    assert flat_share(england) < 0.5, "England's whole draw breaks the equilibrium"


def test_the_teaching_steps_are_also_checked_on_england_itself():
    for step in STORYLINE:
        moved = on_england(step)
        if step not in _teaching_steps():
            assert moved is None and england_robustness(step.key) is None
            continue
        assert {run.profile for run in moved.runs} == {DEFAULT_PROFILE}
        assert [run.values for run in moved.runs] == [run.values for run in step.runs]
        result = england_robustness(step.key)
        stated = storyline.run_step(step, model=MODEL).verdict.answer
        assert result.answer == stated
        assert result.source == "futures consistent with 2010-2020" and result.n == FUTURES
        verdicts, _ = member_verdicts(moved, model=MODEL)
        assert result.holds == sum(v.answer == stated for v in verdicts)


def test_the_page_gives_both_shares_for_a_teaching_step_only():
    from slack_sim.teach.explain import england_note

    note = england_note("tipping-point")
    assert step_robustness("tipping-point").text() in note
    result = england_robustness("tipping-point")
    assert f"{result.n} {result.source}." in note
    assert england_note("austerity") == ""
