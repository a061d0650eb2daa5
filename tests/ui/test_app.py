"""The Streamlit app, driven headless with streamlit.testing.v1.AppTest."""

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import slack_sim as ss
from slack_sim.scenarios import MAX_SCENARIO_BYTES

pytest.importorskip("streamlit")
from streamlit.runtime import Runtime  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from slack_sim.ui import charts, diagram, headline, risk, sharing, specs  # noqa: E402
from slack_sim.ui.pages.appraisal import CARD_LINES  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120
#: The fewest futures the sidebar's bands offer (for tests that make many new scenarios).
FEWEST_FUTURES = min(risk.BANDS.choices)


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if query:
        at.query_params.update(query)
    return at.run()


HEADLINE_LABELS = frozenset(c.label for c in headline.cards(ss.summarize(ss.preset())))


def headline_metrics(at: AppTest) -> list:
    """The five headline cards (not the finance cards below them)."""
    return [m for m in at.metric if m.label in HEADLINE_LABELS]


def headlines(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in headline_metrics(at)}


def messages(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.error, *at.warning, *at.success])


def scenario_of(at: AppTest) -> dict[str, float]:
    """Every setting the app's widgets describe, as the package computes it."""
    q = dict(at.query_params)
    q = {k: (v[0] if isinstance(v, list) else v) for k, v in q.items()}
    shared = sharing.decode_query(q, model=ss.load_model())
    return shared.scenario.settings()


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = new_app()
    at.toggle(key="show_effects").set_value(True).run()
    return at


# -- the package never imports streamlit -----------------------------------------------------


def test_package_does_not_import_streamlit():
    code = "import sys, slack_sim; slack_sim.simulate(); print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# -- sliders come from the model ---------------------------------------------------------------


def test_slider_specs_match_the_model(model):
    names = [s.name for s in specs.lever_specs(model)]
    assert names == model.levers
    grouped = specs.assumption_groups(model)
    assert [s.name for g in grouped.values() for s in g] == sorted(
        model.uncertainties, key=lambda n: list(grouped).index(model[n].group))
    assert set(grouped) == {model[n].group for n in model.uncertainties}
    assert list(grouped)[:5] == list(specs.ASSUMPTION_GROUP_ORDER)
    for spec in [*specs.lever_specs(model), *[s for g in grouped.values() for s in g]]:
        var = model[spec.name]
        assert (spec.minimum, spec.maximum, spec.step, spec.default) == (
            var.minimum, var.maximum, var.step, var.default)
        assert var.definition in spec.help and var.source in spec.help
        assert var.units in spec.help


def test_app_sliders_are_the_models(app, model):
    sliders = {s.key: s for s in app.slider}
    for name in [*model.levers, *model.uncertainties]:
        s = sliders[f"var:{name}"]
        var = model[name]
        assert (s.min, s.max, s.step) == (var.minimum, var.maximum, var.step)
        assert var.definition in s.help
    default = ss.preset().settings()
    for name in [*model.levers, *model.uncertainties]:
        assert sliders[f"var:{name}"].value == default[name]
    # levers and uncertainties are apart: Policies first, then Assumptions
    labels = [s.label for s in app.sidebar.slider]
    n = len(model.levers)
    assert labels[:n] == [specs.slider_spec(model, v).label for v in model.levers]
    groups = [e.label for e in app.sidebar.expander][:5]
    assert groups[:4] == list(specs.ASSUMPTION_GROUP_ORDER)[:4]
    assert groups[4].startswith(specs.EFFECT_SIZES)


