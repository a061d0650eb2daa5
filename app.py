"""slack-sim: the Streamlit app. Run with ``streamlit run app.py``.

Wires widgets to package functions; the building blocks are in ``slack_sim.ui``: the
session state and URL (``state``), the sidebar (``sidebar``) and one module per page
(``pages``).
"""

import streamlit as st

from slack_sim import load_model
from slack_sim.ui import memo, preload, sidebar, state
from slack_sim.ui.pages import compare, council, risk, scenario, share, teach
from slack_sim.ui.pages import model as model_page

st.set_page_config(page_title="slack-sim: austerity, shocks and slack", layout="wide",
                   initial_sidebar_state="expanded")
preload.preload_charts()  # the browser fetches the chart code while the page is computed

with st.spinner("Loading the model (a few seconds on the first visit)..."):
    model = load_model()
    state.init_state(model)

sidebar.page_style()
st.title("slack-sim: austerity, shocks and slack in local services")
page = sidebar.page_picker()
sidebar.notices()
if page == "Scenario":  # a fragment: a slider move reruns this page alone
    scenario.live_scenario_page(model)
else:
    current, preset_name = state.current_scenario(model)
    params = state.sync_query_params(current, preset_name, model)
    if page == "Risk":
        risk.risk_page(model, current)
    elif page == "Compare":
        compare.compare_page(model, current)
    elif page == "Council":
        council.council_page(model, current)
    elif page == "Model":
        model_page.model_page(model, current.profile, current)
    elif page == "Teach":
        teach.teach_page(model)
    else:
        share.share_page(model, current, params)
# the sidebar after the page: the browser gets the cards before the sidebar's sixty-odd
# widgets (the page reads the sliders from the session state, not from the widgets)
sidebar.sidebar(model)
# once per server process, ten seconds after its first page (so as not to hold up that
# page's last messages): later garbage collections walk only what was made since
memo.freeze_heap_later()
