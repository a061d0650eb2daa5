"""Which loop is in charge, as a chart: a variable over time above its loops' shares.

The shares are :meth:`slack_sim.analysis.loops.LoopAnalysis.shares`; this module averages
them into bands (:func:`dominance_bands`) and draws them with plotly
(:func:`dominance_figure`), each named loop in its own colour (:func:`loop_colour`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BALANCING_COLOURS", "CHART_FONT_PX", "OTHER_COLOUR", "OTHER_LOOPS",
    "REINFORCING_COLOURS", "dominance_bands", "dominance_figure", "loop_colour"]

#: Colours of the named loops: warm for reinforcing, cool for balancing (by number).
REINFORCING_COLOURS = ("#D55E00", "#E69F00", "#CC79A7", "#8C510A", "#F0B27A", "#A6192E")
BALANCING_COLOURS = ("#0072B2", "#56B4E9", "#009E73", "#1B4F72", "#7FB3D5")
#: Colour of the loops the model does not name.
OTHER_COLOUR = "#BBBBBB"
#: Name of the band of the loops the model does not name.
OTHER_LOOPS = "other loops"
#: Chart text size (px): readable on a projector.
CHART_FONT_PX = 16


def loop_colour(loop_id: str) -> str:
    """Return a named loop's colour (``R1`` warm, ``B1`` cool), grey for the others."""
    if len(loop_id) > 1 and loop_id[0] in "RB" and loop_id[1:].isdigit():
        colours = REINFORCING_COLOURS if loop_id[0] == "R" else BALANCING_COLOURS
        return colours[(int(loop_id[1:]) - 1) % len(colours)]
    return OTHER_COLOUR


def dominance_bands(shares: pd.DataFrame, named: Sequence[str], *,
                    named_only: bool = False, every: int = 4) -> pd.DataFrame:
    """Return each loop's absolute share of a variable's loop scores, for a band chart.

    Parameters
    ----------
    shares : pandas.DataFrame
        Relative loop scores by loop (:meth:`LoopAnalysis.shares`), index decimal years.
    named : sequence of str
        The named loops' ids; every other column is added into :data:`OTHER_LOOPS`.
    named_only : bool
        Leave the other loops out and share among the named ones.
    every : int
        Average this many steps into one point (4 steps of a quarter month: monthly).

    Returns
    -------
    pandas.DataFrame
        Shares in [0, 1] that add up to 1 in each row where a loop moves (0 where
        none does); columns: the named loops, then :data:`OTHER_LOOPS` unless
        ``named_only``.
    """
    absolute = shares.abs()
    cols = [c for c in absolute.columns if c in named]
    out = absolute[cols].copy()
    if not named_only:
        out[OTHER_LOOPS] = absolute.drop(columns=cols).sum(axis=1)
    groups = np.arange(len(out)) // max(every, 1)
    out = out.groupby(groups).mean().set_index(
        pd.Index(out.index.to_numpy()[::max(every, 1)][: groups.max() + 1], name="year"))
    total = out.sum(axis=1)
    return out.div(total.where(total > 0), axis=0).fillna(0.0)


def dominance_figure(values: pd.Series, bands: pd.DataFrame, *, labels: Mapping[str, str],
                     title: str, units: str = "") -> Any:
    """Return the chosen variable over time above the band chart of its loops' shares.

    Parameters
    ----------
    values : pandas.Series
        The variable over time (index decimal years).
    bands : pandas.DataFrame
        From :func:`dominance_bands`.
    labels : mapping
        Loop id -> legend text (``"R1 firefighting trap"``).
    title : str
        The variable's name (escaped: plotly renders a subset of HTML).
    units : str
        Its units, for the axis title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.35, 0.65],
                        vertical_spacing=0.06)
    fig.add_trace(go.Scatter(x=values.index, y=values.to_numpy(), name=html.escape(title),
                             line={"color": "#333333", "width": 2.5}, showlegend=False,
                             hovertemplate="%{x:.1f}: %{y:,.4g}<extra></extra>"), row=1, col=1)
    for col in bands.columns:
        fig.add_trace(go.Scatter(
            x=bands.index, y=bands[col].to_numpy(), name=html.escape(labels.get(col, col)),
            stackgroup="loops", mode="lines", line={"width": 0.5, "color": loop_colour(col)},
            fillcolor=loop_colour(col),
            hovertemplate="%{x:.1f}: %{y:.0%}<extra>" + html.escape(labels.get(col, col))
            + "</extra>"), row=2, col=1)
    fig.update_yaxes(title_text=html.escape(units), row=1, col=1)
    fig.update_yaxes(title_text="share of loop scores", tickformat=".0%", range=[0, 1],
                     row=2, col=1)
    fig.update_xaxes(tickfont={"size": CHART_FONT_PX})
    fig.update_yaxes(tickfont={"size": CHART_FONT_PX}, title_font={"size": CHART_FONT_PX})
    fig.update_layout(height=620, margin={"l": 80, "r": 20, "t": 30, "b": 40},
                      font={"size": CHART_FONT_PX},
                      legend={"font": {"size": CHART_FONT_PX}, "orientation": "h",
                              "yanchor": "top", "y": -0.08, "x": 0},
                      hovermode="x unified")
    return fig
