"""The Council page: the chosen council against its statistical neighbours, and your own figures.

The neighbours are the DfE statistical neighbours of the council chosen in the sidebar;
they are compared on the published series (rates per 10,000 children, spending per
child) and on the headline outcomes of the current scenario run on each council's
profile. Your own figures: a CSV template to fill in, an upload checked row by row,
a calibration with a progress bar, and a profile file to download and load again (here
or with ``slack-sim run --profile-file FILE``). A user's figures stay in their browser
session (``st.session_state``); nothing is written to a shared place on the server.
"""

from __future__ import annotations

import warnings

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ...model.parse import Model
from ...scenarios import Scenario, ScenarioError, ScenarioVersionWarning
from ...scenarios.profile_file import profile_file_text, read_profile_text
from .. import cache, state
from .. import council as cv
from ..charts import FONT_SIZE, GRID_COLOUR, OKABE_ITO

__all__ = ["council_page"]


def _summary(scenario: Scenario) -> dict:
    return cache.scenario_summary(cache.scenario_key(scenario))


def _neighbours_chart(table: pd.DataFrame, measure: str) -> go.Figure:
    data = table.dropna(subset=[measure]).sort_values(measure)
    colours = [OKABE_ITO[5] if r == "chosen" else "#9aa5b1" for r in data["role"]]
    fig = go.Figure(go.Bar(x=data[measure], y=data["council"], orientation="h",
                           marker={"color": colours},
                           hovertemplate="%{y}: %{x:,.1f}<extra></extra>"))
    fig.update_layout(title={"text": measure, "font": {"size": FONT_SIZE + 2}},
                      font={"size": FONT_SIZE}, height=60 + 34 * max(len(data), 1),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, plot_bgcolor="white",
                      xaxis={"gridcolor": GRID_COLOUR, "rangemode": "tozero"})
    return fig


def neighbours_section(model: Model, scenario: Scenario) -> None:
    """Draw the chosen council against its DfE statistical neighbours."""
    st.subheader("Statistical neighbours")
    profile = scenario.profile
    if not cv.neighbour_codes(profile):
        st.info("Choose a council in the sidebar's profile picker (type its name or its code, "
                "e.g. Kent or E10000016) to compare it with its DfE statistical neighbours.")
        return
    # each council's run goes through the app's cache (cache.scenario_summary)
    table = cv.neighbours_table(profile, scenario_values=scenario.values, summary=_summary)
    rates = [cv.rate_label(s) for s in cv.RATE_SERIES if cv.rate_label(s) in table]
    outcomes = [label for _, label, _ in cv.OUTCOMES if label in table]
    st.caption("The ten councils DfE names as most like this one (statistical neighbours). "
               "Published series: the latest year to March 2020, per 10,000 children (the "
               "DfE rate convention; spending in GBP per child, cash). Outcomes: the current "
               "scenario's policies and assumptions run on each council's own profile, per "
               "10,000 children of 2010 (money: GBP per child).")
    measure = st.selectbox("Compare on", [*rates, *outcomes], key=state.remember(
        "council_measure", rates[0] if rates else outcomes[0]))
    state.kept("council_measure", measure)
    st.plotly_chart(_neighbours_chart(table, measure), key="neighbours_chart",
                    config={"displayModeBar": False})
    shown = table[["council", "code", "role", *rates, *outcomes, "data"]]
    fmt = {c: "{:,.1f}" for c in [*rates, *outcomes]}
    st.dataframe(shown.style.format(fmt, na_rep="no data"), hide_index=True, width="stretch",
                 key="neighbours_table")
    lacking = table[~table["data"].str.startswith("published")]
    if not lacking.empty:
        st.caption("Without data: " + "; ".join(
            f"{r['council']} ({r['code']}): {r['data']}" for _, r in lacking.iterrows()) + ".")
    nowhere = [s for s in cv.RATE_SERIES if cv.rate_label(s) not in table]
    if nowhere:
        st.caption("Not published for these councils to March 2020: " + ", ".join(nowhere)
                   + ".")


def _calibrate(check: cv.UploadCheck, base: str, title: str) -> None:
    from ...analysis.profiles import fit_profile, record

    bar = st.progress(0.0, text="Calibrating your figures...")

    def say(stage: str, frac: float) -> None:
        bar.progress(min(max(float(frac), 0.0), 1.0), text=f"{stage} ({frac:.0%})")

    fit = fit_profile(base, check.figures, council=True, progress=say)
    rec = record(fit)
    st.session_state["own_fit"] = cv.own_profile(fit, rec, title=title)
    bar.progress(1.0, text="Calibrated.")


