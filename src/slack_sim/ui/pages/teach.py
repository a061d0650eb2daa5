"""The Teach page: a predict-then-run storyline for workshops, made for a projector.

The steps are data, in :mod:`slack_sim.teach.steps` (all importable from
:mod:`slack_sim.teach.storyline`). At each step the room first predicts (one of the
step's candidate answers, changeable until **Run**), then presses **Run**, then sees the
chart, the result beside its prediction ("You predicted X; the model says Y"), in how many
of 500 futures that answer holds (:func:`slack_sim.teach.storyline.step_robustness`), the
numbers behind it and an explanation tied to the model's named feedback loops. **Undo
last run** takes the last run back (its prediction can then be changed); Back and Next
move between steps; **Restart session** clears everything. Every run is a cached call of
:func:`slack_sim.ui.cache.run_frame` (through :func:`slack_sim.ui.cache.step_result`).
The session log downloads as Markdown (:func:`slack_sim.teach.storyline.session_markdown`).

**Presenter mode** (the toggle, or ``?present=1``) puts one step on one projector screen:
the app's title, page picker and sidebar are hidden, and the question, the room's
prediction, the verdict, one chart (text at least 16 px) and the loop sit side by side
with Next, inside 1280x720 at 125% zoom (``tests/ui/test_presenter.py`` measures it).

**Sessions that survive a reload.** The page keeps a random session code in the URL
(``?session=<code>``, with ``&step=N``); after every change what the room did is saved
server-side under that code (:mod:`slack_sim.ui.session_store`: bounded, expiring, one
record per code) and a new browser session opened on the link restores it
(:func:`slack_sim.ui.state.init_teach_from_url` reads the link).

State lives in ``st.session_state`` only, under keys starting ``"teach:"``: the step
shown (``"teach:step"``), the log (``"teach:log"``: step key -> LogEntry), the runs in
order (``"teach:runs"``: ``[step key, prediction key]``), one radio per step
(``"teach:predict:<step key>"``), the presenter toggle (``"teach:present"``), the session
code (``"teach:session"``) and a record to restore (``"teach:restore"``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ...model.parse import Model, load_model
from ...teach import explain, storyline
from .. import charts, headline, session_store
from .. import state as app_state
from ..cache import step_result

__all__ = ["CHROME_CSS", "PRESENT_FONT", "STATE_PREFIX", "record", "restart", "restore",
           "run_colours", "step_figures", "teach_page", "undo"]

#: Prefix of every session-state key the page owns.
STATE_PREFIX = "teach:"
_STEP, _LOG, _PREDICT = f"{STATE_PREFIX}step", f"{STATE_PREFIX}log", f"{STATE_PREFIX}predict:"
_RUNS, _PRESENT = f"{STATE_PREFIX}runs", f"{STATE_PREFIX}present"
_SESSION, _RESTORE = app_state.TEACH_SESSION, app_state.TEACH_RESTORE

#: Large type for a projector, scoped to the page's container (class ``st-key-teach-page``).
_CSS = """
.st-key-teach-page p, .st-key-teach-page li { font-size: 1.4rem !important; line-height: 1.45; }
.st-key-teach-page h2 { font-size: 2.4rem !important; }
.st-key-teach-question p { font-size: 1.85rem !important; font-weight: 600; line-height: 1.35; }
.st-key-teach-page [data-testid="stRadio"] label p { font-size: 1.5rem !important; }
.st-key-teach-page [data-testid="stWidgetLabel"] p { font-size: 1.3rem !important; }
.st-key-teach-page button p { font-size: 1.35rem !important; }
.st-key-teach-page [data-testid="stCaptionContainer"] p { font-size: 1.1rem !important; }
.st-key-teach-page [data-testid="stProgress"] p { font-size: 1.5rem !important;
  font-weight: 600; }
