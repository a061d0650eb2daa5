"""Plotly time-series figures: scenario against baseline, austerity and shocks shaded.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); the
baseline is the same colour, dashed. Fonts and lines are large enough for a projector.
Axis titles carry the model's units. Figures are built from numpy arrays so that plotly's
validation stays fast (a few milliseconds a figure).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..metrics import SPENDING_CATEGORIES, shocks_in
from ..model import Model
from .specs import units_text

__all__ = [
    "CHARTS",
    "ChartSpec",
    "OKABE_ITO",
    "chart_columns",
    "dates",
    "overlay_figure",
    "periods",
    "scenario_figure",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
_LEFT, _RIGHT = OKABE_ITO[0], OKABE_ITO[1]
_SPENDING_COLOURS = ("#D55E00", "#CC79A7", "#009E73", "#0072B2", "#E69F00")
_FONT = 16
_HEIGHT = 440
_GRID = "#E5E5E5"


@dataclasses.dataclass(frozen=True)
class ChartSpec:
    """One chart of the main view.

    Attributes
    ----------
    key : str
        Stable identifier.
    title : str
        Chart title.
    left : tuple of str
        Model variables on the left axis.
    right : tuple of str
        Model variables on the right axis (another unit).
    stacked : bool
        Stack the left variables as areas (spending by category).
    """

    key: str
    title: str
    left: tuple[str, ...]
    right: tuple[str, ...] = ()
    stacked: bool = False


#: The charts of the main view, in order.
CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("demand", "Crisis demand and queue", ("Referrals",), ("Crisis queue",)),
    ChartSpec("waiting", "Waiting time and utilisation", ("Waiting time",), ("Utilisation",)),
    ChartSpec("spending", "Spending by category", tuple(SPENDING_CATEGORIES.values()),
              stacked=True),
    ChartSpec("workforce", "Workforce and fatigue", ("Workforce",), ("Fatigue",)),
    ChartSpec("prevention", "Prevention capacity", ("Prevention capacity",)),
    ChartSpec("partnership", "Partnership strength and community capacity",
              ("Partnership strength",), ("Community capacity",)),
)


def chart_columns() -> list[str]:
    """Return every model variable the charts need (plus total spending)."""
    cols = [c for spec in CHARTS for c in (*spec.left, *spec.right)]
    return list(dict.fromkeys([*cols, "Total spending"]))


def dates(index: pd.Index) -> np.ndarray:
    """Return decimal years (2010.0, 2010.0833, ...) as month-start dates."""
    months = np.rint((np.asarray(index, dtype=float) - 2010.0) * 12.0).astype(int)
    return np.datetime64("2010-01", "M") + months.astype("timedelta64[M]")


def _month_date(month: float) -> str:
    m = int(round(month))
    return str(np.datetime64("2010-01", "M") + np.timedelta64(m, "M")) + "-01"


def periods(settings: Mapping[str, float]) -> list[tuple[str, float, float]]:
    """Return the periods to shade: ``(label, start month, end month)``.

    The austerity period runs from *Austerity start* for *Austerity length* months
    (when *Austerity depth* is above 0); each shock from its start for its length.
    """
    out = []
    if settings.get("Austerity depth", 0) > 0:
        start = float(settings["Austerity start"])
        out.append(("austerity", start, start + float(settings["Austerity length"])))
    for n, start, length in shocks_in(settings):
        out.append((f"shock {n}", start, start + length))
    return out


def _shading(settings: Mapping[str, float], final_month: float) -> tuple[list, list]:
    shapes, notes = [], []
    for label, start, end in periods(settings):
        end = min(end, final_month)
        if end <= start:
            continue
        colour = "#999999" if label == "austerity" else "#E69F00"
        shapes.append({
            "type": "rect", "xref": "x", "yref": "paper", "x0": _month_date(start),
            "x1": _month_date(end), "y0": 0, "y1": 1, "fillcolor": colour,
            "opacity": 0.14 if label == "austerity" else 0.25, "line": {"width": 0},
            "layer": "below",
        })
        notes.append({
            "x": _month_date(start), "y": 1.0, "xref": "x", "yref": "paper", "text": label,
            "showarrow": False, "xanchor": "left", "yanchor": "top",
            "font": {"size": 13, "color": "#555555"},
        })
    return shapes, notes


def _axis_title(model: Model, names: Sequence[str]) -> str:
    """Return an axis title with the units in words (people per 100,000 residents)."""
    units = model[names[0]].units
    label = names[0] if len(names) == 1 else "Spending"
    if units.startswith("GBP"):
        words = "£ per month"
    elif units == "Dmnl":
        words = "share of capacity" if names[0] == "Utilisation" else "index"
    else:
        words = _unit_words(units)
    return f"{label} ({words})"


def _unit_words(units: str) -> str:
    """Return model units in words: ``Person/Month`` -> ``people per month``."""
    if units_text(units) != units:
        return units_text(units)
    words = units.replace("Person", "people").replace("/Month", " per month")
    return words.replace("Volunteer", "volunteers")


def _hover_format(values: np.ndarray, units: str) -> str:
    top = float(np.nanmax(np.abs(values))) if len(values) else 0.0
    if units.startswith("GBP"):
        return "£%{y:,.0f}"
    if top < 10:
        return "%{y:.3f}"
    if top < 1000:
        return "%{y:,.1f}"
    return "%{y:,.0f}"


#: Plot positions: month k is drawn at the middle of month k (the first month's 16th plus
#: ``k`` average months), so hover labels ("Mar 2020") always name the right month and no
#: array of dates has to be built and sent with every trace (a third of a chart's cost).
_DX_MS = 365.2425 / 12 * 24 * 3600 * 1000


def _line(x: np.ndarray, y: np.ndarray, *, name: str, colour: str, units: str, axis: str,
          baseline: bool = False) -> dict:
    first = str(x[0].astype("datetime64[D]") + np.timedelta64(15, "D"))
    return {
        "type": "scatter", "mode": "lines", "x0": first, "dx": _DX_MS, "y": y, "name": name,
        "yaxis": axis,
        "line": {"color": colour, "width": 2 if baseline else 3.5,
                 "dash": "dash" if baseline else "solid"},
        "opacity": 0.75 if baseline else 1.0,
        "hovertemplate": _hover_format(y, units)
        + ("" if units.startswith("GBP") or units == "Dmnl" else f" {_unit_words(units)}")
        + f"<extra>{name}</extra>",
    }


def _figure(data: list[dict], layout: dict, validate: bool) -> go.Figure:
    # ``_validate`` is plotly's own switch (BaseFigure.__init__) for trusted input.
    return go.Figure({"data": data, "layout": layout}, _validate=validate)


def _layout(title: str, shapes: list, notes: list) -> dict:
    return {
        "title": {"text": title, "font": {"size": _FONT + 4}, "x": 0.01, "xanchor": "left",
                  "y": 0.97, "yanchor": "top"},
        "height": _HEIGHT, "template": {"layout": {}}, "font": {"size": _FONT},
        "plot_bgcolor": "#FFFFFF", "paper_bgcolor": "#FFFFFF",
        "margin": {"l": 70, "r": 70, "t": 50, "b": 30},
        "legend": {"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0,
                   "font": {"size": _FONT - 2}},
        "hovermode": "x unified",
        "xaxis": {"type": "date", "hoverformat": "%b %Y", "range": ["2010-01-01", "2041-01-01"],
                  "showgrid": True, "gridcolor": _GRID, "linecolor": "#444444"},
        "shapes": shapes, "annotations": notes,
    }


def scenario_figure(
    spec: ChartSpec,
    frame: pd.DataFrame,
    *,
    model: Model,
    settings: Mapping[str, float],
    baseline: pd.DataFrame | None = None,
    baseline_label: str = "baseline",
    validate: bool = True,
) -> go.Figure:
    """Return one chart of the main view.

    Parameters
    ----------
    spec : ChartSpec
        Which variables, on which axes.
    frame : pandas.DataFrame
        The scenario's model output (:func:`slack_sim.simulate`).
    model : Model
        The parsed model (for units).
    settings : mapping of str to float
        The scenario's settings (for the shaded periods).
    baseline : pandas.DataFrame, optional
        The baseline's output, drawn dashed.
    baseline_label : str
        The baseline's name in the legend.
    validate : bool
        Let plotly validate the figure (default). The app passes ``False`` to save about
        5 ms a chart; the tests build every chart with validation on.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    x = dates(frame.index)
    final_month = (float(frame.index[-1]) - 2010.0) * 12.0
    shapes, notes = _shading(settings, final_month)
    data: list[dict] = []
    layout = _layout(spec.title, shapes, notes)
    if spec.stacked:
        units = model[spec.left[0]].units
        for name, colour in zip(spec.left, _SPENDING_COLOURS, strict=False):
            y = frame[name].to_numpy(dtype=float)
            trace = _line(x, y, name=name.replace(" spending", ""), colour=colour,
                          units=units, axis="y")
            trace.update({"stackgroup": "spend", "line": {"color": colour, "width": 0.5},
                          "fillcolor": colour})
            data.append(trace)
        if baseline is not None:
            y = baseline["Total spending"].to_numpy(dtype=float)
            data.append(_line(x, y, name=f"Total, {baseline_label}", colour="#000000",
                              units=units, axis="y", baseline=True))
        layout["yaxis"] = {"title": {"text": _axis_title(model, spec.left)}, "rangemode": "tozero",
                           "tickprefix": "£", "gridcolor": _GRID}
        return _figure(data, layout, validate)
    for side, names, colour in (("y", spec.left, _LEFT), ("y2", spec.right, _RIGHT)):
        for name in names:
            units = model[name].units
            y = frame[name].to_numpy(dtype=float)
            data.append(_line(x, y, name=name, colour=colour, units=units, axis=side))
            if baseline is not None:
                yb = baseline[name].to_numpy(dtype=float)
                data.append(_line(x, yb, name=f"{name}, {baseline_label}", colour=colour,
                                  units=units, axis=side, baseline=True))
        if names:
            axis = {"title": {"text": _axis_title(model, names), "font": {"color": colour}},
                    "tickfont": {"color": colour}, "rangemode": "tozero"}
            if model[names[0]].units == "Dmnl" and names[0] == "Utilisation":
                axis["tickformat"] = ".0%"
            if side == "y2":
                axis.update({"overlaying": "y", "side": "right", "showgrid": False,
                             "tickmode": "auto", "nticks": 6})
            else:
                axis["gridcolor"] = _GRID
            layout["yaxis" if side == "y" else "yaxis2"] = axis
    return _figure(data, layout, validate)


