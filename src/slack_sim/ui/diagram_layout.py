"""Layouts of the teaching diagrams: where each variable, link and loop marker is drawn.

A :class:`Layout` holds every node, edge and loop marker of a diagram in px;
:func:`slack_sim.ui.diagram_svg.to_svg` draws it (no Graphviz needed). Nodes and links come
from the model's own dependency graph and the loops from
:mod:`slack_sim.analysis.loops`; nothing is placed by hand. The node kinds and their
colours (:data:`PALETTE`) are shared with the Graphviz views of :mod:`slack_sim.ui.diagram`.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..model.parse import Model

__all__ = [
    "HUB_LOOPS", "LABEL_WIDTH", "LEVER_OFFSETS", "OVERVIEW_MAX_WIDTH", "OVERVIEW_RADII", "PALETTE",
    "SVG_FONT_PX",
    "Edge", "Layout", "Marker", "Node", "lever_links", "loop_layout", "overview_layout", "wrap"]

#: Okabe-Ito colours (colour-blind safe) by node type.
PALETTE = {
    "stock": "#0072B2",
    "loop": "#D55E00",
    "lever": "#009E73",
    "uncertainty": "#CC79A7",
    "other": "#999999",
}


def _node_type(model: Model, name: str, tagged: set[str]) -> str:
    var = model[name]
    if var.kind == "stock":
        return "stock"
    if name in tagged:
        return "loop"
    if var.role in ("lever", "uncertainty"):
        return var.role
    return "other"


#: Label size (px) of the SVG diagrams, drawn at their natural size (never scaled down),
#: so at least this on a 1280 px screen and in a slide.
SVG_FONT_PX = 16
#: Characters a node label line holds before it wraps.
LABEL_WIDTH = 16
#: Named loops' cycles a variable must be on to count as a hub of the whole-model view.
HUB_LOOPS = 3
#: Half axes (px) of the whole-model view's widest ring (it is narrowed to fit, then made taller).
OVERVIEW_RADII = (300.0, 250.0)
#: The widest whole-model view (px): the Model page's column at a 1280 px window is about
#: 820 px, so the view fits it at full size (labels :data:`SVG_FONT_PX`) without scrolling.
OVERVIEW_MAX_WIDTH = 780.0
#: How far outside the ring the levers start across and down (px); each then moves out
#: until its label clears the others.
LEVER_OFFSETS = (70.0, 120.0)
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
                    polarities: Mapping[tuple[str, str], int], *,
                    max_width: float = OVERVIEW_MAX_WIDTH) -> Layout:
    """Lay the whole model out: its named loops through their key variables, and the levers.

    The key variables are the stocks on a named loop, the variables on at least
    :data:`HUB_LOOPS` named loops, and those whose name says "slack"; they sit on a ring,
    ordered so that linked variables sit close. Each named loop's cycles are contracted
    onto them (a dashed arrow stands for the variables between two shown), and each lever
    joins the first key variable it reaches, with the sign of that chain. The ring is the
    widest that keeps the whole view within ``max_width`` px with no two labels touching
    (narrowed and made taller as needed), so it fits the page's column at full size.

    Parameters
    ----------
    model : Model
        The parsed model.
    loops : sequence of slack_sim.analysis.loops.FeedbackLoop
        The loops (only the named ones are drawn).
    polarities : mapping
        Link polarities, levers' links included.
    max_width : float
        The widest the view may be, in px (margins included).

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
    tagged = {v for lp in model.loops.values() for v in lp.variables}
    graph = _effects(model)
    targets: list[tuple[str, list[str]]] = []
    for lever in model.levers:
        chain = _first_reached(graph, lever, keep)
        if chain is not None:
            targets.append((lever, chain))
    # each ring width made just tall enough for its labels to part; of those that fit
    # max_width the shortest (else the narrowest)
    best = None
    for rx, heights in _ring_sizes():
        for ry in heights:
            pos, nodes = _ring(model, order, tagged, rx, ry)
            levers = _levers(targets, pos, rx, ry, *LEVER_OFFSETS, polarities, ring=nodes)
            drawn = [*nodes, *(nd for nd, _ in levers)]
            if not _overlapping(drawn):
                break
        else:
            continue
        size = (_extent(drawn) > max_width, _extent(drawn, axis=1))
        if best is None or size < best[0]:
            best = (size, rx, ry, pos, nodes, levers)
    assert best is not None, "no ring size keeps the labels apart"
    _, rx, ry, pos, nodes, levers = best
    nodes = [*nodes, *(nd for nd, _ in levers)]
    lever_edges = [e for _, e in levers]
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


