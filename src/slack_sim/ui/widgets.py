"""Streamlit widgets, pages and cached runs of the app (``app.py`` calls these).

State lives in ``st.session_state`` (one per browser session): the profile, preset and
baseline pickers, one slider per lever and uncertainty (key ``"var:<name>"``), toggles
for the loop switches, the uncertainty bands' switch and size (``"bands_on"``,
``"bands_n"``), pinned scenarios and notices. Nothing mutable is shared between
sessions: the parsed model is a frozen dataclass that is only read, and the cached
functions (``st.cache_data``) take plain strings and return copies.
"""

from __future__ import annotations

import io
import json
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ..analysis.ensemble import DEFAULT_GROUPS
from ..engine.run import simulate
from ..metrics.core import outcomes
from ..model.parse import Model, load_model
from ..report.compare import comparison
from ..report.export import TIME_SERIES_OUTPUTS, write_excel
from ..scenarios import (
    DEFAULT_PRESET,
    DEFAULT_PROFILE,
    MAX_SCENARIO_BYTES,
    Scenario,
    preset,
    preset_info,
    presets,
    profile_info,
    profile_values,
    profiles,
)
from . import charts, diagram, headline, risk, sharing, specs

__all__ = [
    "MAX_PINNED",
    "PAGES",
    "compare_page",
    "current_scenario",
    "ensemble_summary",
    "init_state",
    "model_page",
    "notices",
    "page_picker",
    "run_frame",
    "scenario_page",
    "scenario_summary",
    "share_page",
    "sidebar",
    "sync_query_params",
]

#: Most scenarios that can be pinned for comparison.
MAX_PINNED = 4
#: The app's pages.
PAGES = ("Scenario", "Risk", "Compare", "Model", "Teach", "Share and export")


# -- cached pure functions (keyed by plain strings; return copies) --------------------------


def _values_json(scenario: Scenario) -> str:
    return json.dumps(dict(scenario.values), sort_keys=True)


@st.cache_data(max_entries=512, show_spinner=False)
def run_frame(profile: str, values_json: str) -> pd.DataFrame:
    """Return the model output of a profile plus settings (cached per input).

    Parameters
    ----------
    profile : str
        Calibration profile.
    values_json : str
        The scenario's values as sorted JSON.

    Returns
    -------
    pandas.DataFrame
        :func:`slack_sim.simulate` output.
    """
    return simulate(Scenario(profile=profile, values=json.loads(values_json)))


@st.cache_data(max_entries=512, show_spinner=False)
def scenario_summary(profile: str, values_json: str) -> dict[str, Any]:
    """Return :func:`slack_sim.metrics.outcomes` of a profile plus settings (cached)."""
    scenario = Scenario(profile=profile, values=json.loads(values_json))
    return outcomes(run_frame(profile, values_json), settings=scenario.settings())


@st.cache_data(max_entries=64, show_spinner=False)
def ensemble_summary(profile: str, values_json: str, baseline: str, members: int,
                     groups: str = ",".join(DEFAULT_GROUPS)) -> risk.EnsembleView:
    """Return the uncertainty bands, outcomes and statements of a scenario (cached).

    Parameters
    ----------
    profile : str
        Calibration profile.
    values_json : str
        The scenario's values as sorted JSON.
    baseline : str
        The baseline preset (on the same profile), run under the same draws.
    members : int
        Futures drawn (seeded: :data:`slack_sim.ui.risk.BANDS`).
    groups : str
        Uncertainty groups sampled, comma-separated.

    Returns
    -------
    slack_sim.ui.risk.EnsembleView
        Bands of the charted variables, one row of outcomes per future, and the
        probability statements of the headline cards.
    """
    scenario = Scenario(profile=profile, values=json.loads(values_json))
    return risk.ensemble_view(
        scenario, preset(baseline, profile=profile), n=members, seed=risk.BANDS.seed,
        groups=[g for g in groups.split(",") if g], baseline_label=baseline,
        outputs=charts.band_outputs())


