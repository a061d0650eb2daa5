"""Reference behaviours RB1 to RB12 of DESIGN.md, one named test each, plus loop knockout.

Each experiment is stated in its test: what is run, what is compared, with what margin.

The reference behaviours are properties of the model's structure, tested where the
structure is set by its sources: England's profile on its sourced values
(:data:`SOURCED`, ``children-services-england-uncalibrated``). The default profile is
England calibrated to 2010-2020 (``models/profiles/calibration.csv``); history puts it
further from the tipping point (need growth 0.15% a year against the sourced 0.5%), so
there RB3 (tipping), RB7's overshoot, RB8 and RB11's 20% displacement take larger shocks
than these experiments' (``docs/technical-reference.md``, Calibration).
"""

import numpy as np
import pytest
from simhelpers import MODEL, generic_baseline, run

import slack_sim as ss

#: England on its sourced values (the profile without its calibration)
SOURCED = "children-services-england-uncalibrated"
SHOCK_AT = 120  # month of the constructed shocks (January 2020), long after any transient


def england(name: str = "baseline") -> ss.Scenario:
    """A preset on England's sourced values (:data:`SOURCED`)."""
    return ss.preset(name, profile=SOURCED)


def shock(size: float, *, length: float = 12, capacity_loss: float = 0.0, **more: float):
    """Values for a constructed Shock 1 on the generic baseline."""
    values = {"Shock 1 start": SHOCK_AT, "Shock 1 length": length,
              "Shock 1 demand surge": size, "Shock 1 capacity loss": capacity_loss,
              "Shock 1 suppressed presentation": 0, "Shock 1 emergency funding": 0,
              "Shock 1 collaboration boost": 0}
    values.update(more)
    return values


def at(frame, month):
    return frame.iloc[int(round(month))]


def test_rb1_waiting_time_convex_in_utilisation():
    """Steady states at utilisation 0.5 ... 0.95 (generic baseline, slack = 1 - u):
    each stays an equilibrium, and the wait is convex with wait(95%) / wait(85%) >= 3."""
    utils = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    waits = []
    for u in utils:
        slack = round(1 - u, 2)
        frame = run(generic_baseline(**{"Reference slack": slack, "Slack target": slack,
                                        "Sustainable work intensity": 0.95}))
        assert frame["Utilisation"].iloc[-1] == pytest.approx(u, rel=1e-6)
        assert frame["Crisis queue"].iloc[-1] == pytest.approx(frame["Crisis queue"].iloc[0],
                                                               rel=1e-6)
        waits.append(frame["Waiting time"].iloc[-1])
    waits = np.array(waits)
    assert np.all(np.diff(waits) >= -1e-12)
    slopes = np.diff(waits) / np.diff(utils)
    assert np.all(np.diff(slopes) >= -1e-9), "waiting time is not convex in utilisation"
    assert waits[utils.index(0.95)] / waits[utils.index(0.85)] >= 3


@pytest.mark.parametrize("preset_name", ["baseline", "covid-without-austerity"])
def test_rb2_littles_law_in_steady_state(preset_name):
    """Queue = arrivals x wait within 1% once the system is at rest (2046). v2 reports
    Referrals (the arrivals to the queue) in children a year: arrivals a month are a
    twelfth of them, and the wait is in months."""
    frame = run(ss.preset(preset_name, profile="generic"))
    last = frame.iloc[-1]
    assert abs(frame["Crisis queue"].iloc[-13:].pct_change().dropna()).max() < 1e-3
    arrivals = last["Referrals"] / last["Months per year"]
    assert arrivals == pytest.approx(last["Crisis presentations"] + last["Failure demand"]
                                     + last["Hidden need re presenting"], rel=1e-12)
    assert last["Crisis queue"] == pytest.approx(arrivals * last["Waiting time"], rel=0.01)


def test_rb6_austerity_shifts_spend_from_prevention_to_crisis():
    """With statutory protection, austerity cuts the prevention share and raises the crisis
    share of spending (2018 against 2010); without protection the shift is smaller."""
    def shares(frame, month):
        row = at(frame, month)
        return (row["Prevention spending"] / row["Total spending"],
                row["Crisis spending"] / row["Total spending"])

    protected = run(england("austerity"))
    p0, c0 = shares(protected, 0)
    p1, c1 = shares(protected, 96)
    assert p1 < p0 - 0.1 and c1 > c0 + 0.1
    assert at(protected, 96)["Crisis spending"] > at(protected, 0)["Crisis spending"]
    spread = run(england("austerity"), **{"Statutory protection": 0})
    q1, _ = shares(spread, 96)
    assert q1 > p1


