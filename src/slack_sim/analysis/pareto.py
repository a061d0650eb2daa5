"""The Pareto front of a policy search: the candidates no other beats on two objectives."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["pareto_front"]


def pareto_front(points: pd.DataFrame, *, x: str = "cost", y: str = "harm") -> pd.DataFrame:
    r"""Return the rows no other row beats on both ``x`` and ``y`` (both minimised).

    Parameters
    ----------
    points : pandas.DataFrame
        Candidates with columns ``x`` and ``y``.
    x, y : str
        The two objectives.

    Returns
    -------
    pandas.DataFrame
        The non-dominated rows, sorted by ``x`` (and duplicates removed).

    Notes
    -----
    Row :math:`a` dominates :math:`b` when :math:`x_a \le x_b`, :math:`y_a \le y_b` and
    one is strict. Sorted by :math:`x`, a row is on the front exactly when its :math:`y`
    is below every :math:`y` before it (Kung et al. 1975), so this is
    :math:`O(n \log n)`. Known answer: points (1, 3), (2, 2), (3, 1), (2, 3), (3, 3) give
    the front (1, 3), (2, 2), (3, 1).
    """
    if points.empty:
        return points.copy()
    ordered = points.sort_values([x, y], kind="stable")
    ys = ordered[y].to_numpy(dtype=float)
    best = np.minimum.accumulate(np.concatenate([[np.inf], ys[:-1]]))
    keep = ys < best
    return ordered[keep].drop_duplicates(subset=[x, y])
