"""The Streamlit app's building blocks (``app.py`` at the top of the repository wires them).

This subpackage is the only part of slack-sim that may import streamlit or plotly. Reading
order for a newcomer:

Drawing (streamlit)
    ``pages/``: one module per page (``scenario``, ``risk``, ``compare``, ``model``,
    ``teach``, ``share``); ``sidebar``: the pickers, sliders and switches, the page
    picker and the notices; ``state``: the session state, the scenario the widgets
    describe and the URL kept in step with it; ``cache``: every cached computation
    (``st.cache_data``), pure and keyed by one scenario key (:func:`cache.scenario_key`).
Figures (plotly)
    ``charts``: time series with the baseline overlaid, periods shaded and uncertainty
    bands; ``risk_charts``: outcome histograms, sensitivity bars, tipping maps, Pareto
    fronts.
View models (plain Python, tested without a browser)
    ``headline``: the headline cards, their deltas and probability statements;
    ``risk``: the uncertainty views as data (an ensemble's bands, outcomes and
    statements, the outcome table, ranked sensitivity, checks of the policy-search form,
    lever values rounded to the slider steps), with their defaults in ``risk_settings``;
    ``sharing``: the scenario in URL query parameters and uploaded JSON, parsed as data
    only and refused with a reason when bad, oversized or stale; ``specs``: slider
    specifications read from the model; ``diagram``: causal loop diagrams (Graphviz DOT)
    from the model's own dependency graph.

The storyline of the Teach page is data, in :mod:`slack_sim.teach.storyline`. Numbers are
written with :mod:`slack_sim.report.text`. ``import slack_sim`` never imports this
subpackage.
"""
