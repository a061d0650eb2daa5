"""Outcome metrics: known answers on constructed series, then on model runs; one headline
computation for a run and a batch; model facts (harm, the ledger) read from the model."""

import math

import numpy as np
import pandas as pd
import pytest
from simhelpers import run

import slack_sim as ss
import slack_sim.metrics as m
from slack_sim.metrics import catalogue, finance, headline, resilience


def annual(values, start=2010):
    return pd.Series(np.asarray(values, dtype=float), index=start + np.arange(len(values)) * 1.0)


def monthly(values, start=2010.0):
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=start + np.arange(len(values)) / 12.0)


# -- discounting -------------------------------------------------------------------------------


def test_discount_factor_green_book_schedule():
    assert m.discount_factor(0.0) == pytest.approx(1.0)
    assert m.discount_factor(1.0) == pytest.approx(1 / 1.035, rel=1e-12)
    assert m.discount_factor(30.0) == pytest.approx(1.035**-30, rel=1e-12)
    # the rate steps to 3.0% after year 30; the factor is continuous
    assert m.discount_factor(31.0) == pytest.approx(1.035**-30 / 1.03, rel=1e-12)
    assert m.discount_factor(40.0) == pytest.approx(1.035**-30 * 1.03**-10, rel=1e-12)
    assert m.discount_factor(30.0 + 1e-9) == pytest.approx(m.discount_factor(30.0), rel=1e-9)
    # the one-year rate on either side of the switch
    assert m.discount_factor(29.0) / m.discount_factor(30.0) == pytest.approx(1.035)
    assert m.discount_factor(30.0) / m.discount_factor(31.0) == pytest.approx(1.03)
    # monthly factor from the annual rate
    assert m.discount_factor(1 / 12) == pytest.approx(1.035 ** (-1 / 12), rel=1e-12)


def test_npv_constant_million_a_year_for_ten_years():
    # convention: year 0 undiscounted, year t discounted by 1/1.035^t
    expected = sum(1e6 / 1.035**t for t in range(10))
    assert expected == pytest.approx(8_607_686.5, abs=1)
    assert m.npv(annual([1e6] * 10), per="year") == pytest.approx(expected, rel=1e-12)


def test_npv_monthly_flows_discount_each_month_from_its_start():
    flow = monthly([1e6 / 12] * 120)  # GBP per month
    r = 1.035 ** (-1 / 12)
    expected = 1e6 / 12 * (1 - r**120) / (1 - r)
    assert m.npv(flow) == pytest.approx(expected, rel=1e-12)
    assert m.npv(flow) == pytest.approx(8_473_445.6, abs=1)
    # the same money per year as a rate per year, monthly rows
    assert m.npv(monthly([1e6] * 120), per="year") == pytest.approx(expected, rel=1e-12)


def test_npv_schedule_switch_at_year_30():
    flows = annual([1.0] * 40)
    expected = sum(1.035**-t for t in range(31)) + sum(
        1.035**-30 * 1.03 ** -(t - 30) for t in range(31, 40)
    )
    assert m.npv(flows, per="year") == pytest.approx(expected, rel=1e-12)
    # with 3.5% throughout it would be smaller
    assert expected > sum(1.035**-t for t in range(40))


def test_npv_base_year():
    flows = annual([1.0] * 5, start=2020)
    assert m.npv(flows, per="year", base_year=2020) == pytest.approx(
        sum(1.035**-t for t in range(5))
    )
    assert m.npv(flows, per="year") == pytest.approx(
        sum(1.035 ** -(t + 10) for t in range(5))
    )


def test_npv_rejects_uneven_index():
    with pytest.raises(ValueError, match="evenly spaced"):
        m.npv(pd.Series([1.0, 1.0, 1.0], index=[2010.0, 2011.0, 2013.0]))
    with pytest.raises(ValueError, match="give step"):
        m.npv(pd.Series([1.0], index=[2010.0]))
    assert m.npv(pd.Series([12.0], index=[2010.0]), step=1.0, per="year") == 12.0


# -- policy against baseline -------------------------------------------------------------------


def test_break_even_known_answers():
    # cumulative discounted: -10, -5.17, -0.50, +4.01, +8.37 -> positive from 2013
    assert m.break_even_year(annual([-10, 5, 5, 5, 5]), per="year") == 2013.0
    # never positive at the end: not within the horizon
    assert m.break_even_year(annual([-10, 1, 1, 1]), per="year") is None
    # positive from the first period
    assert m.break_even_year(annual([1, 1, 1]), per="year") == 2010.0
    # positive, then negative, then positive again: the last crossing counts
    assert m.break_even_year(annual([5, -10, 3, 3, 3]), per="year") == 2013.0
    # identical spending (zero saving) never breaks even
    assert m.break_even_year(annual([0.0] * 5), per="year") is None


