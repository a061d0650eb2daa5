"""Parse ``models/slack.mdl`` into variables, documentation and a dependency graph.

This is the *translate* stage (after PySD): the model file is read once with PySD's
own Vensim translator and turned into the plain dataclasses of
:mod:`~slack_sim.model.variables`. Two halves, one module each:

- :mod:`~slack_sim.model.convert`: PySD's abstract model -> :class:`Model` (names,
  equations, units, ranges, definitions, sources, roles, stocks and flows, loops, the
  dependency graph, the comment conventions of the ``.mdl``); nothing retypes an equation;
- :mod:`~slack_sim.model.parse_cache`: the parse kept on disk as checked JSON, keyed on
  the file's bytes, PySD's version and the parser's source.

This module is the entry point: :func:`load_model` does the parse once per file version
(cached in memory by path and modification time, on disk by content). The :class:`Model`
keeps PySD's abstract syntax of every equation (``Model.elements``), which the engine's
code generator and ``tools/write_sketch.py`` read instead of parsing the file again.
Every name importable from here before the split still is (``cache_key``,
``parser_key``, ``_parse``, ``_load``, ``_read_cache``, ``_write_cache``, ``_decode``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .convert import _parse, model_version, py_name  # noqa: F401 (_parse re-exported)
from .files import default_model_path, models_dir
from .parse_cache import (  # noqa: F401 (private names re-exported for tests)
    _decode,
    _encode,
    _LazyElements,
    _load,
    _read_cache,
    _write_cache,
    cache_key,
    parser_key,
)
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
    "cache_key",
    "default_model_path",
    "load_model",
    "model_version",
    "models_dir",
    "parser_key",
    "py_name",
]

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
