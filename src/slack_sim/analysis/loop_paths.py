"""Which loops the model has: its causal graph, its named loops and an independent loop set.

The loops are the model's *named* loops (``Loop R1 firefighting trap: ...`` in the
comments of ``slack.mdl``), each the cycle or cycles the model declares for it
(``Loop path R1: Crisis queue > Work pressure > ... .``) or, for a loop without a declared
path, the shortest cycle of at least three links (two if there is none) through each
variable the loop is tagged on whose polarity (the product of the link polarities) is the one its id
declares; plus an independent loop set: for every link, the shortest loop through it,
kept when it adds a link not yet covered (the shortest independent loops of Oliva 2004,
*System Dynamics Review* 20(4), in its usual greedy form).

The link polarities come from :func:`slack_sim.analysis.link_scores.link_polarities`; the
scores of these loops, from :func:`slack_sim.analysis.loops.analyse_loops`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections import deque
from collections.abc import Mapping, Sequence

from ..model.variables import Model, ModelFormatError

__all__ = [
    "DYNAMIC_KINDS",
    "MAX_LOOP_LENGTH",
    "MIN_LOOP_LENGTH",
    "FeedbackLoop",
    "causal_graph",
    "declared_paths",
    "independent_loops",
    "loop_tags",
]

_TAG_RE = re.compile(r"\bLoop ([RB]\d+)\b")
#: A loop's declared path in a comment: ``Loop path R3: Crisis queue > Work pressure > ...``
#: (each variable a cause of the next, the last of the first), ended by a full stop.
_PATH_RE = re.compile(r"\bLoop path ([RB]\d+): ([^.]+)\.")

#: Kinds of variable that change during a run (constants and INITIAL values do not).
DYNAMIC_KINDS = ("stock", "flow", "auxiliary", "lookup")

#: Longest loop (links) searched for when matching a named loop to a cycle.
MAX_LOOP_LENGTH = 16
#: Shortest loop first tried for a named loop without a declared path: a stock and its
#: own flow (a first-order adjustment) only when no longer loop fits.
MIN_LOOP_LENGTH = 3


@dataclasses.dataclass(frozen=True)
class FeedbackLoop:
    """One feedback loop of the model's causal graph.

    Attributes
    ----------
    id : str
        The named loop's id (``"R1"``; ``"R1b"`` for its second cycle) or ``"L<n>"``.
    name : str
        The named loop's name, or the loop's variables for an unnamed one.
    variables : tuple of str
        The cycle in causal order: each variable is a cause of the next, the last of the
        first.
    polarity : int
        +1 reinforcing, -1 balancing (the product of the link polarities at the operating
        point), 0 when a link has no sign there.
    named : str or None
        The id of the named loop this cycle carries (``"R1"``), or ``None``.
    """

    id: str
    name: str
    variables: tuple[str, ...]
    polarity: int
    named: str | None = None

    @property
    def links(self) -> list[tuple[str, str]]:
        """The loop's links ``(cause, effect)`` in causal order."""
        v = self.variables
        return [(v[i], v[(i + 1) % len(v)]) for i in range(len(v))]

    @property
    def letter(self) -> str:
        """``"R"`` for a reinforcing loop, ``"B"`` for a balancing one, ``"?"`` otherwise."""
        return {1: "R", -1: "B"}.get(self.polarity, "?")

    @property
    def group(self) -> str:
        """The named loop's id, or this loop's own id for an unnamed loop."""
        return self.named or self.id


def causal_graph(model: Model) -> dict[str, list[str]]:
    """Return the causal links between variables that change: cause -> effects.

    A stock's causes are its flows (not the references of its initial value); every
    other variable's causes are the variables its equation references. Constants and
    ``INITIAL`` values are left out: they carry no feedback.

    Parameters
    ----------
    model : Model
        The parsed model.

    Returns
    -------
    dict of str to list of str
        Every changing variable (model-file order) and the variables it appears in.
    """
    dynamic = [n for n, v in model.variables.items() if v.kind in DYNAMIC_KINDS]
    keep = set(dynamic)
    graph: dict[str, list[str]] = {n: [] for n in dynamic}
    for name in dynamic:
        var = model[name]
        causes = ([f for f, _ in model.stock_flows[name]] if var.kind == "stock"
                  else list(var.depends_on))
        for cause in dict.fromkeys(causes):
            if cause in keep and cause != name:
                graph[cause].append(name)
    return graph


