"""What each step says is in charge of its chart is what Loops that Matter finds (issue 15:
"each step names the loop that actually drives its behaviour").

Every step states a claim (:class:`slack_sim.teach.steps.InCharge`) of one of three kinds,
each checked here on the model's own runs:

- ``"loop"``: the named loop dominates the chart's variable in the step's stressed run over
  the years the verdict is about (:meth:`LoopAnalysis.dominance`, named loops compared);
- ``"push"`` (step 4): no loop, an input pushes the variable: the input's link carries at
  least 90% of the change in the month it switches on, that month carries most of the
  variable's movement over the verdict's window, and with every loop that can be switched
  off knocked out the answer is the same and about as large;
- ``"accounting"`` (the money steps 2, 3 and 8): no named loop runs through the money, and
  what the claim names carries most of the change between the step's runs (the number in
  care for care spending, whose own loop is then checked; the lever's own spending line
  for total spending).
"""

import functools

import numpy as np
import pytest
from simhelpers import MODEL

from slack_sim import simulate
from slack_sim.analysis.link_scores import _link_scores
from slack_sim.analysis.loops import analyse_loops, loop_run
from slack_sim.model.calendar import to_years
from slack_sim.teach import storyline
from slack_sim.teach.rules import shock_window
from slack_sim.teach.steps import STORYLINE

#: The spending lines of ``Total spending`` (its ledger in ``slack.mdl``).
LEDGER = ("Prevention spending", "Partnership spending", "Community spending",
          "Core crisis staff spending", "Failure demand cost", "Agency premium spending",
          "Care placement spending")
#: Share of the years asked about in which the named loop must dominate.
DOMINATES = 0.5


def _claim(key):
    claim = storyline.step(key).in_charge
    assert claim is not None, f"{key}: the step states nothing about what is in charge"
    return claim


def _dominant_years(scenario, variable, years):
    periods = analyse_loops(scenario, model=MODEL).dominance(variable, named_only=True)
    first, last = years
    return {y: p.loop for p in periods for y in range(int(p.start), int(p.end) + 1)
            if first <= y <= last}


@functools.cache
def _periods(key, run_key, variable):
    """``(first year, last year, loop)`` of each period a loop dominates, named loops only."""
    scenario = storyline.step(key).run(run_key).scenario()
    return tuple((int(p.start), int(p.end), p.loop) for p in
                 analyse_loops(scenario, model=MODEL).dominance(variable, named_only=True))


def _shock_year(key, run_key):
    start, _ = shock_window(storyline.step(key).run(run_key).scenario().settings(model=MODEL), 1)
    return int(to_years(start))


def _at(periods, year):
    return next(p for p in periods if p[0] <= year <= p[1])


def _in_words(first, last):
    """Years as the step texts write them: "in 2027", "in 2022 and 2023", "from a to b"."""
    if first == last:
        return f"in {first}"
    return f"in {first} and {last}" if last == first + 1 else f"from {first} to {last}"


def test_every_step_states_what_is_in_charge():
    kinds = {step.key: _claim(step.key).kind for step in STORYLINE}
    assert kinds["hidden-need"] == "push"
    assert {kinds[k] for k in ("austerity", "saves-then-costs", "invest-to-save")} == {
        "accounting"}


@pytest.mark.parametrize("key", [s.key for s in STORYLINE if s.in_charge
                                 and s.in_charge.kind == "loop"])
def test_the_loop_in_charge_dominates_the_chart(key):
    step = storyline.step(key)
    claim = _claim(key)
    assert claim.loop == step.loops[0], f"{key}: the loop in charge is named first"
    years = _dominant_years(step.runs[-1].scenario(), claim.variable, claim.years)
    assert years, f"{key}: no dominance computed for {claim.variable} in {claim.years}"
    share = sum(loop == claim.loop for loop in years.values()) / len(years)
    assert share >= DOMINATES, (key, claim.loop, years)


