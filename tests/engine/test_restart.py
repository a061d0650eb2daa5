"""Runs that go on from a kept state (issue 16): the no-shock counterfactuals of recovery.

``CompiledModel.run_state`` keeps every scenario's stocks at an integration step and runs
from such a state; ``simulate_many(keep_state=..., from_state=...)`` and
``analysis.batch.no_shock_queue(state=...)`` use it so that the no-shock counterfactuals
skip the steps before the shock. Proven here: the same numbers, bit for bit, as runs from
the initial time (the app's 500 futures, both shocks), and within 1e-9 of PySD's
no-shock runs.
"""

import numpy as np
import pandas as pd
import pytest
from engine.pysd_reference import reference

import slack_sim as ss
from slack_sim.analysis import batch
from slack_sim.analysis.ensemble import draw_futures
from slack_sim.engine import compiled as engine
from slack_sim.engine.inputs import parameters
from slack_sim.engine.state import state_step

pytestmark = pytest.mark.skipif(not engine.numba_available(), reason="needs numba")

MODEL = ss.load_model()
TOL = 1e-9


def _matrix(scenario: ss.Scenario, samples: pd.DataFrame) -> np.ndarray:
    table = samples.copy()
    for name, value in scenario.values.items():
        if name not in table.columns:
            table[name] = value
    cm = engine.compile_model(MODEL)
    return parameters(table, model=MODEL, compiled=cm, profile=scenario.profile)[0]


def _futures(n: int = 500) -> tuple[ss.Scenario, pd.DataFrame]:
    scenario = ss.preset().with_values({"Slack target": 0.2, "Prevention time protection": 0.5})
    draws, _, _ = draw_futures(scenario, n=n, seed=0)
    return scenario, draws


def test_a_run_from_its_own_kept_state_is_the_run_bit_for_bit():
    cm = engine.compile_model(MODEL)
    sched = cm.schedule()
    scenario, draws = _futures(64)
    P = _matrix(scenario, draws)
    names = list(MODEL.variables)
    full = cm.run(P, names, sched=sched)
    step = state_step(sched, 121.3)
    same, kept = cm.run_state(P, names, sched=sched, keep=step)
    np.testing.assert_array_equal(same, full)  # keeping a state changes nothing
    # the state kept is the stocks at that step (a recorded step: their outputs)
    rec = int(sched.record[state_step(sched, 121.0)])
    at = np.stack([full[names.index(s), :, rec] for s in cm.stocks], axis=1)
    _, kept_rec = cm.run_state(P, names[:1], sched=sched, keep=state_step(sched, 121.0))
    np.testing.assert_array_equal(kept_rec, at)
    again, _ = cm.run_state(P, names, sched=sched, begin=step, state=kept)
    first = int(np.count_nonzero(sched.record[:step] >= 0))
    assert np.isnan(again[:, :, :first]).all()
    np.testing.assert_array_equal(again[:, :, first:], full[:, :, first:])


@pytest.mark.parametrize("shock", [1, 2])
def test_no_shock_counterfactuals_from_the_state_equal_full_runs_bit_for_bit(shock):
    scenario, draws = _futures()
    if shock == 2:  # the second shock first (2015), so the main one; Covid's still after it
        scenario = scenario.with_values({"Shock 2 length": 12.0, "Shock 2 start": 60.0,
                                         "Shock 2 demand surge": 0.4})
    settings = batch.member_settings(scenario, draws)
    assert (batch.main_shock(settings)[0] == shock).all()
    start = batch.shock_start(settings)
    own = batch.run_members(scenario, draws, ["Crisis queue"], keep_state=start)
    state = own.attrs["state"]
    assert state.time <= start < state.time + MODEL.time_step
    assert state.before > 50  # the counterfactuals skip the years before the shock
    fast = batch.no_shock_queue(scenario, draws, settings, state=state,
                                queue=own["Crisis queue"].values)
    slow = batch.no_shock_queue(scenario, draws, settings)
    np.testing.assert_array_equal(fast, slow)
    # and the shock mattered: the counterfactual differs from the member's own run
    assert not np.array_equal(fast, own["Crisis queue"].values)


