"""Causal loop diagrams drawn from the model's own dependency graph (Graphviz DOT).

Nothing here is drawn by hand: nodes and arrows come from :meth:`slack_sim.Model.edges`
(every reference in every equation) and the named loops from :attr:`Model.loops`. The
*loop view* keeps the stocks, the variables the loops are tagged on and the levers, and
joins two of them with an arrow when the model has a chain of references from one to the
other through variables that are not shown (the graph contracted onto those nodes).

The Graphviz views are here; the teaching diagrams drawn in Python live in
:mod:`slack_sim.ui.diagram_layout` (where things go) and :mod:`slack_sim.ui.diagram_svg`
(the SVG), the loop-dominance chart in :mod:`slack_sim.ui.dominance_chart`. Every public
name of those modules stays importable from here.
"""

from __future__ import annotations

from collections import defaultdict, deque

from ..model.parse import Model
from .diagram_layout import HUB_LOOPS as HUB_LOOPS
from .diagram_layout import LABEL_WIDTH as LABEL_WIDTH
from .diagram_layout import LEVER_OFFSETS as LEVER_OFFSETS
from .diagram_layout import OVERVIEW_MAX_WIDTH as OVERVIEW_MAX_WIDTH
from .diagram_layout import OVERVIEW_RADII as OVERVIEW_RADII
from .diagram_layout import PALETTE, _node_type
from .diagram_layout import SVG_FONT_PX as SVG_FONT_PX
from .diagram_layout import Edge as Edge
from .diagram_layout import Layout as Layout
from .diagram_layout import Marker as Marker
from .diagram_layout import Node as Node
from .diagram_layout import _contract as _contract
from .diagram_layout import lever_links as lever_links
from .diagram_layout import loop_layout as loop_layout
from .diagram_layout import overview_layout as overview_layout
from .diagram_layout import wrap as wrap
from .diagram_svg import LINK_COLOURS as LINK_COLOURS
from .diagram_svg import to_svg as to_svg
from .dominance_chart import BALANCING_COLOURS as BALANCING_COLOURS
from .dominance_chart import CHART_FONT_PX as CHART_FONT_PX
from .dominance_chart import OTHER_COLOUR as OTHER_COLOUR
from .dominance_chart import OTHER_LOOPS as OTHER_LOOPS
from .dominance_chart import REINFORCING_COLOURS as REINFORCING_COLOURS
from .dominance_chart import dominance_bands as dominance_bands
from .dominance_chart import dominance_figure as dominance_figure
from .dominance_chart import loop_colour as loop_colour

__all__ = [
    "DEFAULT_MAX_HIDDEN",
    "PALETTE", "contracted_edges", "loop_view_dot", "neighbourhood_dot", "loop_nodes"]

#: Default longest chain of hidden variables one arrow of the loop view stands for.
DEFAULT_MAX_HIDDEN = 3


def loop_nodes(model: Model, *, levers: bool = True) -> list[str]:
    """Return the nodes of the loop view: stocks, loop-tagged variables, and levers."""
    names = list(model.stocks)
    for loop in model.loops.values():
        names.extend(loop.variables)
    if levers:
        names.extend(model.levers)
    return list(dict.fromkeys(n for n in names if n in model.variables))


def contracted_edges(
    model: Model, nodes: list[str], *, max_hidden: int = DEFAULT_MAX_HIDDEN
) -> list[tuple[str, str]]:
    """Return the model's dependency graph contracted onto ``nodes``.

    Parameters
    ----------
    model : Model
        The parsed model.
    nodes : list of str
        Variables to keep.
    max_hidden : int
        Longest chain of hidden (not kept) variables an arrow may stand for.

    Returns
    -------
    list of (str, str)
        ``(cause, effect)`` for every pair of kept variables joined by a chain of
        references through at most ``max_hidden`` variables that are not kept. Links into
        or out of ``INITIAL`` values (computed once, at the start) are left out: they carry
        no feedback. A variable's link to itself is dropped.
    """
    keep = set(nodes)
    effects: dict[str, list[str]] = defaultdict(list)
    for cause, effect in model.edges():
        if "initial" in (model[cause].kind, model[effect].kind):
            continue
        effects[cause].append(effect)
    out: set[tuple[str, str]] = set()
    for start in nodes:
        seen = {start}
        queue = deque((e, 0) for e in effects[start])
        while queue:
            nxt, hidden = queue.popleft()
            if nxt in seen:
                continue
            seen.add(nxt)
            if nxt in keep:
                if nxt != start:
                    out.add((start, nxt))
                continue
            if hidden < max_hidden:
                queue.extend((e, hidden + 1) for e in effects[nxt])
    order = {n: i for i, n in enumerate(nodes)}
    return sorted(out, key=lambda e: (order[e[0]], order[e[1]]))


