"""Comparison table, CSV and Excel export, and the summary and compare commands."""

import importlib
import json

import pandas as pd
import pytest
from openpyxl import load_workbook
from simhelpers import MODEL, run

import slack_sim as ss
from slack_sim.cli.main import main
from slack_sim.report.export import GBP_FORMAT, PERCENT_FORMAT, SHEETS, TIME_SERIES_OUTPUTS

compare_module = importlib.import_module("slack_sim.report.compare")
POLICIES = ["austerity-then-covid", "invest-to-save", "seize-the-moment", "return-to-old-habits"]


def cached(scenario):
    return run(scenario)


@pytest.fixture(autouse=True)
def _cached_runs(monkeypatch):
    """The CLI runs scenarios through slack_sim.compare; reuse the session's cached runs."""
    monkeypatch.setattr(compare_module, "simulate", cached)


@pytest.fixture(scope="module")
def comp():
    scenarios = [ss.preset(n) for n in POLICIES]
    return ss.comparison(scenarios, baseline="baseline", runner=cached)


def test_compare_table_shape(comp):
    table = comp.table
    assert list(table.columns[:2]) == ["outcome", "units"]
    assert list(table.columns[2:7]) == ["baseline", *POLICIES]
    assert list(table.columns[7:]) == [f"{p} - baseline" for p in POLICIES]
    for key in ("npv_total_spending", "net_present_saving", "break_even_year",
                "benefit_cost_ratio", "cumulative_harm", "peak_crisis_queue",
                "peak_waiting_time", "reserves_runway_year", "shock_1_recovery_months",
                "shock_1_depth", "shock_1_excess_harm"):
        assert key in table.index
    assert table["units"].map(bool).all()
    # v2: money is GBP for the profile's whole population, not per 100,000 residents
    assert not table["units"].str.contains("100,000|resident").any()
    assert table.loc["npv_total_spending", "units"] == "GBP, present value, 2010/11 prices"
    assert table.loc["total_spending", "units"] == "GBP, 2010/11 prices"
    # the per-head figure divides by the model's Child population
    frame = comp.frames["invest-to-save"].iloc[:-1]
    assert table.loc["cost_per_child_per_year", "units"] == "GBP per child per year"
    assert table.loc["cost_per_child_per_year", "invest-to-save"] == pytest.approx(
        frame["Total spending"].sum() * 12 / frame["Child population"].sum())
    assert table.loc["shock_1_depth", "baseline"] == "no shock"
    assert table.loc["net_present_saving", "baseline"] is None


def test_compare_deltas_and_consistency(comp):
    table = comp.table
    for p in POLICIES:
        npv = table.loc["npv_total_spending"]
        assert npv[f"{p} - baseline"] == pytest.approx(npv[p] - npv["baseline"])
        assert table.loc["net_present_saving", p] == pytest.approx(npv["baseline"] - npv[p])
        assert table.loc["net_present_saving", f"{p} - baseline"] is None
        # dates get no delta (a peak's month is not an amount that changed)
        assert table.loc["peak_crisis_queue_year", f"{p} - baseline"] is None
        assert table.loc["peak_crisis_queue", p] == pytest.approx(
            comp.frames[p]["Crisis queue"].max()
        )


def test_compare_matches_summarize(comp):
    summary = ss.summarize(ss.preset("invest-to-save"), baseline="baseline", runner=cached)
    assert summary["npv_total_spending"] == comp.table.loc["npv_total_spending", "invest-to-save"]
    assert json.loads(json.dumps(summary, allow_nan=False))["scenario"] == "invest-to-save"
    from slack_sim.report.text import money_note

    assert summary["money_units"] == money_note(2010.0)
    # each shock's recovery is judged against the same scenario without that shock
    assert all(s["recovery_basis"] == "no-shock counterfactual" for s in summary["shocks"])


def test_compare_without_baseline_and_duplicate_names():
    a = ss.preset("austerity")
    b = a.with_values({"Slack target": 0.2})  # named "custom"
    c = a.with_values({"Slack target": 0.25})
    table = ss.compare([a, b, c], runner=cached)
    assert list(table.columns) == ["outcome", "units", "austerity", "custom", "custom (2)"]
    assert "net_present_saving" not in table.index
    assert "shock_1_depth" not in table.index  # no scenario has a shock


