"""The guessed next step's figures, written for the browser (``slack_sim.ui.ahead``).

The browser draws a chart from the file the moment the slider lands on the guessed
value, and the page then sends figures of the same fingerprint, which it leaves alone:
so the file must hold exactly the figures the page of that scenario sends, under the
digest that page computes.
"""

import collections
import dataclasses
import json

import pytest

pytest.importorskip("streamlit")

from slack_sim import load_model, preset  # noqa: E402
from slack_sim.analysis.ensemble import DEFAULT_GROUPS  # noqa: E402
from slack_sim.ui import ahead, cache, specs, speculate  # noqa: E402
from slack_sim.ui import state as state_module  # noqa: E402
from slack_sim.ui.pages import scenario as scenario_page  # noqa: E402

GROUPS = ",".join(DEFAULT_GROUPS)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A directory of its own and an empty record of what is written."""
    monkeypatch.setattr(ahead, "directory", lambda: tmp_path)
    monkeypatch.setattr(ahead, "_WRITTEN", collections.OrderedDict())
    return tmp_path


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_digest_changes_with_every_thing_the_figures_depend_on():
    args = ("key", "base", "baseline", 500, GROUPS)
    one = ahead.digest(*args)
    assert one == ahead.digest(*args) and len(one) == 24
    for i, other in enumerate(("key2", "base2", "austerity", 1000, "a,b")):
        changed = list(args)
        changed[i] = other
        assert ahead.digest(*changed) != one, f"argument {i} is not in the digest"
    assert ahead.digest("key", "base", "baseline", None, GROUPS) != one  # bands off
    assert ahead.fingerprints(one, 3) == [f"{one}:0", f"{one}:1", f"{one}:2"]


def test_a_promise_then_the_figures(folder):
    ahead.promise("abc")
    assert read(folder / "abc.json") == {"digest": "abc", "figures": None}
    assert not ahead.written("abc")
    figures = [{"data": [{"y": [1, 2]}], "layout": {"height": 300}}]
    path = ahead.write("abc", figures)
    assert read(path) == {"digest": "abc", "figures": figures}
    assert ahead.written("abc")
    ahead.promise("abc")  # a later page's promise leaves the figures written
    assert read(path)["figures"] == figures
    assert [p.name for p in folder.iterdir()] == ["abc.json"]  # no part file left


def test_only_the_newest_files_are_kept(folder, monkeypatch):
    monkeypatch.setattr(ahead, "KEEP", 3)
    for name in "abcd":
        ahead.write(name, [])
    assert sorted(p.stem for p in folder.glob("*.json")) == ["b", "c", "d"]
    assert not ahead.written("a") and ahead.written("b")
    ahead.write("b", [])  # written again: the newest
    ahead.write("e", [])
    assert sorted(p.stem for p in folder.glob("*.json")) == ["b", "d", "e"]


def test_the_guessed_steps_file_holds_the_figures_its_page_sends(folder):
    """What the guessing thread writes is the page's figures, under the page's digest."""
    model = load_model()
    now = preset("austerity-then-covid")
    spec = specs.slider_spec(model, "Slack target")
    value = speculate.next_step(float(now.settings(model=model)["Slack target"]),
                                direction=1, spec=spec)
    after = dataclasses.replace(now, values={**now.values, "Slack target": value},
                                name="guessed")
    base = state_module.baseline_scenario("baseline", after.profile)
    key, base_key = cache.scenario_key(after), cache.scenario_key(base)
    bands = (200, GROUPS)
    step = scenario_page._page_digest(key, base_key, baseline="baseline", bands=bands)
    scenario_page._page_results(after, base_key=base_key, baseline="baseline", bands=bands,
                                appraisal=None, figures_for=step)
    sent = cache.chart_figures(key, base_key, "baseline", 200, GROUPS)
    assert ahead.written(step)
    assert read(folder / f"{step}.json") == {"digest": step,
                                             "figures": json.loads(json.dumps(sent))}
    # the page of that scenario names its figures by the same digest; another does not
    assert step == ahead.digest(key, base_key, "baseline", 200, GROUPS)
    assert step != scenario_page._page_digest(key, base_key, baseline="baseline", bands=None)
