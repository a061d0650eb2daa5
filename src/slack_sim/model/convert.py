"""PySD's abstract model of ``models/slack.mdl`` turned into the package's plain dataclasses.

The conversion half of the one parse (:mod:`slack_sim.model.parse` is the entry point;
:mod:`slack_sim.model.parse_cache` keeps the result on disk). :func:`_parse` reads the
file with PySD's own Vensim translator and takes from it everything the rest of the
package needs to know about the model -- names, equations, units, ranges, definitions,
sources, the role of each constant (lever, uncertainty, profile input, loop switch), the
stocks and their flows, the named feedback loops and the dependency graph. Nothing here
retypes an equation.

Comment conventions in the ``.mdl`` (parsed here)::

    Definition sentence. Kind: lever|uncertainty|profile|switch|constant.
    Group: <slider group>. Plausible: [lo, hi] <why that range>.
    Source: <where the default comes from>.

``Plausible`` (uncertainties only, just before ``Source``) is the range ensembles and
sensitivity analysis sample; the Vensim ``[min,max,step]`` range is the slider's limits.

Feedback loops are named in comments as ``Loop R1 firefighting trap: ...``. The comment
of INITIAL TIME gives the calendar month of model time 0 as ``Origin: YYYY-MM.``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .variables import CONTROL_VARIABLES, Loop, Model, ModelFormatError, Variable

__all__ = ["model_version", "py_name"]

_SKETCH_MARKER = "\\\\\\---///"
_KIND_RE = re.compile(r"\bKind:\s*([a-z]+)\.")
_GROUP_RE = re.compile(r"\bGroup:\s*([^.]+)\.")
_SOURCE_RE = re.compile(r"\bSource:\s*(.+)$", re.S)
_NUM = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
# "Plausible: [lo, hi] why." written just before "Source:" (the note may hold decimals)
_PLAUSIBLE_RE = re.compile(
    r"\bPlausible:\s*\[" + _NUM + "," + _NUM + r"\]\s*(.*?)\.\s*(?=Source:|$)"
)
# "Origin: YYYY-MM." in the INITIAL TIME comment: the calendar month of model time 0
_ORIGIN_RE = re.compile(r"\bOrigin:\s*(\d{4})-(\d{2})\.")
_LOOP_RE = re.compile(r"\b(?:Loop|loop) ([RB]\d+) ([a-z][a-z ()-]*?)(?: \(money\))?:\s*([^.]*)")


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


def py_name(name: str) -> str:
    """Return PySD's reference form of a Vensim name (``"Crisis queue"`` -> ``crisis_queue``)."""
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
    by_py = {py_name(el.name): el.name for el in elements}
    by_py["time"] = "Time"

    control: dict[str, float] = {}
    origin = ""
    raw: list[dict[str, Any]] = []
    stock_flows: dict[str, tuple[tuple[str, int], ...]] = {}
    for el in elements:
        if el.name in CONTROL_VARIABLES:
            ast = el.components[0].ast
            control[el.name] = float(ast) if isinstance(ast, (int, float)) else math.nan
            if el.name == "INITIAL TIME":
                origin = _origin(el.documentation or "", path)
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
        references = tuple(dict.fromkeys(
            by_py[r] for r in refs if r in by_py and by_py[r] != el.name))
        depends = tuple(r for r in references if r != "Time")
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
                references=references,
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
        origin=origin or _origin("", path),
        elements=tuple(elements),
    )


def _origin(comment: str, path: Path) -> str:
    """Return ``"YYYY-MM"`` from the ``Origin: YYYY-MM.`` tag of the INITIAL TIME comment."""
    match = _ORIGIN_RE.search(comment)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ModelFormatError(
            f"{path}: the comment of INITIAL TIME must give the calendar month of model "
            "time 0 as 'Origin: YYYY-MM.'"
        )
    return f"{match.group(1)}-{match.group(2)}"


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
