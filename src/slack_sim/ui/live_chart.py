"""Charts that stay on the page between reruns and are redrawn in place (issue 16).

``st.plotly_chart`` in Streamlit 1.67 gives each chart an element id that hashes the
whole figure, so every slider move removed all six charts of the Scenario page from
the page and built them again (measured: about 16,400 changes to the page and 1.5 s of
the browser's CPU a move, twice the app server's). This module draws a figure with an
in-page Streamlit component (``st.components.v2``) keyed by the chart's name: the
component stays mounted from one rerun to the next and hands the new figure to
``Plotly.react``, which changes only what differs (the lines' values, the bands, the
shaded periods), as plotly's own apps update a chart. When nothing but the traces'
values and the value axes' ranges differs from the figure drawn (what a slider move
changes: the charts carry their y ranges, :mod:`slack_sim.ui.axes`), they are handed to
``Plotly.animate`` with no transition and no redraw: the lines, bands and value axes
move, the legend, time axis and shading are left as they are, in about half of
``Plotly.react``'s time, and the picture is the same, pixel for pixel
(``tests/ui/test_browser.py``).

The chart code is ``window.Plotly``: the plotly.js of Streamlit's own chart chunk (the
one ``st.plotly_chart`` uses on the other pages, found by :func:`slack_sim.ui.preload.chart_chunk`),
imported when the first chart is drawn, so it does not compete with the headline cards
for the browser; failing that, the plotly.js that the installed ``plotly`` package ships
(``plotly/package_data/plotly.min.js``), which the app server serves as a (never drawn)
file-only Streamlit component at ``/component/<name>/plotly.min.js``. Either is fetched
once a visit and shared by every chart of the page. Nothing from a user is in the script,
and the figure is data (JSON), never code.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime import Runtime

from .ahead import Ahead, served_path
from .preload import chart_chunk

__all__ = ["CHART_CLASS", "PLOTLY_FILE", "live_chart", "plotly_url"]

#: The installed plotly package's plotly.js (the browser's chart code).
PLOTLY_FILE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

#: Class of the ``div`` each chart is drawn in (plotly adds ``js-plotly-plot`` to it).
CHART_CLASS = "slack-live-chart"

#: A chart is drawn when it comes within this many pixels of the window (above or below);
#: until then its newest figure waits, so a slider move redraws only the charts in view.
_AHEAD_PX = 200

#: How often (ms), and how many times, the browser asks for the guessed next step's
#: figures (:mod:`slack_sim.ui.ahead`) until they are written: for up to 30 s.
_POLL_MS = 150
_POLL_TRIES = 200

_FILES_NAME = "plotly_files"
_COMPONENT = "slack_sim_live_plotly"

#: The component's code: find or make the chart's ``div``, load the chart code once per
#: page (Streamlit's plotly chunk, else ``plotly.min.js``; either defines
#: ``window.Plotly``), then ``Plotly.react`` the figure (or, when only its traces' values
#: and value axes' ranges differ from the drawn one's, ``Plotly.animate`` them), but
#: only while the chart is in (or near) the window: a chart out of view keeps its newest
#: figure and draws it when scrolled to (an ``IntersectionObserver``). Draws are chained
#: per chart, so a figure that arrives while an earlier one is being drawn is drawn after
#: it (never two draws of one chart at once; a figure overtaken before it was drawn is
#: skipped).
_JS = string.Template("""
const loadPlotly = (src, chunk) => {
  if (window.Plotly) { return Promise.resolve(window.Plotly); }
  if (window.__slackSimPreload instanceof Promise) {  // the chunk, preloaded (ui.preload)
    window.__slackSimPlotly = window.__slackSimPreload;
    window.__slackSimPreload = true;
  }
  if (!window.__slackSimPlotly) {  // Streamlit's own plotly chunk, next to its entry script
    const entry = document.querySelector('script[type="module"][src*="static/js/index."]');
    window.__slackSimPlotly = (chunk && entry)
      ? import(new URL(chunk, entry.src).href).catch(() => undefined) : Promise.resolve();
  }
  window.__slackSimPlotly = window.__slackSimPlotly.then(
    () => window.Plotly || loadScript(src));
  return window.__slackSimPlotly;
};

