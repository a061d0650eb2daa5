"""The Teach page: the storyline data, its computed answers, the session log and the page."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from simhelpers import MODEL, run

from slack_sim.teach import storyline as storyline
from slack_sim.teach.storyline import STORYLINE, StorylineError

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def result_of(step: storyline.Step, overrides: dict | None = None) -> storyline.StepResult:
    """Run a step through the test session's cached runner."""
    return storyline.run_step(step, runner=run, overrides=overrides, model=MODEL)


# -- the storyline is data, checked against the model ---------------------------------------


def test_storyline_shape():
    assert 5 <= len(STORYLINE) <= 8
    keys = [s.key for s in STORYLINE]
    assert len(set(keys)) == len(keys)
    for step in STORYLINE:
        assert step.title and step.question.endswith("?")
        assert 2 <= len(step.answers) <= 5
        assert step.runs and step.explanation
        assert step.notebook and (Path(__file__).resolve().parents[2] / "notebooks"
                                  / f"{step.notebook}.ipynb").is_file()


def test_storyline_follows_the_notebooks():
    order = [s.notebook for s in STORYLINE]
    assert order == sorted(order)
    assert {nb[:2] for nb in order} == {"01", "02", "03", "04", "05"}


def test_storyline_validates_against_the_model():
    storyline.validate(model=MODEL)


@pytest.mark.parametrize("step", STORYLINE, ids=lambda s: s.key)
def test_every_named_loop_exists_in_the_model(step):
    assert step.loops
    for loop in step.loops:
        assert loop in MODEL.loops, f"{step.key}: {loop} is not a loop of the model"
        assert loop in step.explanation


@pytest.mark.parametrize("step", STORYLINE, ids=lambda s: s.key)
def test_every_scenario_is_valid_and_every_variable_is_the_models(step):
    for r in step.runs:
        scenario = r.scenario()
        settings = scenario.settings(model=MODEL)
        for name, value in r.values.items():
            assert settings[name] == value
    for name in [*step.chart.variables, *step.rule.variables]:
        assert name in MODEL.variables


def _broken(step: storyline.Step, **changes) -> storyline.Step:
    return dataclasses.replace(step, **changes)


BATHTUB = storyline.step("bathtub")


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (_broken(BATHTUB, runs=(storyline.Run("baseline", "x", "baseline"),
                                storyline.Run("history", "y", "austerity-then-covid",
                                              {"Slack targte": 0.2}))),
         "unknown variable 'Slack targte'"),
        (_broken(BATHTUB, runs=(storyline.Run("baseline", "x", "baseline"),
                                storyline.Run("history", "y", "austerity-then-covid",
                                              {"Slack target": 7}))),
         "outside the allowed range"),
        (_broken(BATHTUB, runs=(storyline.Run("baseline", "x", "no-such-preset"),
                                BATHTUB.runs[1])),
         "unknown preset 'no-such-preset'"),
        (_broken(BATHTUB, runs=(storyline.Run("baseline", "x", "baseline", profile="nowhere"),
                                BATHTUB.runs[1])),
         "unknown profile 'nowhere'"),
        (_broken(BATHTUB, loops=("R9",), explanation="R9 does it"),
         "'R9' is not a named loop"),
        (_broken(BATHTUB, loops=("R2",)), "loop R2 is not named in the explanation"),
        (_broken(BATHTUB, chart=storyline.Chart(variables=("Crisis queues",))),
         "'Crisis queues' is not a model variable"),
        (_broken(BATHTUB, rule=storyline.PeakTiming("nowhere", "Crisis queue")),
         "names run 'nowhere'"),
        (_broken(BATHTUB, rule=storyline.PeakTiming("history", "Crisis cue")),
         "'Crisis cue' is not a model variable"),
        (_broken(BATHTUB, answers={"before": "a", "after": "b"}),
         "are not the rule's answers"),
        (_broken(BATHTUB, notes={"sometime": "x"}), "notes for unknown answers"),
        (_broken(BATHTUB, chart=storyline.Chart(variables=("Crisis queue",), present=1)),
         "presenter chart 1 is not one of the 1 charts drawn"),
    ],
)
def test_unknown_names_fail_validation(broken, message):
    with pytest.raises(StorylineError, match=message):
        storyline.validate([broken], model=MODEL)