def overlay_figure(
    frames: Mapping[str, pd.DataFrame],
    variable: str,
    *,
    model: Model,
    settings: Mapping[str, float] | None = None,
) -> go.Figure:
    """Return one variable in several scenarios, one line each (the Compare view).

    Parameters
    ----------
    frames : mapping of str to pandas.DataFrame
        Model output by scenario label (at most 8: one colour each).
    variable : str
        The model variable to draw.
    model : Model
        The parsed model (for units).
    settings : mapping of str to float, optional
        Settings whose periods are shaded (the first scenario's).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    units = model[variable].units
    data = []
    final = 0.0
    for (label, frame), colour in zip(frames.items(), OKABE_ITO, strict=False):
        x = dates(frame.index)
        final = (float(frame.index[-1]) - 2010.0) * 12.0
        data.append(_line(x, frame[variable].to_numpy(dtype=float), name=label, colour=colour,
                          units=units, axis="y"))
    shapes, notes = _shading(settings or {}, final)
    layout = _layout(variable, shapes, notes)
    layout["yaxis"] = {"title": {"text": _axis_title(model, [variable])}, "rangemode": "tozero"}
    if variable == "Utilisation":
        layout["yaxis"]["tickformat"] = ".0%"
    return go.Figure({"data": data, "layout": layout})
