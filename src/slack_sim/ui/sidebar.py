"""The sidebar (pickers, sliders, switches), the page picker and the notices above a page.

Every slider and toggle is keyed ``"var:<model name>"``; its range, step, units and help
come from the model (:mod:`slack_sim.ui.specs`). What the widgets describe is read back by
:func:`slack_sim.ui.state.current_scenario`.
"""

from __future__ import annotations

import os

import streamlit as st

from ..model.calendar import model_month_text
from ..model.parse import Model
from . import cache, risk, sharing, specs
from .state import (
    PAGES,
    SCENARIO_FRAGMENT,
    choose_profile,
    drop_own_profile,
    load_pending,
    own_profile,
    reset_to_preset,
)

__all__ = ["SCREEN_CSS", "lever_moved", "notices", "page_picker", "page_style", "sidebar"]


def lever_moved() -> None:
    """Rerun the Scenario page's fragment alone after a slider move (on that page).

    The page reads every slider from the session state, so it needs no full rerun; the
    sidebar (about sixty widgets the browser would otherwise draw again) stays as it is.
    On any other page the app reruns as usual. ``SLACK_SIM_PAGE_FRAGMENT=0`` in the
    environment makes every move a full rerun: Streamlit's ``AppTest`` keeps only the
    last run's elements, so the test suite's in-process app tests set it (the sidebar
    would vanish from their element tree after a move) and test the fragment path on
    its own (``tests/ui/test_page_fragment.py``) and in the browser.
    """
    if os.environ.get("SLACK_SIM_PAGE_FRAGMENT", "1").strip() == "0":
        return
    if (st.session_state.get("page") or PAGES[0]) == PAGES[0]:
        st.rerun(SCENARIO_FRAGMENT)


def _slider(spec: specs.SliderSpec, drawn_before: set[str], drawn_now: set[str]) -> None:
    state = st.session_state
    fresh = state.get("fresh", False)
    if spec.key not in drawn_before:  # first drawn, or drawn again after being hidden
        state[spec.key] = state["values"][spec.name]
        fresh = True
    drawn_now.add(spec.key)
    # The value is the session state's. Passing it explicitly spares Streamlit a scan of
    # the whole session state per slider, except in a run where the state was just set
    # (Streamlit then warns that a value was given twice).
    value = None if fresh else float(state[spec.key])
    # a start month's caption (its date) is in the sidebar: that slider reruns the app
    dated = spec.units == "Month" and spec.name.endswith((" start", " start time"))
    st.slider(spec.label, min_value=spec.minimum, max_value=spec.maximum, step=spec.step,
              value=value, format=spec.format, key=spec.key, help=spec.help,
              on_change=None if dated else lever_moved)
    if dated:
        st.caption(model_month_text(float(st.session_state[spec.key])))


