"""Standard SD tests: stock accounting, no negative stock or NaN, extremes, equilibrium,
integration error (time step halving and scipy's solve_ivp)."""

import numpy as np
import pytest
from engine.pysd_reference import reference
from scipy.integrate import solve_ivp
from simhelpers import MODEL, generic_baseline, run

import slack_sim as ss
from slack_sim.engine.run import pysd_rhs

# Reserves is a balance: below zero is a deficit (declared range [?, ?]).
NONNEGATIVE = [s for s in MODEL.stocks if MODEL[s].minimum is not None and MODEL[s].minimum >= 0]
HEADLINE = ["Cases in care", "Crisis queue", "Waiting time", "Prevention spending",
            "Total spending", "Workforce"]


def check_accounting(frame, dt):
    """Each stock's change over a step equals dt x (inflows - outflows)."""
    for stock, flows in MODEL.stock_flows.items():
        x = frame[stock].to_numpy()
        net = sum(sign * frame[flow].to_numpy() for flow, sign in flows)
        scale = max(np.abs(x).max(), 1e-9)
        err = np.abs(np.diff(x) - dt * net[:-1]).max() / scale
        assert err < 1e-9, f"{stock}: accounting error {err:.2e}"


def check_sane(frame, label):
    values = frame.to_numpy()
    assert np.isfinite(values).all(), f"{label}: NaN or infinity"
    for stock in NONNEGATIVE:
        lo = frame[stock].min()
        assert lo >= -1e-9 * max(1.0, frame[stock].abs().max()), f"{label}: {stock} min {lo}"


def random_scenarios(n, seed):
    rng = np.random.default_rng(seed)
    names = [n_ for n_ in MODEL.levers + MODEL.uncertainties]
    out = []
    for _ in range(n):
        values = {}
        for name in names:
            v = MODEL[name]
            values[name] = float(rng.uniform(v.minimum, v.maximum))
        out.append(ss.preset().with_values(values))
    return out


@pytest.mark.parametrize("engine", ["pysd", "compiled"])
@pytest.mark.parametrize("name", ss.presets())
def test_accounting_presets(name, engine):
    if engine == "pysd":  # stored once per model and PySD version
        frame = reference(ss.preset(name), output_step=MODEL.time_step)
    else:
        frame = ss.simulate(ss.preset(name), engine=engine, output_step=MODEL.time_step)
    check_accounting(frame, MODEL.time_step)
    check_sane(frame, name)


@pytest.mark.slow
def test_accounting_random_draws():
    """200 random in-range draws of every lever and uncertainty (seeded), on the compiled
    engine (equal to PySD within 1e-9: tests/engine/test_engine.py)."""
    for i, sc in enumerate(random_scenarios(200, seed=20101)):
        frame = ss.simulate(sc, output_step=MODEL.time_step)
        check_sane(frame, f"draw {i}")
        check_accounting(frame, MODEL.time_step)


def test_people_are_conserved():
    """People in the stocks change only by new need minus the ways out (RB11 bookkeeping)."""
    frame = run(ss.preset(), output_step=MODEL.time_step)
    people = ["Emerging need", "Hidden need", "Crisis queue", "Cases in care"]
    total = frame[people].sum(axis=1).to_numpy()
    exits = ["Natural resolution", "Prevention resolution", "Community resolution",
             "Crisis cases closed", "Care leavers"]
    net = frame["New need"].to_numpy() - frame[exits].sum(axis=1).to_numpy()
    err = np.abs(np.diff(total) - MODEL.time_step * net[:-1]).max() / total.max()
    assert err < 1e-9


def test_extreme_zero_funding():
    frame = run(ss.preset("austerity"), **{"Austerity depth": 1, "Austerity shape": 2,
                                           "Austerity start": 0, "Funding recovery rate": 0,
                                           "Council backfill share": 0})
    check_sane(frame, "zero funding")
    assert frame["Funding"].iloc[-1] == pytest.approx(0, abs=1e-6)
    assert frame["Prevention spending"].iloc[-1] < 0.01 * frame["Prevention spending"].iloc[0]
    assert frame["Reserves"].iloc[-1] < 0  # the deficit is flagged, not hidden
    assert frame["Reserves exhausted"].iloc[-1] == 1


def test_extreme_zero_workforce():
    frame = run(generic_baseline(), **{"Shock 1 start": 0, "Shock 1 length": 60,
                                       "Shock 1 capacity loss": 1})
    check_sane(frame, "zero workforce")
    during = frame.loc[2012.0]
    assert during["Staff available"] == 0 and during["Agency staff"] > 0
    # only prevention staff pulled into crisis work are left to respond
    assert during["Crisis capacity"] == pytest.approx(
        during["Diverted prevention capacity"] * during["Prevention to crisis conversion"]
        * during["Diverted prevention efficiency"] * during["Effect of partnership on productivity"]
        * during["Effect of innovation on productivity"], rel=1e-9)
    assert during["Crisis throughput"] < 0.1 * frame["Crisis throughput"].iloc[0]
    assert frame["Crisis queue"].loc[2014.75] > 10 * frame["Crisis queue"].iloc[0]


def test_extreme_tenfold_need():
    frame = run(generic_baseline(), **{"Need scale": 10})
    check_sane(frame, "tenfold need")
    base = run(generic_baseline())
    assert frame["Referrals"].iloc[-1] > 5 * base["Referrals"].iloc[-1]
    assert frame["Cases in care"].iloc[-1] > 3 * base["Cases in care"].iloc[-1]


@pytest.mark.parametrize("profile", ["generic", "children-services-england"])
def test_equilibrium_baseline_flat_30_years(profile):
    frame = run(ss.preset("baseline", profile=profile))
    first = frame.iloc[0]
    for stock in MODEL.stocks:
        x, x0 = frame[stock].to_numpy(), first[stock]
        if x0 == 0:
            assert np.abs(x).max() < 1e-9, stock
        else:
            assert np.abs(x / x0 - 1).max() < 0.005, stock


def scale_of(frame, col):
    """Scale for relative errors: the largest value, except for Reserves, a balance that
    crosses zero and accumulates the small difference of two large flows, whose errors are
    measured against a year of funding at the start."""
    if col == "Reserves":
        return 12 * frame["Reference funding"].iloc[0]
    return frame[col].abs().max()


def test_time_step_halving_changes_headlines_under_1pct():
    for name in ["austerity-then-covid", "second-shock"]:
        coarse = run(ss.preset(name))
        fine = run(ss.preset(name), time_step=MODEL.time_step / 2)
        for col in HEADLINE + ["Reserves"]:
            scale = scale_of(coarse, col)
            diff = (coarse[col] - fine[col]).abs().max() / scale
            assert diff < 0.01, f"{name}/{col}: {diff:.4f}"


def test_solve_ivp_agrees_within_1pct():
    sc = ss.preset()
    names, y0, rhs, _ = pysd_rhs(sc)
    months = np.arange(0, 373, 1.0)
    sol = solve_ivp(rhs, (0, 372), y0, t_eval=months, method="RK23", rtol=1e-5, atol=1e-6,
                    max_step=1.0)
    assert sol.success, sol.message
    euler = run(sc)
    for i, stock in enumerate(names):
        if stock not in ("Cases in care", "Crisis queue", "Workforce", "Prevention capacity",
                         "Emerging need", "Reserves"):
            continue
        ref = euler[stock].to_numpy()
        scale = scale_of(euler, stock)
        diff = np.abs(sol.y[i] - ref).max() / scale
        assert diff < 0.01, f"{stock}: {diff:.4f}"
