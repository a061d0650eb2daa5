"""The Scenario page's appraisal panel: the scenario appraised against current policy.

The finance cards (the central estimate over the futures, its 90% range and the
sliders' own run), the window, prices, discount rates and futures they are appraised
over (set in an expander, shared with the Compare page), and the appraisal by financial
year.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

import streamlit as st

from ...analysis.appraise import POLICY_START
from ...model.calendar import MONTH_NAMES, model_month_text, month_text
from ...model.parse import Model
from ...scenarios import Scenario
from ...validation import ValidationError
from .. import cache, finance, headline
from ..state import fix_first

__all__ = ["CARD_LINES", "SETTINGS_KEY", "SETTINGS_OPEN", "TABLE_OPEN", "appraisal_controls",
           "appraisal_panel", "appraisal_settings", "settings_now"]

#: Between the lines of a card's caption (its range, its own run, its note): paragraphs
#: of one caption element, so a slider move redraws one element per card, not three.
CARD_LINES = "\n\n"

#: Session-state key of the appraisal panel's settings (kept while its widgets are not
#: drawn, e.g. on another page) and the widget fields that edit it.
SETTINGS_KEY = "appraisal"
_FIELDS = ("month", "year", "years", "prices", "rate", "long_rate", "futures")
#: Session-state keys of the panel's two expanders (open or not): their contents (the
#: settings' seven widgets, the table by financial year) are drawn only when open, so a
#: slider move sends and redraws neither while they are closed.
SETTINGS_OPEN = "fin:settings-open"
TABLE_OPEN = "fin:table-open"


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
    and Compare pages share them and they survive a visit to another page. The typed
    fields take any number (a value out of range is not refused by the widget, which
    would keep the old one without a word): it is checked here and named in the error.

    Parameters
    ----------
    model : Model
        The model (its horizon bounds the start year).
    prefix : str
        Widget keys are ``"<prefix>:<field>"`` (one prefix per page).

    Returns
    -------
    slack_sim.ui.finance.AppraisalSettings

    Raises
    ------
    slack_sim.validation.ValidationError
        When a typed field is out of its range (the fields stay as typed; the shared
        settings keep their last allowed values).
    """
    state = st.session_state
    current = _widget_values(appraisal_settings())
    for field in _FIELDS:
        if f"{prefix}:{field}" not in state:
            state[f"{prefix}:{field}"] = current[field]
    allowed = finance.field_constraints(model)
    prices = finance.price_choices()
    cols = st.columns([1.1, 0.8, 0.8, 1.0, 0.9, 0.9, 0.8])
    cols[0].selectbox("Start month", list(range(1, 13)), key=f"{prefix}:month",
                      format_func=lambda m: MONTH_NAMES[m - 1],
                      help="First month of the appraisal window (default: the next April, "
                           "the start of a financial year).")
    cols[1].number_input("Start year", step=1, key=f"{prefix}:year",
                         help=f"Calendar year of the first month, "
                              f"{allowed['year'].allowed().removeprefix('a ')}; the window "
                              f"must end by the model's horizon, {headline.HORIZON}.")
    cols[2].number_input("Years", step=1, key=f"{prefix}:years",
                         help=f"Length of the window, "
                              f"{allowed['years'].allowed().removeprefix('a ')}; default 10.")
    cols[3].selectbox("Prices", prices, key=f"{prefix}:prices",
                      format_func=lambda p: p,
                      help="Real terms at a financial year's prices (GDP deflator), or cash "
                           "(each year's own prices). Default 2025-26.")
    cols[4].number_input("Discount rate (%)", step=0.1, format="%.1f", key=f"{prefix}:rate",
                         help=f"To year 30 of the window, {allowed['rate'].allowed()} "
                              "(Green Book: 3.5).")
    cols[5].number_input("After year 30 (%)", step=0.1, format="%.1f",
                         key=f"{prefix}:long_rate",
                         help=f"After year 30, {allowed['long_rate'].allowed()} (Green Book: "
                              "3.0); used only by windows longer than 30 years.")
    cols[6].selectbox("Futures", finance.FUTURES_CHOICES, key=f"{prefix}:futures",
                      format_func=lambda n: f"{n:,}",
                      help="Futures appraised besides the sliders' own run (500: about "
                           "0.2 s a scenario).")
    settings = finance.settings_from_fields(_fields(prefix), model=model)
    state[SETTINGS_KEY] = dataclasses.asdict(settings)
    return settings


def _fields(prefix: str) -> dict[str, object]:
    state = st.session_state
    return {field: state[f"{prefix}:{field}"] for field in _FIELDS}


def settings_now(prefix: str) -> finance.AppraisalSettings:
    """Return the settings the panel's widgets hold now (they are drawn below the cards).

    Raises
    ------
    slack_sim.validation.ValidationError
        When a typed field is out of its range (see :func:`appraisal_controls`).
    """
    state = st.session_state
    if not all(f"{prefix}:{field}" in state for field in _FIELDS):
        return appraisal_settings()
    return finance.settings_from_fields(_fields(prefix))


def _settings_expander(model: Model, settings: finance.AppraisalSettings | None) -> None:
    if settings is None:  # a typed field is out of range: open, to show it beside the error
        st.session_state[SETTINGS_OPEN] = True
        title = "Appraisal settings: a value to correct"
    else:
        title = (f"Appraisal settings: {settings.window_text()}, "
                 f"{'cash' if settings.prices == 'cash' else settings.prices + ' prices'}, "
                 f"discounted at {settings.rate * 100:.4g}%, {settings.futures:,} futures")
    box = _lazy_expander(title, key=SETTINGS_OPEN)
    if box is not None:  # drawn only when open: a slider move then sends none of its widgets
        with box, contextlib.suppress(ValidationError):  # the panel shows the error
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
    policy_start = scenario.settings(model=model).get(POLICY_START)
    if policy_start is not None:
        st.caption(f"Policy from {model_month_text(float(policy_start))} (Policy start time "
                   f"{float(policy_start):g}); the counterfactual is current policy: the same "
                   "profile and assumptions, every lever at its current-policy value.")
    settings = None
    try:
        settings = settings_now("fin")
        with st.spinner("Appraising the futures..."):
            view = cache.appraisal_view(cache.scenario_key(scenario), settings.start,
                                        float(settings.years), settings.prices,
                                        settings.rate, settings.long_rate, settings.futures)
    except ValidationError as exc:
        st.error(fix_first(exc))
        _settings_expander(model, settings)
        return
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
