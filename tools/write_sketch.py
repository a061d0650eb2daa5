r"""Write the Vensim sketch (diagram views) of a model file from its equations.

Usage::

    python tools/write_sketch.py models/slack.mdl            # rewrite in place
    python tools/write_sketch.py models/slack.mdl -o /tmp/x.mdl  # write elsewhere
    python tools/write_sketch.py models/slack.mdl --check    # exit 1 if out of date

The model is read by :func:`slack_sim.model.load_model` (its one parse, with PySD's own
Vensim parser): names, stocks, flows, the variables each equation references and each
variable's sector (the Vensim group markers ``.Shocks``, ``.Need and demand`` ...). The
script then replaces the part of the file from the first ``\\\---///`` line onward (or
appends it if the file has no sketch) with one view per group, the ``Control`` group
excepted:

* views are named ``*N Group name``; ``N`` is the sector number when the group comment
  starts with ``Sector N.``, otherwise the next free number in file order;
* stocks are boxes; each flow is a valve with its rate variable and a pipe (with a cloud
  at an end that is not a stock of the same view);
* auxiliaries and constants are plain variables on a grid below the stocks, in columns
  ordered by causality (a variable sits to the right of what it uses);
* every dependency between two variables of the view is a connector (arrow); a variable
  of another group (and ``Time``) used in the view is drawn as a grey shadow variable
  ``<Name>``, in the leftmost column, so every arrow has both ends in the view;
* the ``Policies`` and ``Loop switches`` constants have views of their own (a panel of
  the levers) and appear as shadow variables in the sector views that use them.

Each model variable thus appears once as a real (non-shadow) variable, so
``pysd.read_vensim(path, split_views=True)`` assigns every variable to a view.
Everything before the ``\\\---///`` line is left byte for byte as it was; whatever
followed an existing ``///---\\\`` line (Vensim's settings block) is kept, and a default
settings block is written when there was none. Running the script twice gives the same
file.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
from pathlib import Path

from slack_sim.model import CONTROL_VARIABLES as CONTROL_NAMES
from slack_sim.model import load_model

SKETCH_START = "\\\\\\---///"
SKETCH_HEADER = (
    "\\\\\\---/// Sketch information - do not modify anything except names\n"
    "V300  Do not put anything below this section - it will be ignored\n"
)
SKETCH_END = "///---\\\\\\"
VIEW_SETTINGS = (
    "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|96,96,100,0"
)
DEFAULT_SETTINGS = ":L<%^E!@\n9:Current\n15:0,0,0,0,0,0\n19:100,0\n27:0,\n34:0,\n4:Time\n"
SKIPPED_GROUPS = ("Control",)

GROUP_RE = re.compile(r"^\*{10,}[ \t]*\r?\n[ \t]*\.([^\r\n]+)\r?\n\*{10,}~([^|]*)\|", re.M)
SECTOR_RE = re.compile(r"^\s*Sector\s+(\d+)\s*\.")

# Geometry (Vensim sketch units, about a pixel at 100% zoom).
MARGIN_X = 60
MARGIN_Y = 50
STOCK_HALF_WIDTH = 45
STOCK_MIN_HALF_HEIGHT = 22
PIPE_SPACING = 64
PIPE_LENGTH = 190
VALVE_HALF = (6, 8)
CLOUD_HALF = (10, 8)
UNIT_GAP = 70
BAND_MAX_WIDTH = 1700
COLUMN_WIDTH = 210
ROW_HEIGHT = 58
GRID_ASPECT = 0.45  # columns per row, so the grid is a little wider than tall
GRID_SLACK = 1.4  # grid cells per variable
GRID_PASSES = 30
CROSSING_PENALTY = 120  # per label an arrow along a column or row runs over
SHADOW_STYLE = "128-128-128,0-0-0,|12||128-128-128"


@dataclasses.dataclass
class ModelVariable:
    """A model variable as the sketch needs it.

    Parameters
    ----------
    name : str
        Name as written in the equations.
    group : str
        Vensim group (sector) the equation belongs to.
    deps : list of str
        Names of the variables (and ``Time``) the equation references, in first-use
        order.
    flows : list of tuple of (int, str) or None
        For a stock whose INTEG rate is a sum and difference of named flows, the sign
        (+1 inflow, -1 outflow) and name of each flow; ``None`` otherwise.
    is_stock : bool
        Whether the equation is an INTEG.
    """

    name: str
    group: str
    deps: list[str]
    flows: list[tuple[int, str]] | None
    is_stock: bool


@dataclasses.dataclass
class Node:
    """A drawn object of a view (variable, shadow, valve or cloud).

    Parameters
    ----------
    ident : int
        Object number within the view.
    line : str
        Sketch line that defines the object.
    """

    ident: int
    line: str


def split_sketch(text: str) -> tuple[str, str]:
    r"""Split a model file into its equations part and what follows the sketch.

    Parameters
    ----------
    text : str
        Full model file text.

    Returns
    -------
    equations : str
        Everything before the line holding the first ``\\\---///`` marker (the whole
        text, ending with a blank line, when there is no sketch yet).
    trailer : str
        What followed the ``///---\\\`` end marker (Vensim's settings block), or an empty
        string.
    """
    start = text.find(SKETCH_START)
    if start < 0:
        newline = "\r\n" if "\r\n" in text else "\n"
        if text and not text.endswith(("\n", "\r")):
            text += newline
        return text + newline, ""
    line_start = text.rfind("\n", 0, start) + 1
    equations, sketch = text[:line_start], text[line_start:]
    end = sketch.find(SKETCH_END)
    trailer = sketch[end + len(SKETCH_END) :].lstrip("\r\n") if end >= 0 else ""
    return equations, trailer


def read_variables(path: Path) -> list[ModelVariable]:
    """Read the model's variables, groups, dependencies and stock flows.

    Parameters
    ----------
    path : pathlib.Path
        Model file. It is parsed once, by :func:`slack_sim.model.load_model` (PySD's
        Vensim parser), whose variables carry their sector, references and flows.

    Returns
    -------
    list of ModelVariable
        One entry per model variable, in file order, then the control variables.
    """
    model = load_model(path)
    variables = []
    for v in model.variables.values():
        flows = model.stock_flows.get(v.name)
        variables.append(ModelVariable(
            v.name, v.sector, list(v.references),
            None if flows is None else [(sign, flow) for flow, sign in flows],
            v.kind == "stock"))
    variables += [ModelVariable(name, "Control", [], None, False) for name in CONTROL_NAMES]
    return variables


def view_titles(equations: str, groups: list[str]) -> dict[str, str]:
    """Give each view its number and title.

    Parameters
    ----------
    equations : str
        Equations part of the model, holding the group markers and comments.
    groups : list of str
        Groups that get a view, in file order.

    Returns
    -------
    dict of str to str
        View title (``N Group name``) by group, in view order.
    """
    numbers: dict[str, int] = {}
    for match in GROUP_RE.finditer(equations):
        sector = SECTOR_RE.match(match.group(2))
        if match.group(1).strip() in groups and sector:
            numbers.setdefault(match.group(1).strip(), int(sector.group(1)))
    taken = set(numbers.values())
    for group in groups:
        if group not in numbers:
            number = 1
            while number in taken:
                number += 1
            numbers[group] = number
            taken.add(number)
    ordered = sorted(groups, key=lambda g: numbers[g])
    return {g: f"{numbers[g]} {g}" for g in ordered}


def _text_size(name: str, max_half_width: int = 60) -> tuple[int, int]:
    """Estimate the half width and half height of a wrapped variable name.

    Parameters
    ----------
    name : str
        Text to show.
    max_half_width : int, optional
        Widest half width before the name wraps.

    Returns
    -------
    tuple of (int, int)
        Half width and half height in sketch units (Times New Roman 12).
    """
    width = 6 * len(name)
    if width <= 2 * max_half_width:
        return max(20, width // 2 + 4), 11
    lines = 1
    line = 0
    for word in name.split():
        size = 6 * (len(word) + 1)
        if line and line + size > 2 * max_half_width:
            lines += 1
            line = 0
        line += size
    return max_half_width, 4 + math.ceil(7.5 * lines)


class ViewBuilder:
    """Lay out one view and write its sketch lines.

    Parameters
    ----------
    title : str
        View title (without the leading ``*``).
    members : list of ModelVariable
        Variables of the view's group, in file order.
    everything : dict of str to ModelVariable
        All model variables by name.
    """

    def __init__(
        self, title: str, members: list[ModelVariable], everything: dict[str, ModelVariable]
    ) -> None:
        self.title = title
        self.members = members
        self.names = {v.name for v in members}
        self.everything = everything
        self.lines: list[str] = []
        self.next_id = 1
        self.node: dict[str, int] = {}
        self.centre: dict[str, tuple[int, int]] = {}
        self.piped: set[tuple[str, str]] = set()

    # -- objects ---------------------------------------------------------------------
    def _new_id(self) -> int:
        """Return the next free object number.

        Returns
        -------
        int
            Object number.
        """
        ident = self.next_id
        self.next_id += 1
        return ident

    def _variable(self, name: str, x: int, y: int, kind: str) -> int:
        """Add a variable object.

        Parameters
        ----------
        name : str
            Variable name.
        x, y : int
            Centre.
        kind : {"stock", "flow", "aux", "shadow"}
            How to draw it.

        Returns
        -------
        int
            Object number.
        """
        ident = self._new_id()
        if kind == "stock":
            half_w, half_h = STOCK_HALF_WIDTH, self._stock_half_height(name)
            fields = f"{half_w},{half_h},3,3,0,0,0,0,0,0"
        elif kind == "flow":
            half_w, half_h = _text_size(name, 50)
            fields = f"{half_w},{half_h},40,3,0,0,-1,0,0,0"
        elif kind == "aux":
            half_w, half_h = _text_size(name)
            fields = f"{half_w},{half_h},8,3,0,0,0,0,0,0"
        else:
            half_w, half_h = _text_size(name)
            fields = f"{half_w},{half_h},8,2,0,3,-1,0,0,0,{SHADOW_STYLE}"
        self.lines.append(f"10,{ident},{name},{x},{y},{fields}")
        self.node[name] = ident
        self.centre[name] = (x, y)
        return ident

    def _cloud(self, x: int, y: int) -> int:
        """Add a cloud (source or sink of a flow).

        Parameters
        ----------
        x, y : int
            Centre.

        Returns
        -------
        int
            Object number.
        """
        ident = self._new_id()
        self.lines.append(f"12,{ident},48,{x},{y},{CLOUD_HALF[0]},{CLOUD_HALF[1]},0,3,0,0,-1,0,0,0")
        return ident

    def _pipe(self, valve: int, end: int, head: bool, x: int, y: int) -> None:
        """Add one half of a flow pipe, from the valve to a stock or a cloud.

        Parameters
        ----------
        valve : int
            Object number of the valve.
        end : int
            Object number of the stock or cloud.
        head : bool
            True at the end the flow goes to (drawn with an arrow head).
        x, y : int
            Point where the pipe meets the end object.
        """
        ident = self._new_id()
        shape = 4 if head else 100
        self.lines.append(f"1,{ident},{valve},{end},{shape},0,0,22,0,0,0,-1--1--1,,1|({x},{y})|")

    def _flow(
        self,
        name: str,
        y: int,
        valve_x: int,
        source: tuple[int, int] | None,
        sink: tuple[int, int] | None,
        source_x: int,
        sink_x: int,
    ) -> None:
        """Add a horizontal flow (valve, rate variable, pipes and clouds), left to right.

        Parameters
        ----------
        name : str
            Flow (rate) variable.
        y : int
            Height of the pipe.
        valve_x : int
            Valve position.
        source, sink : tuple of (int, int) or None
            ``(object number, x of the edge the pipe meets)`` of the stock the flow
            drains or fills, or None for a cloud at ``source_x`` or ``sink_x``.
        source_x, sink_x : int
            Cloud centres, used when ``source`` or ``sink`` is None.
        """
        if source is None:
            source = (self._cloud(source_x, y), source_x + CLOUD_HALF[0])
        if sink is None:
            sink = (self._cloud(sink_x, y), sink_x - CLOUD_HALF[0])
        valve = self.next_id + 2  # Vensim lists a flow's pipes just before its valve
        self._pipe(valve, sink[0], True, sink[1], y)
        self._pipe(valve, source[0], False, source[1], y)
        self._new_id()
        self.lines.append(
            f"11,{valve},0,{valve_x},{y},{VALVE_HALF[0]},{VALVE_HALF[1]},34,3,0,0,1,0,0,0"
        )
        half_h = _text_size(name, 50)[1]
        self._variable(name, valve_x, y + VALVE_HALF[1] + half_h, "flow")

    def _connector(self, source: str, target: str) -> None:
        """Add an arrow between two variables of the view.

        Parameters
        ----------
        source, target : str
            Names of the cause and of the effect.
        """
        ident = self._new_id()
        (x0, y0), (x1, y1) = self.centre[source], self.centre[target]
        mid = ((x0 + x1) // 2, (y0 + y1) // 2)
        self.lines.append(
            f"1,{ident},{self.node[source]},{self.node[target]},1,0,0,0,0,64,0,"
            f"-1--1--1,,1|({mid[0]},{mid[1]})|"
        )

    # -- stocks and flows --------------------------------------------------------------
    def _stock_pipes(self) -> None:
        """Decide which flows are drawn as pipes, and on which side of which stock.

        Fills ``self.pipe_from`` / ``self.pipe_to`` (flow to the stock it drains / fills,
        within this view), ``self.left`` / ``self.right`` (flows entering / leaving each
        stock, the stock-to-stock one first) and ``self.chain_next`` (stock drawn just
        right of another, joined by a stock-to-stock flow).
        """
        self.pipe_from: dict[str, str] = {}
        self.pipe_to: dict[str, str] = {}
        for stock in self.members:
            for sign, flow in stock.flows or []:
                if flow not in self.names or self.everything[flow].is_stock:
                    continue
                side = self.pipe_to if sign > 0 else self.pipe_from
                side.setdefault(flow, stock.name)
        self.chain_next: dict[str, str] = {}
        chain_prev: dict[str, str] = {}
        self.centre_flow: set[str] = set()
        for flow, source in list(self.pipe_from.items()):
            target = self.pipe_to.get(flow)
            if target is None:
                continue
            reaches = target
            while reaches in self.chain_next:
                reaches = self.chain_next[reaches]
            if source in self.chain_next or target in chain_prev or reaches == source:
                del self.pipe_from[flow]  # drawn from a cloud, with an arrow from the stock
                continue
            self.chain_next[source] = target
            chain_prev[target] = source
            self.centre_flow.add(flow)
        self.left: dict[str, list[str]] = {v.name: [] for v in self.members}
        self.right: dict[str, list[str]] = {v.name: [] for v in self.members}
        for flow, target in self.pipe_to.items():
            self.left[target].append(flow)
        for flow, source in list(self.pipe_from.items()):
            self.right[source].append(flow)
        for side in (self.left, self.right):
            for flows in side.values():
                flows.sort(key=lambda f: f not in self.centre_flow)
        self.piped = {(f, s) for f, s in self.pipe_to.items()}
        self.piped |= {(f, s) for f, s in self.pipe_from.items()}

    def _offsets(self, flows: list[str]) -> list[int]:
        """Return the pipe heights, relative to the stock centre, of one side's flows.

        Parameters
        ----------
        flows : list of str
            Flows on that side, the stock-to-stock one (if any) first.

        Returns
        -------
        list of int
            Offset of each pipe; a stock-to-stock pipe is always at 0.
        """
        if flows and flows[0] in self.centre_flow:
            steps = [0] + [(k + 1) // 2 * (1 if k % 2 else -1) for k in range(1, len(flows))]
            return [s * PIPE_SPACING for s in steps]
        return [round((k - (len(flows) - 1) / 2) * PIPE_SPACING) for k in range(len(flows))]

    def _stock_half_height(self, name: str) -> int:
        """Half height of a stock box, tall enough for the pipes on its sides.

        Parameters
        ----------
        name : str
            Stock name.

        Returns
        -------
        int
            Half height.
        """
        offsets = self._offsets(self.left.get(name, [])) + self._offsets(self.right.get(name, []))
        return max([STOCK_MIN_HALF_HEIGHT] + [abs(o) + 18 for o in offsets])

    def _band(self, top: int) -> int:
        """Draw the stocks and flows, in rows of chains of stocks.

        Parameters
        ----------
        top : int
            Upper edge of the band.

        Returns
        -------
        int
            Lower edge of the band (``top`` when the view has no stock or flow).
        """
        self._stock_pipes()
        stocks = [v.name for v in self.members if v.is_stock]
        heads = [s for s in stocks if s not in self.chain_next.values()]
        units: list[list[str]] = []
        for head in heads:
            chain = [head]
            while chain[-1] in self.chain_next:
                chain.append(self.chain_next[chain[-1]])
            units.append(chain)
        loose = [
            v.name
            for v in self.members
            if not v.is_stock
            and v.name not in self.pipe_to
            and v.name not in self.pipe_from
            and any(
                v.name == f and v.name in self.names
                for s in self.everything.values()
                for _, f in s.flows or []
            )
        ]
        units.extend([[f] for f in loose])
        self.loose = set(loose)
        if not units:
            return top

        def gap(a: str, b: str) -> int:
            crowded = len(self.right[a]) > 1 or len(self.left[b]) > 1
            return 2 * PIPE_LENGTH + 40 if crowded else PIPE_LENGTH

        def extent(unit: list[str]) -> tuple[int, int, int]:
            """Return (left part, width, half height) of a unit."""
            if unit[0] in self.loose:
                return 0, PIPE_LENGTH, PIPE_SPACING // 2
            width = 2 * STOCK_HALF_WIDTH * len(unit)
            width += sum(gap(a, b) for a, b in zip(unit, unit[1:], strict=False))
            left = PIPE_LENGTH if self.left[unit[0]] else 0
            right = PIPE_LENGTH if self.right[unit[-1]] else 0
            half_h = max(self._stock_half_height(s) for s in unit) + 40
            return left, left + width + right, half_h

        rows: list[list[list[str]]] = [[]]
        used = 0
        for unit in units:
            width = extent(unit)[1]
            if rows[-1] and used + width > BAND_MAX_WIDTH:
                rows.append([])
                used = 0
            rows[-1].append(unit)
            used += width + UNIT_GAP
        y_top = top
        for row in rows:
            half_h = max(extent(u)[2] for u in row)
            y = y_top + half_h
            x = MARGIN_X
            for unit in row:
                left, width, _ = extent(unit)
                self._draw_unit(unit, x, left, y)
                x += width + UNIT_GAP
            y_top = y + half_h + 20
        return y_top

    def _draw_unit(self, unit: list[str], x: int, left: int, y: int) -> None:
        """Draw a chain of stocks (or a flow between two clouds) with its flows.

        Parameters
        ----------
        unit : list of str
            Stocks joined left to right by flows, or a single flow that drains or fills
            no stock of this view.
        x : int
            Left edge of the unit.
        left : int
            Width of the pipes on the left of the first stock.
        y : int
            Height of the stocks' centres.
        """
        if unit[0] in self.loose:
            self._flow(unit[0], y, x + PIPE_LENGTH // 2, None, None, x, x + PIPE_LENGTH)
            return
        centres = []
        cx = x + left + STOCK_HALF_WIDTH
        for i, stock in enumerate(unit):
            centres.append(cx)
            self._variable(stock, cx, y, "stock")
            if i + 1 < len(unit):
                crowded = len(self.right[stock]) > 1 or len(self.left[unit[i + 1]]) > 1
                step = 2 * PIPE_LENGTH + 40 if crowded else PIPE_LENGTH
                cx += 2 * STOCK_HALF_WIDTH + step
        for i, stock in enumerate(unit):
            sid, cx = self.node[stock], centres[i]
            for flow, off in zip(self.left[stock], self._offsets(self.left[stock]), strict=True):
                if flow in self.centre_flow:
                    source = self.pipe_from[flow]
                    edge = self.centre[source][0] + STOCK_HALF_WIDTH
                    self._flow(
                        flow,
                        y,
                        (edge + cx - STOCK_HALF_WIDTH) // 2,
                        (self.node[source], edge),
                        (sid, cx - STOCK_HALF_WIDTH),
                        0,
                        0,
                    )
                    continue
                edge = cx - STOCK_HALF_WIDTH
                self._flow(
                    flow,
                    y + off,
                    edge - PIPE_LENGTH // 2,
                    None,
                    (sid, edge),
                    edge - PIPE_LENGTH + CLOUD_HALF[0],
                    0,
                )
            for flow, off in zip(self.right[stock], self._offsets(self.right[stock]), strict=True):
                if flow in self.centre_flow:
                    continue  # drawn with the stock it fills
                edge = cx + STOCK_HALF_WIDTH
                self._flow(
                    flow,
                    y + off,
                    edge + PIPE_LENGTH // 2,
                    (sid, edge),
                    None,
                    0,
                    edge + PIPE_LENGTH - CLOUD_HALF[0],
                )

    # -- auxiliaries -----------------------------------------------------------------
    def _grid(self, top: int) -> None:
        """Place auxiliaries, constants and shadow variables on a grid below the stocks.

        Each variable starts in the free cell nearest to the variables it is linked to
        (those drawn in the stock band first), then variables move or swap cells while
        that shortens the total length of the arrows; empty rows and columns are
        dropped at the end.

        Parameters
        ----------
        top : int
            Upper edge of the grid.
        """
        movable = [v.name for v in self.members if v.name not in self.node]
        kind = dict.fromkeys(movable, "aux")
        for v in self.members:
            for d in v.deps:
                if d not in self.names and d not in kind:
                    movable.append(d)
                    kind[d] = "shadow"
        if not movable:
            return
        links: dict[str, list[str]] = {n: [] for n in list(self.node) + movable}
        for v in self.members:
            for d in v.deps:
                if (d, v.name) in self.piped or d in links[v.name]:
                    continue
                links[v.name].append(d)
                links[d].append(v.name)

        band_width = max([x for x, _ in self.centre.values()], default=0)
        n_cols = max(
            math.ceil(band_width / COLUMN_WIDTH),
            math.ceil(math.sqrt(GRID_ASPECT * GRID_SLACK * len(movable))),
            1,
        )
        n_rows = math.ceil(GRID_SLACK * len(movable) / n_cols)
        cells = [(c, r) for c in range(n_cols) for r in range(n_rows)]

        def centre(cell: tuple[int, int]) -> tuple[float, float]:
            return (
                MARGIN_X + COLUMN_WIDTH / 2 + cell[0] * COLUMN_WIDTH,
                top + ROW_HEIGHT / 2 + cell[1] * ROW_HEIGHT,
            )

        where: dict[str, tuple[float, float]] = {
            n: (float(x), float(y)) for n, (x, y) in self.centre.items()
        }
        cell_of: dict[str, tuple[int, int]] = {}
        holder: dict[tuple[int, int], str] = {}

        def length(a: tuple[float, float], b: tuple[float, float]) -> float:
            """Arrow length, plus a penalty for running along a column or a row."""
            dx, dy = abs(a[0] - b[0]), abs(a[1] - b[1])
            extra = 0.0
            if dx < COLUMN_WIDTH / 2 and dy > 1.5 * ROW_HEIGHT:
                extra = (dy / ROW_HEIGHT - 1) * CROSSING_PENALTY
            elif dy < ROW_HEIGHT / 2 and dx > 1.5 * COLUMN_WIDTH:
                extra = (dx / COLUMN_WIDTH - 1) * CROSSING_PENALTY
            return math.hypot(dx, dy) + extra

        def cost(name: str, at: tuple[float, float], skip: str = "") -> float:
            return sum(length(at, where[m]) for m in links[name] if m in where and m != skip)

        # first placement: breadth first from the stock band, each next to its links
        order: list[str] = []
        frontier = [n for n in self.node]
        seen = set(frontier)
        while frontier:
            nxt = []
            for n in frontier:
                for m in links[n]:
                    if m not in seen and m in kind:
                        seen.add(m)
                        order.append(m)
                        nxt.append(m)
            frontier = nxt
        order += [n for n in movable if n not in seen]
        for name in order:
            placed = [where[m] for m in links[name] if m in where]
            free = [c for c in cells if c not in holder]
            if placed:
                ideal = (
                    sum(p[0] for p in placed) / len(placed),
                    sum(p[1] for p in placed) / len(placed),
                )
                best = min(free, key=lambda c: math.dist(centre(c), ideal))
            else:
                best = free[0]
            cell_of[name], holder[best] = best, name
            where[name] = centre(best)

        # improvement: move to a free cell or swap, while the arrows get shorter
        for _ in range(GRID_PASSES):
            improved = False
            for name in movable:
                here = cell_of[name]
                base = cost(name, where[name])
                best_gain, best_cell = 1e-6, None
                for cell in cells:
                    if cell == here:
                        continue
                    other = holder.get(cell)
                    gain = base - cost(name, centre(cell), skip=other or "")
                    if other is not None:
                        gain += cost(other, where[other], skip=name)
                        gain -= cost(other, centre(here), skip=name)
                    if gain > best_gain:
                        best_gain, best_cell = gain, cell
                if best_cell is None:
                    continue
                improved = True
                other = holder.pop(best_cell, None)
                del holder[here]
                cell_of[name], holder[best_cell] = best_cell, name
                where[name] = centre(best_cell)
                if other is not None:
                    cell_of[other], holder[here] = here, other
                    where[other] = centre(here)
            if not improved:
                break

        used_cols = sorted({c for c, _ in holder})
        used_rows = sorted({r for _, r in holder})
        for name in movable:
            col, row = cell_of[name]
            x, y = centre((used_cols.index(col), used_rows.index(row)))
            self._variable(name, round(x), round(y), kind[name])

    def build(self) -> list[str]:
        """Lay out the view.

        Returns
        -------
        list of str
            The view's sketch lines, from its ``*title`` line on.
        """
        bottom = self._band(MARGIN_Y)
        self._grid(bottom + (MARGIN_Y if bottom > MARGIN_Y else 0))
        done: set[tuple[str, str]] = set()
        for v in self.members:
            for d in v.deps:
                if (d, v.name) in self.piped or (d, v.name) in done:
                    continue
                done.add((d, v.name))
                self._connector(d, v.name)
        return [f"*{self.title}", VIEW_SETTINGS, *self.lines]


def build_sketch(path: Path, equations: str, trailer: str) -> str:
    r"""Build the sketch part of a model file.

    Parameters
    ----------
    path : pathlib.Path
        Model file (read with PySD's parser).
    equations : str
        Equations part of the file.
    trailer : str
        Settings block found after an existing sketch ("" for the default one).

    Returns
    -------
    str
        Sketch text, from the first ``\\\---///`` line to the end of the file.
    """
    variables = read_variables(path)
    everything = {v.name: v for v in variables}
    groups: list[str] = []
    for v in variables:
        if v.group not in groups and v.group not in SKIPPED_GROUPS:
            if v.name not in CONTROL_NAMES:
                groups.append(v.group)
    titles = view_titles(equations, groups)
    parts = []
    for group, title in titles.items():
        members = [v for v in variables if v.group == group and v.name not in CONTROL_NAMES]
        view = ViewBuilder(title, members, everything).build()
        parts.append(SKETCH_HEADER + "\n".join(view) + "\n")
    settings = trailer or DEFAULT_SETTINGS
    newline = "\r\n" if "\r\n" in equations else "\n"
    text = "".join(parts) + SKETCH_END + "\n" + settings
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\r\n", "\n").replace("\n", newline)


def rewrite(path: Path) -> str:
    """Return the model file's text with a freshly written sketch.

    Parameters
    ----------
    path : pathlib.Path
        Model file.

    Returns
    -------
    str
        New file text: the equations part unchanged, then the new sketch.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    equations, trailer = split_sketch(text)
    return equations + build_sketch(path, equations, trailer)


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (defaults to ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0, or 1 when ``--check`` finds the sketch out of date.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("model", type=Path, help="Vensim .mdl file")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of in place")
    parser.add_argument(
        "--check", action="store_true", help="only report whether the sketch is up to date"
    )
    args = parser.parse_args(argv)
    new = rewrite(args.model)
    with args.model.open(encoding="utf-8", newline="") as handle:
        old = handle.read()
    if args.check:
        if new != old:
            print(f"{args.model}: sketch out of date", file=sys.stderr)
            return 1
        return 0
    target = args.output or args.model
    with target.open("w", encoding="utf-8", newline="") as handle:
        handle.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
