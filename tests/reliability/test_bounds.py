"""Defect class 5: every run-shaping argument is bounded, with the one message format.

``final_time=1e9`` used to be OOM-killed at 21.7 GB, ``inf`` raised OverflowError, ``-5``
returned an empty frame and ``ensemble -n 100000`` ran for 52 s and 4.5 GB silently.
"""

import re

import numpy as np
import pytest

import slack_sim as ss
from slack_sim.cli import main
from slack_sim.validation import ValidationError


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"final_time": 1e9}, "final_time: 1000000000 is outside the allowed range"),
    ({"final_time": float("inf")}, "final_time: expected"),
    ({"final_time": -5.0}, "final_time: -5 is outside the allowed range"),
    ({"final_time": 0.0}, "final_time: 0 is outside the allowed range"),
    ({"time_step": float("inf")}, "time_step: expected"),
    ({"time_step": 1e-9}, "time_step: 1e-09 is outside the allowed range"),
    ({"output_step": float("nan")}, "output_step: expected"),
])
def test_simulate_refuses_unbounded_control_values(kwargs, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)) as info:
        ss.simulate(ss.preset(), **kwargs)
    assert len(str(info.value).splitlines()) == 1


OPTIMISE = ["optimise", "--lever", "Slack target=0.1:0.3", "--waiting-cap", "6"]


@pytest.mark.parametrize(("argv", "fragment"), [
    (["ensemble", "-n", "100001"], "-n (the number of futures): expected a whole number "
                                   "from 1 to 100,000, got 100001"),
    (["ensemble", "-n", "0"], "got 0"),
    (["ensemble", "-n", "-1"], "got -1"),
    (["sensitivity", "-n", "1000000"], "give a smaller n"),
    (["tipping-map", "--x-values", "0:1:100000"], "--x-values"),
    ([*OPTIMISE, "--futures", "1000000"], "--futures"),
    ([*OPTIMISE, "--popsize", "0"], "--popsize"),
    ([*OPTIMISE, "--max-seconds", "inf"], "--max-seconds"),
    (["summary", "--base-year", "1e9"], "--base-year"),
    (["ensemble", "-n", "8", "--seed", "-1"], "--seed"),
])
def test_cli_sizes_are_bounded_with_one_line(argv, fragment, capsys):
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def test_the_ensemble_bound_is_the_one_in_its_message(capsys):
    from slack_sim.cli.analysis import MEMBERS

    assert main(["ensemble", "-n", str(MEMBERS.high + 1)]) == 2
    err = capsys.readouterr().err
    assert f"{MEMBERS.high:,}" in err or str(MEMBERS.high) in err, err


def test_in_range_control_values_still_run():
    out = ss.simulate(ss.preset(), final_time=24.0, time_step=0.125)
    assert len(out) == 25 and np.isfinite(out.to_numpy()).all()
