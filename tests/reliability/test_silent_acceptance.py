"""Defect class 6: what is not valid is refused with one line, never silently accepted.

A repeated ``--set`` (last one won), full-width digits, ``--preset ''`` (fell back to the
default), a number given as text, duplicate keys, unknown fields, a garbage ``settings``
block, another ``format_version``, and a switch between its two values (the CLI ran 0.37,
the app rewrote it to 0) were all accepted; the error for 0.5000001 printed "0.5".
"""

import json

import pytest

import slack_sim as ss
from slack_sim.cli import main


def _refused(argv, capsys, *fragments):
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_a_repeated_set_is_refused(capsys):
    _refused(["run", "--set", "Slack target=0.2", "--set", "Slack target=0.3"], capsys,
             "Slack target", "more than once")


def test_full_width_digits_are_refused(capsys):
    _refused(["run", "--set", "Slack target=０.３"], capsys, "Slack target", "'０.３'")


@pytest.mark.parametrize("name", ["", " ", "Baseline", "baseline "])
def test_an_empty_or_inexact_preset_is_refused(name, capsys):
    _refused(["run", "--preset", name], capsys, "preset")


def test_a_value_outside_its_range_is_shown_as_given(capsys):
    _refused(["run", "--set", "Slack target=0.5000001"], capsys, "0.5000001")
    with pytest.raises(ss.ScenarioError, match="0.5000001"):
        ss.preset().with_values({"Slack target": 0.5000001})


SWITCH = "Switch R2 burnout"


@pytest.mark.parametrize("value", [0.37, 0.5, 2.0, -1.0])
def test_a_switch_takes_only_its_two_values_everywhere(value, capsys):
    assert ss.load_model()[SWITCH].role == "switch"
    _refused(["run", "--set", f"{SWITCH}={value:g}"], capsys, SWITCH)
    with pytest.raises(ss.ScenarioError, match=SWITCH):
        ss.preset().with_values({SWITCH: value})
    from slack_sim.ui import sharing  # the app's links read through the same rule

    with pytest.raises(sharing.ShareError, match=SWITCH):
        sharing.decode_query({SWITCH: f"{value:g}"}, model=ss.load_model())


def test_a_switch_at_its_values_is_accepted():
    for value in (0.0, 1.0):
        assert ss.preset().with_values({SWITCH: value}).values[SWITCH] == value


def test_settings_naming_no_variable_of_this_model_are_refused():
    data = ss.preset().to_dict()
    data["settings"]["No such variable"] = 1.0
    with pytest.raises(ss.ScenarioError, match="No such variable"):
        ss.Scenario.from_json(json.dumps(data))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"format": "slack-sim scenario", "profile": "generic", "values": {}, "extra": 1}',
         "unknown field(s) 'extra'"),
        ('{"format": "slack-sim scenario", "format_version": 99, "profile": "generic", '
         '"values": {}}', "format_version: expected 1, got 99"),
        ('{"format": "slack-sim scenario", "profile": "generic", '
         '"values": {"Slack target": "0.3"}}',
         "values: Slack target: expected a number, got '0.3'"),
        ('{"format": "slack-sim scenario", "profile": "generic", '
         '"values": {"Slack target": 0.2, "Slack target": 0.3}}', "'Slack target' is given twice"),
        ('{"format": "slack-sim scenario", "profile": "generic", "values": {}, '
         '"settings": {"Slack target": [1]}}', "settings: Slack target: expected a number"),
        ('{"format": "slack-sim scenario", "profile": "generic", '
         '"values": {"Slack target": NaN}}', "NaN is not a number JSON allows"),
        ('{"format": "slack-sim scenario", "profile": "generic", '
         '"values": {"Slack target": ' + "9" * 401 + "}}", "more than 40 digits"),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ],
)
def test_scenario_files_are_parsed_strictly(text, fragment):
    with pytest.raises(ss.ScenarioError) as err:
        ss.Scenario.from_json(text)
    assert fragment in str(err.value)
    assert len(str(err.value).splitlines()) == 1
