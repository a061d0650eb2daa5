"""Defect class 2: names are names, never paths.

A profile resolves only from the project's profile set (or an explicit ``--profile-file``);
a scenario's name becomes a file name only through ``safe_filename``; a link's profile that
is a path is refused and the app shows (and links to) the default.
"""

import json
from pathlib import Path

import pytest

import slack_sim as ss
from slack_sim.cli import main

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PATHS = ["../presets", "..", "/tmp/x/evil", "profiles/generic", "generic/../generic",
         "./generic", "~/generic", "generic.toml", "C:\\evil"]


@pytest.mark.parametrize("name", PATHS)
def test_a_profile_that_is_a_path_is_refused_everywhere(name, tmp_path, capsys):
    evil = tmp_path / "evil.toml"
    evil.write_text('[values]\n"Slack target" = 0.4\n')
    name = name.replace("/tmp/x", str(tmp_path))
    with pytest.raises(ss.ScenarioError, match="unknown profile"):
        ss.Scenario(profile=name)
    assert main(["run", "--profile", name, "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("unknown profile" in err or "never a path" in err), err
    assert not (tmp_path / "o.csv").exists()
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": "slack-sim scenario", "profile": name, "values": {}}))
    assert main(["run", "--scenario", str(path), "--out", str(tmp_path / "o.csv")]) == 2
    assert "unknown profile" in capsys.readouterr().err


def test_a_scenario_name_never_becomes_a_path(tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": "slack-sim scenario", "profile": "generic",
                                "values": {}, "name": "../../../" + str(tmp_path)[1:]
                                + "/escaped"}))
    assert main(["run", "--scenario", str(path)]) == 0
    assert not (tmp_path / "escaped.csv").exists()
    written = [p.name for p in work.iterdir()]
    assert len(written) == 1 and written[0].endswith("escaped.csv") and "/" not in written[0]


def test_the_app_refuses_a_linked_path_and_shows_the_default():
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"profile": "../presets"})
    at.run()
    assert not at.exception
    assert "unknown profile" in at.error[0].value
    assert at.selectbox(key="profile").value == ss.DEFAULT_PROFILE
    # the address bar is rewritten to what is shown, not left saying ../presets
    assert at.query_params["profile"] in ([ss.DEFAULT_PROFILE], ss.DEFAULT_PROFILE)
