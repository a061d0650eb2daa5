"""Scenarios: presets, validation with clear errors, JSON round-trip, no leaking."""

import json
import warnings

import numpy as np
import pytest
from simhelpers import run

import slack_sim as ss
from slack_sim.scenarios import MAX_SCENARIO_BYTES

PRESETS = ["baseline", "austerity", "austerity-then-covid", "covid-without-austerity",
           "invest-to-save", "seize-the-moment", "return-to-old-habits", "second-shock"]


def test_preset_names_exact():
    assert ss.presets() == PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_runs(name):
    frame = run(ss.preset(name))
    # one row a month from month 0 to the model's FINAL TIME, both ends included (v2: 435,
    # the end of March 2046, so 436 rows; v1 ran to 372)
    final = ss.load_model().final_time
    assert final == 435 and len(frame) == int(final) + 1
    assert frame.index[0] == 2010.0 and abs(frame.index[1] - 2010.0833333) < 1e-6
    assert np.isfinite(frame.to_numpy()).all()


def test_presets_differ_from_each_other():
    ends = {n: run(ss.preset(n))["Total spending"].sum() for n in PRESETS}
    assert len({round(v, 3) for v in ends.values()}) == len(PRESETS)


def test_json_round_trip_exact(tmp_path):
    sc = ss.preset("seize-the-moment").with_values({"Slack target": 0.1234567891234,
                                                    "Shock 1 demand surge": 0.3})
    path = ss.save_scenario(sc, tmp_path / "s.json")
    back = ss.load_scenario(path)
    assert back == sc
    assert back.settings() == sc.settings()
    data = json.loads(path.read_text())
    assert data["model_version"] == ss.load_model().version


def test_with_values_returns_new_scenario():
    sc = ss.preset("baseline")
    sc2 = sc.with_values({"Slack target": 0.3})
    assert sc.values.get("Slack target") is None and sc2.values["Slack target"] == 0.3


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        ({"Slak target": 0.2}, ["unknown variable 'Slak target'", "did you mean 'Slack target'"]),
        ({"Slack target": 0.9}, ["Slack target", "0.9", "[0.02, 0.5]", "Dmnl"]),
        ({"Austerity depth": -0.1}, ["Austerity depth", "-0.1", "[0, 1]", "Dmnl"]),
        # v2's shocks may start up to month 420 (the run ends at 435): 430 is past the range
        ({"Shock 1 start": 430}, ["Shock 1 start", "430", "[0, 420]", "Month"]),
        ({"Slack target": "abc"}, ["Slack target", "expected a number", "'abc'"]),
        ({"Slack target": float("nan")}, ["Slack target", "not a finite number"]),
        ({"Crisis queue": 5}, ["unknown variable 'Crisis queue'"]),
        ({"Months per year": 12}, ["unknown variable 'Months per year'"]),
    ],
)
def test_bad_values_give_clear_errors(values, fragments):
    with pytest.raises(ss.ScenarioError) as err:
        ss.Scenario(values=values)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_unknown_preset_and_profile():
    with pytest.raises(ss.ScenarioError, match="unknown preset 'nope'.*baseline"):
        ss.preset("nope")
    with pytest.raises(ss.ScenarioError, match="unknown profile 'mars'"):
        ss.preset("baseline", profile="mars")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a slack-sim scenario"),
        ('{"format": "slack-sim scenario", "profile": 3, "values": {}}', "'profile'"),
        ('{"format": "slack-sim scenario", "profile": "generic", "values": {"X": 1}}',
         "unknown variable 'X'"),
    ],
)
def test_malformed_files(tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.ScenarioVersionWarning)  # no version in these files
        with pytest.raises(ss.ScenarioError, match=fragment):
            ss.load_scenario(path)


def test_oversized_file_refused(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(" " * (MAX_SCENARIO_BYTES + 1))
    with pytest.raises(ss.ScenarioError, match="too large"):
        ss.load_scenario(path)


def test_no_leak_between_runs():
    default = ss.simulate(ss.preset(), engine="pysd")
    ss.simulate(ss.preset().with_values({"Austerity depth": 0.6, "Slack target": 0.4,
                                         "Need scale": 3}), engine="pysd")
    again = ss.simulate(ss.preset(), engine="pysd")
    assert (again.to_numpy() == default.to_numpy()).all()


def test_simulate_rejects_unknown_engine():
    with pytest.raises(ValueError, match="unknown engine 'fortran'"):
        ss.simulate(ss.preset(), engine="fortran")
