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

Feedback loops are named in comments as ``Loop R1 firefighting trap: ...``. The comment
of INITIAL TIME gives the calendar month of model time 0 as ``Origin: YYYY-MM.``.

The parse is done once per file version (:func:`load_model` is cached by path and
modification time); the :class:`Model` keeps PySD's abstract syntax of every equation
(``Model.elements``), which the engine's code generator and ``tools/write_sketch.py``
read instead of parsing the file again.

**On-disk cache.** PySD's parser takes about a second, so the parse is also kept in the
cache folder (:func:`~slack_sim.model.files.cache_dir`), as the compiled kernels are:
``model-<file hash>-<parser hash>.json``, keyed on the SHA-256 of the model file's bytes,
PySD's version and this parser's own source (this file and ``variables.py``). The file
is data only -- JSON of the plain dataclasses and of PySD's syntax tree (each node as its
class name and attributes, rebuilt only from PySD's two ``structures`` modules), never
pickle -- and starts with the SHA-256 of its body, checked before use; a file that fails
the check, does not decode or names another key is ignored and rewritten. When the
cache folder cannot be written the parse goes to
:func:`~slack_sim.model.files.fallback_cache_dir`. Loading from the cache does not import
PySD: the syntax tree is rebuilt the first time ``Model.elements`` is read (only to
generate code for a new model version).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .files import cache_dir, cache_dirs, default_model_path, fallback_cache_dir, models_dir
from .variables import (
    CONTROL_VARIABLES,
    SETTABLE_ROLES,
    Loop,
    Model,
    ModelFormatError,
    Variable,
)