def test_break_even_monthly():
    # invest 12 a month for a year, then save 6 a month: undiscounted break-even after 24
    # months of saving; discounting pushes it a little later
    saving = monthly([-12.0] * 12 + [6.0] * 60)
    year = m.break_even_year(saving)
    assert 2013.0 < year < 2013.5
    assert round((year - 2010.0) * 12) == pytest.approx((year - 2010.0) * 12)


def test_benefit_cost_ratio_by_category():
    savings = pd.DataFrame({"prevention": [-10.0, 0, 0, 0], "crisis": [0.0, 5, 5, 5]},
                           index=[2010.0, 2011.0, 2012.0, 2013.0])
    b = 5 * (1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)
    assert m.benefit_cost_ratio(savings, per="year") == pytest.approx(b / 10, rel=1e-12)
    assert m.benefit_cost_ratio(savings[["crisis"]], per="year") == math.inf
    assert m.benefit_cost_ratio(savings * 0, per="year") is None


def test_cost_per_child_and_runway():
    # v2: money is for the profile's whole population, so the per-head figure divides by the
    # children it is for (the model's Child population), not a fixed 100,000 residents
    assert m.cost_per_child_per_year(monthly([1.5e6] * 24), 100_000) == pytest.approx(180.0)
    children = monthly([50_000.0] * 12 + [150_000.0] * 12)  # 100,000 child-years a year
    assert m.cost_per_child_per_year(monthly([1.5e6] * 24), children) == pytest.approx(180.0)
    assert m.per_100k_children(360.0, 200_000) == pytest.approx(180.0)
    with pytest.raises(ValueError, match="same time index"):
        m.cost_per_child_per_year(monthly([1.5e6] * 24), monthly([1.0] * 12))
    with pytest.raises(ValueError, match="positive"):
        m.cost_per_child_per_year(monthly([1.5e6] * 24), 0.0)
    reserves = monthly([3.0, 2.0, 1.0, 0.0, -1.0, 2.0])
    assert m.reserves_runway(reserves) == pytest.approx(2010 + 4 / 12)
    assert m.reserves_runway(monthly([1.0, 0.0, 1.0])) is None


# -- people and resilience ---------------------------------------------------------------------


def shock_queue(relapse=False):
    """Queue of 100; +10 a month during a 6-month shock from month 24, then -10 a month."""
    q = np.full(120, 100.0)
    q[24:31] = 100 + 10 * np.arange(7)  # 160 at month 30, the shock's end
    q[30:37] = 160 - 10 * np.arange(7)  # back to 100 at month 36
    if relapse:
        q[60:70] = 120.0  # out of the band again, back at month 70
    return monthly(q)


def test_person_months_and_harm():
    assert m.person_months(monthly([100.0] * 12)) == pytest.approx(1200.0)
    assert m.cumulative_harm(monthly([1.0] * 12), monthly([2.0] * 12)) == pytest.approx(36.0)
    assert m.peak(monthly([1.0, 3.0, 2.0, 3.0])) == (3.0, pytest.approx(2010 + 1 / 12))


def test_shock_recovery_on_constructed_series():
    q = shock_queue()
    r = m.shock_response(q, start=24, length=6)
    assert r["pre_shock_level"] == 100.0
    assert r["depth"] == pytest.approx(60.0) and r["depth_share"] == pytest.approx(0.6)
    assert r["peak_year"] == pytest.approx(2010 + 30 / 12)
    # 110 at month 35 is outside the 5% band, 100 at month 36 inside: 6 months after the end
    assert r["recovered"] and r["recovery_months"] == 6.0
    # a wider band recovers a month earlier
    assert m.shock_response(q, start=24, length=6, tolerance=0.1)["recovery_months"] == 5.0


def test_shock_recovery_must_stay():
    r = m.shock_response(shock_queue(relapse=True), start=24, length=6)
    assert r["recovery_months"] == 70 - 30
    # the relapse is ignored when a second shock starts before it
    r2 = m.shock_response(shock_queue(relapse=True), start=24, length=6, window_end=60)
    assert r2["recovery_months"] == 6.0


def test_shock_did_not_recover():
    q = shock_queue().to_numpy().copy()
    q[30:] = 160.0  # a lasting degraded state: the tipping signal
    r = m.shock_response(monthly(q), start=24, length=6)
    assert not r["recovered"] and r["recovery_months"] is None
    assert r["depth"] == pytest.approx(60.0)


