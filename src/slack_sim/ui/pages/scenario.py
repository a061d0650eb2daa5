"""The Scenario page (the main view): the headline cards, the finance cards and the charts.

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
import math
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

from ...analysis.ensemble import DEFAULT_GROUPS
from ...model.calendar import MONTH_NAMES, model_month_text, month_text
from ...model.parse import Model
from ...scenarios import Scenario
from ...validation import ValidationError
from .. import cache, charts, finance, headline, speculate
from .. import state as state_module
from ..live_chart import live_chart
from .teach import CHROME_CSS

__all__ = ["CARDS_CSS", "CARD_LINES", "FRAGMENT", "appraisal_controls", "appraisal_panel",
           "appraisal_settings", "live_scenario_page", "prefetch", "scenario_page"]

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

#: Between the lines of a card's caption (its range, its own run, its note): paragraphs
#: of one caption element, so a slider move redraws one element per card, not three.
CARD_LINES = "\n\n"

#: What the headline cards' futures are when the ensemble does not say (the bands' own).
FUTURES_SOURCE = "plausible futures"

#: Session-state key of the appraisal panel's settings (kept while its widgets are not
#: drawn, e.g. on another page) and the widget fields that edit it.
SETTINGS_KEY = "appraisal"
_FIELDS = ("month", "year", "years", "prices", "rate", "long_rate", "futures")
#: Session-state keys of the panel's two expanders (open or not): their contents (the
#: settings' seven widgets, the table by financial year) are drawn only when open, so a
#: slider move sends and redraws neither while they are closed.
SETTINGS_OPEN = "fin:settings-open"
TABLE_OPEN = "fin:table-open"


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
        base = state_module.baseline_scenario(baseline, scenario.profile)
        for k in (key, cache.scenario_key(base)):
            jobs.append(_PREFETCH.submit(cache.ensemble_summary, k, baseline, *bands))
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
    return cache.appraisal_run(*args)


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
    scenario_page(model, scenario)
    guess = (speculate.guess_next(before, state["values"], model=model)
             if speculate.enabled() else None)
    if guess is not None:
        name, value = guess
        after = state_module.scenario_of({**state["values"], name: value}, model=model)
        state[_GUESSED] = cache.scenario_key(after)
        jobs = _page_jobs()
        base = state_module.baseline_scenario(jobs["baseline"], after.profile)
        speculate.submit(functools.partial(_page_results, after, **jobs,
                                           base_key=cache.scenario_key(base)))


#: Session-state keys: the sliders' values at the page's last run, and the scenario key
#: of the next step guessed then (:mod:`slack_sim.ui.speculate`).
_LAST_VALUES = "speculate:values"
_GUESSED = "speculate:guessed"


def _page_jobs() -> dict[str, object]:
    """Return what the page's results depend on besides the scenario (session state)."""
    state = st.session_state
    settings_now = None
    with contextlib.suppress(ValidationError, ValueError, TypeError):
        settings_now = _settings_now("fin")
    return {"baseline": state["baseline"],
            "bands": ((int(state["bands_n"]), ",".join(DEFAULT_GROUPS))
                      if state.get("bands_on") else None),
            "appraisal": settings_now}


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
    view = base_view = None
    if members is not None:
        view = cache.ensemble_summary(key, baseline, members, groups)
        base_view = cache.ensemble_summary(base_key, baseline, members, groups)
    return _PageData(
        summary=cache.scenario_summary(key), base_summary=cache.scenario_summary(base_key),
        view=view, base_view=base_view,
        figures=cache.chart_figures(key, base_key, baseline, members, groups))


def _page_results(scenario: Scenario, *, base_key: str, baseline: str,
                  bands: tuple[int, str] | None,
                  appraisal: finance.AppraisalSettings | None) -> None:
    """Compute what the Scenario page of ``scenario`` reads, into the app's cache.

    What :func:`scenario_page` reads (:func:`_read_page`), then the appraisal its panel
    reads (after the ensemble, whose runs it takes): run for a guessed next slider step
    on :mod:`slack_sim.ui.speculate`'s thread, it leaves the page nothing to compute.
    """
    key = cache.scenario_key(scenario)
    _read_page(key, base_key, baseline=baseline, bands=bands)
    if appraisal is not None:
        cache.appraisal_run(key, appraisal.start, float(appraisal.years), appraisal.prices,
                            appraisal.rate, appraisal.long_rate, appraisal.futures)


