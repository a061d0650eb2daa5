"""The Scenario page's speed paths (issue 16): the prefetch and the chart-code preload.

The prefetch starts the page's long computations (both ensembles, the appraisal) on
threads through the app's cached functions, so the page then reads them from the cache
instead of computing them one after another. The preload asks the browser for
Streamlit's plotly chunk with the app's first element; it must name the chunk the
installed frontend itself imports, or it only adds a download.
"""

import json
from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

import slack_sim as ss
from slack_sim.analysis.ensemble import DEFAULT_GROUPS
from slack_sim.ui import cache, finance, memo, preload
from slack_sim.ui.pages import scenario as page

APP = str(Path(__file__).resolve().parents[2] / "app.py")
JS = Path(streamlit.__file__).parent / "static" / "static" / "js"


def test_prefetch_computes_what_the_page_then_reads_from_the_cache():
    base = ss.preset()
    # a setting no other test uses, so nothing is cached for it yet
    scenario = base.with_values({"Slack target": 0.2875, "Prevention investment": 0.0375})
    settings = finance.default_settings()
    groups = ",".join(DEFAULT_GROUPS)
    jobs = page.prefetch(scenario, baseline="baseline", bands=(100, groups),
                         appraisal=settings)
    assert len(jobs) == 3  # the scenario's and the baseline's ensembles, the appraisal
    for job in jobs:
        job.result(timeout=600)
    store = memo.shared()
    before = store.stats()
    key = cache.scenario_key(scenario)
    base_key = cache.scenario_key(ss.preset("baseline", profile=scenario.profile))
    view = cache.ensemble_summary(key, "baseline", 100, groups, base_key=base_key)
    run = cache.appraisal_run(key, settings.start, float(settings.years), settings.prices,
                              settings.rate, settings.long_rate, settings.futures)
    cards = cache.appraisal_view(key, settings.start, float(settings.years),
                                 settings.prices, settings.rate, settings.long_rate,
                                 settings.futures)  # the finance cards, made too
    after = store.stats()
    assert after.misses == before.misses, "the page computed again what was prefetched"
    assert after.hits >= before.hits + 3
    assert cards.futures == run.futures
    assert view.members == 100
    assert run.futures == settings.futures  # this run beside them, not among them
    # nothing asked for, nothing started
    assert page.prefetch(scenario, baseline="baseline", bands=None, appraisal=None) == []


def test_preload_names_the_chunk_the_frontend_imports():
    name = preload.chart_chunk()
    assert name is not None and (JS / name).is_file()
    entries = list(JS.glob("index.*.js"))
    assert entries and any(name in p.read_text(encoding="utf-8", errors="ignore")
                           for p in entries), "the frontend does not import this chunk"
    html = preload.preload_html(name)
    assert f'"./{name}"' in html and html.startswith("<script>")
    for bad in ("../x.js", "x.css", "a/b.js"):
        with pytest.raises(ValueError, match="chunk"):
            preload.preload_html(bad)


def _preload_elements(at: AppTest) -> list:
    return [e for e in at.get("html") if "__slackSimPreload" in e.proto.body]


def test_the_app_leaves_the_preload_out_unless_asked(monkeypatch):
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    assert not _preload_elements(at)
    monkeypatch.setenv("SLACK_SIM_PRELOAD", "1")
    at.run()
    assert not at.exception
    found = _preload_elements(at)
    assert len(found) == 1 and found[0].proto.unsafe_allow_javascript


def test_the_charts_import_the_chunk_the_frontend_imports():
    """The Scenario page's charts draw with Streamlit's own plotly chunk, imported lazily."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["bands_on"] = False
    at.run()
    assert not at.exception
    sent = [json.loads(e.proto.json) for e in at.get("bidi_component")]
    assert len(sent) == 6
    assert {d["chunk"] for d in sent} == {f"./{preload.chart_chunk()}"}
    assert (JS / preload.chart_chunk()).is_file()
