"""Profile files: a council's own calibration saved as TOML and read back strictly."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import slack_sim as ss
from slack_sim.cli.main import main
from slack_sim.scenarios import ScenarioError, ScenarioVersionWarning, profile_info
from slack_sim.scenarios import profile_file as pf


@pytest.fixture(scope="module")
def own() -> dict:
    values = dict(profile_info("kent-uncalibrated")["values"])
    values["Need scale"] = 1.15
    values["Children looked after 2010"] = values["Children looked after 2010"] * 1.2
    return {"title": "Kent, our figures", "base": "kent", "values": values,
            "record": {"converged": True, "kept_fraction": 0.12, "message": "ok",
                       "mape:Referrals": 0.05, "skipped": None},
            "futures": [{"Need scale": 1.1, "Time to escalate": 4.0},
                        {"Need scale": 1.2, "Time to escalate": 5.5}]}


@pytest.fixture()
def saved(tmp_path, own):
    return pf.save_profile_file(tmp_path / "own.toml", **own)


def test_round_trip_gives_the_same_run(saved, own):
    base, values, record = pf.load_profile_file(saved)
    assert base == "kent"
    assert values == pytest.approx(own["values"], rel=1e-9)
    assert record["kept_fraction"] == 0.12 and record["converged"] is True
    assert "skipped" not in record  # missing values are left out
    direct = ss.Scenario(profile="kent", values=own["values"])
    loaded = ss.Scenario(profile=base, values=values)
    a, b = ss.simulate(direct), ss.simulate(loaded)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9)
    # the file's values change the run (against the council's own profile)
    plain = ss.simulate(ss.Scenario(profile="kent"))
    assert not np.allclose(plain["Children looked after"], a["Children looked after"])


def test_preset_sits_on_the_file(saved, own):
    s = pf.profile_file_scenario(saved, "austerity-then-covid")
    p = ss.preset("austerity-then-covid", profile="kent")
    assert s.profile == "kent" and s.name == "austerity-then-covid"
    for k, v in p.values.items():
        assert s.values[k] == v
    assert s.values["Need scale"] == 1.15


def test_futures_kept_compactly(saved):
    data = pf.read_profile_text(saved.read_text())
    assert data.futures == [{"Need scale": 1.1, "Time to escalate": 4.0},
                            {"Need scale": 1.2, "Time to escalate": 5.5}]
    assert data.title == "Kent, our figures"


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('format = "slack-sim-profile"', 'format = "other"'), "format"),
    (lambda t: "extra = 1\n" + t, "unknown key"),
    (lambda t: t + "\nsurprise = 1\n", "only 'columns' and 'rows'"),
    (lambda t: t.replace('"Need scale" = 1.15', '"Need scale" = "1.15"'), "expected a number"),
    (lambda t: t.replace('"Need scale" = 1.15', '"Need scale" = 1e9'), "Need scale"),
    (lambda t: t.replace("[values]", '[values]\n"No such thing" = 1.0'), "No such thing"),
    (lambda t: t.replace('base_profile = "kent"', 'base_profile = "../etc/x"'), "never a path"),
    (lambda t: t.replace("rows = [", "rows = [\n  [1.0],"), "row 1"),
    (lambda t: t[: len(t) // 2] + "= = =", "not a TOML"),
])
def test_malformed_files_are_refused(saved, edit, message):
    text = edit(saved.read_text())
    with pytest.raises(ScenarioError, match=message):
        pf.read_profile_text(text, name="f.toml")


def test_size_limit_and_stale_version(saved, tmp_path):
    big = tmp_path / "big.toml"
    big.write_text("#" * (pf.MAX_PROFILE_FILE_BYTES + 1))
    with pytest.raises(ScenarioError, match="at most"):
        pf.load_profile_file(big)
    text = saved.read_text()
    version = ss.load_model().version
    with pytest.warns(ScenarioVersionWarning, match="another|model version"):
        pf.read_profile_text(text.replace(f'model_version = "{version}"',
                                          'model_version = "old"'))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pf.read_profile_text(text)  # this version: no warning


def test_cli_run_with_profile_file(saved, tmp_path, capsys):
    out = tmp_path / "run.csv"
    assert main(["run", "--profile-file", str(saved), "--out", str(out)]) == 0
    assert out.is_file()
    frame = ss.simulate(pf.profile_file_scenario(saved, "austerity-then-covid"))
    import pandas as pd

    written = pd.read_csv(out, index_col=0)
    np.testing.assert_allclose(written["Children looked after"].to_numpy(),
                               frame["Children looked after"].to_numpy(), rtol=1e-6)


def test_cli_refuses_a_path_as_profile(saved, capsys):
    assert main(["run", "--profile", "../x"]) == 2
    err = capsys.readouterr().err
    assert "never a path" in err and "--profile-file" in err
    assert main(["summary", "--profile", "kent", "--profile-file", str(saved)]) == 2
    assert "not two" in capsys.readouterr().err


def test_cli_refuses_a_malformed_profile_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('format = "slack-sim-profile"\nformat_version = 1\nsurprise = 1\n')
    assert main(["run", "--profile-file", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown key" in err[0]


def test_cli_help_lists_profile_file():
    out = subprocess.run([sys.executable, "-m", "slack_sim.cli.main", "summary", "--help"],
                         capture_output=True, text=True)
    assert "--profile-file" in out.stdout
