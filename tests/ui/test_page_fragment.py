"""A slider move on the Scenario page reruns that page alone, its charts kept (issue 16).

The page is a Streamlit fragment (:func:`slack_sim.ui.pages.scenario.live_scenario_page`)
that a lever's callback reruns (:func:`slack_sim.ui.sidebar.lever_moved`), so the browser
is not sent the sidebar's sixty-odd widgets again; its charts are an in-page component
keyed by chart (:mod:`slack_sim.ui.live_chart`), so the browser keeps each chart and
redraws it in place. ``AppTest`` keeps only the last run's elements: after a fragment
rerun its tree holds the page and no sidebar, which is what these tests read. The suite
runs every other app test with whole-app reruns (``tests/conftest.py``).
"""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def fragment_reruns(monkeypatch):
    monkeypatch.setenv("SLACK_SIM_PAGE_FRAGMENT", "1")


def started() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["bands_on"] = False  # the bands are not what these tests are about
    at.run()
    assert not at.exception
    return at


def cards(at: AppTest) -> list[str]:
    return [m.value for m in at.metric][:5]


def charts(at: AppTest) -> dict[str, dict]:
    """The Scenario page's charts by element id: the figure each was sent."""
    return {e.proto.id: json.loads(e.proto.json)["figure"] for e in at.get("bidi_component")}


def test_a_lever_move_reruns_the_page_alone_with_the_same_result(fragment_reruns,
                                                                 monkeypatch):
    at = started()
    assert len(at.sidebar) > 20
    before = charts(at)
    assert len(before) == 6
    at.slider(key="var:Slack target").set_value(0.3).run()
    assert not at.exception
    assert len(at.sidebar) == 0, "the sidebar was drawn again: the whole app reran"
    assert at.query_params["Slack target"] in ("0.3", ["0.3"])  # the URL follows
    after = charts(at)
    # the same charts (their ids are their keys), each sent a new figure
    assert after.keys() == before.keys()
    assert all(after[k]["data"] != before[k]["data"] for k in before)
    # the page computed from the session state equals a whole-app rerun's
    monkeypatch.setenv("SLACK_SIM_PAGE_FRAGMENT", "0")
    whole = started()
    whole.slider(key="var:Slack target").set_value(0.3).run()
    assert len(whole.sidebar) > 20
    assert cards(at) == cards(whole) != cards(started())
    assert charts(whole) == after


def test_a_start_month_slider_reruns_the_app_its_date_in_the_sidebar(fragment_reruns):
    at = started()
    at.slider(key="var:Policy start time").set_value(24).run()
    assert not at.exception
    assert len(at.sidebar) > 20
    assert "January 2012" in [c.value for c in at.sidebar.caption]


def test_on_another_page_a_move_reruns_the_app(fragment_reruns):
    at = started()
    at.button_group(key="page").set_value("Compare").run()
    assert not at.exception
    at.slider(key="var:Slack target").set_value(0.3).run()
    assert not at.exception
    assert len(at.sidebar) > 20
    assert not at.get("bidi_component")