# -- every answer is computed from the model runs --------------------------------------------


@pytest.mark.parametrize("step", STORYLINE, ids=lambda s: s.key)
def test_every_answer_is_computed_and_is_a_candidate(step):
    result = result_of(step)
    assert set(result.frames) == {r.key for r in step.runs}
    verdict = result.verdict
    assert verdict.answer in step.answers
    assert verdict.detail and verdict.numbers
    assert step.rule.describe()
    # the rule reads only the runs: the same frames give the same verdict
    again = step.rule.decide(result.frames, result.settings)
    assert again.answer == verdict.answer and again.numbers == verdict.numbers


#: A change of model input that changes the computed answer (the rule reads the runs).
#: Model v2 (absolute numbers, deadweight in prevention, failure demand and burnout as the
#: loops that hold a tipped service) changed which inputs do it; the loop switches check
#: the loops a step's explanation names: switching them off must change its answer.
SENSITIVE = [
    ("bathtub", {"Shock 1 suppressed presentation": 0}, "during"),
    # prevention that resolves almost nothing (loop B3 near zero): the cut lands on early
    # help and no more children come into care
    ("austerity", {"Prevention effectiveness": 0.05}, "cut-only"),
    ("austerity", {"Austerity depth": 0}, "no-cut"),
    ("saves-then-costs", {"Prevention effectiveness": 0.8, "Prevention deadweight": 0},
     "2015-2019"),
    ("saves-then-costs", {"Prevention deadweight": 0, "Time to escalate": 6}, "2020-2029"),
    ("hidden-need", {"Shock 1 suppressed presentation": 0}, "same"),
    # a six-month shock: both surges are back within three years
    ("tipping-point", {"Shock 1 length": 6}, "both"),
    # the same slack in both runs: the same harm
    ("slack", {"Slack target": 0.3}, "same"),
    ("partnership", {"Partnership erosion time": 60}, "4-8"),
    # since the budget rule pays for a ring fence, statutory protection no longer flips it;
    # prevention that pays for itself (no deadweight, high effectiveness) does
    ("invest-to-save", {"Prevention effectiveness": 0.8, "Prevention deadweight": 0}, "both"),
]


@pytest.mark.parametrize(("key", "overrides", "expected"), SENSITIVE,
                         ids=[f"{k}-{next(iter(o))}" for k, o, _ in SENSITIVE])
def test_changing_the_model_input_changes_the_answer(key, overrides, expected):
    step = storyline.step(key)
    default = result_of(step).verdict.answer
    changed = result_of(step, overrides).verdict
    assert expected in step.answers
    assert changed.answer == expected != default


def test_every_step_has_an_input_that_changes_its_answer():
    assert {k for k, _, _ in SENSITIVE} == {s.key for s in STORYLINE}


def _frames(values: dict[str, list[float]], start: float = 2019.0) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    index = pd.Index(start + np.arange(n) / 12.0, name="year")
    return pd.DataFrame(values, index=index)