__all__ = [
    "CONTROL_VARIABLES",
    "SETTABLE_ROLES",
    "Loop",
    "Model",
    "ModelFormatError",
    "Variable",
    "default_model_path",
    "load_model",
    "model_version",
    "models_dir",
    "py_name",
]

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


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Model:
    return _load(Path(path))


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
    resolved = _resolved(str(p))
    return _load_cached(resolved, os.stat(resolved).st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _resolved(path: str) -> str:
    # resolving walks every folder of the path (a system call each); a run calls
    # load_model, so the answer is kept
    return str(Path(path).resolve())


# -- the on-disk cache of the parse -----------------------------------------------------

#: Bump when the cache file's layout changes.
_CACHE_FORMAT = 1
#: The modules whose classes a cached syntax tree may name (nothing else is rebuilt).
_AST_MODULES = ("pysd.translators.structures.abstract_expressions",
                "pysd.translators.structures.abstract_model")


@functools.cache
def parser_key() -> str:
    """Return the hash of what a parse depends on besides the file: PySD and this parser.

    SHA-256 of the cache format, PySD's version and the source of ``parse.py`` and
    ``variables.py`` (first 12 hex digits): a change to any of them makes a new cache key.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(f"{_CACHE_FORMAT}|pysd {version('pysd')}".encode())
    here = Path(__file__).parent
    for name in ("parse.py", "variables.py"):
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    return digest.hexdigest()[:12]


def cache_key(data: bytes) -> str:
    """Return the cache key of a model file's bytes: its hash and :func:`parser_key`."""
    return f"{hashlib.sha256(data).hexdigest()[:16]}-{parser_key()}"


def _cache_name(key: str) -> str:
    return f"model-{key}.json"


def _load(path: Path) -> Model:
    """Return the model from the on-disk cache if a valid entry exists, else parse it."""
    data = path.read_bytes()
    key = cache_key(data)
    for folder in cache_dirs():
        model = _read_cache(folder / _cache_name(key), key, path)
        if model is not None:
            return model
    model = _parse(path)
    _write_cache(model, key)
    return model


def _read_cache(file: Path, key: str, path: Path) -> Model | None:
    try:
        raw = file.read_bytes()
    except OSError:
        return None
    try:
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        if (header.get("key") != key or header.get("format") != _CACHE_FORMAT
                or header.get("sha256") != hashlib.sha256(body).hexdigest()):
            return None
        return _model_from_data(json.loads(body), path)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # corrupt or of another layout: parsed again and rewritten


def _write_cache(model: Model, key: str) -> Path | None:
    """Write the parse to the cache folder (else the fallback); return the file or None."""
    body = json.dumps(_model_to_data(model), separators=(",", ":")).encode("utf-8")
    header = json.dumps({"format": _CACHE_FORMAT, "key": key,
                         "sha256": hashlib.sha256(body).hexdigest()}).encode("utf-8")
    for folder_of in (cache_dir, fallback_cache_dir):
        try:
            folder = folder_of()
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".model-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(header + b"\n" + body)
            target = folder / _cache_name(key)
            os.replace(tmp, target)
            return target
        except OSError:
            continue
    return None


def _model_to_data(model: Model) -> dict[str, Any]:
    return {
        "version": model.version,
        "variables": [dataclasses.asdict(v) for v in model.variables.values()],
        "stock_flows": {k: [list(f) for f in v] for k, v in model.stock_flows.items()},
        "loops": [dataclasses.asdict(lp) for lp in model.loops.values()],
        "sectors": list(model.sectors),
        "control": [model.time_step, model.initial_time, model.final_time, model.saveper],
        "origin": model.origin,
        "elements": [_encode(el) for el in model.elements],
    }


def _tuples(record: dict[str, Any]) -> dict[str, Any]:
    # the dataclasses' sequences are tuples; JSON gives lists
    return {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}


def _model_from_data(data: dict[str, Any], path: Path) -> Model:
    variables = {v["name"]: Variable(**_tuples(v)) for v in data["variables"]}
    loops = {lp["id"]: Loop(**_tuples(lp)) for lp in data["loops"]}
    time_step, initial_time, final_time, saveper = (float(x) for x in data["control"])
    return Model(
        path=path,
        version=data["version"],
        variables=variables,
        stock_flows={k: tuple((f, int(s)) for f, s in v) for k, v in data["stock_flows"].items()},
        loops=loops,
        sectors=tuple(data["sectors"]),
        time_step=time_step,
        initial_time=initial_time,
        final_time=final_time,
        saveper=saveper,
        origin=data["origin"],
        elements=_LazyElements(data["elements"], path),
    )


def _encode(node: Any) -> Any:
    """Return PySD's syntax tree as JSON data: each node its class and attributes."""
    if node is None or isinstance(node, (bool, str)):
        return node
    if type(node) in (int, float):
        return node
    if isinstance(node, list):
        return [_encode(x) for x in node]
    if isinstance(node, tuple):
        return {"@t": [_encode(x) for x in node]}
    if isinstance(node, dict):
        return {"@d": [[_encode(k), _encode(v)] for k, v in node.items()]}
    kind = type(node)
    if kind.__module__ == "numpy" and kind.__name__ in ("float64", "int64", "bool_"):
        return {"@np": kind.__name__, "v": node.item()}
    if kind.__module__ in _AST_MODULES:
        return {"@": f"{kind.__module__}:{kind.__qualname__}",
                "a": {k: _encode(v) for k, v in vars(node).items()}}
    raise TypeError(f"cannot cache a {kind.__module__}.{kind.__qualname__} in the parse")


def _decode(data: Any) -> Any:
    if isinstance(data, list):
        return [_decode(x) for x in data]
    if not isinstance(data, dict):
        return data
    if "@t" in data:
        return tuple(_decode(x) for x in data["@t"])
    if "@d" in data:
        return {_decode(k): _decode(v) for k, v in data["@d"]}
    if "@np" in data:
        import numpy as np

        if data["@np"] not in ("float64", "int64", "bool_"):
            raise ValueError(f"unexpected numpy type {data['@np']!r}")
        return getattr(np, data["@np"])(data["v"])
    module, _, name = data["@"].partition(":")
    if module not in _AST_MODULES:
        raise ValueError(f"the cached syntax tree names {module!r}, not a PySD structure")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"{data['@']} is not one of PySD's syntax-tree classes")
    node = cls.__new__(cls)
    node.__dict__.update({k: _decode(v) for k, v in data["a"].items()})
    return node


class _LazyElements(Sequence[Any]):
    """PySD's syntax tree of every equation, rebuilt from cached data when first read.

    Rebuilding imports PySD (about half a second), which a run from the kernel cache
    never needs; code generation and the sketch writer read it.
    """

    def __init__(self, data: list[Any], path: Path) -> None:
        self._data: list[Any] | None = data
        self._path = path
        self._items: tuple[Any, ...] | None = None
        self._lock = threading.Lock()

    def _get(self) -> tuple[Any, ...]:
        if self._items is None:
            with self._lock:
                if self._items is None:
                    try:
                        self._items = tuple(_decode(x) for x in self._data or [])
                    except (ValueError, KeyError, TypeError, AttributeError):
                        # a cache that passed its hash check yet does not rebuild (a
                        # class outside PySD's syntax tree): parse the file instead
                        if not self._path.is_file():
                            raise
                        self._items = tuple(_parse(self._path).elements)
                    self._data = None
        return self._items

    def __len__(self) -> int:
        return len(self._get())

    def __getitem__(self, i: Any) -> Any:
        return self._get()[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._get())

    def __repr__(self) -> str:
        state = "rebuilt" if self._items is not None else "not yet rebuilt"
        return f"<{type(self).__name__}: PySD syntax tree, {state}>"


# -- parsing ---------------------------------------------------------------------------


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