def test_shock_recovery_against_the_no_shock_counterfactual():
    """v2's demand grows, so a queue never returns to its pre-shock level even without a
    shock: recovery is judged against the same run without the shock, time by time."""
    trend = 100.0 * 1.01 ** np.arange(120)  # 1% a month: no-shock queue
    bump = np.zeros(120)
    bump[24:31] = 10 * np.arange(7)  # +60 by month 30, the shock's end
    bump[30:37] = 60 - 10 * np.arange(7)  # back on the trend at month 36
    q = trend + bump
    queue, cf = monthly(q), monthly(trend)
    r = m.shock_response(queue, start=24, length=6, counterfactual_queue=cf)
    assert r["recovered"] and r["recovery_basis"] == "no-shock counterfactual"
    # +10 on the trend at month 35 (141.7) is 7.1% above it, +0 at month 36 inside the band:
    # recovered 6 months after the end, as the flat known answer
    assert 10 / trend[35] > 0.05 and r["recovery_months"] == 6.0
    # against the pre-shock level (100) the growing queue never recovers
    flat = m.shock_response(queue, start=24, length=6)
    assert not flat["recovered"] and flat["recovery_basis"] == "pre-shock level"
    # the trend itself, as a "shocked" run, recovers at once
    assert m.shock_response(cf, start=24, length=6,
                            counterfactual_queue=cf)["recovery_months"] == 0.0
    with pytest.raises(ValueError, match="same index"):
        m.shock_response(queue, start=24, length=6, counterfactual_queue=cf.iloc[:-1])


def test_shock_recovery_is_one_sided():
    q = shock_queue().to_numpy().copy()
    q[36:] = 80.0  # settles below the pre-shock level: recovered
    assert m.shock_response(monthly(q), start=24, length=6)["recovery_months"] == 6.0


def test_excess_harm():
    q = shock_queue()
    flat = monthly([100.0] * 120)
    r = m.shock_response(q, start=24, length=6, harm=q, counterfactual_harm=flat)
    assert r["excess_harm"] == pytest.approx(2 * (10 + 20 + 30 + 40 + 50) + 60)
    assert r["excess_harm_basis"] == "no-shock counterfactual"
    r = m.shock_response(q, start=24, length=6, harm=q)
    assert r["excess_harm"] == pytest.approx(360.0)
    assert r["excess_harm_basis"] == "pre-shock level"


def test_shocks_in_settings():
    settings = {"Shock 1 start": 122.0, "Shock 1 length": 15.0, "Shock 2 start": 100.0,
                "Shock 2 length": 0.0, "Slack target": 0.15}
    assert m.shocks_in(settings) == [(1, 122.0, 15.0)]
    settings["Shock 2 length"] = 6.0
    assert m.shocks_in(settings) == [(2, 100.0, 6.0), (1, 122.0, 15.0)]


# -- on model runs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frames():
    return {
        "baseline": run(ss.preset("baseline")),
        "atc": run(ss.preset("austerity-then-covid")),
        "its": run(ss.preset("invest-to-save")),
        "atc-no-shock": run(ss.preset("austerity-then-covid").with_values(
            {"Shock 1 length": 0.0})),
    }


@pytest.mark.parametrize("discount", [True, False])
@pytest.mark.parametrize("policy", ["atc", "its"])
def test_ledger_adds_up(frames, policy, discount):
    base, pol = frames["baseline"].iloc[:-1], frames[policy].iloc[:-1]
    ledger = m.savings_ledger(pol, baseline=base, discount=discount)
    assert list(ledger.index) == [*m.LEDGER_ROWS, "Total spending"]
    cats = ledger.drop(index="Total spending")
    total = ledger.loc["Total spending"]
    scale = abs(total["baseline"])
    for col in ("baseline", "scenario", "change"):
        assert cats[col].sum() == pytest.approx(total[col], abs=1e-9 * scale)
    assert cats["cost grown"].sum() - cats["money cut"].sum() == pytest.approx(
        total["change"], abs=1e-9 * scale
    )
    if discount:
        change = m.npv(pol["Total spending"]) - m.npv(base["Total spending"])
        assert total["change"] == pytest.approx(change, rel=1e-12)
    # austerity cuts prevention and the cost reappears in crisis response and care
    if policy == "atc":
        assert ledger.loc["Prevention", "side"] == "cut"
        assert ledger.loc["Care placements", "side"] == "grew"
        assert ledger.loc["Failure demand (re-work by crisis staff)", "side"] == "grew"


def test_ledger_of_a_scenario_against_itself(frames):
    base = frames["baseline"].iloc[:-1]
    ledger = m.savings_ledger(base, baseline=base)
    assert (ledger["change"] == 0).all() and (ledger["side"] == "unchanged").all()


