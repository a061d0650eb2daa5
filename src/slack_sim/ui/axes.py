"""Value axes for the Scenario page's charts: ranges fixed, rounded out to a round step.

plotly's autorange fits each y axis to the data it is drawn with, in the browser, so the
browser had to recompute and redraw the whole chart (axes, ticks, legend) on every slider
move. The charts now carry their y ranges: from zero (or below it, for values that go
negative) to the data's extent padded by 5%, rounded out to a step of 1, 2, 2.5 or 5
times a power of ten, a twentieth of the span or more. With the ranges in the figure,
a move's new figure differs from the drawn one only in its traces' values and those
ranges, which the browser updates without redrawing the rest
(:mod:`slack_sim.ui.live_chart`); and as a range changes only when a value crosses the
next step, small moves leave the axes' ticks where they were while the lines move.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["PAD", "STEPS", "axis_values", "fix_y_ranges", "round_range"]

#: Headroom beyond the data's extent, as a share of the span (plotly's own autorange pads
#: lines by about as much).
PAD = 0.05
#: The range's step is the round number (1, 2, 2.5 or 5 times a power of ten) at or
#: above ``span / STEPS``: a move changes a range only when a value crosses the next step.
STEPS = 20
_ROUND = (1.0, 2.0, 2.5, 5.0, 10.0)


def round_range(low: float, high: float) -> tuple[float, float]:
    """Return a y axis's range for values from ``low`` to ``high``: zero included, rounded.

    The range runs from ``min(low, 0)`` to ``max(high, 0)``, each end that is not zero
    padded by :data:`PAD` of the span and rounded out to the step: the round number
    (1, 2, 2.5 or 5 times a power of ten) at or above ``span / STEPS``.

    Parameters
    ----------
    low, high : float
        The smallest and largest value drawn on the axis (finite; ``low <= high``).

    Returns
    -------
    (float, float)
        The range; ``(0.0, 1.0)`` when every value is zero.

    Raises
    ------
    ValueError
        If ``low`` or ``high`` is not finite, or ``low > high``.

    Examples
    --------
    >>> round_range(0.0, 1_188_000.0)
    (0.0, 1300000.0)
    >>> round_range(-3.2, 10.0)
    (-4.0, 11.0)
    >>> round_range(0.0, 0.0)
    (0.0, 1.0)
    """
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(f"values from {low!r} to {high!r}: need finite low <= high")
    low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    if span == 0.0:
        return 0.0, 1.0
    top = high + PAD * span if high > 0 else 0.0
    bottom = low - PAD * span if low < 0 else 0.0
    raw = (top - bottom) / STEPS
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in _ROUND if m * power >= raw * (1 - 1e-12))
    # ends as exact multiples of the step, written as plotly will print them
    return (float(f"{math.floor(bottom / step) * step:.12g}"),
            float(f"{math.ceil(top / step) * step:.12g}"))


def _values(trace: Mapping[str, Any]) -> np.ndarray:
    """Return a trace's ``y`` as numbers (it may be plotly's typed-array spec)."""
    y = trace.get("y")
    if isinstance(y, Mapping):
        dtype = np.dtype("<" + str(y["dtype"]))
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=dtype).astype(float)
    return np.asarray([] if y is None else y, dtype=float)


def axis_values(data: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Return, by y axis (``"y"``, ``"y2"``), every value its traces put on the chart.

    A trace's values are its ``y``; traces of one ``stackgroup`` are drawn stacked, so
    the group adds the running sum of its members in drawing order (plotly's stacking).
    """
    out: dict[str, list[np.ndarray]] = {}
    stacks: dict[tuple[str, str], np.ndarray] = {}
    for trace in data:
        axis = str(trace.get("yaxis", "y"))
        values = _values(trace)
        group = trace.get("stackgroup")
        if group is not None:
            key = (axis, str(group))
            values = values if key not in stacks else stacks[key] + values
            stacks[key] = values
        out.setdefault(axis, []).append(values)
    return {axis: np.concatenate(parts) for axis, parts in out.items()}


def fix_y_ranges(data: Sequence[Mapping[str, Any]], layout: dict[str, Any],
                 axes: Iterable[str] | None = None) -> None:
    """Set each y axis of ``layout`` to :func:`round_range` of the values drawn on it.

    Parameters
    ----------
    data : sequence of dict
        The figure's traces (``y`` as numbers or plotly's typed-array spec).
    layout : dict
        The figure's layout; ``yaxis`` / ``yaxis2`` get ``range`` and
        ``autorange=False`` (changed in place).
    axes : iterable of str, optional
        Only these axes (``"y"``, ``"y2"``); default every axis a trace is drawn on.
    """
    values = axis_values(data)
    for axis in (values if axes is None else axes):
        finite = values.get(axis, np.empty(0))
        finite = finite[np.isfinite(finite)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        name = "yaxis" if axis == "y" else f"yaxis{axis[1:]}"
        spec = layout.setdefault(name, {})
        spec["range"] = list(round_range(low, high))
        spec["autorange"] = False
