"""Which loop is in charge: loop dominance by the Loops that Matter method.

Loops that Matter (LTM; Schoenberg, Davidsen and Eberlein 2020, *System Dynamics Review*
36(2); Eberlein and Schoenberg 2020) measures, at every time step of a run, how much of
the change in each variable each of its causes accounts for, and multiplies those *link
scores* around a feedback loop into a *loop score*.

Nothing here retypes an equation. Each variable's equation is the compiled engine's own
vector code (:func:`slack_sim.engine.translate.translate`, evaluated in the generated
module's namespace), fed with the values of a run of the same engine recorded at every
integration step. For a link ``x -> z`` with ``z = f(x, y, ...)``:

``LS(x -> z) = |Δx z / Δz| * sign(Δx z / Δx)``

where ``Δz = z(t) - z(t - dt)`` and ``Δx z = f(x(t), y(t - dt), ...) - z(t - dt)`` is the
change in ``z`` had only ``x`` moved (0 when ``z`` does not move). For a flow ``f`` into
or out of a stock ``S`` (sign ``s``), ``LS(f -> S) = s * |Δf / ΔN|`` with ``N`` the
stock's net flow. A loop's score is the product of its link scores; its *relative* score
for a variable is its score over the sum of the absolute scores of the loops through
that variable, so the shares of the loops through a variable sum to 1 in absolute value
and a balancing loop's share is negative.

The loops are the model's *named* loops (``Loop R1 firefighting trap: ...`` in the
comments of ``slack.mdl``), each the cycle or cycles the model declares for it
(``Loop path R1: Crisis queue > Work pressure > ... .``) or, for a loop without a declared
path, the shortest cycle of at least three links (two if there is none) through each
variable the loop is tagged on whose polarity (the product of the link polarities) is the one its id
declares; plus an independent loop set: for every link, the shortest loop through it,
kept when it adds a link not yet covered (the shortest independent loops of Oliva 2004,
*System Dynamics Review* 20(4), in its usual greedy form).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.parse import load_model
from ..model.variables import Model, ModelFormatError
from ..scenarios import Scenario

__all__ = [
    "DYNAMIC_KINDS",
    "FeedbackLoop",
    "LoopAnalysis",
    "Period",
    "analyse_loops",
    "causal_graph",
    "declared_paths",
    "dominant_periods",
    "independent_loops",
    "link_polarities",
    "loop_tags",
    "loop_run",
]

_TAG_RE = re.compile(r"\bLoop ([RB]\d+)\b")
#: A loop's declared path in a comment: ``Loop path R3: Crisis queue > Work pressure > ...``
#: (each variable a cause of the next, the last of the first), ended by a full stop.
_PATH_RE = re.compile(r"\bLoop path ([RB]\d+): ([^.]+)\.")

#: Kinds of variable that change during a run (constants and INITIAL values do not).
DYNAMIC_KINDS = ("stock", "flow", "auxiliary", "lookup")

#: Relative change below which a variable counts as not moving in a step (floating-point
#: noise around an equilibrium would otherwise give link scores of noise over noise).
STILL = 1e-10

#: Relative perturbations for a link's polarity (the sign of the partial derivative): the
#: smallest first; a larger one only where a link is inactive all along the run (a MIN or
#: MAX on its other side), to find the sign it has where it is active.
PERTURBATIONS = (1e-6, 1e-2, 0.1, 0.5, 0.9, 0.99)

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


@dataclasses.dataclass(frozen=True)
class Period:
    """A span of years in which one loop (or none) dominates a variable."""

    start: float
    end: float
    loop: str | None
    label: str
    share: float


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


class _Equations:
    """The compiled engine's vector code of each equation, evaluated on whole runs."""

    def __init__(self, model: Model) -> None:
        from ..engine.compiled import compile_model
        from ..engine.translate import translate

        compiled = compile_model(model)
        # the generated module's helpers (ZIDZ, XIDZ, the lookup tables): its namespace
        self.namespace = dict(vars(compiled._module))
        translated, _ = translate(model)
        self.ident = {v.name: v.ident for v in translated}
        self.code = {v.name: compile(v.expr["vector"], f"<{v.name}>", "eval")
                     for v in translated if v.kind in ("aux", "stock")}

    def evaluate(self, name: str, values: Mapping[str, Any]) -> np.ndarray:
        """Evaluate ``name``'s equation (a stock: its net flow) on arrays of values."""
        with np.errstate(all="ignore"):
            return np.asarray(eval(self.code[name], self.namespace, dict(values)), dtype=float)  # noqa: S307


