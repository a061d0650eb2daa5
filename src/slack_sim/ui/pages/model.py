"""The Model page: the causal loop diagram, which loop is in charge, every variable."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from ...analysis import loops as ltm
from ...model.parse import Model
from ...scenarios import Scenario, preset
from .. import cache, diagram
from ..calibration import calibration_figure

__all__ = ["dominance_section", "loop_analysis", "loop_diagram_section", "model_page"]

#: Variable the dominance chart opens on.
DEFAULT_FOCUS = "Crisis queue"
#: Name of the whole-model view in the diagram picker.
WHOLE_MODEL = "Whole model: named loops, slack and levers"


@st.cache_resource(max_entries=8, show_spinner=False)
def loop_analysis(key: str) -> tuple[ltm.LoopAnalysis, dict[tuple[str, str], int],
                                     pd.DataFrame]:
    """Return a scenario's loop scores, link polarities (levers too) and run, by its key.

    Kept as a resource (not pickled): a few MB per scenario, at most eight.
    """
    scenario = cache.scenario_from_key(key)
    run = ltm.loop_run(scenario)
    analysis = ltm.analyse_loops(scenario, run=run)
    signs = ltm.link_polarities(analysis.model, run, extra=diagram.lever_links(analysis.model))
    return analysis, signs, run


def _svg_block(svg: str, height: float) -> None:
    """Show an SVG at its natural size (labels stay 16 px), scrolling if it is wider.

    In a component's frame: Streamlit's own HTML element drops inline SVG, and an image
    would lose the arrows' hover text.
    """
    components.html(f'<body style="margin:0">{svg}</body>', height=int(height) + 20,
                    scrolling=True)


def loop_diagram_section(model: Model, analysis: ltm.LoopAnalysis,
                         signs: dict[tuple[str, str], int]) -> None:
    """Draw the causal loop diagram: the whole model or one named loop, with an SVG export."""
    st.subheader("Causal loop diagram")
    named = list(model.loops.values())
    options = [WHOLE_MODEL, *(f"{lp.id} {lp.name}" for lp in named)]
    c1, c2 = st.columns([2, 1])
    view = c1.selectbox("View", options, key="cld_view")
    if view == WHOLE_MODEL:
        layout = diagram.overview_layout(model, analysis.loops, signs)
        name = "slack-sim-loops"
        caption = ("Every named loop through its stocks and busiest variables (slack "
                   "included), and every lever joined to the first of them it reaches.")
    else:
        loop_id = view.split()[0]
        cycles = [lp for lp in analysis.loops if lp.named == loop_id]
        paths = {f"path {k + 1} of {len(cycles)}: via "
                 f"{', '.join(v for v in lp.variables if model[v].kind == 'stock')}": lp
                 for k, lp in enumerate(cycles)}
        chosen = (c1.selectbox("Path", list(paths), key=f"cld_path_{loop_id}")
                  if len(paths) > 1 else next(iter(paths)))
        every = c2.toggle("Every variable on the loop", value=False, key="cld_every")
        layout = diagram.loop_layout(model, paths[chosen], signs, every_variable=every)
        name = f"slack-sim-loop-{loop_id}"
        loop = model.loops[loop_id]
        caption = f"{loop.id} {loop.name}: {loop.description}."
    svg = diagram.to_svg(layout)
    _svg_block(svg, layout.height)
    st.caption(html.escape(caption) + " Arrows: blue + (same direction), orange − "
               "(opposite direction), signs from the equations at this scenario's operating "
               "point; dashed: through variables not shown (hover for them); green: levers. "
               "Boxes are stocks, orange outlines carry a named loop.")
    c2.download_button("Download this view (SVG, for slides)", svg.encode("utf-8"),
                       file_name=f"{name}.svg", mime="image/svg+xml", key="dl_cld_svg")


def dominance_section(model: Model, analysis: ltm.LoopAnalysis, run: pd.DataFrame) -> None:
    """Draw which loop is in charge of a chosen variable over time (Loops that Matter)."""
    st.subheader("Which loop is in charge")
    graph = ltm.causal_graph(model)
    on_loops = sorted({v for lp in analysis.loops for v in lp.variables})
    choices = [n for n in model.variables if n in on_loops and n in graph]
    c1, c2 = st.columns([2, 1])
    focus = c1.selectbox("Variable", choices, index=choices.index(DEFAULT_FOCUS)
                         if DEFAULT_FOCUS in choices else 0, key="ltm_focus")
    named_only = c2.toggle("Named loops only", value=True, key="ltm_named")
    shares = analysis.shares(focus)
    bands = diagram.dominance_bands(shares, list(model.loops), named_only=named_only)
    labels = {k: analysis.label(k) for k in model.loops}
    values = pd.Series(run[focus].to_numpy(), index=model.start_year + run.index / 12.0)
    fig = diagram.dominance_figure(values, bands, labels=labels, title=focus,
                                   units=model[focus].units)
    st.plotly_chart(fig, key="ltm_chart", config={"displayModeBar": False})
    st.markdown(html.escape(analysis.sentence(focus, named_only=named_only)))
    st.caption("Loops that Matter (Schoenberg, Davidsen and Eberlein 2020): each band is a "
               "loop's share of the summed absolute loop scores of the loops through the "
               "variable, computed from the compiled engine's own equations at every time "
               "step; the dominant loop of a year has the largest mean share. "
               + ("Only the named loops are compared." if named_only else
                  "Grey: loops the model does not name (mostly a stock's own outflow)."))


def _scenario_or_default(scenario: Scenario | None, profile: str | None) -> Scenario:
    if scenario is not None:
        return scenario
    return preset(profile=profile) if profile else preset()


def calibration_section(profile: str) -> None:
    """Draw the calibration view: published figures over the fitted run, statistics."""
    st.subheader("Calibration: the model against the published series")
    view = cache.calibration(profile)
    if view is None:
        st.info("This profile has no published series to compare with.")
        return
    rec = view.record or {}
    kept = (f"; history match: {rec['kept_fraction']:.0%} of {int(rec['futures']):,} plausible "
            "futures consistent with 2010-2020" if "kept_fraction" in rec else "")
    st.caption(f"{view.title}: {view.status}{kept}. Dots: published figures (DfE, ONS; "
               "stocks at 31 March, flows and spending over the financial year, drawn at its "
               f"middle). Line: the history preset; band: 90% of {view.futures_text}. "
               "Published figures after March 2020 are held back to test the forecasts.")
    cols = st.columns(2)
    for i, name in enumerate(view.series):
        if (view.points["series"] == name).any():
            cols[i % 2].plotly_chart(calibration_figure(view, name), key=f"cal_{i}",
                                     config={"displayModeBar": False})
    stats = view.statistics.rename(columns={"n": "figures", "mape": "MAPE", "um": "U^M",
                                            "us": "U^S", "uc": "U^C"})
    st.dataframe(stats[["figures", "MAPE", "U^M", "U^S", "U^C"]].style.format(
        {"MAPE": "{:.1%}", "U^M": "{:.2f}", "U^S": "{:.2f}", "U^C": "{:.2f}"}),
        width="stretch")
    st.caption("MAPE: mean absolute percentage error. Theil's inequality statistics split the "
               "mean squared error into bias (U^M), unequal spread (U^S) and unequal "
               "co-variation (U^C); error mostly in U^C is noise the model does not try to "
               "follow, in U^M a systematic miss (Sterman 2000, ch. 21).")
    fitted = {k.removeprefix("fit:"): v for k, v in rec.items() if k.startswith("fit:")}
    if fitted:
        rows = [{"parameter": k, "fitted": v, "95% range": f"{rec.get('lower:' + k, 0):.4g} to "
                 f"{rec.get('upper:' + k, 0):.4g}"} for k, v in fitted.items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def model_page(model: Model, profile: str | None = None,
               scenario: Scenario | None = None) -> None:
    """Draw the Model page: calibration, diagrams, loop dominance, loops, variables, the .mdl.

    Parameters
    ----------
    model : Model
        The parsed model.
    profile : str, optional
        The profile whose calibration is shown.
    scenario : Scenario, optional
        The scenario whose run gives the link polarities and loop dominance (default:
        the default preset for ``profile``).
    """
    if profile:
        calibration_section(profile)
    current = _scenario_or_default(scenario, profile)
    with st.spinner("Scoring the feedback loops (a few seconds the first time)..."):
        analysis, signs, run = loop_analysis(cache.scenario_key(current))
    loop_diagram_section(model, analysis, signs)
    dominance_section(model, analysis, run)
    st.subheader("Named feedback loops")
    loops = pd.DataFrame([
        {"loop": lp.id, "polarity": lp.polarity, "name": lp.name,
         "causal chain": lp.description, "variables": ", ".join(lp.variables)}
        for lp in model.loops.values()
    ])
    st.dataframe(loops, hide_index=True, width="stretch")
    st.subheader("One variable's causes and effects")
    names = sorted(model.variables)
    focus = st.selectbox("Variable", names, index=names.index("Crisis queue"), key="focus")
    var = model[focus]
    st.markdown(f"**{focus}** ({var.units}): {var.definition}")
    st.code(f"{focus} = {var.equation}", language=None, wrap_lines=True)
    st.graphviz_chart(diagram.neighbourhood_dot(model, focus), width="content")
    st.subheader("Every variable")
    query = st.text_input("Search names, definitions, equations and sources", key="search")
    doc = model.doc()
    if query:
        text = doc[["name", "definition", "equation", "source", "units", "sector"]]
        mask = text.apply(lambda c: c.str.contains(query, case=False, regex=False)).any(axis=1)
        doc = doc[mask]
    st.dataframe(doc, hide_index=True, width="stretch", height=500)
    st.caption(f"{len(doc)} of {len(model.variables)} variables; model version {model.version}.")
    st.download_button("Download the model (slack.mdl)", model.path.read_bytes(),
                       file_name="slack.mdl", mime="text/plain", key="dl_mdl")