def test_hidden_effect_sizes_keep_their_values(model):
    at = new_app()
    assert not any(s.key == "var:Time to recruit" for s in at.slider)
    at.toggle(key="show_effects").set_value(True).run()
    at.slider(key="var:Time to recruit").set_value(12).run()
    moved = headlines(at)
    at.toggle(key="show_effects").set_value(False).run()
    assert "Time to recruit" in " ".join(c.value for c in at.caption)
    assert headlines(at) == moved
    assert scenario_of(at)["Time to recruit"] == 12
    at.slider(key="var:Slack target").set_value(0.2).run()
    assert scenario_of(at)["Time to recruit"] == 12
    at.toggle(key="show_effects").set_value(True).run()
    assert at.slider(key="var:Time to recruit").value == 12
    at.button(key="reset").click().run()
    assert at.slider(key="var:Time to recruit").value == model["Time to recruit"].default


# -- starting, presets, levers ---------------------------------------------------------------


def test_starts_without_exception(app):
    assert not app.exception
    assert len(headline_metrics(app)) == 5
    assert [m.label for m in headline_metrics(app)] == [c.label for c in headline.cards(
        ss.summarize(ss.preset()))]
    assert app.query_params["preset"] == [ss.DEFAULT_PRESET] or app.query_params["preset"] == (
        ss.DEFAULT_PRESET)


def central_expected(scenario, baseline_name: str = "baseline") -> list:
    """The cards the app should show: the central estimate over the same futures."""
    base = ss.preset(baseline_name, profile=scenario.profile)
    view = risk.ensemble_view(scenario, base, n=risk.BANDS.members, seed=risk.BANDS.seed,
                              outputs=charts.band_outputs())
    base_view = risk.ensemble_view(base, base, n=risk.BANDS.members, seed=risk.BANDS.seed,
                                   outputs=charts.band_outputs())
    return headline.central_cards(ss.summarize(scenario), view.outcomes,
                                  baseline_futures=base_view.outcomes)


def card_captions(at: AppTest) -> list[str]:
    """Every caption line (a card's caption holds its range, its own run and its note)."""
    return [line for c in at.caption for line in c.value.split(CARD_LINES)]


def test_headline_numbers_are_the_central_estimate(app):
    expected = central_expected(ss.preset())
    # the app shows a card without a change (delta None: e.g. reserves never run out in
    # either run) as an empty delta
    assert [(m.value, m.delta) for m in headline_metrics(app)] == [(c.value, c.delta or "")
                                                         for c in expected]
    own = headline.cards(ss.summarize(ss.preset()))
    captions = card_captions(app)
    for card, mine in zip(expected, own, strict=True):
        assert card.range.startswith("90%: ") and card.range in captions
        assert f"this run: {mine.value}" in captions  # the sliders' own run, labelled
    # the central estimate is not the sliders' run (which sits at the benign end)
    assert expected[1].value != own[1].value


def test_without_the_bands_the_cards_are_this_run_only():
    at = new_app()
    at.toggle(key="bands_on").set_value(False).run()
    summary = ss.summarize(ss.preset(), baseline="baseline")
    expected = headline.cards(summary, ss.summarize(ss.preset("baseline")))
    assert [(m.value, m.delta) for m in headline_metrics(at)] == [(c.value, c.delta or "")
                                                        for c in expected]
    assert card_captions(at).count("this run only (uncertainty off)") == 5


@pytest.fixture(scope="module")
def preset_app() -> AppTest:
    """One session for every preset: each case picks its preset in it, as a user does.

    Every slider is then checked against the preset picked, so a setting that survived
    from the preset before would fail the case. Effect sizes shown, bands off (the cards
    are then the preset's own run).
    """
    at = new_app()
    at.toggle(key="show_effects").set_value(True)
    at.toggle(key="bands_on").set_value(False)
    return at.run()


@pytest.mark.parametrize("name", ss.presets())
def test_every_preset_loads(preset_app, name):
    at = preset_app
    at.selectbox(key="preset").set_value(name).run()
    assert not at.exception
    settings = ss.preset(name).settings()
    for s in at.slider:
        if s.key and s.key.startswith("var:"):
            assert s.value == settings[s.key[4:]], s.key
    summary = ss.summarize(ss.preset(name))
    assert [m.value for m in headline_metrics(at)] == [c.value for c in headline.cards(summary)]


