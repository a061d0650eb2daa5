"""The block kernel's libm calls in scalar loops of their own (issue 16).

The block kernel's step is scheduled into vectorised lane loops with the calls to
``exp`` and ``pow`` in scalar loops between them, and a lane whose call arguments are the
previous lane's copies that lane's result. Neither may change a number: the block kernel
must give, bit for bit, the one-lane kernel's numbers (a loop over the same statements in
their model order, the calls in place), whichever lanes share constants, for calls nested
in other calls' arguments, and for ``pow`` of a zero base whose sign differs between
lanes (``-0.0 == 0.0``, yet ``(-0.0) ** -1`` is ``-inf``).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from engine.test_engine import random_draws

import slack_sim as ss
from slack_sim.engine import compiled as engine
from slack_sim.engine import inputs
from slack_sim.model.parse import load_model

pytestmark = pytest.mark.skipif(not engine.numba_available(),
                                reason="the block and one-lane kernels are numba's")

CALLS = """{UTF-8}
Rate=
\t0.1
\t~\t1/Month [0,1]
\t~\tA rate. Kind: uncertainty. Source: test.
\t|

Sign=
\t1
\t~\tDmnl [-1,1]
\t~\tThe sign of a zero. Kind: uncertainty. Source: test.
\t|

Exponent=
\t-1
\t~\tDmnl [-3,3]
\t~\tAn exponent. Kind: uncertainty. Source: test.
\t|

Level= INTEG (
\tInflow,
\t\t10)
\t~\tPeople
\t~\tA stock.
\t|

Signed zero=
\tSign * 0
\t~\tDmnl
\t~\t+0 or -0, by the sign.
\t|

Power of zero=
\t(Signed zero * Level) ^ Exponent
\t~\tDmnl
\t~\t+inf or -inf for exponent -1: the zero's sign decides.
\t|

Growth=
\tEXP(Rate * Time / 12)
\t~\tDmnl
\t~\tA call of time and constants only.
\t|

Nested=
\tEXP(EXP(Level / 1000) - 1) ^ (Rate + 0.5)
\t~\tDmnl
\t~\tCalls in another call's arguments.
\t|

Inflow=
\tLevel * Rate * Growth / (1 + Nested) - (Level / 100) ^ 1.5
\t~\tPeople/Month
\t~\tA flow of calls.
\t|

INITIAL TIME = 0
\t~\tMonth
\t~\tStart. Origin: 2000-07.
\t|

FINAL TIME = 24
\t~\tMonth
\t~\tEnd.
\t|

TIME STEP = 0.25
\t~\tMonth
\t~\tStep.
\t|

SAVEPER = 1
\t~\tMonth
\t~\tOutput.
\t|
"""


def one_by_one(compiled: engine.CompiledModel, P: np.ndarray, outputs: list[str],
               sched: engine.Schedule) -> np.ndarray:
    """Each scenario run alone by the one-lane kernel, as the block kernel's array."""
    return np.stack([compiled.run(P[i:i + 1], outputs, sched=sched, backend="numba")[:, 0]
                     for i in range(len(P))], axis=1)


def test_block_kernel_calls_give_the_one_lane_numbers_signed_zeros_and_nesting(
        tmp_path, monkeypatch):
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "calls.mdl"
    path.write_text(textwrap.dedent(CALLS), encoding="utf-8")
    compiled = engine.compile_model(load_model(path))
    sched = compiled.schedule()
    # lanes alternate the zero's sign with everything else equal (the previous lane's
    # arguments compare equal), then share the rate in pairs, then differ; 19 scenarios
    # leave padding lanes in the last block
    settings = [{"Sign": (-1.0) ** i, "Rate": 0.1 + 0.01 * (i // 2 if i < 12 else i),
                 "Exponent": -1.0 if i < 16 else 0.5 * i / 19} for i in range(19)]
    P = compiled.parameter_matrix(settings)
    outputs = ["Power of zero", "Growth", "Nested", "Inflow", "Level"]
    block = compiled.run(P, outputs, sched=sched, backend="numba", threads=1)
    np.testing.assert_array_equal(block, one_by_one(compiled, P, outputs, sched))
    power = block[0]
    assert np.all(power[0:16:2] == np.inf) and np.all(power[1:16:2] == -np.inf)
    assert np.isfinite(block[1:]).all()
    # and the restartable block kernel, which shares the step, from a kept state
    first = 40
    _, kept = compiled.run_state(P, outputs, sched=sched, keep=first)
    again, _ = compiled.run_state(P, outputs, sched=sched, begin=first, state=kept)
    done = int(np.count_nonzero(sched.record[:first] >= 0))
    np.testing.assert_array_equal(again[:, :, done:], block[:, :, done:])


def test_block_kernel_gives_each_scenarios_own_numbers_when_lanes_share_constants():
    # a sweep of a few columns: the lanes of a block share the profile's growth
    # constants (their exp calls are made once), the policy columns differ
    compiled = engine.compile_model()
    model = ss.load_model()
    table = random_draws(37, seed=11).iloc[:, :4]
    table.iloc[8:16] = table.iloc[8]  # a whole block of one scenario
    P, _, _ = inputs.parameters(table, model=model, compiled=compiled,
                                profile=ss.DEFAULT_PROFILE)
    called = [model.variables[n].name for n in model.variables
              if any(f in model.variables[n].equation for f in ("EXP(", "^"))]
    assert len(called) >= 5  # the model's exp and pow equations
    outputs = [*called, "Crisis queue", "Reserves", "Children looked after"]
    sched = compiled.schedule()
    block = compiled.run(P, outputs, sched=sched, backend="numba", threads=1)
    np.testing.assert_array_equal(block, one_by_one(compiled, P, outputs, sched))