_EQUATIONS: dict[tuple[str, str], _Equations] = {}


def _equations(model: Model) -> _Equations:
    key = (str(model.path), model.version)
    if key not in _EQUATIONS:
        _EQUATIONS[key] = _Equations(model)
    return _EQUATIONS[key]


def loop_run(scenario: Scenario | None = None, *, model: Model | None = None,
             settings: Mapping[str, float] | None = None, backend: str = "auto"
             ) -> pd.DataFrame:
    """Run the compiled engine and record every variable at every integration step.

    Parameters
    ----------
    scenario : Scenario, optional
        For ``slack.mdl`` (default: the default preset).
    model : Model, optional
        The model (default: ``slack.mdl``); another model is run with ``settings``.
    settings : mapping, optional
        Constants by name for a model other than ``slack.mdl`` (default: its values).
    backend : str
        The engine's backend (``"auto"``, ``"numba"``, ``"numpy"``).

    Returns
    -------
    pandas.DataFrame
        Index: model time in months; one column per variable.
    """
    from ..engine.compiled import compile_model
    from ..engine.inputs import scenario_row

    model = model or load_model()
    compiled = compile_model(model)
    sched = compiled.schedule(output_step=model.time_step)
    if scenario is None and settings is None and model.path == load_model().path:
        from ..scenarios import preset

        scenario = preset()
    if scenario is not None:
        p = scenario_row(scenario, model=model, compiled=compiled)
    else:
        p = compiled.parameter_matrix([dict(settings or {})])[0]
    block = compiled.run_one(p, sched=sched, backend=backend)
    return pd.DataFrame(block, index=pd.Index(sched.stamps, name="month"),
                        columns=compiled.columns)


def _values(eq: _Equations, run: pd.DataFrame, rows: slice) -> dict[str, Any]:
    months = run.index.to_numpy(dtype=float)
    out: dict[str, Any] = {eq.ident[n]: run[n].to_numpy()[rows] for n in run.columns
                           if n in eq.ident}
    dt = float(months[1] - months[0]) if len(months) > 1 else 1.0
    out.update(t=months[rows], dt=dt, t0=float(months[0]), tf=float(months[-1]), saveper=dt)
    return out


def link_polarities(model: Model, run: pd.DataFrame,
                    graph: Mapping[str, Sequence[str]] | None = None, *,
                    extra: Iterable[tuple[str, str]] = ()) -> dict[tuple[str, str], int]:
    """Return each link's polarity: the sign of the partial derivative along the run.

    The effect's equation is evaluated with the cause nudged up and down (by the first of
    :data:`PERTURBATIONS` of its size) and everything else as it was, at every step of
    the run; the polarity is the sign the difference takes most often where it is not
    zero. A link inactive all along the run at that size (the other side of a ``MIN``
    binds) is tried with the next, larger nudge; 0 means it never acts (switched off). A
    flow's link to its stock has the sign it has in the stock's equation.

    Parameters
    ----------
    model : Model
        The parsed model.
    run : pandas.DataFrame
        A run from :func:`loop_run`.
    graph : mapping, optional
        The causal graph (default: :func:`causal_graph`).
    extra : iterable of (str, str)
        More links to sign, e.g. from a lever (a constant) to the variables it appears in.

    Returns
    -------
    dict of (str, str) to int
        +1, -1 or 0 for every link of the graph and of ``extra``.
    """
    graph = graph if graph is not None else causal_graph(model)
    eq = _equations(model)
    base = _values(eq, run, slice(None))
    out: dict[tuple[str, str], int] = {}
    links: dict[str, list[str]] = {c: list(e) for c, e in graph.items()}
    for cause, effect in extra:
        if effect not in links.setdefault(cause, []):
            links[cause].append(effect)
    for cause, effects in links.items():
        x = run[cause].to_numpy()
        size = np.maximum(np.abs(x), max(float(np.max(np.abs(x))) * 1e-3, 1e-9))
        for effect in effects:
            if model[effect].kind == "stock":  # a flow's sign; 0 for its initial value
                out[(cause, effect)] = dict(model.stock_flows[effect]).get(cause, 0)
                continue
            out[(cause, effect)] = 0
            for step in PERTURBATIONS:
                up, down = dict(base), dict(base)
                up[eq.ident[cause]] = x + step * size
                down[eq.ident[cause]] = x - step * size
                diff = np.sign(eq.evaluate(effect, up) - eq.evaluate(effect, down))
                diff = diff[np.isfinite(diff) & (diff != 0)]
                if diff.size:
                    out[(cause, effect)] = int(np.sign(diff.sum()))
                    break
    return out


