"""Plotly figures: time series against a baseline with uncertainty bands, and the Risk page.

Time series: the scenario against the baseline, austerity and shocks shaded, and (when an
ensemble is given) the middle 50% and 90% of the futures shaded around each line.
The Risk page: outcome histograms, ranked sensitivity bars, tipping-point maps and the
Pareto front of the policy search.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); the
baseline is the same colour, dashed; the tipping maps use cividis (perceptually uniform,
readable with any colour-vision deficiency) with "did not recover" in black with a cross.
Fonts and lines are large enough for a projector. Axis titles carry the model's units.
Figures are built from numpy arrays so that plotly's validation stays fast (a few
milliseconds a figure).
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..metrics.core import SPENDING_CATEGORIES, shocks_in
from ..model.parse import Model
from .specs import units_text

__all__ = [
    "CHARTS",
    "ChartSpec",
    "NOT_RECOVERED",
    "OKABE_ITO",
    "band_outputs",
    "chart_columns",
    "dates",
    "histogram_figure",
    "overlay_figure",
    "pareto_figure",
    "periods",
    "scenario_figure",
    "sensitivity_figure",
    "tipping_figure",
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


def band_outputs() -> list[str]:
    """Return the variables drawn with uncertainty bands: every line, and total spending.

    The stacked spending chart gets one band, around its total.
    """
    names = [c for spec in CHARTS if not spec.stacked for c in (*spec.left, *spec.right)]
    return list(dict.fromkeys([*names, "Total spending"]))


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


def _typed(values: np.ndarray) -> dict[str, str]:
    """Return an array as plotly.js's typed-array spec (little-endian float64, base64).

    This is the form plotly itself sends; building it here spares plotly's per-array
    conversion (about 0.6 ms a trace), which adds up with the bands.
    """
    data = np.ascontiguousarray(values, dtype="<f8").tobytes()
    return {"dtype": "f8", "bdata": base64.b64encode(data).decode("ascii")}


def _line(x: np.ndarray, y: np.ndarray, *, name: str, colour: str, units: str, axis: str,
          baseline: bool = False) -> dict:
    first = str(x[0].astype("datetime64[D]") + np.timedelta64(15, "D"))
    return {
        "type": "scatter", "mode": "lines", "x0": first, "dx": _DX_MS, "y": _typed(y),
        "name": name,
        "yaxis": axis,
        "line": {"color": colour, "width": 2 if baseline else 3.5,
                 "dash": "dash" if baseline else "solid"},
        "opacity": 0.75 if baseline else 1.0,
        "hovertemplate": _hover_format(y, units)
        + ("" if units.startswith("GBP") or units == "Dmnl" else f" {_unit_words(units)}")
        + f"<extra>{name}</extra>",
    }


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


#: Opacity of the outer (5-95%) and inner (25-75%) bands.
_BAND_ALPHA = (0.13, 0.27)


def _band_traces(x: np.ndarray, bands: pd.DataFrame, name: str, *, colour: str,
                 axis: str, outer: tuple[int, int], inner: tuple[int, int]) -> list[dict]:
    """Return one variable's bands: the outer band, then the inner one, each one trace.

    Each band is a closed shape (``fill="toself"``): along the upper percentile, back along
    the lower one. Positions are the lines' (mid-month, in ms since 1970, which plotly reads
    as dates). Neither shows in the legend or the hover (the caption explains them).
    """
    first = (x[0].astype("datetime64[D]") + np.timedelta64(15, "D")).astype(
        "datetime64[ms]").astype(np.int64)
    ms = first + _DX_MS * np.arange(len(bands.index))
    xs = _typed(np.concatenate([ms, ms[::-1]]))
    out = []
    for (lo, hi), alpha in zip((outer, inner), _BAND_ALPHA, strict=True):
        upper = bands[(name, hi)].to_numpy(dtype=float)
        lower = bands[(name, lo)].to_numpy(dtype=float)
        out.append({
            "type": "scatter", "mode": "lines", "x": xs,
            "y": _typed(np.concatenate([upper, lower[::-1]])), "yaxis": axis,
            "line": {"color": colour, "width": 0}, "fill": "toself",
            "fillcolor": _rgba(colour, alpha), "hoverinfo": "skip", "showlegend": False,
            "name": f"{name}, {lo}-{hi}% of futures",
        })
    return out


def _has_bands(bands: pd.DataFrame | None, name: str, percentiles: Sequence[int]) -> bool:
    return bands is not None and all((name, p) in bands.columns for p in percentiles)


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
    bands: pd.DataFrame | None = None,
    outer: tuple[int, int] = (5, 95),
    inner: tuple[int, int] = (25, 75),
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
    bands : pandas.DataFrame, optional
        :attr:`slack_sim.Ensemble.bands` (same times as ``frame``): each line with bands
        gets its ``outer`` percentiles shaded lightly and its ``inner`` ones darker; the
        stacked chart gets them around its total.
    outer, inner : (int, int)
        Percentiles of the two bands (default 5-95 and 25-75).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    x = dates(frame.index)
    wanted = (*outer, *inner)
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
        if _has_bands(bands, "Total spending", wanted):
            data += _band_traces(x, bands, "Total spending", colour="#000000", axis="y",
                                 outer=outer, inner=inner)
        if baseline is not None:
            y = baseline["Total spending"].to_numpy(dtype=float)
            data.append(_line(x, y, name=f"Total, {baseline_label}", colour="#000000",
                              units=units, axis="y", baseline=True))
        layout["yaxis"] = {"title": {"text": _axis_title(model, spec.left)}, "rangemode": "tozero",
                           "tickprefix": "£", "gridcolor": _GRID}
        return _figure(data, layout, validate)
    for side, names, colour in (("y", spec.left, _LEFT), ("y2", spec.right, _RIGHT)):
        for name in names:  # bands first, so that every line is drawn over them
            if _has_bands(bands, name, wanted):
                data += _band_traces(x, bands, name, colour=colour, axis=side, outer=outer,
                                     inner=inner)
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


# -- the Risk page ----------------------------------------------------------------------------

#: Colour of "did not recover" cells on the tipping maps (black, with a white cross).
NOT_RECOVERED = "#000000"


def _plain_layout(title: str, height: int = _HEIGHT) -> dict:
    return {
        "title": {"text": title, "font": {"size": _FONT + 2}, "x": 0.01, "xanchor": "left"},
        "height": height, "template": {"layout": {}}, "font": {"size": _FONT},
        "plot_bgcolor": "#FFFFFF", "paper_bgcolor": "#FFFFFF",
        "margin": {"l": 70, "r": 30, "t": 60, "b": 60},
        "legend": {"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0},
    }


def histogram_figure(
    values: np.ndarray,
    *,
    title: str,
    axis_title: str,
    money: bool = False,
    markers: Mapping[str, float] | None = None,
) -> go.Figure:
    """Return the histogram of one outcome over the futures.

    Parameters
    ----------
    values : numpy.ndarray
        One value per future (``nan`` values are left out).
    title, axis_title : str
        Chart title and the x axis' title (with units).
    money : bool
        Pounds on the axis and in the hover.
    markers : mapping of str to float, optional
        Vertical lines to draw, by label (e.g. the scenario's own value, zero).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    fmt = "£%{x:,.0f}" if money else "%{x:,.2f}"
    data: list[dict] = [{
        "type": "histogram", "x": x, "nbinsx": 40, "marker": {"color": OKABE_ITO[0]},
        "name": "futures", "showlegend": False,
        "hovertemplate": f"{fmt}: %{{y}} futures<extra></extra>",
    }]
    layout = _plain_layout(title, height=400)
    layout.update({
        "xaxis": {"title": {"text": axis_title}, "gridcolor": _GRID},
        "yaxis": {"title": {"text": "futures"}, "gridcolor": _GRID},
        "bargap": 0.05, "showlegend": True,
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1,
                   "xanchor": "right"},
    })
    if money:
        layout["xaxis"]["tickprefix"] = "£"
    shapes = []
    dashes = ("dash", "dot", "dashdot")
    for (label, value), colour, dash in zip((markers or {}).items(), OKABE_ITO[1:], dashes,
                                            strict=False):
        if value is None or not np.isfinite(value):
            continue
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value,
                       "y0": 0, "y1": 1, "line": {"color": colour, "width": 3, "dash": dash},
                       "name": label, "showlegend": True})
    layout["shapes"] = shapes
    return go.Figure({"data": data, "layout": layout})


