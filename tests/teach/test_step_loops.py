"""The loop a step names first is the one in charge of its chart (issue 15: "each step names
the loop that actually drives its behaviour").

Checked with Loops that Matter (:mod:`slack_sim.analysis.loops`) on the step's stressed run
over the years its verdict is about; steps whose chart is a spending series or whose
variable no loop moves in the run (step 4's referrals under suppressed presentation) are
not checked here.
"""

import pytest

from slack_sim.analysis.loops import analyse_loops
from slack_sim.teach import storyline

#: step: (the chart variable, the years asked about)
CHECKED = {"bathtub": ("Crisis queue", (2020, 2024)),
           "tipping-point": ("Crisis queue", (2020, 2030)),
           "partnership": ("Partnership strength", (2020, 2030))}


@pytest.mark.parametrize("key", list(CHECKED))
def test_the_loop_named_first_dominates_the_chart(key):
    step = storyline.step(key)
    variable, (first, last) = CHECKED[key]
    scenario = step.runs[-1].scenario
    scenario = scenario() if callable(scenario) else scenario
    periods = analyse_loops(scenario).dominance(variable, named_only=True)
    years = {y: p.loop for p in periods for y in range(int(p.start), int(p.end) + 1)
             if first <= y <= last}
    assert years, f"{key}: no dominance computed for {variable} in {first}-{last}"
    named = step.loops[0]
    share = sum(loop is not None and str(loop).startswith(named) for loop in years.values())
    assert share >= 0.3 * len(years), (key, named, years)