def test_each_lever_changes_a_headline_number(model):
    """Each lever at the far end of its range moves a card the user sees (bands on).

    The bands over the fewest futures the sidebar offers (100, not 500): every lever
    setting is a new scenario, whose central estimate is computed afresh, and whether a
    lever moves the central estimate does not depend on how many futures it is over.
    """
    at = new_app()
    at.selectbox(key="bands_n").set_value(FEWEST_FUTURES)
    at.selectbox(key="preset").set_value("invest-to-save").run()
    before = headlines(at)
    unchanged = []
    for name in model.levers:
        slider = at.slider(key=f"var:{name}")
        old = slider.value
        var = model[name]
        new = var.maximum if old - var.minimum < var.maximum - old else var.minimum
        slider.set_value(new).run()
        assert not at.exception
        if headlines(at) == before:
            unchanged.append(name)
        at.slider(key=f"var:{name}").set_value(old).run()
        assert headlines(at) == before
    assert not unchanged, f"levers that change no headline number: {unchanged}"


def test_reset_to_preset():
    at = new_app()
    at.slider(key="var:Slack target").set_value(0.3).run()
    assert at.query_params["Slack target"] in ("0.3", ["0.3"])
    at.button(key="reset").click().run()
    assert at.slider(key="var:Slack target").value == 0.15
    assert "Slack target" not in at.query_params


# -- sharing ---------------------------------------------------------------------------------


def test_url_round_trip():
    at = new_app()
    at.selectbox(key="preset").set_value("seize-the-moment").run()
    at.slider(key="var:Slack target").set_value(0.25)
    at.slider(key="var:Austerity depth").set_value(0.4)
    at.toggle(key="var:Switch R2 burnout").set_value(False)
    at.selectbox(key="baseline").set_value("austerity").run()
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert query["model"] == ss.load_model().version
    assert query["Slack target"] == "0.25"
    again = new_app(query)
    assert not messages(again)
    assert scenario_of(again) == scenario_of(at)
    assert again.slider(key="var:Slack target").value == 0.25
    assert again.toggle(key="var:Switch R2 burnout").value is False
    assert again.selectbox(key="baseline").value == "austerity"
    assert headlines(again) == headlines(at)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"preset": "no-such-preset"}, "unknown preset"),
        ({"Slack target": "banana"}, "not a number"),
        ({"Slack target": "nan"}, "not a finite number"),
        ({"Slack target": "7"}, "outside the allowed range"),
        ({"Slak target": "0.2"}, "unknown variable"),
        ({"profile": "mars"}, "unknown profile"),
        ({"Slack target": "1" * 500}, "longer than"),
        ({f"p{i}": "1" for i in range(300)}, "parameters"),
        ({"__import__('os')": "1"}, "unknown variable"),
    ],
)
def test_bad_links_fall_back_with_a_reason(query, reason):
    at = new_app({"model": ss.load_model().version, **query})
    assert not at.exception
    assert reason in at.error[0].value
    assert "default scenario" in at.error[0].value
    assert at.slider(key="var:Slack target").value == 0.15
    assert at.selectbox(key="preset").value == ss.DEFAULT_PRESET


def test_stale_link_warns_falls_back_and_can_load_anyway():
    query = {"preset": "baseline", "model": "0000000000000000", "Slack target": "0.3"}
    at = new_app(query)
    assert not at.exception
    assert "0000000000000000" in at.warning[0].value
    assert at.selectbox(key="preset").value == ss.DEFAULT_PRESET
    at.button(key="load_pending").click().run()
    assert at.selectbox(key="preset").value == "baseline"
    assert at.slider(key="var:Slack target").value == 0.3


def share_page(at: AppTest) -> AppTest:
    at.segmented_control(key="page").set_value("Share and export").run()
    assert not at.exception
    return at


def upload(at: AppTest, data: bytes, name: str = "scenario.json") -> AppTest:
    at.file_uploader(key="upload").set_value((name, data, "application/json")).run()
    assert not at.exception
    return at


