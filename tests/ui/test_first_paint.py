"""The app sends a page before the sidebar, so the browser has the cards first (issue 16).

The sidebar's sixty-odd widgets took the browser about 0.7 s to draw on a first visit
(``benchmarks/bench_first_load.py``); drawn after the page, they no longer come before
the headline cards. The page reads every slider from the session state, so what it shows
does not depend on the order.
"""

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

import slack_sim as ss  # noqa: E402
from slack_sim.ui import headline, sidebar, specs  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    order: list[str] = []
    for module, name in ((sidebar, "sidebar"), (headline, "central_cards"),
                         (headline, "cards")):
        real = getattr(module, name)

        def wrapper(*args, _real=real, _name=name, **kwargs):
            order.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)
    return order


@pytest.mark.parametrize("bands", [True, False])
def test_the_cards_are_made_before_the_sidebar_is_drawn(monkeypatch, bands):
    order = _recorded(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["bands_on"] = bands
    at.run()
    assert not at.exception
    made = "central_cards" if bands else "cards"
    assert made in order and "sidebar" in order
    assert order.index(made) < order.index("sidebar")


def test_the_page_shows_the_sliders_values_whichever_comes_first(model):
    at = AppTest.from_file(APP, default_timeout=300).run()
    # the whole sidebar is still drawn, at the preset's values
    default = ss.preset().settings()
    sliders = {s.key: s.value for s in at.sidebar.slider}
    for spec in specs.lever_specs(model):
        assert sliders[spec.key] == default[spec.name]
    before = {m.label: m.value for m in at.metric}
    # a lever moved: the page, drawn before the sidebar in this run, shows the new value
    at.slider(key="var:Prevention investment").set_value(
        model["Prevention investment"].maximum).run()
    after = {m.label: m.value for m in at.metric}
    assert after != before
    fresh = AppTest.from_file(APP, default_timeout=300)
    fresh.query_params.update(dict(at.query_params))
    fresh.run()
    assert {m.label: m.value for m in fresh.metric} == after
