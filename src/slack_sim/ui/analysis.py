"""The Risk page: uncertainty, sensitivity, tipping points and policy search, live.

Four parts, for finance and strategy officers rather than modellers:

1. **Outcomes across futures**: the current scenario run in many futures (an ensemble over
   the uncertainty groups chosen), as a table of percentiles, a histogram and plain
   statements ("net saving positive in 46% of futures").
2. **Which uncertainties matter most**: global sensitivity (Morris by default, Sobol' on
   request) of NPV, harm and recovery time, as ranked bars, with progress shown.
3. **Tipping points**: recovery time over austerity depth or slack target by shock size,
   "did not recover" marked: slack enables resilience.
4. **Policy search**: the cheapest lever mix, within ranges the user sets, whose
   90th-percentile peak wait and harm stay under the user's caps, with the Pareto front of
   cost against harm and a button to put the mix on the sidebar sliders.

Long computations (sensitivity, policy search) run only when their button is pressed and
their results are kept in ``st.session_state`` (this session only); the ensemble and the
tipping maps are quick and cached with ``st.cache_data`` on plain strings. Bad input gives
a message saying what to change, never a traceback. Defaults and choices are data, in
:mod:`slack_sim.ui.risk`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ..analysis.ensemble import DEFAULT_GROUPS, default_parameters, uncertainty_ranges
from ..analysis.optimise import model_objective, optimise
from ..analysis.sensitivity import sensitivity
from ..analysis.tipping import STANDARD_MAPS, rb3_scenario, tipping_map
from ..model.parse import Model
from ..scenarios import Scenario, ScenarioError, preset
from . import charts, headline, risk, specs, widgets

__all__ = ["lever_performance", "ranges_table", "risk_page", "tipping_result"]

_CONFIG = {"displaylogo": False}
_STANDARD = "standard"
_CURRENT = "current"


# -- cached pure functions (plain strings in, copies out) -------------------------------------


def _key(scenario: Scenario) -> str:
    return json.dumps(dict(scenario.values), sort_keys=True)


@st.cache_data(max_entries=32, show_spinner=False)
def tipping_result(name: str, profile: str, values_json: str) -> dict[str, Any]:
    """Return one standard tipping map (cached).

    Parameters
    ----------
    name : str
        A key of :data:`slack_sim.tipping.STANDARD_MAPS`.
    profile : str
        Calibration profile.
    values_json : str
        The scenario varied, as sorted JSON of its values; ``""`` for the standard
        experiment (:func:`slack_sim.tipping.rb3_scenario`).

    Returns
    -------
    dict
        ``recovery`` and ``recovered`` (DataFrames, y by x), ``threshold`` (Series) and
        ``seconds``.
    """
    scenario = (rb3_scenario(profile) if not values_json
                else Scenario(profile=profile, values=json.loads(values_json)))
    x, y = STANDARD_MAPS[name]
    result = tipping_map(scenario, x=x, y=y)
    return {"recovery": result.recovery, "recovered": result.recovered,
            "threshold": result.threshold(), "seconds": result.seconds}


@st.cache_data(max_entries=64, show_spinner=False)
def lever_performance(profile: str, values_json: str, levers_json: str, futures: int,
                      seed: int) -> dict[str, float]:
    """Return the scenario's mean NPV and 90th-percentile wait and harm over the futures.

    The futures are those of the policy search with the same number and seed (common
    random numbers), so the numbers compare directly with the search's results.

    Parameters
    ----------
    profile, values_json
        The scenario.
    levers_json : str
        The levers searched (JSON list): their current values are evaluated.
    futures, seed : int
        The search's futures.

    Returns
    -------
    dict
        ``cost``, ``waiting``, ``harm``.
    """
    scenario = Scenario(profile=profile, values=json.loads(values_json))
    names = json.loads(levers_json)
    settings = scenario.settings()
    evaluate = model_objective(scenario, names, futures=futures, seed=seed,
                               percentile=risk.SEARCH.percentile)
    out = evaluate(np.array([[settings[n] for n in names]], dtype=float))
    return {k: float(v[0]) for k, v in out.items()}


@st.cache_data(max_entries=16, show_spinner=False)
def ranges_table(names: tuple[str, ...]) -> pd.DataFrame:
    """Return the range each uncertainty is drawn from, with the reason, for display."""
    table = uncertainty_ranges(list(names)).reset_index()
    return pd.DataFrame({
        "uncertainty": table["name"], "group": table["group"],
        "model default": table["default"].map(lambda v: f"{v:g}"),
        "drawn from": table["minimum"].map(lambda v: f"{v:g}"),
        "to": table["maximum"].map(lambda v: f"{v:g}"),
        "units": table["units"].map(lambda u: specs.units_text(u) or "ratio"),
        "why that range": table["range_source"],
    })


# -- remembered choices ------------------------------------------------------------------------


def _remember(key: str, default: Any) -> str:
    """Return the widget key of a choice that survives leaving the page and coming back.

    Streamlit forgets a widget's state when a run does not draw it (another page). The
    choice is mirrored in ``key`` (not a widget key, so kept) and restored into the widget
    key ``"w:" + key`` before the widget is drawn (no default passed to the widget, so no
    double-setting warning).
    """
    state = st.session_state
    wkey = f"w:{key}"
    if wkey not in state:
        state[wkey] = state.get(key, default)
    return wkey


def _kept(key: str, value: Any) -> Any:
    st.session_state[key] = value
    return value


# -- page ---------------------------------------------------------------------------------------


def risk_page(model: Model, scenario: Scenario) -> None:
    """Draw the Risk page for the current scenario.

    Parameters
    ----------
    model : Model
        The parsed model.
    scenario : Scenario
        The scenario the sidebar describes.
    """
    state = st.session_state
    baseline = state["baseline"]
    st.subheader("Risk: how sure are these results?")
    st.caption(
        "The headline numbers use one value for each effect size (the sliders'). These are "
        "only known within ranges, so here the current scenario is run in many futures "
        "drawn evenly over those ranges (the plausible range the model file gives each, "
        "with the reason: see the table under part 1). Read the shares as \"in this share "
        "of the futures the evidence allows\", not as calibrated probabilities. "
        + headline.MONEY_NOTE)
    groups = _outcomes_section(model, scenario, baseline)
    st.divider()
    _sensitivity_section(model, scenario, groups)
    st.divider()
    _tipping_section(scenario)
    st.divider()
    _search_section(model, scenario)


def _group_choices(model: Model) -> list[str]:
    groups = list(specs.assumption_groups(model))
    return sorted(groups, key=lambda g: (g != specs.EFFECT_SIZES, groups.index(g)))


def _outcomes_section(model: Model, scenario: Scenario, baseline: str) -> list[str]:
    state = st.session_state
    st.markdown("#### 1. Outcomes across futures")
    choices = _group_choices(model)
    wkey = _remember("risk_groups", [g for g in DEFAULT_GROUPS if g in choices])
    groups = _kept("risk_groups", st.multiselect(
        "Uncertainties drawn", choices, key=wkey,
        help="Each group's constants are drawn evenly over their plausible ranges; the "
             "others stay at the sliders' values. Effect sizes: how the services behave. "
             "Austerity, Shock 1, Shock 2, Need: what happens to the council (these "
             "override the sidebar's values in every future)."))
    if not groups:
        st.warning("Choose at least one group of uncertainties to draw futures from.")
        return []
    members = int(state.get("bands_n") or risk.BANDS.members)
    try:
        view = widgets.ensemble_summary(scenario.profile, _key(scenario), baseline, members,
                                        ",".join(groups))
    except (ScenarioError, ValueError) as exc:
        st.error(f"Could not run the futures: {exc}")
        return groups
    names = default_parameters(groups, model=model)
    st.markdown(f"**{view.members:,} futures**, {len(names)} uncertainties drawn "
                f"({', '.join(groups)}); net saving against **{baseline}** run in the same "
                "futures. The number of futures is set in the sidebar (Uncertainty).")
    st.markdown("\n".join(f"- {text}" for text in view.notes.values()))
    st.dataframe(risk.outcome_table(view.outcomes), hide_index=True, width="stretch")
    with st.expander(f"The {len(names)} ranges drawn, and why"):
        st.dataframe(ranges_table(tuple(names)), hide_index=True, width="stretch")
    rows = {k: v for k, v in risk.OUTCOME_ROWS.items() if k in view.outcomes.columns}
    wkey = _remember("risk_hist", "net_present_saving" if "net_present_saving" in rows
                     else next(iter(rows)))
    if st.session_state[wkey] not in rows:
        st.session_state[wkey] = next(iter(rows))
    chosen = _kept("risk_hist", st.selectbox(
        "Distribution of", list(rows), key=wkey, format_func=lambda k: rows[k][0]))
    label, kind = rows[chosen]
    summary = widgets.scenario_summary(scenario.profile, _key(scenario))
    base = preset(baseline, profile=scenario.profile)
    base_summary = widgets.scenario_summary(base.profile, _key(base))
    central = risk.central_values(summary, base_summary)
    markers = {"this scenario (the sliders' values)": central.get(chosen)}
    if chosen == "net_present_saving":
        markers["break even"] = 0.0
    values = view.outcomes[chosen].to_numpy(dtype=float)
    missing = int(np.sum(~np.isfinite(values)))
    fig = charts.histogram_figure(values, title=f"Spread over {view.members:,} futures",
                                  axis_title=label,
                                  money=kind == "money", markers=markers)
    st.plotly_chart(fig, theme=None, key="chart:risk_hist", config=_CONFIG)
    if missing:
        outcomes = view.outcomes
        if chosen == "recovery_months":
            failed = int(outcomes["did_not_recover"].sum())
            parts = [f"{failed} did not recover"] if failed else []
            if missing > failed:
                parts.append(f"{missing - failed} had no shock")
            what = " and ".join(parts)
        elif chosen == "reserves_runway_year":
            what = f"{missing} never ran out of reserves"
        else:
            what = f"{missing} had no value"
        st.caption(f"Of {view.members} futures, {what}: not in the histogram.")
    return groups


def _sensitivity_section(model: Model, scenario: Scenario, groups: Sequence[str]) -> None:
    state = st.session_state
    cfg = risk.SENSITIVITY
    st.markdown("#### 2. Which uncertainties matter most")
    st.caption("Global sensitivity: every uncertainty drawn is varied over its range at once, "
               "and the uncertainties are ranked by how much each moves NPV, harm and the "
               "recovery time after the shock (a future that never recovers counts as the "
               "months to 2040). Knowing which matter most says where better local evidence "
               "would narrow the ranges.")
    if not groups:
        st.info("Choose uncertainties to draw in part 1 first.")
        return
    c1, c2 = st.columns([3, 2])
    wkey = _remember("risk_method", next(iter(cfg.methods)))
    method = _kept("risk_method", c1.radio("Method", list(cfg.methods), key=wkey,
                                           format_func=cfg.methods.__getitem__))
    n_params = len(default_parameters(groups, model=model))
    if method == "morris":
        wkey = _remember("risk_morris_n", cfg.morris_default)
        n = _kept("risk_morris_n", c2.select_slider(
            "Trajectories", cfg.morris_trajectories, key=wkey,
            help="More trajectories give steadier rankings."))
        runs = n * (n_params + 1)
    else:
        wkey = _remember("risk_sobol_n", cfg.sobol_default)
        n = _kept("risk_sobol_n", c2.select_slider(
            "Base sample", cfg.sobol_samples, key=wkey,
            help="More samples give narrower confidence intervals."))
        runs = n * (n_params + 2)
    st.caption(f"{n_params} uncertainties; about {runs:,} model runs.")
    if st.button("Rank the uncertainties", key="risk_sens_run", type="primary"):
        bar = st.progress(0.0, text="Starting ...")

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"{done:,} of {total:,} runs")

        t0 = time.perf_counter()
        try:
            table = sensitivity(scenario, method=method, n=int(n), seed=0,
                                parameters=default_parameters(groups, model=model),
                                progress=progress)
        except (ScenarioError, ValueError) as exc:
            bar.empty()
            st.error(f"Could not run the sensitivity analysis: {exc}")
        else:
            bar.progress(1.0, text=f"Done: {table.attrs['runs']:,} runs in "
                                   f"{time.perf_counter() - t0:.1f} s")
            state["risk_sensitivity"] = {
                "table": table, "method": method, "key": _key(scenario),
                "groups": list(groups), "runs": int(table.attrs["runs"]),
                "seconds": time.perf_counter() - t0,
            }
    result = state.get("risk_sensitivity")
    if not result:
        return
    if result["key"] != _key(scenario) or result["groups"] != list(groups):
        st.info("These rankings are for an earlier setting of the sliders or the "
                "uncertainties drawn: press the button to update them.")
    ranked = risk.ranked_sensitivity(result["table"], model=model)
    measure = ("share of the variance, total-order index" if result["method"] == "sobol"
               else "mean absolute effect, in each outcome's units")
    st.plotly_chart(charts.sensitivity_figure(ranked, measure=measure), theme=None,
                    key="chart:risk_sens", config=_CONFIG)
    st.caption(f"{cfg.methods[result['method']]}, {result['runs']:,} runs in "
               f"{result['seconds']:.1f} s. Importance is the {ranked.attrs['measure']}; "
               "the whiskers and the last column are 95% confidence half-widths.")
    shown = ranked.copy()
    shown["importance"] = shown["importance"].map(lambda v: f"{v:,.3g}")
    shown["uncertainty of the estimate"] = shown["uncertainty of the estimate"].map(
        lambda v: f"± {v:,.2g}")
    st.dataframe(shown, hide_index=True, width="stretch", key="risk_sens_table")


def _tipping_section(scenario: Scenario) -> None:
    st.markdown("#### 3. Tipping points: slack enables resilience")
    st.caption("Each cell is one run: how many months after the shock ends the crisis queue "
               "takes to get back within 5% of its level before the shock and stay there. "
               "Black cells with a cross never got back: the service tipped into a lasting "
               "degraded state.")
    c1, c2 = st.columns(2)
    wkey = _remember("risk_map", next(iter(risk.MAPS)))
    name = _kept("risk_map", c1.selectbox("Map", list(risk.MAPS), key=wkey,
                                          format_func=risk.MAPS.__getitem__))
    on = {_STANDARD: "The standard experiment: no austerity, a one-year shock from January "
                     "2020 with 10% of capacity lost",
          _CURRENT: "The current scenario (the axes override its values)"}
    wkey = _remember("risk_map_on", _STANDARD)
    which = _kept("risk_map_on", c2.radio("Run it on", list(on), key=wkey,
                                          format_func=on.__getitem__))
    try:
        result = tipping_result(name, scenario.profile,
                                "" if which == _STANDARD else _key(scenario))
    except (ScenarioError, ValueError) as exc:
        st.warning(f"Cannot draw this map on the current scenario: {exc}. Choose the "
                   "standard experiment, or give the scenario a shock (Assumptions, Shock 1).")
        return
    fig = charts.tipping_figure(result["recovery"], threshold=result["threshold"],
                                title=risk.MAPS[name])
    st.plotly_chart(fig, theme=None, key="chart:risk_tipping", config=_CONFIG)
    st.markdown(risk.tipping_summary(result["recovered"], result["threshold"]))
    if name == "austerity-by-shock":
        st.caption("With deep cuts (above about 35%) the queue is still rising from austerity "
                   "when the shock comes, so even the smallest shocks count as not recovered: "
                   "read the bottom row (no shock) as that trend.")


def _search_section(model: Model, scenario: Scenario) -> None:
    cfg = risk.SEARCH
    st.markdown("#### 4. Find the cheapest policy that meets your caps")
    st.caption(
        f"Choose the levers the search may move and the range for each, and caps on the "
        f"{cfg.percentile:.0f}th percentile (over the futures) of the peak wait and of harm. "
        "The search (differential evolution) looks for the lever mix with the lowest mean NPV "
        "of spending that keeps both under the caps, judging every mix in the same futures.")
    wkey = _remember("search_levers", [n for n in cfg.levers if n in model.levers])
    levers = _kept("search_levers", st.multiselect("Levers to search", model.levers,
                                                   key=wkey))
    bounds: dict[str, tuple[float, float]] = {}
    settings = scenario.settings(model=model)
    for name in levers:
        var = model[name]
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        words = specs.units_text(var.units)
        c1.markdown(f"**{name}**{f' ({words})' if words else ''}: now {settings[name]:g}; "
                    f"allowed {var.minimum:g} to {var.maximum:g}")
        lo = c2.number_input("lowest", key=_remember(f"search_lo:{name}", float(var.minimum)),
                             step=float(var.step or 0.01), format=_fmt(var.step))
        hi = c3.number_input("highest", key=_remember(f"search_hi:{name}", float(var.maximum)),
                             step=float(var.step or 0.01), format=_fmt(var.step))
        _kept(f"search_lo:{name}", lo)
        _kept(f"search_hi:{name}", hi)
        bounds[name] = (float(lo) if lo is not None else math.nan,
                        float(hi) if hi is not None else math.nan)
    wkey = _remember("search_effort", cfg.effort)
    c1, c2 = st.columns(2)
    effort = _kept("search_effort", c1.selectbox(
        "Search effort", list(risk.SEARCH_EFFORT), key=wkey,
        format_func=lambda k: risk.SEARCH_EFFORT[k]["label"]))
    spec = risk.SEARCH_EFFORT[effort]
    lo_s, hi_s = cfg.seconds_range
    seconds = _kept("search_seconds", c2.number_input(
        f"Stop after (seconds, {lo_s:g} to {hi_s:g})",
        key=_remember("search_seconds", cfg.seconds), step=5.0, format="%.0f",
        help="The best mix found so far is returned when the time runs out."))
    now = None
    if levers:
        now = lever_performance(scenario.profile, _key(scenario), json.dumps(list(levers)),
                                int(spec["futures"]), cfg.seed)
    c1, c2 = st.columns(2)
    wait_cap = _kept("search_wait_cap", c1.number_input(
        f"Cap on the {cfg.percentile:.0f}th-percentile peak wait (months)",
        key=_remember("search_wait_cap", _round_up(now["waiting"], 1) if now else 6.0),
        step=1.0, format="%.1f"))
    harm_cap = _kept("search_harm_cap", c2.number_input(
        f"Cap on the {cfg.percentile:.0f}th-percentile harm (person-months)",
        key=_remember("search_harm_cap", _round_up(now["harm"], -3) if now else 1e6),
        step=10_000.0, format="%.0f"))
    if now:
        st.caption(f"With the sliders as they are, in the same {spec['futures']} futures: mean "
                   f"NPV {headline.format_money(now['cost'])}, {cfg.percentile:.0f}th-percentile "
                   f"peak wait {now['waiting']:,.1f} months and harm {now['harm']:,.0f} "
                   "person-months (the caps start at these levels).")
        st.button("Set the caps to these levels", key="search_caps_now", on_click=_caps_to,
                  args=(_round_up(now["waiting"], 1), _round_up(now["harm"], -3)))
    if st.button("Find the cheapest lever mix", key="search_run", type="primary"):
        problems = risk.search_problems(
            bounds, waiting_cap=_number(wait_cap), harm_cap=_number(harm_cap),
            seconds=_number(seconds), model=model)
        if problems:
            st.error("Please fix these first:\n\n" + "\n".join(f"- {p}" for p in problems))
        else:
            _run_search(scenario, bounds, float(wait_cap), float(harm_cap), spec,
                        float(seconds), now)
    _show_search(model, scenario)


def _run_search(scenario: Scenario, bounds: dict[str, tuple[float, float]], wait_cap: float,
                harm_cap: float, spec: dict[str, Any], seconds: float,
                now: dict[str, float] | None) -> None:
    cfg = risk.SEARCH
    bar = st.progress(0.0, text="Starting the search ...")
    t0 = time.perf_counter()

    def progress(generation: int, most: int) -> None:
        spent = time.perf_counter() - t0
        share = max(generation / max(most, 1), min(1.0, spent / seconds))
        bar.progress(min(1.0, share), text=f"Generation {generation} of at most {most}; "
                                           f"{spent:.0f} s of at most {seconds:.0f} s")

    try:
        result = optimise(scenario, levers=bounds, waiting_cap=wait_cap, harm_cap=harm_cap,
                          percentile=cfg.percentile, futures=int(spec["futures"]),
                          seed=cfg.seed, popsize=int(spec["popsize"]),
                          maxiter=int(spec["maxiter"]), max_seconds=seconds,
                          progress=progress)
    except (ScenarioError, ValueError) as exc:
        bar.empty()
        st.error(f"Could not run the search: {exc}")
        return
    stopped = {"converged": "converged", "maxiter": "reached its most generations",
               "max_seconds": "stopped at the time cap"}[result.stopped]
    bar.progress(1.0, text=f"Done: {result.evaluations:,} lever mixes in "
                           f"{result.seconds:.1f} s ({stopped})")
    st.session_state["search_result"] = {
        "levers": dict(result.levers), "snapped": risk.snap_levers(result.levers, bounds),
        "bounds": dict(bounds), "cost": result.cost, "waiting": result.waiting,
        "harm": result.harm, "feasible": result.feasible, "evaluated": result.evaluated,
        "pareto": result.pareto, "stopped": stopped, "generations": result.generations,
        "evaluations": result.evaluations, "seconds": result.seconds,
        "caps": (wait_cap, harm_cap), "futures": int(spec["futures"]), "now": now,
        "key": _key(scenario),
    }


def _caps_to(wait_cap: float, harm_cap: float) -> None:
    """Set both caps (a button callback)."""
    state = st.session_state
    state["w:search_wait_cap"] = state["search_wait_cap"] = wait_cap
    state["w:search_harm_cap"] = state["search_harm_cap"] = harm_cap


def _apply_levers(values: dict[str, float]) -> None:
    """Put a lever mix on the sidebar sliders (a button callback: before widgets exist)."""
    state = st.session_state
    current = dict(state["values"])
    for name, value in values.items():
        state[f"var:{name}"] = value
        current[name] = value
    state["values"] = current
    state["fresh"] = True
    state.setdefault("notices", []).append((
        "success", "Applied the lever mix found to the sidebar sliders: "
        + ", ".join(f"{k} = {v:g}" for k, v in values.items()) + "."))


def _show_search(model: Model, scenario: Scenario) -> None:
    state = st.session_state
    res = state.get("search_result")
    if not res:
        return
    wait_cap, harm_cap = res["caps"]
    money = headline.format_money
    if res["feasible"]:
        st.success(f"Cheapest lever mix found that meets both caps: mean NPV {money(res['cost'])}"
                   f", {risk.SEARCH.percentile:.0f}th-percentile peak wait "
                   f"{res['waiting']:,.1f} months (cap {wait_cap:,.1f}) and harm "
                   f"{res['harm']:,.0f} person-months (cap {harm_cap:,.0f}).")
    else:
        st.warning("No lever mix within these ranges met both caps. Shown: the mix closest "
                   f"to meeting them (peak wait {res['waiting']:,.1f} months against a cap of "
                   f"{wait_cap:,.1f}; harm {res['harm']:,.0f} against {harm_cap:,.0f}). Widen "
                   "the ranges, add levers or loosen the caps.")
    now = res.get("now")
    rows = []
    for name, value in res["snapped"].items():
        lo, hi = res["bounds"][name]
        rows.append({"lever": name, "searched from": f"{lo:g}", "to": f"{hi:g}",
                     "found": f"{value:g}",
                     "on the sliders now": f"{scenario.settings(model=model)[name]:g}"})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="search_table")
    if now:
        diff = now["cost"] - res["cost"]
        st.markdown(f"Against the sliders when the search ran: mean NPV "
                    f"{money(now['cost'])}, so the mix found is "
                    f"**{money(abs(diff))} {'cheaper' if diff >= 0 else 'dearer'}** in "
                    f"the same {res['futures']} futures.")
    st.caption(f"{res['evaluations']:,} lever mixes tried over {res['generations']} "
               f"generations in {res['seconds']:.1f} s; the search {res['stopped']}. Found "
               "values are rounded to the sliders' steps. Check the result on the Scenario "
               "page and in part 1 with more futures before relying on it.")
    if res["key"] != _key(scenario):
        st.info("The sliders have changed since this search ran.")
    st.button("Apply this lever mix to the sidebar sliders", key="search_apply",
              on_click=_apply_levers, args=(dict(res["snapped"]),))
    fig = charts.pareto_figure(
        res["evaluated"], res["pareto"], best={"cost": res["cost"], "harm": res["harm"]},
        harm_cap=harm_cap, levers=list(res["snapped"]),
        best_label=("cheapest mix meeting the caps" if res["feasible"]
                    else "closest to meeting the caps"))
    st.plotly_chart(fig, theme=None, key="chart:risk_pareto", config=_CONFIG)
    st.caption("Each point is a lever mix the search tried. The Pareto front joins the mixes "
               "meeting the waiting-time cap that no other such mix beats on both cost and "
               "harm: moving along it trades money for harm.")


def _fmt(step: float | None) -> str:
    if not step or step >= 1:
        return "%.0f"
    decimals = max(1, -int(math.floor(math.log10(step))))
    return f"%.{decimals}f"


def _round_up(value: float, digits: int) -> float:
    factor = 10.0 ** digits
    return math.ceil(value * factor) / factor


def _number(value: Any) -> float:
    return float(value) if value is not None else math.nan

