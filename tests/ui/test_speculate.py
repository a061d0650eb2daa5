"""Guessing the slider's next step (``slack_sim.ui.speculate``): right, and never shown.

The browser half (the key the browser's slider lands on is the one guessed) is in
``tests/ui/test_browser.py``; here the guess itself and its effect on the page's cache.
"""

import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import slack_sim as ss
from slack_sim.ui import memo, speculate
from slack_sim.ui.specs import slider_spec

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120
SLIDER = "Slack target"


@pytest.fixture(scope="module")
def model():
    return ss.load_model()


def test_the_next_step_is_the_browsers_rounded_sum_within_the_range(model):
    spec = slider_spec(model, SLIDER)  # step 0.01
    assert speculate.next_step(0.17, direction=1, spec=spec) == 0.18
    assert 0.17 + 0.01 != 0.18  # what an unrounded guess would have keyed the cache on
    assert speculate.next_step(0.16, direction=-1, spec=spec) == 0.15
    assert speculate.next_step(spec.maximum, direction=1, spec=spec) is None
    assert speculate.next_step(spec.minimum, direction=-1, spec=spec) is None
    assert speculate.next_step(spec.maximum - spec.step, direction=1,
                               spec=spec) == spec.maximum


def test_a_guess_follows_a_move_of_exactly_one_slider(model):
    before = {SLIDER: 0.15, "Prevention investment": 1.0}
    assert speculate.guess_next(before, {**before, SLIDER: 0.16}, model=model) == (
        SLIDER, 0.17)
    assert speculate.guess_next(before, {**before, SLIDER: 0.14}, model=model) == (
        SLIDER, 0.13)
    assert speculate.guess_next(before, before, model=model) is None  # nothing moved
    two = {SLIDER: 0.16, "Prevention investment": 1.1}
    assert speculate.guess_next(before, two, model=model) is None
    assert speculate.guess_next(None, before, model=model) is None  # no earlier run


def test_a_newer_guess_replaces_one_waiting():
    gate, ran = threading.Event(), []
    first = speculate.submit(lambda: gate.wait(10))  # holds the thread
    time.sleep(0.2)  # it has started
    older = speculate.submit(lambda: ran.append("older"))  # another session's, say
    newer = speculate.submit(lambda: ran.append("newer"))
    gate.set()
    for job in (first, older, newer):
        job.result(timeout=10)
    assert ran == ["newer"]


def test_a_guess_waits_for_the_page_that_made_it_to_be_sent_and_drawn():
    started = []
    asked = time.perf_counter()
    speculate.submit(lambda: started.append(time.perf_counter())).result(timeout=10)
    assert started[0] - asked >= speculate.SETTLE_SECONDS > 0


def test_a_failing_guess_is_dropped_quietly():
    def fail():
        raise RuntimeError("guess failed")
    assert speculate.submit(fail).result(timeout=10) is None


def _cards(at):
    return [(m.label, m.value, m.delta) for m in at.metric]


@pytest.fixture
def computed_by_page(monkeypatch):
    """What the app's shared cache computes for the page (its script's and prefetch threads)."""
    store, names = memo.shared(), []
    compute_or_get = store.get_or_compute

    def counting(key, compute, **options):
        def counted():
            if not threading.current_thread().name.startswith("slack-sim-speculate"):
                names.append(key[0].rsplit(".", 1)[-1])
            return compute()
        return compute_or_get(key, counted, **options)

    monkeypatch.setattr(store, "get_or_compute", counting)
    return names


def test_the_guessed_step_costs_the_page_no_computation_and_shows_the_same(
        model, computed_by_page):
    spec = slider_spec(model, SLIDER)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    one = speculate.next_step(at.slider(key=spec.key).value, direction=1, spec=spec)
    at.slider(key=spec.key).set_value(one).run()  # one step: the next one is guessed
    speculate.wait(timeout=TIMEOUT)
    computed_by_page.clear()
    two = speculate.next_step(one, direction=1, spec=spec)
    at.slider(key=spec.key).set_value(two).run()
    assert not at.exception
    assert computed_by_page == [], "the guessed step was computed again"
    # what it shows is what a session that never guessed shows at that value
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    fresh.slider(key=spec.key).set_value(two).run()
    assert _cards(at) == _cards(fresh)
    # a step not guessed (two more) is computed by the page: the check above can fail
    speculate.wait(timeout=TIMEOUT)
    computed_by_page.clear()
    at.slider(key=spec.key).set_value(
        speculate.next_step(two, direction=1, spec=spec) + spec.step).run()
    assert "ensemble_summary" in computed_by_page
