"""Calibration, history matching and backtests: known answers and twin experiments.

A twin experiment makes data with the model at known parameter values, then checks the
fit recovers them (a wrong sign, a dropped term or a mis-timed observation fails it).
"""

import numpy as np
import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.analysis.backtest import backtest, naive_forecasts
from slack_sim.analysis.calibration import calibrate, parameter_bounds, theil
from slack_sim.analysis.history import history_match, implausibility
from slack_sim.analysis.observe import observation_plan, simulate_observations
from slack_sim.validation import ValidationError

SERIES = ["Children looked after", "Referrals", "Care starts"]
TRUTH = {"Need growth rate": 0.009, "Need scale": 1.04}


@pytest.fixture(scope="module")
def scenario():
    return ss.preset("austerity-then-covid")


@pytest.fixture(scope="module")
def twin(scenario):
    """Figures 2010-2020 made by the model at TRUTH."""
    rows = [{"series": s, "year": y, "value": 1.0} for s in SERIES for y in range(2010, 2021)]
    plan = observation_plan(pd.DataFrame(rows))
    values = simulate_observations(scenario, pd.DataFrame([TRUTH]), plan)[0]
    return plan.table[["series", "year"]].assign(value=values)


def test_observation_plan_times_and_scales():
    model = ss.load_model()
    rows = pd.DataFrame({"series": ["Children looked after", "Referrals", "Referrals", "Nope"],
                         "year": [2012, 2010, 2012, 2012], "value": [1.0, 2.0, 3.0, 4.0]})
    plan = observation_plan(rows, model=model)
    stock = plan.table.iloc[0]
    assert (stock["first"], stock["last"], stock["scale"]) == (27.0, 27.0, 1.0)  # 1 April 2012
    flow = plan.table.iloc[1]
    assert (flow["first"], flow["last"]) == (15.0, 26.0)  # April 2011 to March 2012
    assert model["Referrals"].units == "Person/Year"
    assert flow["scale"] == 1.0  # a rate per year: its mean over the financial year
    reasons = dict(zip(plan.skipped["series"] + " " + plan.skipped["year"].astype(str),
                       plan.skipped["reason"], strict=True))
    assert reasons == {"Referrals 2010": "its financial year starts before the model",
                       "Nope 2012": "not a model variable"}


def test_observed_flow_is_the_financial_year_total(scenario):
    frame = ss.simulate(scenario)
    plan = observation_plan(pd.DataFrame({"series": ["Care starts", "Total spending"],
                                          "year": [2015, 2015], "value": [1.0, 1.0]}))
    got = simulate_observations(scenario, pd.DataFrame(index=[0]), plan)[0]
    months = slice(51, 63)  # April 2014 to March 2015
    # children a year: the year's mean rate; GBP a month: the sum of the twelve months
    assert got[0] == pytest.approx(frame["Care starts"].to_numpy()[months].mean(), rel=1e-12)
    assert got[1] == pytest.approx(frame["Total spending"].to_numpy()[months].sum(), rel=1e-12)


def test_theil_known_answers():
    a = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    bias = theil(a + 2.0, a)
    assert bias["um"] == pytest.approx(1.0) and bias["mape"] > 0
    spread = theil(a.mean() + 2.0 * (a - a.mean()), a)  # same mean, r = 1, twice the spread
    assert spread["us"] == pytest.approx(1.0) and spread["um"] == pytest.approx(0.0)
    noise = theil(a[::-1], a)  # same mean and spread, not the same order
    assert noise["uc"] == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    s = rng.normal(size=50)
    t = theil(s, rng.normal(size=50) + 0.3)
    assert t["um"] + t["us"] + t["uc"] == pytest.approx(1.0)


def test_twin_experiment_recovers_the_truth(twin, scenario):
    # the optimiser and the likelihood alone (identify=False): need growth is confounded
    # with need scale over 2010-2020 (see the noisy fit), which the identification rule
    # would hold at its start; tested below
    fit = calibrate(scenario, twin, list(TRUTH), seed=3, identify=False)
    assert fit.converged
    for name, value in TRUTH.items():
        row = fit.parameters.loc[name]
        assert row["value"] == pytest.approx(value, rel=1e-3)
        assert row["lower"] < value < row["upper"]
    assert (fit.statistics["mape"] < 1e-4).all()
    assert fit.scenario.values["Need scale"] == pytest.approx(1.04, rel=1e-3)


