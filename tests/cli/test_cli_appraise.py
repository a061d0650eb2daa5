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
    (["--start", "2040-04", "--years", "10"], "runs outside the model's horizon"),
    (["--years", "0"], "--years: 0 is outside the allowed range (0, 50] years"),
    (["--rate", "-0.01"], "rate: -0.01 is outside"),
    (["--prices", "2025"], "not a financial year"),
    (["--out", "x.txt"], "--out must end in .xlsx, .csv or .json"),
])
def test_bad_appraisal_options_are_one_line(argv, fragment, capsys):
    assert main(["appraise", "--futures", "0", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
