"""Loops that Matter: known answers on tiny models, then slack.mdl's named loops.

The tiny models are Vensim files written here. Their published answers (Schoenberg,
Davidsen and Eberlein 2020, System Dynamics Review 36(2)):

- logistic growth ``dP/dt = r P (1 - P/K)``: the reinforcing loop's relative score is
  ``1 - P/K`` and the balancing loop's ``-P/K``, so dominance passes from the
  reinforcing loop to the balancing one at the inflection point ``P = K/2``, at
  ``t* = ln((K - P0) / P0) / r``;
- a first-order goal-seeking stock ``dS/dt = (G - S) / T``: one balancing loop whose
  relative score is -1 throughout.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slack_sim.analysis import loops as ltm
from slack_sim.model.parse import load_model
from slack_sim.model.variables import ModelFormatError

CONTROL = """
FINAL TIME  = {final}
\t~\tMonth
\t~\tThe final time.
\t|

INITIAL TIME  = 0
\t~\tMonth
\t~\tThe initial time. Origin: 2000-01.
\t|

SAVEPER  = 1
\t~\tMonth [0,?]
\t~\tOutput step.
\t|

TIME STEP  = {dt}
\t~\tMonth [0,?]
\t~\tThe time step.
\t|
"""

R, K, P0 = 0.1, 1000.0, 10.0

LOGISTIC = """{{UTF-8}}
Population= INTEG (
\tNet growth,
\t\tInitial population)
\t~\tPerson
\t~\tThe population. Stock.
\t|

Net growth=
\tGrowth rate * Population * (1 - Crowding)
\t~\tPerson/Month
\t~\tNet births a month. Loop R1 growth: more people, more births.
\t|

Crowding=
\tPopulation / Carrying capacity
\t~\tDmnl
\t~\tShare of the carrying capacity taken. Loop B1 crowding: more people, fewer births each.{path}
\t|

Growth rate=
\t{r}
\t~\t1/Month
\t~\tFractional growth rate when uncrowded. Kind: constant. Source: test.
\t|

Carrying capacity=
\t{k}
\t~\tPerson
\t~\tCarrying capacity. Kind: constant. Source: test.
\t|

Initial population=
\t{p0}
\t~\tPerson
\t~\tPopulation at the start. Kind: constant. Source: test.
\t|
"""

GOAL = """{UTF-8}
Level= INTEG (
\tAdjustment,
\t\t0)
\t~\tWidget
\t~\tThe level. Stock.
\t|

Adjustment=
\t(Goal - Level) / Adjustment time
\t~\tWidget/Month
\t~\tClosing the gap. Loop B1 closing the gap: a bigger gap, a faster adjustment.
\t|

Goal=
\t100
\t~\tWidget
\t~\tThe goal. Kind: constant. Source: test.
\t|