def test_json_download_and_upload_round_trip():
    at = new_app()
    at.slider(key="var:Prevention investment").set_value(1.5).run()
    share_page(at)
    assert at.download_button(key="dl_json").proto.label.startswith("Download scenario")
    # the button serves Scenario.to_json() of the current scenario
    text = ss.preset().with_values({"Prevention investment": 1.5}).to_json()
    other = share_page(new_app())
    upload(other, text.encode())
    assert "Loaded scenario.json" in messages(other)
    assert other.slider(key="var:Prevention investment").value == 1.5
    assert scenario_of(other) == scenario_of(at)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "something else"}', "not a slack-sim scenario"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b" " * (MAX_SCENARIO_BYTES + 1), "bytes"),
        (json.dumps({"format": "slack-sim scenario", "profile": "children-services-england",
                     "values": {"Slack target": 9}}).encode(), "outside the allowed range"),
        (b"\x80\x04\x95pickle", "not valid JSON"),
    ],
)
def test_malformed_uploads_are_refused_with_a_reason(data, reason):
    at = share_page(new_app())
    upload(at, data, "bad.json")
    assert reason in at.error[0].value
    assert "unchanged" in at.error[0].value
    assert at.slider(key="var:Slack target").value == 0.15


def test_stale_upload_warns():
    doc = json.loads(ss.preset("baseline").with_values({"Slack target": 0.2}).to_json())
    doc["model_version"] = "0000000000000000"
    at = share_page(new_app())
    upload(at, json.dumps(doc).encode())
    assert "0000000000000000" in at.warning[0].value
    assert at.slider(key="var:Slack target").value == 0.15
    at.button(key="load_pending").click().run()
    assert at.slider(key="var:Slack target").value == 0.2


def test_exports():
    from slack_sim.ui import cache

    at = share_page(new_app())
    assert at.download_button(key="dl_csv") is not None
    assert at.download_button(key="dl_xlsx") is not None
    scenario = ss.preset()
    csv = cache.csv_text(cache.scenario_key(scenario))
    assert csv.splitlines()[0].startswith("year,")
    xlsx = cache.excel_bytes(scenario.to_json(), "baseline")
    assert xlsx[:2] == b"PK"


# -- compare, model ----------------------------------------------------------------------------


def test_compare_pins_and_tables():
    at = new_app()
    at.segmented_control(key="page").set_value("Compare").run()
    assert not at.exception
    at.text_input(key="pin_name").set_value("status quo").run()
    at.button(key="pin").click().run()
    at.selectbox(key="preset").set_value("invest-to-save").run()
    at.text_input(key="pin_name").set_value("invest").run()
    at.button(key="pin").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns[2:5]) == ["baseline", "status quo", "invest"]
    assert "invest - baseline" in table.columns
    expected = headline.format_comparison(ss.compare(
        [ss.preset(), ss.preset("invest-to-save")], baseline="baseline"))
    row = "npv_total_spending"
    got = table.set_index(table.columns[0]) if row not in table.index else table
    assert expected.loc[row, "invest-to-save"] in got.to_numpy().ravel().tolist()
    for name in ("a", "b", "c"):
        at.text_input(key="pin_name").set_value(name).run()
        if not at.button(key="pin").disabled:
            at.button(key="pin").click().run()
    assert len(at.session_state["pinned"]) == 4
    at.button(key="unpin:0").click().run()
    assert [p["name"] for p in at.session_state["pinned"]] == ["invest", "a", "b"]


def test_model_page(model):
    at = new_app()
    at.segmented_control(key="page").set_value("Model").run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    loops = next(f for f in frames if "loop" in f.columns)
    assert list(loops["loop"]) == list(model.loops)
    # the page opens with the calibration view: the published series over the run
    stats = next(f for f in frames if "MAPE" in f.columns)
    assert "Children looked after" in stats.index and (stats["MAPE"] < 0.5).all()
    at.text_input(key="search").set_value("Bagust").run()
    found = next(d.value for d in at.dataframe if "name" in d.value.columns
                 and "definition" in d.value.columns)
    assert "Slack target" in set(found["name"]) and len(found) < len(model.variables)
    assert at.download_button(key="dl_mdl") is not None


