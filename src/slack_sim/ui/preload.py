"""Start loading the browser's chart code with the first message of a visit.

Streamlit's frontend loads the code of each kind of element when it first meets one; the
chart code (plotly.js inside Streamlit's ``PlotlyChart`` chunk, about 4.7 MB) is by far
the largest, and it was fetched only when the first chart arrived, after the cards, and
parsed while the page waited (measured: the cards of a new visitor showed 3 to 6 s after
the server's last message on this busy 2-core machine, all of it that chunk). Here the
app's first element asks the browser for that chunk at once, so it is fetched and
compiled while the server still computes the page.

The script is a constant of this module (nothing from a user is in it); it imports the
chunk by its file name in the installed Streamlit, next to the frontend's own entry
script, and does nothing when either is missing. The chunk defines ``window.Plotly``,
which the Scenario page's charts (:mod:`slack_sim.ui.live_chart`) draw with.

**Off by default** since the Scenario page's charts are drawn only when in view and
import the chunk themselves when the first one is: measured on a quiet machine
(``python benchmarks/bench_browser.py --moves 5`` with and without ``--preload``,
2026-12-01), compiling the chunk at the first message delayed a second visitor's cards
(3.7 s against 2.2 s without it; a first visitor after a server start 5.5 s against
6.0 s, within the run-to-run spread). ``SLACK_SIM_PRELOAD=1`` in the server's
environment draws it (for that comparison).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import streamlit as st

__all__ = ["PRELOAD_KEY", "chart_chunk", "preload_charts", "preload_html"]

#: Key of the (hidden) container of the preload script.
PRELOAD_KEY = "preload"

_SCRIPT = """<script>
(() => {
  const entry = document.querySelector('script[type="module"][src*="static/js/index."]');
  if (!entry || window.__slackSimPreload) { return; }
  window.__slackSimPreload = import(new URL(%s, entry.src).href).catch(() => {});
})();
</script>"""


@functools.cache
def chart_chunk() -> str | None:
    """Return the file name of the installed Streamlit's plotly chunk, or ``None``."""
    import streamlit as module

    folder = Path(module.__file__).parent / "static" / "static" / "js"
    found = sorted(p.name for p in folder.glob("PlotlyChart.*.js"))
    return found[0] if found else None


def preload_html(name: str) -> str:
    """Return the script that imports the chunk ``name`` (a file name, JSON-quoted)."""
    if "/" in name or not name.endswith(".js"):
        raise ValueError(f"chunk: expected a .js file name, got {name!r}")
    return _SCRIPT % json.dumps(f"./{name}")


def preload_charts() -> None:
    """Draw the hidden preload script (first thing on the page; nothing when not found)."""
    name = chart_chunk()
    if name is None or os.environ.get("SLACK_SIM_PRELOAD", "0").strip() != "1":
        return
    st.html(f"<style>.st-key-{PRELOAD_KEY} {{ display: none; }}</style>")
    with st.container(key=PRELOAD_KEY):
        st.html(preload_html(name), unsafe_allow_javascript=True)
