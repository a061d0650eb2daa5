"""The Teach page's forgiving sessions, driven headless with Streamlit's AppTest."""

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from slack_sim.teach.storyline import STORYLINE  # noqa: E402
from slack_sim.ui import session_store  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FIRST, SECOND = STORYLINE[0], STORYLINE[1]


def _open(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _progress(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def _shown(markdown: str) -> str:
    """What a notice shows: its Markdown with the escaping backslashes taken out."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_a_link_opens_the_teach_page_at_step_n():
    at = _open(page="teach", step="3")
    assert not at.exception
    assert at.session_state["page"] == "Teach"
    assert _progress(at) == f"Step 3 of {len(STORYLINE)}"
    assert STORYLINE[2].question in [m.value for m in at.markdown]
    bad = _open(page="teach", step="99")
    assert _progress(bad) == f"Step 1 of {len(STORYLINE)}"
    # notices are plain text: Markdown's characters come escaped (ui.state.plain_text)
    assert any("step: '99' is outside the allowed range [1, 8]" in _shown(e.value)
               for e in bad.error)


def test_a_prediction_changes_until_run_and_undo_takes_the_run_back():
    at = _open(page="teach")
    keys = list(FIRST.answers)
    at.radio(key=f"teach:predict:{FIRST.key}").set_value(keys[0]).run()
    at.radio(key=f"teach:predict:{FIRST.key}").set_value(keys[1]).run()
    assert at.button(key="teach:undo").disabled, "nothing to undo before a run"
    at.button(key="teach:run").click().run()
    assert not at.exception
    entry = at.session_state["teach:log"][FIRST.key]
    assert entry.prediction == FIRST.answers[keys[1]], "the prediction at Run is the one kept"
    assert any("holds in" in m.value and "futures" in m.value for m in at.markdown)
    # move on, then undo: back at the step, no result, the prediction there to change
    at.button(key="teach:next").click().run()
    at.button(key="teach:undo").click().run()
    assert not at.exception
    assert _progress(at) == f"Step 1 of {len(STORYLINE)}"
    assert FIRST.key not in at.session_state["teach:log"]
    assert at.radio(key=f"teach:predict:{FIRST.key}").value == keys[1]
    at.radio(key=f"teach:predict:{FIRST.key}").set_value(keys[2]).run()
    at.button(key="teach:run").click().run()
    assert at.session_state["teach:log"][FIRST.key].prediction == FIRST.answers[keys[2]]
    assert at.session_state["teach:runs"] == [[FIRST.key, keys[2]]]


def test_a_session_code_restores_predictions_and_results_in_a_new_session():
    at = _open(page="teach")
    code = at.query_params["session"][0] if isinstance(at.query_params["session"], list) \
        else at.query_params["session"]
    session_store.check_code(code)
    ran = list(FIRST.answers)[0]
    at.radio(key=f"teach:predict:{FIRST.key}").set_value(ran).run()
    at.button(key="teach:run").click().run()
    at.button(key="teach:next").click().run()
    picked = list(SECOND.answers)[1]
    at.radio(key=f"teach:predict:{SECOND.key}").set_value(picked).run()
    # a reload, or the link on another machine: a new browser session with the code
    again = _open(session=code)
    assert not again.exception
    assert again.session_state["page"] == "Teach"
    assert _progress(again) == f"Step 2 of {len(STORYLINE)}"
    assert again.radio(key=f"teach:predict:{SECOND.key}").value == picked
    log = again.session_state["teach:log"]
    assert list(log) == [FIRST.key] and log[FIRST.key].prediction == FIRST.answers[ran]
    assert any("Restored this teaching session (1 of 8 steps run)" in s.value
               for s in again.success)
    # another session's code sees none of it
    other = _open(page="teach")
    assert other.session_state["teach:session"] != code
    assert other.session_state["teach:log"] == {}
    assert other.radio(key=f"teach:predict:{FIRST.key}").value is None


def test_a_bad_or_unknown_session_code_is_refused_with_the_reason():
    bad = _open(session="x<script>")
    assert not bad.exception
    assert any("session: expected a code of 22 letters" in _shown(e.value) for e in bad.error)
    assert bad.session_state["teach:session"] != "x<script>"
    unknown = _open(session=session_store.new_code())
    assert any("unknown or has expired" in w.value for w in unknown.warning)
    assert unknown.session_state["teach:log"] == {}


def test_the_store_is_bounded_expiring_and_never_shares_a_record():
    now = [0.0]
    store = session_store.SessionStore(max_sessions=2, ttl=10.0, clock=lambda: now[0])
    a, b, c = (session_store.new_code() for _ in range(3))
    assert len({a, b, c}) == 3 and all(len(x) == session_store.CODE_LENGTH for x in (a, b, c))
    record = {"runs": [["bathtub", "after"]], "predictions": {}, "step": 0}
    store.save(a, record)
    record["runs"].append(["austerity", "more"])
    loaded = store.load(a)
    assert loaded == {"runs": [["bathtub", "after"]], "predictions": {}, "step": 0}
    loaded["step"] = 5
    assert store.load(a)["step"] == 0, "a loaded record is a copy"
    assert store.load(b) is None
    store.save(b, {"step": 1})
    store.save(c, {"step": 2})
    assert store.load(a) is None and len(store) == 2, "the least recently used is dropped"
    now[0] = 11.0
    assert store.load(b) is None and store.load(c) is None, "unused codes expire"
    with pytest.raises(ValueError, match="session: expected a code"):
        store.save("short", {})
    with pytest.raises(ValueError, match="session record: .* bytes is outside"):
        store.save(a, {"x": "y" * session_store.MAX_RECORD_BYTES})


def test_presenter_mode_shows_the_steps_chosen_chart():
    # step 2 draws early help and care spending; on a projector there is room for one, and
    # the step names the care chart (the half of its answer "both fall" gets wrong)
    assert SECOND.chart.present == 1
    wanted = SECOND.chart.variables[SECOND.chart.present]
    titles = {}
    for present in ("1", "0"):
        at = _open(page="teach", step="2", present=present)
        at.radio(key=f"teach:predict:{SECOND.key}").set_value(list(SECOND.answers)[0]).run()
        at.button(key="teach:run").click().run()
        assert not at.exception
        titles[present] = [json.loads(c.proto.spec)["layout"]["title"]["text"]
                           for c in at.get("plotly_chart")]
    assert titles["1"] == [wanted]
    assert set(SECOND.chart.variables) <= set(titles["0"]), "without presenter mode: both"