def sensitivity_figure(ranked: pd.DataFrame, *, measure: str) -> go.Figure:
    """Return ranked horizontal bars: which uncertainties drive each outcome.

    Parameters
    ----------
    ranked : pandas.DataFrame
        From :func:`slack_sim.ui.risk.ranked_sensitivity` (columns ``outcome``, ``rank``,
        ``uncertainty``, ``importance``, ``uncertainty of the estimate``).
    measure : str
        What the bars measure, in the title (e.g. "share of the variance").

    Returns
    -------
    plotly.graph_objects.Figure
        One panel per outcome, most important at the top, with 95% error bars.
    """
    from plotly.subplots import make_subplots

    outcomes = list(dict.fromkeys(ranked["outcome"]))
    fig = make_subplots(rows=len(outcomes), cols=1, subplot_titles=outcomes,
                        vertical_spacing=0.08 if len(outcomes) > 1 else 0.0)
    for i, (outcome, colour) in enumerate(zip(outcomes, OKABE_ITO, strict=False), start=1):
        part = ranked[ranked["outcome"] == outcome].sort_values("rank", ascending=False)
        fig.add_trace(go.Bar(
            x=part["importance"], y=part["uncertainty"], orientation="h",
            marker={"color": colour}, name=outcome, showlegend=False,
            error_x={"type": "data", "array": part["uncertainty of the estimate"],
                     "color": "#555555"},
            hovertemplate="%{y}: %{x:,.3g}<extra>" + outcome + "</extra>"), row=i, col=1)
        fig.update_xaxes(gridcolor=_GRID, rangemode="tozero", row=i, col=1)
    layout = _plain_layout(f"Which uncertainties drive the outcomes ({measure})",
                           height=max(360, 330 * len(outcomes)))
    layout["margin"]["l"] = 260
    layout["annotations"] = list(fig.layout.annotations)
    fig.update_layout(layout)
    return fig


