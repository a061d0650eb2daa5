"""The calibration subcommands: calibrate, history-match, backtest, profiles."""

import json

import pytest

from slack_sim.cli import main


def test_calibrate_prints_values_ranges_and_theil(capsys, tmp_path):
    out = tmp_path / "fit.json"
    assert main(["calibrate", "--profile", "hartlepool", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "hartlepool: 66 published figures" in text
    assert "Need scale = " in text and "95% range" in text
    assert "Children looked after: 11," in text  # n, MAPE, U^M, U^S, U^C per series
    data = json.loads(out.read_text())
    assert {p["parameter"] for p in data["parameters"]} >= {"Need scale", "Need growth rate"}
    for row in data["statistics"]:
        assert row["um"] + row["us"] + row["uc"] == pytest.approx(1.0, abs=1e-9) or row["n"] < 2


def test_history_match_and_profiles(capsys, tmp_path):
    out = tmp_path / "kept.csv"
    assert main(["history-match", "--profile", "kent", "-n", "300", "--waves", "1",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "futures consistent with the published history" in text
    assert out.read_text().splitlines()[0].startswith(",") or "Need scale" in out.read_text()
    assert main(["profiles", "--region", "South East"]) == 0
    listing = capsys.readouterr().out
    assert "kent" in listing and "E10000016" in listing and "hartlepool" not in listing


def test_backtest_scores_against_naive_forecasts(capsys):
    assert main(["backtest", "--profile", "hartlepool", "--futures", "200"]) == 0
    text = capsys.readouterr().out
    assert "trained on the years to March 2016, forecast 2017-2020" in text
    assert "Children looked after:" in text and "inside" in text


@pytest.mark.parametrize(("argv", "fragment"), [
    (["history-match", "-n", "5"], "-n: expected a whole number from 10 to 2,000,000, got 5"),
    (["backtest", "--train-until", "2025"],
     "--train-until: expected a whole number from 2012 to 2019 (year ending March), got 2025"),
    (["calibrate", "--profile", "../presets"], "never a path"),
    (["calibrate", "--profile", "kentt"], "did you mean 'kent'"),
])
def test_bad_calibration_options_are_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err


def test_a_bad_observed_file_names_row_and_column(tmp_path, capsys):
    bad = tmp_path / "mine.csv"
    bad.write_text("series,year,value\nChildren looked after,2015,-3\n")
    assert main(["calibrate", "--profile", "kent", "--observed", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "mine.csv" in err and "row" in err and "value" in err and "-3" in err