def test_noisy_fit_has_a_range_that_covers_the_truth(twin, scenario):
    noisy = twin.assign(value=twin["value"] * np.random.default_rng(1).normal(1, 0.03, len(twin)))
    fit = calibrate(scenario, noisy, list(TRUTH), seed=0, identify=False)
    for name, value in TRUTH.items():
        row = fit.parameters.loc[name]
        assert row["lower"] <= value <= row["upper"], (name, row.to_dict())
    # need scale moves every series from the start and is pinned down; need growth is
    # confounded with it over 2010-2020 (a higher scale or faster growth give similar
    # figures), so its range stays wide: the fit says so rather than claiming precision
    scale = fit.parameters.loc["Need scale"]
    assert scale["upper"] - scale["lower"] < 0.5 * (scale["high"] - scale["low"])


def test_a_parameter_the_data_do_not_identify_keeps_its_sourced_value(twin, scenario):
    """The 2010-2020 figures of these series carry no information on a switch of Shock 2
    (after the data): its profile range spans its whole plausible range, so it is flagged
    and held at its start while the others are refitted; without the rule the optimiser
    leaves it wherever its path went."""
    names = [*TRUTH, "Shock 2 demand surge"]
    start = scenario.settings()["Shock 2 demand surge"]
    fit = calibrate(scenario, twin, names, seed=3, starts=4, refine=1)
    row = fit.parameters.loc["Shock 2 demand surge"]
    assert not row["identified"] and row["value"] == pytest.approx(start, rel=1e-12)
    assert (row["lower"], row["upper"]) == pytest.approx((row["low"], row["high"]))
    assert fit.parameters.loc["Need scale", "identified"]
    assert fit.parameters.loc["Need scale", "value"] == pytest.approx(1.04, rel=0.02)
    assert "not identified" in fit.summary()


def test_evidence_prior_pulls_the_elasticity_towards_the_published_band(scenario):
    """Data made with prevention twice as effective as the evidence says: fitted to them
    alone, the elasticity of children in need to early help comes back outside Webb's
    band; with the band as a prior it is pulled towards the band (strictly between the
    data's answer and the prior's mean), and the reported elasticity is the model's own
    at the fitted values. A dropped or mis-signed prior residual fails."""
    from slack_sim.analysis import evidence as ev
    from slack_sim.analysis.calibration import Evidence

    truth = {"Need scale": 1.04, "Prevention effectiveness": 0.75}
    rows = [{"series": s, "year": y, "value": 1.0} for s in SERIES for y in range(2010, 2021)]
    plan = observation_plan(pd.DataFrame(rows))
    values = simulate_observations(scenario, pd.DataFrame([truth]), plan)[0]
    data = plan.table[["series", "year"]].assign(value=values)
    prior = Evidence("Children in need", -0.16, -0.07, year=2015, source="Webb 2021")
    assert prior.mean == pytest.approx(-0.115)
    assert prior.sd == pytest.approx(0.045 / 1.959964, rel=1e-6)
    kw = {"seed": 3, "starts": 4, "refine": 1, "profile_points": 0,
          "bounds": {"Prevention effectiveness": (0.05, 0.8)}}
    free = calibrate(scenario, data, list(truth), **kw)
    held = calibrate(scenario, data, list(truth), evidence=prior, **kw)
    assert free.elasticity is None and held.evidence == prior
    e_free = ev.elasticities(pd.DataFrame([free.values]), profile=scenario.profile)[
        "Children in need"].iloc[0]
    assert e_free < prior.low  # the data alone: outside the band
    got = ev.elasticities(pd.DataFrame([held.values]), profile=scenario.profile)
    assert held.elasticity == pytest.approx(got["Children in need"].iloc[0], rel=1e-9)
    assert e_free < held.elasticity < prior.mean
    assert held.values["Prevention effectiveness"] < free.values["Prevention effectiveness"]
    assert held.negative_log_likelihood > free.negative_log_likelihood
    with pytest.raises(ValueError, match="low < high"):
        Evidence("Children in need", -0.07, -0.16)
    with pytest.raises(ss.ScenarioError, match="not a model variable"):
        calibrate(scenario, data, list(truth), evidence=Evidence("Nope", -0.2, -0.1))


def test_fit_that_runs_out_of_evaluations_says_so(twin, scenario):
    fit = calibrate(scenario, twin, list(TRUTH), max_nfev=5, starts=1, refine=1,
                    profile_points=0)
    assert not fit.converged
    assert "did not converge" in fit.message and "best point" in fit.message


