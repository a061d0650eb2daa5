"""The app's uncertainty views: fan charts and probabilities on the Scenario page, the Risk page.

Driven headless with streamlit.testing.v1.AppTest. Every check compares what the app shows
with what the package computes independently (ensemble, sensitivity, tipping map), or with
the user's own inputs, so that a wrong wiring fails.
"""

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import slack_sim as ss

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from slack_sim.analysis.optimise import check_search  # noqa: E402
from slack_sim.report.text import percent  # noqa: E402
from slack_sim.ui import charts, headline, headline_text, risk  # noqa: E402
from slack_sim.ui.pages.appraisal import CARD_LINES  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120
#: Futures drawn in these tests (a choice the sidebar offers; fewer than the default, faster).
MEMBERS = min(risk.BANDS.choices)


def new_app(members: int = MEMBERS) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    at.selectbox(key="bands_n").set_value(members).run()
    assert not at.exception
    return at


def risk_page(at: AppTest) -> AppTest:
    at.segmented_control(key="page").set_value("Risk").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart(at: AppTest, key: str) -> dict:
    """The plotly spec of the chart drawn with ``key``.

    The Scenario page's charts are ``ui.live_chart`` components (their figure in the
    element's JSON data), the other pages' ``st.plotly_chart`` elements.
    """
    found = [json.loads(e.proto.spec) for e in at.get("plotly_chart")
             if e.proto.id.endswith(key)]
    found += [json.loads(e.proto.json)["figure"] for e in at.get("bidi_component")
              if e.proto.id.endswith(key)]
    assert len(found) == 1, key
    return found[0]


def array(value) -> np.ndarray:
    """A plotly data array from a spec: a typed-array dict or a list."""
    if isinstance(value, dict):
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return out.reshape([int(n) for n in str(value["shape"]).split(",")]) if (
            "shape" in value) else out
    return np.asarray([np.nan if v is None else v for v in value], dtype=float) if (
        value and not isinstance(value[0], list)) else np.asarray(
        [[np.nan if v is None else v for v in row] for row in value], dtype=float)


def band_traces(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if "of futures" in t.get("name", "")]


def texts(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.caption, *at.markdown])


# -- Scenario page: bands and probability statements -----------------------------------------


def test_scenario_page_shows_bands_and_probabilities_that_follow_the_levers():
    at = new_app()
    scenario, base = ss.preset(), ss.preset(at.session_state["baseline"])
    ens = ss.ensemble(scenario, n=MEMBERS, seed=risk.BANDS.seed, baseline=base,
                      outputs=charts.band_outputs())
    # the statements on the cards are the package's shares of futures
    share = ens.probability("net_present_saving", ">", 0)
    npv_note = next(line for c in at.caption for line in c.value.split(CARD_LINES)
                    if line.startswith("Net saving"))
    assert f"positive in {round(100 * share)}% of {MEMBERS} futures" in npv_note
    failed = ens.probability("did_not_recover", ">", 0)
    assert any(f"Did not recover in {round(100 * failed)}% of {MEMBERS} futures" in c.value
               for c in at.caption)
    # each line chart carries the 5-95% and 25-75% bands of the package's ensemble
    spec = chart(at, "chart:waiting")
    traces = band_traces(spec)
    # two variables x two bands, each its lower edge then its upper edge filled down to it
    assert len(traces) == 8
    assert [t["fill"] for t in traces] == ["none", "tonexty"] * 4
    assert all("x" not in t for t in traces), "placed as the lines are: no positions sent"
    waiting = [array(t["y"]) for t in traces if t["name"].startswith("Waiting time")]
    for (lower, upper), (lo, hi) in zip(zip(waiting[::2], waiting[1::2], strict=True),
                                        (risk.BANDS.outer, risk.BANDS.inner), strict=True):
        # sent as float32 (the display factor of months is 1): exactly the rounded bands
        assert lower.dtype == upper.dtype == np.float32
        np.testing.assert_array_equal(
            upper, ens.bands[("Waiting time", hi)].to_numpy().astype(np.float32))
        np.testing.assert_array_equal(
            lower, ens.bands[("Waiting time", lo)].to_numpy().astype(np.float32))
        assert np.all(upper >= lower)
    before_notes = [c.value for c in at.caption if "futures" in c.value]
    # moving a lever moves the bands and the statements
    at.slider(key="var:Slack target").set_value(0.3).run()
    assert not at.exception
    after = [array(t["y"]) for t in band_traces(chart(at, "chart:waiting"))
             if t["name"].startswith("Waiting time")]
    assert not all(np.allclose(a, b) for a, b in zip(after, waiting, strict=True))
    assert [c.value for c in at.caption if "futures" in c.value] != before_notes
    # switched off: no bands, no statements
    at.toggle(key="bands_on").set_value(False).run()
    assert not band_traces(chart(at, "chart:waiting"))
    # (the appraisal panel below the cards has its own futures, not switched by this toggle)
    lines = [line for c in at.caption for line in c.value.split(CARD_LINES)]
    assert not [t for t in lines if t.startswith(("Net saving against", "Did not recover in",
                                                  "Run out in"))]


