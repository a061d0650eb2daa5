"""Start the first page's computations before the sidebar is drawn, once per server process.

A fresh server pays once for what later visitors find ready: loading the compiled
engine's machine code (numba: about 0.25 s to import, then each kernel's cached code,
0.3 to 0.7 s each on this 2-core machine), reading the profile's stored futures, and the
Scenario page's runs: the scenario's and the baseline's ensembles, their outcomes and the
appraisal. Streamlit runs none of the app's code until the first visitor's session runs
the script, and the page used to start these only after the sidebar's sixty-odd widgets
(:func:`slack_sim.ui.pages.scenario.prefetch`, called from the page). :func:`warm_first_page`,
called by ``app.py`` as soon as the session's state is set, starts the same computations at
once, so the engine loads while the sidebar is drawn.

Nothing is computed twice and nothing mutable is shared: every job goes through the
cached functions of :mod:`slack_sim.ui.cache`, whose shared cache
(:mod:`slack_sim.ui.memo`) computes a key once while a second caller of the same key
waits for it; the page then asks for the same keys as before and reads copies. The keys
are made the way the page makes them: :func:`slack_sim.ui.pages.scenario.prefetch` itself,
with the session's own scenario, baseline, bands and appraisal settings. A failure in a
job is left for the page to meet and report where it asks.

Only the first session of a process is warmed (later sessions find the default page's
results cached; a hit would only copy results nobody reads). ``SLACK_SIM_WARMUP=0`` in
the server's environment leaves it out (to compare: ``benchmarks/bench_first_load.py``).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

from ..analysis.ensemble import DEFAULT_GROUPS
from ..model.parse import Model
from . import cache
from . import state as state_module
from .pages import scenario as scenario_page

__all__ = ["ENV", "enabled", "warm_first_page"]

#: Environment variable that switches the warm-up off (``0``).
ENV = "SLACK_SIM_WARMUP"

_LOCK = threading.Lock()
_STARTED: list[bool] = []
#: One thread for the outcomes of the scenario and the baseline (the page's own first
#: calls), beside the page's prefetch threads (ensembles and appraisal).
_OUTCOMES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slack-sim-warmup")


def enabled() -> bool:
    """Return whether the warm-up is on (``SLACK_SIM_WARMUP`` is not ``0``)."""
    return os.environ.get(ENV, "1").strip() != "0"


def warm_first_page(model: Model) -> list[Future]:
    """Start the Scenario page's computations for this session, if it is the process's first.

    Call it from the script thread once :func:`slack_sim.ui.state.init_state` has run
    and before the sidebar is drawn. It reads the session's state (scenario, baseline,
    bands, appraisal settings) as the page will, and returns at once.

    Parameters
    ----------
    model : Model
        The model.

    Returns
    -------
    list of concurrent.futures.Future
        The jobs started (empty when this is not the process's first session, the
        session does not open on the Scenario page, or the warm-up is off).
    """
    with _LOCK:
        if _STARTED or not enabled():
            return []
        _STARTED.append(True)
    state = st.session_state
    if (state.get("page") or state_module.PAGES[0]) != state_module.PAGES[0]:
        return []
    scenario, _ = state_module.current_scenario(model)
    base_name = state["baseline"]
    bands = ((int(state["bands_n"]), ",".join(DEFAULT_GROUPS)) if state.get("bands_on")
             else None)
    jobs = scenario_page.prefetch(scenario, baseline=base_name, bands=bands,
                                  appraisal=scenario_page.appraisal_settings())
    base = state_module.baseline_scenario(base_name, scenario.profile)
    for key in (cache.scenario_key(scenario), cache.scenario_key(base)):
        jobs.append(_OUTCOMES.submit(cache.scenario_summary, key))
    return jobs