def _quote(text: str) -> str:
    """Return a DOT string literal; a newline becomes DOT's centred line break."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _node_line(model: Model, name: str, tagged: dict[str, list[str]], *, bold: bool = False) -> str:
    kind = _node_type(model, name, set(tagged))
    label = name + (f"\n[{', '.join(tagged[name])}]" if name in tagged else "")
    shape = "box" if kind == "stock" else "ellipse"
    colour = PALETTE[kind]
    width = "3" if bold else "1.5"
    return (
        f"  {_quote(name)} [label={_quote(label)}, shape={shape}, color={_quote(colour)}, "
        f"fontcolor={_quote(colour if kind != 'other' else '#333333')}, penwidth={width}];"
    )


def _tags(model: Model) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = defaultdict(list)
    for loop in model.loops.values():
        for name in loop.variables:
            tags[name].append(loop.id)
    return dict(tags)


#: Node label size (points): large enough to read on a projector once the drawing is scaled
#: to the page. Streamlit's stylesheet overrides SVG text sizes, so the Model page restores
#: this one with :data:`SVG_TEXT_CSS`.
NODE_FONT_SIZE = 20
#: CSS that makes the browser draw node labels at the size Graphviz laid them out for.
SVG_TEXT_CSS = (
    "<style>[data-testid='stGraphVizChart'] svg text {"
    f"font-size: {NODE_FONT_SIZE}px !important;"
    " font-family: Helvetica, Arial, sans-serif !important;}</style>"
)

_HEADER = (
    "  graph [rankdir=TB, fontname=Helvetica, fontsize=14, nodesep=0.25,"
    " ranksep=0.45];\n"
    f"  node [fontname=Helvetica, fontsize={NODE_FONT_SIZE}, style=rounded,"
    " margin=\"0.08,0.03\"];\n"
    "  edge [color=\"#666666\", arrowsize=0.7];"
)


def loop_view_dot(
    model: Model, *, levers: bool = True, max_hidden: int = DEFAULT_MAX_HIDDEN
) -> str:
    """Return the loop view as Graphviz DOT.

    Stocks are boxes (blue), loop-tagged variables orange with their loop ids, levers
    green; an arrow means "appears in the equation of", directly or through at most
    ``max_hidden`` variables not shown.

    Parameters
    ----------
    model : Model
        The parsed model.
    levers : bool
        Include the levers (default).
    max_hidden : int
        Longest chain of hidden variables an arrow stands for.

    Returns
    -------
    str
        A ``digraph`` for :func:`streamlit.graphviz_chart`.
    """
    nodes = loop_nodes(model, levers=levers)
    tags = _tags(model)
    lines = ["digraph loops {", _HEADER]
    lines += [_node_line(model, n, tags) for n in nodes]
    edges = contracted_edges(model, nodes, max_hidden=max_hidden)
    lines += [f"  {_quote(a)} -> {_quote(b)};" for a, b in edges]
    lines.append("}")
    return "\n".join(lines)


def neighbourhood_dot(model: Model, name: str) -> str:
    """Return one variable with its direct causes and effects as Graphviz DOT.

    Parameters
    ----------
    model : Model
        The parsed model.
    name : str
        The variable at the centre.

    Returns
    -------
    str
        A ``digraph``: causes on the left, effects on the right.

    Raises
    ------
    KeyError
        If the model has no such variable.
    """
    if name not in model:
        raise KeyError(name)
    causes = list(model[name].depends_on)
    effects = [e for c, e in model.edges() if c == name]
    tags = _tags(model)
    lines = ["digraph neighbourhood {", _HEADER]
    for n in dict.fromkeys([*causes, name, *effects]):
        lines.append(_node_line(model, n, tags, bold=n == name))
    lines += [f"  {_quote(c)} -> {_quote(name)};" for c in causes]
    lines += [f"  {_quote(name)} -> {_quote(e)};" for e in effects]
    lines.append("}")
    return "\n".join(lines)