def test_rules_read_the_numbers_they_are_given():
    shock = {"Shock 1 start": 120.0, "Shock 1 length": 3.0}  # January to March 2020
    settings = {"a": shock, "b": shock}
    rule = storyline.PeakTiming("a", "Crisis queue")
    for peak_month, expected in ((5, "before"), (13, "during"), (15, "after")):
        queue = [1.0] * 24
        queue[peak_month] = 9.0
        assert rule.decide({"a": _frames({"Crisis queue": queue})}, settings).answer == expected
    rule = storyline.Direction("a", "b", "Referrals", tolerance=0.02)
    flat = _frames({"Referrals": [10.0] * 24})
    for level, expected in ((9.0, "fall"), (11.0, "rise"), (10.1, "same")):
        values = [10.0] * 24
        values[12:15] = [level] * 3
        verdict = rule.decide({"a": _frames({"Referrals": values}), "b": flat}, settings)
        assert verdict.answer == expected
    cut = storyline.CutDepth("a", "b", "Prevention spending", tolerance=0.03)
    for fall, expected in ((0.4, "more"), (0.21, "about"), (0.1, "less")):
        a = _frames({"Prevention spending": [100 * (1 - fall)] * 3,
                     "Funding cut fraction": [0.0, 0.2, 0.1]})
        b = _frames({"Prevention spending": [100.0] * 3, "Funding cut fraction": [0.0] * 3})
        assert cut.decide({"a": a, "b": b}, settings).answer == expected
    shift = storyline.Shift("a", "b", "Early help spending", "Care", years=(2019.0, 2020.0))
    for early, care, expected in ((0.8, 1.05, "shift"), (0.8, 1.005, "cut-only"),
                                  (0.8, 0.9, "both-fall"), (0.995, 1.05, "no-cut"),
                                  (1.1, 0.9, "no-cut")):
        # the span is 2019 only: a different value from 2020 must not count
        a = _frames({"Early help spending": [100 * early] * 12 + [1.0] * 12,
                     "Care": [50 * care] * 12 + [1e6] * 12})
        b = _frames({"Early help spending": [100.0] * 24, "Care": [50.0] * 24})
        verdict = shift.decide({"a": a, "b": b}, settings)
        assert verdict.answer == expected, (early, care)
        assert verdict.numbers["cut_change"] == pytest.approx(early - 1)
        assert verdict.numbers["shifted_change"] == pytest.approx(care - 1)


#: Settings under which halving prevention costs more than it saves within the run (on v2's
#: central effect sizes it does not: the step's computed answer is then "never").
CROSSING = {"Prevention effectiveness": 0.8, "Prevention deadweight": 0}


def test_chart_series_are_the_runs():
    for step in STORYLINE:
        result = result_of(step)
        drawn = storyline.chart_series(result)
        assert drawn
        for title, series in drawn:
            assert title and series
            for values in series.values():
                assert np.isfinite(values.to_numpy(dtype=float)).all()
    step = storyline.step("saves-then-costs")
    for overrides in (None, CROSSING):
        result = result_of(step, overrides)
        (_, series), = storyline.chart_series(result)
        running = next(iter(series.values()))
        # one sign convention: the chart is the cut's saving, positive while it saves
        assert running.iloc[-1] == pytest.approx(result.verdict.numbers["final"])
        assert running.max() == pytest.approx(result.verdict.numbers["extreme"])
        assert running.loc[2010.05:2012].gt(0).all(), "halving prevention saves money at first"
        crossing = result.verdict.numbers["year"]
        if crossing is None:
            assert result.verdict.answer == "never" and running.iloc[-1] >= 0
        else:
            assert running.loc[crossing:].lt(0).all()
            assert running.loc[:crossing].iloc[:-1].ge(0).any()
    assert result.verdict.numbers["year"] is not None, "the crossing case is drawn too"


@pytest.mark.parametrize("step", STORYLINE, ids=lambda s: s.key)
def test_step_figures(step):
    pytest.importorskip("streamlit")
    from slack_sim.ui import charts
    from slack_sim.ui.pages import teach

    result = result_of(step)
    figures = teach.step_figures(result, MODEL)
    drawn = storyline.chart_series(result)
    assert len(figures) == len(drawn)
    for fig, (title, series) in zip(figures, drawn, strict=True):
        assert fig.layout.title.text == title
        assert [t.name for t in fig.data] == list(series)
        assert fig.layout.font.size >= 18, "large type for a projector"
        colours = [t.line.color for t in fig.data]
        assert set(colours) <= set(charts.OKABE_ITO)
        by_label = teach.run_colours(step)
        for trace in fig.data:
            if trace.name in by_label:
                assert trace.line.color == by_label[trace.name]
    if step.chart.window:
        start, end = step.chart.window
        assert figures[0].layout.xaxis.range == (f"{int(start)}-01-01", f"{int(end)}-01-01")


def test_storyline_does_not_import_streamlit():
    code = "import sys, slack_sim.teach.storyline; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# -- the session log ---------------------------------------------------------------------------


def _entry(key: str, prediction: str, answer: str) -> storyline.LogEntry:
    step = storyline.step(key)
    verdict = storyline.Verdict(answer, f"numbers for {key}", {"x": 1.0})
    return storyline.log_entry(step, prediction, verdict, model=MODEL)