@st.cache_data(max_entries=64, show_spinner=False)
def comparison_table(pins_json: str, baseline: str) -> pd.DataFrame:
    """Return the formatted :func:`slack_sim.compare` table of pinned scenarios."""
    scenarios = [Scenario(**p) for p in json.loads(pins_json)]
    base = preset(baseline, profile=scenarios[0].profile)

    def runner(sc: Scenario) -> pd.DataFrame:
        return run_frame(sc.profile, _values_json(sc))

    table = comparison(scenarios, baseline=base, runner=runner).table
    return headline.format_comparison(table)


@st.cache_data(max_entries=32, show_spinner=False)
def csv_text(profile: str, values_json: str) -> str:
    """Return the model output as CSV: time in decimal years first, every variable."""
    buffer = io.StringIO()
    run_frame(profile, values_json).to_csv(buffer, index_label="year")
    return buffer.getvalue()


@st.cache_data(max_entries=32, show_spinner=False)
def excel_bytes(scenario_json: str, baseline: str) -> bytes:
    """Return the Excel workbook of a scenario against a baseline preset."""
    scenario = Scenario.from_json(scenario_json)

    def runner(sc: Scenario) -> pd.DataFrame:
        return run_frame(sc.profile, _values_json(sc))

    result = comparison([scenario], baseline=baseline, runner=runner)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_excel(result, Path(tmp) / "slack-sim.xlsx")
        return path.read_bytes()


@st.cache_data(max_entries=8, show_spinner=False)
def loop_dot(levers: bool, max_hidden: int) -> str:
    """Return the loop view of the model as DOT (cached)."""
    return diagram.loop_view_dot(load_model(), levers=levers, max_hidden=max_hidden)


@st.cache_data(max_entries=4, show_spinner=False)
def titles() -> dict[str, dict[str, str]]:
    """Return the titles and descriptions of presets and profiles (read once)."""
    return {
        "preset": {p: preset_info(p)["title"] for p in presets()},
        "profile": {p: profile_info(p)["title"] for p in profiles()},
        "description": {p: preset_info(p)["description"] for p in presets()},
    }


@st.cache_data(max_entries=64, show_spinner=False)
def preset_settings(preset_name: str, profile: str) -> dict[str, float]:
    """Return every setting of a preset on a profile (cached)."""
    return preset(preset_name, profile=profile).settings()


# -- state ----------------------------------------------------------------------------------


def _notice(level: str, text: str) -> None:
    st.session_state.setdefault("notices", []).append((level, text))


def _apply(scenario: Scenario, preset_name: str, baseline: str | None = None) -> None:
    """Set every widget's state to a scenario (call before widgets exist, or in a callback)."""
    model = load_model()
    state = st.session_state
    settings = scenario.settings(model=model)
    state["profile"] = scenario.profile
    state["preset"] = preset_name
    if baseline is not None:
        state["baseline"] = baseline
    state["values"] = {n: float(settings[n]) for n in [*model.levers, *model.uncertainties]}
    for name, value in state["values"].items():
        state[f"var:{name}"] = value
    state["fresh"] = True
    for name in specs.switch_names(model):
        state[f"var:{name}"] = bool(settings[name] >= 0.5)
    base = profile_values(scenario.profile, model=model)
    defaults = model.defaults()
    state["extra"] = {
        k: v for k, v in scenario.values.items()
        if model[k].role == "profile" and v != base.get(k, defaults[k])
    }
    state["pending"] = None


def _reset_to_preset() -> None:
    state = st.session_state
    _apply(preset(state["preset"], profile=state["profile"]), state["preset"])


def _load_pending() -> None:
    pending = st.session_state.get("pending")
    if pending is not None:
        _apply(pending.scenario, pending.preset, pending.baseline)
        st.session_state["notices"] = [("success", "Loaded the scenario as given.")]


