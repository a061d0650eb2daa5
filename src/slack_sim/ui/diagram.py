"""Causal loop diagrams drawn from the model's own dependency graph (Graphviz DOT).

Nothing here is drawn by hand: nodes and arrows come from :meth:`slack_sim.Model.edges`
(every reference in every equation) and the named loops from :attr:`Model.loops`. The
*loop view* keeps the stocks, the variables the loops are tagged on and the levers, and
joins two of them with an arrow when the model has a chain of references from one to the
other through variables that are not shown (the graph contracted onto those nodes).
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.parse import Model

__all__ = [
    "DEFAULT_MAX_HIDDEN",
    "PALETTE", "contracted_edges", "loop_view_dot", "neighbourhood_dot", "loop_nodes"]

#: Default longest chain of hidden variables one arrow of the loop view stands for.
DEFAULT_MAX_HIDDEN = 3
#: Okabe-Ito colours (colour-blind safe) by node type.
PALETTE = {
    "stock": "#0072B2",
    "loop": "#D55E00",
    "lever": "#009E73",
    "uncertainty": "#CC79A7",
    "other": "#999999",
}


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


def _node_type(model: Model, name: str, tagged: set[str]) -> str:
    var = model[name]
    if var.kind == "stock":
        return "stock"
    if name in tagged:
        return "loop"
    if var.role in ("lever", "uncertainty"):
        return var.role
    return "other"


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


# -- teaching diagrams: SVG drawn in Python from a layout (no Graphviz needed) --------------

#: Label size (px) of the SVG diagrams, drawn at their natural size (never scaled down),
#: so at least this on a 1280 px screen and in a slide.
SVG_FONT_PX = 16
#: Colours of positive and negative links (Okabe-Ito blue and vermillion) and of a link
#: with no sign in the run (grey).
LINK_COLOURS = {1: "#0072B2", -1: "#D55E00", 0: "#999999"}
_SIGN_TEXT = {1: "+", -1: "\u2212", 0: "?"}
#: Characters a node label line holds before it wraps.
LABEL_WIDTH = 16
#: Named loops' cycles a variable must be on to count as a hub of the whole-model view.
HUB_LOOPS = 3
#: Half axes (px) of the whole-model view's ring, and how far outside it the levers sit.
OVERVIEW_RADII = (300.0, 250.0)
LEVER_OFFSET = 130.0
_CHAR_PX = 0.56  # width of a character of Helvetica at 1 px, on average


@dataclasses.dataclass(frozen=True)
class Node:
    """A drawn variable: its centre, label lines and kind (a key of :data:`PALETTE`)."""

    name: str
    x: float
    y: float
    kind: str
    lines: tuple[str, ...]

    @property
    def half(self) -> tuple[float, float]:
        """Half the width and height of its label box (px)."""
        w = max(len(s) for s in self.lines) * SVG_FONT_PX * _CHAR_PX + 14
        return w / 2, (len(self.lines) * SVG_FONT_PX * 1.2 + 10) / 2


@dataclasses.dataclass(frozen=True)
class Edge:
    """A drawn link: cause, effect, polarity, the variables it stands for, its bend."""

    cause: str
    effect: str
    sign: int
    hidden: tuple[str, ...] = ()
    bend: float = 0.0
    lever: bool = False


@dataclasses.dataclass(frozen=True)
class Marker:
    """A loop marker: ``R1`` or ``B2`` with its name, turning clockwise or not."""

    loop: str
    name: str
    x: float
    y: float
    clockwise: bool
    compact: bool = False


@dataclasses.dataclass(frozen=True)
class Layout:
    """Everything an SVG diagram draws, in px."""

    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    markers: tuple[Marker, ...]
    title: str = ""


def wrap(name: str, width: int = LABEL_WIDTH) -> tuple[str, ...]:
    """Return a label's lines: words joined up to ``width`` characters a line."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return tuple(lines) or ("",)


def _kind(model: Model, name: str, tagged: set[str]) -> str:
    return _node_type(model, name, tagged)


def _sign_of(chain: Sequence[str], polarities: Mapping[tuple[str, str], int]) -> int:
    return math.prod(polarities.get((a, b), 0) for a, b in zip(chain, chain[1:], strict=False))