def test_log_entry():
    entry = _entry("tipping-point", "both", "first")
    assert entry.number == 5
    assert entry.prediction == "Both are back within 3 years"
    assert entry.answer == "Only the 30% surge is back within 3 years"
    assert not entry.matched
    # in the order the step names them
    assert entry.loops == ("B4 raising the bar", "R3 failure demand", "R2 burnout")
    assert any("Shock 1 demand surge = 2" in s for s in entry.settings)
    assert _entry("bathtub", "after", "after").matched
    with pytest.raises(KeyError):
        _entry("bathtub", "sometime", "after")


def test_session_markdown():
    entries = [_entry("tipping-point", "both", "first"), _entry("bathtub", "after", "after")]
    text = storyline.session_markdown(entries, total_steps=len(STORYLINE),
                                      model_version="abc123", date="2025-03-01")
    assert text.startswith("# slack-sim teaching session: log\n")
    assert "Model version `abc123`; session of 2025-03-01." in text
    assert f"Steps run: 2 of {len(STORYLINE)}. Predictions that matched the model: 1 of 2." \
        in text
    first, second = text.index("## Step 1 of"), text.index("## Step 5 of")
    assert first < second, "steps are written in storyline order"
    bathtub, tipping = text[first:second], text[second:]
    assert "- **Prediction:** After the shock has ended" in bathtub
    assert "- **Matched:** yes" in bathtub
    assert "- **Prediction:** Both are back within 3 years" in tipping
    assert "- **The model says:** Only the 30% surge is back within 3 years" in tipping
    assert "- **Matched:** no" in tipping
    assert "- **Numbers:** numbers for tipping-point" in tipping
    assert "- **Feedback loops:** B4 raising the bar, R3 failure demand, R2 burnout" in tipping
    assert "preset `baseline`, profile `generic`, with" in tipping
    assert "Shock 1 demand surge = 0.3" in tipping and "Shock 1 demand surge = 2" in tipping
    assert storyline.step("tipping-point").question in tipping
    empty = storyline.session_markdown([], total_steps=6)
    assert "Steps run: 0 of 6" in empty and "No step has been run yet." in empty
    # money's units are the caller's one note (the app's headline.MONEY_NOTE), never a
    # second copy here
    assert "Money:" not in empty and "GBP" not in empty
    noted = storyline.session_markdown([], total_steps=6, money_note="GBP at some prices.")
    assert "Money: GBP at some prices. The model is a stylised service" in noted


# -- the page, driven headless ------------------------------------------------------------------