def init_state(model: Model) -> None:
    """Initialise a new session from the URL (or the default), once per session.

    A bad link gives an error naming the problem and the default scenario; a stale link
    (another model version) gives a warning, the default scenario and a button to load it
    anyway.
    """
    state = st.session_state
    if state.get("initialised"):
        return
    state["initialised"] = True
    state["notices"] = []
    state["pinned"] = []
    state["page"] = PAGES[0]
    state["baseline"] = sharing.DEFAULT_BASELINE
    state["bands_on"] = risk.BANDS.on
    state["bands_n"] = risk.BANDS.members
    _apply(preset(DEFAULT_PRESET, profile=DEFAULT_PROFILE), DEFAULT_PRESET)
    view = st.query_params.get("view")
    if view is not None:
        if view in PAGES:
            state["page"] = view  # a reload stays on the page it was on
        else:
            _notice("error", f"This link asks for the page {str(view)[:40]!r}, which the app "
                             f"does not have (pages: {', '.join(PAGES)}); showing "
                             f"{PAGES[0]}.")
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    params = {k: (v[0] if len(v) == 1 else v) for k, v in params.items()}
    try:
        shared = sharing.decode_query(params, model=model)
    except sharing.ShareError as exc:
        _notice("error", f"Could not read the scenario in this link: {exc}. Showing the "
                         f"default scenario ({DEFAULT_PRESET}) instead.")
        return
    if shared is None:
        return
    if shared.stale:
        state["pending"] = shared
        _notice("warning", f"{shared.stale} Showing the default scenario ({DEFAULT_PRESET}) "
                           "instead; use the button below to load the linked one anyway.")
        return
    _apply(shared.scenario, shared.preset, shared.baseline)


def current_scenario(model: Model) -> tuple[Scenario, str]:
    """Return the scenario the widgets describe and the preset it starts from."""
    state = st.session_state
    # A slider not drawn this run (hidden effect sizes) keeps its value in state["values"].
    drawn = state.get("drawn") or set()
    values: dict[str, float] = {}
    for name in [*model.levers, *model.uncertainties]:
        key = f"var:{name}"
        values[name] = float(state[key] if key in drawn else state["values"][name])
    state["values"] = dict(values)
    for name in specs.switch_names(model):
        values[name] = 1.0 if state[f"var:{name}"] else 0.0
    values.update(state.get("extra") or {})
    scenario = sharing.scenario_for(
        state["preset"], state["profile"], values, model=model,
        preset_settings=preset_settings(state["preset"], state["profile"]))
    return scenario, state["preset"]


def sync_query_params(scenario: Scenario, preset_name: str, model: Model) -> dict[str, str]:
    """Write the current scenario and page into the URL (when they changed).

    Returns the scenario's parameters alone (the link to share: it opens on the main view).
    """
    params = sharing.encode_query(
        scenario, preset_name=preset_name, baseline=st.session_state["baseline"], model=model,
        preset_settings=preset_settings(preset_name, scenario.profile),
    )
    page = st.session_state.get("page") or PAGES[0]
    in_url = {**params, "view": page} if page != PAGES[0] else params
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != in_url:
        st.query_params.from_dict(in_url)
    return params


# -- sidebar ------------------------------------------------------------------------------


def _slider(spec: specs.SliderSpec, drawn_before: set[str], drawn_now: set[str]) -> None:
    state = st.session_state
    fresh = state.get("fresh", False)
    if spec.key not in drawn_before:  # first drawn, or drawn again after being hidden
        state[spec.key] = state["values"][spec.name]
        fresh = True
    drawn_now.add(spec.key)
    # The value is the session state's. Passing it explicitly spares Streamlit a scan of
    # the whole session state per slider, except in a run where the state was just set
    # (Streamlit then warns that a value was given twice).
    value = None if fresh else float(state[spec.key])
    st.slider(spec.label, min_value=spec.minimum, max_value=spec.maximum, step=spec.step,
              value=value, format=spec.format, key=spec.key, help=spec.help)


