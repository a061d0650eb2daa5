"""A share of futures: how often a step's answer holds (the value the Teach page shows).

:class:`Robustness` is computed by :func:`slack_sim.teach.robustness.robustness` and kept
by :mod:`slack_sim.teach.shares_store`; :data:`HOLDS_AT` is the share a stated answer
must reach.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..report.text import percent

__all__ = ["HOLDS_AT", "Robustness"]

#: The share of futures in which a stated answer must hold.
HOLDS_AT = 0.9

@dataclasses.dataclass(frozen=True)
class Robustness:
    """How often a step's answer holds across futures.

    Attributes
    ----------
    step : str
        The step's key.
    answer : str
        The answer at the model's central values.
    counts : mapping of str to int
        Futures giving each answer.
    n : int
        Futures run.
    source : str
        Where the futures come from (``"plausible futures"`` or
        ``"futures consistent with 2010-2020"``).
    """

    step: str
    answer: str
    counts: Mapping[str, int]
    n: int
    source: str

    @property
    def holds(self) -> int:
        """Futures in which the central answer holds."""
        return int(self.counts.get(self.answer, 0))

    @property
    def share(self) -> float:
        """Share of futures in which the central answer holds, in ``[0, 1]``."""
        return self.holds / self.n if self.n else 0.0

    @property
    def robust(self) -> bool:
        """Whether the answer holds in at least :data:`HOLDS_AT` of the futures."""
        return self.share >= HOLDS_AT

    def text(self) -> str:
        """Return the share in words, e.g. ``"holds in 94% of 500 plausible futures"``."""
        return f"holds in {percent(self.share)} of {self.n} {self.source}"