def test_step_6_names_raising_the_bar_not_burnout():
    # the claim as it was: R2/R3 first; B4 is in charge of the queue in both runs
    claim = _claim("slack")
    for run in storyline.step("slack").runs:
        years = _dominant_years(run.scenario(), claim.variable, claim.years)
        assert sum(v == "B4" for v in years.values()) > sum(
            v in ("R2", "R3") for v in years.values()), (run.key, years)


def test_step_4_referrals_are_pushed_by_the_shock_not_a_loop():
    step = storyline.step("hidden-need")
    claim = _claim("hidden-need")
    scenario = step.run("covid").scenario()
    settings = scenario.settings(model=MODEL)
    run = loop_run(scenario, model=MODEL)
    months = run.index.to_numpy(dtype=float)
    cause = run[claim.cause].to_numpy()
    switch = int(np.flatnonzero(np.diff(cause) != 0)[0])  # the step it switches on
    assert months[switch + 1] == pytest.approx(settings["Shock 1 start"], abs=0.5)
    links = _link_scores(MODEL, run, [(claim.cause, "Crisis presentations"),
                                      ("Crisis presentations", claim.variable)])
    # LTM: the input's link carries (almost) all of that month's change, and so on to
    # referrals: share of the change due to it = the product of the link scores
    carried = abs(links[(claim.cause, "Crisis presentations")][switch]
                  * links[("Crisis presentations", claim.variable)][switch])
    assert carried >= 0.9, carried
    # ... and that month is most of what referrals do over the verdict's window
    window = (months >= months[switch]) & (months <= months[switch + 1] + step.rule.first_months)
    moves = np.abs(np.diff(run[claim.variable].to_numpy()[window]))
    assert moves[0] >= 0.8 * moves.sum(), (moves[0], moves.sum())
    # knock every loop that has a switch out: the answer and its size stay
    switches = {name: 0.0 for name in MODEL.variables if name.startswith("Switch ")}
    assert len(switches) >= 5
    on = storyline.run_step(step, model=MODEL).verdict
    off = storyline.run_step(step, model=MODEL, overrides=switches).verdict
    assert on.answer == off.answer == "fall"
    assert off.numbers["lowest"] == pytest.approx(on.numbers["lowest"], abs=0.02)


def test_step_2_care_spending_is_the_number_in_care_and_r5_is_in_charge_of_it():
    step = storyline.step("austerity")
    claim = _claim("austerity")
    frames = {run.key: simulate(run.scenario()) for run in step.runs}
    ref, cut = frames["baseline"], frames["austerity"]
    first, last = claim.years
    years = ref.index.to_numpy(dtype=float)
    rows = (years >= first) & (years < last + 1)
    money = cut[claim.variable][rows] / ref[claim.variable][rows]
    count = cut[claim.cause][rows] / ref[claim.cause][rows]
    # accounting: the unit cost is the same in both runs, so the money moves with the count
    np.testing.assert_allclose(money.to_numpy(), count.to_numpy(), rtol=1e-9)
    assert float(money.max()) > 1.0, "care spending rises under austerity"
    analysis = analyse_loops(step.run("austerity").scenario(), model=MODEL)
    assert not {lp.group for lp in analysis.through(claim.variable)} & set(MODEL.loops)
    years = _dominant_years(step.run("austerity").scenario(), claim.cause, claim.years)
    assert sum(v == "R5" for v in years.values()) >= DOMINATES * len(years), years
    assert "R5" in step.loops