def scenario_page(model: Model, scenario: Scenario) -> None:
    """Draw the main view: headline cards and the time-series charts.

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
    for i in range(0, len(charts.CHARTS), 2):
        for col, spec, fig in zip(figures.columns(2), charts.CHARTS[i:i + 2],
                                  data.figures[i:i + 2], strict=False):
            live_chart(col, fig, key=f"chart:{spec.key}", config={"displaylogo": False})


def appraisal_settings() -> finance.AppraisalSettings:
    """Return the appraisal settings of this session (the defaults until the user sets any)."""
    stored = st.session_state.get(SETTINGS_KEY)
    return (finance.AppraisalSettings(**stored) if stored
            else finance.default_settings())


def _widget_values(settings: finance.AppraisalSettings) -> dict[str, object]:
    return {"month": settings.month, "year": settings.year, "years": int(settings.years),
            "prices": settings.prices, "rate": round(settings.rate * 100, 2),
            "long_rate": round(settings.long_rate * 100, 2), "futures": settings.futures}


def appraisal_controls(model: Model, prefix: str = "fin") -> finance.AppraisalSettings:
    """Draw the appraisal panel's controls and return the settings they describe.

    The settings live in the session state under :data:`SETTINGS_KEY`, so the Scenario
    and Compare pages share them and they survive a visit to another page.

    Parameters
    ----------
    model : Model
        The model (its horizon bounds the start year).
    prefix : str
        Widget keys are ``"<prefix>:<field>"`` (one prefix per page).

    Returns
    -------
    slack_sim.ui.finance.AppraisalSettings
    """
    state = st.session_state
    current = _widget_values(appraisal_settings())
    for field in _FIELDS:
        if f"{prefix}:{field}" not in state:
            state[f"{prefix}:{field}"] = current[field]
    first = int(model.start_year)
    last = int(math.floor(model.start_year + (model.final_time - model.saveper) / 12))
    prices = finance.price_choices()
    cols = st.columns([1.1, 0.8, 0.8, 1.0, 0.9, 0.9, 0.8])
    cols[0].selectbox("Start month", list(range(1, 13)), key=f"{prefix}:month",
                      format_func=lambda m: MONTH_NAMES[m - 1],
                      help="First month of the appraisal window (default: the next April, "
                           "the start of a financial year).")
    cols[1].number_input("Start year", min_value=first, max_value=last, step=1,
                         key=f"{prefix}:year",
                         help=f"Calendar year of the first month ({first} to {last}); the "
                              "window must end by the model's horizon, "
                              f"{headline.HORIZON}.")
    cols[2].number_input("Years", min_value=1, max_value=30, step=1, key=f"{prefix}:years",
                         help="Length of the window in years (1 to 30; default 10).")
    cols[3].selectbox("Prices", prices, key=f"{prefix}:prices",
                      format_func=lambda p: p,
                      help="Real terms at a financial year's prices (GDP deflator), or cash "
                           "(each year's own prices). Default 2025-26.")
    cols[4].number_input("Discount rate (%)", min_value=0.0, max_value=50.0, step=0.1,
                         format="%.1f", key=f"{prefix}:rate",
                         help="% a year to year 30 of the window (Green Book: 3.5).")
    cols[5].number_input("After year 30 (%)", min_value=0.0, max_value=50.0, step=0.1,
                         format="%.1f", key=f"{prefix}:long_rate",
                         help="% a year after year 30 (Green Book: 3.0); used only by "
                              "windows longer than 30 years.")
    cols[6].selectbox("Futures", finance.FUTURES_CHOICES, key=f"{prefix}:futures",
                      format_func=lambda n: f"{n:,}",
                      help="Futures appraised besides the sliders' own run (500: about "
                           "0.2 s a scenario).")
    settings = finance.AppraisalSettings.from_month(
        int(state[f"{prefix}:year"]), int(state[f"{prefix}:month"]),
        years=int(state[f"{prefix}:years"]), prices=str(state[f"{prefix}:prices"]),
        rate=float(state[f"{prefix}:rate"]) / 100,
        long_rate=float(state[f"{prefix}:long_rate"]) / 100,
        futures=int(state[f"{prefix}:futures"]))
    state[SETTINGS_KEY] = dataclasses.asdict(settings)
    return settings


def _settings_now(prefix: str) -> finance.AppraisalSettings:
    """Return the settings the panel's widgets hold now (they are drawn below the cards)."""
    state = st.session_state
    keys = [f"{prefix}:{field}" for field in _FIELDS]
    if not all(k in state for k in keys):
        return appraisal_settings()
    return finance.AppraisalSettings.from_month(
        int(state[f"{prefix}:year"]), int(state[f"{prefix}:month"]),
        years=int(state[f"{prefix}:years"]), prices=str(state[f"{prefix}:prices"]),
        rate=float(state[f"{prefix}:rate"]) / 100,
        long_rate=float(state[f"{prefix}:long_rate"]) / 100,
        futures=int(state[f"{prefix}:futures"]))


