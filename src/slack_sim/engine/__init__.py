"""Stage 3, *engine*: the model's equations compiled to code, and PySD as the reference.

:func:`simulate` runs one scenario, :func:`simulate_many` runs N scenarios in one pass,
:func:`simulate_outcomes` runs N and keeps only outcomes (memory O(N x outcomes)).
The compiled engine is built in stages, each a module: :mod:`.translate` (PySD's
abstract syntax -> code, one builder per node type), :mod:`.plan` (dependencies and
evaluation order), :mod:`.codegen` (the three dialects' kernels), :mod:`.schedule`
(PySD's time schedule) and :mod:`.compiled` (the cached, loaded module);
:mod:`.inputs` turns scenarios into its parameter matrix, :mod:`.pysd` is the reference
interpreter and :mod:`.run` the entry points.
"""

from .compiled import (
    BACKENDS,
    SUPPORTED_FUNCTIONS,
    CompiledModel,
    UnsupportedFunctionError,
    compile_model,
    numba_available,
)
from .pysd import pysd_rhs
from .run import CHUNK_SIZE, ENGINES, MAX_FINAL_TIME, simulate, simulate_many, simulate_outcomes

__all__ = [
    "BACKENDS",
    "CHUNK_SIZE",
    "ENGINES",
    "MAX_FINAL_TIME",
    "SUPPORTED_FUNCTIONS",
    "CompiledModel",
    "UnsupportedFunctionError",
    "compile_model",
    "numba_available",
    "pysd_rhs",
    "simulate",
    "simulate_many",
    "simulate_outcomes",
]
