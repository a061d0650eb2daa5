"""Appraisal of a scenario against current policy over the same futures."""

import math

import numpy as np
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
    c = run.appraisal.own
    assert c["npv_net_cost"] == 0 and c["costs"] == 0 and c["avoided_harm"] == 0
    assert math.isnan(c["benefit_cost_ratio"])
    assert run.appraisal.probability_of_saving() == 0.0
    assert run.futures == 20 and "consistent with 2010-2020" in run.futures_source or (
        "plausible" in run.futures_source)


def test_member_zero_is_the_scenarios_own_run():
    sc = ss.preset().with_values(RING_FENCE)
    with_futures = appraise_scenario(sc, start=2027.25, futures=30).appraisal.own
    alone = appraise_scenario(sc, start=2027.25, futures=0).appraisal.own
    assert with_futures["npv_net_cost"] == pytest.approx(alone["npv_net_cost"], rel=1e-12)


def test_a_counterfactual_keeps_what_it_sets_itself_in_every_future():
    """Against the no-austerity, no-Covid baseline, future k's counterfactual has neither.

    Member k of the appraisal must equal the appraisal of future k alone: the policy with
    the future's draws, against the baseline with the future's other draws and its own
    settings. Drawing the baseline's austerity and shock back into its futures (so the
    comparison was current policy again, whatever was asked) fails it.
    """
    from slack_sim.analysis.ensemble import draw_futures

    policy, baseline = ss.preset().with_values(RING_FENCE), ss.preset("baseline")
    run = appraise_scenario(policy, against=baseline, start=2027.25, futures=6)
    draws, _, _ = draw_futures(policy, n=6, seed=0)
    assert set(draws.columns) & set(baseline.values)  # the futures draw what it sets
    for k in (1, 4):
        future = draws.iloc[k - 1].to_dict()
        alone = appraise_scenario(
            policy.with_values(future), start=2027.25, futures=0,
            against=baseline.with_values({c: v for c, v in future.items()
                                          if c not in baseline.values}))
        assert run.appraisal.totals.iloc[k]["npv_net_cost"] == pytest.approx(
            alone.appraisal.own["npv_net_cost"], rel=1e-9)
    current = appraise_scenario(policy, start=2027.25, futures=6).appraisal
    assert not np.allclose(run.appraisal.totals["npv_net_cost"].iloc[1:],
                           current.totals["npv_net_cost"].iloc[1:])


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


@pytest.fixture(scope="module")
def two_runs():
    sc = ss.preset().with_values(RING_FENCE)
    return {"Ring-fence from April 2027": appraise_scenario(sc, start=2027.25, futures=11),
            "Current policy": appraise_scenario(ss.preset(), start=2027.25, futures=11)}


def test_workbook_has_named_sheets_formats_and_charts(tmp_path, two_runs):
    runs = two_runs
    path = write_appraisal_workbook(runs, tmp_path / "appraisal.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", *runs, "Assumptions"]  # the names as given
    summary = wb["Summary"]
    assert [summary.cell(row=1, column=2 + 4 * i).value for i in range(2)] == list(runs)
    assert summary["B3"].number_format == GBP_THOUSANDS
    assert isinstance(summary["B3"].value, int)  # £ thousands, no false precision
    sheet = wb["Ring-fence from April 2027"]
    assert [c.value for c in sheet[1]][1:4] == ["2027-28", "2028-29", "2029-30"]
    assert len(sheet._charts) == 2


def _summary_rows(ws) -> dict[str, list]:
    return {str(row[0].value): [c.value for c in row[1:]] for row in ws.iter_rows(min_row=3)
            if row[0].value}


def test_workbook_summary_is_the_central_estimate_with_its_range(tmp_path, two_runs):
    path = write_appraisal_workbook(two_runs, tmp_path / "appraisal.xlsx")
    rows = _summary_rows(load_workbook(path)["Summary"])
    npv_row = next(v for k, v in rows.items() if k.startswith("NPV of net cost"))
    for i, run in enumerate(two_runs.values()):
        npv = run.appraisal.totals["npv_net_cost"].to_numpy(dtype=float)
        futures = npv[1:]  # this run, member 0, is its own column
        expected = [round(np.median(futures) / 1e3), round(np.percentile(futures, 5) / 1e3),
                    round(np.percentile(futures, 95) / 1e3), round(npv[0] / 1e3)]
        assert npv_row[4 * i:4 * i + 4] == expected
    ring = two_runs["Ring-fence from April 2027"].appraisal
    assert np.median(ring.drawn["npv_net_cost"]) != ring.totals["npv_net_cost"][0]
    prob = next(v for k, v in rows.items() if k.startswith("Probability of a net saving"))
    assert prob[0] == ring.probability_of_saving()
    harm = next(v for k, v in rows.items() if k.startswith("Avoided harm"))
    assert harm[0] == round(float(np.median(ring.drawn["avoided_harm"])))
    payback = next(v for k, v in rows.items() if k.startswith("Discounted payback"))
    assert all(p == "not in window" or (len(p) == 7 and p[4] == "-") for p in payback)


def test_workbook_assumptions_are_complete(tmp_path, two_runs):
    from slack_sim.metrics.prices import vintage

    path = write_appraisal_workbook(two_runs, tmp_path / "appraisal.xlsx")
    ws = load_workbook(path)["Assumptions"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    basis = {r[0]: r[1] for r in rows if r[0] and r[1] is not None}
    assert basis["Price base"] == "real terms, 2025-26 prices"
    assert vintage() in basis["Deflator (source and vintage)"]
    assert basis["Discount rate to year 30"].startswith("3.5%")
    assert basis["Discount rate after year 30"].startswith("3.0%")
    assert "general inflation" in basis["Real growth in unit costs"]
    header = next(i for i, r in enumerate(rows) if r[:2] == ["Scenario", "Setting"])
    model = ss.load_model()
    settings = {r[1]: r for r in rows[header + 1:] if r[0] == "Ring-fence from April 2027"}
    assert settings["Profile"][3] == "children-services-england"
    for name, value in RING_FENCE.items():
        row = settings[name]
        assert (row[2], row[3], row[4]) == ("lever", value, model[name].default)
        assert row[6] == model[name].units and row[8] == model[name].source
    assert settings["Policy start time"][7] == "April 2027"
    # current policy changes no lever, yet when a policy would start is stated
    plain = {r[1]: r for r in rows[header + 1:] if r[0] == "Current policy"}
    start = model["Policy start time"].default
    assert plain["Policy start time"][3:5] == [start, start]
    yearly = load_workbook(path)["Ring-fence from April 2027"]
    assert "this run" in yearly.cell(row=1, column=1).value  # not the Summary's medians


def test_sheet_names_follow_excels_rules():
    from slack_sim.report.workbook import SHEET_NAME_MAX, sheet_name

    used = {"summary", "assumptions"}
    long = "Ring fence prevention from April 2027 [draft] for committee"
    names = [sheet_name(n, used) for n in (long, long.upper(), "a/b\\c?*:", "Summary", "'")]
    assert all(len(n) <= SHEET_NAME_MAX for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert not any(ch in n for n in names for ch in "[]:*?/\\")
    assert names[0] == long[:SHEET_NAME_MAX].strip().replace("[", "-")
    assert names[1].endswith(" (2)") and names[3] == "Summary (2)"
    assert names[2] == "a-b-c---" and names[4] == "Scenario"
