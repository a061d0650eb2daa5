"""The storyline's content, as data: each step's question, runs, chart, answers and rule.

:data:`STORYLINE` follows the numbered notebooks: the crisis queue as a bathtub; austerity
and the firefighting trap; Covid, hidden need and the tipping point; partnership capital;
invest to save. A :class:`Step` names a one-idea question and its candidate answers, the
scenarios it runs (:class:`Run`), what it draws (:class:`Chart`), the :class:`Rule`
that computes the right answer from the runs, and an explanation tied to the model's
named feedback loops (the types are :mod:`slack_sim.teach.step_types`'s). Nothing here
runs the model; :mod:`slack_sim.teach.runner` does.
"""

from __future__ import annotations

import math

from ..analysis.tipping import RB3_SHOCK
from ..model.calendar import START_YEAR, to_years
from .outcome_rules import BothOrEither, CrossoverYear, HarmAgainst
from .rules import Direction, FadeTime, PeakTiming, Shift, horizon_text, shock_text, shock_window
from .step_types import Chart, InCharge, Run, Step

__all__ = ["CLEAN_SHOCK", "CUT_YEARS", "FADE_YEARS", "RECOVERY_YEARS", "STORYLINE",
           "TEACHING_PROFILE", "TIPPING_SHOCK", "Chart", "InCharge", "Run", "Step", "step"]

#: The first year of the model run and its last month, as the step texts write them.
_Y0 = int(START_YEAR)
_END = horizon_text()
#: The last calendar year of the run (of the same text).
_END_YEAR = int(_END.split()[-1])


#: The one-year shock of the tipping-point experiment (:data:`slack_sim.tipping.RB3_SHOCK`).
CLEAN_SHOCK: dict[str, float] = RB3_SHOCK

#: The shock of the tipping-point and slack steps: the RB3 shock (:data:`CLEAN_SHOCK`) made
#: two years long with 20% of staff off sick. On model v2, with failure demand (R3) at its
#: evidenced strength, a one-year shock on the flat teaching profile tips only at very low
#: slack, so the steps use a longer, harder shock. Add a demand surge.
TIPPING_SHOCK: dict[str, float] = {**CLEAN_SHOCK, "Shock 1 length": 24.0,
                                   "Shock 1 capacity loss": 0.2}

#: The tipping-point step's window: "back to where it was within this many years of the
#: shock's end" (a recovery always states in how long).
RECOVERY_YEARS = 3

#: The austerity step's years (from the start of the first to the start of the second): the
#: 2010s after the first budget year. Totals over the years, not the month the cut is deepest:
#: that month moves with the shape of the austerity path (a front-loaded cut is deepest in
#: 2010, before prevention capacity, a slow stock, has been cut), and it split the old
#: question ("by more than the cut, about as much or less?") three ways across the futures.
CUT_YEARS: tuple[float, float] = (2011.0, 2020.0)

#: The partnership step's first answer: "back down within this many years of the shock's
#: end". In the history-consistent futures of England the fade takes 13 months at the median
#: and 28 at the 90th percentile; "within 2 years" held in only 83% of them (a long partnership
#: erosion time or a large collaboration boost takes it past two years), "within 4" in 99%.
FADE_YEARS = 4

#: The tipping-point step's council and shock: the RB3 shock made two years long, 10% of
#: staff off sick, in a council planned with 35% spare capacity. Checked across 500
#: plausible futures (:mod:`slack_sim.teach.robustness`): a 30% surge is back within
#: :data:`RECOVERY_YEARS` years and a 200% one is not in more than 90% of them; with the
#: status quo's 20% slack or a 60% against a 150% surge the tipping threshold itself moves
#: with the effect sizes and the answer held in only 41% of the futures.
_TIPPING_COUNCIL: dict[str, float] = {**CLEAN_SHOCK, "Shock 1 length": 24.0,
                                      "Shock 1 capacity loss": 0.1, "Slack target": 0.35}