def test_teach_page_walks_every_step():
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    n = len(STORYLINE)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.segmented_control(key="page").set_value("Teach").run()
    assert not at.exception
    # a prediction made but not run survives Back and Next
    first = STORYLINE[0]
    kept = list(first.answers)[-1]
    assert at.button(key="teach:run").disabled, "Run is disabled until a prediction"
    at.radio(key=f"teach:predict:{first.key}").set_value(kept).run()
    at.button(key="teach:next").click().run()
    assert at.get("progress")[0].proto.text == f"Step 2 of {n}"
    at.button(key="teach:back").click().run()
    assert at.radio(key=f"teach:predict:{first.key}").value == kept
    predictions = {}
    for i, step in enumerate(STORYLINE):
        assert at.get("progress")[0].proto.text == f"Step {i + 1} of {n}"
        assert step.question in [m.value for m in at.markdown]
        assert at.button(key="teach:run").disabled == (i > 0)
        computed = result_of(step).verdict.answer
        # predict the model's answer at even steps, another answer at odd ones
        wrong = next(k for k in step.answers if k != computed)
        predictions[step.key] = computed if i % 2 == 0 else wrong
        at.radio(key=f"teach:predict:{step.key}").set_value(predictions[step.key]).run()
        assert not at.exception
        assert not at.button(key="teach:run").disabled
        at.button(key="teach:run").click().run()
        assert not at.exception
        said = (f"You predicted **{step.answers[predictions[step.key]]}**; the model says "
                f"**{step.answers[computed]}**.")
        shown = (at.success if i % 2 == 0 else at.warning)
        assert shown and shown[0].value.startswith(said)
        assert step.explanation in at.info[0].value
        for loop in step.loops:
            assert f"**{loop} {MODEL.loops[loop].name}**" in at.info[0].value
        assert result_of(step).verdict.detail in [m.value for m in at.markdown]
        assert len(at.get("plotly_chart")) == max(1, len(step.chart.variables))
        assert not any(r.key == f"teach:predict:{step.key}" for r in at.radio), \
            "the prediction cannot be changed once run"
        if i < n - 1:
            assert not at.button(key="teach:next").disabled
            at.button(key="teach:next").click().run()
            assert not at.exception
    assert at.button(key="teach:next").disabled
    # the log: on the page, in the download, and built by the pure function
    log = _log_on_page(at)
    entries = list(at.session_state["teach:log"].values())
    assert len(entries) == n
    assert log.startswith("# slack-sim teaching session: log")
    assert f"Steps run: {n} of {n}." in log
    from slack_sim.ui import headline
    assert f"Money: {headline.MONEY_NOTE}" in log
    for step in STORYLINE:
        section = log[log.index(f": {step.title}\n"):]
        computed = result_of(step).verdict.answer
        assert f"- **Prediction:** {step.answers[predictions[step.key]]}" in section
        assert f"- **The model says:** {step.answers[computed]}" in section
    download = at.get("download_button")[0]
    assert download.proto.label.startswith("Download the session log")
    assert not download.proto.disabled
    # another page and back keeps the step and the log; back keeps the result
    at.segmented_control(key="page").set_value("Scenario").run()
    at.segmented_control(key="page").set_value("Teach").run()
    assert not at.exception
    assert at.get("progress")[0].proto.text == f"Step {n} of {n}"
    assert len(at.session_state["teach:log"]) == n
    at.button(key="teach:back").click().run()
    assert at.get("progress")[0].proto.text == f"Step {n - 1} of {n}"
    assert at.success or at.warning
    at.button(key="teach:restart").click().run()
    assert not at.exception
    assert at.get("progress")[0].proto.text == f"Step 1 of {n}"
    assert at.session_state["teach:log"] == {}
    assert at.radio(key=f"teach:predict:{STORYLINE[0].key}").value is None
    assert at.button(key="teach:run").disabled
    assert "Steps run: 0 of" in _log_on_page(at)


def _log_on_page(at) -> str:
    """The session log as the Teach page shows it (rendered Markdown in its expander)."""
    logs = [m.value for m in at.markdown if m.value.startswith("# slack-sim teaching session")]
    assert len(logs) == 1, "the session log is shown once"
    return logs[0]


# -- colours and money: one convention across steps --------------------------------------------


def test_a_scenario_keeps_its_colour_across_steps():
    seen: dict[tuple, int] = {}
    for step in STORYLINE:
        assert len({r.colour for r in step.runs}) == len(step.runs)
        for r in step.runs:
            same = (r.preset, r.profile, tuple(sorted(r.values.items())))
            assert seen.setdefault(same, r.colour) == r.colour, (step.key, r.key)
    # the same scenario with another colour in a later step fails validation
    first = storyline.step("bathtub")
    recoloured = dataclasses.replace(
        storyline.step("hidden-need"),
        runs=(dataclasses.replace(first.runs[0], colour=3),
              storyline.step("hidden-need").runs[1]))
    with pytest.raises(StorylineError, match="the same scenario has colour"):
        storyline.validate([first, recoloured], model=MODEL)
    clash = dataclasses.replace(first, runs=tuple(dataclasses.replace(r, colour=0)
                                                  for r in first.runs))
    with pytest.raises(StorylineError, match="two runs share a colour"):
        storyline.validate([clash], model=MODEL)


def test_every_money_chart_counts_saving_as_positive():
    for step in STORYLINE:
        if step.chart.kind != "cumulative-saving":
            continue
        assert "saving" in step.chart.title.lower()
        # the chart's policies are what is saved *by*; its reference what is saved against
        for policy in step.chart.policies:
            assert policy != step.chart.reference


def test_recovery_answers_say_in_how_long():
    for step in STORYLINE:
        text = " ".join([step.question, *step.answers.values()])
        if "recover" in text.lower() or "back to where" in text.lower():
            assert re.search(r"within \d+ years|by \w+ \d{4}|\d+ years", text), step.key