def test_diagram_comes_from_the_dependency_graph(model):
    nodes = diagram.loop_nodes(model)
    assert set(model.stocks) <= set(nodes)
    edges = set(model.edges())
    direct = diagram.contracted_edges(model, nodes, max_hidden=0)
    assert set(direct) == {(a, b) for a, b in edges if a in nodes and b in nodes and a != b
                           and "initial" not in (model[a].kind, model[b].kind)}
    dot = diagram.loop_view_dot(model)
    assert dot.startswith("digraph") and all(f'"{s}"' in dot for s in model.stocks)
    assert all(f"[{lp}" in dot or f", {lp}" in dot for lp in model.loops)


def test_charts_validate(model):
    scenario = ss.preset()
    frame, base = ss.simulate(scenario), ss.simulate(ss.preset("baseline"))
    for spec in charts.CHARTS:
        fig = charts.scenario_figure(spec, frame, model=model, settings=scenario.settings(),
                                     baseline=base, validate=True)
        assert len(fig.data) >= 2
        names = [*spec.left, *spec.right]
        assert fig.layout.yaxis.title.text
        assert all(c in charts.OKABE_ITO or c == "#000000" for c in
                   (t.line.color for t in fig.data))
        assert len(fig.layout.shapes) == 2  # austerity and shock 1 shaded
        assert names
    assert charts.periods(ss.preset("baseline").settings()) == []


def test_charts_speak_v2_units(model):
    """Flows a year, children, GBP million or billion for the profile; the run's own end."""
    import base64

    import numpy as np

    drawn = {n for spec in charts.CHARTS for n in (*spec.left, *spec.right)}
    assert {"Referrals", "Crisis queue", "Children looked after", "Care starts",
            "Care exits"} <= drawn, "the pathway councils report, by its v2 names"
    scenario = ss.preset()
    frame = ss.simulate(scenario)
    end = charts.dates(frame.index)[-1]
    titles = {}
    for spec in charts.CHARTS:
        fig = charts.scenario_figure(spec, frame, model=model, settings=scenario.settings())
        assert fig.layout.xaxis.range[1] == f"{end}-01", "the x axis ends at FINAL TIME"
        shown = charts.line_displays(spec, frame, model=model)
        titles[spec.key] = (fig.layout.yaxis.title.text,
                            fig.layout.yaxis2.title.text if "yaxis2" in fig.layout else "")
        for trace in fig.data:
            name = trace.name if trace.name in frame.columns else f"{trace.name} spending"
            y = np.frombuffer(base64.b64decode(trace.y["bdata"]), dtype="<f8")
            np.testing.assert_allclose(y, frame[name].to_numpy() * shown[name].factor)
    assert titles["demand"] == ("Referrals (children a year)", "Crisis queue (children)")
    assert titles["care"] == ("Children looked after (children)", "Children a year")
    # longer than the plot is high at 1280x720: the units on a line of their own
    assert titles["partnership"][0] == "Prevention capacity<br>(children a year)"
    wrapped = charts.scenario_figure(next(c for c in charts.CHARTS if c.key == "partnership"),
                                     frame, model=model, settings=scenario.settings())
    assert wrapped.layout.yaxis.automargin and not wrapped.layout.yaxis2.automargin
    # England is in billions, at the model's prices (the appraisal's tables convert them)
    assert titles["spending"][0] == "Spending, £ billion a year<br>(2010-11 prices)"
    # a monthly model rate is drawn a year; a council-sized run in millions
    assert charts.display("Person/Month").factor == 12
    assert charts.display("GBP/Month", np.array([1e6])).words == "£ million a year"
    assert charts.display("GBP/Month", np.array([1e6])).factor == pytest.approx(12e-6)


