r"""How well a run follows observed figures: MAPE and Theil's inequality statistics.

Sterman (2000, *Business Dynamics*, ch. 21): the mean squared error of a simulated series
against the data splits into bias (:math:`U^M`), unequal variation (:math:`U^S`) and
unequal covariation (:math:`U^C`). Used by :mod:`slack_sim.analysis.calibration` and the
backtest.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .observe import ObservationPlan

__all__ = ["fit_statistics", "theil"]


def theil(simulated: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    r"""Return MAPE, RMSE and Theil's inequality statistics of a simulated series.

    The mean squared error splits into bias, unequal variation and unequal covariation
    (Sterman 2000, ch. 21):

    .. math::

        \text{MSE} = (\bar S - \bar A)^2 + (s_S - s_A)^2 + 2 (1 - r) s_S s_A ,

    and :math:`U^M, U^S, U^C` are those three terms over the MSE (population standard
    deviations). Known answer: a simulation equal to the data plus a constant has
    :math:`U^M = 1`.

    Parameters
    ----------
    simulated, actual : numpy.ndarray
        The same figures, simulated and observed.

    Returns
    -------
    dict
        ``n``, ``mape`` (share), ``rmse``, ``r``, ``um``, ``us``, ``uc``.
    """
    s, a = np.asarray(simulated, dtype=float), np.asarray(actual, dtype=float)
    n = len(a)
    out = {"n": n, "mape": math.nan, "rmse": math.nan, "r": math.nan, "um": math.nan,
           "us": math.nan, "uc": math.nan}
    if n == 0:
        return out
    err = s - a
    mse = float(np.mean(err ** 2))
    out["mape"] = float(np.mean(np.abs(err) / np.abs(a)))
    out["rmse"] = math.sqrt(mse)
    ss, sa = float(np.std(s)), float(np.std(a))
    r = float(np.corrcoef(s, a)[0, 1]) if n > 1 and ss > 0 and sa > 0 else math.nan
    out["r"] = r
    if mse == 0:
        return out | {"um": 0.0, "us": 0.0, "uc": 0.0}
    out["um"] = (float(np.mean(s)) - float(np.mean(a))) ** 2 / mse
    out["us"] = (ss - sa) ** 2 / mse
    out["uc"] = 2 * (1 - (r if math.isfinite(r) else 0.0)) * ss * sa / mse
    return out


def fit_statistics(plan: ObservationPlan, fitted: np.ndarray) -> pd.DataFrame:
    """Return :func:`theil` statistics per series for one fitted run (figures in plan order)."""
    rows = []
    table = plan.table.assign(fitted=np.asarray(fitted, dtype=float))
    for name, part in table.groupby("series", sort=False):
        rows.append({"series": name, **theil(part["fitted"].to_numpy(),
                                            part["value"].to_numpy())})
    return pd.DataFrame(rows).set_index("series")