def _link_scores(model: Model, run: pd.DataFrame, links: Iterable[tuple[str, str]]
                 ) -> dict[tuple[str, str], np.ndarray]:
    eq = _equations(model)
    prev = _values(eq, run, slice(None, -1))
    out: dict[tuple[str, str], np.ndarray] = {}
    net: dict[str, np.ndarray] = {}
    for cause, effect in dict.fromkeys(links):
        var = model[effect]
        with np.errstate(all="ignore"):
            if var.kind == "stock":
                flows = model.stock_flows[effect]
                if effect not in net:
                    net[effect] = sum(s * run[f].to_numpy() for f, s in flows)  # type: ignore[assignment]
                dn = np.diff(net[effect])
                df = np.diff(run[cause].to_numpy())
                still = np.abs(dn) <= STILL * max(float(np.max(np.abs(net[effect]))), 1e-300)
                score = dict(flows)[cause] * np.abs(df / np.where(still, 1.0, dn))
            else:
                z = run[effect].to_numpy()
                x = run[cause].to_numpy()
                dz, dx = np.diff(z), np.diff(x)
                moved = dict(prev)
                moved[eq.ident[cause]] = x[1:]
                dxz = eq.evaluate(effect, moved) - z[:-1]
                still = np.abs(dz) <= STILL * max(float(np.max(np.abs(z))), 1e-300)
                score = np.abs(dxz / np.where(still, 1.0, dz)) * np.sign(dxz * dx)
        out[(cause, effect)] = np.where(still | ~np.isfinite(score), 0.0, score)
    return out


@dataclasses.dataclass
class LoopAnalysis:
    """Loop scores of one run: see :func:`analyse_loops`.

    Attributes
    ----------
    model : Model
        The parsed model.
    loops : list of FeedbackLoop
        Named loops' cycles first (in the model's loop order), then the independent loop
        set's other loops.
    scores : pandas.DataFrame
        Loop score of each loop (columns: loop id) at each step (index: model month of
        the step's end).
    years : numpy.ndarray
        The decimal year of each row of ``scores``.
    link_scores : dict
        The score of every link on a loop, by ``(cause, effect)``.
    polarities : dict
        Every link's polarity at the operating point.
    """

    model: Model
    loops: list[FeedbackLoop]
    scores: pd.DataFrame
    years: np.ndarray
    link_scores: dict[tuple[str, str], np.ndarray]
    polarities: dict[tuple[str, str], int]

    def loop(self, loop_id: str) -> FeedbackLoop:
        """Return the loop with this id."""
        for lp in self.loops:
            if lp.id == loop_id:
                return lp
        raise KeyError(loop_id)

    def through(self, variable: str) -> list[FeedbackLoop]:
        """Return the loops that pass through ``variable``."""
        return [lp for lp in self.loops if variable in lp.variables]

    def relative(self, variable: str) -> pd.DataFrame:
        """Return the relative loop scores of the loops through ``variable``.

        Parameters
        ----------
        variable : str
            A model variable.

        Returns
        -------
        pandas.DataFrame
            One column per loop through it; each row's absolute values sum to 1 (0 where
            no loop through it moves). Index: decimal year.

        Raises
        ------
        KeyError
            If the model has no such variable.
        """
        if variable not in self.model:
            raise KeyError(variable)
        ids = [lp.id for lp in self.through(variable)]
        part = self.scores[ids].to_numpy()
        total = np.abs(part).sum(axis=1, keepdims=True)
        rel = np.divide(part, total, out=np.zeros_like(part), where=total > 0)
        return pd.DataFrame(rel, index=pd.Index(self.years, name="year"), columns=ids)

    def shares(self, variable: str) -> pd.DataFrame:
        """Relative scores of the loops through ``variable`` grouped by named loop.

        The cycles of one named loop are added together; each unnamed loop stays its own
        column.

        Returns
        -------
        pandas.DataFrame
            Index: decimal year; columns: named loop ids, then unnamed loop ids.
        """
        rel = self.relative(variable)
        groups = {lp.id: lp.group for lp in self.through(variable)}
        return rel.T.groupby(lambda c: groups[c], sort=False).sum().T

    def label(self, group: str) -> str:
        """Return ``"R1 firefighting trap"`` for a named loop, or an unnamed loop's name."""
        loop = self.model.loops.get(group)
        if loop is not None:
            return f"{loop.id} {loop.name}"
        lp = self.loop(group)
        return f"{lp.id} ({lp.letter}) {lp.name}"

    def dominance(self, variable: str, *, named_only: bool = False) -> list[Period]:
        """Return the periods in which one loop dominates ``variable``, year by year.

        Each calendar year's dominant loop is the one with the largest mean absolute
        share of that year's steps (:meth:`shares`); consecutive years with the same
        dominant loop make one period.

        Parameters
        ----------
        variable : str
            A model variable.
        named_only : bool
            Compare only the named loops (their shares renormalised among themselves).

        Returns
        -------
        list of Period
        """
        shares = self.shares(variable)
        if named_only:
            shares = shares[[c for c in shares.columns if c in self.model.loops]]
        return dominant_periods(shares, label=self.label)

    def sentence(self, variable: str, *, named_only: bool = False) -> str:
        """Return the dominance in words, e.g. ``"R1 firefighting trap drives ... "``."""
        periods = [p for p in self.dominance(variable, named_only=named_only) if p.loop]
        if not periods:
            return f"No feedback loop through {variable} moves in this run."
        parts = [f"{p.label} in {p.start:.0f}" if p.start == p.end
                 else f"{p.label} from {p.start:.0f} to {p.end:.0f}" for p in periods]
        return f"Dominant loop for {variable}: " + "; ".join(parts) + "."