const loadScript = (src) => new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = src;
  script.async = true;
  script.onload = () => resolve(window.Plotly);
  script.onerror = () => { window.__slackSimPlotly = null; reject(new Error(src)); };
  document.head.appendChild(script);
});

// A figure apart from its traces' values and its value axes' ranges: when the new
// figure's equals the drawn one's (a slider move: the ranges come with the figure,
// ui.axes), only the lines, the bands and the value axes change, and Plotly.animate
// (no transition, no redraw) moves them without redrawing the legend, the time axis and
// the shaded periods: the same picture in about half the time.
const ranges = (layout) => Object.fromEntries(Object.keys(layout)
  .filter((k) => /^yaxis[0-9]*$$/.test(k)).map((k) => [k + ".range", layout[k].range]));

const shape = (job) => JSON.stringify([job.config,
  Object.fromEntries(Object.entries(job.figure.layout).map(([k, v]) =>
    [k, /^yaxis[0-9]*$$/.test(k) ? Object.assign({}, v, {range: null}) : v])),
  job.figure.data.map((t) => Object.assign({}, t, {y: null}))]);

const update = (Plotly, div, job) => {
  const key = shape(job);
  const same = div._fullLayout && div.__slackSimShape === key;
  div.__slackSimShape = null;  // until this draw has succeeded
  const done = same
    ? Plotly.animate(div, {data: job.figure.data.map((t) => ({y: t.y})),
                           traces: job.figure.data.map((t, i) => i),
                           layout: ranges(job.figure.layout)},
                     {transition: {duration: 0}, frame: {duration: 0, redraw: false},
                      mode: "immediate"})
    : Plotly.react(div, job.figure.data, job.figure.layout, job.config);
  return done.then(() => {
    // a double click (or the modebar's reset) goes back to the ranges plotly saved at the
    // first drawing; the value axes' ranges are the figure's, so reset to this one's
    for (const [name, axis] of Object.entries(job.figure.layout)) {
      const full = div._fullLayout[name];
      if (/^yaxis[0-9]*$$/.test(name) && axis.range && full && "_rangeInitial0" in full) {
        full._rangeInitial0 = axis.range[0];
        full._rangeInitial1 = axis.range[1];
      }
    }
    div.__slackSimShape = key;
    div.__slackSimMoved = (div.__slackSimMoved || 0) + (same ? 1 : 0);  // for the tests
    div.__slackSimFigure = job.figure;
  });
};

const draw = (div) => {
  const job = div.__slackSimPending;
  if (!job) { return; }
  div.__slackSimPending = null;
  div.__slackSimDraw = (div.__slackSimDraw || Promise.resolve())
    .then(() => loadPlotly(job.src, job.chunk))
    .then((Plotly) => update(Plotly, div, job))
    .catch((err) => failed(div, err));
};

const failed = (div, err) => {
  div.textContent = "The chart could not be drawn (" + err.message + ").";
};

const watcher = () => {
  if (!window.__slackSimWatcher) {
    window.__slackSimWatcher = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        entry.target.__slackSimSeen = entry.isIntersecting;
        if (entry.isIntersecting) { draw(entry.target); }
      }
    }, { rootMargin: "${margin}px 0px" });
  }
  return window.__slackSimWatcher;
};

// The guessed next slider step (ui.ahead): its figures are fetched once written, and
// drawn the moment the slider lands on its value, before the rerun that press causes
// sends the same figures (same fingerprints: left alone when they arrive).
const setAhead = (ahead) => {
  const now = window.__slackSimAhead;
  if (!ahead) { window.__slackSimAhead = null; return; }
  if (now && now.url === ahead.url) { return; }
  const mine = Object.assign({}, ahead, {figures: null});
  window.__slackSimAhead = mine;
  const fetchIt = (tries) => {
    if (window.__slackSimAhead !== mine) { return; }  // replaced by a newer page's
    fetch(mine.url, {cache: "no-store"}).then((r) => (r.ok ? r.json() : null))
      .catch(() => null).then((body) => {
        if (body && body.digest === mine.digest && body.figures) {
          mine.figures = body.figures;
          // the slider may be there already (a press before the figures were written)
          for (const el of document.querySelectorAll('input[type="range"]')) { land(el); }
        } else if (tries > 0) { setTimeout(() => fetchIt(tries - 1), ${poll}); }
      });
  };
  fetchIt(${tries});
  landing();
};