def _settings_expander(model: Model, settings: finance.AppraisalSettings) -> None:
    title = (f"Appraisal settings: {settings.window_text()}, "
             f"{'cash' if settings.prices == 'cash' else settings.prices + ' prices'}, "
             f"discounted at {settings.rate:.1%}, {settings.futures:,} futures")
    box = _lazy_expander(title, key=SETTINGS_OPEN)
    if box is not None:  # drawn only when open: a slider move then sends none of its widgets
        with box:
            appraisal_controls(model)


def _lazy_expander(label: str, *, key: str) -> Any | None:
    """Draw an expander whose contents are drawn only while it is open; return it if open.

    Whether it is open is kept in the session state under ``key`` (not a widget key, so
    it survives a visit to another page, and a test sets it as a click would): the
    expander's own state, under ``"w:" + key``, is copied there when clicked.
    """
    state = st.session_state
    box = st.expander(label, expanded=bool(state.get(key)), key=f"w:{key}",
                      on_change=lambda: state.update({key: bool(state.get(f"w:{key}"))}))
    return box if state.get(key) else None


@st.fragment
def appraisal_panel(model: Model, scenario: Scenario) -> None:
    """Draw the finance cards: the scenario appraised against current policy.

    A fragment: changing the panel's own controls (window, prices, rates, futures) reruns
    this panel only, not the cards and the six charts around it.

    The cards come first, beside the headline cards; the window, prices, discount rates
    and futures are set in the expander below them.
    """
    st.subheader("Appraisal against current policy")
    policy_start = scenario.settings(model=model).get("Policy start time")
    if policy_start is not None:
        st.caption(f"Policy from {model_month_text(float(policy_start))} (Policy start time "
                   f"{float(policy_start):g}); the counterfactual is current policy: the same "
                   "profile and assumptions, every lever at its current-policy value.")
    settings = _settings_now("fin")
    try:
        with st.spinner("Appraising the futures..."):
            run = cache.appraisal_run(cache.scenario_key(scenario), settings.start,
                                      float(settings.years), settings.prices, settings.rate,
                                      settings.long_rate, settings.futures)
    except ValidationError as exc:
        st.error(str(exc))
        _settings_expander(model, settings)
        return
    view = finance.finance_view(run)
    if view.unchanged:
        st.info(f"This scenario spends exactly as current policy from "
                f"{month_text(settings.start)} in all {view.futures:,} futures: every lever "
                "is at its current-policy value (or changes nothing in the window). Move a "
                "Policies slider to appraise a change.")
        _settings_expander(model, settings)
        return
    container = st.container(key="fincards")
    for row in (view.cards[:3], view.cards[3:]):
        for col, card in zip(container.columns(3), row, strict=False):
            box = col.container(border=True)
            box.metric(card.label, card.value, help=card.help)
            box.caption(CARD_LINES.join(t for t in (card.range, card.own) if t))
    st.caption(view.caption)
    _settings_expander(model, settings)
    box = _lazy_expander("The appraisal by financial year (this run)", key=TABLE_OPEN)
    if box is None:  # drawn only when open, as the settings
        return
    with box:
        table = view.by_year
        st.dataframe(table.T.style.format("{:,.0f}"), width="stretch")
        st.download_button(
            "Download the table (CSV)", data=table.to_csv(), key="fin:csv",
            file_name=f"appraisal-{settings.window_text().replace(' ', '-').lower()}.csv",
            mime="text/csv",
            help="One row per financial year (April to March); money in £ thousands.")