def test_compare_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        ss.compare([])
    with pytest.raises(TypeError, match="Scenario"):
        ss.compare(["baseline"])


def test_excel_workbook(tmp_path, comp):
    path = ss.write_excel(comp, tmp_path / "out.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == list(SHEETS) == ["Assumptions", "Outcomes", "Time series"]

    ws = wb["Assumptions"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["Variable", "Role", "Group", "Units", "Minimum", "Maximum",
                          "Model default"]
    assert header[7:12] == ["baseline", *POLICIES]
    assert header[-2:] == ["Definition", "Source"]
    assert ws.freeze_panes == "B2"
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    for name in MODEL.levers + MODEL.uncertainties:
        assert name in rows, name
    col = header.index("invest-to-save")
    settings = ss.preset("invest-to-save").settings()
    for name, cells in rows.items():
        assert cells[col].value == pytest.approx(settings[name])
    assert rows["Austerity depth"][col].number_format == PERCENT_FORMAT
    assert rows["Annual cost per child in care"][col].number_format == GBP_FORMAT
    assert rows["Austerity depth"][header.index("Source")].value == MODEL["Austerity depth"].source

    ws = wb["Outcomes"]
    header = [c.value for c in ws[1]]
    assert header == ["Outcome", "Units", *comp.table.columns[2:], "Key"]
    assert ws.freeze_panes == "C2"
    rows = {r[-1].value: r for r in ws.iter_rows(min_row=2, max_row=len(comp.table) + 1)}
    assert list(rows) == list(comp.table.index)
    for key in comp.table.index:
        for j, column in enumerate(comp.table.columns[2:], start=2):
            expected = comp.table.loc[key, column]
            got = rows[key][j].value
            if isinstance(expected, float):
                assert got == pytest.approx(expected), (key, column)
            else:
                assert got == expected, (key, column)
    assert rows["npv_total_spending"][2].number_format == GBP_FORMAT
    assert "#,##0" in GBP_FORMAT and "£" in GBP_FORMAT
    assert rows["shock_1_depth_share"][3].number_format == PERCENT_FORMAT == "0.0%"
    assert rows["break_even_year"][3].value == "not within the horizon" or isinstance(
        rows["break_even_year"][3].value, int
    )

    ws = wb["Time series"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["scenario", "month", "year"]
    assert header[3] == "Total spending (GBP/Month)"
    assert ws.freeze_panes == "D2"
    # one row a month to the model's FINAL TIME (v2: 435, March 2046: 436 rows; v1 373)
    rows_each = int(MODEL.final_time) + 1
    assert rows_each == 436 and ws.max_row == 1 + 5 * rows_each
    assert len(header) == 3 + len(TIME_SERIES_OUTPUTS)
    # v2's pathway as councils report it, and the denominator of any per-child figure
    for name in ("Children looked after (Person)", "Care starts (Person/Year)",
                 "Referrals (Person/Year)", "Child population (Person)"):
        assert name in header, name
    second = next(ws.iter_rows(min_row=2 + rows_each, max_row=2 + rows_each))  # scenario 2
    assert second[0].value == "austerity-then-covid"
    assert second[1].value.year == 2010 and second[1].value.month == 1
    frame = comp.frames["austerity-then-covid"]
    assert second[3].value == pytest.approx(frame["Total spending"].iloc[0])
    last = next(ws.iter_rows(min_row=ws.max_row, max_row=ws.max_row))
    assert last[0].value == "return-to-old-habits"
    assert last[2].value == pytest.approx(2010 + MODEL.final_time / 12) == pytest.approx(2046.25)
    assert last[1].value.year == 2046 and last[1].value.month == 4  # closing state, April
    assert second[3].number_format == GBP_FORMAT
    for share in ("Utilisation (Dmnl)", "Fatigue (Dmnl)", "Partnership strength (Dmnl)"):
        cell = second[header.index(share)]
        assert cell.number_format == PERCENT_FORMAT and 0 <= cell.value <= 1, share
    assert second[header.index("Crisis queue (Person)")].number_format != PERCENT_FORMAT
    assert second[header.index("Spending on children looked after (GBP/Year)")].number_format \
        == GBP_FORMAT
    # the notes say how money is counted: the one money note, in v2's units
    from slack_sim.report.text import money_note

    notes = [r[0].value for r in wb["Outcomes"].iter_rows(min_row=len(comp.table) + 3)]
    assert any(str(n).startswith(f"Money: {money_note(comp.base_year)}") for n in notes)
    assert not any("100,000 residents" in str(n) for n in notes)


def test_csv_export(tmp_path, comp):
    outcomes, series = ss.write_csv(comp, tmp_path / "cmp.csv")
    assert series.name == "cmp-timeseries.csv"
    table = pd.read_csv(outcomes)
    assert list(table.columns[:3]) == ["key", "outcome", "units"]
    row = table.set_index("key").loc["npv_total_spending"]
    assert float(row["invest-to-save"]) == pytest.approx(
        comp.table.loc["npv_total_spending", "invest-to-save"]
    )
    ts = pd.read_csv(series)
    # one row a month to FINAL TIME for each scenario (v2: 436 rows, v1 373)
    assert len(ts) == 5 * (int(MODEL.final_time) + 1) == 5 * 436
    assert set(ts["scenario"]) == {"baseline", *POLICIES}
    with pytest.raises(ValueError, match=".xlsx or .csv"):
        ss.export(comp, tmp_path / "cmp.txt")


# -- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ss.presets())
def test_summary_every_preset(name, capsys):
    assert main(["summary", "--preset", name]) == 0
    text = capsys.readouterr().out
    assert "NPV of total spending" in text and "Cumulative harm" in text


@pytest.mark.parametrize("name", ss.presets())
def test_summary_json_every_preset(name, capsys):
    assert main(["summary", "--preset", name, "--baseline", "baseline", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("npv_total_spending", "cumulative_harm", "peak_crisis_queue",
                "peak_waiting_time", "shocks", "break_even_year", "net_present_saving"):
        assert key in data
    def keys(node):  # every key at every depth of the JSON
        if isinstance(node, dict):
            for k, v in node.items():
                yield k
                yield from keys(v)
        elif isinstance(node, list):
            for v in node:
                yield from keys(v)

    assert all(k == k.lower() and " " not in k and "-" not in k for k in keys(data))
    for shock in data["shocks"]:
        assert "recovery_months" in shock
        assert shock["recovery_months"] is None or shock["recovery_months"] >= 0
    settings = ss.preset(name).settings()
    assert len(data["shocks"]) == sum(settings[f"Shock {n} length"] > 0 for n in (1, 2))


def test_summary_json_without_baseline(capsys):
    assert main(["summary", "--preset", "second-shock", "--json", "--base-year", "2020"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "break_even_year" not in data and data["base_year"] == 2020.0
    assert [s["shock"] for s in data["shocks"]] == [1, 2]


def test_summary_against_baseline_prints_ledger(capsys):
    assert main(["summary", "--preset", "austerity", "--baseline", "baseline"]) == 0
    text = capsys.readouterr().out
    assert "where did the savings go" in text and "Care placements" in text


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_compare_command_every_preset(tmp_path, suffix, capsys):
    out = tmp_path / f"all{suffix}"
    argv = ["compare"]
    for name in ss.presets():
        argv += ["--preset", name]
    assert main([*argv, "--baseline", "baseline", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    if suffix == ".xlsx":
        assert load_workbook(out).sheetnames == list(SHEETS)
    else:
        table = pd.read_csv(out)
        assert set(ss.presets()) <= set(table.columns)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["summary", "--preset", "nope"], "unknown preset"),
        (["summary", "--preset", "baseline", "--baseline", "nope"], "unknown preset"),
        (["summary", "--base-year", "nan"], "--base-year"),
        (["compare", "--preset", "baseline", "--out", "x.txt"], ".xlsx or .csv"),
        (["compare", "--out", "x.csv"], "at least one"),
        (["compare", "--preset", "baseline", "--scenario", "missing.json", "--out", "x.csv"],
         "not found"),
    ],
)
def test_errors_are_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_compare_unwritable_output(tmp_path, capsys):
    out = tmp_path / "missing-dir" / "x.xlsx"
    assert main(["compare", "--preset", "baseline", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("slack-sim: error:")


def test_months_in_words():
    from slack_sim.report.text import months

    assert [months(v) for v in (0, 1, 1.4, 2, 12.6)] == [
        "0 months", "1 month", "1 month", "2 months", "13 months"]
