"""The calibration view's data and figure: published figures over the fitted run and its bands.

:func:`calibration_view` (plain data, no streamlit) runs the profile's history preset on
its calibrated values and its history-consistent futures, and returns for each
published series the model's line, the 5-95% band of the futures and the published
points, with the fit statistics of the run (MAPE and Theil's U^M, U^S, U^C, computed on
the figures drawn) and the profile's calibration record. :func:`calibration_figure`
draws one series.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis.calibration import fit_statistics
from ..analysis.ensemble import ensemble
from ..analysis.observe import observation_plan, simulate_observations
from ..analysis.profiles import calibration_spec
from ..engine import simulate
from ..scenarios import observed as ob
from ..scenarios import preset, profile_info
from ..scenarios.councils import calibration_record
from .charts import FONT_SIZE, GRID_COLOUR, OKABE_ITO

__all__ = ["CalibrationView", "calibration_figure", "calibration_view"]


@dataclasses.dataclass(frozen=True)
class CalibrationView:
    """What the calibration view shows for one profile."""

    profile: str
    title: str
    status: str
    series: list[str]
    years: np.ndarray  # decimal years of the run
    lines: dict[str, np.ndarray]
    bands: dict[str, tuple[np.ndarray, np.ndarray]]
    points: pd.DataFrame  # series, year, date (decimal year), value
    statistics: pd.DataFrame
    record: dict[str, Any] | None
    futures_text: str
    units: dict[str, str]


def _point_year(kind: str, year: int) -> float:
    # a stock at 31 March; a flow or spending over the financial year: its middle
    return year + 0.25 if kind == "stock" else year - 0.25


def calibration_view(profile: str, *, members: int = 200) -> CalibrationView | None:
    """Return the calibration view of a profile (``None`` if it has no published series).

    Parameters
    ----------
    profile : str
        A profile name (England's or a council's).
    members : int
        Futures run for the bands (the profile's history-consistent ones when it has them).
    """
    info = profile_info(profile)
    area = info.get("area") or ("england" if profile.startswith("children-services-england")
                                else None)
    if not area:
        return None
    spec = calibration_spec()
    series = [s for s in spec["series"]]
    observed = ob.load_observed(area)
    observed = observed[observed["series"].isin(series) & (observed["year"] <= 2020)]
    scenario = preset(spec["preset"], profile=profile)
    frame = simulate(scenario)
    plan = observation_plan(observed, series=series)
    figures = simulate_observations(scenario, pd.DataFrame(index=[0]), plan)[0]
    stats = fit_statistics(plan, figures)
    ens = ensemble(scenario, n=members, outputs=series)
    bands = {}
    for name in series:
        lo, hi = (name, 5), (name, 95)
        if lo in ens.bands.columns and hi in ens.bands.columns:
            bands[name] = (ens.bands[lo].to_numpy(), ens.bands[hi].to_numpy())
    kinds = plan.table.set_index(["series", "year"])["kind"]
    points = plan.table[["series", "year", "value"]].copy()
    points["date"] = [_point_year(kinds[(s, y)], y) for s, y in zip(points["series"],
                                                                    points["year"], strict=True)]
    from ..model import load_model

    model = load_model()
    return CalibrationView(
        profile=profile, title=info["title"], status=info["calibration"], series=series,
        years=frame.index.to_numpy(dtype=float),
        lines={s: frame[s].to_numpy() for s in series}, bands=bands, points=points,
        statistics=stats, record=calibration_record(profile.removesuffix("-uncalibrated")),
        futures_text=f"{len(ens.samples):,} {ens.source}",
        units={s: model[s].units for s in series})


def calibration_figure(view: CalibrationView, series: str, *, until: float = 2024.0) -> go.Figure:
    """Return one series: published points over the run and the futures' 5-95% band."""
    keep = view.years <= until
    x = view.years[keep]
    fig = go.Figure()
    if series in view.bands:
        lo, hi = (b[keep] for b in view.bands[series])
        fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]),
                                 y=np.concatenate([hi, lo[::-1]]), fill="toself",
                                 fillcolor="rgba(0,114,178,0.18)", line={"width": 0},
                                 name="90% of futures", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=view.lines[series][keep], mode="lines",
                             line={"color": OKABE_ITO[5], "width": 3}, name="model"))
    pts = view.points[view.points["series"] == series]
    fig.add_trace(go.Scatter(x=pts["date"], y=pts["value"], mode="markers",
                             marker={"color": OKABE_ITO[0], "size": 10, "symbol": "circle"},
                             name="published"))
    fig.add_vline(x=2020.25, line={"color": "#999", "dash": "dot"})
    fig.update_layout(title={"text": series, "font": {"size": FONT_SIZE + 2}},
                      font={"size": FONT_SIZE}, height=340, margin={"l": 10, "r": 10,
                                                                   "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, plot_bgcolor="white",
                      yaxis={"title": view.units[series], "gridcolor": GRID_COLOUR,
                             "rangemode": "tozero"},
                      xaxis={"gridcolor": GRID_COLOUR})
    return fig