def sidebar(model: Model) -> None:
    """Draw the sidebar: pickers, reset, Policies, Assumptions and loop switches."""
    with st.sidebar:
        st.header("Scenario")
        names = cache.titles()
        prof, pres = list(names["profile"]), list(names["preset"])
        st.selectbox("Council or profile", prof, key="profile",
                     on_change=choose_profile, format_func=names["profile"].__getitem__,
                     help="England, or any English council with children's services: type "
                          "its name or its code (e.g. Kent or E10000016). Every number is "
                          "then in that council's units (its children, its GBP). Changing "
                          "the profile or the preset resets every slider to it.")
        own = own_profile()
        if own is not None:
            st.info("Using your own calibrated figures on this profile:")
            st.text(str(own["title"])[:80])
            st.button("Stop using my figures", on_click=drop_own_profile, key="drop_own")
        st.selectbox("Preset", pres, key="preset",
                     on_change=reset_to_preset, format_func=names["preset"].__getitem__,
                     help=names["description"][st.session_state["preset"]])
        st.selectbox("Compare against (baseline)", pres, key="baseline",
                     format_func=names["preset"].__getitem__,
                     help="Deltas on the headline cards and the dashed lines on the charts "
                          "are against this preset, on the same profile.")
        st.button("Reset sliders to the preset", on_click=reset_to_preset,
                  key="reset", width="stretch")
        before: set[str] = set(st.session_state.get("drawn") or ())
        now: set[str] = set()
        st.subheader("Policies")
        st.caption("Levers: what the council decides.")
        for spec in specs.lever_specs(model):
            _slider(spec, before, now)
        st.subheader("Assumptions")
        st.caption("Uncertainties: what happens to the council.")
        groups = specs.assumption_groups(model)
        for group, group_specs in groups.items():
            if group == specs.EFFECT_SIZES:
                continue
            with st.expander(group, expanded=group in ("Austerity", "Shock 1")):
                for spec in group_specs:
                    _slider(spec, before, now)
        effects = groups.get(specs.EFFECT_SIZES, [])
        with st.expander(f"{specs.EFFECT_SIZES} ({len(effects)})"):
            shown = st.toggle("Show the effect-size sliders", key="show_effects",
                              help="Hidden by default to keep the app quick; hidden sliders "
                                   "keep their values.")
            if shown:
                for spec in effects:
                    _slider(spec, before, now)
            else:
                state = st.session_state
                base = cache.preset_settings(state["preset"], state["profile"])
                moved = [s.name for s in effects
                         if st.session_state["values"][s.name] != base[s.name]]
                st.caption("Changed from the preset: " + (", ".join(moved) or "none") + ".")
        _uncertainty_controls()
        with st.expander("Loop switches (for teaching)"):
            st.caption("Switch a feedback loop off to see what it does.")
            for name in specs.switch_names(model):
                st.toggle(name, key=f"var:{name}", help=model[name].definition)
        st.session_state["fresh"] = False
        st.session_state["drawn"] = now
        extra = st.session_state.get("extra") or {}
        if extra and own is None:
            st.info("This scenario also sets profile inputs: " + ", ".join(
                f"{k} = {sharing.format_value(v)}" for k, v in extra.items()))


def _uncertainty_controls() -> None:
    """Draw the switch and size of the uncertainty bands (defaults in ``risk.BANDS``)."""
    state = st.session_state
    state.setdefault("bands_on", risk.BANDS.on)
    state.setdefault("bands_n", risk.BANDS.members)
    with st.expander("Uncertainty (futures)"):
        st.toggle("Show uncertainty bands and probabilities", key="bands_on",
                  help="Runs the scenario in many futures, drawn over the plausible ranges "
                       "of the effect sizes (the Assumptions' Effect sizes group), and shades the "
                       "middle 50% and 90% of them around each line; the headline cards "
                       "then say in how many futures each result holds.")
        st.selectbox("Futures drawn", risk.BANDS.choices, key="bands_n",
                     format_func=lambda n: f"{n:,}",
                     help=f"{risk.BANDS.members:,} (the default) balances steady bands "
                          "against a quick slider move (docs/performance.md has the "
                          "timings); more futures give steadier bands but a slower page.")



#: Every page on a screen up to 960 px high (a projector's 1280x720, a laptop's 1366x768,
#: a desk's 1440x900): the title on one line, and Streamlit's 6rem above it cut to what
#: its header needs, so the Scenario page's cards and more of what follows them show
#: without scrolling (compact mode, for a projector, hides the title altogether).
SCREEN_CSS = """
@media (max-height: 960px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem !important; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem !important;
    padding-top: 0.25rem !important; padding-bottom: 0.5rem !important; }
}
"""


def page_style() -> None:
    """Write the app's style sheet for every page (:data:`SCREEN_CSS`)."""
    st.html(f"<style>{SCREEN_CSS}</style>")


def page_picker() -> str:
    """Draw the page selector and return the chosen page."""
    choice = st.segmented_control("View", PAGES, key="page", required=True,
                                  label_visibility="collapsed")
    return choice or PAGES[0]


def notices() -> None:
    """Show pending messages (bad or stale links and files) with a dismiss button."""
    state = st.session_state
    for level, text in state.get("notices") or []:
        getattr(st, level)(text)
    if not state.get("notices"):
        return
    with st.container(horizontal=True):
        if state.get("pending") is not None:
            st.button("Load it anyway", on_click=load_pending, key="load_pending")
        st.button("Dismiss", key="dismiss", on_click=lambda: state.update(notices=[]))