def tipping_figure(recovery: pd.DataFrame, *, threshold: pd.Series | None = None,
                   title: str = "") -> go.Figure:
    """Return a tipping-point map: recovery time by two settings, "did not recover" marked.

    Parameters
    ----------
    recovery : pandas.DataFrame
        :attr:`slack_sim.tipping.TippingMap.recovery`: months from the shock's end to
        recovery, index the y values, columns the x values, ``nan`` where the service did
        not recover.
    threshold : pandas.Series, optional
        :meth:`slack_sim.tipping.TippingMap.threshold`, drawn as the tipping line.
    title : str
        Chart title.

    Returns
    -------
    plotly.graph_objects.Figure
        A cividis heatmap of recovery months; cells that did not recover are black with a
        white cross, named "did not recover" in the hover and the legend.
    """
    xs = recovery.columns.to_numpy(dtype=float)
    ys = recovery.index.to_numpy(dtype=float)
    z = recovery.to_numpy(dtype=float)
    failed = np.isnan(z)
    xname, yname = recovery.columns.name, recovery.index.name
    data: list[dict] = [{
        "type": "heatmap", "x": xs, "y": ys, "z": z, "colorscale": "Cividis",
        "zmin": 0, "name": "recovered",
        "colorbar": {"title": {"text": "months to<br>recover"}, "x": 1.02},
        "hovertemplate": f"{xname} %{{x:g}}<br>{yname} %{{y:g}}<br>recovered %{{z:.0f}} "
                         "months after the shock ended<extra></extra>",
    }, {
        "type": "heatmap", "x": xs, "y": ys, "z": np.where(failed, 1.0, np.nan),
        "colorscale": [[0, NOT_RECOVERED], [1, NOT_RECOVERED]], "showscale": False,
        "text": np.where(failed, "✕", ""), "texttemplate": "%{text}",
        "textfont": {"color": "#FFFFFF", "size": 14}, "name": "did not recover",
        "hovertemplate": f"{xname} %{{x:g}}<br>{yname} %{{y:g}}<br><b>did not recover</b>"
                         "<extra></extra>",
    }, {
        "type": "scatter", "x": [None], "y": [None], "mode": "markers", "name":
        "✕ did not recover (lasting degraded state)",
        "marker": {"symbol": "square", "size": 14, "color": NOT_RECOVERED},
    }]
    if threshold is not None and threshold.notna().any():
        data.append({
            "type": "scatter", "x": threshold.index.to_numpy(dtype=float),
            "y": threshold.to_numpy(dtype=float), "mode": "lines+markers",
            "line": {"color": OKABE_ITO[1], "width": 3, "shape": "hvh"},
            "name": "tipping threshold (smallest shock that did not recover)",
            "hovertemplate": f"{xname} %{{x:g}}: tips from %{{y:g}}<extra></extra>",
        })
    layout = _plain_layout(title, height=520)
    layout.update({
        "xaxis": {"title": {"text": xname}, "showgrid": False},
        "yaxis": {"title": {"text": yname}, "showgrid": False},
        "legend": {"orientation": "h", "y": -0.18, "yanchor": "top", "x": 0},
    })
    return go.Figure({"data": data, "layout": layout})