def sidebar(model: Model) -> None:
    """Draw the sidebar: pickers, reset, Policies, Assumptions and loop switches."""
    with st.sidebar:
        st.header("Scenario")
        names = titles()
        prof, pres = list(names["profile"]), list(names["preset"])
        st.selectbox("Profile (calibration)", prof, key="profile",
                     on_change=_reset_to_preset, format_func=names["profile"].__getitem__,
                     help="Changing the profile or the preset resets every slider to it.")
        st.selectbox("Preset", pres, key="preset",
                     on_change=_reset_to_preset, format_func=names["preset"].__getitem__,
                     help=names["description"][st.session_state["preset"]])
        st.selectbox("Compare against (baseline)", pres, key="baseline",
                     format_func=names["preset"].__getitem__,
                     help="Deltas on the headline cards and the dashed lines on the charts "
                          "are against this preset, on the same profile.")
        st.button("Reset sliders to the preset", on_click=_reset_to_preset,
                  key="reset", width="stretch")
        before: set[str] = set(st.session_state.get("drawn") or ())
        now: set[str] = set()
        st.subheader("Policies")
        st.caption("Levers: what the council decides.")
        for spec in specs.lever_specs(model):
            _slider(spec, before, now)
        st.subheader("Assumptions")
        st.caption("Uncertainties: what happens to the council.")
        groups = specs.assumption_groups(model)
        for group, group_specs in groups.items():
            if group == specs.EFFECT_SIZES:
                continue
            with st.expander(group, expanded=group in ("Austerity", "Shock 1")):
                for spec in group_specs:
                    _slider(spec, before, now)
        effects = groups.get(specs.EFFECT_SIZES, [])
        with st.expander(f"{specs.EFFECT_SIZES} ({len(effects)})"):
            shown = st.toggle("Show the effect-size sliders", key="show_effects",
                              help="Hidden by default to keep the app quick; hidden sliders "
                                   "keep their values.")
            if shown:
                for spec in effects:
                    _slider(spec, before, now)
            else:
                base = preset_settings(st.session_state["preset"], st.session_state["profile"])
                moved = [s.name for s in effects
                         if st.session_state["values"][s.name] != base[s.name]]
                st.caption("Changed from the preset: " + (", ".join(moved) or "none") + ".")
        _uncertainty_controls()
        with st.expander("Loop switches (for teaching)"):
            st.caption("Switch a feedback loop off to see what it does.")
            for name in specs.switch_names(model):
                st.toggle(name, key=f"var:{name}", help=model[name].definition)
        st.session_state["fresh"] = False
        st.session_state["drawn"] = now
        extra = st.session_state.get("extra") or {}
        if extra:
            st.info("This scenario also sets profile inputs: " + ", ".join(
                f"{k} = {sharing.format_value(v)}" for k, v in extra.items()))


def _uncertainty_controls() -> None:
    """Draw the switch and size of the uncertainty bands (defaults in ``risk.BANDS``)."""
    state = st.session_state
    state.setdefault("bands_on", risk.BANDS.on)
    state.setdefault("bands_n", risk.BANDS.members)
    with st.expander("Uncertainty (futures)"):
        st.toggle("Show uncertainty bands and probabilities", key="bands_on",
                  help="Runs the scenario in many futures, drawn over the plausible ranges "
                       "of the effect sizes (the Assumptions' Effect sizes group), and shades the "
                       "middle 50% and 90% of them around each line; the headline cards "
                       "then say in how many futures each result holds.")
        st.selectbox("Futures drawn", risk.BANDS.choices, key="bands_n",
                     format_func=lambda n: f"{n:,}",
                     help=f"{risk.BANDS.members:,} keeps a slider move under about 0.3 s; "
                          "more futures give steadier bands but a slower page.")


def page_picker() -> str:
    """Draw the page selector and return the chosen page."""
    choice = st.segmented_control("View", PAGES, key="page", required=True,
                                  label_visibility="collapsed")
    return choice or PAGES[0]


def notices() -> None:
    """Show pending messages (bad or stale links and files) with a dismiss button."""
    state = st.session_state
    for level, text in state.get("notices") or []:
        getattr(st, level)(text)
    if not state.get("notices"):
        return
    with st.container(horizontal=True):
        if state.get("pending") is not None:
            st.button("Load it anyway", on_click=_load_pending, key="load_pending")
        st.button("Dismiss", key="dismiss", on_click=lambda: state.update(notices=[]))


# -- pages ----------------------------------------------------------------------------------