#: The round-number teaching profile: population, need and unit costs held flat, so with no
#: austerity and no shock it is an exact equilibrium and "back to where it was" is well defined.
TEACHING_PROFILE = "generic"

#: The bathtub step's Covid run. Its shock is the teaching profile's, not England's: its
#: question states the months from the run's own settings, as its verdict and charts do.
_COVID_RUN = Run("covid", "Covid, no austerity", "covid-without-austerity",
                 profile=TEACHING_PROFILE, colour=1)
_COVID_SETTINGS = _COVID_RUN.scenario().settings()
#: The months the bathtub's shock runs (e.g. "January 2020 to December 2020").
_COVID_MONTHS = shock_text(_COVID_SETTINGS, 1)
#: The calendar years the bathtub's shock and the tipping-point and slack steps' shock start.
_COVID_YEAR = int(to_years(shock_window(_COVID_SETTINGS, 1)[0]))
_TIPPING_YEAR = int(to_years(CLEAN_SHOCK["Shock 1 start"]))

#: The years Loops that Matter (named loops, as the Model page shows them) puts a loop in
#: charge of a step's crisis queue, as the step's words give them; each is checked against
#: the analysis of the step's runs in ``tests/teach/test_step_loops.py``. Step 1 (the Covid
#: run): B2 working harder from the shock to this year, B1 hiring the year after.
_B2_LAST = 2026
#: Step 5 (the 200% surge): R3 failure demand in these years, B4 raising the bar either side.
_R3_YEARS = (2025, 2028)
#: Step 6: B4 raising the bar from the shock to this year with 30% slack; with 20% on to the
#: end of the run but for R3 failure demand in :data:`_R3_YEARS_SLACK`.
_B4_LAST_SLACK = 2028
_R3_YEARS_SLACK = (2022, 2023)


def _years_text(years: tuple[int, int]) -> str:
    """Return calendar years in words: ``"in 2027"``, ``"in 2022 and 2023"``, ``"from a to b"``."""
    first, last = years
    if first == last:
        return f"in {first}"
    return f"in {first} and {last}" if last == first + 1 else f"from {first} to {last}"


