"""Uncertainty, sensitivity, tipping maps and policy search (issue 6).

Known answers: the ensemble's outcomes equal the scalar metrics member by member; Sobol
indices of the Ishigami function match the analytic values; the RB3 tipping threshold
rises with slack; the optimiser finds the optimum of a constructed problem.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest

import slack_sim as ss
from slack_sim import metrics
from slack_sim.analysis.ensemble import default_parameters, ensemble, uncertainty_ranges
from slack_sim.analysis.optimise import optimise, pareto_front
from slack_sim.analysis.sensitivity import sensitivity
from slack_sim.analysis.tipping import rb3_scenario, standard_map, tipping_map
from slack_sim.cli.main import main
from slack_sim.validation import ValidationError

MODEL = ss.load_model()


@pytest.fixture(scope="module")
def ens():
    """The sampler's ensemble: Latin-hypercube draws over the plausible ranges (the default
    profile has history-consistent futures, which are tested below)."""
    return ensemble(ss.preset("invest-to-save"), n=60, seed=3,
                    baseline=ss.preset("austerity-then-covid"), futures="plausible")


# -- ranges ------------------------------------------------------------------------------------


def test_ranges_come_from_the_model():
    table = uncertainty_ranges()
    assert list(table.index) == [n for n in MODEL.uncertainties
                                 if MODEL[n].group == "Effect sizes"]
    for name, row in table.iterrows():
        var = MODEL[name]
        assert (row["minimum"], row["maximum"]) == (var.plausible_minimum, var.plausible_maximum)
        assert (row["declared_minimum"], row["declared_maximum"]) == (var.minimum, var.maximum)
        assert row["source"] == var.source and row["source"]
        assert row["range_source"] == var.plausible_note and row["range_source"]


def test_every_uncertainty_has_a_plausible_range_holding_its_default():
    """Plausible ranges (sampled) hold the default and lie inside the declared range."""
    for name in MODEL.uncertainties:
        var = MODEL[name]
        assert var.plausible_minimum is not None, f"{name}: no 'Plausible: [lo, hi]' tag"
        assert var.plausible_note, f"{name}: the plausible range gives no reason"
        assert var.minimum <= var.plausible_minimum <= var.default, name
        assert var.default <= var.plausible_maximum <= var.maximum, name
        assert "Plausible" not in var.definition and "Plausible" not in var.source, name


@pytest.mark.slow
def test_default_scenario_lies_inside_its_plausible_futures():
    """The point estimate is one of the plausible futures, not an outlier beyond the band."""
    sc = ss.preset("austerity-then-covid")
    ens_ = ensemble(sc, n=200, seed=0)
    point = metrics.outcomes(ss.simulate(sc), settings=sc.settings())
    for key in ("npv_total_spending", "cumulative_harm", "peak_waiting_time"):
        lo, hi = np.percentile(ens_.outcomes[key], [2.5, 97.5])
        assert lo <= point[key] <= hi, (key, point[key], lo, hi)


def test_ranges_narrow_inside_the_declared_range_only():
    table = uncertainty_ranges(["Agency premium"], ranges={"Agency premium": (0.4, 0.6)})
    assert tuple(table.loc["Agency premium", ["minimum", "maximum"]]) == (0.4, 0.6)
    with pytest.raises(ss.ScenarioError, match="declared range"):
        uncertainty_ranges(["Agency premium"], ranges={"Agency premium": (0.4, 3)})
    with pytest.raises(ss.ScenarioError, match="not an uncertainty"):
        uncertainty_ranges(["Crisis queue"])
    with pytest.raises(ValueError, match="unknown uncertainty group"):
        default_parameters(["Nope"])


# -- the ensemble ---------------------------------------------------------------------------


def test_ensemble_is_reproducible_by_seed(ens):
    again = ensemble(ss.preset("invest-to-save"), n=60, seed=3,
                     baseline=ss.preset("austerity-then-covid"), futures="plausible")
    pd.testing.assert_frame_equal(again.samples, ens.samples)
    pd.testing.assert_frame_equal(again.bands, ens.bands)
    pd.testing.assert_frame_equal(again.outcomes, ens.outcomes)
    other = ensemble(ss.preset("invest-to-save"), n=60, seed=4, futures="plausible")
    assert not np.allclose(other.samples.to_numpy(), ens.samples.to_numpy())


def test_history_futures_are_a_seeded_subset_of_the_stored_ones():
    """Fewer members than stored futures: a subset chosen by the seed, each member one of
    the stored futures; as many: all of them, whatever the seed."""
    from slack_sim.analysis.ensemble import history_futures

    sc = ss.preset("austerity-then-covid")
    stored = history_futures(sc)
    assert stored is not None and len(stored) > 60
    cols = list(stored.columns.difference(list(sc.values)))
    rows = {tuple(r) for r in stored[cols].round(12).to_numpy()}
    a, b, a2 = (ensemble(sc, n=60, seed=s, outputs=["Harm"]) for s in (3, 4, 3))
    assert a.source == "futures consistent with 2010-2020"
    pd.testing.assert_frame_equal(a.samples, a2.samples)
    assert not a.samples.equals(b.samples)
    assert all(tuple(r) in rows for r in a.samples[cols].round(12).to_numpy())
    assert a.samples[cols].drop_duplicates().shape[0] == 60
    whole = ensemble(sc, n=len(stored) + 10, seed=1, outputs=["Harm"])
    assert whole.n == len(stored)


def test_latin_hypercube_fills_every_stratum(ens):
    for name, row in ens.ranges.iterrows():
        u = (ens.samples[name] - row["minimum"]) / (row["maximum"] - row["minimum"])
        assert sorted(np.floor(u * ens.n).astype(int)) == list(range(ens.n))


def test_bands_are_ordered_and_shaped(ens):
    b = ens.bands
    # one row a month to the model's FINAL TIME (v2: 435, March 2046; v1 had 373 rows)
    assert b.index.name == "year" and b.index[0] == 2010.0
    assert len(b) == int(MODEL.final_time) + 1 == 436
    assert b.columns.names == ["output", "percentile"]
    for output in b.columns.get_level_values(0).unique():
        values = b[output][[5, 25, 50, 75, 95]].to_numpy()
        assert np.all(np.diff(values, axis=1) >= -1e-9 * np.abs(values).max())
    # the bands are numpy's percentiles (linear method)
    q = ens.data["Crisis queue"].values
    assert np.allclose(b["Crisis queue"][50], np.percentile(q, 50, axis=0))


def test_outcomes_equal_the_scalar_metrics_member_by_member(ens):
    sc, base = ens.scenario, ens.baseline
    for k in (0, 7, 31):
        draw = ens.samples.iloc[k].to_dict()
        s_k = ss.Scenario(profile=sc.profile, values={**sc.values, **draw})
        b_k = ss.Scenario(profile=base.profile, values={**base.values, **draw})
        # recovery is judged against the member without its shock, in the batch and here
        no_shock = ss.simulate(s_k.with_values({"Shock 1 length": 0.0}))
        out = metrics.outcomes(ss.simulate(s_k), settings=s_k.settings(),
                               baseline=ss.simulate(b_k), counterfactuals={1: no_shock})
        row = ens.outcomes.iloc[k]
        for key in ("npv_total_spending", "cumulative_harm", "peak_waiting_time",
                    "net_present_saving"):
            assert row[key] == pytest.approx(out[key], rel=1e-9, abs=1e-3)
        rec = out["shocks"][0]["recovery_months"]
        assert (math.isnan(row["recovery_months"]) and rec is None) or row[
            "recovery_months"] == rec
        assert bool(row["did_not_recover"]) == (rec is None)
        runway = metrics.reserves_runway(ss.simulate(s_k)["Reserves"])
        assert (runway is None and math.isnan(row["reserves_runway_year"])) or row[
            "reserves_runway_year"] == pytest.approx(runway)


def test_point_ranges_collapse_the_bands_to_the_deterministic_run():
    sc = ss.preset()
    names = ["Agency premium", "Prevention effectiveness"]
    point = {n: (sc.settings()[n],) * 2 for n in names}
    e = ensemble(sc, n=8, parameters=names, ranges=point, outputs=["Crisis queue"])
    frame = ss.simulate(sc)
    for p in (5, 50, 95):
        assert np.allclose(e.bands["Crisis queue"][p].to_numpy(), frame["Crisis queue"])


def test_probability_and_statement(ens):
    from slack_sim.report.text import percent, statement

    p = ens.probability("net_present_saving", ">", 0)
    assert p == np.mean(ens.outcomes["net_present_saving"] > 0)
    # the wording is report's (report sits above analysis); the number is the ensemble's
    assert statement(ens) == f"net saving positive in {percent(p)} of futures"
    assert percent(p) == f"{round(100 * p)}%" or p < 0.01 or p > 0.99
    assert statement(ens, "did_not_recover", ">", 0.5) == (
        f"the service does not recover from the shock in "
        f"{percent(ens.probability('did_not_recover', '>', 0.5))} of futures")
    with pytest.raises(KeyError):
        ens.probability("nope")
    assert set(ens.summary().index) >= {"npv_total_spending", "cumulative_harm"}


def test_recovery_matches_shock_response_on_a_tipping_grid():
    tmap = tipping_map(rb3_scenario(), x=("Slack target", [0.1, 0.25]),
                       y=("Shock 1 demand surge", [0.3, 1.5]))
    for _, row in tmap.table.iterrows():
        sc = rb3_scenario().with_values({"Slack target": row["Slack target"],
                                         "Shock 1 demand surge": row["Shock 1 demand surge"]})
        no_shock = ss.simulate(sc.with_values({"Shock 1 length": 0.0}))["Crisis queue"]
        r = metrics.shock_response(ss.simulate(sc)["Crisis queue"], start=120, length=12,
                                   counterfactual_queue=no_shock)
        assert (r["recovery_months"] is None) == (not row["recovered"])
        if r["recovered"]:
            assert r["recovery_months"] == row["recovery_months"]


# -- sensitivity -----------------------------------------------------------------------------

ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(X):
    return np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])


@pytest.mark.slow
def test_sobol_indices_of_the_ishigami_function():
    """N = 8192 base samples (40,960 evaluations): estimates within 0.03 of the analytic
    indices (Saltelli et al. 2010 report errors of this order at this N)."""
    ranges = {f"x{i}": (-math.pi, math.pi) for i in (1, 2, 3)}
    table = sensitivity(ishigami, ranges=ranges, n=8192, seed=1)
    by = table.set_index("parameter")
    for i, name in enumerate(("x1", "x2", "x3")):
        assert by.loc[name, "S1"] == pytest.approx(ISHIGAMI_S1[i], abs=0.03)
        assert by.loc[name, "ST"] == pytest.approx(ISHIGAMI_ST[i], abs=0.03)
    assert list(table["parameter"]) == ["x1", "x2", "x3"]  # ranked by ST
    assert list(table["rank"]) == [1, 2, 3]


def test_morris_screens_out_an_inert_input():
    ranges = {"a": (0, 1), "b": (0, 1), "inert": (0, 1)}
    table = sensitivity(lambda X: 5 * X[:, 0] + X[:, 1] ** 2, ranges=ranges,
                        method="morris", n=20, seed=0)
    assert list(table["parameter"]) == ["a", "b", "inert"]
    assert table.set_index("parameter").loc["a", "mu_star"] == pytest.approx(5.0)
    assert table.set_index("parameter").loc["inert", "mu_star"] == 0


def test_sensitivity_on_the_model_reports_progress_and_is_reproducible():
    calls = []
    params = ["Prevention effectiveness", "Agency fill fraction", "Agency premium"]
    kw = dict(method="morris", n=6, seed=2, parameters=params)
    table = sensitivity(ss.preset(), progress=lambda d, t: calls.append((d, t)), **kw)
    assert calls and calls[-1][0] == calls[-1][1] == table.attrs["runs"] == 6 * 4
    assert set(table["output"]) == {"npv_total_spending", "cumulative_harm", "recovery_time"}
    assert set(table["parameter"]) == set(params)
    pd.testing.assert_frame_equal(table, sensitivity(ss.preset(), **kw))


# -- tipping map -----------------------------------------------------------------------------


def test_tipping_map_threshold_rises_with_slack_rb3():
    tmap = standard_map("slack-by-shock")
    rec = tmap.recovery
    # RB3, judged against the same grid point without the shock: at a slack target of 0.15
    # a surge of 0.6 recovers and 1.5 does not. On v2 with failure demand (R3) at its
    # evidenced strength the threshold is near 0.7 at 0.10, 1.4 at 0.15 and 1.8 at 0.20;
    # the points below sit well clear of it (at least 0.3 in surge either side)
    assert np.isfinite(rec.loc[0.6, 0.15]) and np.isnan(rec.loc[1.5, 0.15])
    assert np.isfinite(rec.loc[0.3, 0.1]) and np.isnan(rec.loc[1.0, 0.1])
    assert np.isfinite(rec.loc[1.0, 0.2]) and np.isnan(rec.loc[2.0, 0.15])
    assert np.isfinite(rec.loc[2.0, 0.3])
    # large shocks leave a lasting degraded state, not a slow recovery cut off by the
    # horizon: the queue ends the run far above the same run without the shock
    table = tmap.table.set_index(["Shock 1 demand surge", "Slack target"])
    assert table.loc[(2.0, 0.15), "final_to_no_shock_ratio"] > 2
    assert table.loc[(1.5, 0.1), "final_to_no_shock_ratio"] > 2
    assert table.loc[tmap.table["recovered"].to_numpy(), "final_to_no_shock_ratio"].max() < 1.1
    thr = tmap.threshold().fillna(99.0).to_numpy()  # none tipped: above every size
    assert np.all(np.diff(thr) >= 0) and thr[-1] > thr[0]
    assert tmap.threshold().loc[0.2] > tmap.threshold().loc[0.1] + 0.5
    assert tmap.seconds < 10


def test_tipping_map_needs_a_shock():
    with pytest.raises(ValueError, match="no shock"):
        tipping_map(ss.preset("baseline"), x=("Slack target", [0.1]),
                    y=("Austerity depth", [0.1]))


# -- policy search ---------------------------------------------------------------------------


def constructed(X):
    """Minimise x1 + 2 x2 with harm 4 - x1 - x2 <= 1 on [0, 2] x [0, 3]: optimum (2, 1)."""
    return {"cost": X[:, 0] + 2 * X[:, 1], "waiting": X[:, 1], "harm": 4 - X[:, 0] - X[:, 1]}


def test_optimiser_finds_the_known_optimum_within_bounds():
    seen = []
    res = optimise(constructed, levers={"x1": (0, 2), "x2": (0, 3)}, harm_cap=1.0,
                   waiting_cap=2.5, maxiter=200, popsize=20, tol=1e-8, seed=1,
                   progress=lambda g, m: seen.append(g))
    assert res.feasible and res.stopped == "converged"
    assert res.levers["x1"] == pytest.approx(2.0, abs=1e-3)
    assert res.levers["x2"] == pytest.approx(1.0, abs=1e-3)
    assert res.cost == pytest.approx(4.0, abs=1e-3)
    ev = res.evaluated
    assert ev["x1"].between(0, 2).all() and ev["x2"].between(0, 3).all()
    assert seen == list(range(1, res.generations + 1))
    # the front: cheaper costs more harm
    assert np.all(np.diff(res.pareto["cost"]) > 0) and np.all(np.diff(res.pareto["harm"]) < 0)


def test_pareto_front_known_answer():
    pts = pd.DataFrame({"cost": [1, 2, 3, 2, 3], "harm": [3, 2, 1, 3, 3]})
    front = pareto_front(pts)
    assert list(zip(front["cost"], front["harm"], strict=True)) == [(1, 3), (2, 2), (3, 1)]


def test_optimiser_on_the_model_respects_bounds_and_time_cap():
    levers = {"Slack target": (0.1, 0.3), "Prevention investment": (0.8, 1.5)}
    res = optimise(ss.preset(), levers=levers, harm_cap=3e6, futures=4, popsize=4,
                   maxiter=3, max_seconds=1e-9, seed=0)
    # the first batch (the initial population: 8 candidates x 4 futures) is always run;
    # the cap stops the search before the next, inside the first generation
    assert res.stopped == "max_seconds" and res.generations == 0 and res.evaluations == 8
    for name, (lo, hi) in levers.items():
        assert res.evaluated[name].between(lo, hi).all()
        assert lo <= res.levers[name] <= hi
    assert res.scenario.values["Slack target"] == res.levers["Slack target"]
    with pytest.raises(ss.ScenarioError, match="not a lever"):
        optimise(ss.preset(), levers={"Agency premium": (0, 1)})


BAD_SETTINGS = [
    ({"percentile": 150}, "percentile", "150 is outside the allowed range (0, 100] %"),
    ({"percentile": 0}, "percentile", "0 is outside the allowed range (0, 100] %"),
    ({"percentile": -5}, "percentile", "-5 is outside"),
    ({"percentile": math.nan}, "percentile", "expected (0, 100] %, got nan"),
    ({"futures": 0}, "futures", "a whole number from 1 to 1,000 futures, got 0"),
    ({"futures": 100_000}, "futures", "got 100000"),
    ({"futures": 2.5}, "futures", "whole number"),
    ({"waiting_cap": -1}, "waiting_cap", "-1 is outside the allowed range (0, inf) months"),
    ({"waiting_cap": 0}, "waiting_cap", "0 is outside the allowed range (0, inf)"),
    ({"waiting_cap": math.nan}, "waiting_cap", "got nan"),
    ({"waiting_cap": math.inf}, "waiting_cap", "got inf"),
    ({"harm_cap": -100}, "harm_cap", "-100 is outside the allowed range (0, inf) person-months"),
    ({"harm_cap": 0}, "harm_cap", "(0, inf)"),
    ({"maxiter": 0}, "maxiter", "at least 1"),
    ({"popsize": 0}, "popsize", "from 1 to 1,000"),
    ({"popsize": -3}, "popsize", "-3"),
    ({"max_seconds": 0}, "max_seconds", "0 is outside the allowed range (0, inf) seconds"),
    ({"max_seconds": -5}, "max_seconds", "(0, inf)"),
    ({"max_seconds": math.inf}, "max_seconds", "got inf"),
    ({"seed": -1}, "seed", "at least 0"),
    ({"tol": -1.0}, "tol", "-1 is outside the allowed range [0, inf)"),
]


@pytest.mark.parametrize(("settings", "name", "fragment"), BAD_SETTINGS)
def test_optimiser_refuses_bad_settings(settings, name, fragment):
    """Each bad setting raises a ValueError naming it, the value and the allowed range (the
    one message format of slack_sim.validation); nothing is searched (a negative cap used to
    return feasible=True)."""
    calls = []

    def target(X):
        calls.append(len(X))
        return constructed(X)

    kw = {"levers": {"x1": (0, 2), "x2": (0, 3)}, "maxiter": 2, "popsize": 2, **settings}
    with pytest.raises(ValidationError) as info:
        optimise(target, **kw)
    assert str(info.value).startswith(f"{name}: ") and fragment in str(info.value)
    assert calls == []


def test_check_search_lists_every_problem_in_the_callers_words():
    from slack_sim.analysis.optimise import check_search

    assert check_search(waiting_cap=6, harm_cap=1e6) == []
    assert check_search() == []  # no caps: fine
    problems = check_search(waiting_cap=-1, harm_cap=0, futures=0,
                            labels={"waiting_cap": "The waiting-time cap"})
    assert len(problems) == 3
    assert problems[0].startswith("The waiting-time cap: -1 ") and "months" in problems[0]
    assert problems[1].startswith("harm_cap: 0 ") and "person-months" in problems[1]
    assert problems[2].startswith("futures: ") and "got 0" in problems[2]


def test_model_objective_refuses_bad_settings():
    from slack_sim.analysis.optimise import model_objective

    for kw, name in (({"futures": 0}, "futures"), ({"percentile": 101}, "percentile"),
                     ({"seed": -2}, "seed")):
        with pytest.raises(ValueError, match=f"^{name}: "):
            model_objective(ss.preset(), ["Slack target"], **kw)


def test_optimiser_lever_ranges_must_be_finite_and_ordered():
    for bounds, fragment in (((0, math.inf), "finite"), ((2, 1), "below the highest"),
                             ((1, 1), "below the highest"), (("a", 1), "two numbers")):
        with pytest.raises(ValueError, match=fragment):
            optimise(constructed, levers={"x1": bounds, "x2": (0, 3)}, maxiter=1)


def test_optimiser_time_cap_stops_inside_a_generation(monkeypatch):
    """The clock is checked between batches of runs, not only between generations."""
    import importlib
    import time

    opt = importlib.import_module("slack_sim.analysis.optimise")  # the module, not ss.optimise
    monkeypatch.setattr(opt, "BATCH_RUNS", 4)
    sizes = []

    def slow(X):
        sizes.append(len(X))
        time.sleep(0.05)
        return constructed(X)

    res = optimise(slow, levers={"x1": (0, 2), "x2": (0, 3)}, popsize=10, maxiter=50,
                   max_seconds=0.01, harm_cap=1.0)
    # 20 candidates a generation in batches of 4: only the first batch ran
    assert sizes == [4] and res.evaluations == 4
    assert res.stopped == "max_seconds" and res.generations == 0
    assert 0.05 <= res.seconds < 1.0  # the actual time, honestly reported


def test_model_objective_batches_give_the_same_answer(monkeypatch):
    import importlib

    opt = importlib.import_module("slack_sim.analysis.optimise")

    X = np.array([[0.1], [0.15], [0.2], [0.25], [0.3]])
    whole = opt.model_objective(ss.preset(), ["Slack target"], futures=2)(X)
    monkeypatch.setattr(opt, "BATCH_RUNS", 4)  # 2 candidates x 2 futures a batch
    parts = opt.model_objective(ss.preset(), ["Slack target"], futures=2)(X)
    for key in ("cost", "waiting", "harm"):
        np.testing.assert_allclose(parts[key], whole[key], rtol=1e-12)


def test_sensitivity_refuses_a_bad_seed_or_n():
    ranges = {f"x{i}": (-math.pi, math.pi) for i in (1, 2, 3)}
    with pytest.raises(ValueError, match="^seed: expected a whole number of at least 0, got -1$"):
        sensitivity(ishigami, ranges=ranges, n=8, seed=-1)
    with pytest.raises(ValueError, match="^n: expected a whole number of at least 2 .*got 0$"):
        sensitivity(ishigami, ranges=ranges, n=0)
    with pytest.raises(ValueError, match=r"2,621,440 model runs .* at most 1,000,000"):
        sensitivity(ishigami, ranges=ranges, n=2**19)


def test_tipping_map_checks_its_axes():
    sc = rb3_scenario()
    surge = ("Shock 1 demand surge", [0.5])
    with pytest.raises(ss.ScenarioError, match=r"^x axis: Slack target: 1 is outside the "
                                               r"allowed range \[0.02, 0.5\] Dmnl$"):
        tipping_map(sc, x=("Slack target", [1.0, 0.5, 0.0]), y=surge)
    with pytest.raises(ss.ScenarioError, match=r"^x axis: Slack target: expected \[0.02, 0.5\] "
                                               r"Dmnl, got nan \(not a finite"):
        tipping_map(sc, x=("Slack target", [math.nan]), y=surge)
    with pytest.raises(ss.ScenarioError, match="^y axis: unknown variable 'Nope'"):
        tipping_map(sc, x=("Slack target", [0.1]), y=("Nope", [1]))
    with pytest.raises(ValueError, match="0.1 is given more than once"):
        tipping_map(sc, x=("Slack target", [0.1, 0.1]), y=surge)
    with pytest.raises(ValueError, match="at least one value"):
        tipping_map(sc, x=("Slack target", []), y=surge)


# -- CLI ------------------------------------------------------------------------------------


def test_cli_ensemble_writes_csv_and_json(tmp_path, capsys):
    out = tmp_path / "e.csv"
    assert main(["ensemble", "-n", "20", "--out", str(out)]) == 0
    table = pd.read_csv(out, index_col=0)
    assert len(table) == 20 and "npv_total_spending" in table
    assert main(["ensemble", "-n", "10", "--baseline", "baseline", "--out",
                 str(tmp_path / "e.json")]) == 0
    data = json.loads((tmp_path / "e.json").read_text())
    assert data["n"] == 10 and len(data["outcomes"]) == 10
    assert "of futures" in capsys.readouterr().out


def test_cli_tipping_sensitivity_optimise(tmp_path, capsys):
    assert main(["tipping-map", "--x-values", "0.1,0.3", "--y-values", "0.5,1.5",
                 "--out", str(tmp_path / "t.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "t.csv")) == 4
    assert main(["sensitivity", "--method", "morris", "-n", "4", "--parameter",
                 "Agency premium", "--parameter", "Time to recruit", "--groups", "Need",
                 "--out", str(tmp_path / "s.json")]) == 0
    # Morris: n (D + 1) runs, D = the two parameters and the Need group (v2 has three in it:
    # population growth after 2020, need scale, need growth; v1 had two)
    need = [n for n in MODEL.uncertainties if MODEL[n].group == "Need"]
    assert len(need) == 3
    assert json.loads((tmp_path / "s.json").read_text())["runs"] == 4 * (2 + len(need) + 1)
    assert main(["optimise", "--lever", "Slack target=0.1:0.3", "--futures", "2",
                 "--popsize", "3", "--maxiter", "1", "--harm-cap", "3e6",
                 "--out", str(tmp_path / "o.json")]) == 0
    assert "Slack target" in json.loads((tmp_path / "o.json").read_text())["levers"]
    assert "generations" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["ensemble", "--range", "Agency premium=3:4"],
    ["ensemble", "--groups", "Nope"],
    ["ensemble", "--out", "x.txt"],
    ["tipping-map", "--x", "Slack target"],
    ["tipping-map", "--x-values", "a,b"],
    ["optimise", "--lever", "Nope=1:2"],
    ["optimise"],
    ["sensitivity", "--range", "Agency premium"],
])
def test_cli_errors_are_one_line_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("slack-sim: error:")


def test_docs_table_of_ranges_is_current():
    from pathlib import Path

    from slack_sim.analysis.ensemble import ranges_markdown

    text = (Path(__file__).parents[2] / "docs" / "uncertainty.md").read_text(encoding="utf-8")
    block = text.split("<!-- BEGIN GENERATED: slack_sim.uncertainty.ranges_markdown() -->")[1]
    block = block.split("<!-- END GENERATED -->")[0]
    assert block.strip() == ranges_markdown().strip(), (
        "docs/uncertainty.md is out of date: paste slack_sim.uncertainty.ranges_markdown()")


def test_ensemble_refuses_a_bad_seed():
    for seed in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match="^seed: expected a whole number of at least 0"):
            ensemble(ss.preset("baseline"), n=5, seed=seed)


def test_sensitivity_on_a_matched_profile_samples_the_history_consistent_ranges():
    """No parameters or ranges given: each default uncertainty is sampled over its 5-95%
    range among the profile's history-consistent futures, and the table says so; the
    uncalibrated profile (no futures) keeps the plausible ranges."""
    from slack_sim.analysis.ensemble import history_futures
    from slack_sim.analysis.sensitivity import history_ranges

    sc = ss.preset("austerity-then-covid")
    ranges, source = history_ranges(sc)
    kept = history_futures(sc)
    assert ranges and "consistent with 2010-2020" in source
    name = "Prevention effectiveness"
    assert ranges[name] == pytest.approx(tuple(kept[name].quantile([0.05, 0.95])))
    plausible = uncertainty_ranges([name]).loc[name]
    assert plausible["minimum"] <= ranges[name][0] < ranges[name][1] <= plausible["maximum"]
    table = sensitivity(sc, method="morris", n=2, outputs=["cumulative_harm"])
    assert table.attrs["ranges"] == source
    assert history_ranges(ss.preset("austerity-then-covid",
                                    profile="children-services-england-uncalibrated")) == (
        None, "")


def test_an_effect_size_the_scenario_sets_keeps_its_value_in_every_future():
    """A slider moved on an effect size moves the central estimate: the plausible futures
    sample the other effect sizes and keep the scenario's own value (as history futures)."""
    name = "Prevention effectiveness"
    base = ss.preset("austerity-then-covid", profile="children-services-england-uncalibrated")
    low, high = (ensemble(base.with_values({name: v}), n=40, seed=1, outputs=["Harm"])
                 for v in (0.3, 0.5))
    assert name not in low.samples.columns and name not in low.ranges.index
    pd.testing.assert_frame_equal(low.samples, high.samples)  # the same other draws
    # (before, the effect size was drawn over in both and the two ensembles were equal;
    # its sign is not asked here: the 2010 equilibrium infers more underlying need when
    # prevention resolves more of it)
    assert not np.allclose(high.outcomes["cumulative_harm"], low.outcomes["cumulative_harm"])
    assert np.median(high.outcomes["cumulative_harm"]) != np.median(
        low.outcomes["cumulative_harm"])
    # named explicitly, it is sampled
    named = ensemble(base.with_values({name: 0.3}), n=40, seed=1, parameters=[name],
                     outputs=["Harm"])
    assert name in named.samples.columns


def test_the_baseline_keeps_what_it_sets_under_history_futures():
    """The history-consistent futures draw austerity and the shock too; the no-austerity,
    no-shock baseline keeps its own settings in each of them, so the net saving against it
    is that of the cuts and the shock, not zero."""
    sc, base = ss.preset("austerity-then-covid"), ss.preset("baseline")
    ens = ensemble(sc, n=30, seed=0, baseline=base, outputs=["Harm"])
    assert ens.source == "futures consistent with 2010-2020"
    assert "Austerity depth" in ens.samples.columns and "Austerity depth" in base.values
    saving = ens.outcomes["net_present_saving"].to_numpy()
    assert np.all(np.abs(saving) > 1e6)
    # member 0 by hand: the baseline run with its own settings and the other draws
    first = ens.samples.iloc[0]
    mine = sc.with_values(first.to_dict())
    theirs = base.with_values(first.drop(list(base.values), errors="ignore").to_dict())
    npv = {k: metrics.outcomes(ss.simulate(s), settings=s.settings())["npv_total_spending"]
           for k, s in (("mine", mine), ("theirs", theirs))}
    assert abs(saving[0]) == pytest.approx(abs(npv["theirs"] - npv["mine"]), rel=1e-9)