def _path(graph: Mapping[str, Sequence[str]], src: str, dst: str) -> list[str] | None:
    """Shortest path ``src ... dst`` (breadth first), or ``None``."""
    prev: dict[str, str | None] = {src: None}
    queue = deque([src])
    while queue:
        node = queue.popleft()
        if node == dst:
            out = [node]
            while prev[out[-1]] is not None:
                out.append(prev[out[-1]])  # type: ignore[arg-type]
            return out[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    return None


def _canonical(cycle: Sequence[str], order: Mapping[str, int]) -> tuple[str, ...]:
    """Return the cycle rotated to start at its first variable in model-file order."""
    k = min(range(len(cycle)), key=lambda i: order[cycle[i]])
    return tuple(cycle[k:]) + tuple(cycle[:k])


def independent_loops(model: Model, graph: Mapping[str, Sequence[str]] | None = None
                      ) -> list[tuple[str, ...]]:
    """Return an independent loop set: the shortest loop through each link, greedily.

    For every link ``a -> b`` on a cycle, the shortest loop through it (the link plus the
    shortest path back from ``b`` to ``a``); shortest first, a loop is kept when it
    holds a link no kept loop has (Oliva 2004's shortest independent loops, in the usual
    greedy form). Every link on a cycle is then on at least one kept loop.

    Parameters
    ----------
    model : Model
        The parsed model.
    graph : mapping, optional
        Its causal graph (default: :func:`causal_graph`).

    Returns
    -------
    list of tuple of str
        Loops in causal order, shortest first.
    """
    graph = graph if graph is not None else causal_graph(model)
    order = {n: i for i, n in enumerate(model.variables)}
    found: dict[tuple[str, ...], None] = {}
    for a, effects in graph.items():
        for b in effects:
            back = _path(graph, b, a)
            if back is not None:
                found[_canonical([a, *back[:-1]], order)] = None
    covered: set[tuple[str, str]] = set()
    kept = []
    for cycle in sorted(found, key=lambda c: (len(c), [order[n] for n in c])):
        links = {(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))}
        if links - covered:
            kept.append(cycle)
            covered |= links
    return kept


def _cycle_with_parity(graph: Mapping[str, Sequence[str]], signs: Mapping[tuple[str, str], int],
                       start: str, parity: int, *, min_length: int = MIN_LOOP_LENGTH,
                       max_length: int = MAX_LOOP_LENGTH) -> tuple[str, ...] | None:
    """Return the shortest simple cycle through ``start`` with signs multiplying to ``parity``."""
    reverse: dict[str, list[str]] = {}
    for a, effects in graph.items():
        for b in effects:
            reverse.setdefault(b, []).append(a)
    back = {start: 0}  # links from each variable back to start
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for prev in reverse.get(node, ()):
            if prev not in back:
                back[prev] = back[node] + 1
                queue.append(prev)
    for length in range(min_length, max_length + 1):
        stack: list[tuple[str, tuple[str, ...], int]] = [(start, (start,), 1)]
        while stack:
            node, path, sign = stack.pop()
            for nxt in graph.get(node, ()):
                s = sign * signs.get((node, nxt), 0)
                if s == 0:
                    continue
                if nxt == start:
                    if len(path) == length and s == parity:
                        return path
                    continue
                if nxt in path or nxt not in back or len(path) + back[nxt] > length:
                    continue
                stack.append((nxt, (*path, nxt), s))
    return None


