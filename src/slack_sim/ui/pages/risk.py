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
tipping maps are quick and cached (:mod:`slack_sim.ui.cache`). Bad input gives a message
saying what to change, never a traceback. Defaults and choices are data, in
:mod:`slack_sim.ui.risk_settings`; what the page shows is computed in
:mod:`slack_sim.ui.risk`, drawn by :mod:`slack_sim.ui.risk_charts`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import Any

import streamlit as st

from ...analysis.ensemble import DEFAULT_GROUPS, default_parameters
from ...analysis.optimise import optimise
from ...analysis.sensitivity import sensitivity
from ...model.parse import Model
from ...report.text import money
from ...scenarios import Scenario, ScenarioError
from .. import cache, headline, risk, risk_charts, specs
from .. import state as state_module
from ..state import fix_first, kept, notice, remember

__all__ = ["risk_page"]

_CONFIG = {"displaylogo": False}
_STANDARD = "standard"
_CURRENT = "current"


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
        "The sliders' own run takes one value for each uncertainty; these are only known "
        "within ranges, so the current scenario is run in many futures: by default the "
        "profile's futures consistent with its published 2010-2020 series (the same as "
        "behind the Scenario page's cards), or futures drawn evenly over the plausible "
        "ranges of the groups chosen below (the range the model file gives each, with the "
        "reason: see the table under part 1). Read the shares as \"in this share of the "
        "futures the evidence allows\", not as calibrated probabilities. "
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
    wkey = remember("risk_groups", [g for g in DEFAULT_GROUPS if g in choices])
    groups = kept("risk_groups", st.multiselect(
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
        base = state_module.baseline_scenario(baseline, scenario.profile)
        view = cache.ensemble_summary(cache.scenario_key(scenario), baseline, members,
                                      ",".join(groups), base_key=cache.scenario_key(base))
    except (ScenarioError, ValueError) as exc:
        st.error(f"Could not run the futures: {exc}")
        return groups
    names = default_parameters(groups, model=model)
    source = getattr(view, "source", "futures")
    drawn = (f"**{view.members:,} {source}**: all {view.parameters} uncertainties drawn over "
             "their plausible ranges and kept where the profile's published series allow "
             "it, as behind the Scenario page's cards"
             if "consistent" in source else
             f"**{view.members:,} futures**, {view.parameters} uncertainties drawn evenly "
             f"({', '.join(groups)})")
    st.markdown(f"{drawn}; net saving against **{baseline}** run in the same futures. The "
                "number of futures is set in the sidebar (Uncertainty).")
    st.markdown("\n".join(f"- {text}" for text in view.notes.values()))
    st.dataframe(risk.outcome_table(view.outcomes), hide_index=True, width="stretch")
    with st.expander(f"The {len(names)} ranges drawn, and why"):
        st.dataframe(cache.ranges_table(tuple(names)), hide_index=True, width="stretch")
    rows = {k: v for k, v in risk.RISK_ROWS.items() if k in view.outcomes.columns}
    wkey = remember("risk_hist", "net_present_saving" if "net_present_saving" in rows
                     else next(iter(rows)))
    if st.session_state[wkey] not in rows:
        st.session_state[wkey] = next(iter(rows))
    chosen = kept("risk_hist", st.selectbox(
        "Distribution of", list(rows), key=wkey, format_func=lambda k: rows[k][0]))
    label, kind = rows[chosen]
    summary = cache.scenario_summary(cache.scenario_key(scenario))
    base = state_module.baseline_scenario(baseline, scenario.profile)
    base_summary = cache.scenario_summary(cache.scenario_key(base))
    central = risk.central_values(summary, base_summary)
    markers = {"this scenario (the sliders' values)": central.get(chosen)}
    if chosen == "net_present_saving":
        markers["break even"] = 0.0
    values = view.outcomes[chosen].to_numpy(dtype=float)
    fig = risk_charts.histogram_figure(values, title=f"Spread over {view.members:,} futures",
                                       axis_title=label, money=kind == "money",
                                       markers=markers)
    st.plotly_chart(fig, theme=None, key="chart:risk_hist", config=_CONFIG)
    missing = risk.missing_text(view.outcomes, chosen)
    if missing:
        st.caption(missing)
    return groups


def _sensitivity_section(model: Model, scenario: Scenario, groups: Sequence[str]) -> None:
    state = st.session_state
    cfg = risk.SENSITIVITY
    st.markdown("#### 2. Which uncertainties matter most")
    st.caption("Global sensitivity: every uncertainty drawn is varied over its range at once, "
               "and the uncertainties are ranked by how much each moves NPV, harm and the "
               "recovery time after the shock (a future that never recovers counts as the "
               f"months to the end of the run, {headline.HORIZON}). Knowing which matter "
               "most says where better local evidence "
               "would narrow the ranges.")
    if not groups:
        st.info("Choose uncertainties to draw in part 1 first.")
        return
    c1, c2 = st.columns([3, 2])
    wkey = remember("risk_method", next(iter(cfg.methods)))
    method = kept("risk_method", c1.radio("Method", list(cfg.methods), key=wkey,
                                           format_func=cfg.methods.__getitem__))
    n_params = len(default_parameters(groups, model=model))
    if method == "morris":
        wkey = remember("risk_morris_n", cfg.morris_default)
        n = kept("risk_morris_n", c2.select_slider(
            "Trajectories", cfg.morris_trajectories, key=wkey,
            help="More trajectories give steadier rankings."))
        runs = n * (n_params + 1)
    else:
        wkey = remember("risk_sobol_n", cfg.sobol_default)
        n = kept("risk_sobol_n", c2.select_slider(
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
            # the default groups: on a history-matched profile, their ranges among the
            # history-consistent futures (analysis.sensitivity.history_ranges)
            default = list(groups) == list(DEFAULT_GROUPS)
            table = sensitivity(scenario, method=method, n=int(n), seed=0,
                                parameters=None if default else default_parameters(
                                    groups, model=model),
                                progress=progress)
        except (ScenarioError, ValueError) as exc:
            bar.empty()
            st.error(f"Could not run the sensitivity analysis: {exc}")
        else:
            bar.progress(1.0, text=f"Done: {table.attrs['runs']:,} runs in "
                                   f"{time.perf_counter() - t0:.1f} s over the "
                                   f"{table.attrs['ranges']}")
            state["risk_sensitivity"] = {
                "table": table, "method": method, "key": cache.scenario_key(scenario),
                "groups": list(groups), "runs": int(table.attrs["runs"]),
                "seconds": time.perf_counter() - t0,
            }
    result = state.get("risk_sensitivity")
    if not result:
        return
    if result["key"] != cache.scenario_key(scenario) or result["groups"] != list(groups):
        st.info("These rankings are for an earlier setting of the sliders or the "
                "uncertainties drawn: press the button to update them.")
    ranked = risk.ranked_sensitivity(result["table"], model=model)
    measure = ("share of the variance, total-order index" if result["method"] == "sobol"
               else "mean absolute effect, in each outcome's units")
    st.plotly_chart(risk_charts.sensitivity_figure(ranked, measure=measure), theme=None,
                    key="chart:risk_sens", config=_CONFIG)
    st.caption(f"{cfg.methods[result['method']]}, {result['runs']:,} runs in "
               f"{result['seconds']:.1f} s. Importance is the {ranked.attrs['measure']}; "
               "the whiskers and the last column are 95% confidence half-widths.")
    st.dataframe(risk.sensitivity_text(ranked), hide_index=True, width="stretch",
                 key="risk_sens_table")


def _tipping_section(scenario: Scenario) -> None:
    st.markdown("#### 3. Tipping points: slack enables resilience")
    st.caption("Each cell is one run: how many months after the shock ends the crisis queue "
               "takes to get back within 5% of its level before the shock and stay there. "
               "Black cells with a cross never got back: the service tipped into a lasting "
               "degraded state.")
    c1, c2 = st.columns(2)
    wkey = remember("risk_map", next(iter(risk.MAPS)))
    name = kept("risk_map", c1.selectbox("Map", list(risk.MAPS), key=wkey,
                                          format_func=risk.MAPS.__getitem__))
    on = {_STANDARD: "The standard experiment: no austerity, a one-year shock from January "
                     "2020 with 10% of capacity lost",
          _CURRENT: "The current scenario (the axes override its values)"}
    wkey = remember("risk_map_on", _STANDARD)
    which = kept("risk_map_on", c2.radio("Run it on", list(on), key=wkey,
                                          format_func=on.__getitem__))
    try:
        result = cache.tipping_result(name, scenario.profile,
                                "" if which == _STANDARD else cache.scenario_key(scenario))
    except (ScenarioError, ValueError) as exc:
        st.warning(f"Cannot draw this map on the current scenario: {exc}. Choose the "
                   "standard experiment, or give the scenario a shock (Assumptions, Shock 1).")
        return
    fig = risk_charts.tipping_figure(result["recovery"], threshold=result["threshold"],
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
    wkey = remember("search_levers", [n for n in cfg.levers if n in model.levers])
    levers = kept("search_levers", st.multiselect("Levers to search", model.levers,
                                                   key=wkey))
    bounds: dict[str, tuple[float, float]] = {}
    settings = scenario.settings(model=model)
    for name in levers:
        var = model[name]
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        words = specs.units_text(var.units)
        c1.markdown(f"**{name}**{f' ({words})' if words else ''}: now {settings[name]:g}; "
                    f"allowed {var.minimum:g} to {var.maximum:g}")
        lo = c2.number_input("lowest", key=remember(f"search_lo:{name}", float(var.minimum)),
                             step=float(var.step or 0.01), format=_fmt(var.step))
        hi = c3.number_input("highest", key=remember(f"search_hi:{name}", float(var.maximum)),
                             step=float(var.step or 0.01), format=_fmt(var.step))
        kept(f"search_lo:{name}", lo)
        kept(f"search_hi:{name}", hi)
        bounds[name] = (float(lo) if lo is not None else math.nan,
                        float(hi) if hi is not None else math.nan)
    wkey = remember("search_effort", cfg.effort)
    c1, c2 = st.columns(2)
    effort = kept("search_effort", c1.selectbox(
        "Search effort", list(risk.SEARCH_EFFORT), key=wkey,
        format_func=lambda k: risk.SEARCH_EFFORT[k]["label"]))
    spec = risk.SEARCH_EFFORT[effort]
    lo_s, hi_s = cfg.seconds_range
    seconds = kept("search_seconds", c2.number_input(
        f"Stop after (seconds, {lo_s:g} to {hi_s:g})",
        key=remember("search_seconds", cfg.seconds), step=5.0, format="%.0f",
        help="The best mix found so far is returned when the time runs out."))
    now = None
    if levers:
        now = cache.lever_performance(cache.scenario_key(scenario), json.dumps(list(levers)),
                                      int(spec["futures"]), cfg.seed)
    c1, c2 = st.columns(2)
    wait_cap = kept("search_wait_cap", c1.number_input(
        f"Cap on the {cfg.percentile:.0f}th-percentile peak wait (months)",
        key=remember("search_wait_cap", _round_up(now["waiting"], 1) if now else 6.0),
        step=1.0, format="%.1f"))
    harm_cap = kept("search_harm_cap", c2.number_input(
        f"Cap on the {cfg.percentile:.0f}th-percentile harm (person-months)",
        key=remember("search_harm_cap", _round_up(now["harm"], -3) if now else 1e6),
        step=10_000.0, format="%.0f"))
    if now:
        st.caption(f"With the sliders as they are, in the same {spec['futures']} futures: mean "
                   f"NPV {money(now['cost'])}, {cfg.percentile:.0f}th-percentile "
                   f"peak wait {now['waiting']:,.1f} months and harm {now['harm']:,.0f} "
                   "person-months (the caps start at these levels).")
        st.button("Set the caps to these levels", key="search_caps_now", on_click=_caps_to,
                  args=(_round_up(now["waiting"], 1), _round_up(now["harm"], -3)))
    if st.button("Find the cheapest lever mix", key="search_run", type="primary"):
        problems = risk.search_problems(
            bounds, waiting_cap=_number(wait_cap), harm_cap=_number(harm_cap),
            seconds=_number(seconds), model=model)
        if problems:
            st.error(fix_first(problems))
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
        "key": cache.scenario_key(scenario),
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
    notice("success", "Applied the lever mix found to the sidebar sliders: "
           + ", ".join(f"{k} = {v:g}" for k, v in values.items()) + ".")


def _show_search(model: Model, scenario: Scenario) -> None:
    state = st.session_state
    res = state.get("search_result")
    if not res:
        return
    wait_cap, harm_cap = res["caps"]
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
    st.dataframe(risk.search_rows(res, scenario.settings(model=model)), hide_index=True,
                 width="stretch", key="search_table")
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
    if res["key"] != cache.scenario_key(scenario):
        st.info("The sliders have changed since this search ran.")
    st.button("Apply this lever mix to the sidebar sliders", key="search_apply",
              on_click=_apply_levers, args=(dict(res["snapped"]),))
    fig = risk_charts.pareto_figure(
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