"""
#: The app's chrome hidden for a projector (Streamlit's header, the sidebar, the app's
#: title and page tabs) and the page's padding trimmed: presenter mode here, and the
#: Scenario page's compact mode.
CHROME_CSS = """
header[data-testid="stHeader"], section[data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
.st-key-page, .stMainBlockContainer h1, [data-testid="stMainBlockContainer"] h1,
.block-container h1 { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0.4rem 1rem 1rem 1rem !important;
  max-width: 100% !important; }
"""
#: Presenter mode: the chrome hidden and the step's type sized to fit one screen.
_PRESENT_CSS = CHROME_CSS + """
.st-key-teach-page p, .st-key-teach-page li { font-size: 1.05rem !important; line-height: 1.35; }
.st-key-teach-question p { font-size: 1.15rem !important; font-weight: 600; line-height: 1.3; }
.st-key-teach-page [data-testid="stRadio"] label p { font-size: 1.05rem !important; }
.st-key-teach-page [data-testid="stWidgetLabel"] p { font-size: 1rem !important; }
.st-key-teach-page button p { font-size: 1.05rem !important; }
.st-key-teach-page [data-testid="stVerticalBlock"] { gap: 0.45rem; }
.st-key-teach-title p { font-size: 1.2rem !important; font-weight: 700; }
"""
_FONT = 20
_HEIGHT = 470
#: Chart type in presenter mode (px): every label, tick and legend at least this.
PRESENT_FONT = 16
_PRESENT_HEIGHT = 400


# -- figures --------------------------------------------------------------------------------


def _projector(fig: go.Figure, window: tuple[float, float] | None, *,
               present: bool = False) -> go.Figure:
    """Enlarge a figure's type for a projector and show only the window (years).

    The chart's title names the variable, so the y axis keeps only its units. In presenter
    mode every text (title, ticks, legend, the period labels) is at least
    :data:`PRESENT_FONT` px and dark, and the chart is shorter to fit beside the text.
    """
    axis = fig.layout.yaxis.title.text or ""
    units = re.search(r"\(([^()]*)\)$", axis)
    if units:
        fig.update_yaxes(title_text=units.group(1))
    if present:
        size = PRESENT_FONT
        fig.update_layout(height=_PRESENT_HEIGHT, font={"size": size, "color": "#222222"},
                          title_font_size=size + 4, legend_font_size=size,
                          margin={"l": 70, "r": 20, "t": 50, "b": 30})
        fig.update_xaxes(tickfont_size=size)
        fig.update_yaxes(tickfont_size=size, title_font_size=size)
        fig.update_annotations(font_size=size, font_color="#333333")
    else:
        fig.update_layout(height=_HEIGHT, font={"size": _FONT}, title_font_size=_FONT + 6,
                          legend_font_size=_FONT - 2,
                          margin={"l": 100, "r": 30, "t": 60, "b": 40})
    if window is not None:
        start, end = window
        fig.update_xaxes(range=[f"{int(start)}-01-01", f"{int(end)}-01-01"])
    return fig


def _money_scale(series: dict[str, pd.Series]) -> tuple[float, str, str]:
    """Return the divisor, the axis word and the hover suffix for amounts of this size.

    Money is GBP for the profile's population: a council's runs are in millions, England's
    in billions.
    """
    top = max((float(np.nanmax(np.abs(np.asarray(v, dtype=float)))) for v in series.values()
               if len(v)), default=0.0)
    return (1e9, "billion", "bn") if top >= 1e9 else (1e6, "million", "m")


def _money_figure(title: str, series: dict[str, pd.Series],
                  colours: Mapping[str, str]) -> go.Figure:
    """Return running totals in GBP as lines in GBP million or billion, with the zero line."""
    data = []
    scale, word, suffix = _money_scale(series)
    for label, values in series.items():
        x = charts.dates(values.index)
        y = np.asarray(values, dtype=float) / scale
        data.append(go.Scatter(x=x, y=y, name=label, mode="lines",
                               line={"color": colours[label], "width": 4},
                               hovertemplate=f"£%{{y:,.2f}}{suffix}<extra>{label}</extra>"))
    fig = go.Figure(data)
    fig.add_hline(y=0, line={"color": "#444444", "width": 1.5, "dash": "dot"})
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"}, template="simple_white",
        hovermode="x unified", legend={"orientation": "h", "y": -0.15, "x": 0},
        yaxis={"title": {"text": f"£ {word}, present value"},
               "gridcolor": "#E5E5E5", "showgrid": True},
        xaxis={"hoverformat": "%b %Y", "showgrid": True, "gridcolor": "#E5E5E5"},
    )
    return fig


def run_colours(item: storyline.Step) -> dict[str, str]:
    """Return each run's line colour by its legend label in the step's chart.

    A run's colour is its :attr:`Run.colour` in the Okabe-Ito palette, so a scenario keeps
    its colour from step to step.
    """
    return {item.chart.labels.get(run.key, run.label): charts.OKABE_ITO[run.colour]
            for run in item.runs}


def step_figures(result: storyline.StepResult, model: Model, *,
                 present: bool = False) -> list[go.Figure]:
    """Return the figures of a step once run, sized for a projector.

    Level charts are :func:`slack_sim.ui.charts.overlay_figure` (one line per run,
    austerity and shocks shaded); running totals of money are drawn with the zero line
    marked. Each run's line takes its own colour (:func:`run_colours`). ``present``:
    presenter mode's type (every text at least :data:`PRESENT_FONT` px).
    """
    item = result.step
    colours = run_colours(item)
    drawn = storyline.chart_series(result)
    if item.chart.kind == "cumulative-saving":
        title, series = drawn[0]
        return [_projector(_money_figure(title, series, colours), item.chart.window,
                           present=present)]
    labels = {run.key: item.chart.labels.get(run.key, run.label) for run in item.runs}
    frames = {labels[run.key]: result.frames[run.key] for run in item.runs}
    settings = result.settings[item.runs[-1].key]
    figures = []
    for name, _ in drawn:
        fig = charts.overlay_figure(frames, name, model=model, settings=settings)
        for trace in fig.data:
            if trace.name in colours and getattr(trace, "line", None) is not None:
                trace.line.color = colours[trace.name]
        figures.append(_projector(fig, item.chart.window, present=present))
    return figures


# -- state ----------------------------------------------------------------------------------


def _widget_key(step_key: str) -> str:
    return f"{_PREDICT}{step_key}"


def record() -> dict[str, Any]:
    """Return what the room has done, as data to keep under the session code.

    ``{"step": index shown, "predictions": {step key: answer key} (picked, not yet run),
    "runs": [[step key, prediction key], ...] in the order run}``.
    """
    state = st.session_state
    predictions = {k[len(_PREDICT):]: v for k, v in state.items()
                   if str(k).startswith(_PREDICT) and v is not None}
    return {"step": int(state.get(_STEP, 0)), "predictions": predictions,
            "runs": [list(r) for r in state.get(_RUNS) or []]}


def _save() -> None:
    code = st.session_state.get(_SESSION)
    if code:
        session_store.STORE.save(code, record())


def restore(saved: Mapping[str, Any]) -> list[str]:
    """Put a saved record (:func:`record`) back into the session; return what was skipped.

    The results are recomputed from the steps (cached). Anything that does not name a step
    and one of its answers is skipped and reported, never trusted.
    """
    state = st.session_state
    keys = {item.key: item for item in storyline.STORYLINE}
    skipped: list[str] = []
    log, runs = {}, []
    for pair in saved.get("runs") or []:
        key, answer = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) \
            else (None, None)
        if key not in keys or answer not in keys[key].answers or key in log:
            skipped.append(f"run {str(pair)[:40]}")
            continue
        item = keys[key]
        log[key] = storyline.log_entry(item, answer, step_result(key).verdict,
                                       model=load_model())
        runs.append([key, answer])
    predictions = saved.get("predictions") or {}
    for key, answer in (predictions.items() if isinstance(predictions, Mapping) else ()):
        if key in keys and answer in keys[key].answers:
            state[_widget_key(key)] = answer
        else:
            skipped.append(f"prediction {str(key)[:40]}")
    step = saved.get("step", 0)
    last = len(storyline.STORYLINE) - 1
    state[_STEP] = min(max(0, step), last) if isinstance(step, int) else 0
    state[_LOG], state[_RUNS] = log, runs
    return skipped


def _init_state() -> None:
    state = st.session_state
    state.setdefault(_STEP, 0)
    state.setdefault(_LOG, {})
    state.setdefault(_RUNS, [])
    if not state.get(_SESSION):
        state[_SESSION] = session_store.new_code()
    pending = state.pop(_RESTORE, None)
    if pending is not None:
        skipped = restore(pending)
        if skipped:
            app_state.notice("warning", f"Skipped {len(skipped)} saved entries that no longer "
                                        "match the storyline.")
    link = state.pop(app_state.TEACH_LINK_STEP, None)
    if link is not None:
        state[_STEP] = int(link)


def restart() -> None:
    """Clear the session: every prediction and result, back to step 1."""
    state = st.session_state
    for key in [k for k in state if str(k).startswith(_PREDICT)]:
        del state[key]
    state[_STEP] = 0
    state[_LOG] = {}
    state[_RUNS] = []
    _save()


def _go(delta: int) -> None:
    state = st.session_state
    last = len(storyline.STORYLINE) - 1
    state[_STEP] = min(max(0, int(state.get(_STEP, 0)) + delta), last)
    _save()


def _run(step_key: str) -> None:
    """Run a step (cached) and log it with the prediction made before the run."""
    state = st.session_state
    prediction = state.get(_widget_key(step_key))
    if prediction is None:
        return
    item = storyline.step(step_key)
    verdict = step_result(step_key).verdict
    log = dict(state.get(_LOG) or {})
    log[step_key] = storyline.log_entry(item, prediction, verdict, model=load_model())
    state[_LOG] = log
    state[_RUNS] = [r for r in state.get(_RUNS) or [] if r[0] != step_key] + [
        [step_key, prediction]]
    _save()


def undo() -> None:
    """Take back the last Run: its result leaves the log, its prediction can be changed.

    The page goes to that step, with the prediction picked as it was.
    """
    state = st.session_state
    runs = list(state.get(_RUNS) or [])
    if not runs:
        return
    key, prediction = runs.pop()
    log = dict(state.get(_LOG) or {})
    log.pop(key, None)
    state[_LOG], state[_RUNS] = log, runs
    state[_widget_key(key)] = prediction
    state[_STEP] = [s.key for s in storyline.STORYLINE].index(key)
    _save()


def _entries() -> list[storyline.LogEntry]:
    return sorted((st.session_state.get(_LOG) or {}).values(), key=lambda e: e.number)


# -- the page -------------------------------------------------------------------------------


def _verdict(item: storyline.Step, entry: storyline.LogEntry) -> None:
    said = f"You predicted **{entry.prediction}**; the model says **{entry.answer}**."
    with st.container(key="teach-verdict"):
        if entry.matched:
            st.success(said)
        else:
            st.warning(f"{said} Not what you expected: why did you expect it?")
        held = storyline.step_robustness(item.key)
        st.markdown(f"This answer {held.text()} (the same rule, every run of the step in "
                    "each future).")


def _details(item: storyline.Step, entry: storyline.LogEntry, model: Model) -> None:
    result = step_result(item.key)
    st.markdown(entry.detail)
    note = item.notes.get(result.verdict.answer, "")
    st.info(f"{item.explanation}{' ' + note if note else ''}\n\n"
            f"{explain.loops_text(item, model, short=False)}")
    both = explain.england_note(item.key)
    if both:
        st.markdown(both)
    deeper = f" Notebook {item.notebook} goes deeper." if item.notebook else ""
    st.caption(f"How the model decides: {entry.method}.{deeper}")


def _charts(item: storyline.Step, model: Model, *, present: bool) -> None:
    figures = step_figures(step_result(item.key), model, present=present)
    if present:
        figures = [figures[item.chart.present]]
    with st.container(key="teach-chart"):
        for i, (col, fig) in enumerate(zip(st.columns(len(figures)), figures, strict=True)):
            col.plotly_chart(fig, theme=None, key=f"teach:chart:{item.key}:{i}",
                             config={"displaylogo": False})
    if item.chart.kind == "cumulative-saving" and not present:
        st.caption(headline.MONEY_NOTE)


def _predict(item: storyline.Step) -> None:
    prediction = st.radio(
        "Your prediction (change it until you press Run)", list(item.answers),
        format_func=item.answers.__getitem__, index=None, key=_widget_key(item.key),
        persist_state="session", on_change=_save,
    )
    st.button("Run", type="primary", key="teach:run", on_click=_run,
              args=(item.key,), disabled=prediction is None,
              help="Enabled once a prediction is picked.")
    if prediction is None:
        st.caption("Predict first: write it down, pick it above, then press Run.")


def _controls(index: int, total: int, *, present: bool) -> None:
    state = st.session_state
    with st.container(horizontal=True, key="teach-controls"):
        if present:
            with st.container(key="teach-title"):
                item = storyline.STORYLINE[index]
                st.markdown(f"Step {index + 1} of {total}: {item.title}")
        st.button("Back", key="teach:back", on_click=_go, args=(-1,), disabled=index == 0)
        st.button("Next", key="teach:next", on_click=_go, args=(1,),
                  disabled=index == total - 1)
        st.button("Undo last run", key="teach:undo", on_click=undo,
                  disabled=not state.get(_RUNS),
                  help="Take back the last Run; its prediction can then be changed.")
        if not present:
            st.button("Restart session", key="teach:restart", on_click=restart,
                      help="Clear every prediction and result and go back to step 1.")
        st.toggle("Presenter mode", key=_PRESENT, on_change=_save,
                  help="One step on one projector screen: hides the title, the page tabs "
                       "and the sidebar (switch off here to get them back).")


def _session_log(model: Model) -> None:
    entries = _entries()
    total = len(storyline.STORYLINE)
    today = datetime.date.today().isoformat()
    text = storyline.session_markdown(entries, total_steps=total, model_version=model.version,
                                      date=today, money_note=headline.MONEY_NOTE)
    with st.expander(f"Session log: {len(entries)} of {total} steps run"):
        st.download_button("Download the session log (Markdown)", text,
                           file_name=f"slack-sim-session-{today}.md", mime="text/markdown",
                           key="teach:download", on_click="ignore", disabled=not entries)
        code = st.session_state.get(_SESSION, "")
        st.caption(f"Session code {code}: the address bar holds it, so a reload or the same "
                   "link on another machine brings this session back (kept on the server "
                   f"for {session_store.TTL_SECONDS / 3600:.0f} hours after its last use).")
        # rendered (headings, bold, lists) in the page's large type, not raw Markdown
        st.markdown(text)


def teach_page(model: Model) -> None:
    """Draw the Teach page: one step of the storyline, its controls and the session log.

    Parameters
    ----------
    model : Model
        The parsed model (for units and the named loops).
    """
    _init_state()
    state = st.session_state
    steps = storyline.STORYLINE
    index = min(max(0, int(state[_STEP])), len(steps) - 1)
    item = steps[index]
    entry = state[_LOG].get(item.key)
    present = bool(state.get(_PRESENT))
    st.html(f"<style>{_CSS}{_PRESENT_CSS if present else ''}</style>")
    with st.container(key="teach-page"):
        if not present:
            st.progress((index + 1) / len(steps), text=f"Step {index + 1} of {len(steps)}")
        _controls(index, len(steps), present=present)
        if present:
            left, right = st.columns([5, 6])
            with left:
                with st.container(key="teach-question"):
                    st.markdown(item.question)
                if entry is None:
                    _predict(item)
                else:
                    _verdict(item, entry)
                    with st.container(key="teach-loop"):
                        st.markdown(explain.loops_text(item, model, short=True))
            with right:
                if entry is not None:
                    _charts(item, model, present=True)
            if entry is not None:
                with st.expander("The numbers and the explanation"):
                    _details(item, entry, model)
        else:
            st.header(item.title, anchor=False)
            with st.container(key="teach-question"):
                st.markdown(item.question)
            with st.expander("The scenarios this step runs"):
                st.markdown("\n".join(f"- **{run.label}**: {run.settings_text()}"
                                      for run in item.runs))
                st.caption("The Teach page runs its own scenarios: the sidebar does not "
                           "change them.")
            if entry is None:
                _predict(item)
            else:
                _verdict(item, entry)
                _charts(item, model, present=False)
                with st.container(key="teach-loop"):
                    _details(item, entry, model)
    _session_log(model)
    _save()
    app_state.sync_teach_query(step=index + 1, present=present)