# -- Risk page ---------------------------------------------------------------------------------


def test_risk_page_renders_the_outcome_distribution():
    at = risk_page(new_app())
    scenario, base = ss.preset(), ss.preset(at.session_state["baseline"])
    ens = ss.ensemble(scenario, n=MEMBERS, seed=risk.BANDS.seed, baseline=base,
                      outputs=charts.band_outputs())
    table = next(d.value for d in at.dataframe if "outcome" in d.value.columns)
    assert list(table.columns[:6]) == ["outcome", "5%", "25%", "median", "75%", "95%"]
    # the page says which futures these are: the cards' history-consistent ones, by default
    said = next(m.value for m in at.markdown if "net saving against" in m.value)
    assert f"{MEMBERS:,} {ens.source}" in said and "consistent with 2010-2020" in said
    assert f"all {len(ens.samples.columns)} uncertainties" in said
    median_harm = float(np.median(ens.outcomes["cumulative_harm"]))
    harm_row = table[table["outcome"].str.startswith("Harm")].iloc[0]
    assert harm_row["median"] == headline_text.compact(median_harm)  # as on the cards
    share = ens.probability("net_present_saving", ">", 0)
    assert f"positive in {round(100 * share)}% of {MEMBERS} futures" in texts(at)
    ranges = next(d.value for d in at.dataframe if "why that range" in d.value.columns)
    drawn = ss.uncertainty_ranges(None)
    assert list(ranges["uncertainty"]) == list(drawn.index)
    assert list(ranges["drawn from"]) == [f"{v:g}" for v in drawn["minimum"]]
    hist = chart(at, "chart:risk_hist")
    assert len(array(hist["data"][0]["x"])) == MEMBERS
    # no group chosen: a message, not an error
    at.multiselect(key="w:risk_groups").set_value([]).run()
    assert not at.exception
    assert "at least one group" in at.warning[0].value


def test_sensitivity_button_gives_a_ranked_chart_and_table():
    at = risk_page(new_app())
    assert at.session_state["w:risk_method"] == "morris"  # the fast default
    trajectories = min(risk.SENSITIVITY.morris_trajectories)
    at.select_slider(key="w:risk_morris_n").set_value(trajectories).run()
    assert "risk_sensitivity" not in at.session_state
    at.button(key="risk_sens_run").click().run()
    assert not at.exception
    expected = ss.sensitivity(ss.preset(), method="morris", n=trajectories, seed=0)
    ranked = next(d.value for d in at.dataframe if "rank" in d.value.columns)
    assert list(ranked["outcome"].unique()) == list(risk.SENSITIVITY.outputs.values())
    for (key, label), colour_panel in zip(risk.SENSITIVITY.outputs.items(),
                                          chart(at, "chart:risk_sens")["data"], strict=True):
        rows = ranked[ranked["outcome"] == label]
        assert list(rows["rank"]) == list(range(1, len(rows) + 1))
        top = expected[expected["output"] == key].sort_values("rank")
        assert list(rows["uncertainty"]) == list(top["parameter"][: len(rows)])
        # the chart's bars: largest at the top (plotly draws the last bar on top)
        bars = array(colour_panel["x"])
        assert np.all(np.diff(bars) >= 0) and bars[-1] > 0
        assert colour_panel["y"][-1] == rows["uncertainty"].iloc[0]
    assert any("Done:" in p.proto.text for p in at.get("progress"))


