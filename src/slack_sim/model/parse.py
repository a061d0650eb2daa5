"""Parse ``models/slack.mdl`` into variables, documentation and a dependency graph.

This is the *translate* stage (after PySD): the model file is read once with PySD's
own Vensim translator, and everything the rest of the package needs to know about
the model -- names, equations, units, ranges, definitions, sources, the role of each
constant (lever, uncertainty, profile input, loop switch), the stocks and their
flows, the named feedback loops and the dependency graph -- is taken from it.
Nothing here retypes an equation.

Comment conventions in the ``.mdl`` (parsed here)::

    Definition sentence. Kind: lever|uncertainty|profile|switch|constant.
    Group: <slider group>. Plausible: [lo, hi] <why that range>.
    Source: <where the default comes from>.

``Plausible`` (uncertainties only, just before ``Source``) is the range ensembles and
sensitivity analysis sample; the Vensim ``[min,max,step]`` range is the slider's limits.

Feedback loops are named in comments as ``Loop R1 firefighting trap: ...``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .files import default_model_path, models_dir

__all__ = [
    "CONTROL_VARIABLES",
    "Loop",
    "Model",
    "ModelFormatError",
    "Variable",
    "default_model_path",
    "load_model",
    "models_dir",
]

#: Vensim's simulation control variables; they are not model variables.
CONTROL_VARIABLES = ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")

#: Roles of constants that a scenario may set.
SETTABLE_ROLES = ("lever", "uncertainty", "profile", "switch")

_SKETCH_MARKER = "\\\\\\---///"
_KIND_RE = re.compile(r"\bKind:\s*([a-z]+)\.")
_GROUP_RE = re.compile(r"\bGroup:\s*([^.]+)\.")
_SOURCE_RE = re.compile(r"\bSource:\s*(.+)$", re.S)
_NUM = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
# "Plausible: [lo, hi] why." written just before "Source:" (the note may hold decimals)
_PLAUSIBLE_RE = re.compile(
    r"\bPlausible:\s*\[" + _NUM + "," + _NUM + r"\]\s*(.*?)\.\s*(?=Source:|$)"
)
_LOOP_RE = re.compile(r"\b(?:Loop|loop) ([RB]\d+) ([a-z][a-z ()-]*?)(?: \(money\))?:\s*([^.]*)")


class ModelFormatError(ValueError):
    """The model file breaks one of the project's conventions."""


@dataclasses.dataclass(frozen=True)
class Variable:
    """One model variable, as documented in ``slack.mdl``.

    Attributes
    ----------
    name : str
        Vensim name, e.g. ``"Crisis queue"``.
    kind : str
        ``"stock"``, ``"flow"``, ``"auxiliary"``, ``"constant"``, ``"lookup"``
        (an inline ``WITH LOOKUP``) or ``"initial"`` (an ``INITIAL`` value).
    role : str or None
        For constants: ``"lever"``, ``"uncertainty"``, ``"profile"``, ``"switch"`` or
        ``"constant"``; ``None`` for computed variables.
    equation : str
        Right-hand side as written in the model file.
    units : str
        Vensim units.
    minimum, maximum, step : float or None
        Declared range (``None`` where the model leaves it open with ``?``).
    definition : str
        Plain-language definition (the comment without its Kind/Group/Source tags).
    source : str
        Where the default value comes from (constants only).
    group : str
        Slider group for levers and uncertainties (e.g. ``"Shock 1"``).
    sector : str
        The model sector (Vensim group / view) the variable belongs to.
    depends_on : tuple of str
        Variables its equation references.
    default : float or None
        Default value of a constant.
    plausible_minimum, plausible_maximum : float or None
        For uncertainties: the range of values believed plausible (the ``Plausible:
        [lo, hi]`` tag of the comment), narrower than the declared range, which also
        admits extreme-condition tests. Monte Carlo ensembles and sensitivity analysis
        sample it. ``None`` where the comment has no such tag.
    plausible_note : str
        Why that range (the text after the brackets, e.g. a source or "judgement").
    """

    name: str
    kind: str
    role: str | None
    equation: str
    units: str
    minimum: float | None
    maximum: float | None
    step: float | None
    definition: str
    source: str
    group: str
    sector: str
    depends_on: tuple[str, ...]
    default: float | None = None
    plausible_minimum: float | None = None
    plausible_maximum: float | None = None
    plausible_note: str = ""

    @property
    def plausible_text(self) -> str:
        """Return the plausible range as text, e.g. ``"[12, 36] Month"``, or ``""``."""
        if self.plausible_minimum is None or self.plausible_maximum is None:
            return ""
        return f"[{_fmt(self.plausible_minimum)}, {_fmt(self.plausible_maximum)}] {self.units}"

    @property
    def range_text(self) -> str:
        """Return the declared range as text, e.g. ``"[0, 1] Dmnl"``."""
        lo = "?" if self.minimum is None else _fmt(self.minimum)
        hi = "?" if self.maximum is None else _fmt(self.maximum)
        return f"[{lo}, {hi}] {self.units}"