def _contract(cycle: Sequence[str], keep: set[str],
              polarities: Mapping[tuple[str, str], int]) -> list[Edge]:
    """Return the cycle's links contracted onto the kept variables (in causal order)."""
    idx = [i for i, n in enumerate(cycle) if n in keep]
    if not idx:
        return []
    out = []
    for j, i in enumerate(idx):
        k = idx[(j + 1) % len(idx)]
        chain = [cycle[(i + s) % len(cycle)] for s in range((k - i) % len(cycle) or len(cycle))]
        chain.append(cycle[k])
        out.append(Edge(chain[0], chain[-1], _sign_of(chain, polarities), tuple(chain[1:-1])))
    return out


def loop_layout(model: Model, loop: Any, polarities: Mapping[tuple[str, str], int], *,
                every_variable: bool = False, max_shown: int = 10) -> Layout:
    """Lay one feedback loop out as a ring, in causal order, clockwise.

    Parameters
    ----------
    model : Model
        The parsed model.
    loop : slack_sim.analysis.loops.FeedbackLoop
        The loop (its cycle, polarity and named loop).
    polarities : mapping
        Link polarities (:func:`slack_sim.analysis.loops.link_polarities`).
    every_variable : bool
        Draw every variable of the cycle; otherwise a cycle longer than ``max_shown``
        keeps its stocks, the variables tagged with the loop and every other one up to
        ``max_shown``, and a dashed arrow stands for the variables between two shown.
    max_shown : int
        Most variables drawn when not ``every_variable``.

    Returns
    -------
    Layout
    """
    cycle = list(loop.variables)
    tagged = {n for lp in model.loops.values() for n in lp.variables}
    if every_variable or len(cycle) <= max_shown:
        keep = set(cycle)
    else:
        must = [n for n in cycle if model[n].kind == "stock" or n in tagged]
        rest = [n for n in cycle if n not in must]
        room = max(max_shown - len(must), 0)
        step = max(len(rest) / room, 1.0) if room else len(rest) + 1
        keep = set(must) | {rest[int(i * step)] for i in range(min(room, len(rest)))}
    shown = [n for n in cycle if n in keep]
    n = len(shown)
    rx, ry = min(325.0, max(190.0, 40.0 * n)), min(250.0, max(130.0, 28.0 * n))
    nodes = []
    for i, name in enumerate(shown):
        a = -math.pi / 2 + 2 * math.pi * i / n
        nodes.append(Node(name, rx * math.cos(a), ry * math.sin(a), _kind(model, name, tagged),
                          wrap(name)))
    edges = tuple(dataclasses.replace(e, bend=0.35) for e in _contract(cycle, keep, polarities))
    named = model.loops.get(loop.named) if loop.named else None
    marker = Marker(loop.id.rstrip("abcdefghijklmnop") if named else loop.id,
                    named.name if named else loop.name, 0.0, 0.0, True)
    title = (f"{marker.loop} {marker.name} ({'reinforcing' if loop.polarity > 0 else 'balancing'})"
             if named else marker.name)
    return _framed(nodes, edges, (marker,), title)


def _framed(nodes: list[Node], edges: Sequence[Edge], markers: Sequence[Marker],
            title: str) -> Layout:
    """Shift everything so that the drawing starts at (margin, margin + title)."""
    margin, top = 24.0, 40.0 if title else 0.0
    xs = [nd.x - nd.half[0] for nd in nodes] + [m.x - 90 for m in markers]
    xe = [nd.x + nd.half[0] for nd in nodes] + [m.x + 90 for m in markers]
    ys = [nd.y - nd.half[1] for nd in nodes] + [m.y - 50 for m in markers]
    ye = [nd.y + nd.half[1] for nd in nodes] + [m.y + 50 for m in markers]
    dx, dy = margin - min(xs), margin + top - min(ys)
    moved = tuple(dataclasses.replace(nd, x=nd.x + dx, y=nd.y + dy) for nd in nodes)
    marks = tuple(dataclasses.replace(m, x=m.x + dx, y=m.y + dy) for m in markers)
    return Layout(max(xe) + dx + margin, max(ye) + dy + margin, moved, tuple(edges), marks,
                  title)


