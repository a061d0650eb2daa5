"""The Scenario page's value axes: fixed ranges that hold everything drawn (ui.axes)."""

import math

import numpy as np
import pytest

import slack_sim as ss
from slack_sim.analysis.ensemble import DEFAULT_GROUPS
from slack_sim.ui import cache, charts, risk
from slack_sim.ui.axes import PAD, STEPS, axis_values, fix_y_ranges, round_range
from slack_sim.ui.bands import typed


@pytest.fixture(scope="module")
def figures() -> list[dict]:
    """The six charts the page sends for the default scenario, bands and baseline on."""
    scenario = ss.preset()
    baseline = ss.preset("baseline", profile=scenario.profile)
    return cache.chart_figures(cache.scenario_key(scenario), cache.scenario_key(baseline),
                               "baseline", risk.BANDS.members, ",".join(DEFAULT_GROUPS))


def _axis(name: str) -> str:
    return "yaxis" if name == "y" else f"yaxis{name[1:]}"


def test_every_value_drawn_lies_inside_its_axis_and_the_axis_is_not_loose(figures):
    for figure in figures:
        values = axis_values(figure["data"])
        assert values, figure["layout"]["title"]["text"]
        for axis, drawn in values.items():
            spec = figure["layout"][_axis(axis)]
            low, high = spec["range"]
            assert spec["autorange"] is False
            finite = drawn[np.isfinite(drawn)]
            assert low <= min(0.0, finite.min()) and high >= max(0.0, finite.max()), axis
            # no more headroom than the padding and one step (at most 2.5 x span / STEPS)
            span = max(0.0, finite.max()) - min(0.0, finite.min())
            slack = (PAD + 2.5 / STEPS) * span
            assert high - max(0.0, finite.max()) <= slack + 1e-9 * span
            assert min(0.0, finite.min()) - low <= slack + 1e-9 * span


def test_the_bands_and_the_baseline_are_inside_the_range_not_only_the_lines(figures):
    # the upper edge of a 5-95% band lies above its line: a range fitted to the lines
    # alone would cut the bands off at the top of the chart
    waiting = figures[[spec.key for spec in charts.CHARTS].index("waiting")]
    lines = [t for t in waiting["data"] if "of futures" not in t.get("name", "")
             and t.get("yaxis", "y") == "y"]
    band_top = max(axis_values([t])["y"].max() for t in waiting["data"]
                   if "of futures" in t.get("name", "") and t.get("yaxis", "y") == "y")
    line_top = max(axis_values([t])["y"].max() for t in lines)
    assert band_top > line_top
    assert waiting["layout"]["yaxis"]["range"][1] >= band_top


def test_a_stacked_chart_s_range_holds_the_stack_not_its_largest_layer():
    data = [{"type": "scatter", "y": typed(np.array([1.0, 2.0])), "stackgroup": "s"},
            {"type": "scatter", "y": typed(np.array([3.0, 4.0])), "stackgroup": "s"},
            {"type": "scatter", "y": [0.5, 0.5], "yaxis": "y2"}]
    layout: dict = {}
    fix_y_ranges(data, layout)
    assert list(axis_values(data)["y"]) == [1.0, 2.0, 4.0, 6.0]
    assert layout["yaxis"]["range"] == list(round_range(0.0, 6.0))
    assert layout["yaxis2"]["range"] == list(round_range(0.0, 0.5))


@pytest.mark.parametrize(("low", "high", "expected"), [
    (0.0, 1_188_000.0, (0.0, 1_300_000.0)),   # 5% headroom, then the next 100,000
    (0.0, 150.03, (0.0, 160.0)),
    (12.0, 80.0, (0.0, 85.0)),                # zero is always on the axis
    (-3.2, 10.0, (-4.0, 11.0)),               # negative values: padded below too
    (-5.0, -1.0, (-5.5, 0.0)),
    (0.0, 0.0, (0.0, 1.0)),                   # nothing but zeros: a unit axis
])
def test_known_ranges(low, high, expected):
    assert round_range(low, high) == expected


def test_small_moves_leave_the_range_as_it_was():
    # a value moving by a fraction of a step keeps the axis (the lines move, not the ticks)
    base = round_range(0.0, 1_000.0)
    assert all(round_range(0.0, 1_000.0 * (1 + d)) == base for d in (-0.01, 0.005, 0.01))
    assert round_range(0.0, 1_200.0) != base


@pytest.mark.parametrize(("low", "high"), [(math.nan, 1.0), (0.0, math.inf), (2.0, 1.0)])
def test_bad_values_are_an_error_naming_them(low, high):
    with pytest.raises(ValueError, match="need finite low <= high"):
        round_range(low, high)