@dataclasses.dataclass(frozen=True)
class Loop:
    """A named feedback loop, e.g. ``R1`` "firefighting trap".

    Attributes
    ----------
    id : str
        ``R`` (reinforcing) or ``B`` (balancing) and a number.
    name : str
        Short name.
    description : str
        The causal chain as described in the model comments.
    variables : tuple of str
        Variables whose comments mention the loop.
    """

    id: str
    name: str
    description: str
    variables: tuple[str, ...]

    @property
    def polarity(self) -> str:
        """Return ``"reinforcing"`` or ``"balancing"``."""
        return "reinforcing" if self.id.startswith("R") else "balancing"


@dataclasses.dataclass(frozen=True)
class Model:
    """The parsed model: variables, stocks and their flows, loops, graph and version.

    Use :func:`load_model` rather than constructing it.
    """

    path: Path
    version: str
    variables: dict[str, Variable]
    stock_flows: dict[str, tuple[tuple[str, int], ...]]
    loops: dict[str, Loop]
    sectors: tuple[str, ...]
    time_step: float
    initial_time: float
    final_time: float
    saveper: float

    # -- selections -------------------------------------------------------------------
    def names(self, *, role: str | None = None, kind: str | None = None) -> list[str]:
        """Return variable names, optionally filtered by role and kind.

        Parameters
        ----------
        role : str, optional
            Keep only constants with this role (``"lever"``, ``"uncertainty"``, ...).
        kind : str, optional
            Keep only variables of this kind (``"stock"``, ``"flow"``, ...).

        Returns
        -------
        list of str
            Names in model-file order.
        """
        return [
            v.name
            for v in self.variables.values()
            if (role is None or v.role == role) and (kind is None or v.kind == kind)
        ]

    @property
    def stocks(self) -> list[str]:
        """Names of the stocks (levels)."""
        return self.names(kind="stock")

    @property
    def levers(self) -> list[str]:
        """Names of the levers: what a council decides."""
        return self.names(role="lever")

    @property
    def uncertainties(self) -> list[str]:
        """Names of the uncertainties: austerity, shocks and effect sizes."""
        return self.names(role="uncertainty")

    @property
    def settable(self) -> list[str]:
        """Names of every constant a scenario may set (levers, uncertainties, profile, switches)."""
        return [v.name for v in self.variables.values() if v.role in SETTABLE_ROLES]

    def defaults(self) -> dict[str, float]:
        """Return the default value of every settable constant."""
        return {n: float(self.variables[n].default) for n in self.settable}  # type: ignore[arg-type]

    def edges(self) -> list[tuple[str, str]]:
        """Return the dependency graph as ``(cause, effect)`` pairs."""
        return [(d, v.name) for v in self.variables.values() for d in v.depends_on]

    def doc(self) -> pd.DataFrame:
        """Return one row per variable with its units, range, definition and source.

        Returns
        -------
        pandas.DataFrame
            Columns: name, sector, kind, role, group, units, min, max, step, default,
            plausible_min, plausible_max (uncertainties), equation, definition, source.
        """
        rows = [
            {
                "name": v.name,
                "sector": v.sector,
                "kind": v.kind,
                "role": v.role or "",
                "group": v.group,
                "units": v.units,
                "min": v.minimum,
                "max": v.maximum,
                "step": v.step,
                "default": v.default,
                "plausible_min": v.plausible_minimum,
                "plausible_max": v.plausible_maximum,
                "equation": v.equation,
                "definition": v.definition,
                "source": v.source,
            }
            for v in self.variables.values()
        ]
        return pd.DataFrame(rows)

    def __contains__(self, name: object) -> bool:
        return name in self.variables

    def __getitem__(self, name: str) -> Variable:
        return self.variables[name]