Adjustment time=
\t8
\t~\tMonth
\t~\tTime to close the gap. Kind: constant. Source: test.
\t|
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def logistic(folder: Path, *, dt: float, path: str = "") -> ltm.LoopAnalysis:
    text = LOGISTIC.format(r=R, k=K, p0=P0, path=path) + CONTROL.format(final=100, dt=dt)
    model = load_model(_write(folder, f"logistic-{dt}.mdl", text))
    return ltm.analyse_loops(model=model, run=ltm.loop_run(model=model, backend="numpy"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ltm")


@pytest.fixture(scope="module")
def growth(folder: Path) -> ltm.LoopAnalysis:
    return logistic(folder, dt=0.0625)


def test_logistic_finds_one_reinforcing_and_one_balancing_loop(growth):
    by_id = {lp.id: lp for lp in growth.loops}
    assert set(by_id) == {"R1", "B1"}
    assert by_id["R1"].polarity == 1 and by_id["R1"].named == "R1"
    assert by_id["B1"].polarity == -1
    assert set(by_id["R1"].variables) == {"Population", "Net growth"}
    assert set(by_id["B1"].variables) == {"Population", "Crowding", "Net growth"}


def test_logistic_relative_scores_are_one_minus_crowding(growth):
    rel = growth.relative("Population")
    share_b = -rel["B1"].to_numpy()
    share_r = rel["R1"].to_numpy()
    np.testing.assert_allclose(share_r + share_b, 1.0, rtol=0, atol=1e-12)
    # published answer: R share = 1 - P/K; first-order in dt (one Euler step's error)
    months = growth.scores.index.to_numpy()
    p = K / (1 + (K - P0) / P0 * np.exp(-R * months))  # analytic logistic
    assert np.max(np.abs(share_r - (1 - p / K))) < R * 0.0625 * 4


def test_logistic_switches_at_the_analytic_inflection_point(folder, growth):
    t_star = math.log((K - P0) / P0) / R
    errors = []
    for _dt, result in ((0.0625, growth), (0.03125, logistic(folder, dt=0.03125))):
        rel = result.relative("Population")
        months = result.scores.index.to_numpy()
        switch = months[np.argmax(rel["R1"].to_numpy() < 0.5)]
        # the balancing loop dominates from then on
        after = rel["B1"].to_numpy()[months >= switch]
        assert np.all(np.abs(after) > 0.5)
        errors.append(abs(switch - t_star))
    assert errors[0] < 0.5  # months: within a fortnight of the analytic time
    assert errors[1] < errors[0]  # and closer with a smaller time step (Euler converges)


def test_logistic_dominance_periods_name_the_loops(growth):
    periods = growth.dominance("Population")
    assert [p.loop for p in periods] == ["R1", "B1"]
    assert periods[0].label == "R1 growth"
    # the inflection month (t* = 46 months) falls in 2003; that year's mean shares decide
    assert periods[0].end in (2002.0, 2003.0)
    assert periods[1].start == periods[0].end + 1
    assert "R1 growth from 2000" in growth.sentence("Population")


def test_declared_path_is_used_and_checked(folder):
    path = " Loop path B1: Population > Crowding > Net growth."
    declared = logistic(folder, dt=0.0625, path=path)
    assert declared.loop("B1").variables == ("Population", "Crowding", "Net growth")
    bad = LOGISTIC.format(r=R, k=K, p0=P0, path=" Loop path B1: Population > Net growth > "
                          "Crowding.") + CONTROL.format(final=10, dt=0.25)
    model = load_model(_write(folder, "bad-path.mdl", bad))
    with pytest.raises(ModelFormatError, match="'Net growth' does not appear in the equation "
                       "of 'Crowding'"):
        ltm.declared_paths(model)


def test_goal_seeking_stock_has_one_balancing_loop_at_minus_one(folder):
    model = load_model(_write(folder, "goal.mdl", GOAL + CONTROL.format(final=60, dt=0.25)))
    result = ltm.analyse_loops(model=model, run=ltm.loop_run(model=model, backend="numpy"))
    assert [lp.id for lp in result.loops] == ["B1"]
    scores = result.scores["B1"].to_numpy()
    np.testing.assert_allclose(scores, -1.0, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.relative("Level")["B1"], -1.0, rtol=0, atol=1e-9)
    assert [p.loop for p in result.dominance("Level")] == ["B1"]


def test_link_score_of_a_sum_is_each_terms_share(folder):
    # z = x + y, with x and y growing linearly at 3 and 1 a month: shares 3/4 and 1/4
    text = """{UTF-8}
X= INTEG (X growth, 0)
\t~\tWidget
\t~\tA stock growing 3 a month.
\t|

X growth=
\t3
\t~\tWidget/Month
\t~\tGrowth of X. Kind: constant. Source: test.
\t|

Y= INTEG (Y growth, 0)
\t~\tWidget
\t~\tA stock growing 1 a month.
\t|

Y growth=
\t1
\t~\tWidget/Month
\t~\tGrowth of Y. Kind: constant. Source: test.
\t|

Z=
\tX + Y
\t~\tWidget
\t~\tTheir sum.
\t|
""" + CONTROL.format(final=10, dt=0.5)
    model = load_model(_write(folder, "sum.mdl", text))
    run = ltm.loop_run(model=model, backend="numpy")
    scores = ltm._link_scores(model, run, [("X", "Z"), ("Y", "Z")])
    np.testing.assert_allclose(scores[("X", "Z")], 0.75, atol=1e-12)
    np.testing.assert_allclose(scores[("Y", "Z")], 0.25, atol=1e-12)


# -- slack.mdl ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def slack_run() -> pd.DataFrame:
    return ltm.loop_run()


@pytest.fixture(scope="module")
def slack(slack_run) -> ltm.LoopAnalysis:
    return ltm.analyse_loops(run=slack_run)


def test_equations_reproduce_the_engine_run(slack_run):
    """The evaluator runs the engine's own code: it gives back every recorded value."""
    model = load_model()
    eq = ltm._equations(model)
    values = ltm._values(eq, slack_run, slice(None))
    for name in ltm.causal_graph(model):
        if model[name].kind == "stock":
            continue
        got = eq.evaluate(name, values)
        np.testing.assert_allclose(got, slack_run[name].to_numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_link_polarities_follow_the_equations(slack):
    pol = slack.polarities
    assert pol[("Crisis queue", "Work pressure")] == 1
    assert pol[("Crisis throughput", "Crisis queue")] == -1  # an outflow
    assert pol[("Crisis capacity", "Utilisation")] == -1  # throughput / capacity
    # a MIN whose other side binds all along the run: the sign where the link acts
    assert pol[("Crisis queue", "Crisis throughput")] == 1


def test_every_named_loop_is_a_cycle_of_its_declared_polarity(slack):
    model = load_model()
    graph = ltm.causal_graph(model)
    for loop_id in model.loops:
        cycles = [lp for lp in slack.loops if lp.named == loop_id]
        assert cycles, f"no cycle found for {loop_id}"
        for lp in cycles:
            assert lp.polarity == (1 if loop_id.startswith("R") else -1), lp
            for a, b in lp.links:
                assert b in graph[a], (lp.id, a, b)


def test_independent_loops_cover_every_link_on_a_cycle():
    model = load_model()
    graph = ltm.causal_graph(model)
    covered = {link for cycle in ltm.independent_loops(model, graph)
               for link in zip(cycle, cycle[1:] + cycle[:1], strict=True)}
    for a, effects in graph.items():
        for b in effects:
            on_cycle = ltm._path(graph, b, a) is not None
            assert ((a, b) in covered) == on_cycle, (a, b)


@pytest.mark.parametrize("variable", ["Crisis queue", "Children looked after", "Workforce"])
def test_dominance_of_the_headline_stocks(slack, variable):
    shares = slack.shares(variable)
    total = shares.abs().sum(axis=1).to_numpy()
    moving = total > 0
    assert moving.mean() > 0.9  # loops through the stock move nearly all the run
    np.testing.assert_allclose(total[moving], 1.0, atol=1e-9)
    periods = slack.dominance(variable, named_only=True)
    assert periods[0].start == 2010.0 and periods[-1].end == 2046.0
    assert all(p.loop in load_model().loops for p in periods if p.loop)
    assert variable in slack.sentence(variable)