def scenario_page(model: Model, scenario: Scenario) -> None:
    """Draw the main view: headline cards and the time-series charts."""
    state = st.session_state
    base_name = state["baseline"]
    base = preset(base_name, profile=scenario.profile)
    key, base_key = _values_json(scenario), _values_json(base)
    summary = scenario_summary(scenario.profile, key)
    base_summary = scenario_summary(base.profile, base_key)
    view = (ensemble_summary(scenario.profile, key, base_name, int(state["bands_n"]),
                             ",".join(DEFAULT_GROUPS))
            if state.get("bands_on") else None)
    notes = dict(view.notes) if view is not None else {}
    if view is not None:  # say so when the cards' own values are far from typical
        for card_key, outcome in (("harm", "cumulative_harm"), ("wait", "peak_waiting_time")):
            rank = headline.rank_note(float(summary[outcome]),
                                      view.outcomes[outcome].to_numpy(dtype=float))
            if rank and card_key in notes:
                notes[card_key] += " " + rank
    st.caption(titles()["description"][state["preset"]]
               + (" Sliders changed from the preset." if scenario.name.endswith("(modified)")
                  else ""))
    cols = st.columns(5)
    for col, card in zip(cols, headline.cards(summary, base_summary), strict=True):
        note = notes.get(card.key)
        col.metric(card.label, card.value, card.delta, delta_color=card.delta_color,
                   delta_arrow="off" if card.delta_color == "off" else "auto",
                   help=card.help + (f"\n\nAcross futures: {note}" if note else ""),
                   border=True)
        if note:
            col.caption(note)
    caption = (f"Deltas against **{titles()['preset'][base_name]}**. "
               + headline.MONEY_NOTE + " Grey shading: austerity; orange: shocks.")
    if view is not None:
        caption += (f" Bands around each line: the middle 50% (darker) and 90% (lighter) of "
                    f"{view.members:,} futures, drawn evenly over the plausible ranges of "
                    f"the {view.parameters} effect sizes with these policies (the cards' "
                    "numbers are for the sliders' own values); see the Risk page.")
    st.caption(caption)
    frame = run_frame(scenario.profile, key)
    base_frame = run_frame(base.profile, base_key)
    settings = scenario.settings(model=model)
    pairs = [charts.CHARTS[i:i + 2] for i in range(0, len(charts.CHARTS), 2)]
    for pair in pairs:
        for col, spec in zip(st.columns(2), pair, strict=False):
            fig = charts.scenario_figure(spec, frame, model=model, settings=settings,
                                         baseline=base_frame, baseline_label=base_name,
                                         validate=False,
                                         bands=view.bands if view is not None else None,
                                         outer=risk.BANDS.outer, inner=risk.BANDS.inner)
            col.plotly_chart(fig, theme=None, key=f"chart:{spec.key}",
                             config={"displaylogo": False})


def _pin(model: Model) -> None:
    state = st.session_state
    scenario, _ = current_scenario(model)
    label = (state.get("pin_name") or "").strip() or scenario.name
    pins = [p for p in state["pinned"] if p["name"] != label]
    if len(pins) >= MAX_PINNED:
        _notice("error", f"At most {MAX_PINNED} scenarios can be pinned; remove one first.")
        return
    pins.append({"profile": scenario.profile, "values": dict(scenario.values), "name": label,
                 "description": scenario.description})
    state["pinned"] = pins
    state["pin_name"] = ""


def _unpin(index: int) -> None:
    pins = list(st.session_state["pinned"])
    pins.pop(index)
    st.session_state["pinned"] = pins


def compare_page(model: Model, scenario: Scenario) -> None:
    """Draw the Compare page: pin up to four scenarios, overlay them, compare outcomes."""
    state = st.session_state
    st.subheader("Compare scenarios")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.text_input("Name for the current scenario", key="pin_name",
                    placeholder=scenario.name, max_chars=60)
    right.button("Pin current scenario", on_click=_pin, args=(model,), key="pin",
                 disabled=len(state["pinned"]) >= MAX_PINNED, width="stretch")
    pins = state["pinned"]
    if not pins:
        st.info(f"Set the sliders, name the scenario and pin it (up to {MAX_PINNED}); pinned "
                "scenarios are compared here against the baseline chosen in the sidebar.")
        return
    for i, pin in enumerate(pins):
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        changed = ", ".join(f"{k} = {sharing.format_value(v)}" for k, v in pin["values"].items())
        changed = changed or "no setting changed from the profile's defaults"
        c1.markdown(f"**{pin['name']}** ({pin['profile']}): {changed}")
        c2.button("Remove", key=f"unpin:{i}", on_click=_unpin, args=(i,))
    base_name = state["baseline"]
    base = preset(base_name, profile=Scenario(**pins[0]).profile)
    base_label = base_name if base_name == "baseline" else f"{base_name} (baseline)"
    frames = {base_label: run_frame(base.profile, _values_json(base))}
    for pin in pins:
        frames[pin["name"]] = run_frame(pin["profile"], json.dumps(pin["values"], sort_keys=True))
    options = [c for c in TIME_SERIES_OUTPUTS if c in model]
    variable = st.selectbox("Variable", options, key="overlay_var",
                            index=options.index("Crisis queue"))
    settings = Scenario(**pins[0]).settings(model=model)
    st.plotly_chart(charts.overlay_figure(frames, variable, model=model, settings=settings),
                    theme=None, key="chart:overlay", config={"displaylogo": False})
    table = comparison_table(json.dumps(pins, sort_keys=True), base_name)
    st.dataframe(table, width="stretch", height=600, hide_index=True)
    st.caption("Outcomes of each pinned scenario, then its change against the baseline. "
               + headline.MONEY_NOTE)


