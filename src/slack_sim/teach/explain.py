"""The words the Teach page shows about a step's loops and its second check on England.

Pure text from the step's data (:attr:`Step.loops`, :attr:`Step.in_charge`) and the
model's named loops, so the page (:mod:`slack_sim.ui.pages.teach`) only places them. The
text is Markdown built from the model's own names and the storyline's fixed strings, none
of it user-supplied.
"""

from __future__ import annotations

from ..model.parse import Model
from ..report.text import percent
from .robustness import england_robustness, step_robustness
from .step_types import Step

__all__ = ["england_note", "loops_text"]


def loops_text(item: Step, model: Model, *, short: bool) -> str:
    """Return a step's loops in Markdown, with what is in charge of its chart.

    Parameters
    ----------
    item : Step
        The step.
    model : Model
        The parsed model (the loops' names, polarities and descriptions).
    short : bool
        One paragraph for presenter mode (what is in charge first, then the loops of the
        explanation); else a list of the loops with their descriptions and a line on what
        is in charge, with its years.

    Returns
    -------
    str
    """
    claim = item.in_charge
    if short:
        named = "; ".join(f"**{lp} {model.loops[lp].name}** ({model.loops[lp].polarity})"
                          for lp in item.loops)
        plural = "s" if len(item.loops) > 1 else ""
        if claim is None:
            return f"Loop{plural}: {named}"
        return f"{claim.text} Loop{plural} in the explanation: {named}."
    named = "\n".join(
        f"- **{lp} {model.loops[lp].name}** ({model.loops[lp].polarity}): "
        f"{model.loops[lp].description}."
        for lp in item.loops)
    if claim is None:
        return named
    years = (f"{claim.years[0]}" if claim.years[0] == claim.years[1]
             else f"{claim.years[0]} to {claim.years[1]}")
    return (f"{named}\n\n**In charge of {claim.variable.lower()}, {years}** (Loops that "
            f"Matter): {claim.text}")


def england_note(key: str) -> str:
    """Return the sentence giving both shares of a teaching-council step, or ``""``.

    ``""`` for a step already on England (:func:`england_robustness` is ``None``).
    """
    england = england_robustness(key)
    if england is None:
        return ""
    held = step_robustness(key)
    return (f"This step runs on the round-number council, which has no history: its answer "
            f"{held.text()}, run on this council. Run on England's own profile instead (need "
            f"and population growing as fitted, so 'where it was' moves), the same experiment "
            f"gives the same answer in {percent(england.share)} of {england.n} "
            f"{england.source}.")
