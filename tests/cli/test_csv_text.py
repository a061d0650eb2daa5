"""``slack-sim run``'s CSV writer (:func:`slack_sim.cli.commands.csv_text`) writes as pandas."""

import io

import numpy as np
import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.cli.commands import csv_text


def _pandas(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index_label="year")
    return buffer.getvalue()


def test_a_run_is_written_as_pandas_writes_it():
    frame = ss.simulate(ss.preset(), backend="numpy")
    assert csv_text(frame) == _pandas(frame)


@pytest.mark.parametrize("value", [np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308,
                                   0.1 + 0.2, -123456789.125, 1e16, 1e-5])
def test_edge_floats_and_awkward_names_match_pandas(value):
    frame = pd.DataFrame({"plain": [1.0, 2.5], 'a "quoted", name': [value, 3.0],
                          "line\nbreak": [value, -value]}, index=[2010.0, 2010.0 + 1 / 12])
    assert csv_text(frame) == _pandas(frame)


def test_a_missing_value_goes_through_pandas():
    frame = pd.DataFrame({"x": [1.0, np.nan]}, index=[2010.0, 2011.0])
    assert csv_text(frame) == _pandas(frame)
    assert "2011.0," in csv_text(frame)