def test_outcomes_of_a_run(frames):
    atc = frames["atc"]
    out = m.outcomes(atc, settings=ss.preset("austerity-then-covid").settings(),
                     baseline=frames["baseline"])
    assert out["npv_total_spending"] == pytest.approx(m.npv(atc["Total spending"].iloc[:-1]))
    categories = sum(out[f"npv_{k}"] for k in m.SPENDING_CATEGORIES)
    assert categories == pytest.approx(out["npv_total_spending"], rel=1e-12)
    npv_base = m.npv(frames["baseline"]["Total spending"].iloc[:-1])
    assert out["net_present_saving"] == pytest.approx(npv_base - out["npv_total_spending"])
    assert out["discounted_money_cut"] - out["discounted_cost_grown"] == pytest.approx(
        out["net_present_saving"]
    )
    assert out["benefit_cost_ratio"] == pytest.approx(
        out["discounted_money_cut"] / out["discounted_cost_grown"]
    )
    assert out["cumulative_harm"] == pytest.approx(
        out["crisis_queue_person_months"] + out["unmet_need_person_months"]
    )
    assert out["peak_crisis_queue"] == atc["Crisis queue"].max()
    assert out["peak_waiting_time"] == atc["Waiting time"].max()
    # monthly spending summed over the horizon: FINAL TIME months (v2: 435, to March 2046)
    assert len(atc) - 1 == ss.load_model().final_time == 435
    assert out["total_spending"] == pytest.approx(atc["Total spending"].iloc[:-1].sum())
    (shock,) = out["shocks"]
    assert shock["shock"] == 1 and shock["start_year"] == pytest.approx(2010 + 122 / 12)
    assert shock["depth"] >= 0
    assert out["break_even_year"] is None or isinstance(out["break_even_year"], int)


def test_baseline_is_flat_so_its_outcomes_are_simple(frames):
    base = frames["baseline"]
    out = m.outcomes(base, settings=ss.preset("baseline").settings())
    assert out["shocks"] == [] and out["reserves_runway_year"] is None
    # v1's baseline was flat, so its cost per resident was the first month's spending x 12 /
    # 100,000. v2's baseline carries the 2010 service forward with its population, need and
    # unit costs growing, so the cost per child is the whole run's spending over its
    # child-years (the model's Child population, each row one month)
    flows = base.iloc[:-1]
    per_child = flows["Total spending"].sum() / (flows["Child population"].sum() / 12)
    assert out["cost_per_child_per_year"] == pytest.approx(per_child, rel=1e-9)
    # ... and in 2010 it is the 2010 service: its spending a year per child of 2010
    first = base["Total spending"].iloc[0] * 12 / base["Child population"].iloc[0]
    assert out["cost_per_child_per_year"] > first > 0


# -- one computation, model facts, one catalogue ------------------------------------------------


def test_harm_is_the_model_variable(frames):
    """Harm is a variable of the model (crisis queue plus unmet need), not a Python sum."""
    var = ss.load_model()["Harm"]
    assert set(var.depends_on) == {"Crisis queue", "Unmet need"} and var.units == "Person"
    atc = frames["atc"]
    assert np.array_equal(atc["Harm"], atc["Crisis queue"] + atc["Unmet need"])
    flows = atc.iloc[:-1]
    assert m.cumulative_harm(flows["Harm"]) == pytest.approx(
        m.cumulative_harm(flows["Crisis queue"], flows["Unmet need"]), rel=1e-12)


def test_ledger_parts_are_declared_by_the_model(frames):
    """The ledger's parts are the model's (the Ledger: tag of Total spending) and add up to
    Total spending at every time; labels come from the catalogue."""
    rows = m.ledger_rows()
    assert rows == m.LEDGER_ROWS
    assert list(rows.values()) == list(catalogue.LEDGER_LABELS)
    assert list(rows) == list(catalogue.LEDGER_LABELS.values())
    model = ss.load_model()
    assert all(v in model.variables for v in rows.values())
    for frame in frames.values():
        parts = sum(frame[v] for v in rows.values())
        np.testing.assert_allclose(parts, frame["Total spending"], rtol=1e-12)


