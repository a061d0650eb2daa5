"""The slack-sim command line."""

import json

import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.cli.main import main

# v2 names (Cases in care -> Children looked after, Care entries -> Care starts) and the
# rest of the pathway councils report
REQUIRED = ["Children looked after", "Care starts", "Care exits", "Referrals",
            "Children in need", "Child protection plans", "Spending on children looked after",
            "Early help spending", "Harm", "Crisis queue", "Waiting time", "Utilisation",
            "Emerging need", "Hidden need", "Workforce", "Fatigue", "Prevention capacity",
            "Partnership strength", "Community capacity", "Prevention spending",
            "Crisis spending", "Total spending", "Reserves"]


def test_run_writes_every_column(tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["run", "--preset", "austerity-then-covid", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert frame.columns[0] == "year"
    # one row a month to the model's FINAL TIME (v2: 435, March 2046: 436 rows)
    final = ss.load_model().final_time
    assert frame["year"].iloc[0] == 2010.0 and len(frame) == int(final) + 1 == 436
    assert frame["year"].iloc[-1] == pytest.approx(2010 + final / 12)
    for col in REQUIRED:
        assert col in frame.columns
    text = capsys.readouterr().out
    # the summary still prints 2010, 2020, 2030 and 2040 (the run goes on to 2046)
    header = next(line for line in text.splitlines() if line.split()[:1] == ["2010"])
    assert header.split() == ["2010", "2020", "2030", "2040"]
    assert "Children looked after" in text and "Person" in text
    assert "wrote 436 months" in text and "to the end of March 2046" in text


def test_run_with_set_and_profile(tmp_path):
    out = tmp_path / "b.csv"
    assert main(["run", "--preset", "baseline", "--profile", "generic", "--set",
                 "Slack target=0.2", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert frame["Slack target"].iloc[0] == 0.2


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["run", "--preset", "nope"], "unknown preset"),
        (["run", "--set", "Slack target=2"], "outside the allowed range [0.02, 0.5] Dmnl"),
        (["run", "--set", "Slack target"], "--set expects"),
        (["run", "--scenario", "missing.json"], "not found"),
        (["show", "missing.json"], "not found"),
    ],
)
def test_errors_are_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_save_show_round_trip(tmp_path, capsys):
    path = tmp_path / "s.json"
    assert main(["save", "--preset", "invest-to-save", "--set", "Slack target=0.2",
                 "--name", "mine", "--out", str(path)]) == 0
    data = json.loads(path.read_text())
    assert data["name"] == "mine" and data["values"]["Slack target"] == 0.2
    assert main(["show", str(path)]) == 0
    assert "Slack target = 0.2" in capsys.readouterr().out
    assert ss.load_scenario(path).values["Prevention ring fence"] == 1


def test_doc_csv(tmp_path):
    out = tmp_path / "doc.csv"
    assert main(["doc", "--format", "csv", "--out", str(out)]) == 0
    doc = pd.read_csv(out)
    assert {"name", "units", "min", "max", "definition", "source"} <= set(doc.columns)
    assert len(doc) == len(ss.load_model().variables)


def test_presets_command(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in ss.presets():
        assert name in out


def test_more_bad_inputs_are_one_line(tmp_path, capsys):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    a_list = tmp_path / "list.json"
    a_list.write_text("[1, 2]")
    cases = [
        (["run", "--scenario", str(tmp_path)], "is a directory"),
        (["show", str(tmp_path)], "is a directory"),
        (["run", "--scenario", str(bad_json)], "not valid JSON"),
        (["show", str(a_list)], "scenario file"),
        (["run", "--set", "=3"], "--set"),
        (["run", "--set", "Slack target=nan"], "Slack target"),
        (["run", "--set", "Slack target=abc"], "expected a number"),
        (["run", "--out", str(tmp_path / "no-such-dir" / "x.csv")], "no-such-dir"),
        (["run", "--out", str(tmp_path)], str(tmp_path)),
    ]
    for argv, fragment in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert fragment in err, (argv, err)
        assert err.count("\n") == 1 and "Traceback" not in err, (argv, err)


def test_show_names_the_files_model_version(tmp_path, capsys):
    path = tmp_path / "old.json"
    assert main(["save", "--preset", "baseline", "--out", str(path)]) == 0
    data = json.loads(path.read_text())
    data["model_version"] = "0123456789abcdef"
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    captured = capsys.readouterr()
    assert "model:       0123456789abcdef (this model is " in captured.out
    assert "WARNING: scenario written for model version '0123456789abcdef'" in captured.err


def test_run_writes_exactly_what_pandas_would(tmp_path):
    """`slack-sim run` writes its CSV with the csv module on the plain-Python kernel: the
    file is byte for byte the compiled engine's run written by pandas."""
    out = tmp_path / "run.csv"
    assert main(["run", "--out", str(out)]) == 0
    expected = ss.simulate(ss.preset()).to_csv(index_label="year")
    assert out.read_text() == expected