def test_tipping_map_marks_services_that_did_not_recover():
    at = risk_page(new_app())
    assert at.session_state["w:risk_map"] == "slack-by-shock"
    spec = chart(at, "chart:risk_tipping")
    failed_layer = next(t for t in spec["data"] if t.get("name") == "did not recover")
    z = array(failed_layer["z"])
    # the app maps the RB3 experiment on the session's profile (the calibrated default);
    # the shared map of simhelpers is the reference behaviour's, on the sourced values
    from slack_sim.analysis.tipping import STANDARD_MAPS, rb3_scenario, tipping_map

    x, y = STANDARD_MAPS["slack-by-shock"]
    expected = tipping_map(rb3_scenario(ss.preset().profile), x=x, y=y)
    not_recovered = ~expected.recovered.to_numpy(dtype=bool)
    assert not_recovered.any() and (~not_recovered).any()
    got = np.isfinite(z.reshape(not_recovered.shape))
    np.testing.assert_array_equal(got, not_recovered)
    assert f"{int(not_recovered.sum())} of {not_recovered.size} settings did not recover" in (
        texts(at))
    # the other map and the current scenario draw too
    at.selectbox(key="w:risk_map").set_value("austerity-by-shock").run()
    at.radio(key="w:risk_map_on").set_value("current").run()
    assert not at.exception
    assert chart(at, "chart:risk_tipping")["data"][0]["type"] == "heatmap"


def test_policy_search_stays_in_bounds_and_applies_to_the_sliders():
    at = risk_page(new_app())
    bounds = {"Slack target": (0.12, 0.28), "Prevention investment": (0.8, 1.6)}
    at.multiselect(key="w:search_levers").set_value(list(bounds)).run()
    for name, (lo, hi) in bounds.items():
        at.number_input(key=f"w:search_lo:{name}").set_value(lo)
        at.number_input(key=f"w:search_hi:{name}").set_value(hi)
    at.selectbox(key="w:search_effort").set_value("quick")
    at.number_input(key="w:search_seconds").set_value(risk.SEARCH.seconds_range[0]).run()
    assert not at.exception
    at.button(key="search_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state["search_result"]
    for name, (lo, hi) in bounds.items():
        assert lo <= result["levers"][name] <= hi
        assert lo <= result["snapped"][name] <= hi
    assert set(result["levers"]) == set(bounds)
    assert len(result["pareto"]) >= 1
    assert chart(at, "chart:risk_pareto")["data"]
    # the found mix goes onto the sidebar sliders (and into the shared link)
    at.button(key="search_apply").click().run()
    assert not at.exception
    for name, value in result["snapped"].items():
        assert at.slider(key=f"var:{name}").value == pytest.approx(value)
    assert "Applied the lever mix" in " ".join(s.value for s in at.success)
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    moved = {n: v for n, v in result["snapped"].items() if v != ss.preset().settings()[n]}
    assert moved and all(float(query[n]) == pytest.approx(v) for n, v in moved.items())


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"w:search_lo:Slack target": 0.4, "w:search_hi:Slack target": 0.1},
         "is above the highest"),
        ({"w:search_lo:Slack target": 0.2, "w:search_hi:Slack target": 0.2}, "both 0.2"),
        ({"w:search_hi:Slack target": 0.9}, "outside the model's range"),
        # the caps are checked by the search's own rules, in the page's words
        ({"w:search_wait_cap": 0.0},
         check_search(waiting_cap=0.0, labels=risk.SEARCH_LABELS)[0]),
        ({"w:search_seconds": 500.0}, "The run-time cap: 500 is outside the allowed range"),
    ],
)
def test_policy_search_refuses_bad_input_with_a_message(setting, message):
    at = risk_page(new_app())
    for key, value in setting.items():
        at.number_input(key=key).set_value(value)
    at.button(key="search_run").click().run()
    assert not at.exception
    assert message in at.error[0].value
    assert "search_result" not in at.session_state