def test_rb7_measured_demand_falls_while_hidden_need_builds_then_overshoots():
    """Covid-19 (the preset's Shock 1) against the same history without it. The demand side
    alone (civic response off): referrals fall while hidden need builds, then overshoot the
    no-shock run. The civic response (partnerships, volunteers, innovation) shortens the
    overshoot but does not remove it.

    v1 asked for a two-year overshoot; v2's overshoot lasts about 21 months (17 with the civic
    response) now that failure demand no longer amplifies it beyond its evidenced strength.
    Restated by what comes back: over the two years after the shock the extra referrals add
    up to at least the hidden need that re-presents (the hidden need at the shock's end times
    the share returning rather than resolving, times the share not escalating to a plan)."""
    start, length = 122, 15
    calm = run(england())
    demand_only = run(england("covid-without-austerity"),
                      **{"Shock 1 collaboration boost": 0})
    covid = run(england("covid-without-austerity"))
    for frame in (demand_only, covid):
        during = slice(start + 1, start + 4)
        assert (frame["Referrals"].iloc[during] < calm["Referrals"].iloc[during]).all()
        hidden = frame["Hidden need"].iloc[start: start + length]
        assert hidden.iloc[-1] > 0 and hidden.iloc[3] > hidden.iloc[0]
    end = start + length
    months = {}
    for label, frame in (("demand only", demand_only), ("civic", covid)):
        excess = (frame["Referrals"] - calm["Referrals"]).to_numpy()
        assert (excess[end: end + 12] > 0).all(), f"{label}: no one-year overshoot"
        months[label] = int(np.argmax(excess[end:] <= 0))
        back = 1 / MODEL["Hidden need return time"].default
        resolve = 1 / MODEL["Natural resolution time"].default
        re_presenting = (frame["Hidden need"].iloc[end] * back / (back + resolve)
                         * (1 - MODEL["Severe share of hidden need"].default))
        extra = excess[end: end + 24].sum() / 12  # children a year over 24 monthly rows
        assert extra >= re_presenting, (label, extra, re_presenting)
    assert months["demand only"] > months["civic"] >= 12, months


def test_rb8_fatigue_and_attrition_stay_high_after_a_surge():
    """A one-year surge: 12 months after it ends, fatigue is still over half its peak and
    leavers still above the no-surge run's.

    v2: on the England baseline (15% slack) with the RB3 experiment's surge (demand +60%,
    10% of staff off sick); the generic profile's 20% slack absorbs a surge without fatigue
    (fatigue builds only above the sustainable work intensity, 0.9), and England's
    population grows, so leavers are compared with the run without the surge."""
    calm = run(england())
    frame = run(england().with_values(shock(0.6, **TIP)))
    end = SHOCK_AT + 12
    peak = frame["Fatigue"].max()
    assert peak > 0.1
    assert at(frame, end + 12)["Fatigue"] > 0.5 * peak
    assert at(frame, end + 12)["Staff leaving"] > 1.05 * at(calm, end + 12)["Staff leaving"]
    assert at(frame, end + 60)["Fatigue"] < 0.25 * peak


def test_rb8_fatigue_recovers_only_with_slack():
    """DESIGN.md: fatigue recovers only with slack. After a large surge (the tipping shock,
    1.5), while the service still runs 2 points or more above its sustainable intensity,
    fatigue recovers at most at 85% of its free speed (the gap over Time to recover from
    fatigue), the busiest month under 80%; once there is slack again, at full speed."""
    frame = run(england().with_values(shock(1.5, **TIP)))
    gap = (frame["Fatigue"] - frame["Indicated fatigue"]).to_numpy()
    recovering = gap > 1e-3
    free = gap / MODEL["Time to recover from fatigue"].default
    speed = frame["Fatigue recovery"].to_numpy()[recovering] / free[recovering]
    utilisation = frame["Utilisation"].to_numpy()[recovering]
    sustainable = MODEL["Sustainable work intensity"].default
    busy, calm = utilisation > sustainable + 0.02, utilisation < sustainable
    assert busy.sum() >= 6 and calm.sum() >= 6
    assert speed[busy].max() <= 0.85
    assert speed[np.argmax(utilisation)] < 0.8  # the busiest month recovers slowest
    assert speed[calm].min() == pytest.approx(1.0, rel=1e-9)