#: The storyline, in the order of the notebooks.
STORYLINE: tuple[Step, ...] = (
    Step(
        key="bathtub",
        title="The crisis queue is a bathtub",
        question=("Covid-19 hits a round-number council of 50,000 children from "
                  f"{_COVID_MONTHS} (no austerity, population and need held flat, so the shock "
                  "is seen on its own). When is the crisis queue (children waiting for a "
                  "statutory response) furthest above where it would have been without Covid?"),
        runs=(
            Run("baseline", "No Covid", "baseline", profile=TEACHING_PROFILE),
            _COVID_RUN,
        ),
        chart=Chart(variables=("Crisis queue",), window=(2015.0, 2030.0)),
        answers={
            "before": "Never: Covid does not push it above",
            "during": "While the Covid shock is on",
            "after": "After the shock has ended",
        },
        rule=PeakTiming("covid", "Crisis queue", shock=1, noun="children",
                        reference="baseline"),
        loops=("B2", "B1"),
        explanation=(
            "The queue is a stock, like water in a bath: it rises in every month that more "
            "children arrive than are served, and it peaks where inflow and outflow cross, "
            "not when the shock is at its worst. Part of the inflow comes late: need held "
            "back in lockdown (hidden need) returns after it. The plug hole widens first "
            "through loop B2 (working harder): staff take on more than their sustainable "
            "pace, which drains the queue until fatigue and stress wear the effort down; "
            f"it is the loop in charge of the queue from the shock to {_B2_LAST} (Loops that "
            "Matter, Model page). Loop B1 (hiring) comes later: planners fund posts for "
            "the demand they expect, averaged over a year, and recruiting takes months "
            "more. A backlog does not clear when demand is 'back to normal'; it clears only "
            "when capacity runs above demand for long enough."),
        notes={"during": "Here the queue turns while the shock is still on: capacity "
                         "catches up with the inflow before the shock ends."},
        notebook="01-stocks-and-flows",
        in_charge=InCharge("loop", "Crisis queue", (_COVID_YEAR, _B2_LAST), loop="B2",
                           text="Loop B2 (working harder) is in charge of the queue from the "
                                f"shock to {_B2_LAST}; B1 (hiring) in {_B2_LAST + 1}."),
    ),
    Step(
        key="austerity",
        title="Austerity: where the cuts land",
        question=("Austerity cuts the service's funding through the 2010s, and the council "
                  "protects its statutory (crisis) services. Over "
                  f"{CUT_YEARS[0]:.0f} to {CUT_YEARS[1] - 1:.0f}, compared "
                  "with no austerity, what happens to early help (prevention) spending and "
                  "to spending on children looked after?"),
        runs=(
            Run("baseline", "No austerity", "baseline"),
            Run("austerity", "Austerity", "austerity", colour=1),
        ),
        # presenter mode shows the care chart: that early help falls the room expects; that
        # care spending rises while the budget falls is what "both fall" gets wrong
        chart=Chart(variables=("Early help spending", "Spending on children looked after"),
                    present=1),
        answers={
            "both-fall": "Both fall: the cut is shared",
            "cut-only": "Early help falls; care spending stays about the same (within 1%)",
            "shift": "Early help falls and care spending rises",
            "no-cut": "Early help does not fall",
        },
        rule=Shift("austerity", "baseline", "Early help spending",
                   "Spending on children looked after", years=CUT_YEARS),
        loops=("B3", "R5", "R1"),
        explanation=(
            "Crises must be answered, so statutory spending is protected and the cut lands on "
            "what the council does not have to do: prevention and the rest of early help. "
            "With less prevention, loop B3 (prevention resolves needs before they become "
            "crises) weakens: more needs escalate, more children come into care, and care "
            "spending rises while the budget falls. No loop runs through the money itself: "
            "care spending is the number in care times a unit cost, and the loop in charge "
            "of that number is R5 (escalating severity: needs left longer arrive more "
            "severe, which means more protection and care work). Loop R1, the firefighting "
            "trap, deepens "
            "it: crisis pressure pulls prevention staff into crisis work and rising "
            "statutory costs squeeze the prevention budget again. Money moves 'from "
            "preventative to responsive, from discretionary to statutory' (RSA 2017)."),
        notebook="02-austerity-and-the-firefighting-trap",
        in_charge=InCharge("accounting", "Spending on children looked after",
                           (int(CUT_YEARS[0]), int(CUT_YEARS[1]) - 1),
                           cause="Children looked after",
                           text="No loop runs through the money: care spending is the number "
                                "of children looked after times a unit cost, and loop R5 "
                                "(escalating severity) is in charge of that number."),
    ),
    Step(
        key="saves-then-costs",
        title="Cutting prevention: saves, then costs?",
        question=(f"A council halves its prevention budget from {_Y0} (a round-number council "
                  "of 50,000 children, no other cuts; needs escalate to crisis after about a "
                  "year). Counting money in present value, by when has the cut cost more "
                  "than it saved?"),
        runs=(
            Run("keep", "Keep prevention", "baseline", {"Time to escalate": 12},
                profile=TEACHING_PROFILE),
            Run("cut", "Halve prevention", "baseline",
                {"Time to escalate": 12, "Prevention investment": 0.5},
                profile=TEACHING_PROFILE, colour=1),
        ),
        chart=Chart(kind="cumulative-saving", policies=("cut",), reference="keep",
                    title="Cumulative saving of halving prevention",
                    labels={"cut": "Halving prevention (present value)"}),
        answers={
            "by-2014": "Within five years (by 2014)",
            "2015-2019": "Between 2015 and 2019",
            "2020-2029": "In the 2020s",
            "from-2030": f"From 2030 to {_END}",
            "never": f"Never: it keeps saving money to {_END}",
        },
        rule=CrossoverYear("cut", "keep", losing=True,
                           bins=(("by-2014", 2015.0), ("2015-2019", 2020.0),
                                 ("2020-2029", 2030.0), ("from-2030", math.inf))),
        loops=("B3",),
        explanation=(
            "Prevention resolves needs before they become crises: loop B3 (prevention). Cut "
            "it and the saving comes at once, but the needs it would have resolved escalate "
            "only after a delay (the time to escalate), and some of those crises stay in care "
            "for years. The cumulative saving rises while the cut saves and falls once the crises "
            "arrive; whether it falls below zero depends on how many of the families "
            "prevention reaches would have become crises without it. The longer the delay, "
            "the longer a cut looks like a saving. Who is still in post to notice?"),
        notes={"never": "Here the saving wins: at the model's central effect sizes many of "
                        "the families prevention reaches would have resolved anyway (its "
                        "deadweight), so in present value the crises let through cost less "
                        "than the cut saves. With more effective, better-targeted prevention "
                        "(Prevention effectiveness and Prevention deadweight, in the effect "
                        "sizes) the same cut costs more than it saved within the run."},
        notebook="02-austerity-and-the-firefighting-trap",
        in_charge=InCharge("accounting", "Total spending", (_Y0, _END_YEAR),
                           cause="Prevention spending",
                           text="No loop: accounting. Most of the saving is the prevention "
                                "budget itself (the lever); the crises it lets through, in "
                                "care and crisis staff, take back the rest."),
    ),
    Step(
        key="hidden-need",
        title="Covid: when demand falls, need does not",
        question=("In the first Covid lockdown (the first three months of the shock), what "
                  "happened to referrals (the demand a service can measure)?"),
        runs=(
            Run("baseline", "No Covid", "baseline"),
            Run("covid", "Covid, no austerity", "covid-without-austerity", colour=1),
        ),
        chart=Chart(variables=("Referrals", "Hidden need"), window=(2018.0, 2027.0)),
        answers={"rise": "They rose", "fall": "They fell", "same": "They stayed about the same"},
        rule=Direction("covid", "baseline", "Referrals", shock=1, first_months=3),
        loops=("B1",),
        explanation=(
            "Children in need did not present. The need did not go away: it built up as "
            "hidden need (right-hand chart) and came back after the shock, some of it more "
            "severe. A dashboard of referrals showed a quieter service. Loop B1 (hiring) "
            "plans posts on the demand it can see, so it cannot see the hidden need that is "
            "about to return."),
        notebook="03-covid-and-slack",
        in_charge=InCharge("push", "Referrals", (2020, 2020), cause="Presentation suppression",
                           text="No loop: the shock pushes it. Referrals drop in the month "
                                "presentation is suppressed; with the loops knocked out they "
                                "fall about as far."),
    ),
    Step(
        key="tipping-point",
        title="The tipping point",
        question=("A round-number council of 50,000 children, planned with 35% spare capacity "
                  "(no austerity; population and need held flat), is hit by a two-year shock "
                  f"from {_TIPPING_YEAR} with 10% of staff off sick: 30% more new need, or 200% "
                  f"more. Is the crisis queue back to where it was within {RECOVERY_YEARS} years "
                  "of the shock's end?"),
        runs=(
            Run("surge 0.3", "Surge of 30% for two years", "baseline",
                {**_TIPPING_COUNCIL, "Shock 1 demand surge": 0.3}, profile=TEACHING_PROFILE,
                colour=4),
            Run("surge 2.0", "Surge of 200% for two years", "baseline",
                {**_TIPPING_COUNCIL, "Shock 1 demand surge": 2.0}, profile=TEACHING_PROFILE,
                colour=1),
        ),
        chart=Chart(variables=("Crisis queue", "Fatigue")),
        answers={
            "both": f"Both are back within {RECOVERY_YEARS} years",
            "first": f"Only the 30% surge is back within {RECOVERY_YEARS} years",
            "second": f"Only the 200% surge is back within {RECOVERY_YEARS} years",
            "neither": f"Neither is back within {RECOVERY_YEARS} years",
        },
        rule=BothOrEither("surge 0.3", "surge 2.0", test="recovers", shock=1,
                          within=12.0 * RECOVERY_YEARS),
        # Loops that Matter on the 200% surge: B4 raising the bar is in charge of the queue
        # 2020-2024 and 2029-2035, R3 failure demand 2025-2028 (_R3_YEARS)
        loops=("B4", "R3", "R2"),
        explanation=(
            "A big enough shock does not just take longer: the service flips into a lasting, "
            "worse state. Pressure stays high for years, and the loop in charge of the "
            "queue is B4 (raising the bar): the front door turns needs away, which holds the "
            "queue down but leaves those needs waiting outside, to come back later and more "
            "severe. Under pressure work is rushed and comes back as repeat referrals (loop "
            "R3, failure demand, in charge of the queue for a few years after the shock), "
            "and staff tire (right-hand chart), leave and work more slowly (loop R2, "
            "burnout); both keep the queue high. An A&E department can cope with a major "
            "incident, 'but not continuously, night after night'. Where the tipping point "
            "lies depends on the effect sizes; that there is one does not."),
        notebook="03-covid-and-slack",
        in_charge=InCharge("loop", "Crisis queue", (_TIPPING_YEAR, 2030), loop="B4",
                           text="Loop B4 (raising the bar) is in charge of the big surge's "
                                f"queue, with R3 (failure demand) {_years_text(_R3_YEARS)}."),
    ),
    Step(
        key="slack",
        title="Slack is not waste",
        question=("A two-year surge of 150% more new need (20% of staff off sick) hits the "
                  "same council planned with its usual 20% spare capacity, or with 30%. From "
                  "the shock to the end of the run, does the extra slack mean less harm "
                  "(child-months waiting or with unmet need), about the same, or more?"),
        runs=(
            Run("slack 0.20", "Slack 0.20 (status quo)", "baseline",
                {**TIPPING_SHOCK, "Shock 1 demand surge": 1.5}, profile=TEACHING_PROFILE,
                colour=1),
            Run("slack 0.30", "Slack 0.30", "baseline",
                {**TIPPING_SHOCK, "Shock 1 demand surge": 1.5, "Slack target": 0.3},
                profile=TEACHING_PROFILE, colour=2),
        ),
        chart=Chart(variables=("Crisis queue", "Total spending")),
        answers={
            "less": "Less harm",
            "same": "About the same (within 2%)",
            "more": "More harm",
        },
        rule=HarmAgainst("slack 0.30", "slack 0.20", shock=1),
        loops=("B4", "R3", "R2"),
        explanation=(
            "Slack is what absorbs a surge. Both services are overwhelmed at first, and the "
            "loop in charge of the queue from the shock on is B4 (raising the bar; with 30% "
            f"slack to {_B4_LAST_SLACK}): pressure "
            "raises the threshold at the front door, fewer referrals are accepted, and the "
            "needs turned away wait outside as unmet need, which is harm too. With more "
            "slack pressure is lower, so the bar rises less and comes down sooner, and less "
            "rushed work returns as failure demand (loop R3) while tired staff leave (loop "
            "R2, burnout); fewer children wait and fewer needs go unmet. With less slack "
            "the bar stays high for longer. Whether the slack "
            "also pays for itself in cash is not settled: it does at the central effect "
            "sizes and in only about half of the plausible futures. The tipping point is not "
            "only in the shock; it is in the structure of the service, and in its slack."),
        notebook="03-covid-and-slack",
        in_charge=InCharge("loop", "Crisis queue", (_TIPPING_YEAR, _B4_LAST_SLACK), loop="B4",
                           text="Loop B4 (raising the bar) is in charge of the queue from the "
                                f"shock: to {_B4_LAST_SLACK} with 30% slack, to the end of the "
                                "run with 20% but for R3 (failure demand) "
                                f"{_years_text(_R3_YEARS_SLACK)}."),
    ),
    Step(
        key="partnership",
        title="Partnership: slow to build, quick to lose",
        question=("Covid brought organisations together overnight. If the council then "
                  "returns to old habits (innovations revert, partnership and community "
                  "funding cut back), how long until partnership strength is back down to "
                  "where it was before Covid?"),
        runs=(
            Run("seize", "Seize the moment", "seize-the-moment", colour=2),
            Run("old habits", "Return to old habits", "return-to-old-habits", colour=1),
        ),
        chart=Chart(variables=("Partnership strength",), window=(2015.0, 2035.0)),
        answers={
            "within-4": f"Within {FADE_YEARS} years of the shock's end",
            "4-8": f"{FADE_YEARS} to {2 * FADE_YEARS} years",
            "lasts": f"It stays above for more than {2 * FADE_YEARS} years",
        },
        rule=FadeTime("old habits", "Partnership strength",
                      bins=(("within-4", 12.0 * FADE_YEARS), ("4-8", 24.0 * FADE_YEARS)),
                      lasts="lasts", shock=1),
        loops=("R4",),
        explanation=(
            "Partnership strength is a stock of trust: built slowly through joint work, "
            "which needs slack, and lost quickly through fatigue, turnover and each "
            "organisation retreating to its statutory core. Loop R4 (partnership): slack "
            "allows joint work, joint work builds trust, trust makes prevention work better "
            "and staff more productive, which gives back slack. A crisis spike fades unless "
            "someone reinforces it, as 'seize the moment' (the other line) does."),
        notebook="04-partnership-capital",
        in_charge=InCharge("loop", "Partnership strength", (2020, 2030), loop="R4",
                           text="Loop R4 (partnership) is in charge of partnership strength "
                                "throughout."),
    ),
    Step(
        key="invest-to-save",
        title="Invest to save: does it pay?",
        question=("Against the history (austerity then Covid): 'invest to save' ring-fences "
                  "prevention from 2011 and adds a five-year fund; 'seize the moment' keeps "
                  "the Covid partnerships and reinvests in prevention from 2021. Which pays "
                  f"for itself in cash, in present value, by {_END}?"),
        runs=(
            Run("history", "Austerity then Covid (history)", "austerity-then-covid"),
            Run("invest to save", "Invest to save", "invest-to-save", colour=3),
            Run("seize the moment", "Seize the moment", "seize-the-moment", colour=2),
        ),
        chart=Chart(kind="cumulative-saving", policies=("invest to save", "seize the moment"),
                    reference="history", title="Cumulative saving against the history"),
        answers={
            "both": "Both",
            "first": "Only invest to save",
            "second": "Only seize the moment",
            "neither": "Neither",
        },
        rule=BothOrEither("invest to save", "seize the moment", test="breaks-even",
                          reference="history"),
        loops=("B3", "R4"),
        explanation=(
            "Both policies strengthen loop B3 (prevention resolves needs before they become "
            "crises); seizing the moment also feeds loop R4 (partnership). The money is spent "
            "first and the savings (fewer crises, fewer care placements) arrive years later, "
            "discounted; and a service that copes better also reaches more of the children "
            "who need it, which costs money too. Money is half the answer: a policy can fail "
            "to pay back in cash and still prevent a lot of harm (child-months waiting or "
            "with unmet need). Which matters more is your judgement, not the model's."),
        notebook="05-invest-to-save",
        in_charge=InCharge("accounting", "Total spending", (_Y0, _END_YEAR),
                           cause="Prevention spending",
                           text="No loop: accounting. Most of the difference is the extra "
                                "prevention spending itself (the lever); the care and crisis "
                                "costs it avoids, years later, are the rest."),
    ),
)


def step(key: str) -> Step:
    """Return the step of :data:`STORYLINE` with a given key.

    Raises
    ------
    KeyError
        If there is no such step.
    """
    for item in STORYLINE:
        if item.key == key:
            return item
    raise KeyError(f"no step {key!r}; steps: {', '.join(s.key for s in STORYLINE)}")