def test_outcomes_of_a_run_are_the_batch_computation_on_one_member(frames):
    """outcomes() takes its headline values from headline_outcomes() on one member: the batch
    computation itself, so a run and a batch member cannot disagree."""
    sc = ss.preset("austerity-then-covid")
    atc, base = frames["atc"], frames["baseline"]
    no_covid = frames["atc-no-shock"]
    out = m.outcomes(atc, settings=sc.settings(), baseline=base, counterfactuals={1: no_covid})
    head = headline.headline_outcomes(
        {k: atc[k].to_numpy()[None, :] for k in headline.HEADLINE_OUTPUTS},
        atc.index.to_numpy(), settings=sc.settings(),
        baseline_spending=base["Total spending"].to_numpy()[None, :],
        counterfactual_queue=no_covid["Crisis queue"].to_numpy()[None, :])
    for key in ("npv_total_spending", "cumulative_harm", "peak_waiting_time",
                "net_present_saving"):
        assert out[key] == head[key][0], key
    # v1's default ran its reserves into deficit; v2's council balances its budget (running
    # out is a rare, flagged event), so check both ways: same year, or both "never"
    runway = head["reserves_runway_year"][0]
    assert (out["reserves_runway_year"] is None and np.isnan(runway)) or (
        out["reserves_runway_year"] == int(runway))
    assert out["shocks"][0]["recovery_months"] == head["recovery_months"][0]
    assert out["shocks"][0]["recovery_basis"] == "no-shock counterfactual"
    # recovery from Covid against the same run without it: back within 5% of that queue
    assert head["main_shock"][0] == 1 and not head["did_not_recover"][0]
    # without the counterfactual both fall back to the pre-shock level, and still agree
    alone = m.outcomes(atc, settings=sc.settings())
    head0 = headline.headline_outcomes(
        {k: atc[k].to_numpy()[None, :] for k in headline.HEADLINE_OUTPUTS},
        atc.index.to_numpy(), settings=sc.settings())
    assert alone["shocks"][0]["recovery_basis"] == "pre-shock level"
    rec = alone["shocks"][0]["recovery_months"]
    assert (rec is None and bool(head0["did_not_recover"][0])) or rec == head0[
        "recovery_months"][0]


def test_shock_rows_are_shock_response_member_by_member():
    """The array definition of recovery, on several constructed queues at once, equals the
    single-series function on each (which is that definition on one member)."""
    queues = [shock_queue(), shock_queue(relapse=True)]
    q = shock_queue().to_numpy().copy()
    q[30:] = 160.0
    queues.append(monthly(q))
    stack = np.vstack([s.to_numpy() for s in queues])
    months = resilience.model_months(queues[0].index.to_numpy())
    rows = resilience.shock_rows(stack, months, start=np.full(3, 24.0), length=np.full(3, 6.0),
                                 window_end=np.full(3, np.inf))
    for k, series in enumerate(queues):
        one = m.shock_response(series, start=24, length=6)
        assert one["depth"] == rows["depth"][k] and one["peak_level"] == rows["peak_level"][k]
        rec = rows["recovery_months"][k]
        assert (one["recovery_months"] is None and np.isnan(rec)) or one["recovery_months"] == rec


def test_npv_rows_is_npv_row_by_row():
    flows = np.array([[1e6 / 12] * 120, [2.0] * 120])
    times = 2010.0 + np.arange(120) / 12.0
    got = finance.npv_rows(flows, times)
    for k in range(2):
        assert got[k] == m.npv(pd.Series(flows[k], index=times))  # to the last bit


def test_catalogue_labels_every_outcome_once():
    """One table of labels and units: the comparison rows and the batch columns are read
    from it, and every outcome of a run has a label."""
    assert set(catalogue.COMPARE_ROWS) <= set(catalogue.CATALOGUE)
    assert set(catalogue.HEADLINE_OUTCOMES) <= set(catalogue.CATALOGUE)
    assert set(catalogue.RISK_ROWS) <= set(catalogue.HEADLINE_OUTCOMES)
    npv_keys = {f"npv_{k}" for k in {**m.SPENDING_CATEGORIES, **m.CRISIS_STAFF_PARTS}}
    assert npv_keys <= set(catalogue.COMPARE_ROWS)
    for key, (label, units) in catalogue.COMPARE_ROWS.items():
        assert label and units, key
    assert catalogue.HEADLINE_OUTCOMES["reserves_runway_year"][1] == "decimal year"
    assert catalogue.COMPARE_ROWS["reserves_runway_year"][1] == "year"


def test_core_module_still_exports_every_name():
    """slack_sim.metrics.core is the old location: every name of it still imports."""
    import slack_sim.metrics.core as core

    for name in ("npv", "outcomes", "shock_response", "LEDGER_ROWS", "ORIGIN_YEAR",
                 "SPENDING_CATEGORIES", "CRISIS_STAFF_PARTS", "RECOVERY_TOLERANCE"):
        assert hasattr(core, name), name
    assert core.ORIGIN_YEAR == 2010.0
