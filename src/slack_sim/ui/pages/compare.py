"""The Compare page: pin up to four scenarios, overlay them and compare their outcomes.

Below the overlay and the outcomes table, the pinned scenarios are appraised against
current policy (the window, prices and discount rates of the Scenario page's appraisal
panel, shared) side by side, and exported as the committee workbook
(:func:`slack_sim.report.workbook.write_appraisal_workbook`), each under its pinned name.
"""

from __future__ import annotations

import json

import streamlit as st

from ...model.calendar import month_text
from ...model.parse import Model
from ...report.export import TIME_SERIES_OUTPUTS
from ...scenarios import Scenario, preset
from ...validation import ValidationError
from .. import cache, charts, finance, headline, sharing
from ..state import MAX_PINNED, current_scenario, fix_first, notice

__all__ = ["compare_page"]


def _pin(model: Model) -> None:
    state = st.session_state
    scenario, _ = current_scenario(model)
    label = (state.get("pin_name") or "").strip() or scenario.name
    pins = [p for p in state["pinned"] if p["name"] != label]
    if len(pins) >= MAX_PINNED:
        notice("error", f"At most {MAX_PINNED} scenarios can be pinned; remove one first.")
        return
    pins.append({"profile": scenario.profile, "values": dict(scenario.values), "name": label,
                 "description": scenario.description})
    state["pinned"] = pins
    state["pin_name"] = ""


def _unpin(index: int) -> None:
    pins = list(st.session_state["pinned"])
    pins.pop(index)
    st.session_state["pinned"] = pins


def compare_page(model: Model, scenario: Scenario) -> None:
    """Draw the Compare page: pin up to four scenarios, overlay them, compare outcomes."""
    state = st.session_state
    st.subheader("Compare scenarios")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.text_input("Name for the current scenario", key="pin_name",
                    placeholder=scenario.name, max_chars=60)
    right.button("Pin current scenario", on_click=_pin, args=(model,), key="pin",
                 disabled=len(state["pinned"]) >= MAX_PINNED, width="stretch")
    pins = state["pinned"]
    if not pins:
        st.info(f"Set the sliders, name the scenario and pin it (up to {MAX_PINNED}); pinned "
                "scenarios are compared here against the baseline chosen in the sidebar.")
        return
    for i, pin in enumerate(pins):
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        changed = ", ".join(
            finance.setting_text(k, float(v), model=model)
            if k in model and finance.month_setting_text(model, k)
            else f"{k} = {sharing.format_value(v)}" for k, v in pin["values"].items())
        changed = changed or "no setting changed from the profile's defaults"
        c1.markdown(f"**{_escape(pin['name'])}** ({_escape(pin['profile'])}): "
                    f"{_escape(changed)}")
        c2.button("Remove", key=f"unpin:{i}", on_click=_unpin, args=(i,))
    base_name = state["baseline"]
    pinned = [Scenario(**pin) for pin in pins]
    base = preset(base_name, profile=pinned[0].profile)
    base_label = base_name if base_name == "baseline" else f"{base_name} (baseline)"
    frames = {base_label: cache.run_frame(cache.scenario_key(base))}
    for pin, scenario_pinned in zip(pins, pinned, strict=True):
        frames[pin["name"]] = cache.run_frame(cache.scenario_key(scenario_pinned))
    options = [c for c in TIME_SERIES_OUTPUTS if c in model]
    variable = st.selectbox("Variable", options, key="overlay_var",
                            index=options.index("Crisis queue"))
    settings = pinned[0].settings(model=model)
    st.plotly_chart(charts.overlay_figure(frames, variable, model=model, settings=settings),
                    theme=None, key="chart:overlay", config={"displaylogo": False})
    table = cache.comparison_table(json.dumps(pins, sort_keys=True), base_name)
    st.dataframe(table, width="stretch", height=600, hide_index=True)
    st.caption("Outcomes of each pinned scenario's own run (its sliders' values, no futures), "
               f"then its change against the baseline, {cache.titles()['preset'][base_name]}, "
               f"over the whole run, {month_text(model.start_year)} to {headline.HORIZON}. "
               + headline.MONEY_NOTE + " The appraisal below is another comparison: against "
               "current policy, over its window, at its prices, in its futures; its "
               "benefit-cost ratio and net cost are therefore not these.")
    _appraisal_section(model, pins)


def _escape(text: str) -> str:
    """Return user text safe to show as Markdown (every Markdown character escaped)."""
    out = str(text).replace("\\", "\\\\")
    for ch in "`*_{}[]<>()#+-.!|~$":
        out = out.replace(ch, "\\" + ch)
    return out


def _appraisal_section(model: Model, pins: list[dict]) -> None:
    """Draw the pinned scenarios' appraisal side by side and the committee workbook."""
    from .appraisal import appraisal_controls

    st.subheader("Appraisal against current policy")
    st.caption("Each pinned scenario against current policy on its own profile and "
               "assumptions (every lever at its current-policy value). The settings are "
               "shared with the Scenario page's appraisal panel.")
    try:
        settings = appraisal_controls(model, prefix="cmpfin")
        args = (settings.start, float(settings.years), settings.prices, settings.rate,
                settings.long_rate, settings.futures)
        with st.spinner("Appraising the pinned scenarios..."):
            runs = {pin["name"]: cache.appraisal_run(cache.scenario_key(Scenario(**pin)), *args)
                    for pin in pins}
            workbook = cache.appraisal_workbook(json.dumps(pins, sort_keys=True), *args)
    except ValidationError as exc:
        st.error(fix_first(exc))
        return
    st.dataframe(finance.summary_table(runs), width="stretch", hide_index=True,
                 key="appraisal_summary")
    first = next(iter(runs.values()))
    st.caption(finance.finance_view(first).caption)
    st.download_button(
        "Download the committee workbook (Excel)", data=workbook, key="workbook",
        file_name=f"slack-sim-appraisal-{settings.window_text().replace(' ', '-').lower()}"
                  ".xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help="A summary of every pinned scenario side by side, a sheet per scenario by "
             "financial year (under the name you gave it) with charts, and the "
             "assumptions; money in £ thousands.")