def overview_layout(model: Model, loops: Sequence[Any],
                    polarities: Mapping[tuple[str, str], int]) -> Layout:
    """Lay the whole model out: its named loops through their key variables, and the levers.

    The key variables are the stocks on a named loop, the variables on at least
    :data:`HUB_LOOPS` named loops, and those whose name says "slack"; they sit on a ring,
    ordered so that linked variables sit close. Each named loop's cycles are contracted
    onto them (a dashed arrow stands for the variables between two shown), and each lever
    joins the first key variable it reaches, with the sign of that chain.

    Parameters
    ----------
    model : Model
        The parsed model.
    loops : sequence of slack_sim.analysis.loops.FeedbackLoop
        The loops (only the named ones are drawn).
    polarities : mapping
        Link polarities, levers' links included.

    Returns
    -------
    Layout
    """
    named = [lp for lp in loops if lp.named]
    count: dict[str, set[str]] = defaultdict(set)
    for lp in named:
        for n in lp.variables:
            count[n].add(lp.named)
    keep = {n for n, ids in count.items()
            if model[n].kind == "stock" or len(ids) >= HUB_LOOPS or "slack" in n.lower()}
    edges: dict[tuple[str, str], Edge] = {}
    for lp in named:
        for e in _contract(lp.variables, keep, polarities):
            if e.cause == e.effect:
                continue
            old = edges.get((e.cause, e.effect))
            if old is None or (len(e.hidden) < len(old.hidden)):
                edges[(e.cause, e.effect)] = e
    order = _ring_order([n for n in model.variables if n in keep], list(edges))
    n = len(order)
    tagged = {v for lp in model.loops.values() for v in lp.variables}
    for scale in np.arange(1.0, 1.6, 0.05):  # the smallest ring whose labels do not touch
        rx, ry = OVERVIEW_RADII[0] * scale, OVERVIEW_RADII[1] * scale
        pos = {}
        nodes = []
        for i, name in enumerate(order):
            a = -math.pi / 2 + 2 * math.pi * i / n
            pos[name] = (rx * math.cos(a), ry * math.sin(a))
            nodes.append(Node(name, *pos[name], _kind(model, name, tagged), wrap(name)))
        if not _overlapping(nodes):
            break
    graph = _effects(model)
    lever_edges = []
    targets: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for lever in model.levers:
        chain = _first_reached(graph, lever, keep)
        if chain is not None:
            targets[chain[-1]].append((lever, chain))
    placed = sorted(((math.atan2(pos[t][1] / ry, pos[t][0] / rx), lever, chain)
                     for t, items in targets.items() for lever, chain in items),
                    key=lambda item: item[0])
    if placed:  # levers on an outer ring, evenly spaced, in the order of their targets
        n_lv = len(placed)
        slots = [2 * math.pi * k / n_lv for k in range(n_lv)]
        shift = min((sum(abs(math.remainder(a - (slots[k] + off), 2 * math.pi))
                         for k, (a, _, _) in enumerate(placed)), off)
                    for off in np.linspace(-math.pi, math.pi, 73))[1]
        for k, (_, lever, chain) in enumerate(placed):
            a = slots[k] + shift
            nodes.append(Node(lever, (rx + LEVER_OFFSET) * math.cos(a),
                              (ry + LEVER_OFFSET * 0.6) * math.sin(a), "lever", wrap(lever)))
            lever_edges.append(Edge(lever, chain[-1], _sign_of(chain, polarities),
                                    tuple(chain[1:-1]), bend=0.0, lever=True))
    markers = []
    for loop_id, loop in model.loops.items():
        members = [n for lp in named if lp.named == loop_id for n in lp.variables
                   if n in pos]
        if not members:
            continue
        first = next(lp for lp in named if lp.named == loop_id)
        ring = [pos[v] for v in first.variables if v in pos]
        area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
                   in zip(ring, ring[1:] + ring[:1], strict=True))
        cx = float(np.mean([pos[v][0] for v in members])) * 0.55
        cy = float(np.mean([pos[v][1] for v in members])) * 0.55
        markers.append(Marker(loop_id, loop.name, cx, cy, area >= 0, compact=True))
    markers = _spread(markers, fixed=[(nd.x, nd.y) for nd in nodes])
    bent = [dataclasses.replace(e, bend=0.25) for e in edges.values()]
    return _framed(nodes, [*bent, *lever_edges], markers, "")