def model_version(text: str) -> str:
    """Return the model's version hash: SHA-256 of its equations (sketch excluded).

    Parameters
    ----------
    text : str
        Contents of the ``.mdl`` file.

    Returns
    -------
    str
        The first 16 hex digits of the hash.
    """
    equations = text.split(_SKETCH_MARKER)[0]
    normalised = "\n".join(line.rstrip() for line in equations.replace("\r\n", "\n").split("\n"))
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Model:
    return _parse(Path(path))


def load_model(path: str | os.PathLike[str] | None = None) -> Model:
    """Parse the model file once (cached) into a :class:`Model`.

    Parameters
    ----------
    path : path-like, optional
        Model file; defaults to ``models/slack.mdl``.

    Returns
    -------
    Model
        Variables, stocks and flows, loops and the dependency graph.

    Raises
    ------
    ModelFormatError
        If the file breaks the project's conventions (e.g. a stock whose
        ``INTEG`` is not a signed sum of named flows).
    """
    p = Path(path) if path is not None else default_model_path()
    p = p.resolve()
    return _load_cached(str(p), p.stat().st_mtime_ns)


# -- parsing ---------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:g}"


def _py_name(name: str) -> str:
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _walk(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            yield from _walk(getattr(node, f.name))
    elif hasattr(node, "__dict__") and type(node).__module__.startswith("pysd"):
        for value in vars(node).values():
            yield from _walk(value)


def _references(node: Any) -> list[str]:
    refs = []
    for item in _walk(node):
        if type(item).__name__ == "ReferenceStructure":
            refs.append(item.reference)
    return refs


def _raw_blocks(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """Return (equation text by name, sector by name) from the raw model text."""
    equations: dict[str, str] = {}
    sectors: dict[str, str] = {}
    sector = ""
    body = text.split(_SKETCH_MARKER)[0]
    if body.startswith("{UTF-8}"):
        body = body[len("{UTF-8}") :]
    for block in body.split("|"):
        head = block.split("~")[0].strip()
        if not head:
            continue
        group = re.match(r"\*+\s*\n\s*\.(.+?)\s*\n\s*\*+", head)
        if group:
            sector = group.group(1).strip()
            continue
        match = re.match(r"(.+?)\s*=\s*(.*)", head, re.S)
        if not match:
            continue
        name = " ".join(match.group(1).split())
        equations[name] = " ".join(match.group(2).split())
        sectors[name] = sector
    return equations, sectors


def _split_comment(doc: str) -> tuple[str, str | None, str, str, tuple[Any, ...]]:
    doc = " ".join(doc.split())
    kind = _KIND_RE.search(doc)
    group = _GROUP_RE.search(doc)
    plausible = _PLAUSIBLE_RE.search(doc)
    source = _SOURCE_RE.search(doc)
    definition = doc
    for m in (kind, group, plausible, source):
        if m:
            definition = definition.replace(m.group(0), "")
    definition = " ".join(definition.split())
    span: tuple[Any, ...] = (None, None, "")
    if plausible:
        span = (float(plausible.group(1)), float(plausible.group(2)),
                plausible.group(3).strip(" ;,"))
    return (
        definition,
        kind.group(1) if kind else None,
        group.group(1).strip() if group else "",
        source.group(1).strip() if source else "",
        span,
    )


def _limit(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _parse(path: Path) -> Model:
    from pysd.translators.vensim.vensim_file import VensimFile

    text = path.read_text(encoding="utf-8")
    equations, sectors = _raw_blocks(text)
    vfile = VensimFile(path)
    vfile.parse()
    abstract = vfile.get_abstract_model()
    elements = [el for section in abstract.sections for el in section.elements]
    by_py = {_py_name(el.name): el.name for el in elements}
    by_py["time"] = "Time"

    control: dict[str, float] = {}
    raw: list[dict[str, Any]] = []
    stock_flows: dict[str, tuple[tuple[str, int], ...]] = {}
    for el in elements:
        if el.name in CONTROL_VARIABLES:
            ast = el.components[0].ast
            control[el.name] = float(ast) if isinstance(ast, (int, float)) else math.nan
            continue
        if len(el.components) != 1:
            raise ModelFormatError(f"{el.name}: subscripted or multi-part equations are not used")
        ast = el.components[0].ast
        tname = type(ast).__name__
        kind = {
            "IntegStructure": "stock",
            "InlineLookupsStructure": "lookup",
            "InitialStructure": "initial",
        }.get(tname, "auxiliary")
        default = None
        if isinstance(ast, (int, float)):
            kind, default = "constant", float(ast)
        refs = _references(ast)
        # function names (MIN, ZIDZ, ...) are references too in PySD's syntax tree
        depends = tuple(dict.fromkeys(by_py[r] for r in refs if r in by_py and r != "time"))
        if kind == "stock":
            stock_flows[el.name] = _signed_flows(el.name, ast.flow, by_py)
        definition, role, group, source, plausible = _split_comment(el.documentation or "")
        limits = tuple(el.limits) + (None, None, None)
        raw.append(
            dict(
                name=el.name,
                kind=kind,
                role=role if kind == "constant" else None,
                equation=equations.get(el.name, ""),
                units=(el.units or "").strip(),
                minimum=_limit(limits[0]),
                maximum=_limit(limits[1]),
                step=_limit(limits[2]),
                definition=definition,
                source=source,
                group=group,
                sector=sectors.get(el.name, ""),
                depends_on=depends,
                default=default,
                plausible_minimum=plausible[0],
                plausible_maximum=plausible[1],
                plausible_note=plausible[2],
            )
        )
    flows = {f for fl in stock_flows.values() for f, _ in fl}
    variables: dict[str, Variable] = {}
    for item in raw:
        if item["name"] in flows:
            item["kind"] = "flow"
        variables[item["name"]] = Variable(**item)
    loops = _loops(variables.values(), {el.name: el.documentation or "" for el in elements})
    sector_names = tuple(dict.fromkeys(v.sector for v in variables.values() if v.sector))
    return Model(
        path=path,
        version=model_version(text),
        variables=variables,
        stock_flows=stock_flows,
        loops=loops,
        sectors=sector_names,
        time_step=control.get("TIME STEP", math.nan),
        initial_time=control.get("INITIAL TIME", math.nan),
        final_time=control.get("FINAL TIME", math.nan),
        saveper=control.get("SAVEPER", math.nan),
    )


def _signed_flows(stock: str, ast: Any, by_py: dict[str, str]) -> tuple[tuple[str, int], ...]:
    tname = type(ast).__name__
    if tname == "ReferenceStructure":
        return ((by_py[ast.reference], 1),)
    if tname == "ArithmeticStructure" and all(op in "+-" for op in ast.operators):
        out = []
        for i, arg in enumerate(ast.arguments):
            if type(arg).__name__ != "ReferenceStructure":
                break
            sign = 1 if i == 0 or ast.operators[i - 1] == "+" else -1
            out.append((by_py[arg.reference], sign))
        else:
            return tuple(out)
    raise ModelFormatError(
        f"stock {stock!r}: its INTEG must be a sum and difference of named flows, "
        "so that stock accounting can be checked"
    )


def _loops(variables: Iterable[Variable], docs: dict[str, str]) -> dict[str, Loop]:
    found: dict[str, dict[str, Any]] = {}
    for v in variables:
        for m in _LOOP_RE.finditer(" ".join(docs.get(v.name, "").split())):
            loop_id, name, desc = m.group(1), m.group(2).strip(), m.group(3).strip()
            entry = found.setdefault(loop_id, {"name": name, "description": "", "vars": []})
            if len(desc) > len(entry["description"]):
                entry["description"] = desc
            if v.name not in entry["vars"]:
                entry["vars"].append(v.name)
    return {
        k: Loop(id=k, name=e["name"], description=e["description"], variables=tuple(e["vars"]))
        for k, e in sorted(found.items(), key=lambda kv: (kv[0][0] != "R", int(kv[0][1:])))
    }
