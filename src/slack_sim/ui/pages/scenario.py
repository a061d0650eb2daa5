"""The Scenario page (the main view): the five headline cards and the time-series charts.

With the uncertainty bands on (the sidebar's Uncertainty), the charts shade the middle 50%
and 90% of the futures and the cards say in how many futures each result holds.
"""

from __future__ import annotations

import streamlit as st

from ...analysis.ensemble import DEFAULT_GROUPS
from ...model.parse import Model
from ...scenarios import Scenario, preset
from .. import cache, charts, headline, risk

__all__ = ["CARDS_CSS", "scenario_page"]

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
"""


def scenario_page(model: Model, scenario: Scenario) -> None:
    """Draw the main view: headline cards and the time-series charts."""
    state = st.session_state
    base_name = state["baseline"]
    base = preset(base_name, profile=scenario.profile)
    key, base_key = cache.scenario_key(scenario), cache.scenario_key(base)
    summary = cache.scenario_summary(key)
    base_summary = cache.scenario_summary(base_key)
    view = (cache.ensemble_summary(key, base_name, int(state["bands_n"]),
                                   ",".join(DEFAULT_GROUPS))
            if state.get("bands_on") else None)
    notes = (headline.card_notes(view.notes, summary, view.outcomes)
             if view is not None else {})
    st.caption(cache.titles()["description"][state["preset"]]
               + (" Sliders changed from the preset." if scenario.name.endswith("(modified)")
                  else ""))
    st.html(f"<style>{CARDS_CSS}</style>")
    cols = st.container(key="cards").columns(5)
    for col, card in zip(cols, headline.cards(summary, base_summary), strict=True):
        note = notes.get(card.key)
        col.metric(card.label, card.value, card.delta, delta_color=card.delta_color,
                   delta_arrow="off" if card.delta_color == "off" else "auto",
                   help=card.help + (f"\n\nAcross futures: {note}" if note else ""),
                   border=True)
        if note:
            col.caption(note)
    caption = (f"Deltas against **{cache.titles()['preset'][base_name]}**. "
               + headline.MONEY_NOTE + " Grey shading: austerity; orange: shocks.")
    if view is not None:
        caption += (f" Bands around each line: the middle 50% (darker) and 90% (lighter) of "
                    f"{view.members:,} futures, drawn evenly over the plausible ranges of "
                    f"the {view.parameters} effect sizes with these policies (the cards' "
                    "numbers are for the sliders' own values); see the Risk page.")
    st.caption(caption)
    frame = cache.run_frame(key)
    base_frame = cache.run_frame(base_key)
    settings = scenario.settings(model=model)
    pairs = [charts.CHARTS[i:i + 2] for i in range(0, len(charts.CHARTS), 2)]
    for pair in pairs:
        for col, spec in zip(st.columns(2), pair, strict=False):
            fig = charts.scenario_figure(spec, frame, model=model, settings=settings,
                                         baseline=base_frame, baseline_label=base_name,
                                         validate=False,
                                         bands=view.bands if view is not None else None,
                                         outer=risk.BANDS.outer, inner=risk.BANDS.inner)
            col.plotly_chart(fig, theme=None, key=f"chart:{spec.key}",
                             config={"displaylogo": False})
