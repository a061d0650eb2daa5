"""The facilitator guide matches the app: the numbers it quotes are the code's."""

import re
from pathlib import Path

import pytest

from slack_sim.teach import storyline
from slack_sim.teach.robustness import FUTURES, HOLDS_AT, england_robustness, step_robustness
from slack_sim.teach.storyline import STORYLINE

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "facilitator-guide.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = GUIDE.index(title)
    end = GUIDE.find("\n#", start + len(title))
    return GUIDE[start:end if end > 0 else None]


def _table(header: str) -> list[tuple[str, str, str]]:
    """Return the rows of the three-column table under ``header`` in the shares section."""
    section = _section("### How sure each answer is")
    start = section.index(header)
    end = section.find("\n\n", start)
    return re.findall(r"^\| (\d) \| (.+?) \| (.+?) \|$", section[start:end if end > 0 else None],
                      re.M)


def test_the_guide_gives_each_steps_share_of_futures():
    rows = _table("| step | the model says | holds in |")
    assert [int(n) for n, _, _ in rows] == list(range(1, len(STORYLINE) + 1))
    for (number, answer, held), step in zip(rows, STORYLINE, strict=True):
        result = step_robustness(step.key)
        assert answer == step.answers[result.answer], f"step {number}"
        assert f"holds in {held}" == result.text(), f"step {number}"
    assert f"at least {HOLDS_AT:.0%}" in _section("### How sure each answer is")
    assert f"{FUTURES} plausible futures" in GUIDE
    # each step's futures are named as the page names them: history-consistent for England
    sources = {step_robustness(step.key).source for step in STORYLINE}
    assert "futures consistent with 2010-2020" in sources
    for source in sources:
        assert f"{FUTURES} {source}" in _section("### How sure each answer is")


def test_the_guide_gives_the_teaching_steps_share_on_england_itself():
    rows = _table("| step | the model says | on England's own profile |")
    checked = [(n, step) for n, step in enumerate(STORYLINE, 1)
               if england_robustness(step.key) is not None]
    assert [int(n) for n, _, _ in rows] == [n for n, _ in checked]
    for (number, answer, held), (_, step) in zip(rows, checked, strict=True):
        result = england_robustness(step.key)
        assert answer == step.answers[result.answer], f"step {number}"
        assert f"holds in {held}" == result.text(), f"step {number}"


def test_the_guide_quotes_the_session_store_and_the_presenter_screen():
    pytest.importorskip("streamlit")
    from slack_sim.ui import session_store

    hours = session_store.TTL_SECONDS / 3600
    assert GUIDE.count(f"{hours:.0f} hours") >= 3
    assert "?page=teach&step=1&present=1" in GUIDE
    assert "1280x720 and 125% zoom" in GUIDE


def test_the_steps_table_asks_each_steps_question():
    rows = re.findall(r"^\| (\d) \| (.+?) \| (.+?) \| (\w+) \|", _section("**The eight steps.**"),
                      re.M)
    assert [int(n) for n, *_ in rows] == list(range(1, len(STORYLINE) + 1))
    for (_, title, _, _), step in zip(rows, STORYLINE, strict=True):
        assert title == step.title


@pytest.mark.parametrize("switch", ["Switch R3 failure demand", "Switch R2 burnout"])
def test_switching_r2_or_r3_off_lets_the_status_quo_recover(switch):
    # the guide: "switch R3 failure demand (or R2 burnout) off: the 1.5 shock recovers"
    assert "demand** (or **R2 burnout**) off: the 1.5 shock recovers" in GUIDE
    step = storyline.step("slack")
    default = storyline.run_step(step).verdict.numbers["recovery_months_against"]
    switched = storyline.run_step(step, overrides={switch: 0}).verdict.numbers
    assert default is None, "with both loops on the status quo does not recover"
    assert switched["recovery_months_against"] is not None


def test_switching_r1_off_shrinks_the_shift_of_step_2():
    # the guide: "early help falls less and care spending rises less" with R1 off
    assert "early help falls less and care spending rises less" in GUIDE
    step = storyline.step("austerity")
    default = storyline.run_step(step).verdict.numbers
    switched = storyline.run_step(step, overrides={"Switch R1 firefighting trap": 0}).verdict
    assert default["cut_change"] < switched.numbers["cut_change"] < 0
    assert default["shifted_change"] > switched.numbers["shifted_change"]