@pytest.mark.parametrize("key", ["saves-then-costs", "invest-to-save"])
def test_the_money_steps_saving_is_mostly_the_levers_own_spending(key):
    step = storyline.step(key)
    claim = _claim(key)
    assert claim.variable == "Total spending" and claim.cause in LEDGER
    frames = {run.key: simulate(run.scenario()) for run in step.runs}
    reference = frames[step.chart.reference]
    ledger = reference[list(LEDGER)].sum(axis=1)
    np.testing.assert_allclose(ledger, reference["Total spending"], rtol=1e-9)
    for policy in step.chart.policies:
        change = {line: float(np.abs((frames[policy][line] - reference[line]).sum()))
                  for line in LEDGER}
        share = change[claim.cause] / sum(change.values())
        assert share >= 0.5, (key, policy, share, change)
        # the rest is crises let through or avoided: the lines of care and crisis work
        assert max((v for k, v in change.items() if k != claim.cause)) == max(
            change["Care placement spending"], change["Core crisis staff spending"])


# -- the years the words give a loop are the years the analysis gives it ------------------------


def test_step_1_b2_is_in_charge_from_the_shock_to_the_year_the_step_says():
    # the claim checked 2020 to 2024 while its words (and the explanation) said "to 2026"
    step = storyline.step("bathtub")
    claim = _claim("bathtub")
    periods = _periods("bathtub", "covid", claim.variable)
    first, last, loop = _at(periods, _shock_year("bathtub", "covid"))
    assert (loop, first) == ("B2", _shock_year("bathtub", "covid")), periods
    assert claim.years == (first, last), (claim.years, periods)
    assert f"from the shock to {last}" in claim.text
    assert f"from the shock to {last}" in step.explanation
    after = periods[periods.index((first, last, loop)) + 1]
    assert after[2] == "B1" and f"B1 (hiring) {_in_words(*after[:2])}." in claim.text, periods


def test_step_5_r3_is_in_charge_of_the_big_surges_queue_in_the_years_the_step_says():
    claim = _claim("tipping-point")
    periods = _periods("tipping-point", "surge 2.0", claim.variable)
    shock = _shock_year("tipping-point", "surge 2.0")
    (r3,) = [p for p in periods if p[2] == "R3"]
    assert f"with R3 (failure demand) {_in_words(*r3[:2])}." in claim.text, periods
    # B4 from the shock to R3's years, and again after them
    assert _at(periods, shock) == (shock, r3[0] - 1, "B4"), periods
    assert periods[periods.index(r3) + 1][2] == "B4", periods
    assert claim.years[0] == shock


def test_step_6_b4_is_in_charge_of_the_queue_in_the_years_the_step_says():
    # the claim said B4 "from the shock on" with R3 "while pressure is highest", over 2020
    # to 2030: with 30% slack B4 hands over in 2029, and R3 is in charge only with 20%
    step = storyline.step("slack")
    claim = _claim("slack")
    shock = _shock_year("slack", "slack 0.30")
    more = _periods("slack", "slack 0.30", claim.variable)
    first, last, loop = _at(more, shock)
    assert (first, loop) == (shock, "B4"), more
    assert claim.years == (shock, last), (claim.years, more)
    slack = step.run("slack 0.30").scenario().settings(model=MODEL)["Slack target"]
    assert f"to {last} with {slack:.0%} slack" in claim.text
    assert f"with {slack:.0%} slack to {last}" in step.explanation
    # with 20%: B4 to the end of the run but for R3 in a block of years
    less = _periods("slack", "slack 0.20", claim.variable)
    years = {y: lp for a, b, lp in less for y in range(a, b + 1) if y >= shock}
    assert set(years.values()) == {"B4", "R3"}, less
    (r3,) = [p for p in less if p[2] == "R3"]
    usual = step.run("slack 0.20").scenario().settings(model=MODEL)["Slack target"]
    assert (f"to the end of the run with {usual:.0%} but for R3 (failure demand) "
            f"{_in_words(*r3[:2])}.") in claim.text, less


def test_step_7_r4_is_in_charge_of_partnership_strength_throughout():
    claim = _claim("partnership")
    assert "throughout" in claim.text
    for run in storyline.step("partnership").runs:
        assert {p[2] for p in _periods("partnership", run.key, claim.variable)} == {"R4"}