def test_ensemble_outcomes_are_the_same_with_and_without_restarting(monkeypatch):
    scenario = ss.preset().with_values({"Slack target": 0.13})
    fast = ss.ensemble(scenario, n=200, seed=1, baseline=ss.preset("baseline"))
    monkeypatch.setattr(batch, "RESTART", False)
    slow = ss.ensemble(scenario, n=200, seed=1, baseline=ss.preset("baseline"))
    pd.testing.assert_frame_equal(fast.outcomes, slow.outcomes, check_exact=True)
    pd.testing.assert_frame_equal(fast.bands, slow.bands, check_exact=True)
    assert fast.outcomes["recovery_months"].notna().any()
    assert "state" not in fast.data.attrs  # the kept state is internal to the batch


def test_a_counterfactual_from_the_shocked_runs_state_matches_pysd_from_the_start():
    # PySD's own restart (initial_condition) evaluates INITIAL values again at the new
    # start, so the reference is PySD's no-shock run from the initial time
    cm = engine.compile_model(MODEL)
    sched = cm.schedule()
    scenario, draws = _futures(16)
    P = _matrix(scenario, draws)
    settings = batch.member_settings(scenario, draws)
    step = state_step(sched, batch.shock_start(settings))
    names = list(MODEL.variables)
    _, kept = cm.run_state(P, names[:1], sched=sched, keep=step)  # the shocked runs
    nos = draws.assign(**{"Shock 1 length": 0.0})
    got, _ = cm.run_state(_matrix(scenario, nos), names, sched=sched, begin=step, state=kept)
    first = int(np.count_nonzero(sched.record[:step] >= 0))
    assert first > 100
    for i in (0, 7, 13):
        ref = reference(scenario.with_values(nos.iloc[i].to_dict()))
        want = ref[names].to_numpy(dtype=float).T[:, first:]
        have = got[:, i, first:]
        scale = np.abs(want).max(axis=1, keepdims=True)
        scale[scale == 0] = 1.0
        err = np.abs(have - want) / scale
        worst = np.unravel_index(np.argmax(err), err.shape)
        assert err.max() < TOL, (f"member {i}: {names[worst[0]]} at output {first + worst[1]} "
                                 f"differs by {err.max():.2e} of its scale")


def test_run_state_checks_its_steps_and_state():
    cm = engine.compile_model(MODEL)
    sched = cm.schedule()
    P = np.repeat(cm.defaults[None, :], 3, axis=0)
    with pytest.raises(ValueError, match=r"state must have shape \(3, 16\)"):
        cm.run_state(P, ["Crisis queue"], sched=sched, begin=10, state=np.zeros((2, 16)))
    with pytest.raises(ValueError, match="begin must be an integration step"):
        cm.run_state(P, ["Crisis queue"], sched=sched, begin=len(sched.times))
    with pytest.raises(ValueError, match="numba backend and no 'at'"):
        ss.simulate_many([ss.preset()], ["Crisis queue"], keep_state=120.0, at=[2020.0])


def test_the_restart_is_used_only_while_a_length_acts_through_its_switch_alone(monkeypatch):
    guard = batch._lengths_act_only_through_switches
    assert guard(MODEL.version)  # this model: the restart is on

    class Edited:
        version = "edited"

        @staticmethod
        def edges():  # a length used by something besides its switch
            return [*MODEL.edges(), ("Shock 1 length", "Crisis queue")]

    monkeypatch.setattr(batch, "load_model", lambda: Edited)
    assert not guard("edited")
    seen = []
    real = batch.run_members
    monkeypatch.setattr(batch, "run_members",
                        lambda *a, **k: seen.append(k) or real(*a, **k))
    scenario, draws = _futures(16)
    batch.run_batch(scenario, draws)
    assert seen and not any(seen)  # every run from the initial time
