"""The Teach page: a predict-then-run storyline for workshops, made for a projector.

The steps are data, in :mod:`slack_sim.teach.steps` (all importable from
:mod:`slack_sim.teach.storyline`). At each step the room first predicts
(one of the step's candidate answers), then presses **Run**, then sees the chart, the
result beside its prediction ("You predicted X; the model says Y"), the numbers behind it
and an explanation tied to the model's named feedback loops. Back and Next move between
steps; **Restart session** clears everything. Every run is a cached call of
:func:`slack_sim.ui.cache.run_frame` (through :func:`slack_sim.ui.cache.step_result`), and
the right answer is computed from the runs by the step's rule. The session log
(predictions, settings and results) downloads as Markdown, built by
:func:`slack_sim.teach.storyline.session_markdown`.

State lives in ``st.session_state`` only, under keys starting ``"teach:"``: the step
shown (``"teach:step"``), the log (``"teach:log"``: step key -> LogEntry) and one radio
per step (``"teach:predict:<step key>"``, kept for the session).
"""

from __future__ import annotations

import datetime
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ...model.parse import Model, load_model
from ...teach import storyline
from .. import charts, headline
from ..cache import step_result

__all__ = ["STATE_PREFIX", "restart", "step_figures", "teach_page"]

#: Prefix of every session-state key the page owns.
STATE_PREFIX = "teach:"
_STEP, _LOG, _PREDICT = f"{STATE_PREFIX}step", f"{STATE_PREFIX}log", f"{STATE_PREFIX}predict:"

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
_FONT = 20
_HEIGHT = 470


# -- figures --------------------------------------------------------------------------------


def _projector(fig: go.Figure, window: tuple[float, float] | None) -> go.Figure:
    """Enlarge a figure's type for a projector and show only the window (years).

    The chart's title names the variable, so the y axis keeps only its units.
    """
    axis = fig.layout.yaxis.title.text or ""
    units = re.search(r"\(([^()]*)\)$", axis)
    if units:
        fig.update_yaxes(title_text=units.group(1))
    fig.update_layout(height=_HEIGHT, font={"size": _FONT}, title_font_size=_FONT + 6,
                      legend_font_size=_FONT - 2, margin={"l": 100, "r": 30, "t": 60, "b": 40})
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


def _money_figure(title: str, series: dict[str, pd.Series]) -> go.Figure:
    """Return running totals in GBP as lines in GBP million or billion, with the zero line."""
    data = []
    scale, word, suffix = _money_scale(series)
    for (label, values), colour in zip(series.items(), charts.OKABE_ITO, strict=False):
        x = charts.dates(values.index)
        y = np.asarray(values, dtype=float) / scale
        data.append(go.Scatter(x=x, y=y, name=label, mode="lines",
                               line={"color": colour, "width": 4},
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


def step_figures(result: storyline.StepResult, model: Model) -> list[go.Figure]:
    """Return the figures of a step once run, sized for a projector.

    Level charts are :func:`slack_sim.ui.charts.overlay_figure` (one line per run, the
    Okabe-Ito palette, austerity and shocks shaded); running totals of money are drawn
    in the same palette with the zero line marked.
    """
    item = result.step
    drawn = storyline.chart_series(result)
    if item.chart.kind == "cumulative-saving":
        title, series = drawn[0]
        return [_projector(_money_figure(title, series), item.chart.window)]
    labels = {run.key: item.chart.labels.get(run.key, run.label) for run in item.runs}
    frames = {labels[run.key]: result.frames[run.key] for run in item.runs}
    settings = result.settings[item.runs[-1].key]
    return [_projector(charts.overlay_figure(frames, name, model=model, settings=settings),
                       item.chart.window)
            for name, _ in drawn]


# -- state ----------------------------------------------------------------------------------


def _widget_key(step_key: str) -> str:
    return f"{_PREDICT}{step_key}"


def _init_state() -> None:
    state = st.session_state
    state.setdefault(_STEP, 0)
    state.setdefault(_LOG, {})


def restart() -> None:
    """Clear the session: every prediction and result, back to step 1."""
    state = st.session_state
    for key in [k for k in state if str(k).startswith(_PREDICT)]:
        del state[key]
    state[_STEP] = 0
    state[_LOG] = {}


def _go(delta: int) -> None:
    state = st.session_state
    last = len(storyline.STORYLINE) - 1
    state[_STEP] = min(max(0, int(state.get(_STEP, 0)) + delta), last)


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


def _entries() -> list[storyline.LogEntry]:
    return sorted((st.session_state.get(_LOG) or {}).values(), key=lambda e: e.number)


# -- the page -------------------------------------------------------------------------------


def _result(item: storyline.Step, entry: storyline.LogEntry, model: Model) -> None:
    result = step_result(item.key)
    said = f"You predicted **{entry.prediction}**; the model says **{entry.answer}**."
    if entry.matched:
        st.success(said)
    else:
        st.warning(f"{said} Not what you expected: why did you expect it?")
    figures = step_figures(result, model)
    for i, (col, fig) in enumerate(zip(st.columns(len(figures)), figures, strict=True)):
        col.plotly_chart(fig, theme=None, key=f"teach:chart:{item.key}:{i}",
                         config={"displaylogo": False})
    if item.chart.kind == "cumulative-saving":
        st.caption(headline.MONEY_NOTE)
    st.markdown(entry.detail)
    note = item.notes.get(result.verdict.answer, "")
    loops = "\n".join(
        f"- **{lp} {model.loops[lp].name}** ({model.loops[lp].polarity}): "
        f"{model.loops[lp].description}."
        for lp in item.loops
    )
    st.info(f"{item.explanation}{' ' + note if note else ''}\n\n{loops}")
    deeper = f" Notebook {item.notebook} goes deeper." if item.notebook else ""
    st.caption(f"How the model decides: {entry.method}.{deeper}")


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
    st.html(f"<style>{_CSS}</style>")
    with st.container(key="teach-page"):
        st.progress((index + 1) / len(steps), text=f"Step {index + 1} of {len(steps)}")
        with st.container(horizontal=True):
            st.button("Back", key="teach:back", on_click=_go, args=(-1,), disabled=index == 0)
            st.button("Next", key="teach:next", on_click=_go, args=(1,),
                      disabled=index == len(steps) - 1)
            st.button("Restart session", key="teach:restart", on_click=restart,
                      help="Clear every prediction and result and go back to step 1.")
        st.header(item.title, anchor=False)
        with st.container(key="teach-question"):
            st.markdown(item.question)
        with st.expander("The scenarios this step runs"):
            st.markdown("\n".join(f"- **{run.label}**: {run.settings_text()}"
                                  for run in item.runs))
            st.caption("The Teach page runs its own scenarios: the sidebar does not change "
                       "them.")
        if entry is None:
            prediction = st.radio(
                "Your prediction: pick one before you run", list(item.answers),
                format_func=item.answers.__getitem__, index=None, key=_widget_key(item.key),
                persist_state="session",
            )
            st.button("Run", type="primary", key="teach:run", on_click=_run,
                      args=(item.key,), disabled=prediction is None,
                      help="Enabled once a prediction is picked.")
            if prediction is None:
                st.caption("Predict first: write it down, pick it above, then press Run.")
        else:
            _result(item, entry, model)
    _session_log(model)
