"""No garbage from in-range inputs (issue 17): a property test with hypothesis.

Every settable input of the model (levers, uncertainties, profile inputs and loop switches)
is drawn inside its declared ``[min, max]``, each at either end or anywhere between (so
corners and interior points are both tried), on top of the England profile, and the
setting is run through the compiled engine. Every model variable must stay finite at every
output time, and every stock must stay at or above 0 (except those whose definition says
they can be negative: Reserves, a deficit).

On the model of main before issue 17 hypothesis finds a failing setting within a few
examples (a profile with no referrals, or more care starts from protection than plan
starts, gives NaN or a negative stock). ``tools/check_inputs.py`` runs the same check over
2,000 corners and 10,000 uniform draws and prints the counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slack_sim as ss
from slack_sim.model import SETTABLE_ROLES

MODEL = ss.load_model()
OUTPUTS = list(MODEL.variables)
#: settable constants with a declared range: name -> (minimum, maximum)
RANGES = {v.name: (float(v.minimum), float(v.maximum)) for v in MODEL.variables.values()
          if v.role in SETTABLE_ROLES and v.minimum is not None and v.maximum is not None}
#: stocks that must stay non-negative (a stock documented as able to go negative is exempt)
STOCKS = [v.name for v in MODEL.variables.values()
          if v.kind == "stock" and "can be negative" not in v.definition.lower()]


def _value(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Either end of ``[lo, hi]`` or any float between them."""
    return st.one_of(st.just(lo), st.just(hi),
                     st.floats(min_value=lo, max_value=hi, allow_nan=False,
                               allow_infinity=False))


SETTINGS = st.fixed_dictionaries({name: _value(lo, hi) for name, (lo, hi) in RANGES.items()})


def problems(ds) -> list[str]:
    """Return what is wrong with a run (a dataset of every output; empty when nothing is)."""
    bad = [f"{name} is not finite" for name in OUTPUTS
           if not np.isfinite(ds[name].to_numpy()).all()]
    for name in STOCKS:
        x = ds[name].to_numpy()
        if (x < 0).any():
            bad.append(f"{name} reaches {np.nanmin(x):.4g}")
    return bad


def garbage(values: dict[str, float]) -> list[str]:
    """Return what is wrong with the run of ``values`` (empty when nothing is)."""
    return problems(ss.simulate_many(pd.DataFrame([values]), OUTPUTS))


def test_the_inputs_cover_every_kind_of_settable():
    """The draw covers levers, uncertainties and profile inputs, and the stocks are checked."""
    roles = {MODEL.variables[name].role for name in RANGES}
    assert {"lever", "uncertainty", "profile"} <= roles
    assert {"Children in need support", "Children looked after", "Child protection plans",
            "Crisis queue", "Workforce"} <= set(STOCKS)
    assert "Reserves" not in STOCKS


def test_garbage_is_detected():
    """The check itself can fail: a NaN, an infinity or a negative stock is reported."""
    ds = ss.simulate_many(pd.DataFrame([{}]), OUTPUTS)
    assert problems(ds) == []
    for name, value, message in (("Waiting time", np.nan, "Waiting time is not finite"),
                                 ("Referrals", np.inf, "Referrals is not finite"),
                                 ("Children looked after", -1.0,
                                  "Children looked after reaches -1")):
        broken = ds.copy(deep=True)
        broken[name][0, 200] = value
        assert problems(broken) == [message]


_COMMON = {"deadline": None, "database": None,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


@settings(max_examples=120, derandomize=True, **_COMMON)
@given(values=SETTINGS)
def test_in_range_inputs_give_finite_outputs_and_non_negative_stocks(values):
    """Every in-range setting of all settable inputs: finite outputs, stocks >= 0."""
    assert garbage(values) == []


@pytest.mark.slow
@settings(max_examples=1000, **_COMMON)
@given(values=SETTINGS)
def test_in_range_inputs_many_random_settings(values):
    """As above, over many more random settings (a fresh random sample each run)."""
    assert garbage(values) == []
