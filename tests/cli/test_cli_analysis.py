"""The analysis commands of the command line: ensemble, sensitivity, tipping-map, optimise.

Bad input exits 2 with one line naming the option, the value and what is allowed (never a
traceback, never a silent run); the printed summaries format money, years and months as
``slack-sim summary`` does, while the CSV and JSON keep full precision.
"""

import json
import re

import numpy as np
import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.analysis.ensemble import ensemble
from slack_sim.cli.main import main

LEVER = ["--lever", "Slack target=0.1:0.3"]
#: Small, fast search settings: should a check regress, the case still ends quickly.
QUICK = ["--futures", "2", "--popsize", "1", "--maxiter", "1", "--max-seconds", "20"]


def one_line_error(argv, capsys):
    """Run ``argv``; check exit 2, one ``slack-sim: error:`` line and no traceback."""
    assert main(argv) == 2, argv
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slack-sim: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0], captured.out


@pytest.mark.parametrize(("argv", "fragments"), [
    # optimise: every setting checked before any search, named as on the command line
    (["optimise", *LEVER, *QUICK, "--percentile", "150"],
     ["--percentile", "150 is outside the allowed range (0, 100] %"]),
    (["optimise", *LEVER, *QUICK, "--percentile", "0"], ["--percentile", "0 is outside"]),
    (["optimise", *LEVER, *QUICK, "--percentile", "-5"], ["--percentile", "-5 is outside"]),
    (["optimise", *LEVER, *QUICK, "--percentile", "nan"], ["--percentile", "got nan"]),
    (["optimise", *LEVER, "--popsize", "1", "--maxiter", "1", "--futures", "100000"],
     ["--futures", "got 100000", "from 1 to 1,000"]),
    (["optimise", *LEVER, "--popsize", "1", "--maxiter", "1", "--futures", "0"],
     ["--futures", "got 0"]),
    (["optimise", *LEVER, *QUICK, "--waiting-cap", "-1"],
     ["--waiting-cap", "months", "-1 is outside the allowed range (0, inf)"]),
    (["optimise", *LEVER, *QUICK, "--waiting-cap", "nan"], ["--waiting-cap", "got nan"]),
    (["optimise", *LEVER, *QUICK, "--harm-cap", "-100"],
     ["--harm-cap", "person-months", "-100 is outside"]),
    (["optimise", *LEVER, *QUICK, "--harm-cap", "0"], ["--harm-cap", "0 is outside"]),
    (["optimise", *LEVER, "--futures", "2", "--popsize", "1", "--maxiter", "0"],
     ["--maxiter", "at least 1", "got 0"]),
    (["optimise", *LEVER, "--futures", "2", "--maxiter", "1", "--popsize", "0"],
     ["--popsize", "got 0"]),
    (["optimise", *LEVER, "--futures", "2", "--popsize", "1", "--maxiter", "1",
      "--max-seconds", "0"], ["--max-seconds", "seconds", "0 is outside"]),
    (["optimise", *LEVER, "--futures", "2", "--popsize", "1", "--maxiter", "1",
      "--max-seconds", "-5"], ["--max-seconds", "-5 is outside"]),
    (["optimise", *LEVER, *QUICK, "--seed", "-1"], ["--seed", "got -1", "at least 0"]),
    (["optimise", "--lever", "Nope=0:1", *QUICK], ["'Nope' is not a lever"]),
    (["optimise", *LEVER, "--lever", "Slack target=0.2:0.3", *QUICK],
     ["--lever", "'Slack target' is given more than once"]),
    (["optimise", "--lever", "Slack target=0.3:0.1", *QUICK],
     ["--lever Slack target", "lo (0.3) is above hi (0.1)"]),
    (["optimise", "--lever", "Slack target=0.1", *QUICK], ["--lever", "Name=lo:hi"]),
    (["optimise", *LEVER, "--futures", "abc"], ["--futures", "invalid int value"]),
    # ensemble
    (["ensemble", "-n", "5", "--seed", "-1"], ["--seed", "got -1", "at least 0"]),
    (["ensemble", "-n", "-5"], ["-n", "from 1 to 100,000", "got -5"]),
    (["ensemble", "-n", "5", "--range", "Prevention effectiveness=0.9:0.1"],
     ["--range Prevention effectiveness", "lo (0.9) is above hi (0.1)"]),
    (["ensemble", "-n", "5", "--range", "Prevention effectiveness=0.1:0.9"],
     ["--range", "Prevention effectiveness", "declared range [0.05, 0.8]"]),
    (["ensemble", "-n", "5", "--range", "Prevention effectiveness=nan:0.5"],
     ["--range", "finite"]),
    (["ensemble", "-n", "5", "--parameter", "Nope"], ["--parameter", "'Nope'"]),
    (["ensemble", "-n", "5", "--groups", "Nope"], ["--groups", "unknown uncertainty group"]),
    (["ensemble", "-n", "5", "--method", "bogus"], ["--method", "invalid choice", "--help"]),
    (["ensemble", "-n", "5", "--baseline", "nope"], ["--baseline", "unknown preset 'nope'"]),
    # sensitivity
    (["sensitivity", "--method", "morris", "-n", "2", "--top", "0"],
     ["--top", "at least 1", "got 0"]),
    (["sensitivity", "--method", "morris", "-n", "2", "--top", "-3"], ["--top", "got -3"]),
    (["sensitivity", "--method", "morris", "-n", "1"], ["-n", "Morris trajectories", "got 1"]),
    (["sensitivity", "--method", "morris", "-n", "2", "--seed", "-1"], ["--seed", "got -1"]),
    (["sensitivity", "-n", "100000000"], ["model runs", "at most 1,000,000"]),
    (["sensitivity", "--method", "morris", "-n", "2", "--range", "Agency premium"],
     ["--range", "Name=lo:hi"]),
    # tipping-map: the option named, no internal "row 0"
    (["tipping-map", "--x-values", "1:0:3"],
     ["--x-values: Slack target: 1 is outside the allowed range [0.02, 0.5] Dmnl"]),
    (["tipping-map", "--x-values", "nan,0.2"], ["--x-values", "not a finite number"]),
    (["tipping-map", "--x-values", "0.1,0.1"], ["--x-values", "0.1 is given more than once"]),
    (["tipping-map", "--x-values", ""], ["--x-values", "at least one value"]),
    (["tipping-map", "--y-values", "0:1:0"], ["--y-values", "from 1 to 200", "got 0"]),
    (["tipping-map", "--x", "Nope", "--x-values", "0.1"], ["--x: unknown variable 'Nope'"]),
    (["tipping-map", "--x", "Shock 1 demand surge", "--x-values", "0.1,0.2"],
     ["--x and --y must be different", "'Shock 1 demand surge'"]),
    # a usage error from argparse is one line too
    (["nope"], ["invalid choice"]),
])
def test_bad_input_is_one_clear_line(argv, fragments, capsys):
    line, _ = one_line_error(argv, capsys)
    for fragment in fragments:
        assert fragment in line, (argv, line)
    assert "row 0" not in line and "expected non-negative integer" not in line


