"""The on-disk cache of the model's parse: JSON data, keyed on the file, PySD and the parser.

PySD's parser takes about a second, so the parse (:func:`slack_sim.model.convert._parse`)
is kept in the cache folder (:func:`~slack_sim.model.files.cache_dir`), as the compiled
kernels are: ``model-<file hash>-<parser hash>.json``, keyed on the SHA-256 of the model
file's bytes, PySD's version and the parser's own source (:data:`PARSER_MODULES`). The
file is data only -- JSON of the plain dataclasses and of PySD's syntax tree (each node
as its class name and attributes, rebuilt only from PySD's two ``structures`` modules),
never pickle -- and starts with the SHA-256 of its body, checked before use; a file that
fails the check, does not decode or names another key is ignored and rewritten. When the
cache folder cannot be written the parse goes to
:func:`~slack_sim.model.files.fallback_cache_dir`. Loading from the cache does not import
PySD: the syntax tree is rebuilt the first time ``Model.elements`` is read (only to
generate code for a new model version).

Safe under concurrent use (several processes, e.g. pytest-xdist workers or Dask workers,
parsing the same new model at once): each writes its own temporary file and renames it
over the entry atomically, so a reader sees a whole entry or none.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .convert import _parse
from .files import cache_dir, cache_dirs, fallback_cache_dir
from .variables import Loop, Model, Variable

__all__ = ["PARSER_MODULES", "cache_key", "parser_key"]

#: The modules of this folder whose source decides a parse (hashed into the cache key).
PARSER_MODULES = ("parse.py", "convert.py", "parse_cache.py", "variables.py")

#: Bump when the cache file's layout changes.
_CACHE_FORMAT = 1
#: The modules whose classes a cached syntax tree may name (nothing else is rebuilt).
_AST_MODULES = ("pysd.translators.structures.abstract_expressions",
                "pysd.translators.structures.abstract_model")


@functools.cache
def parser_key() -> str:
    """Return the hash of what a parse depends on besides the file: PySD and this parser.

    SHA-256 of the cache format, PySD's version and the source of each of
    :data:`PARSER_MODULES` (first 12 hex digits): a change to any of them makes a new
    cache key.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(f"{_CACHE_FORMAT}|pysd {version('pysd')}".encode())
    here = Path(__file__).parent
    for name in PARSER_MODULES:
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
