"""The appraisal takes its policy members from the ensemble's runs (issue 16, round 2).

The app's ensemble runs the scenario over the profile's 500 history-consistent futures;
the appraisal's futures are a seeded subset of them. :func:`slack_sim.ui.risk.ensemble_view`
leaves its runs of the appraisal's outputs in ``POLICY_RUNS`` and the appraisal takes its
members from there, running member 0 alone. Its numbers must be today's, bit for bit.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.analysis import appraise as appraise_module
from slack_sim.analysis.ensemble import draw_futures, history_futures
from slack_sim.analysis.run_memo import MemberRuns
from slack_sim.ui import risk

#: a lever moved (so the appraisal differs from zero) and an assumption set
MOVED = {"Prevention ring fence": 1, "Policy start time": 207, "Slack target": 0.21}


def _rows_run(monkeypatch) -> list[int]:
    """Record the members of every batch the appraisal runs on this test's thread.

    Only this thread's: a thread an earlier test in the same process left running (the
    app's guess of the next slider step appraises its scenario too, ``ui.speculate``)
    calls the same function and would add its batches at any moment (seen once in CI).
    """
    rows: list[int] = []
    real = appraise_module.simulate_many
    owner = threading.get_ident()

    def counting(table, outputs, **kwargs):
        if threading.get_ident() == owner:
            rows.append(len(table))
        return real(table, outputs, **kwargs)

    monkeypatch.setattr(appraise_module, "simulate_many", counting)
    return rows


def _assert_same(a: ss.analysis.appraise.AppraisalRun, b) -> None:
    for name in ("by_year", "totals"):
        x, y = getattr(a.appraisal, name), getattr(b.appraisal, name)
        pd.testing.assert_frame_equal(x, y, check_exact=True)
        xs, ys = x.select_dtypes("number"), y.select_dtypes("number")
        assert xs.shape[1] > 0 and np.array_equal(xs.to_numpy(dtype=float),
                                                  ys.to_numpy(dtype=float), equal_nan=True)
    assert a.appraisal.notes == b.appraisal.notes
    assert (a.futures, a.futures_source) == (b.futures, b.futures_source)


@pytest.mark.parametrize("futures", [100, 500])
def test_the_appraisal_after_the_ensemble_is_todays_bit_for_bit(monkeypatch, futures):
    sc = ss.preset().with_values(MOVED)
    if history_futures(sc) is None:
        pytest.skip("the default profile has no history-consistent futures")
    cf = appraise_module.current_policy(sc)
    appraise_module.POLICY_RUNS.clear()
    appraise_module._COUNTERFACTUALS.clear()
    today = appraise_module.appraise_scenario(sc, start=2027.25, futures=futures)
    risk.ensemble_view(sc, ss.preset("baseline"), n=500, seed=0)  # the Scenario page's
    rows = _rows_run(monkeypatch)
    reused = appraise_module.appraise_scenario(sc, start=2027.25, futures=futures)
    # the counterfactual is remembered and the policy's futures taken: member 0 only ran
    assert rows == [1]
    _assert_same(today, reused)
    # and so is an appraisal whose counterfactual is run afresh beside it
    appraise_module._COUNTERFACTUALS.clear()
    rows.clear()
    fresh_cf = appraise_module.appraise_scenario(sc, start=2027.25, futures=futures)
    assert rows == [1, futures + 1] and cf.key != sc.key
    _assert_same(today, fresh_cf)


def test_an_ensemble_of_other_futures_is_not_taken(monkeypatch):
    sc = ss.preset().with_values(MOVED)
    appraise_module.POLICY_RUNS.clear()
    appraise_module._COUNTERFACTUALS.clear()
    # bands over other groups draw other futures (plausible ones, other columns)
    risk.ensemble_view(sc, None, n=20, seed=0, groups=["Effect sizes", "Need"])
    rows = _rows_run(monkeypatch)
    appraise_module.appraise_scenario(sc, start=2027.25, futures=20)
    assert rows == [21, 21]
    # another scenario's ensemble is not this one's
    other = sc.with_values({"Slack target": 0.22})
    risk.ensemble_view(other, None, n=500, seed=0)
    rows.clear()
    appraise_module.appraise_scenario(sc, start=2027.25, futures=20)
    assert rows == [21]


def _samples(values):
    return pd.DataFrame({"Prevention effect size": values, "Fatigue effect": [1.0] * len(values)})


def test_member_runs_give_the_rows_asked_for_in_their_order():
    store, sc = MemberRuns(2), ss.preset()
    samples = _samples([0.1, 0.2, 0.3])
    runs = {"x": np.array([[1.0, 1.5], [2.0, 2.5], [3.0, 3.5]])}
    store.put(sc, samples, outputs=runs, years=np.array([2010.0, 2010.1]))
    taken, years = store.take(sc, _samples([0.3, 0.1]), ["x"])
    assert np.array_equal(taken["x"], [[3.0, 3.5], [1.0, 1.5]])
    assert np.array_equal(years, [2010.0, 2010.1])
    runs["x"][0, 0] = 9.0  # kept as a copy (the caller's block is not held)
    again, _ = store.take(sc, _samples([0.1]), ["x"])
    assert again["x"][0, 0] == 1.0
    # a member not run, an output not kept, other columns or another scenario: not found
    assert store.take(sc, _samples([0.1, 0.25]), ["x"]) is None
    assert store.take(sc, _samples([0.1]), ["x", "y"]) is None
    assert store.take(sc, _samples([0.1])[["Fatigue effect", "Prevention effect size"]],
                      ["x"]) is None
    assert store.take(sc.with_values({"Slack target": 0.2}), _samples([0.1]), ["x"]) is None
    # members are compared bit for bit
    assert store.take(sc, _samples([0.1 + 1e-16 * 2]), ["x"]) is None
    with pytest.raises(ValueError, match="members x times"):
        store.put(sc, samples, outputs={"x": np.zeros((2, 2))}, years=np.zeros(2))


def test_member_runs_follow_the_profile_and_drop_the_oldest(monkeypatch):
    store, sc = MemberRuns(2), ss.preset()
    runs = {"x": np.zeros((1, 2))}
    for v in (0.1, 0.2, 0.3):
        store.put(sc.with_values({"Slack target": v}), _samples([0.5]), outputs=dict(runs),
                  years=np.zeros(2))
    assert store.take(sc.with_values({"Slack target": 0.1}), _samples([0.5]), ["x"]) is None
    assert store.take(sc.with_values({"Slack target": 0.3}), _samples([0.5]), ["x"])
    monkeypatch.setattr("slack_sim.analysis.run_memo.profile_version", lambda name: "edited")
    monkeypatch.setattr("slack_sim.analysis.run_memo._stamp", lambda name: ("touched",))
    assert store.take(sc.with_values({"Slack target": 0.3}), _samples([0.5]), ["x"]) is None


def test_the_appraisals_futures_are_among_the_ensembles():
    sc = ss.preset().with_values(MOVED)
    if history_futures(sc) is None:
        pytest.skip("the default profile has no history-consistent futures")
    every, _, _ = draw_futures(sc, n=500, seed=0)
    some, _, _ = draw_futures(sc, n=100, seed=0)
    rows = {r.tobytes() for r in every.to_numpy(dtype=float)}
    assert all(r.tobytes() in rows for r in some.to_numpy(dtype=float))
