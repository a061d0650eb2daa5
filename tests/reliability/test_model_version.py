"""Defect class 8: the version a saved scenario carries covers the model AND its profile.

A scenario file records ``model_version`` (the equations) and ``profile_version`` (every
value its profile sets: the TOML values, a council's row of ``councils.csv``, the fitted
values of ``calibration.csv``). Editing any of them after saving must flag the file on
load, naming what changed, like a changed model; editing nothing that changes a result
must not.
"""

import json
import os
import warnings

import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.scenarios.scenario import profile_version


def touch_later(path):
    """Move a file's modification time on, so every mtime-keyed reader sees the edit."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def _load_quietly(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario = ss.load_scenario(path)
    return scenario, [str(w.message) for w in caught
                      if issubclass(w.category, ss.ScenarioVersionWarning)]


def test_editing_a_profile_toml_flags_a_saved_scenario(models_copy, tmp_path):
    saved = tmp_path / "s.json"
    ss.save_scenario(ss.preset("austerity-then-covid", profile="generic"), saved)
    before = ss.simulate(ss.load_scenario(saved))["Children looked after"].iloc[-1]
    toml = models_copy / "profiles" / "generic.toml"
    text = toml.read_text()
    assert '"Children looked after 2010" = 300' in text
    toml.write_text(text.replace('"Children looked after 2010" = 300',
                                 '"Children looked after 2010" = 360'))
    touch_later(toml)
    scenario, messages = _load_quietly(saved)
    assert len(messages) == 1, messages
    assert "profile 'generic'" in messages[0]
    assert "Children looked after 2010: 300.0 -> 360.0" in messages[0]
    # the warning is not idle: the same file now gives another result
    assert ss.simulate(scenario)["Children looked after"].iloc[-1] != pytest.approx(before)


def _edit_csv(path, row_of, column, value):
    table = pd.read_csv(path, comment="#", dtype={"code": str})
    rows = row_of(table)
    assert rows.sum() == 1
    old = float(table.loc[rows, column].iloc[0])
    table.loc[rows, column] = value
    table.to_csv(path, index=False)
    touch_later(path)
    return old


def test_editing_a_council_row_flags_a_saved_scenario(models_copy, tmp_path):
    saved = tmp_path / "s.json"
    ss.save_scenario(ss.preset(profile="kent"), saved)
    old = _edit_csv(models_copy / "profiles" / "councils.csv",
                    lambda t: t["slug"] == "kent", "Care starts 2010", 1234.0)
    _, messages = _load_quietly(saved)
    assert len(messages) == 1 and f"Care starts 2010: {old!r} -> 1234.0" in messages[0]


def test_editing_a_calibration_row_flags_a_saved_scenario(models_copy, tmp_path):
    record = ss.scenarios.councils.calibration_record("kent")
    if not record or record.get("model_version") != ss.load_model().version:
        pytest.skip("kent is not calibrated for this model version (profiles not rebuilt)")
    saved = tmp_path / "s.json"
    ss.save_scenario(ss.preset(profile="kent"), saved)
    old = _edit_csv(models_copy / "profiles" / "calibration.csv",
                    lambda t: t["profile"] == "kent", "fit:Need scale",
                    float(record["fit:Need scale"]) * 1.1)
    _, messages = _load_quietly(saved)
    assert len(messages) == 1 and f"Need scale: {old!r} ->" in messages[0], messages


def test_an_unchanged_profile_loads_without_a_warning(models_copy, tmp_path):
    saved = tmp_path / "s.json"
    sc = ss.preset(profile="generic")
    ss.save_scenario(sc, saved)
    toml = models_copy / "profiles" / "generic.toml"
    toml.write_text(toml.read_text().replace("Generic teaching profile", "Renamed profile"))
    touch_later(toml)  # a new title changes no result
    back, messages = _load_quietly(saved)
    assert messages == [] and back == sc


def test_profile_version_follows_values_only(models_copy):
    before = profile_version("generic")
    assert profile_version("generic") == before
    assert profile_version("children-services-england") != before
    toml = models_copy / "profiles" / "generic.toml"
    toml.write_text(toml.read_text().replace('"Referrals 2010" = 2500', '"Referrals 2010" = 2501'))
    touch_later(toml)
    assert profile_version("generic") != before


def test_a_file_without_profile_version_is_flagged_by_its_settings(models_copy, tmp_path):
    # files written before profile versions: their saved settings still tell
    data = ss.preset(profile="generic").to_dict()
    del data["profile_version"]
    saved = tmp_path / "old.json"
    saved.write_text(json.dumps(data))
    assert _load_quietly(saved)[1] == []
    toml = models_copy / "profiles" / "generic.toml"
    toml.write_text(toml.read_text().replace('"Referrals 2010" = 2500', '"Referrals 2010" = 2600'))
    touch_later(toml)
    messages = _load_quietly(saved)[1]
    assert len(messages) == 1 and "Referrals 2010: 2500.0 -> 2600.0" in messages[0]


def test_stale_model_version_warns_and_lists_differences(tmp_path):
    sc = ss.preset("austerity")
    data = sc.to_dict()
    data["model_version"] = "0000000000000000"
    data["settings"]["Slack target"] = 0.3
    data["settings"]["Old lever"] = 1.0
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.warns(ss.ScenarioVersionWarning) as rec:
        back = ss.load_scenario(path)
    message = str(rec[0].message)
    assert "0000000000000000" in message and "Old lever" in message
    assert "Slack target: 0.3 -> 0.15" in message
    assert back == sc


def test_the_cli_names_the_changed_profile(models_copy, tmp_path, capsys):
    from slack_sim.cli import main

    saved = tmp_path / "s.json"
    ss.save_scenario(ss.preset(profile="generic"), saved)
    toml = models_copy / "profiles" / "generic.toml"
    toml.write_text(toml.read_text().replace('"Referrals 2010" = 2500', '"Referrals 2010" = 2600'))
    touch_later(toml)
    assert main(["summary", "--scenario", str(saved)]) == 0
    err = capsys.readouterr().err
    assert "WARNING" in err and "profile 'generic'" in err and "Referrals 2010" in err


def test_a_running_process_sees_an_edited_council_row(models_copy):
    before = ss.simulate(ss.preset(profile="kent"))["Children looked after"].iloc[0]
    _edit_csv(models_copy / "profiles" / "councils.csv", lambda t: t["slug"] == "kent",
              "Children looked after 2010", 2 * before)
    after = ss.simulate(ss.preset(profile="kent"))["Children looked after"].iloc[0]
    assert after == pytest.approx(2 * before)


def test_a_link_made_for_another_version_of_the_profile_is_stale():
    pytest.importorskip("streamlit")
    from slack_sim.ui import sharing

    model = ss.load_model()
    sc = ss.preset(profile="generic")
    query = sharing.encode_query(sc, preset_name=ss.DEFAULT_PRESET, baseline="baseline",
                                 model=model)
    assert query["pv"] == profile_version("generic")
    assert sharing.decode_query(query, model=model).stale is None
    shared = sharing.decode_query({**query, "pv": "0" * 16}, model=model)
    assert shared.stale and "profile 'generic' has changed" in shared.stale