def test_rb9_crisis_partnership_spike_decays_unless_reinforced():
    """A collaboration boost lifts partnership strength; the excess halves within 3 to 24
    months of the shock's end, and lasts longer when partnership investment reinforces it."""
    boost = shock(0.0, **{"Shock 1 collaboration boost": 0.05})
    frame = run(generic_baseline(**boost))
    p0 = at(frame, SHOCK_AT - 1)["Partnership strength"]
    end = SHOCK_AT + 12
    excess = frame["Partnership strength"].iloc[end:] - p0
    assert excess.iloc[0] > 0.02
    half = int(np.argmax(excess.to_numpy() < excess.iloc[0] / 2))
    assert 3 <= half <= 24
    reinforced = run(generic_baseline(**boost, **{"Partnership investment": 2,
                                                  "Policy start time": end}))
    assert at(reinforced, end + 24)["Partnership strength"] > at(frame, end + 24)[
        "Partnership strength"] + 0.01


def test_rb11_capacity_cut_is_displaced_not_removed():
    """Losing 30% of staff for a year: people are not lost, they move into the backlog,
    failure demand and care (cumulative care entries and failure demand rise)."""
    calm = run(generic_baseline())
    cut = run(generic_baseline(**shock(0.0, capacity_loss=0.3)))
    # v2: the generic profile's 20% slack absorbs most of a 30% cut (peak +11%); the England
    # baseline (15% slack) shows the displacement, measured against the run without the cut
    # at the same time (it grows)
    eng_calm = run(england())
    eng_cut = run(england().with_values(shock(0.0, capacity_loss=0.3)))
    assert (eng_cut["Crisis queue"] / eng_calm["Crisis queue"]).max() > 1.2
    assert cut["Crisis queue"].max() > 1.05 * calm["Crisis queue"].max()
    assert cut["Failure demand"].sum() > calm["Failure demand"].sum()
    assert cut["Care starts"].sum() > calm["Care starts"].sum()
    # nobody vanishes: people in the system plus those who left add up to those who came
    # (v2: the pathway's three stocks, and every way out of the six stocks of children)
    people = ["Emerging need", "Hidden need", "Crisis queue", "Children in need support",
              "Child protection plans", "Children looked after"]
    exits = ["Natural resolution", "Prevention resolution", "Community resolution",
             "Hidden need resolution", "Crisis cases closed", "Need support closures",
             "Reunification", "Adoption", "Special guardianship", "Leaving care at 18"]
    fine = run(generic_baseline(**shock(0.0, capacity_loss=0.3)), output_step=0.25)
    stock = fine[people].sum(axis=1).to_numpy()
    net = (fine["New need"] - fine[exits].sum(axis=1)).to_numpy()
    assert np.abs(stock[-1] - stock[0] - 0.25 * net[:-1].sum()) < 1e-6 * stock.max()


def test_rb12_failure_demand_share_rises_with_pressure_and_stays_bounded():
    frames = [run(england(n)) for n in ss.presets()]
    frames.append(run(generic_baseline(**shock(2.0, capacity_loss=0.5))))
    for frame in frames:
        share = frame["Failure demand share"]
        assert share.min() >= 0 and share.max() <= 0.8
    frame = frames[-1]
    order = np.argsort(frame["Work pressure"].to_numpy())
    # v2: the fraction also rises as capability falls, which lags pressure, so the part that
    # pressure sets (the fraction with capability's effect taken out) is what is monotone
    fraction = frame["Failure demand fraction"].to_numpy()[order]
    pressure_part = (fraction * np.maximum(0.1, frame["Effect of capability on productivity"]
                                           .to_numpy()[order]))
    capped = fraction >= MODEL["Maximum failure demand fraction"].default - 1e-12
    assert np.all(np.diff(pressure_part[~capped]) >= -1e-12), \
        "failure demand not monotone in pressure"
    assert fraction[-1] > fraction[0]
    # and lost capability raises it: the same pressure with capability halved
    low = run(generic_baseline(**shock(2.0, capacity_loss=0.5), **{"Capability life": 6}))
    assert low["Failure demand fraction"].max() >= frame["Failure demand fraction"].max()


# -- RB3, RB4, RB5, RB10 and the loop knockout --------------------------------------------

TIP = {"Shock 1 capacity loss": 0.1}


