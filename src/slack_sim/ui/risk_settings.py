"""The Risk page's and the uncertainty bands' defaults, choices and labels, as data.

Kept here rather than as literals in the page code: the bands' futures and percentiles
(:data:`BANDS`), the sensitivity analysis' methods and sample sizes (:data:`SENSITIVITY`),
the policy search's defaults and limits (:data:`SEARCH`, :data:`SEARCH_EFFORT`), the
tipping maps offered (:data:`MAPS`) and the rows of the Risk page's outcome table
(:data:`RISK_ROWS`). :mod:`slack_sim.ui.risk` re-exports every name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..metrics.catalogue import RISK_ROWS as CATALOGUE_RISK_ROWS

__all__ = [
    "BANDS",
    "MAPS",
    "RISK_ROWS",
    "SEARCH",
    "SEARCH_EFFORT",
    "SENSITIVITY",
    "BandSettings",
    "SearchSettings",
    "SensitivitySettings",
]


@dataclasses.dataclass(frozen=True)
class BandSettings:
    """Defaults and choices of the uncertainty bands on the Scenario page.

    Attributes
    ----------
    on : bool
        Bands and probability statements shown by default.
    members : int
        Futures drawn by default (500: a rerun stays under 300 ms server side).
    choices : tuple of int
        Futures the user can choose; above :attr:`members` a rerun takes longer.
    seed : int
        Seed of the draws: the same futures on every rerun, so a change in the bands is
        the levers', not luck's (common random numbers).
    outer, inner : tuple of int
        Percentiles of the lighter (outer) and darker (inner) bands.
    """

    on: bool = True
    members: int = 500
    choices: tuple[int, ...] = (100, 250, 500, 1000)
    seed: int = 0
    outer: tuple[int, int] = (5, 95)
    inner: tuple[int, int] = (25, 75)


#: The bands' defaults and choices.
BANDS = BandSettings()


@dataclasses.dataclass(frozen=True)
class SensitivitySettings:
    """Defaults and choices of the global sensitivity analysis on the Risk page.

    Attributes
    ----------
    methods : dict of str to str
        Method key (:func:`slack_sim.sensitivity`) to its label; the first is the default.
    morris_trajectories : tuple of int
        Choices of Morris trajectories (runs = trajectories x (parameters + 1)).
    morris_default : int
        Default trajectories.
    sobol_samples : tuple of int
        Choices of Sobol' base sample (runs = N x (parameters + 2)).
    sobol_default : int
        Default base sample.
    top : int
        Parameters shown per outcome in the chart.
    outputs : dict of str to str
        Outcome key to plain label, in the order shown.
    """

    methods: Mapping[str, str] = dataclasses.field(default_factory=lambda: {
        "morris": "Quick screen (Morris elementary effects)",
        "sobol": "Variance shares (Sobol' indices, slower)",
    })
    morris_trajectories: tuple[int, ...] = (5, 10, 20, 40, 80)
    morris_default: int = 20
    sobol_samples: tuple[int, ...] = (32, 64, 128, 256, 512)
    sobol_default: int = 128
    top: int = 10
    outputs: Mapping[str, str] = dataclasses.field(default_factory=lambda: {
        "npv_total_spending": "NPV of spending (£)",
        "cumulative_harm": "Harm (person-months)",
        "recovery_time": "Recovery time after the shock (months)",
    })


#: The sensitivity analysis' defaults.
SENSITIVITY = SensitivitySettings()


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """Defaults and limits of the policy search on the Risk page.

    Attributes
    ----------
    levers : tuple of str
        Levers searched by default.
    percentile : float
        Percentile over the futures of the waiting-time and harm caps (the 90th).
    effort : str
        Default search effort (a key of :data:`SEARCH_EFFORT`).
    seconds : float
        Default cap on the run time, seconds.
    seconds_range : tuple of float
        Smallest and largest run-time cap the user can set.
    seed : int
        Seed of the futures and of the search.
    """

    levers: tuple[str, ...] = ("Slack target", "Prevention investment",
                               "Prevention time protection")
    percentile: float = 90.0
    effort: str = "standard"
    seconds: float = 30.0
    seconds_range: tuple[float, float] = (5.0, 120.0)
    seed: int = 0


#: The policy search's defaults.
SEARCH = SearchSettings()

#: Search effort: label and the arguments of :func:`slack_sim.optimise` (population size
#: multiplier, most generations, futures every candidate is judged on).
SEARCH_EFFORT: dict[str, dict[str, Any]] = {
    "quick": {"label": "Quick (a rough answer in seconds)", "popsize": 5, "maxiter": 6,
              "futures": 8},
    "standard": {"label": "Standard", "popsize": 10, "maxiter": 30, "futures": 16},
    "thorough": {"label": "Thorough (more futures, more generations)", "popsize": 15,
                 "maxiter": 60, "futures": 32},
}

#: The tipping maps offered: key of :data:`slack_sim.tipping.STANDARD_MAPS` -> title.
MAPS: dict[str, str] = {
    "slack-by-shock": "Slack target by shock size",
    "austerity-by-shock": "Austerity depth by shock size",
}

#: Rows of the Risk page's outcome table (not :data:`slack_sim.report.compare`'s table of
#: outcomes): outcome column -> (plain label, kind of number).
RISK_ROWS = CATALOGUE_RISK_ROWS  # the one table: slack_sim.metrics.catalogue
