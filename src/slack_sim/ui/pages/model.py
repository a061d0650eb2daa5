"""The Model page: the causal loop diagram, the named loops and every variable, searchable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ...model.parse import Model
from .. import cache, diagram

__all__ = ["model_page"]


def model_page(model: Model) -> None:
    """Draw the Model page: causal loop diagram, loops, searchable variables, the .mdl."""
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