def dominant_periods(shares: pd.DataFrame, *, label: Any = str) -> list[Period]:
    """Group years into periods by the loop with the largest mean absolute share.

    Parameters
    ----------
    shares : pandas.DataFrame
        Relative loop scores (index: decimal year; columns: loops).
    label : callable
        Loop id -> text for :attr:`Period.label`.

    Returns
    -------
    list of Period
        ``start`` is a period's first year, ``end`` its last (calendar years); ``loop``
        is ``None`` for years in which no loop moves.
    """
    if shares.empty or shares.shape[1] == 0:
        return []
    years = np.floor(shares.index.to_numpy(dtype=float) + 1e-9).astype(int)
    yearly = shares.abs().groupby(years).mean()
    periods: list[Period] = []
    for year, row in yearly.iterrows():
        top = row.idxmax() if row.max() > 0 else None
        share = float(row.max()) / float(row.sum()) if row.sum() > 0 else 0.0
        if periods and periods[-1].loop == top:
            last = periods[-1]
            n = last.end - last.start + 1
            periods[-1] = dataclasses.replace(
                last, end=float(year), share=(last.share * n + share) / (n + 1))
        else:
            periods.append(Period(float(year), float(year), top,
                                  label(top) if top else "no loop", share))
    return periods


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


def analyse_loops(scenario: Scenario | None = None, *, model: Model | None = None,
                  run: pd.DataFrame | None = None,
                  settings: Mapping[str, float] | None = None) -> LoopAnalysis:
    """Compute the loop scores of a run (Loops that Matter).

    Parameters
    ----------
    scenario : Scenario, optional
        What to run on ``slack.mdl`` (default: the default preset).
    model : Model, optional
        The model (default: ``slack.mdl``).
    run : pandas.DataFrame, optional
        A run from :func:`loop_run` (every variable at every integration step); made
        when not given.
    settings : mapping, optional
        Constants for a model other than ``slack.mdl``.

    Returns
    -------
    LoopAnalysis
        The loops, their scores at every step, the link scores and polarities.
    """
    model = model or load_model()
    if run is None:
        run = loop_run(scenario, model=model, settings=settings)
    graph = causal_graph(model)
    signs = link_polarities(model, run, graph)
    order = {n: i for i, n in enumerate(model.variables)}
    named = _named_cycles(model, graph, signs)
    taken = {_canonical(lp.variables, order) for lp in named}
    loops = list(named)
    for k, cycle in enumerate((c for c in independent_loops(model, graph) if c not in taken),
                              start=1):
        short = " > ".join(cycle) if len(cycle) <= 3 else f"{cycle[0]} > ... ({len(cycle)} links)"
        loops.append(FeedbackLoop(f"L{k}", short, cycle, _polarity(cycle, signs)))
    needed = {link for lp in loops for link in lp.links}
    links = _link_scores(model, run, sorted(needed, key=lambda e: (order[e[0]], order[e[1]])))
    data = {lp.id: np.prod([links[link] for link in lp.links], axis=0) for lp in loops}
    months = run.index.to_numpy(dtype=float)[1:]
    scores = pd.DataFrame(data, index=pd.Index(months, name="month"))
    years = model.start_year + months / 12.0
    return LoopAnalysis(model, loops, scores, years, links, signs)
