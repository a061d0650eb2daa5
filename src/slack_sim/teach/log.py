"""The session log: each step as run (prediction, answer, numbers) and its Markdown write-up.

:func:`log_entry` records a step run with the room's prediction; :func:`session_markdown`
writes the log a facilitator downloads for the workshop write-up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..model.parse import Model, load_model
from .rules import Verdict
from .steps import STORYLINE, Step

__all__ = ["LogEntry", "log_entry", "session_markdown"]


@dataclasses.dataclass(frozen=True)
class LogEntry:
    """One step of a session as run: the prediction, the settings and the result.

    Attributes
    ----------
    number : int
        Step number (1-based).
    key, title, question : str
        The step's.
    prediction : str
        The answer the room predicted (text).
    answer : str
        The answer the model gave (text).
    matched : bool
        Whether they are the same.
    detail : str
        The numbers behind the answer.
    method : str
        How the answer was computed.
    settings : tuple of str
        Each run in words: its label, preset, profile and settings.
    loops : tuple of str
        The loops of the explanation, ``"R1 firefighting trap"`` style.
    """

    number: int
    key: str
    title: str
    question: str
    prediction: str
    answer: str
    matched: bool
    detail: str
    method: str
    settings: tuple[str, ...]
    loops: tuple[str, ...]


def log_entry(
    item: Step, prediction: str, verdict: Verdict, *, model: Model | None = None
) -> LogEntry:
    """Return the log entry of a step run with a prediction (an answer key).

    Raises
    ------
    KeyError
        If the prediction is not one of the step's answers.
    """
    model = model or load_model()
    if prediction not in item.answers:
        raise KeyError(f"{prediction!r} is not an answer of step {item.key!r}")
    number = next(i for i, s in enumerate(STORYLINE, 1) if s.key == item.key) \
        if item in STORYLINE else 0
    loops = tuple(f"{lp} {model.loops[lp].name}" for lp in item.loops if lp in model.loops)
    return LogEntry(
        number=number, key=item.key, title=item.title, question=item.question,
        prediction=item.answers[prediction], answer=item.answers[verdict.answer],
        matched=prediction == verdict.answer, detail=verdict.detail,
        method=item.rule.describe(),
        settings=tuple(f"{run.label}: {run.settings_text()}" for run in item.runs),
        loops=loops,
    )


def session_markdown(
    entries: Sequence[LogEntry],
    *,
    total_steps: int = len(STORYLINE),
    model_version: str = "",
    date: str = "",
    money_note: str = "",
) -> str:
    """Return the session log as Markdown, for the workshop write-up.

    Parameters
    ----------
    entries : sequence of LogEntry
        The steps run, in any order (written in step order).
    total_steps : int
        Steps in the storyline.
    model_version : str
        The model's version hash.
    date : str
        When the session ran (free text).
    money_note : str
        How money is expressed (units, prices, discounting), written at the end; the app
        passes its one note (:data:`slack_sim.ui.headline.MONEY_NOTE`). Empty: no note.

    Returns
    -------
    str
        A heading, a summary line and, per step, the question, the prediction, the
        model's answer with its numbers, whether they matched, the loops and the settings.
    """
    ordered = sorted(entries, key=lambda e: e.number)
    matched = sum(e.matched for e in ordered)
    lines = ["# slack-sim teaching session: log", ""]
    meta = [f"Model version `{model_version}`" if model_version else "",
            f"session of {date}" if date else ""]
    if any(meta):
        lines += ["; ".join(m for m in meta if m) + ".", ""]
    lines += [f"Steps run: {len(ordered)} of {total_steps}. Predictions that matched the model: "
              f"{matched} of {len(ordered)}.", ""]
    if not ordered:
        lines += ["No step has been run yet.", ""]
    for e in ordered:
        lines += [
            f"## Step {e.number} of {total_steps}: {e.title}", "",
            f"**Question.** {e.question}", "",
            f"- **Prediction:** {e.prediction}",
            f"- **The model says:** {e.answer}",
            f"- **Matched:** {'yes' if e.matched else 'no'}",
            f"- **Numbers:** {e.detail}",
            f"- **How the answer is computed:** {e.method}",
            f"- **Feedback loops:** {', '.join(e.loops)}",
            "- **Settings:**",
            *[f"  - {s}" for s in e.settings],
            "",
        ]
    lines += [(f"Money: {money_note} " if money_note else "")
              + "The model is a stylised service, not a forecast of any area.", ""]
    return "\n".join(lines)
