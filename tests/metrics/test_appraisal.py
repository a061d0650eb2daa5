"""Appraisal: known answers on constructed runs (window, discounting, prices, payback)."""

import re

import numpy as np
import pytest

from slack_sim.metrics.appraisal import appraise, discount_from
from slack_sim.validation import ValidationError

GRID = 2010 + np.arange(0, 436) / 12  # the model's grid: January 2010 to the end of March 2046
CATS = {"Prevention": "P", "Care": "C"}
START = 2027 + 3 / 12  # April 2027


def runs(extra_prevention=1e6 / 12, care_saving=2e6 / 12, lag_months=0, members=1):
    n = len(GRID)
    base = {"P": np.full((members, n), 1e6), "C": np.full((members, n), 5e6),
            "H": np.full((members, n), 100.0), "R": np.full((members, n), 1e6)}
    pol = {k: v.copy() for k, v in base.items()}
    on = GRID >= START - 1e-9
    pol["P"][:, on] += extra_prevention
    later = GRID >= START + lag_months / 12 - 1e-9
    pol["C"][:, later] -= care_saving
    pol["H"][:, later] -= 10.0
    return pol, base


def run_appraisal(pol, cf, **kw):
    return appraise(pol, cf, years_index=GRID, categories=CATS, prevention="Prevention",
                    harm="H", reserves="R", start=START, **kw)


def test_known_answer_at_model_prices():
    a = run_appraisal(*runs(), prices="2010-11")
    annuity = sum(1.035 ** (-m / 12) for m in range(120)) / 12  # 8.4734 years
    c = a.own
    assert annuity == pytest.approx(8.4734, abs=1e-4)
    assert c["npv_net_cost"] == pytest.approx(-1e6 * annuity, rel=1e-9)
    assert c["costs"] == pytest.approx(1e6 * annuity, rel=1e-9)
    assert c["savings"] == pytest.approx(2e6 * annuity, rel=1e-9)
    assert c["benefit_cost_ratio"] == pytest.approx(2.0)
    assert c["return_per_pound"] == pytest.approx(2.0)
    assert c["payback_year"] == "2027-28"
    assert c["avoided_harm"] == pytest.approx(10.0 * 120)
    assert list(a.by_year.index) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2027, 2037)]
    assert a.by_year["Net cost"].iloc[0] == pytest.approx(-1e6)  # a year's worth, undiscounted


def test_discounting_starts_at_the_window_not_at_2010():
    assert discount_from(np.array([0.0, 1.0, 31.0])) == pytest.approx(
        [1.0, 0.966184, 0.345901], abs=1e-6)
    a = run_appraisal(*runs(), prices="2010-11")
    first = a.by_year["Net cost, discounted"].iloc[0]
    assert first == pytest.approx(-1e6 / 12 * sum(1.035 ** (-m / 12) for m in range(12)))


def test_prices_scale_money_but_not_harm():
    real = run_appraisal(*runs(), prices="2010-11").own
    now = run_appraisal(*runs(), prices="2025-26").own
    assert now["npv_net_cost"] / real["npv_net_cost"] == pytest.approx(103.2388 / 68.8561,
                                                                       rel=1e-5)
    assert now["avoided_harm"] == real["avoided_harm"]
    assert now["benefit_cost_ratio"] == pytest.approx(real["benefit_cost_ratio"])


def test_payback_waits_for_the_savings():
    # savings start 3 years in and are 3 times the cost: breaks even later, in year 5
    a = run_appraisal(*runs(care_saving=3e6 / 12, lag_months=36), prices="2010-11")
    assert a.own["payback_year"] == "2031-32"
    never = run_appraisal(*runs(care_saving=0.5e6 / 12), prices="2010-11")
    assert never.own["payback_year"] is None
    assert never.own["npv_net_cost"] > 0


def test_probability_over_the_futures_not_this_run():
    pol, cf = runs(members=4)
    pol["C"][2:, GRID >= START - 1e-9] += 3e6 / 12  # two futures where care costs rise
    a = run_appraisal(pol, cf, prices="2010-11")
    # member 0 (this run) saves, as does future 1; futures 2 and 3 cost: 1 in 3 futures
    # (counting this run among them gave 2 in 4)
    assert bool(a.totals["npv_net_cost"].iloc[0] < 0)
    assert a.probability_of_saving() == pytest.approx(1 / 3)


@pytest.mark.parametrize(("kw", "fragment"), [
    ({"years": 0}, "years: 0 is outside"), ({"rate": -0.01}, "rate: -0.01 is outside"),
    ({"years": 30}, "past the model's horizon (months January 2010 to March 2046); for 30 "
                      "years start by April 2016"),
    ({"prices": "2025"}, "not a financial year"),
])
def test_bad_appraisal_inputs(kw, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        run_appraisal(*runs(), **kw)


def test_bands_are_percentiles_over_the_futures_and_this_run_is_member_0():
    from slack_sim.metrics.appraisal import fy_label

    pol, cf = runs(members=5)
    on = GRID >= START - 1e-9
    for k, saving in enumerate((0.0, 0.5, 1.5, 2.0, 3.0)):  # care saved, £m a year
        pol["C"][k] = cf["C"][k] - on * saving * 1e6 / 12
    a = run_appraisal(pol, cf, prices="2010-11")
    b = a.bands()
    npv = a.totals["npv_net_cost"].to_numpy(dtype=float)
    futures = npv[1:]  # member 0 is this run, beside the futures, not among them
    assert b.loc["npv_net_cost", "central"] == pytest.approx(np.median(futures))
    assert b.loc["npv_net_cost", "central"] != pytest.approx(np.median(npv))
    assert b.loc["npv_net_cost", "low"] == pytest.approx(np.percentile(futures, 5))
    assert b.loc["npv_net_cost", "high"] == pytest.approx(np.percentile(futures, 95))
    assert b.loc["npv_net_cost", "own"] == npv[0] != pytest.approx(np.median(futures))
    # this run and future 1 never pay back, futures 2-4 in the first year: the median
    # pays back, the 95th percentile does not, and no year is interpolated
    assert list(a.totals["payback_year"]) == [None, None, "2027-28", "2027-28", "2027-28"]
    assert fy_label(b.loc["payback_year", "central"]) == "2027-28"
    assert fy_label(b.loc["payback_year", "high"]) is None
    assert b.loc["payback_year", "defined"] == pytest.approx(0.75)
    assert fy_label(b.loc["payback_year", "own"]) is None


def test_the_rates_are_written_as_typed_and_credited_to_the_green_book_only_when_its_own():
    from slack_sim.metrics.appraisal import rates_text

    assert rates_text(0.035, 0.030).endswith("(HM Treasury Green Book)")
    typed = rates_text(0.0425, 0.10)
    assert typed.startswith("4.25% a year to year 30, 10% after")  # not "4.2%"
    assert "HM Treasury Green Book)" not in typed and "Green Book's: 3.5% and 3%" in typed
