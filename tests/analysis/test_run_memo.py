"""The in-process memo of comparator runs (analysis/run_memo.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.analysis import appraise as appraise_module
from slack_sim.analysis.run_memo import RunMemo


def _samples(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"Prevention effect size": values})


def test_a_run_is_computed_once_per_key_and_shared_read_only():
    memo, calls = RunMemo(4), []

    def compute():
        calls.append(1)
        return {"x": np.arange(3.0)}, np.arange(2.0)

    sc = ss.preset()
    first = memo.get(sc, _samples([0.1, 0.2]), what="x", compute=compute)
    again = memo.get(sc, _samples([0.1, 0.2]), what="x", compute=compute)
    assert again is first and len(calls) == 1
    with pytest.raises(ValueError):
        first[0]["x"][0] = 5.0  # shared: read-only
    # anything that decides the run gives a new entry
    memo.get(sc, _samples([0.1, 0.3]), what="x", compute=compute)
    memo.get(sc, _samples([0.1, 0.2]), what="y", compute=compute)
    memo.get(sc.with_values({"Slack target": 0.2}), _samples([0.1, 0.2]), what="x",
             compute=compute)
    assert len(calls) == 4


def test_the_key_follows_the_profiles_values(monkeypatch):
    sc, samples = ss.preset(), _samples([0.1])
    before = RunMemo.key(sc, samples, what="x")
    monkeypatch.setattr("slack_sim.analysis.run_memo.profile_version", lambda name: "edited")
    # the version is hashed again when the profile's files change (their times)
    assert RunMemo.key(sc, samples, what="x") == before
    monkeypatch.setattr("slack_sim.analysis.run_memo._stamp", lambda name: ("touched",))
    assert RunMemo.key(sc, samples, what="x") != before


def test_the_oldest_entry_goes_first():
    memo, calls = RunMemo(2), []
    sc = ss.preset()

    def compute():
        calls.append(1)
        return np.zeros(1)

    for v in (0.1, 0.2, 0.1, 0.3, 0.2):  # 0.2 was the oldest when 0.3 came
        memo.get(sc, _samples([v]), what="x", compute=compute)
    assert len(calls) == 4


def test_the_appraisal_with_a_remembered_counterfactual_is_the_fresh_one():
    sc = ss.preset().with_values({"Slack target": 0.2})
    other = ss.preset().with_values({"Slack target": 0.05})
    appraise_module._COUNTERFACTUALS.clear()
    fresh = appraise_module.appraise_scenario(sc, futures=20)
    appraise_module.appraise_scenario(sc, against=other, futures=20)  # another counterfactual
    again = appraise_module.appraise_scenario(sc, futures=20)  # current policy, remembered
    assert len(appraise_module._COUNTERFACTUALS._runs) == 2
    pd.testing.assert_frame_equal(fresh.appraisal.by_year, again.appraisal.by_year)
    pd.testing.assert_frame_equal(fresh.appraisal.totals, again.appraisal.totals)