// A job to draw (the newest wins: a figure still being fetched for an older one is dropped).
const pend = (div, job) => {
  div.__slackSimSeq = (div.__slackSimSeq || 0) + 1;
  div.__slackSimFp = job.fp;
  div.__slackSimPending = job;
  if (div.__slackSimSeen) { draw(div); }
};

const show = (div, figure, fp) => {
  pend(div, Object.assign({}, div.__slackSimJob, {figure: figure, fp: fp}));
};

// A page whose figures are in a file (ui.ahead) sends its address: fetched once for the
// page's charts, or taken from the guessed step's, already fetched.
const figures = (url) => {
  const files = window.__slackSimFiles = window.__slackSimFiles || new Map();
  if (!files.has(url)) {
    const ahead = window.__slackSimAhead;
    files.set(url, (ahead && ahead.url === url && ahead.figures)
      ? Promise.resolve(ahead.figures)
      : fetch(url, {cache: "no-store"}).then((r) => r.json()).then((body) => {
        if (!body.figures) { throw new Error("its figures are not written"); }
        return body.figures;
      }));
    files.get(url).catch(() => files.delete(url));
    while (files.size > 8) { files.delete(files.keys().next().value); }
  }
  return files.get(url);
};

// When the slider ``el`` stands on the guessed step, give each chart that step's figure.
const land = (el) => {
  const ahead = window.__slackSimAhead;
  if (!ahead || !ahead.figures || el.type !== "range"
      || el.getAttribute("aria-label") !== ahead.slider || Number(el.value) !== ahead.value) {
    return false;
  }
  let shown = 0;
  for (const div of document.querySelectorAll("div.${cls}")) {
    const i = div.__slackSimIndex;
    const fp = ahead.digest + ":" + i;
    if (i !== undefined && ahead.figures[i] && div.__slackSimFp !== fp) {
      show(div, ahead.figures[i], fp);
      shown += 1;
    }
  }
  window.__slackSimLanded = (window.__slackSimLanded || 0) + (shown ? 1 : 0);  // for tests
  return true;
};

const landing = () => {
  if (window.__slackSimLanding) { return; }
  window.__slackSimLanding = new MutationObserver((records) => {
    const inputs = records.map((r) => r.target).filter((el) => el.type === "range");
    // after the slider's own work (its message to the server) and the next paint: drawn
    // at once, the charts held the message back (sent 110-220 ms after the key press
    // instead of about 30 ms, bench_browser.py on the 2-core machine)
    if (inputs.length) {
      requestAnimationFrame(() => setTimeout(() => inputs.some((el) => land(el)), 0));
    }
  });
  window.__slackSimLanding.observe(document.body,
    {subtree: true, attributes: true, attributeFilter: ["value"]});
};