def own_figures_section(scenario: Scenario) -> None:
    """Draw the template, upload, check, calibration and profile file of your own figures."""
    st.subheader("Your own figures")
    st.caption("Your figures stay in this browser session: they are checked and calibrated "
               "in memory and never saved on the server. Download the profile file to keep "
               "them.")
    st.download_button("Download the CSV template", cv.template_bytes(),
                       file_name="slack-sim-figures-template.csv", mime="text/csv",
                       key="dl_template")
    upload = st.file_uploader("Upload your filled-in figures (CSV)", type=["csv"],
                              key="own_csv")
    if upload is not None:
        check = cv.check_upload(upload.getvalue(), upload.name)
        if not check.problems.empty:
            st.error(f"{len(check.problems)} problem(s) in the file; correct them and upload "
                     "it again:")
            st.dataframe(check.problems, hide_index=True, width="stretch", key="problems")
        else:
            st.success(f"Read {len(check.figures):,} figures.")
        confirmed = True
        if not check.flags.empty:
            st.warning(f"{len(check.flags)} value(s) are 10 times (or a tenth of) their "
                       "neighbours in time; confirm they are right:")
            st.dataframe(check.flags, hide_index=True, width="stretch", key="flags")
            confirmed = st.checkbox("These values are right", key="confirm_flags")
        if check.missing:
            st.caption("No figures for: " + ", ".join(check.missing)
                       + ". The calibration uses what exists.")
        if check.ok:
            base = scenario.profile
            title = st.text_input("A name for your profile", max_chars=80, key="own_title",
                                  value="My council's figures")
            st.caption(f"Calibrated from the profile chosen in the sidebar "
                       f"({cache.titles()['profile'].get(base, base)}): its inputs, your "
                       "figures. It takes a few seconds.")
            if st.button("Calibrate my figures", disabled=not confirmed, key="calibrate_own"):
                _calibrate(check, base, title)
    own = st.session_state.get("own_fit")
    if own:
        _fit_summary(own)
    _load_section()


def _fit_summary(own: dict) -> None:
    rec = own["record"]
    st.markdown("**Your calibration**")
    st.text(f"{own['title']} (from {own['base']}): "
            f"{'converged' if rec.get('converged') else 'fit did not converge'}; "
            f"{rec.get('kept_fraction', 0):.1%} of {int(rec.get('futures', 0)):,} futures "
            f"consistent with your figures; {rec.get('figures', 0)} figures used.")
    stats = sorted({k.split(":", 1)[1] for k in rec if k.startswith("mape:")})
    if stats:
        st.dataframe(pd.DataFrame([{"series": s, "MAPE": rec.get(f"mape:{s}"),
                                    "U^M": rec.get(f"um:{s}"), "U^S": rec.get(f"us:{s}"),
                                    "U^C": rec.get(f"uc:{s}")} for s in stats]),
                     hide_index=True, width="stretch", key="own_stats")
    text = profile_file_text(title=own["title"], base=own["base"], values=own["values"],
                             record=rec, futures=own["futures"])
    c1, c2 = st.columns(2)
    c1.button("Use my calibrated profile in the app", key="use_own",
              on_click=state.use_own_profile, args=(own,))
    c2.download_button("Download the profile file (TOML)", text.encode("utf-8"),
                       file_name="slack-sim-profile.toml", mime="application/toml",
                       key="dl_profile")


def _load_section() -> None:
    st.markdown("**Load a profile file**")
    st.caption("A file saved here before; the CLI reads the same file with "
               "`slack-sim run --profile-file FILE`.")
    upload = st.file_uploader("Profile file (TOML)", type=["toml"], key="own_toml")
    if upload is None:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioVersionWarning)
        try:
            pf = read_profile_text(upload.getvalue(), name=cv.safe_name(upload.name))
        except ScenarioError as exc:
            st.error("This profile file cannot be used:")
            st.text(str(exc))
            return
    for w in caught:
        st.warning("Made for another model version:")
        st.text(str(w.message))
    st.text(f"{pf.title}: base profile {pf.base}, {len(pf.values)} values, "
            f"{len(pf.futures)} kept futures.")
    own = {"title": pf.title, "base": pf.base, "values": pf.values, "record": pf.record,
           "futures": pf.futures}
    st.button("Use this profile in the app", key="use_file", on_click=state.use_own_profile,
              args=(own,))


def council_page(model: Model, scenario: Scenario) -> None:
    """Draw the Council page."""
    own = state.own_profile()
    title = cache.titles()["profile"].get(scenario.profile, scenario.profile)
    st.header(title)
    if own:
        st.caption("Using your own calibrated figures on this profile (see the sidebar).")
    neighbours_section(model, scenario)
    own_figures_section(scenario)