def recovery_month(frame, calm, *, before=SHOCK_AT - 1, tolerance=0.05):
    """First month after which the crisis queue stays within 5% of the run without the shock.

    v1's baselines were flat, so the pre-shock level was the yardstick; v2's England baseline
    grows with its population, need and unit costs, so the yardstick is the same settings
    without the shock (``calm``). None: never back (a lasting degraded state)."""
    q = frame["Crisis queue"].to_numpy()
    q0 = calm["Crisis queue"].to_numpy()
    # one-sided, as slack_sim.metrics.shock_response: settling lower counts as recovered
    outside = np.nonzero(q - q0 > tolerance * q0)[0]
    last = outside[-1] if len(outside) else before
    return None if last >= len(q) - 1 else int(last + 1)


def tipping_settings(slack=0.15, r1=1):
    return {"Slack target": slack, "Switch R1 firefighting trap": r1}


def tipping_run(size, *, slack=0.15, r1=1):
    """Children's-services baseline (no austerity), a one-year shock at month 120."""
    return run(england().with_values({**shock(size, **TIP),
                                                  **tipping_settings(slack, r1)}))


def calm_run(*, slack=0.15, r1=1):
    """The same settings as :func:`tipping_run` without the shock."""
    return run(england().with_values(tipping_settings(slack, r1)))


def recovery(size, *, slack=0.15, r1=1):
    return recovery_month(tipping_run(size, slack=slack, r1=r1), calm_run(slack=slack, r1=r1))


def test_rb3_tipping_point_threshold_rises_with_slack():
    """Small shocks recover, large ones leave a lasting degraded state; with more slack the
    large shock recovers too. v2 (failure demand at its evidenced strength) tips between a
    surge of 1.2 and 1.5 at 15% slack, so the large shock is 2.0 (v1: 1.5); at 25% slack the
    same shock recovers."""
    calm = calm_run()
    small, large = tipping_run(0.6), tipping_run(2.0)
    assert recovery_month(small, calm) is not None
    assert recovery_month(large, calm) is None
    assert large["Crisis queue"].iloc[-1] > 2 * calm["Crisis queue"].iloc[-1]  # lasting
    assert large["Prevention capacity"].iloc[-1] < 0.5 * calm["Prevention capacity"].iloc[-1]
    assert recovery(2.0, slack=0.25) is not None
    # the threshold lies between: every shock up to 1.2 recovers at 15% slack, 1.5 does not
    assert all(recovery(s) is not None for s in (0.3, 0.6, 0.8, 1.0, 1.2))
    assert recovery(1.5) is None


def test_rb3_overload_alone_can_tip_it():
    """DESIGN.md: overload alone can tip the service, not only the budget rule. With the
    firefighting trap off (no diversion, and the budget sees only 2010 statutory needs), the
    large shock still leaves a lasting degraded state."""
    assert recovery(2.0, r1=0) is None
    assert tipping_run(2.0, r1=0)["Crisis queue"].iloc[-1] > 1.5 * calm_run(r1=0)[
        "Crisis queue"].iloc[-1]


def test_rb3_experiment_of_the_presets_file_is_this_one():
    """The tipping experiment the analysis tools read from models/presets.toml
    ([experiments.rb3]: rb3_scenario, RB3_SHOCK) is the RB3 run of this file."""
    from slack_sim.analysis.tipping import RB3_SHOCK, rb3_scenario

    sc = rb3_scenario()
    expected = england().with_values(shock(0.6, **TIP))
    assert sc.settings() == expected.settings() and sc.name == "rb3-tipping"
    assert {**RB3_SHOCK, "Shock 1 demand surge": 0.6} == shock(0.6, **TIP)


def test_loop_knockout_r1_removes_the_tipping_point():
    """With the firefighting trap switched off, the shock that tipped the system recovers
    (and prevention ends where it would have without the shock)."""
    assert recovery(1.5) is None
    knocked_out = tipping_run(1.5, r1=0)
    assert recovery_month(knocked_out, calm_run(r1=0)) is not None
    # v2 recovers more slowly (in 2042), so prevention is compared once it has had time to
    # rebuild: month 700 (2068), beyond the standard horizon
    late = {"final_time": 700}
    base = england().with_values(tipping_settings(r1=0))
    hit = ss.simulate(base.with_values(shock(1.5, **TIP)), **late)
    assert hit["Prevention capacity"].iloc[-1] == pytest.approx(
        ss.simulate(base, **late)["Prevention capacity"].iloc[-1], rel=0.05)


