"""Stage 3, *engine*: the model's equations compiled to code, and PySD as the reference.

:func:`simulate` runs one scenario, :func:`simulate_many` runs N scenarios in one pass.
"""

from .compiled import (
    BACKENDS,
    SUPPORTED_FUNCTIONS,
    CompiledModel,
    UnsupportedFunctionError,
    compile_model,
    numba_available,
    simulate_many,
)
from .run import ENGINES, pysd_rhs, simulate

__all__ = [
    "BACKENDS",
    "ENGINES",
    "SUPPORTED_FUNCTIONS",
    "CompiledModel",
    "UnsupportedFunctionError",
    "compile_model",
    "numba_available",
    "pysd_rhs",
    "simulate",
    "simulate_many",
]