export default function (component) {
  const { data, parentElement } = component;
  let div = parentElement.querySelector("div.${cls}");
  if (!div) {
    div = document.createElement("div");
    div.className = "${cls}";
    div.style.width = "100%";
    parentElement.appendChild(div);
  }
  watcher().observe(div);  // a no-op when already watched
  div.style.height = data.height + "px";
  div.__slackSimIndex = data.index === null ? undefined : data.index;
  div.__slackSimJob = data;
  setAhead(data.ahead);
  if (data.fp && data.fp === div.__slackSimFp) {  // drawn (or to be) from the guess
    return () => { watcher().unobserve(div); };
  }
  if (data.figure) {
    pend(div, data);
  } else {
    div.__slackSimFp = data.fp;
    const seq = div.__slackSimSeq = (div.__slackSimSeq || 0) + 1;
    figures(data.ref).then((all) => {
      if (div.__slackSimSeq === seq) {
        pend(div, Object.assign({}, data, {figure: all[data.index]}));
      }
    }).catch((err) => { if (div.__slackSimSeq === seq) { failed(div, err); } });
  }
  return () => { watcher().unobserve(div); };
}
""").substitute(cls=CHART_CLASS, margin=_AHEAD_PX, poll=_POLL_MS, tries=_POLL_TRIES)


@functools.cache
def _register() -> tuple[str, Any]:
    """Register the file server and the component (once a process); return both."""
    import streamlit.components.v1 as components_v1

    files = components_v1.declare_component(_FILES_NAME, path=str(PLOTLY_FILE.parent))
    mount = st.components.v2.component(_COMPONENT, js=_JS, isolate_styles=False)
    return files.name, mount


def _chunk() -> str | None:
    """Return Streamlit's plotly chunk as a path relative to its entry script, or ``None``."""
    name = chart_chunk()
    return None if name is None else f"./{name}"


def plotly_url() -> str:
    """Return the path the app server serves plotly.js at (under ``server.baseUrlPath``)."""
    name, _ = _register()
    return served_path(name, PLOTLY_FILE.name)


def live_chart(container: Any, figure: go.Figure | dict[str, Any], *, key: str,
               config: dict[str, Any] | None = None, fingerprint: str | None = None,
               index: int | None = None, ahead: Ahead | None = None,
               figure_url: str | None = None) -> None:
    """Draw ``figure`` in ``container``, redrawn in place on later reruns with the same key.

    Parameters
    ----------
    container : streamlit container
        Where to draw it (``st``, a column, ...).
    figure : plotly.graph_objects.Figure or dict
        The figure, or its ``to_plotly_json()`` dict; its ``layout.height`` (pixels) is
        the chart's height.
    key : str
        The chart's name on the page: the same key on the next rerun updates this chart
        (``Plotly.react``) instead of drawing a new one.
    config : dict, optional
        plotly.js's config (``displaylogo``, ...); ``responsive`` is always on.
    fingerprint : str, optional
        Names the figure (:func:`slack_sim.ui.ahead.fingerprints`): a chart already
        showing a figure of this fingerprint (drawn from ``ahead``) is left alone.
    index : int, optional
        The chart's place in the guessed step's figures (``ahead``).
    ahead : slack_sim.ui.ahead.Ahead, optional
        The slider's guessed next step: its figures are drawn the moment the slider
        lands on it, ahead of the rerun (the same for every chart of a page).
    figure_url : str, optional
        Where the page's figures are in a file (:func:`slack_sim.ui.ahead.url`): the
        browser is sent that address (and ``index``) instead of ``figure``, and draws
        the figure from the file (``figure`` still gives the height).
    """
    if not Runtime.exists():
        _plain_chart(container, figure, key=key, config=config)
        return
    _, mount = _register()
    spec = figure if isinstance(figure, dict) else figure.to_plotly_json()
    height = int(spec["layout"].get("height") or 450)
    data = {"figure": (None if figure_url is not None
                       else {"data": spec["data"], "layout": spec["layout"]}),
            "ref": figure_url,
            "config": {**(config or {}), "responsive": True},
            "height": height, "src": plotly_url(), "chunk": _chunk(),
            "fp": fingerprint, "index": index,
            "ahead": None if ahead is None else ahead.to_json()}
    with container:
        try:
            mount(key=key, data=data, height=height)
        except RuntimeError:
            if Runtime.exists():
                raise
            _plain_chart(container, figure, key=key, config=config)


def _plain_chart(container: Any, figure: go.Figure | dict[str, Any], *, key: str,
                 config: dict[str, Any] | None) -> None:
    """Draw with ``st.plotly_chart`` where no Streamlit runtime serves components.

    The app server always has one; this is for a script run without it (Streamlit's
    bare mode, or ``AppTest`` sessions driven from several threads at once, which share
    one runtime slot that the first to finish empties).
    """
    if isinstance(figure, dict):
        figure = go.Figure(figure, skip_invalid=False)
    container.plotly_chart(figure, theme=None, key=key, config=config or {})
