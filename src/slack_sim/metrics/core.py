"""Deprecated location of the outcome measures: import from :mod:`slack_sim.metrics`.

``slack_sim.metrics.core`` was the one module of the outcomes stage; it is now split into
:mod:`~slack_sim.metrics.finance`, :mod:`~slack_sim.metrics.resilience`,
:mod:`~slack_sim.metrics.headline` and :mod:`~slack_sim.metrics.catalogue`. Every name it
had is still importable from here.
"""

from typing import Any

from ..model.calendar import START_YEAR as ORIGIN_YEAR
from . import *  # noqa: F403 (the package's public names)
from . import __all__ as _public
from . import ledger_rows

__all__ = [*_public, "ORIGIN_YEAR"]


def __getattr__(name: str) -> Any:
    if name == "LEDGER_ROWS":  # label -> model variable, read from the model on first use
        return ledger_rows()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
