"""slack-sim: the Streamlit app. Run with ``streamlit run app.py``.

Wires widgets to package functions; the building blocks are in ``slack_sim.ui``.
"""

import streamlit as st

from slack_sim import load_model
from slack_sim.ui import analysis, teach, widgets

st.set_page_config(page_title="slack-sim: austerity, shocks and slack", layout="wide",
                   initial_sidebar_state="expanded")

with st.spinner("Loading the model (a few seconds on the first visit)..."):
    model = load_model()
    widgets.init_state(model)
widgets.sidebar(model)
scenario, preset_name = widgets.current_scenario(model)
params = widgets.sync_query_params(scenario, preset_name, model)

st.title("slack-sim: austerity, shocks and slack in local services")
page = widgets.page_picker()
widgets.notices()
if page == "Scenario":
    widgets.scenario_page(model, scenario)
elif page == "Risk":
    analysis.risk_page(model, scenario)
elif page == "Compare":
    widgets.compare_page(model, scenario)
elif page == "Model":
    widgets.model_page(model)
elif page == "Teach":
    teach.teach_page(model)
else:
    widgets.share_page(model, scenario, params)