@pytest.mark.parametrize("command", [["ensemble", "-n", "5"],
                                     ["sensitivity", "--method", "morris", "-n", "2"],
                                     ["tipping-map", "--x-values", "0.1"],
                                     ["optimise", *LEVER, *QUICK]])
def test_a_bad_out_is_refused_before_any_work(command, tmp_path, capsys):
    missing = tmp_path / "no-such-dir" / "x.csv"
    line, out = one_line_error([*command, "--out", str(missing)], capsys)
    assert "--out" in line and "does not exist" in line and "no-such-dir" in line
    assert out == ""  # refused before running anything
    line, _ = one_line_error([*command, "--out", str(tmp_path)], capsys)
    assert "--out" in line


def test_help_returns_zero(capsys):
    assert main(["optimise", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--max-seconds" in out and "1 to 1,000" in out


def test_ensemble_summary_formats_money_years_and_months(tmp_path, capsys):
    out_csv = tmp_path / "e.csv"
    assert main(["ensemble", "-n", "20", "--seed", "3", "--baseline", "baseline",
                 "--out", str(out_csv)]) == 0
    text = capsys.readouterr().out
    # no exponent notation, and no year written like money ("2,031" standing alone)
    assert "e+0" not in text and not re.search(r"(?<![\d,£])2,0\d\d(?![\d,])", text), text
    npv = next(line for line in text.splitlines() if line.startswith("NPV of total spending"))
    # whole pounds with separators: v2 counts England (about £190bn, twelve digits; v1's per
    # 100,000 residents was nine)
    assert re.search(r"£\d{1,3}(,\d{3}){3}(?![\d,])", npv), npv
    saving = next(line for line in text.splitlines()
                  if line.startswith("Net present saving"))
    assert re.search(r"-?£[\d,]+", saving), saving
    runway = next(line for line in text.splitlines() if line.startswith("Reserves first"))
    assert re.search(r"\syear\s+20\d\d\.\d\d\s", runway), runway
    assert re.search(r"Peak waiting time\s+months\s+\d+\.\d\d\s", text)
    assert re.search(r"Cumulative harm .*person-months\s+\d{1,3}(,\d{3})*\s", text)
    # the CSV keeps full precision
    table = pd.read_csv(out_csv, index_col=0)
    ens = ensemble(ss.preset(), n=20, seed=3, baseline=ss.preset("baseline"))
    for key in ("npv_total_spending", "net_present_saving", "reserves_runway_year"):
        np.testing.assert_allclose(table[key].to_numpy(), ens.outcomes[key].to_numpy(),
                                   rtol=1e-12)


def test_optimise_says_plainly_when_no_lever_mix_meets_the_caps(tmp_path, capsys):
    out = tmp_path / "o.json"
    assert main(["optimise", *LEVER, "--futures", "2", "--popsize", "2", "--maxiter", "1",
                 "--waiting-cap", "0.01", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "No lever mix found within the ranges meets the caps; the closest found" in text
    assert "best found NO" not in text and "x 2 futures" in text
    assert re.search(r"mean NPV of total spending £\d{1,3}(,\d{3}){3}(?![\d,])", text)
    assert "GBP for the profile, present value" in text
    assert "90th-percentile peak waiting time" in text and "(cap 0.01)" in text
    data = json.loads(out.read_text())
    assert data["feasible"] is False and data["seconds"] > 0 and data["evaluations"] > 0


def test_optimise_reports_the_time_cap_and_the_real_time(capsys):
    # a cap every mix meets: v2 counts England's children (harm about 4e8 to 2e9
    # person-months over the run), so 1e10 plays the part 3e6 played per 100,000 on v1
    assert main(["optimise", *LEVER, "--futures", "2", "--popsize", "2", "--maxiter", "50",
                 "--harm-cap", "1e10", "--max-seconds", "0.001"]) == 0
    text = capsys.readouterr().out
    assert "stopped at the --max-seconds cap of 0.001 s" in text
    assert "0 generations" in text
    assert "The cheapest lever mix found that meets the caps:" in text