# -- sessions are isolated -------------------------------------------------------------------


def _one_runtime_for_every_session(monkeypatch) -> None:
    """Let concurrent ``AppTest`` runs share a runtime, as the server's sessions share one.

    ``AppTest`` keeps its stand-in runtime in one class attribute, ``Runtime._instance``,
    which each run sets at its start and empties at its end (``AppTest._run``): a session
    that finishes while the other is running leaves the other's run without a runtime,
    and Streamlit's own clean-up at the end of that run fails ("Runtime hasn't been
    created!"), whatever the app does. The last runtime set stands in while the
    attribute is empty.
    """
    kept: list = []

    def instance(cls):  # noqa: ANN001, ANN202
        if cls._instance is not None:
            kept[:] = [cls._instance]
            return cls._instance
        if kept:
            return kept[0]
        raise RuntimeError("Runtime hasn't been created!")

    monkeypatch.setattr(Runtime, "instance", classmethod(instance))
    monkeypatch.setattr(Runtime, "exists",
                        classmethod(lambda cls: cls._instance is not None or bool(kept)))


def test_two_sessions_at_once_do_not_share_settings(monkeypatch):
    """Two sessions driven at the same time, each in its own thread (as the server does).

    Each session's bands over the fewest futures the sidebar offers: every round is a new
    scenario, and what is checked (each session keeps its own settings and cards) does
    not depend on how many futures the central estimate is over.
    """
    _one_runtime_for_every_session(monkeypatch)
    a, b = new_app(), new_app()
    for at in (a, b):
        at.selectbox(key="bands_n").set_value(FEWEST_FUTURES).run()
    errors = []

    def drive(at, preset_name, slack, rounds=3):
        try:
            for i in range(rounds):
                at.selectbox(key="preset").set_value(preset_name).run()
                at.slider(key="var:Slack target").set_value(slack + 0.01 * i).run()
                if at.exception:
                    errors.append([e.value for e in at.exception])
        except Exception as exc:  # noqa: BLE001 - reported below with the app's state
            errors.append(f"{type(exc).__name__}: {exc}; app exceptions: "
                          f"{[e.value for e in at.exception]}")

    ta = threading.Thread(target=drive, args=(a, "baseline", 0.3))
    tb = threading.Thread(target=drive, args=(b, "second-shock", 0.05))
    ta.start()
    tb.start()
    ta.join()
    tb.join()
    assert not errors
    assert a.selectbox(key="preset").value == "baseline"
    assert b.selectbox(key="preset").value == "second-shock"
    assert a.slider(key="var:Slack target").value == pytest.approx(0.32)
    assert b.slider(key="var:Slack target").value == pytest.approx(0.07)
    sa, sb = scenario_of(a), scenario_of(b)
    assert sa["Shock 1 length"] == 0 and sb["Shock 2 length"] == 12
    assert headlines(a) != headlines(b)
    expect_a = ss.preset("baseline").with_values({"Slack target": 0.32})
    own_a = headline.cards(ss.summarize(expect_a))[0].value
    assert f"this run: {own_a}" in card_captions(a)
    expect_b = ss.preset("second-shock").with_values({"Slack target": 0.07})
    own_b = headline.cards(ss.summarize(expect_b))[0].value
    assert f"this run: {own_b}" in card_captions(b)


def test_the_page_is_in_the_url_and_a_reload_stays_on_it():
    at = new_app()
    assert "view" not in at.query_params  # the main view needs no parameter
    at.segmented_control(key="page").set_value("Teach").run()
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert query["view"] == "Teach"
    again = new_app(query)  # a reload: a new session with the same address
    assert not again.exception and not messages(again)
    assert again.segmented_control(key="page").value == "Teach"
    assert scenario_of(again) == scenario_of(at)
    bad = new_app({**query, "view": "Nope"})
    assert not bad.exception
    assert "does not have" in messages(bad) and "'Nope'" in messages(bad)
    assert bad.segmented_control(key="page").value == "Scenario"