def test_rb4_working_harder_helps_then_hurts():
    """A sustained five-year surge: with working harder (B2) the queue is lower at first,
    then higher (the extra effort builds fatigue, attrition and lost productivity)."""
    surge = shock(0.5, length=60)
    on = run(england().with_values(surge))
    off = run(england().with_values({**surge, "Switch B2 working harder": 0}))
    diff = (on["Crisis queue"] - off["Crisis queue"]).to_numpy()
    assert diff[SHOCK_AT + 6: SHOCK_AT + 25].max() < 0  # helps
    assert diff[200:300].min() > 0  # then hurts


def test_rb4_protecting_prevention_dips_then_wins():
    """Under a large one-year shock, protecting prevention time (and with it development
    time) first leaves a longer queue (no diverted staff), then wins: capability stays
    higher, fewer children are looked after during the shock, it costs less over the run,
    and the queue ends shorter.

    v1's queue won within 30 months. In v2 prevention's effect is the evidence's size (Webb
    2021) and early-help staff diverted to crisis work are a large resource, so the queue's
    win comes late (about 18 years after the shock): a finding, restated here as the queue
    being shorter from some month on to the end of the run."""
    big = shock(0.8, **TIP)
    protect = run(england().with_values({**big, "Prevention time protection": 1}))
    divert = run(england().with_values(big))
    diff = (protect["Crisis queue"] - divert["Crisis queue"]).to_numpy()
    assert diff[SHOCK_AT + 3: SHOCK_AT + 15].min() > 0  # the dip
    later = np.nonzero(diff[SHOCK_AT:] >= 0)[0][-1] + SHOCK_AT + 1
    assert later < len(diff) - 12 and (diff[later:] < 0).all()  # the win, to the end
    # capability higher for five years after the shock (then the queues, and so the
    # diversion, meet), by over 0.05 at best
    kept = (protect["Capability"] - divert["Capability"]).iloc[SHOCK_AT + 3: SHOCK_AT + 60]
    assert kept.min() > 0 and kept.max() > 0.05
    looked_after = (protect["Children looked after"] - divert["Children looked after"])
    assert looked_after.iloc[SHOCK_AT: SHOCK_AT + 24].max() < 0
    assert protect["Total spending"].sum() < divert["Total spending"].sum()


#: Prevention that pays for itself within children's services: effectiveness 0.8 and
#: deadweight 0.2 (inside the declared ranges, beyond the plausible ones). At the evidence's
#: central values a pound of early help avoids about 0.36 of social work and care
#: (slack_sim.analysis.evidence.return_per_pound, checked by test_model_v2), so a cut is
#: never repaid within children's services, only outside them (Troubled Families 2.28).
STRONG_PREVENTION = {"Prevention effectiveness": 0.8, "Prevention deadweight": 0.2}


def crossover(delay, **values):
    calm = run(generic_baseline(**{"Time to escalate": delay, **values}))
    cut = run(generic_baseline(**{"Time to escalate": delay, "Prevention investment": 0.5,
                                  **values}))
    saving = (cut["Total spending"] - calm["Total spending"]).cumsum().to_numpy()
    assert saving[24] < 0  # cutting prevention saves money at first
    later = np.nonzero(saving > 0)[0]
    return int(later[0]) if len(later) else None


def test_rb5_prevention_cut_saves_then_costs_crossover_grows_with_delay():
    """Where prevention pays for itself (STRONG_PREVENTION), a cut saves for some years,
    then costs more, later the longer the delay; at the central effect sizes it never
    costs more within children's services (v2's restatement of v1's RB5, whose prevention
    returned more than a pound per pound)."""
    short, longer, longest = (crossover(d, **STRONG_PREVENTION) for d in (12, 18, 24))
    assert None not in (short, longer, longest)
    assert short < longer < longest
    assert crossover(18) is None


def test_rb10_stronger_partnership_lower_peak_faster_recovery():
    """Partnership built up before the shock (investment x2 from 2010) lowers the backlog
    peak and shortens recovery."""
    hit = shock(0.5, **TIP)
    weak = run(england().with_values(hit))
    strong = run(england().with_values({**hit, "Partnership investment": 2}))
    assert strong["Partnership strength"].iloc[SHOCK_AT - 1] > \
        weak["Partnership strength"].iloc[SHOCK_AT - 1] + 0.05
    assert strong["Crisis queue"].max() < weak["Crisis queue"].max()
    # recovery: back to the service the status quo would have had without the shock (v2's
    # baseline grows, so the yardstick is that run, the same for both)
    calm = run(england())
    assert recovery_month(strong, calm) < recovery_month(weak, calm)
