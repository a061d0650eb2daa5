"""The Risk page's policy search as plain Python: form checks, result table, snapping.

The form's checks, the result's table and the found lever mix rounded to the sidebar's
slider steps. No streamlit, no plotly. The caps and the run-time cap are checked by the
search's own rules (:func:`slack_sim.analysis.optimise.check_search`, in the page's
words, :data:`SEARCH_LABELS`);
only what is particular to the form is checked here. Every name is also importable
from :mod:`slack_sim.ui.risk`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..analysis.optimise import check_search
from ..model.parse import Model, load_model
from ..validation import Interval, ValidationError
from .risk_settings import SEARCH

__all__ = ["SEARCH_LABELS", "search_problems", "search_rows", "snap_levers"]

#: The run-time cap as the Risk page's form allows it.
_SECONDS = Interval("real", *SEARCH.seconds_range, units="seconds")
#: The names the policy-search settings have in the Risk page's messages.
SEARCH_LABELS = {"waiting_cap": "The waiting-time cap", "harm_cap": "The harm cap",
                 "max_seconds": "The run-time cap"}


def _lever_problem(name: str, lo: float, hi: float, var: Any) -> str | None:
    """Return what is wrong with one lever's range as given in the form (``None``: fine)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{name}: give a number for both the lowest and highest value."
    if lo > hi:
        return f"{name}: the lowest value ({lo:g}) is above the highest ({hi:g}); swap them."
    if lo == hi:
        return (f"{name}: the lowest and highest values are both {lo:g}; give a range to "
                "search, or leave the lever out to keep it fixed.")
    if lo < var.minimum or hi > var.maximum:
        return (f"{name}: {lo:g} to {hi:g} goes outside the model's range, "
                f"{var.minimum:g} to {var.maximum:g}.")
    return None


def search_problems(
    levers: Mapping[str, tuple[float, float]],
    *,
    waiting_cap: float | None,
    harm_cap: float | None,
    seconds: float,
    model: Model | None = None,
) -> list[str]:
    """Return what is wrong with the policy-search inputs, in plain words (empty: fine).

    The caps and the run-time cap are checked by the search's own rules
    (:func:`slack_sim.analysis.optimise.check_search`, in the page's words); only what is
    particular to the form is checked here: a lever chosen, each lever's range as typed,
    and the run-time cap within the form's range (:attr:`SearchSettings.seconds_range`).

    Parameters
    ----------
    levers : mapping of str to (float, float)
        Each chosen lever's lowest and highest value.
    waiting_cap, harm_cap : float or None
        Caps on the percentile peak wait (months) and harm (person-months).
    seconds : float
        Run-time cap.
    model : Model, optional
        The parsed model (declared ranges).

    Returns
    -------
    list of str
    """
    model = model or load_model()
    problems = [] if levers else ["Choose at least one policy lever to search."]
    for name, (lo, hi) in levers.items():
        problem = _lever_problem(name, lo, hi, model[name])
        if problem:
            problems.append(problem)
    try:
        _SECONDS.check(seconds, SEARCH_LABELS["max_seconds"])
    except ValidationError as exc:
        problems.append(str(exc))
        seconds = None  # reported once, not again by check_search
    problems += check_search(waiting_cap=waiting_cap, harm_cap=harm_cap, max_seconds=seconds,
                             percentile=SEARCH.percentile, seed=SEARCH.seed,
                             labels=SEARCH_LABELS)
    return problems


def search_rows(result: Mapping[str, Any], settings: Mapping[str, float]) -> pd.DataFrame:
    """Return the table of a search result: each lever's searched range, found value, now.

    Parameters
    ----------
    result : mapping
        The search result the Risk page keeps (``snapped`` and ``bounds`` by lever).
    settings : mapping of str to float
        Every setting of the current scenario (the sliders now).

    Returns
    -------
    pandas.DataFrame
    """
    rows = []
    for name, value in result["snapped"].items():
        lo, hi = result["bounds"][name]
        rows.append({"lever": name, "searched from": f"{lo:g}", "to": f"{hi:g}",
                     "found": f"{value:g}", "on the sliders now": f"{settings[name]:g}"})
    return pd.DataFrame(rows)


def snap_levers(
    levers: Mapping[str, float],
    bounds: Mapping[str, tuple[float, float]],
    *,
    model: Model | None = None,
) -> dict[str, float]:
    """Round a lever mix to the sidebar sliders' steps, staying inside the searched ranges.

    Parameters
    ----------
    levers : mapping of str to float
        Lever values (e.g. :attr:`slack_sim.OptimisationResult.levers`).
    bounds : mapping of str to (float, float)
        The ranges searched.
    model : Model, optional
        The parsed model (slider steps and declared ranges).

    Returns
    -------
    dict of str to float
        Each value at the nearest slider step inside its searched range (the nearest
        step inward when rounding would leave it; the bound itself if no step is inside).
    """
    model = model or load_model()
    out = {}
    for name, value in levers.items():
        var = model[name]
        lo, hi = bounds.get(name, (var.minimum, var.maximum))
        step = var.step or (var.maximum - var.minimum) / 100.0
        origin = var.minimum
        k = round((value - origin) / step)
        snapped = origin + k * step
        if snapped < lo - 1e-12:
            snapped = origin + math.ceil((lo - origin) / step - 1e-9) * step
        if snapped > hi + 1e-12:
            snapped = origin + math.floor((hi - origin) / step + 1e-9) * step
        if not lo - 1e-12 <= snapped <= hi + 1e-12:  # no step inside a narrow range
            snapped = min(max(value, lo), hi)
        decimals = max(0, -int(math.floor(math.log10(step)))) + 2 if step < 1 else 0
        out[name] = float(min(max(round(snapped, decimals), var.minimum), var.maximum))
    return out