def loop_tags(model: Model) -> dict[str, list[str]]:
    """Return every variable whose comment names each loop (``Loop R2 burnout.`` too).

    :attr:`Model.loops` lists the variables whose comment describes a loop
    (``Loop R2 burnout: ...``); a comment may also name a loop it carries without
    describing it again (``Loop R2 burnout.``). Both count here, in model-file order.

    Parameters
    ----------
    model : Model
        The parsed model.

    Returns
    -------
    dict of str to list of str
        Loop id -> the variables tagged with it.
    """
    out: dict[str, list[str]] = {k: [] for k in model.loops}
    for name, var in model.variables.items():
        for loop_id in dict.fromkeys(_TAG_RE.findall(var.definition)):
            if loop_id in out:
                out[loop_id].append(name)
    return out


def declared_paths(model: Model) -> dict[str, list[tuple[str, ...]]]:
    """Return the loop paths the model declares (``Loop path R3: A > B > C.``).

    A step may name alternatives, ``A > B / C > D``: a stock's inflow and outflow that
    act in turn (a level that rises by one flow and falls by another), each alternative
    a cycle of its own.

    Parameters
    ----------
    model : Model
        The parsed model.

    Returns
    -------
    dict of str to list of tuple of str
        Loop id -> its declared cycles, in model-file order (loops without one left out).

    Raises
    ------
    ModelFormatError
        If a path names an unknown loop or variable, or a link that is not in the
        model's causal graph (:func:`causal_graph`).
    """
    graph = causal_graph(model)
    out: dict[str, list[tuple[str, ...]]] = {}
    for name, var in model.variables.items():
        for loop_id, text in _PATH_RE.findall(var.definition):
            where = f"{name!r}: 'Loop path {loop_id}'"
            if loop_id not in model.loops:
                raise ModelFormatError(f"{where} names no loop of the model "
                                       f"(loops: {', '.join(model.loops)})")
            steps = [[" ".join(v.split()) for v in step.split(" / ")]
                     for step in text.split(">")]
            for cycle in itertools.product(*steps):
                for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
                    if a not in graph:
                        raise ModelFormatError(
                            f"{where}: {a!r} is not a changing model variable")
                    if b not in graph[a]:
                        raise ModelFormatError(f"{where}: {a!r} does not appear in the "
                                               f"equation of {b!r}, so the path is not a loop")
                out.setdefault(loop_id, []).append(tuple(cycle))
    return out


def _named_cycles(model: Model, graph: Mapping[str, Sequence[str]],
                  signs: Mapping[tuple[str, str], int]) -> list[FeedbackLoop]:
    order = {n: i for i, n in enumerate(model.variables)}
    tags = loop_tags(model)
    paths = declared_paths(model)
    out: list[FeedbackLoop] = []
    for loop in model.loops.values():
        parity = 1 if loop.id.startswith("R") else -1
        if loop.id in paths:
            for k, cycle in enumerate(paths[loop.id]):
                suffix = "" if k == 0 else "abcdefghijklmnop"[k]
                out.append(FeedbackLoop(f"{loop.id}{suffix}", loop.name, cycle,
                                        _polarity(cycle, signs), loop.id))
            continue
        cycles: list[tuple[str, ...]] = []
        for name in tags.get(loop.id, ()):
            if name not in graph or any(name in c for c in cycles):
                continue
            cycle = (_cycle_with_parity(graph, signs, name, parity)
                     or _cycle_with_parity(graph, signs, name, parity, min_length=1))
            if cycle is not None:
                cycle = _canonical(cycle, order)
                if cycle not in cycles:
                    cycles.append(cycle)
        for k, cycle in enumerate(cycles):
            suffix = "" if k == 0 else "abcdefghij"[k]
            out.append(FeedbackLoop(f"{loop.id}{suffix}", loop.name, cycle, parity, loop.id))
    return out


def _polarity(cycle: Sequence[str], signs: Mapping[tuple[str, str], int]) -> int:
    return math.prod(signs.get((cycle[i], cycle[(i + 1) % len(cycle)]), 0)
                     for i in range(len(cycle)))
