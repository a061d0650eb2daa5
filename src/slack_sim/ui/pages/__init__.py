"""The app's pages, one module each (``app.py`` picks one from the page picker).

``scenario``
    The main view: headline cards and time-series charts, with uncertainty bands.
``risk``
    Outcomes across futures, global sensitivity, tipping-point maps, policy search.
``compare``
    Pinned scenarios overlaid and compared against the baseline.
``model``
    The causal loop diagram, the named loops and every variable.
``teach``
    The workshop storyline, predict then run, made for a projector.
``share``
    The link, scenario JSON in and out, CSV and Excel downloads.

Each page draws with streamlit; what it shows is computed by the plain modules of
:mod:`slack_sim.ui` (``headline``, ``risk``, ``sharing``, ``specs``, ``diagram``) and
cached in :mod:`slack_sim.ui.cache`.
"""