def model_page(model: Model) -> None:
    """Draw the Model page: causal loop diagram, loops, searchable variables, the .mdl."""
    st.subheader("Causal loop diagram")
    st.html(diagram.SVG_TEXT_CSS)
    c1, c2 = st.columns(2)
    levers = c1.toggle("Show the levers", value=False, key="cld_levers")
    hidden = c2.slider("Longest chain of hidden variables behind one arrow", 0, 6,
                       diagram.DEFAULT_MAX_HIDDEN, key="cld_hidden")
    st.graphviz_chart(loop_dot(levers, hidden), width="content")
    st.caption("Drawn from the model's own equations: an arrow means the first variable "
               "appears in the equation of the second, directly or through variables not "
               "shown. Boxes (blue) are stocks, orange ovals carry the named loops, green "
               "ovals are levers.")
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


def _on_upload() -> None:
    state = st.session_state
    upload = state.get("upload")
    if upload is None:
        return
    try:
        shared = sharing.parse_upload(upload.getvalue(), model=load_model(),
                                      baseline=state["baseline"])
    except sharing.ShareError as exc:
        _notice("error", f"Could not load {upload.name}: {exc}. The scenario is unchanged.")
        return
    if shared.stale:
        state["pending"] = shared
        _notice("warning", f"{shared.stale} The scenario is unchanged; use the button "
                           "below to load the file anyway.")
        return
    _apply(shared.scenario, shared.preset, shared.baseline)
    _notice("success", f"Loaded {upload.name}.")


def share_page(model: Model, scenario: Scenario, params: dict[str, str]) -> None:
    """Draw the Share page: the link, scenario JSON in and out, CSV and Excel downloads."""
    state = st.session_state
    st.subheader("Share this scenario")
    query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    try:
        base_url = (st.context.url or "").split("?")[0]
    except Exception:  # noqa: BLE001 - no browser context (tests)
        base_url = ""
    st.markdown("The address bar always holds the current scenario, with the model version: "
                "copy it to share. The link:")
    st.code(f"{base_url.rstrip('/')}/?{query}", language=None, wrap_lines=True)
    slug = scenario.name.replace(" ", "-").replace("(", "").replace(")", "")
    st.download_button("Download scenario (JSON)", scenario.to_json(),
                       file_name=f"{slug}.json", mime="application/json", key="dl_json")
    st.file_uploader("Load a scenario file (JSON)", type=["json"], key="upload",
                     on_change=_on_upload, max_upload_size=max(1, MAX_SCENARIO_BYTES // 10**6),
                     help="A file saved here or with `slack-sim save`. Read as data only; "
                          f"at most {MAX_SCENARIO_BYTES:,} bytes.")
    st.subheader("Export")
    key = _values_json(scenario)
    st.download_button("Time series, every variable (CSV)", csv_text(scenario.profile, key),
                       file_name=f"{slug}.csv", mime="text/csv", key="dl_csv")
    scenario_json = scenario.to_json()
    baseline = state["baseline"]
    st.download_button(
        f"Workbook against {baseline} (Excel)",
        lambda: excel_bytes(scenario_json, baseline),
        file_name=f"{slug}-vs-{baseline}.xlsx", key="dl_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.caption("The workbook has three sheets: every assumption with its source, the "
               "outcomes side by side with deltas, and the monthly time series.")
