"""The Scenario page (the main view): the headline cards, the finance cards and the charts.

The finance cards are the appraisal panel's (:mod:`slack_sim.ui.pages.appraisal`).

With the uncertainty bands on (the sidebar's Uncertainty), the charts shade the middle 50%
and 90% of the futures and the cards say in how many futures each result holds. The
finance cards appraise the scenario against current policy over a window the user sets
(start month and year, length, price base, discount rates), each showing the central
estimate over the futures with its 90% range and the sliders' own run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

from ...analysis.ensemble import DEFAULT_GROUPS
from ...model.parse import Model
from ...scenarios import Scenario
from ...validation import ValidationError
from .. import ahead, cache, charts, finance, headline, specs, speculate
from .. import state as state_module
from ..live_chart import live_chart
from .appraisal import CARD_LINES, appraisal_panel, settings_now
from .teach import CHROME_CSS

__all__ = ["CARDS_CSS", "FRAGMENT", "live_scenario_page", "prefetch", "scenario_page"]

#: Key of the fragment that draws the Scenario page: a slider move reruns it alone
#: (:func:`slack_sim.ui.sidebar.lever_moved`), not the sidebar's sixty-odd widgets.
FRAGMENT = state_module.SCENARIO_FRAGMENT

#: The headline cards, scoped to their container (class ``st-key-cards``): a value size
#: that fits five cards beside the sidebar at 1280 px, and labels and deltas that wrap
#: instead of being cut off with an ellipsis.
CARDS_CSS = """
.st-key-cards [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
.st-key-cards [data-testid="stMetricLabel"] .stMarkdownEllipsis,
.st-key-cards [data-testid="stMetricLabel"] .stMarkdownEllipsis p,
.st-key-cards [data-testid="stMetricDelta"] .stMarkdownEllipsis,
.st-key-cards [data-testid="stMetricDelta"] .stMarkdownEllipsis p,
.st-key-cards [data-testid="stMetricValue"] .stMarkdownEllipsis,
.st-key-cards [data-testid="stMetricValue"] .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: anywhere; }
.st-key-cards [data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
.st-key-fincards [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
.st-key-fincards [data-testid="stMetricLabel"] .stMarkdownEllipsis,
.st-key-fincards [data-testid="stMetricLabel"] .stMarkdownEllipsis p,
.st-key-fincards [data-testid="stMetricValue"] .stMarkdownEllipsis,
.st-key-fincards [data-testid="stMetricValue"] .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: anywhere; }
.st-key-fincards [data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
[data-testid="stElementContainer"][data-stale="true"] { opacity: 1 !important;
  transition: none !important; }
"""
# The last rule: the page is not faded while a slider move reruns it (Streamlit fades
# stale elements after 0.5 s; animating that fade over the cards and charts cost the
# browser about 150-250 ms of CPU a move on this 2-core machine). The header's running
# indicator still shows.


#: What the headline cards' futures are when the ensemble does not say (the bands' own).
FUTURES_SOURCE = "plausible futures"



#: Threads that start the page's long computations at once (shared by every session).
_PREFETCH = ThreadPoolExecutor(max_workers=3, thread_name_prefix="slack-sim-prefetch")


def prefetch(scenario: Scenario, *, baseline: str, bands: tuple[int, str] | None,
             appraisal: finance.AppraisalSettings | None) -> list[Future]:
    """Start the page's independent computations on threads; return their futures.

    The scenario's and the baseline's ensembles (the bands and the cards' central
    estimates) and the appraisal (the finance cards) do not depend on each other, and
    their runs release the GIL, so they run side by side while the page draws its
    first elements; the appraisal waits for the scenario's ensemble, whose runs of the
    same futures it takes (:data:`slack_sim.analysis.appraise.POLICY_RUNS`). Each goes
    through its cached function in :mod:`slack_sim.ui.cache`
    (one computation per key: a page that asks for a result being computed waits for
    it), so the page then reads them as it always did; a failure here is left for the
    page to meet and report where it asks.

    Parameters
    ----------
    scenario : Scenario
        The current scenario.
    baseline : str
        The baseline preset (on the scenario's profile).
    bands : (int, str) or None
        Futures and uncertainty groups of the bands, ``None`` when they are off.
    appraisal : slack_sim.ui.finance.AppraisalSettings or None
        The appraisal panel's settings, ``None`` to leave it.

    Returns
    -------
    list of concurrent.futures.Future
    """
    key = cache.scenario_key(scenario)
    jobs = []
    if bands is not None:
        base_key = cache.scenario_key(state_module.baseline_scenario(baseline,
                                                                     scenario.profile))
        for k in (key, base_key):
            jobs.append(_PREFETCH.submit(cache.ensemble_summary, k, baseline, *bands,
                                         base_key=base_key))
    if appraisal is not None:
        args = (key, appraisal.start, float(appraisal.years), appraisal.prices,
                appraisal.rate, appraisal.long_rate, appraisal.futures)
        jobs.append(_PREFETCH.submit(_appraise_after, jobs[0] if jobs else None, args))
    return jobs


def _appraise_after(first: Future | None, args: tuple) -> object:
    """Appraise once the scenario's ensemble is done: it takes the ensemble's runs.

    The appraisal's futures are some of the ensemble's (analysis.appraise.POLICY_RUNS), so
    waiting for it runs no policy members twice; the ensemble was submitted first, so it
    holds a thread before this one waits.
    """
    if first is not None:
        with contextlib.suppress(Exception):  # its failure is the page's to report
            first.result()
    return cache.appraisal_view(*args)


def live_scenario_page(model: Model) -> None:
    """Draw the Scenario page: its style sheet, then the page as a fragment.

    The style sheet (the cards' sizes, and compact mode's hidden chrome) is written by
    the whole app's run, outside the fragment, so a slider move does not send it again
    and the browser does not parse it again and restyle the whole page (compact mode's
    switch reruns the whole app for that: :func:`_compact_switched`).
    """
    compact = bool(st.session_state.get(state_module.COMPACT))
    st.html(f"<style>{CARDS_CSS}{CHROME_CSS if compact else ''}</style>")
    _scenario_fragment(model)


def _compact_switched() -> None:
    """Rerun the whole app after compact mode is switched: its style sheet is outside."""
    st.rerun()


@st.fragment(key=state_module.SCENARIO_FRAGMENT)
def _scenario_fragment(model: Model) -> None:
    """Draw the Scenario page as a fragment: read the scenario, sync the URL, draw.

    A fragment rerun (a slider move) reruns this function alone, so it reads the scenario
    from the session state itself rather than taking it from the full run, and keeps the
    URL in step (:func:`slack_sim.ui.state.sync_query_params`).
    """
    state = st.session_state
    before = state.get(_LAST_VALUES)
    scenario, preset_name = state_module.current_scenario(model)
    state_module.sync_query_params(scenario, preset_name, model)
    key = cache.scenario_key(scenario)
    if before is not None:
        speculate.log_outcome(state.get(_GUESSED), key)
    state[_LAST_VALUES] = dict(state["values"])
    state[_GUESSED] = None
    guess = (speculate.guess_next(before, state["values"], model=model)
             if speculate.enabled() else None)
    if guess is None:
        scenario_page(model, scenario)
        return
    name, value = guess
    after = state_module.scenario_of({**state["values"], name: value}, model=model)
    state[_GUESSED] = cache.scenario_key(after)
    jobs = _page_jobs()
    base_key = cache.scenario_key(state_module.baseline_scenario(jobs["baseline"],
                                                                 after.profile))
    step = _page_digest(state[_GUESSED], base_key, baseline=jobs["baseline"],
                        bands=jobs["bands"])
    upcoming = ahead.Ahead(slider=specs.slider_spec(model, name).label, value=value,
                           url=ahead.url(step), digest=step)
    ahead.promise(step)
    scenario_page(model, scenario, upcoming=upcoming)
    speculate.submit(functools.partial(_page_results, after, **jobs, base_key=base_key,
                                       figures_for=step))


def _page_digest(key: str, base_key: str, *, baseline: str,
                 bands: tuple[int, str] | None) -> str:
    """Return the digest of the page's figures (:func:`slack_sim.ui.ahead.digest`)."""
    members, groups = bands if bands is not None else (None, ",".join(DEFAULT_GROUPS))
    return ahead.digest(key, base_key, baseline, members, groups)


#: Session-state keys: the sliders' values at the page's last run, and the scenario key
#: of the next step guessed then (:mod:`slack_sim.ui.speculate`).
_LAST_VALUES = "speculate:values"
_GUESSED = "speculate:guessed"


def _page_jobs() -> dict[str, object]:
    """Return what the page's results depend on besides the scenario (session state)."""
    state = st.session_state
    current = None
    with contextlib.suppress(ValidationError, ValueError, TypeError):
        current = settings_now("fin")
    return {"baseline": state["baseline"],
            "bands": ((int(state["bands_n"]), ",".join(DEFAULT_GROUPS))
                      if state.get("bands_on") else None),
            "appraisal": current}


@dataclasses.dataclass(frozen=True)
class _PageData:
    """What the Scenario page reads from the cache for its cards and charts."""

    summary: dict
    base_summary: dict
    view: Any  # risk.EnsembleView, or None with the bands off
    base_view: Any
    figures: list[dict[str, Any]]


def _read_page(key: str, base_key: str, *, baseline: str,
               bands: tuple[int, str] | None) -> _PageData:
    """Read (computing what is not cached) the page's runs, futures and charts' figures.

    ``bands`` is ``(futures, groups)``, or ``None`` with the bands off (:func:`_page_jobs`).
    """
    members, groups = bands if bands is not None else (None, ",".join(DEFAULT_GROUPS))
    # the single runs first: on a value not computed before they then run while the
    # futures run on the prefetch threads (prefetch), rather than after them
    summary, base_summary = cache.scenario_summary(key), cache.scenario_summary(base_key)
    view = base_view = None
    if members is not None:
        view = cache.ensemble_summary(key, baseline, members, groups, base_key=base_key)
        base_view = cache.ensemble_summary(base_key, baseline, members, groups,
                                           base_key=base_key)
    return _PageData(
        summary=summary, base_summary=base_summary, view=view, base_view=base_view,
        figures=cache.chart_figures(key, base_key, baseline, members, groups))


def _page_results(scenario: Scenario, *, base_key: str, baseline: str,
                  bands: tuple[int, str] | None,
                  appraisal: finance.AppraisalSettings | None,
                  figures_for: str | None = None) -> None:
    """Compute what the Scenario page of ``scenario`` reads, into the app's cache.

    What :func:`scenario_page` reads (:func:`_read_page`), then the appraisal its panel
    reads (after the ensemble, whose runs it takes): run for a guessed next slider step
    on :mod:`slack_sim.ui.speculate`'s thread, it leaves the page nothing to compute.
    With ``figures_for`` (the figures' digest), the charts' figures are also written for
    the browser to draw the moment the slider lands on the step (:mod:`slack_sim.ui.ahead`),
    before the appraisal, which the charts do not show.
    """
    key = cache.scenario_key(scenario)
    data = _read_page(key, base_key, baseline=baseline, bands=bands)
    if figures_for is not None:
        ahead.write(figures_for, data.figures)
    if appraisal is not None:
        cache.appraisal_view(key, appraisal.start, float(appraisal.years), appraisal.prices,
                             appraisal.rate, appraisal.long_rate, appraisal.futures)


def scenario_page(model: Model, scenario: Scenario, *,
                  upcoming: ahead.Ahead | None = None) -> None:
    """Draw the main view: headline cards and the time-series charts.

    ``upcoming`` is the slider's guessed next step, whose charts the browser draws the
    moment the slider lands on it (:mod:`slack_sim.ui.ahead`).

    Compact mode (its toggle, or ``?compact=1``) is for a projector: the app's title, page
    tabs and sidebar hidden (:data:`slack_sim.ui.pages.teach.CHROME_CSS`), the captions
    and the appraisal panel moved under the charts, so the cards and the first charts fit
    1280x720 at 125% zoom.
    """
    # Everything is read before anything is drawn: the page's elements then leave in
    # one burst, which the browser draws in one or two passes instead of one pass per
    # few elements as they trickle out between the reads.
    state = st.session_state
    base_name = state["baseline"]
    page_jobs = _page_jobs()
    jobs = prefetch(scenario, **page_jobs)
    base = state_module.baseline_scenario(base_name, scenario.profile)
    key, base_key = cache.scenario_key(scenario), cache.scenario_key(base)
    data = _read_page(key, base_key, baseline=base_name, bands=page_jobs["bands"])
    summary, base_summary, view, base_view = (data.summary, data.base_summary, data.view,
                                              data.base_view)
    if view is not None:
        # EnsembleView.source once the bands use the profile's history-consistent futures
        source = getattr(view, "source", FUTURES_SOURCE)
        shown = headline.central_cards(summary, view.outcomes,
                                       baseline_futures=base_view.outcomes, source=source)
        notes = headline.short_notes(view.outcomes, baseline_label=base_name)
        full = view.notes
    else:
        shown = [dataclasses.replace(c, own="this run only (uncertainty off)")
                 for c in headline.cards(summary, base_summary)]
        notes, full = {}, {}
    for job in jobs:  # the appraisal, which the panel then reads from the cache
        with contextlib.suppress(Exception):  # a failure is the panel's to report
            job.result()
    compact = st.toggle("Compact (projector)", key=state_module.COMPACT,
                        on_change=_compact_switched,
                        help="Hide the title, the page tabs and the sidebar; switch off here.")
    # The page's parts stand in the same places in both modes (an empty container where
    # compact mode leaves a part out), so switching the mode redraws the charts in place
    # rather than making new ones, which are blank until drawn afresh.
    description, cards = st.container(), st.container(key="cards")
    if not compact:
        description.caption(cache.titles()["description"][state["preset"]]
                            + (" Sliders changed from the preset."
                               if scenario.name.endswith("(modified)") else ""))
    cols = cards.columns(5)
    for col, card in zip(cols, shown, strict=True):
        note, detail = notes.get(card.key), full.get(card.key)
        box = col.container(border=True)
        box.metric(card.label, card.value, card.delta, delta_color=card.delta_color,
                   delta_arrow="off" if card.delta_color == "off" else "auto",
                   help=card.help + (f"\n\nAcross futures: {detail}" if detail else ""))
        # one caption of paragraphs, not one element each: fewer elements to redraw
        box.caption(CARD_LINES.join(t for t in (card.range, card.own, note) if t))
    caption = (f"Deltas against **{cache.titles()['preset'][base_name]}**. "
               + headline.MONEY_NOTE + " Grey shading: austerity; orange: shocks.")
    if view is not None:
        drawn = (f"{view.members:,} {source} (every uncertainty drawn over its plausible "
                 "range, kept where the profile's published 2010-2020 series allow it)"
                 if "consistent" in source else
                 f"{view.members:,} drawn evenly over the plausible ranges of the "
                 f"{view.parameters} effect sizes")
        caption += (f" {headline.CENTRAL_NOTE} The futures: {drawn}, with these policies; "
                    "the deltas compare central estimates over the same futures. Bands "
                    "around each line: the middle 50% (darker) and 90% (lighter) of them; "
                    "see the Risk page.")
    # compact: the charts come straight after the cards, the caption and panel after them
    above, figures, below = st.container(), st.container(), st.container()
    with below if compact else above:
        st.caption(caption)
        appraisal_panel(model, scenario)
    digest = _page_digest(key, base_key, baseline=base_name, bands=page_jobs["bands"])
    names = ahead.fingerprints(digest, len(charts.CHARTS))
    # a step guessed before: its figures are in a file the browser has, or fetches
    stored = ahead.url(digest) if ahead.written(digest) else None
    for i in range(0, len(charts.CHARTS), 2):
        for j, col in enumerate(figures.columns(2)):
            if i + j < len(charts.CHARTS):
                live_chart(col, data.figures[i + j], key=f"chart:{charts.CHARTS[i + j].key}",
                           config={"displaylogo": False}, fingerprint=names[i + j],
                           index=i + j, ahead=upcoming, figure_url=stored)
