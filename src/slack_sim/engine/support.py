"""What the compiled engine supports, without importing its translator (or PySD).

The translator (:mod:`slack_sim.engine.translate`) imports PySD's syntax-tree classes,
which costs about half a second; running a cached kernel needs none of it, so the
constants and the error class that :mod:`slack_sim.engine.compiled` needs live here.
"""

from __future__ import annotations

from ..model.variables import ModelFormatError

__all__ = ["DIALECTS", "LANES", "SMALL_VENSIM", "SUPPORTED_FUNCTIONS",
           "UnsupportedFunctionError"]

#: Vensim functions and operators the compiler supports (nothing else compiles).
SUPPORTED_FUNCTIONS = (
    "INTEG",
    "INITIAL",
    "IF THEN ELSE",
    ":AND:",
    "MIN",
    "MAX",
    "ZIDZ",
    "XIDZ",
    "SQRT",
    "EXP",
    "WITH LOOKUP",
    "+ - * / ^ and unary minus",
    "= <> < <= > >=",
)

#: Vensim's zero for ZIDZ and XIDZ (as in ``pysd.py_backend.functions``).
SMALL_VENSIM = 1e-6

#: The code dialects generated for every expression.
DIALECTS = ("numba", "python", "vector")

#: Scenarios per block in the numba batch kernel (vector width).
LANES = 8


class UnsupportedFunctionError(ModelFormatError):
    """The model uses a Vensim function or construct the compiled engine does not support."""
