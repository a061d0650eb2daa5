"""``slack-sim appraise``."""

import json

import pytest

from slack_sim.cli import main

RING = ["--set", "Prevention ring fence=1", "--set", "Policy start time=207"]


def test_appraise_prints_the_summary_and_writes(tmp_path, capsys):
    out = tmp_path / "a.json"
    assert main(["appraise", *RING, "--start", "2027-04", "--years", "10", "--prices",
                 "2025-26", "--futures", "20", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for fragment in ("April 2027 for 10 years", "2025-26 prices", "NPV of net cost",
                     "benefit-cost ratio", "discounted payback", "return per £1",
                     "net saving in", "lowest reserves"):
        assert fragment in text
    data = json.loads(out.read_text())
    assert data["by_year"][0]["financial year"] == "2027-28"
    assert len(data["by_year"]) == 10


@pytest.mark.parametrize(("argv", "fragment"), [
    (["--start", "2050-04"], "--start: 2050-04 is outside the model's horizon"),
    (["--start", "April 2027"], "--start: expected a month as YYYY-MM"),
    (["--start", "2040-04", "--years", "10"], "ends in March 2050, past the model's horizon "
                                               "(months January 2010 to March 2046); for 10 "
                                               "years start by April 2036"),
    (["--years", "0"], "--years: 0 is outside the allowed range (0, 50] years"),
    (["--rate", "-0.01"], "--rate: -0.01 is outside"),
    (["--long-rate", "-1"], "--long-rate: -1 is outside"),
    (["--prices", "2025"], "not a financial year"),
    (["--out", "x.txt"], "--out must end in .xlsx, .csv or .json"),
])
def test_bad_appraisal_options_are_one_line(argv, fragment, capsys):
    assert main(["appraise", "--futures", "0", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err


def test_the_summary_is_the_central_estimate_with_this_run(tmp_path, capsys):
    import numpy as np

    import slack_sim as ss
    from slack_sim.analysis.appraise import appraise_scenario
    from slack_sim.report.text import money

    out = tmp_path / "a.json"
    assert main(["appraise", *RING, "--start", "2027-04", "--futures", "20",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    run = appraise_scenario(ss.preset().with_values({"Prevention ring fence": 1,
                                                     "Policy start time": 207}),
                            start=2027.25, futures=20)
    npv = run.appraisal.totals["npv_net_cost"].to_numpy(dtype=float)
    futures = npv[1:]  # member 0 is this run, not one of the futures
    line = next(t for t in text.splitlines() if "NPV of net cost" in t)
    assert line.split(":", 1)[1].strip().startswith(money(float(np.median(futures)),
                                                          signed=True))
    assert f"this run: {money(float(npv[0]), signed=True)}" in line
    assert float(np.median(futures)) != float(npv[0])
    assert "median of 20 futures" in text
    data = json.loads(out.read_text())
    assert data["central_estimate"]["npv_net_cost"]["central"] == float(np.median(futures))
    assert data["scenario"] == "austerity-then-covid (modified)"


@pytest.mark.parametrize(("extra", "name"), [
    ([], "austerity-then-covid (modified)"),
    (["--name", "Ring fence from April 2027"], "Ring fence from April 2027"),
])
def test_the_name_is_kept_after_set(tmp_path, extra, name, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "a.xlsx"
    assert main(["appraise", *RING, "--start", "2027-04", "--futures", "0", *extra,
                 "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"{name} against current policy")
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", name, "Assumptions"]
    assert wb["Summary"]["B1"].value == name
