"""The Streamlit app's building blocks (``app.py`` at the top of the repository wires them).

This subpackage is the only part of slack-sim that may import streamlit or plotly, and
only in the modules that draw: the pages (:mod:`slack_sim.ui.widgets`,
:mod:`slack_sim.ui.analysis`, :mod:`slack_sim.ui.teach`) and the figures
(:mod:`slack_sim.ui.charts`). The other modules are plain Python, tested without a browser:

``specs``
    Slider specifications (range, default, step, units, help) read from the model.
``sharing``
    The current scenario in URL query parameters and in uploaded JSON: parsed as data
    only, refused with a reason when bad, oversized or stale.
``headline``
    The headline numbers (NPV, harm, peak wait, recovery, reserves), their deltas and
    their probability statements across futures.
``risk``
    The uncertainty views as data: the bands' and the Risk page's defaults and choices,
    an ensemble's bands, outcomes and statements, the outcome table, ranked sensitivity,
    checks of the policy-search inputs, lever values rounded to the slider steps.
``diagram``
    Causal loop diagrams (Graphviz DOT) drawn from the model's own dependency graph.
``charts``
    Plotly figures: time series with the baseline overlaid, periods shaded and
    uncertainty bands; outcome histograms, sensitivity bars, tipping maps, Pareto fronts.
``widgets``
    Streamlit sidebar, pages and cached runs.
``analysis``
    Streamlit: the Risk page (outcomes across futures, global sensitivity, tipping-point
    maps, policy search).
``teach``
    Streamlit: the Teach page, a predict-then-run storyline for workshops (the steps
    are data, in :mod:`slack_sim.storyline`).

``import slack_sim`` never imports this subpackage.
"""