def pareto_figure(
    evaluated: pd.DataFrame,
    front: pd.DataFrame,
    *,
    best: Mapping[str, float] | None = None,
    harm_cap: float | None = None,
    levers: Sequence[str] = (),
    best_label: str = "cheapest mix meeting the caps",
) -> go.Figure:
    """Return the policy search's candidates: NPV cost against harm, the Pareto front drawn.

    Parameters
    ----------
    evaluated : pandas.DataFrame
        :attr:`slack_sim.OptimisationResult.evaluated` (columns ``cost``, ``harm``,
        ``feasible`` and the levers).
    front : pandas.DataFrame
        :attr:`slack_sim.OptimisationResult.pareto`.
    best : mapping, optional
        The chosen mix's ``cost`` and ``harm`` (marked).
    harm_cap : float, optional
        Drawn as a horizontal line.
    levers : sequence of str
        Lever columns shown in the hover.
    best_label : str
        The chosen mix's name in the legend.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    def hover(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
        cols = [c for c in levers if c in frame.columns]
        custom = frame[cols].to_numpy(dtype=float) if cols else np.empty((len(frame), 0))
        text = "".join(f"<br>{c} %{{customdata[{i}]:.3g}}" for i, c in enumerate(cols))
        return custom, ("NPV £%{x:,.0f}<br>harm %{y:,.0f} person-months" + text)

    data: list[dict] = []
    for feasible, label, colour in ((False, "breaks a cap", "#BBBBBB"),
                                    (True, "meets both caps", OKABE_ITO[5])):
        part = evaluated[evaluated["feasible"] == feasible]
        if part.empty:
            continue
        custom, template = hover(part)
        data.append({"type": "scatter", "mode": "markers", "x": part["cost"].to_numpy(),
                     "y": part["harm"].to_numpy(), "name": f"lever mixes tried: {label}",
                     "marker": {"color": colour, "size": 6}, "customdata": custom,
                     "hovertemplate": template + "<extra></extra>"})
    if not front.empty:
        custom, template = hover(front)
        data.append({"type": "scatter", "mode": "lines+markers", "x": front["cost"].to_numpy(),
                     "y": front["harm"].to_numpy(), "customdata": custom,
                     "name": "Pareto front (no mix is both cheaper and less harmful)",
                     "line": {"color": OKABE_ITO[0], "width": 3, "shape": "hv"},
                     "marker": {"size": 8}, "hovertemplate": template + "<extra></extra>"})
    if best is not None:
        data.append({"type": "scatter", "mode": "markers", "x": [best["cost"]],
                     "y": [best["harm"]], "name": best_label,
                     "marker": {"color": OKABE_ITO[1], "size": 16, "symbol": "star"},
                     "hovertemplate": "NPV £%{x:,.0f}<br>harm %{y:,.0f}<extra>chosen</extra>"})
    layout = _plain_layout("Cost against harm of every lever mix tried", height=520)
    layout["margin"]["b"] = 120
    layout.update({
        "xaxis": {"title": {"text": "Mean NPV of spending over the futures (£)"},
                  "tickprefix": "£", "gridcolor": _GRID},
        "yaxis": {"title": {"text": "Harm, 90th percentile (person-months)"},
                  "gridcolor": _GRID},
    })
    if harm_cap is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                             "y0": harm_cap, "y1": harm_cap,
                             "line": {"color": OKABE_ITO[1], "dash": "dot", "width": 2}}]
        layout["annotations"] = [{"xref": "paper", "yref": "y", "x": 1, "y": harm_cap,
                                  "text": "harm cap", "showarrow": False, "xanchor": "right",
                                  "yanchor": "bottom"}]
    return go.Figure({"data": data, "layout": layout})