# -- the plain-Python pieces ---------------------------------------------------------------------


def _npv_note(at: AppTest) -> str:
    found = [line for c in at.caption for line in c.value.split(CARD_LINES)
             if line.startswith("Net saving against")]
    assert len(found) == 1, found
    return found[0]


def test_the_net_saving_is_against_the_baseline_on_the_users_own_figures():
    """With the user's own figures in use, the card's baseline includes them: so must the
    share of futures with a net saving beside it (it was the preset without them)."""
    at = new_app()
    before = _npv_note(at)
    at.session_state["own"] = {"title": "Ours", "base": at.session_state["profile"],
                               "values": {"Need scale": 1.1}, "record": {}, "futures": []}
    at.run()
    assert not at.exception
    after = _npv_note(at)
    assert after != before, after
    at.session_state["own"] = None
    at.run()
    assert _npv_note(at) == before


def test_probability_notes_count_the_futures():
    outcomes = pd.DataFrame({
        "net_present_saving": [-1e6, 2e6, 3e6, 4e6],
        "cumulative_harm": [1e5, 2e5, 3e5, 4e5],
        "peak_waiting_time": [1.0, 2.0, 3.0, 4.0],
        "recovery_months": [np.nan, 6.0, 8.0, 10.0],
        "did_not_recover": [True, False, False, False],
        "reserves_runway_year": [np.nan, 2015.5, np.nan, np.nan],
        "main_shock": [1, 1, 1, 1],
    })
    notes = headline.probability_notes(outcomes, baseline_label="the status quo")
    assert "against the status quo positive in 75% of 4 futures" in notes["npv"]
    # a finance officer reads this median beside the card's change: which is which
    assert "each future's own saving" in notes["npv"] and "central estimates" in notes["npv"]
    assert "Did not recover in 25% of 4 futures" in notes["recovery"]
    assert "median 8 months" in notes["recovery"]
    # the horizon is the model's FINAL TIME (March 2046 on v2), not a literal
    end = headline.HORIZON
    model = ss.load_model()
    assert end.endswith(str(int(model.start_year + (model.final_time - 1) // 12)))
    assert f"Reserves run out by {end} in 25% of 4 futures" in notes["reserves"]
    assert f"under {np.percentile([1, 2, 3, 4], 90):.1f} months in 90%" in notes["wait"]
    one = outcomes.assign(recovery_months=[np.nan, 1.0, 1.0, 2.0])
    assert "a median 1 month after" in headline.probability_notes(one)["recovery"]  # not "1 months"
    same = outcomes.assign(net_present_saving=0.0, main_shock=0)
    notes = headline.probability_notes(same)
    assert notes["npv"].startswith("Same spending") and "recovery" not in notes
    assert percent(0.004) == "under 1%" and percent(0.996) == "over 99%"


def test_found_levers_are_rounded_to_slider_steps_inside_the_searched_ranges(model):
    bounds = {"Slack target": (0.123, 0.287), "Prevention investment": (0.8, 1.6)}
    got = risk.snap_levers({"Slack target": 0.1249, "Prevention investment": 1.5999}, bounds)
    assert got == {"Slack target": pytest.approx(0.13), "Prevention investment": 1.6}
    for name, value in got.items():
        lo, hi = bounds[name]
        steps = (value - model[name].minimum) / model[name].step
        assert lo <= value <= hi and abs(steps - round(steps)) < 1e-9
    # a range narrower than one step keeps the value, clipped into the range
    assert risk.snap_levers({"Slack target": 0.1234}, {"Slack target": (0.121, 0.125)}) == {
        "Slack target": pytest.approx(0.1234)}


def test_every_chart_with_bands_validates(model):
    scenario = ss.preset()
    ens = ss.ensemble(scenario, n=16, seed=1, outputs=charts.band_outputs())
    frame = ss.simulate(scenario)
    for spec in charts.CHARTS:
        fig = charts.scenario_figure(spec, frame, model=model, settings=scenario.settings(),
                                     bands=ens.bands, validate=True)
        # plotly.js lists a chart with "tonexty" fills in reverse unless told otherwise;
        # the line charts' legends keep the order the lines are drawn in
        assert fig.layout.legend.traceorder == (None if spec.stacked else "normal")
        where = [i for i, t in enumerate(fig.data) if "of futures" in (t.name or "")]
        edges = [fig.data[i] for i in where]
        lines = 1 if spec.stacked else len(spec.left) + len(spec.right)
        assert len(edges) == 4 * lines
        shown = charts.line_displays(spec, frame, model=model)
        for k in range(0, len(edges), 2):
            lower, upper = edges[k], edges[k + 1]
            # the upper edge fills down to the lower edge just before it, on its axis
            assert (lower.fill, upper.fill) == ("none", "tonexty")
            assert where[k + 1] == where[k] + 1 and lower.yaxis == upper.yaxis
            assert lower.name.split(" (")[0] == upper.name.split(" (")[0]
            # every band encloses its own median, drawn as its line is; float32 rounding
            # keeps order, so compare with the median's
            name = lower.name.split(",")[0]
            median = (ens.bands[(name, 50)].to_numpy() * shown[name].factor).astype(np.float32)
            assert np.all(array(lower.y) <= median) and np.all(median <= array(upper.y))


def test_the_figure_dicts_the_page_sends_are_plotlys_own(model):
    """What the app hands the browser is the validated figure's ``to_plotly_json``.

    The page builds its figures as plain dicts (``charts.scenario_figure_json``) to skip
    plotly's objects; plotly, validating, must neither reject nor rewrite any of it.
    """
    scenario, base = ss.preset(), ss.preset("baseline")
    ens = ss.ensemble(scenario, n=16, seed=1, outputs=charts.band_outputs())
    frame, base_frame = ss.simulate(scenario), ss.simulate(base)
    for spec in charts.CHARTS:
        sent = charts.scenario_figure_json(spec, frame, model=model,
                                           settings=scenario.settings(), baseline=base_frame,
                                           baseline_label="baseline", bands=ens.bands)
        checked = go.Figure(sent).to_plotly_json()  # validates: raises on a bad property
        # validation changes nothing but the empty template, which it fills with
        # plotly's default (the page draws with none: plotly.js's own defaults)
        assert sent["layout"]["template"] == {"layout": {}}
        checked["layout"].pop("template")
        assert checked == {**sent, "layout": {k: v for k, v in sent["layout"].items()
                                              if k != "template"}}, spec.key
        # and it is what the page sent when it made a Figure first (plotly unvalidated)
        assert sent == charts.scenario_figure(
            spec, frame, model=model, settings=scenario.settings(), baseline=base_frame,
            baseline_label="baseline", bands=ens.bands, validate=False).to_plotly_json()


def test_the_outcome_table_writes_months_and_counts_as_the_cards_do():
    outcomes = pd.DataFrame({
        "npv_total_spending": [1.8e11, 1.9e11, 2.0e11, 2.1e11],
        "cumulative_harm": [5.0e8, 6.0e8, 6.1e8, 7.0e8],
        "reserves_runway_year": [2028.5, 2028.5, 2028.5, np.nan],
    })
    table = risk.outcome_table(outcomes).set_index("outcome")
    harm = next(r for r in table.index if "arm" in r)
    runway = table.loc[[r for r in table.index if r != harm][-1]]
    assert table.loc[harm, "median"] == headline_text.compact(6.05e8) == "605.00m"
    assert runway["median"] == "Jul 2028" and runway["futures counted"] == "3 of 4"
