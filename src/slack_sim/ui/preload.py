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
which the Scenario page's charts (:mod:`slack_sim.ui.live_chart`) then draw with: they
wait for this import (``window.__slackSimPreload``) before loading a copy of their own.
``SLACK_SIM_PRELOAD=0`` in the server's
environment leaves it out (to measure the page without it:
``python benchmarks/bench_browser.py --no-preload``).
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
    if name is None or os.environ.get("SLACK_SIM_PRELOAD", "1").strip() == "0":
        return
    st.html(f"<style>.st-key-{PRELOAD_KEY} {{ display: none; }}</style>")
    with st.container(key=PRELOAD_KEY):
        st.html(preload_html(name), unsafe_allow_javascript=True)