def test_bad_calibration_inputs(twin, scenario):
    with pytest.raises(ValueError, match="need at least one more figure"):
        calibrate(scenario, twin.head(2), list(TRUTH))
    with pytest.raises(ss.ScenarioError, match="not a lever"):
        calibrate(scenario, twin, ["Crisis queue"])
    with pytest.raises(ValidationError, match="^starts: expected a whole number"):
        calibrate(scenario, twin, list(TRUTH), starts=0)
    with pytest.raises(ss.ScenarioError, match="inside the declared range"):
        parameter_bounds(["Need growth rate"], bounds={"Need growth rate": (0.0, 9.0)})


def test_implausibility_known_answer(twin):
    plan = observation_plan(twin)
    z = plan.values()
    s = np.sqrt(plan.sigmas() ** 2 + (0.1 * z) ** 2)
    figures = np.vstack([z, z + 3.0 * s * (np.arange(len(z)) == 4)])
    assert implausibility(figures, plan, discrepancy=0.1) == pytest.approx([0.0, 3.0])
    assert implausibility(figures, plan, discrepancy=0.1, rank=2) == pytest.approx([0.0, 0.0])


def test_history_match_keeps_the_truth_and_rules_out_wrong_data(twin, scenario):
    names = list(TRUTH)
    hm = history_match(scenario, twin, parameters=names, n=2000, waves=3, seed=2,
                       discrepancy=0.02)
    assert 0 < hm.kept_fraction < 1
    kept = hm.kept
    for name, value in TRUTH.items():
        assert kept[name].min() <= value <= kept[name].max()
    assert hm.ranges.loc["Need scale", "narrowed"] > 0.3  # the data inform need scale
    doubled = twin.assign(value=twin["value"] * 2.0)
    bad = history_match(scenario, doubled, parameters=names, n=2000, waves=1, seed=2)
    assert len(bad.kept) == 0 and bad.kept_fraction == 0.0


def test_backtest_scores_model_against_naive_forecasters(twin, scenario):
    bt = backtest(scenario, twin, list(TRUTH), train_until=2016, futures=2000,
                  band_members=100)
    assert set(bt.forecasts["year"]) == {2017, 2018, 2019, 2020}
    assert (bt.scores["mape_model"] < 1e-3).all()  # the twin model forecasts itself
    assert (bt.scores["mape_model"] < bt.scores["mape_persistence"]).all()
    assert (bt.scores["inside_band"] == 1.0).all()


def test_naive_forecasts_known_answer():
    train = pd.DataFrame({"series": "a", "year": [2014, 2015, 2016], "value": [10., 20, 30]})
    test = pd.DataFrame({"series": "a", "year": [2017, 2018], "value": [40., 50]})
    out = naive_forecasts(train, test)
    assert out["persistence"].tolist() == [30.0, 30.0]
    assert out["trend"].round(9).tolist() == [40.0, 50.0]


def test_ensemble_draws_history_consistent_futures_when_the_profile_has_them(monkeypatch):
    from slack_sim.analysis import ensemble as ens_module

    kept = pd.DataFrame({"Need scale": np.linspace(1.05, 1.06, 30),
                         "Austerity depth": np.linspace(0.2, 0.3, 30)})
    version = ss.load_model().version
    monkeypatch.setattr(ens_module, "calibration_record",
                        lambda name: {"model_version": version})
    monkeypatch.setattr(ens_module, "kept_futures", lambda name: kept.copy())
    sc = ss.preset("covid-without-austerity")  # sets Austerity depth = 0 itself
    ens = ss.ensemble(sc, n=20)
    assert ens.source == "futures consistent with 2010-2020"
    assert len(ens.samples) == 20 and list(ens.samples.columns) == ["Need scale"]
    assert ens.samples["Need scale"].between(1.05, 1.06).all()
    plausible = ss.ensemble(sc, n=20, futures="plausible")
    assert plausible.source == "plausible futures" and "Need scale" not in plausible.samples
    monkeypatch.setattr(ens_module, "calibration_record",
                        lambda name: {"model_version": "stale"})
    assert ss.ensemble(sc, n=5).source == "plausible futures"  # another model's futures: none
    with pytest.raises(ValueError, match="no history-consistent futures"):
        ss.ensemble(sc, n=5, futures="history")


def test_the_calibration_prior_is_the_published_band():
    """The prior in models/calibration.toml is Webb's band as the evidence module states it
    (one figure, two places that must agree: the spec is data, the module its source)."""
    from slack_sim.analysis.evidence import WEBB_BAND
    from slack_sim.analysis.profiles import evidence_prior

    prior = evidence_prior()
    assert prior is not None and prior.series == "Children in need"
    assert (prior.low, prior.high) == WEBB_BAND
