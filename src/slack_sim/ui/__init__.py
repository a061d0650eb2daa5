"""The Streamlit app's building blocks (``app.py`` at the top of the repository wires them).

This subpackage is the only part of slack-sim that may import streamlit or plotly, and
only in :mod:`slack_sim.ui.widgets` and :mod:`slack_sim.ui.charts`. The other modules are
plain Python, tested without a browser:

``specs``
    Slider specifications (range, default, step, units, help) read from the model.
``sharing``
    The current scenario in URL query parameters and in uploaded JSON: parsed as data
    only, refused with a reason when bad, oversized or stale.
``headline``
    The headline numbers (NPV, harm, peak wait, recovery, reserves) and their deltas.
``diagram``
    Causal loop diagrams (Graphviz DOT) drawn from the model's own dependency graph.
``charts``
    Plotly time-series figures with the baseline overlaid and periods shaded.
``widgets``
    Streamlit sidebar, pages and cached runs.

``import slack_sim`` never imports this subpackage.
"""
