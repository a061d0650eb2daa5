"""Plotly figures of the Risk page: outcome histograms, sensitivity bars, tipping maps, Pareto.

Same palette, fonts and grid as :mod:`slack_sim.ui.charts`; the tipping maps use cividis
(perceptually uniform, readable with any colour-vision deficiency) with "did not recover"
in black with a cross. Figures are built from numpy arrays so that plotly's validation
stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .charts import FONT_SIZE, GRID_COLOUR, HEIGHT, OKABE_ITO

__all__ = [
    "NOT_RECOVERED",
    "histogram_figure",
    "pareto_figure",
    "sensitivity_figure",
    "tipping_figure",
]

#: Colour of "did not recover" cells on the tipping maps (black, with a white cross).
NOT_RECOVERED = "#000000"


def _plain_layout(title: str, height: int = HEIGHT) -> dict:
    return {
        "title": {"text": title, "font": {"size": FONT_SIZE + 2}, "x": 0.01, "xanchor": "left"},
        "height": height, "template": {"layout": {}}, "font": {"size": FONT_SIZE},
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
        "xaxis": {"title": {"text": axis_title}, "gridcolor": GRID_COLOUR},
        "yaxis": {"title": {"text": "futures"}, "gridcolor": GRID_COLOUR},
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
        fig.update_xaxes(gridcolor=GRID_COLOUR, rangemode="tozero", row=i, col=1)
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
                  "tickprefix": "£", "gridcolor": GRID_COLOUR},
        "yaxis": {"title": {"text": "Harm, 90th percentile (person-months)"},
                  "gridcolor": GRID_COLOUR},
    })
    if harm_cap is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                             "y0": harm_cap, "y1": harm_cap,
                             "line": {"color": OKABE_ITO[1], "dash": "dot", "width": 2}}]
        layout["annotations"] = [{"xref": "paper", "yref": "y", "x": 1, "y": harm_cap,
                                  "text": "harm cap", "showarrow": False, "xanchor": "right",
                                  "yanchor": "bottom"}]
    return go.Figure({"data": data, "layout": layout})