def _ring_sizes() -> Iterator[tuple[float, Sequence[float]]]:
    """Ring half widths to try, widest first, each with its half heights, smallest first.

    From the round ring of :data:`OVERVIEW_RADII` to a ring less than half as wide.
    """
    heights = tuple(float(h) for h in np.arange(OVERVIEW_RADII[1], 651.0, 25.0))
    for half_width in np.arange(OVERVIEW_RADII[0], 119.0, -20.0):
        yield float(half_width), heights


def _ring(model: Model, order: Sequence[str], tagged: set[str], rx: float,
          ry: float) -> tuple[dict[str, tuple[float, float]], list[Node]]:
    """Place ``order`` round an ellipse of half axes ``rx``, ``ry`` from the top.

    Evenly spaced along the curve (by arc length), so a tall ring does not crowd its top
    and bottom.
    """
    n = len(order)
    grid = np.linspace(-math.pi / 2, 3 * math.pi / 2, 721)
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(rx * np.cos(grid)),
                                                    np.diff(ry * np.sin(grid))))])
    angles = np.interp(np.arange(n) / n * arc[-1], arc, grid)
    pos = {}
    nodes = []
    for name, a in zip(order, angles, strict=True):
        pos[name] = (rx * math.cos(a), ry * math.sin(a))
        nodes.append(Node(name, *pos[name], _kind(model, name, tagged), wrap(name)))
    return pos, nodes


def _levers(targets: Sequence[tuple[str, list[str]]], pos: Mapping[str, tuple[float, float]],
            rx: float, ry: float, ox: float, oy: float,
            polarities: Mapping[tuple[str, str], int],
            ring: Sequence[Node] | None = None) -> list[tuple[Node, Edge]]:
    """Levers on an outer ring, evenly spaced, in the order of the variables they reach.

    With ``ring`` (the ring's nodes) each lever moves out along its ray until its label
    clears the ring's and the levers' before it.
    """
    placed = sorted(((math.atan2(pos[chain[-1]][1] / ry, pos[chain[-1]][0] / rx), lever, chain)
                     for lever, chain in targets), key=lambda item: item[0])
    if not placed:
        return []
    n_lv = len(placed)
    slots = [2 * math.pi * k / n_lv for k in range(n_lv)]
    shift = min((sum(abs(math.remainder(a - (slots[k] + off), 2 * math.pi))
                     for k, (a, _, _) in enumerate(placed)), off)
                for off in np.linspace(-math.pi, math.pi, 73))[1]
    out: list[tuple[Node, Edge]] = []
    for k, (_, lever, chain) in enumerate(placed):
        a = slots[k] + shift
        node = Node(lever, (rx + ox) * math.cos(a), (ry + oy) * math.sin(a), "lever",
                    wrap(lever))
        if ring is not None:  # out along its ray until it clears the labels placed so far
            for _ in range(40):
                if not _overlapping([node, *ring, *(nd for nd, _ in out)], first=True):
                    break
                node = dataclasses.replace(node, x=node.x + 10 * math.cos(a),
                                           y=node.y + 10 * math.sin(a))
        out.append((node, Edge(lever, chain[-1], _sign_of(chain, polarities),
                               tuple(chain[1:-1]), bend=0.0, lever=True)))
    return out


def _extent(nodes: Sequence[Node], margin: float = 24.0, *, axis: int = 0) -> float:
    """Return the width (``axis=0``) or height (1) in px of ``nodes``' label boxes, margins in."""
    at = [(nd.x, nd.y)[axis] for nd in nodes]
    half = [nd.half[axis] for nd in nodes]
    return (max(a + h for a, h in zip(at, half, strict=True))
            - min(a - h for a, h in zip(at, half, strict=True)) + 2 * margin)


def _overlapping(nodes: Sequence[Node], pad: float = 4.0, *, first: bool = False) -> bool:
    """Whether any two label boxes overlap (with ``pad`` px between them).

    ``first``: only whether the first box overlaps any of the others.
    """
    for i, a in enumerate(nodes[:1] if first else nodes):
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