def _overlapping(nodes: Sequence[Node], pad: float = 4.0) -> bool:
    """Whether any two label boxes overlap (with ``pad`` px between them)."""
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            if (abs(a.x - b.x) < a.half[0] + b.half[0] + pad
                    and abs(a.y - b.y) < a.half[1] + b.half[1] + pad):
                return True
    return False


def _effects(model: Model) -> dict[str, list[str]]:
    """Cause -> effects, a stock caused by its flows only (not its initial value)."""
    out: dict[str, list[str]] = defaultdict(list)
    for cause, effect in model.edges():
        if "initial" in (model[cause].kind, model[effect].kind):
            continue
        if model[effect].kind == "stock" and cause not in dict(model.stock_flows[effect]):
            continue
        out[cause].append(effect)
    return out


def lever_links(model: Model) -> list[tuple[str, str]]:
    """Return every link from a lever to a variable whose equation uses it."""
    graph = _effects(model)
    return [(lv, e) for lv in model.levers for e in graph.get(lv, ())]


def _first_reached(graph: Mapping[str, Sequence[str]], start: str,
                   keep: set[str]) -> list[str] | None:
    prev: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node in keep and node != start:
            chain = [node]
            while prev[chain[-1]] is not None:
                chain.append(prev[chain[-1]])  # type: ignore[arg-type]
            return chain[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    return None


def _ring_order(names: list[str], links: list[tuple[str, str]]) -> list[str]:
    """Order names round a ring so that linked names sit close (pairwise swaps)."""
    order = list(names)
    n = len(order)
    if n < 4:
        return order

    def cost(seq: list[str]) -> int:
        at = {name: i for i, name in enumerate(seq)}
        return sum(min(d := abs(at[a] - at[b]), n - d) for a, b in links)

    best = cost(order)
    improved = True
    while improved:
        improved = False
        for i in range(n):
            for j in range(i + 1, n):
                order[i], order[j] = order[j], order[i]
                c = cost(order)
                if c < best:
                    best, improved = c, True
                else:
                    order[i], order[j] = order[j], order[i]
    return order


def _spread(markers: list[Marker], *, gap: float = 80.0,
            fixed: Sequence[tuple[float, float]] = ()) -> list[Marker]:
    """Push loop markers apart, and away from ``fixed`` points, to ``gap`` px (a few passes)."""
    pts = [[m.x, m.y] for m in markers]
    for _ in range(300):
        moved = False
        for i in range(len(pts)):
            others = [(pts[j][0], pts[j][1], 0.5) for j in range(len(pts)) if j != i]
            others += [(fx, fy, 1.0) for fx, fy in fixed]
            for ox, oy, share in others:
                dx, dy = pts[i][0] - ox, pts[i][1] - oy
                d = math.hypot(dx, dy)
                if d < gap:
                    if d < 1e-9:
                        dx, dy, d = 1.0, 0.0, 1.0
                    push = (gap - d) * share
                    pts[i][0] += dx / d * push
                    pts[i][1] += dy / d * push
                    moved = True
        if not moved:
            break
    return [dataclasses.replace(m, x=p[0], y=p[1]) for m, p in zip(markers, pts, strict=True)]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _box_exit(node: Node, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from a node's centre toward (tx, ty) leaves its label box."""
    hw, hh = node.half
    dx, dy = tx - node.x, ty - node.y
    if dx == 0 and dy == 0:
        return node.x, node.y
    s = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return node.x + dx * s, node.y + dy * s


def to_svg(layout: Layout) -> str:
    """Return the layout as a standalone SVG document (for the page and for slides).

    Labels are :data:`SVG_FONT_PX` px, text is escaped; each arrow has a ``<title>``
    naming its link and the variables it stands for.
    """
    fs = SVG_FONT_PX
    by = {nd.name: nd for nd in layout.nodes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width:.0f}" '
        f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.0f} {layout.height:.0f}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="{fs}" role="img">',
        "<defs>",
    ]
    for sign, colour in LINK_COLOURS.items():
        out.append(f'<marker id="arrow{sign + 1}" viewBox="0 0 10 10" refX="9" refY="5" '
                   f'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
                   f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    out += ['<marker id="turn" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
            "</marker>", "</defs>",
            '<rect width="100%" height="100%" fill="white"/>']
    if layout.title:
        out.append(f'<text x="24" y="30" font-size="{fs + 4}" font-weight="bold" '
                   f'fill="#222">{_esc(layout.title)}</text>')
    for e in layout.edges:
        a, b = by.get(e.cause), by.get(e.effect)
        if a is None or b is None:
            continue
        mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
        dx, dy = b.x - a.x, b.y - a.y
        cx, cy = mx + dy * e.bend, my - dx * e.bend  # bend to the left of a -> b
        x0, y0 = _box_exit(a, cx, cy)
        x1, y1 = _box_exit(b, cx, cy)
        colour = "#009E73" if e.lever else LINK_COLOURS[e.sign]
        dash = ' stroke-dasharray="6 4"' if e.hidden else ""
        via = f" via {', '.join(e.hidden)}" if e.hidden else ""
        sign_word = {1: "+", -1: "-", 0: "no sign in this run"}[e.sign]
        out.append(
            f'<path d="M{x0:.1f},{y0:.1f} Q{cx:.1f},{cy:.1f} {x1:.1f},{y1:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="2"{dash} marker-end="url(#arrow{e.sign + 1})">'
            f"<title>{_esc(e.cause)} \u2192 {_esc(e.effect)} ({sign_word}){_esc(via)}</title>"
            "</path>")
        # the sign beside the arrowhead, on the outer side of the curve
        t = 0.8
        px = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x1
        py = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y1
        norm = math.hypot(x1 - x0, y1 - y0) or 1.0
        ox, oy = (y1 - y0) / norm * 12, -(x1 - x0) / norm * 12
        out.append(f'<text x="{px + ox:.1f}" y="{py + oy + 6:.1f}" text-anchor="middle" '
                   f'font-size="{fs + 6}" font-weight="bold" fill="{LINK_COLOURS[e.sign]}">'
                   f"{_SIGN_TEXT[e.sign]}</text>")
    for nd in layout.nodes:
        hw, hh = nd.half
        colour = PALETTE.get(nd.kind, PALETTE["other"])
        rx = 2 if nd.kind == "stock" else hh
        width = 3 if nd.kind == "stock" else 1.5
        out.append(f'<g><title>{_esc(nd.name)}</title><rect x="{nd.x - hw:.1f}" '
                   f'y="{nd.y - hh:.1f}" width="{2 * hw:.1f}" height="{2 * hh:.1f}" '
                   f'rx="{min(rx, 18):.1f}" fill="white" stroke="{colour}" '
                   f'stroke-width="{width}"/>')
        top = nd.y - (len(nd.lines) - 1) * fs * 0.6 + fs * 0.35
        text_colour = colour if nd.kind != "other" else "#333333"
        for k, line in enumerate(nd.lines):
            out.append(f'<text x="{nd.x:.1f}" y="{top + k * fs * 1.2:.1f}" '
                       f'text-anchor="middle" fill="{text_colour}">{_esc(line)}</text>')
        out.append("</g>")
    for m in layout.markers:
        r = 26
        if m.clockwise:
            arc = (f"M{m.x - r * 0.7:.1f},{m.y + r * 0.7:.1f} A{r},{r} 0 1 1 "
                   f"{m.x + r * 0.7:.1f},{m.y + r * 0.7:.1f}")
        else:
            arc = (f"M{m.x + r * 0.7:.1f},{m.y + r * 0.7:.1f} A{r},{r} 0 1 0 "
                   f"{m.x - r * 0.7:.1f},{m.y + r * 0.7:.1f}")
        turn = "clockwise" if m.clockwise else "anticlockwise"
        out.append(f'<g><title>Loop {_esc(m.loop)} {_esc(m.name)} ({turn})</title>'
                   f'<path d="{arc}" fill="none" stroke="#333" stroke-width="2.5" '
                   f'marker-end="url(#turn)"/>'
                   f'<text x="{m.x:.1f}" y="{m.y + 7:.1f}" text-anchor="middle" '
                   f'font-size="{fs + 4}" font-weight="bold" fill="#222">{_esc(m.loop)}</text>'
                   + ("" if m.compact else
                      f'<text x="{m.x:.1f}" y="{m.y + r + fs + 4:.1f}" text-anchor="middle" '
                      f'fill="#222">{_esc(m.name)}</text>') + "</g>")
    out.append("</svg>")
    return "\n".join(out)


# -- which loop is in charge: the band chart ------------------------------------------------

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
