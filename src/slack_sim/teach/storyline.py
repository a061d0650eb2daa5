"""The teaching storyline: predict-then-run steps for workshops, as data (the public face).

The app's Teach page (:mod:`slack_sim.ui.pages.teach`) walks a room through
:data:`STORYLINE`, following the numbered notebooks. The pieces live in their own modules
and are all importable from here:

:mod:`~slack_sim.teach.steps`
    The content: :class:`Step` (question, candidate answers, explanation tied to the
    model's named loops), :class:`Run` (a preset, a profile and settings by model name),
    :class:`Chart` and :data:`STORYLINE` itself.
:mod:`~slack_sim.teach.rules`, :mod:`~slack_sim.teach.outcome_rules`
    How each step's right answer is computed *from the model runs* (:class:`Rule`,
    :class:`Verdict`): when the crisis queue peaks, whether a cut saves, whether a service
    recovers, ...
:mod:`~slack_sim.teach.runner`
    :func:`validate` (every step checked against the model), :func:`run_step` and
    :func:`chart_series`.
:mod:`~slack_sim.teach.robustness`
    :func:`robustness`: the share of futures in which a step's answer holds.
:mod:`~slack_sim.teach.log`
    The session log (:class:`LogEntry`, :func:`log_entry`, :func:`session_markdown`) a
    facilitator downloads for the workshop write-up.

Nothing here imports streamlit or defines model logic: runs go through
:func:`slack_sim.simulate` (or any runner with the same signature) and outcomes through
:mod:`slack_sim.metrics`.
"""

from __future__ import annotations

from ..model.calendar import month_text
from .log import LogEntry, log_entry, session_markdown
from .outcome_rules import BothOrEither, CrossoverYear, HarmAgainst, RecoveryAndCost
from .robustness import (
    FUTURES,
    HOLDS_AT,
    Robustness,
    england_robustness,
    robustness,
    step_robustness,
)
from .rules import (
    CutDepth,
    Direction,
    FadeTime,
    PeakTiming,
    Rule,
    Shift,
    StorylineError,
    Verdict,
)
from .runner import StepResult, chart_series, run_step, validate
from .steps import CLEAN_SHOCK, STORYLINE, TEACHING_PROFILE, Chart, InCharge, Run, Step, step

__all__ = [
    "CLEAN_SHOCK",
    "FUTURES",
    "HOLDS_AT",
    "STORYLINE",
    "BothOrEither",
    "Chart",
    "CrossoverYear",
    "CutDepth",
    "Direction",
    "FadeTime",
    "HarmAgainst",
    "InCharge",
    "LogEntry",
    "PeakTiming",
    "RecoveryAndCost",
    "Robustness",
    "Rule",
    "Run",
    "Shift",
    "Step",
    "StepResult",
    "StorylineError",
    "TEACHING_PROFILE",
    "Verdict",
    "chart_series",
    "england_robustness",
    "log_entry",
    "month_text",
    "robustness",
    "run_step",
    "session_markdown",
    "step",
    "step_robustness",
    "validate",
]
