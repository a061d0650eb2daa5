"""Plotly figures of time series: a scenario against a baseline, with uncertainty bands.

The scenario against the baseline, austerity and shocks shaded, and (when an ensemble is
given) the middle 50% and 90% of the futures shaded around each line; several runs of one
variable overlaid. The bands' traces are in :mod:`slack_sim.ui.bands`, the Risk page's
figures in :mod:`slack_sim.ui.risk_charts`.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); the
baseline is the same colour, dashed.
Fonts and lines are large enough for a projector. Axis titles carry the model's units.
Figures are built from numpy arrays so that plotly's validation stays fast (a few
milliseconds a figure).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..metrics.core import SPENDING_CATEGORIES, shocks_in
from ..metrics.prices import MODEL_PRICES
from ..model.calendar import MONTHS_PER_YEAR, START_YEAR
from ..model.parse import Model
from .axes import fix_y_ranges
from .bands import DX_MS, band_traces, first_position, has_bands, typed
from .specs import units_text

__all__ = ["CHARTS", "FONT_SIZE", "GRID_COLOUR", "HEIGHT", "OKABE_ITO", "ChartSpec", "Display",
           "band_outputs", "chart_columns", "dates", "display", "line_displays", "overlay_figure",
           "periods", "scenario_figure", "scenario_figure_json"]

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
#: Line colours of the left and the right axis (a second line on an axis takes the next).
_LEFT_COLOURS = (OKABE_ITO[0], OKABE_ITO[5])
_RIGHT_COLOURS = (OKABE_ITO[1], OKABE_ITO[4])
_SPENDING_COLOURS = ("#D55E00", "#CC79A7", "#009E73", "#0072B2", "#E69F00")
FONT_SIZE = 16
HEIGHT = 440
#: Longest axis title on one line (about the plot's height in FONT_SIZE characters)
AXIS_TITLE_CHARS = 34
GRID_COLOUR = "#E5E5E5"
#: The first month of the model run, as a numpy month.
_ORIGIN = np.datetime64(f"{int(START_YEAR)}-01", "M")


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


#: The charts of the main view, in order: the pathway councils report (referrals a year,
#: the queue, children looked after with care starts and exits a year) first.
CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("demand", "Referrals and the crisis queue", ("Referrals",), ("Crisis queue",)),
    ChartSpec("care", "Children looked after", ("Children looked after",),
              ("Care starts", "Care exits")),
    ChartSpec("waiting", "Waiting time and utilisation", ("Waiting time",), ("Utilisation",)),
    ChartSpec("spending", "Spending by category", tuple(SPENDING_CATEGORIES.values()),
              stacked=True),
    ChartSpec("workforce", "Workforce and fatigue", ("Workforce",), ("Fatigue",)),
    ChartSpec("partnership", "Prevention capacity and partnership strength",
              ("Prevention capacity",), ("Partnership strength",)),
)


@dataclasses.dataclass(frozen=True)
class Display:
    """How one variable is drawn: a scale on the model's values, axis words and hover.

    Attributes
    ----------
    factor : float
        Drawn value = model value x factor (a monthly rate x 12 is a rate a year; money
        is then shown in millions or billions).
    words : str
        The units in words for the axis title (``"children a year"``, ``"£ billion a year"``).
    hover : str
        Plotly hover template of the value (``"£%{y:,.2f}bn"``).
    """

    factor: float
    words: str
    hover: str


def _count_hover(top: float) -> str:
    if top < 10:
        return "%{y:.3f}"
    if top < 1000:
        return "%{y:,.1f}"
    return "%{y:,.0f}"


def display(units: str, values: np.ndarray | None = None, *, name: str = "") -> Display:
    """Return how a variable of these units is drawn (v2: absolute numbers for a profile).

    Flows are drawn a year (the model's monthly rates times 12, as councils report them);
    money for the profile's population in GBP million or billion (a council's runs are in
    millions, England's in billions), chosen from the size of ``values``.

    Parameters
    ----------
    units : str
        The model units (``"GBP/Month"``, ``"Person/Year"``, ...).
    values : numpy.ndarray, optional
        The values to be drawn (model units), to choose millions or billions.
    name : str
        The variable's name (``Utilisation`` is a share of capacity).

    Examples
    --------
    >>> display("Person/Month").factor, display("Person/Month").words
    (12.0, 'children a year')
    >>> d = display("GBP/Month", np.array([5e8]))
    >>> d.factor, d.words
    (1.2e-08, '£ billion a year')
    """
    top = 0.0
    if values is not None and len(values):
        with np.errstate(invalid="ignore"):
            top = float(np.nanmax(np.abs(np.asarray(values, dtype=float))))
        top = top if np.isfinite(top) else 0.0
    per = units.partition("/")[2]
    rate = MONTHS_PER_YEAR if per == "Month" else 1.0
    if units.startswith("GBP"):
        yearly = top * rate
        scale, word, suffix = ((1e9, "billion", "bn") if yearly >= 1e9
                               else (1e6, "million", "m"))
        when = " a year" if per in ("Month", "Year") else ""
        return Display(rate / scale, f"£ {word}{when}", f"£%{{y:,.2f}}{suffix}")
    if units == "Dmnl":
        words = "share of capacity" if name == "Utilisation" else "index"
        return Display(1.0, words, _count_hover(top))
    if per == "Month" and not units.startswith("1/"):
        words = _unit_words(units).replace(" a month", " a year")
        return Display(rate, words, _count_hover(top * rate))
    return Display(1.0, _unit_words(units), _count_hover(top))


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
    """Return decimal years (``START_YEAR``, then every month) as month-start dates."""
    months = np.rint((np.asarray(index, dtype=float) - START_YEAR) * MONTHS_PER_YEAR).astype(int)
    return _ORIGIN + months.astype("timedelta64[M]")


def _month_date(month: float) -> str:
    m = int(round(month))
    return str(_ORIGIN + np.timedelta64(m, "M")) + "-01"


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


def _axis_title(names: Sequence[str], shown: Display, *, stacked: bool = False) -> str:
    """Return an axis title with the units in words (``Referrals (children a year)``).

    An axis of several lines (named in the legend) is titled by its units alone, so the
    title fits beside the chart.
    """
    if stacked:  # the model's price base, which the appraisal's tables convert from
        return f"Spending, {shown.words}<br>({MODEL_PRICES} prices)"
    if len(names) > 1:
        return shown.words[:1].upper() + shown.words[1:]
    title = f"{names[0]} ({shown.words})"  # too long, it ran into the chart's title
    return title if len(title) <= AXIS_TITLE_CHARS else f"{names[0]}<br>({shown.words})"


def _unit_words(units: str) -> str:
    """Return model units in words: ``Person/Month`` -> ``children a month``."""
    if units_text(units) != units:
        return units_text(units)
    words = units.replace("Person", "children").replace("/Month", " a month")
    return words.replace("/Year", " a year").replace("Volunteer", "volunteers")


def _line(x: np.ndarray, y: np.ndarray, *, name: str, colour: str, shown: Display,
          axis: str, baseline: bool = False) -> dict:
    """Return one line, its model values ``y`` scaled for display by ``shown``."""
    first = first_position(x)
    words = "" if shown.words.startswith("£") or shown.words in ("index", "share of capacity") \
        else f" {shown.words}"
    return {
        "type": "scatter", "mode": "lines", "x0": first, "dx": DX_MS,
        "y": typed(np.asarray(y, dtype=float) * shown.factor),
        "name": name,
        "yaxis": axis,
        "line": {"color": colour, "width": 2 if baseline else 3.5,
                 "dash": "dash" if baseline else "solid"},
        "opacity": 0.75 if baseline else 1.0,
        "hovertemplate": shown.hover + words + f"<extra>{name}</extra>",
    }


def _figure(*, data: list[dict], layout: dict, validate: bool) -> go.Figure:
    # ``_validate`` is plotly's own switch (BaseFigure.__init__) for trusted input.
    return go.Figure({"data": data, "layout": layout}, _validate=validate)


def _x_end(final_month: float) -> str:
    """Return the first day after the last month drawn (the model's FINAL TIME)."""
    return _month_date(final_month)


def _layout(title: str, shapes: list, notes: list, final_month: float) -> dict:
    return {
        "title": {"text": title, "font": {"size": FONT_SIZE + 4}, "x": 0.01, "xanchor": "left",
                  "y": 0.97, "yanchor": "top"},
        "height": HEIGHT, "template": {"layout": {}}, "font": {"size": FONT_SIZE},
        "plot_bgcolor": "#FFFFFF", "paper_bgcolor": "#FFFFFF",
        "margin": {"l": 70, "r": 70, "t": 50, "b": 30},
        "legend": {"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0,
                   "font": {"size": FONT_SIZE - 2}},
        "hovermode": "x unified",
        "xaxis": {"type": "date", "hoverformat": "%b %Y",
                  "range": [f"{_ORIGIN}-01", _x_end(final_month)],
                  "showgrid": True, "gridcolor": GRID_COLOUR, "linecolor": "#444444"},
        "shapes": shapes, "annotations": notes,
    }


def line_displays(spec: ChartSpec, frame: pd.DataFrame, *, model: Model) -> dict[str, Display]:
    """Return how each line of a chart (and its bands) is drawn, by model variable.

    One :class:`Display` per axis, read from the axis's first variable and the size of
    all its lines, so the lines on an axis stay comparable; the stacked spending chart
    uses one for its categories and ``Total spending``.
    """
    if spec.stacked:
        shown = display(model[spec.left[0]].units, frame["Total spending"].to_numpy(dtype=float))
        return {name: shown for name in (*spec.left, "Total spending")}
    out: dict[str, Display] = {}
    for names in (spec.left, spec.right):
        if names:
            shown = display(model[names[0]].units,
                            np.concatenate([frame[n].to_numpy(dtype=float) for n in names]),
                            name=names[0])
            out.update(dict.fromkeys(names, shown))
    return out


def scenario_figure(spec: ChartSpec, frame: pd.DataFrame, *, validate: bool = True,
                    **options: Any) -> go.Figure:
    """Return one chart of the main view as a plotly figure.

    The figure of :func:`scenario_figure_json` (``options``: its keyword arguments) made a
    ``plotly.graph_objects.Figure``; ``validate`` lets plotly check it (default).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    return _figure(**scenario_figure_json(spec, frame, **options), validate=validate)


def scenario_figure_json(
    spec: ChartSpec,
    frame: pd.DataFrame,
    *,
    model: Model,
    settings: Mapping[str, float],
    baseline: pd.DataFrame | None = None,
    baseline_label: str = "baseline",
    bands: pd.DataFrame | None = None,
    outer: tuple[int, int] = (5, 95),
    inner: tuple[int, int] = (25, 75),
) -> dict[str, list | dict]:
    """Return one chart of the main view as plotly's figure dict.

    What ``plotly.graph_objects.Figure(...).to_plotly_json()`` of the same figure gives
    (``tests/ui/test_risk_page.py`` checks it with plotly's validation on), built without
    plotly's objects: the app hands it to the browser as it is, so a slider move does
    not pay for making and copying a ``Figure`` (4-8 ms a chart: ``docs/performance.md``,
    "Sixth pass").

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
    bands : pandas.DataFrame, optional
        :attr:`slack_sim.Ensemble.bands` (same times as ``frame``): each line with bands
        gets its ``outer`` percentiles shaded lightly and its ``inner`` ones darker; the
        stacked chart gets them around its total.
    outer, inner : (int, int)
        Percentiles of the two bands (default 5-95 and 25-75).

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}``, each y axis's range fixed (``ui.axes``).
    """
    x = dates(frame.index)
    wanted = (*outer, *inner)
    final_month = (float(frame.index[-1]) - START_YEAR) * MONTHS_PER_YEAR
    shapes, notes = _shading(settings, final_month)
    data: list[dict] = []
    layout = _layout(spec.title, shapes, notes, final_month)
    shows = line_displays(spec, frame, model=model)
    if spec.stacked:
        shown = shows["Total spending"]
        for name, colour in zip(spec.left, _SPENDING_COLOURS, strict=False):
            y = frame[name].to_numpy(dtype=float)
            trace = _line(x, y, name=name.replace(" spending", ""), colour=colour,
                          shown=shown, axis="y")
            trace.update({"stackgroup": "spend", "line": {"color": colour, "width": 0.5},
                          "fillcolor": colour})
            data.append(trace)
        if has_bands(bands, "Total spending", wanted):
            data += band_traces(x, bands, "Total spending", colour="#000000", axis="y",
                                 outer=outer, inner=inner, factor=shown.factor)
        if baseline is not None:
            y = baseline["Total spending"].to_numpy(dtype=float)
            data.append(_line(x, y, name=f"Total, {baseline_label}", colour="#000000",
                              shown=shown, axis="y", baseline=True))
        layout["yaxis"] = {"title": {"text": _axis_title(spec.left, shown, stacked=True)},
                           "automargin": True,
                           "rangemode": "tozero", "tickprefix": "£", "gridcolor": GRID_COLOUR}
        fix_y_ranges(data, layout)  # axes that stay put while a slider moves (ui.axes)
        return {"data": data, "layout": layout}
    # legend in drawing order: plotly.js reverses it on a chart with "tonexty" fills (the
    # bands); the stacked chart keeps that, so its legend lists categories as stacked
    layout["legend"]["traceorder"] = "normal"
    sides = (("y", spec.left, _LEFT_COLOURS), ("y2", spec.right, _RIGHT_COLOURS))
    scales = {side: shows[names[0]] for side, names, _ in sides if names}
    for side, names, colours in sides:
        for name, colour in zip(names, colours, strict=False):
            if has_bands(bands, name, wanted):  # bands first: every line is drawn over them
                data += band_traces(x, bands, name, colour=colour, axis=side, outer=outer,
                                     inner=inner, factor=scales[side].factor)
    for side, names, colours in sides:
        for name, colour in zip(names, colours, strict=False):
            y = frame[name].to_numpy(dtype=float)
            data.append(_line(x, y, name=name, colour=colour, shown=scales[side], axis=side))
            if baseline is not None:
                yb = baseline[name].to_numpy(dtype=float)
                data.append(_line(x, yb, name=f"{name}, {baseline_label}", colour=colour,
                                  shown=scales[side], axis=side, baseline=True))
        if names:
            colour = colours[0]
            title = _axis_title(names, scales[side])  # two lines: a wider margin
            axis = {"title": {"text": title, "font": {"color": colour}},
                    "tickfont": {"color": colour}, "rangemode": "tozero",
                    **({"automargin": True} if "<br>" in title else {})}
            if model[names[0]].units == "Dmnl" and names[0] == "Utilisation":
                axis["tickformat"] = ".0%"
            if side == "y2":
                axis.update({"overlaying": "y", "side": "right", "showgrid": False,
                             "tickmode": "auto", "nticks": 6})
            else:
                axis["gridcolor"] = GRID_COLOUR
            layout["yaxis" if side == "y" else "yaxis2"] = axis
    fix_y_ranges(data, layout)
    return {"data": data, "layout": layout}


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
    shown = display(model[variable].units,
                    np.concatenate([f[variable].to_numpy(dtype=float) for f in frames.values()])
                    if frames else None, name=variable)
    data = []
    final = 0.0
    for (label, frame), colour in zip(frames.items(), OKABE_ITO, strict=False):
        x = dates(frame.index)
        final = (float(frame.index[-1]) - START_YEAR) * MONTHS_PER_YEAR
        data.append(_line(x, frame[variable].to_numpy(dtype=float), name=label, colour=colour,
                          shown=shown, axis="y"))
    shapes, notes = _shading(settings or {}, final)
    layout = _layout(variable, shapes, notes, final)
    layout["yaxis"] = {"title": {"text": _axis_title([variable], shown)}, "rangemode": "tozero"}
    if variable == "Utilisation":
        layout["yaxis"]["tickformat"] = ".0%"
    return go.Figure({"data": data, "layout": layout})
