"""Appraisal of a scenario against current policy over the same futures."""

import math

import pytest
from openpyxl import load_workbook

import slack_sim as ss
from slack_sim.analysis.appraise import appraise_scenario, current_policy, next_april
from slack_sim.report.workbook import GBP_THOUSANDS, write_appraisal_workbook

RING_FENCE = {"Prevention ring fence": 1, "Policy start time": 207}


def test_current_policy_keeps_assumptions_and_resets_levers():
    sc = ss.preset("second-shock").with_values({**RING_FENCE, "Need growth rate": 0.01})
    cf = current_policy(sc)
    model = ss.load_model()
    assert cf.profile == sc.profile
    assert cf.values["Need growth rate"] == 0.01 and cf.values["Shock 2 length"] == 12
    assert not any(model[k].role == "lever" for k in cf.values)


def test_a_policy_against_itself_is_zero_everywhere():
    sc = ss.preset()
    run = appraise_scenario(sc, against=sc, start=2027.25, years=10, futures=20)
    c = run.appraisal.central
    assert c["npv_net_cost"] == 0 and c["costs"] == 0 and c["avoided_harm"] == 0
    assert math.isnan(c["benefit_cost_ratio"])
    assert run.appraisal.probability_of_saving() == 0.0
    assert run.futures == 21 and "consistent with 2010-2020" in run.futures_source or (
        "plausible" in run.futures_source)


def test_member_zero_is_the_scenarios_own_run():
    sc = ss.preset().with_values(RING_FENCE)
    with_futures = appraise_scenario(sc, start=2027.25, futures=30).appraisal.central
    alone = appraise_scenario(sc, start=2027.25, futures=0).appraisal.central
    assert with_futures["npv_net_cost"] == pytest.approx(alone["npv_net_cost"], rel=1e-12)


def test_ring_fence_spends_more_on_prevention_from_its_start():
    sc = ss.preset().with_values(RING_FENCE)
    run = appraise_scenario(sc, start=2027.25, years=10, futures=0, prices="2010-11")
    by_year = run.appraisal.by_year
    extra = by_year["Prevention (policy)"] - by_year["Prevention (counterfactual)"]
    assert (extra > 0).all()
    before = appraise_scenario(sc, start=2020.25, years=7, futures=0).appraisal.by_year
    assert (before["Net cost"] == 0).all()  # the lever starts in April 2027: nothing before


def test_next_april():
    import datetime as dt

    assert next_april(dt.date(2026, 12, 1)) == 2027.25
    assert next_april(dt.date(2027, 3, 31)) == 2027.25
    assert next_april(dt.date(2027, 4, 1)) == 2028.25


def test_workbook_has_named_sheets_formats_and_charts(tmp_path):
    sc = ss.preset().with_values(RING_FENCE)
    runs = {"Ring-fence from April 2027": appraise_scenario(sc, start=2027.25, futures=10),
            "Current policy": appraise_scenario(ss.preset(), start=2027.25, futures=10)}
    path = write_appraisal_workbook(runs, tmp_path / "appraisal.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Ring-fence-from-April-2027", "Current-policy",
                             "Assumptions"]
    summary = wb["Summary"]
    assert [c.value for c in summary[1]][1:] == list(runs)
    assert summary["B2"].number_format == GBP_THOUSANDS
    assert isinstance(summary["B2"].value, int)  # £ thousands, no false precision
    sheet = wb["Ring-fence-from-April-2027"]
    assert [c.value for c in sheet[1]][1:4] == ["2027-28", "2028-29", "2029-30"]
    assert len(sheet._charts) == 2
    text = " ".join(str(c.value) for row in wb["Assumptions"].iter_rows() for c in row)
    assert "Prevention ring fence" in text and "March 2026" in text and "3.5%" in text
