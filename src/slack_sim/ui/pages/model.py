"""The Model page: the causal loop diagram, the named loops and every variable, searchable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ...model.parse import Model
from .. import cache, diagram
from ..calibration import calibration_figure

__all__ = ["model_page"]


def calibration_section(profile: str) -> None:
    """Draw the calibration view: published figures over the fitted run, statistics."""
    st.subheader("Calibration: the model against the published series")
    view = cache.calibration(profile)
    if view is None:
        st.info("This profile has no published series to compare with.")
        return
    rec = view.record or {}
    kept = (f"; history match: {rec['kept_fraction']:.0%} of {int(rec['futures']):,} plausible "
            "futures consistent with 2010-2020" if "kept_fraction" in rec else "")
    st.caption(f"{view.title}: {view.status}{kept}. Dots: published figures (DfE, ONS; "
               "stocks at 31 March, flows and spending over the financial year, drawn at its "
               f"middle). Line: the history preset; band: 90% of {view.futures_text}. "
               "Published figures after March 2020 are held back to test the forecasts.")
    cols = st.columns(2)
    for i, name in enumerate(view.series):
        if (view.points["series"] == name).any():
            cols[i % 2].plotly_chart(calibration_figure(view, name), key=f"cal_{i}",
                                     config={"displayModeBar": False})
    stats = view.statistics.rename(columns={"n": "figures", "mape": "MAPE", "um": "U^M",
                                            "us": "U^S", "uc": "U^C"})
    st.dataframe(stats[["figures", "MAPE", "U^M", "U^S", "U^C"]].style.format(
        {"MAPE": "{:.1%}", "U^M": "{:.2f}", "U^S": "{:.2f}", "U^C": "{:.2f}"}),
        width="stretch")
    st.caption("MAPE: mean absolute percentage error. Theil's inequality statistics split the "
               "mean squared error into bias (U^M), unequal spread (U^S) and unequal "
               "co-variation (U^C); error mostly in U^C is noise the model does not try to "
               "follow, in U^M a systematic miss (Sterman 2000, ch. 21).")
    fitted = {k.removeprefix("fit:"): v for k, v in rec.items() if k.startswith("fit:")}
    if fitted:
        rows = [{"parameter": k, "fitted": v, "95% range": f"{rec.get('lower:' + k, 0):.4g} to "
                 f"{rec.get('upper:' + k, 0):.4g}"} for k, v in fitted.items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def model_page(model: Model, profile: str | None = None) -> None:
    """Draw the Model page: calibration, causal loop diagram, loops, variables, the .mdl."""
    if profile:
        calibration_section(profile)
    st.subheader("Causal loop diagram")
    st.html(diagram.SVG_TEXT_CSS)
    c1, c2 = st.columns(2)
    levers = c1.toggle("Show the levers", value=False, key="cld_levers")
    hidden = c2.slider("Longest chain of hidden variables behind one arrow", 0, 6,
                       diagram.DEFAULT_MAX_HIDDEN, key="cld_hidden")
    st.graphviz_chart(cache.loop_dot(levers, hidden), width="content")
    st.caption("Drawn from the model's own equations: an arrow means the first variable "
               "appears in the equation of the second, directly or through variables not "
               "shown. Boxes (blue) are stocks, orange ovals carry the named loops, green "
               "ovals are levers.")
    st.subheader("Named feedback loops")
    loops = pd.DataFrame([
        {"loop": lp.id, "polarity": lp.polarity, "name": lp.name,
         "causal chain": lp.description, "variables": ", ".join(lp.variables)}
        for lp in model.loops.values()
    ])
    st.dataframe(loops, hide_index=True, width="stretch")
    st.subheader("One variable's causes and effects")
    names = sorted(model.variables)
    focus = st.selectbox("Variable", names, index=names.index("Crisis queue"), key="focus")
    var = model[focus]
    st.markdown(f"**{focus}** ({var.units}): {var.definition}")
    st.code(f"{focus} = {var.equation}", language=None, wrap_lines=True)
    st.graphviz_chart(diagram.neighbourhood_dot(model, focus), width="content")
    st.subheader("Every variable")
    query = st.text_input("Search names, definitions, equations and sources", key="search")
    doc = model.doc()
    if query:
        text = doc[["name", "definition", "equation", "source", "units", "sector"]]
        mask = text.apply(lambda c: c.str.contains(query, case=False, regex=False)).any(axis=1)
        doc = doc[mask]
    st.dataframe(doc, hide_index=True, width="stretch", height=500)
    st.caption(f"{len(doc)} of {len(model.variables)} variables; model version {model.version}.")
    st.download_button("Download the model (slack.mdl)", model.path.read_bytes(),
                       file_name="slack.mdl", mime="text/plain", key="dl_mdl")
