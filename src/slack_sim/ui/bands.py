"""Uncertainty bands of the time-series charts, and the compact arrays plotly is sent.

Each band (the middle 90% and the middle 50% of the futures around a line) is a pair of
edges: its lower percentile, an invisible line, then its upper one filled down to it
(``fill="tonexty"``), both placed as the lines are, so no positions are sent. Every
array goes to the browser in plotly.js's typed-array form (base64 of little-endian
binary, the form plotly itself sends), built here from numpy so that plotly's own
per-array conversion is skipped. :mod:`slack_sim.ui.charts` draws the lines and the
figures; this module is imported by it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["BAND_ALPHA", "DX_MS", "band_traces", "first_position", "has_bands", "rgba", "typed"]

#: Plot positions: month k is drawn at the middle of month k (the first month's 16th plus
#: ``k`` average months), so hover labels ("Mar 2020") always name the right month and no
#: array of dates has to be built and sent with every line (a third of a chart's cost).
DX_MS = 365.2425 / 12 * 24 * 3600 * 1000

#: Opacity of the outer (5-95%) and inner (25-75%) bands.
BAND_ALPHA = (0.13, 0.27)


def typed(values: np.ndarray, dtype: str = "f8") -> dict[str, str]:
    """Return an array as plotly.js's typed-array spec (little-endian, base64).

    Parameters
    ----------
    values : numpy.ndarray
        The values (one dimension).
    dtype : str
        plotly.js's name of the element type: ``"f8"`` (float64, default) or ``"f4"``
        (float32: half the bytes, for positions that need no more than about 7 digits).

    Returns
    -------
    dict
        ``{"dtype": ..., "bdata": ...}``, as plotly itself sends arrays.
    """
    data = np.ascontiguousarray(values, dtype=f"<{dtype}").tobytes()
    return {"dtype": dtype, "bdata": base64.b64encode(data).decode("ascii")}


def first_position(x: np.ndarray) -> str:
    """Return where a line's first month is drawn (its 16th, ``YYYY-MM-DD``): its ``x0``."""
    return str(x[0].astype("datetime64[D]") + np.timedelta64(15, "D"))


def rgba(colour: str, alpha: float) -> str:
    """Return a ``#RRGGBB`` colour with opacity ``alpha`` as CSS ``rgba(...)``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def has_bands(bands: pd.DataFrame | None, name: str, percentiles: Sequence[int]) -> bool:
    """Return whether ``bands`` has every percentile of variable ``name``."""
    return bands is not None and all((name, p) in bands.columns for p in percentiles)


def band_traces(x: np.ndarray, bands: pd.DataFrame, name: str, *, colour: str,
                axis: str, outer: tuple[int, int], inner: tuple[int, int],
                factor: float = 1.0) -> list[dict]:
    """Return one variable's bands: the outer band, then the inner one, two traces each.

    Each band is its lower percentile, an invisible line, then its upper percentile,
    filled down to it (``fill="tonexty"``, which fills to the trace before it on the
    same axes), scaled for display by ``factor`` as the line is
    (:func:`slack_sim.ui.charts.display`). Both are placed as the lines are (``x0`` and
    ``dx``: mid-month, :data:`DX_MS` apart), so no positions are sent at all, and their
    values go as float32: a band has no hover, and 7 digits are far finer than a pixel.
    A slider move sends the page's bands afresh, so they are most of its bytes (404 KiB a
    move with closed shapes of float32 values and positions, 303 KiB this way:
    `python benchmarks/bench_browser.py`). Neither
    band shows in the legend or the hover (the caption explains them).

    Parameters
    ----------
    x : numpy.ndarray
        The run's months (:func:`slack_sim.ui.charts.dates`).
    bands : pandas.DataFrame
        :attr:`slack_sim.Ensemble.bands`: columns ``(variable, percentile)``.
    name : str
        The variable.
    colour : str
        Its line's colour (``#RRGGBB``).
    axis : str
        ``"y"`` or ``"y2"``.
    outer, inner : (int, int)
        The percentiles of the two bands.
    factor : float
        Display scale (drawn value = model value x factor).

    Returns
    -------
    list of dict
        Four plotly scatter traces: each band's lower edge, then its filled upper edge.
    """
    first = first_position(x)
    out = []
    for (lo, hi), alpha in zip((outer, inner), BAND_ALPHA, strict=True):
        label = f"{name}, {lo}-{hi}% of futures"
        for p, fill in ((lo, "none"), (hi, "tonexty")):
            out.append({
                "type": "scatter", "mode": "lines", "x0": first, "dx": DX_MS,
                "y": typed(bands[(name, p)].to_numpy(dtype=float) * factor, "f4"),
                "yaxis": axis, "line": {"color": colour, "width": 0}, "fill": fill,
                "fillcolor": rgba(colour, alpha), "hoverinfo": "skip", "showlegend": False,
                "name": f"{label} ({'upper' if p == hi else 'lower'} edge)",
            })
    return out
