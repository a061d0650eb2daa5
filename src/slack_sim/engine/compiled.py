"""The compiled engine: the model's equations as generated code, N scenarios in one pass.

The *compile* stage reads ``models/slack.mdl`` with PySD's own Vensim translator
(:class:`pysd.translators.vensim.vensim_file.VensimFile`), walks the abstract syntax of
every equation and generates Python source for three *dialects* of the same integrator:

``numba``
    Scalar equations in a loop over a block of 8 scenario lanes, branch-free so that
    LLVM vectorises it across scenarios; blocks are shared among threads (one per
    core; the kernel releases the GIL). The fast path.
``vector``
    Pure numpy: every variable an array over scenarios; one numpy call per operation
    and time step. The fallback for large batches when numba is not installed.
``python``
    The scalar kernel run by the Python interpreter. The fallback for a handful of
    scenarios (one Python float operation is cheaper than one numpy call).

No equation is typed in this file: change the ``.mdl`` and the generated code follows.
The generated source is cached on disk (see :func:`compile_model`), keyed by the model's
hash and the code generator's own hash, so a stale cache is never used.

Semantics follow PySD, the reference interpreter: ``INITIAL`` and the stocks' initial
values are evaluated at the initial time with the stocks at their initial values;
Euler integration ``x(t + dt) = x(t) + dt * f(t)`` with time advanced by repeated
addition of ``dt``; output at the time stamps PySD returns. See ``docs/engine.md``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import to_years
from ..model.files import cache_dir
from ..model.parse import (
    CONTROL_VARIABLES,
    Model,
    ModelFormatError,
    load_model,
    model_version,
    models_dir,
)
from ..scenarios import DEFAULT_PROFILE, Scenario, ScenarioError, profile_values

__all__ = [
    "BACKENDS",
    "SUPPORTED_FUNCTIONS",
    "CompiledModel",
    "UnsupportedFunctionError",
    "compile_model",
    "numba_available",
    "simulate_many",
]

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

#: Backends of the compiled engine; ``"auto"`` is numba when installed, else numpy.
BACKENDS = ("auto", "numba", "numpy")

#: Vensim's zero for ZIDZ and XIDZ (as in ``pysd.py_backend.functions``).
SMALL_VENSIM = 1e-6

#: Batches up to this size run the scalar kernel in plain Python on the numpy backend.
SCALAR_PYTHON_MAX = 4

_CODEGEN_FORMAT = 1  # bump when the generated code's layout changes
_RPREC = 1e-5  # PySD's relative precision for time comparisons (components.Time.rprec)
_LANES = 8  # scenarios per block in the numba kernel (vector width)
#: Fewest scenarios per thread worth a thread of their own.
_MIN_PER_THREAD = 16
_COMPILED: dict[str, CompiledModel] = {}
_PROFILE_BASES: dict[tuple[str, str, int], dict[str, float]] = {}

_CALLS = {"if_then_else": 3, "min": 2, "max": 2, "zidz": 2, "xidz": 3, "sqrt": 1, "exp": 1}
_COMPARE = {"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITH = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "**"}
_CONTROL_REFS = {"time": "t", "time_step": "dt", "initial_time": "t0", "final_time": "tf",
                 "saveper": "saveper"}
_STRUCTURE_FUNCTIONS = {
    "DelayStructure": "DELAY1/DELAY3",
    "DelayNStructure": "DELAY N",
    "DelayFixedStructure": "DELAY FIXED",
    "SmoothStructure": "SMOOTH/SMOOTH3",
    "SmoothNStructure": "SMOOTH N",
    "TrendStructure": "TREND",
    "ForecastStructure": "FORECAST",
    "SampleIfTrueStructure": "SAMPLE IF TRUE",
    "GameStructure": "GAME",
    "AllocateAvailableStructure": "ALLOCATE AVAILABLE",
    "AllocateByPriorityStructure": "ALLOCATE BY PRIORITY",
    "GetLookupsStructure": "GET LOOKUPS",
    "GetDataStructure": "GET DATA",
    "GetConstantsStructure": "GET CONSTANTS",
    "DataStructure": "data variable",
    "LookupsStructure": "lookup table called as a function",
    "SubscriptsReferenceStructure": "subscripts",
}


class UnsupportedFunctionError(ModelFormatError):
    """The model uses a Vensim function or construct the compiled engine does not support."""


def numba_available() -> bool:
    """Return whether numba can be imported (the fast backend)."""
    return importlib.util.find_spec("numba") is not None


# -- translation: AST -> expressions ----------------------------------------------------------


@dataclasses.dataclass
class _Var:
    name: str
    ident: str
    kind: str  # "constant", "aux", "stock", "initial"
    expr: dict[str, str] = dataclasses.field(default_factory=dict)  # dialect -> code
    deps: set[str] = dataclasses.field(default_factory=set)
    init_expr: dict[str, str] = dataclasses.field(default_factory=dict)  # stocks only
    init_deps: set[str] = dataclasses.field(default_factory=set)
    pre: list[str] = dataclasses.field(default_factory=list)  # numba temporaries for expr
    init_pre: list[str] = dataclasses.field(default_factory=list)
    value: float = math.nan  # constants only
    uses_time: bool = False


class _Translator:
    """Turn one equation's abstract syntax into code for the three dialects."""

    def __init__(self, variable: str, idents: Mapping[str, str], lookups: list[Any]) -> None:
        self.variable = variable
        self.idents = idents
        self.lookups = lookups
        self.deps: set[str] = set()
        self.uses_time = False
        self.pre: list[str] = []  # numba dialect: temporaries computed before the value

    def tmp(self, code: str) -> str:
        """Hoist ``code`` into a temporary (numba dialect), so selects stay branch-free."""
        name = f"_t{len(self.pre)}_{self.idents_prefix}"
        self.pre.append(f"{name} = {code}")
        return name

    @property
    def idents_prefix(self) -> str:
        return re.sub(r"\W+", "_", self.variable.lower()).strip("_")[:24]

    def fail(self, what: str) -> UnsupportedFunctionError:
        return UnsupportedFunctionError(
            f"variable {self.variable!r} uses {what}, which the compiled engine does not "
            f"support (supported: {', '.join(SUPPORTED_FUNCTIONS)}); see docs/engine.md"
        )

    def code(self, node: Any) -> dict[str, str]:
        """Return ``{dialect: code}`` for an expression node."""
        tname = type(node).__name__
        if isinstance(node, (bool, np.bool_)):
            return _same(repr(float(node)))
        if isinstance(node, (int, float, np.integer, np.floating)):
            value = float(node)
            if not math.isfinite(value):
                raise self.fail(f"the non-finite number {value}")
            return _same(repr(value))
        if tname == "ReferenceStructure":
            return self.reference(node)
        if tname == "ArithmeticStructure":
            return self.arithmetic(node)
        if tname == "LogicStructure":
            return self.logic(node)
        if tname == "CallStructure":
            return self.call(node)
        if tname == "InlineLookupsStructure":
            return self.lookup(node)
        if tname in ("IntegStructure", "InitialStructure"):
            raise self.fail(f"{'INTEG' if tname == 'IntegStructure' else 'INITIAL'} nested "
                            "inside an expression")
        raise self.fail(_STRUCTURE_FUNCTIONS.get(tname, f"the construct {tname}"))

    def reference(self, node: Any) -> dict[str, str]:
        if node.subscripts:
            raise self.fail("subscripts")
        ref = node.reference
        if ref in _CONTROL_REFS:
            self.uses_time |= ref == "time"
            return _same(_CONTROL_REFS[ref])
        if ref not in self.idents:
            raise UnsupportedFunctionError(
                f"variable {self.variable!r} refers to {ref!r}, which is not a model variable"
            )
        self.deps.add(ref)
        return _same(self.idents[ref])

    def arithmetic(self, node: Any) -> dict[str, str]:
        ops, args = list(node.operators), [self.code(a) for a in node.arguments]
        if len(args) == 1:
            if ops != ["negative"]:
                raise self.fail(f"the unary operator {ops[0]!r}")
            return {d: f"(-{c})" for d, c in args[0].items()}
        for op in ops:
            if op not in _ARITH:
                raise self.fail(f"the operator {op!r}")
        # PySD writes "a0 op1 a1 op2 a2 ..." and lets Python's precedence parse it; with
        # every operand parenthesised, the generated code parses to the same tree.
        out = {}
        for d in _DIALECTS:
            text = args[0][d]
            for op, arg in zip(ops, args[1:], strict=True):
                text += f" {_ARITH[op]} {arg[d]}"
            out[d] = f"({text})"
        return out

    def logic(self, node: Any) -> dict[str, str]:
        ops, raw = list(node.operators), list(node.arguments)
        args = [self.code(a) for a in raw]
        if len(ops) == 1 and ops[0] in _COMPARE and len(args) == 2:
            return {d: f"({args[0][d]} {_COMPARE[ops[0]]} {args[1][d]})" for d in _DIALECTS}
        if ops and all(op == ":AND:" for op in ops) and len(args) == len(ops) + 1:
            # PySD nests from the right: a :AND: (b :AND: c)
            out = {}
            for d in _DIALECTS:
                text = args[-1][d] if d == "vector" else _truth(raw[-1], args[-1][d])
                for arg, r in zip(reversed(args[:-1]), reversed(raw[:-1]), strict=True):
                    if d == "vector":
                        text = f"np.logical_and({arg[d]}, {text})"
                    elif d == "numba":  # bitwise on bools: no short-circuit branch
                        text = f"({_truth(r, arg[d])} & {text})"
                    else:
                        text = f"({_truth(r, arg[d])} and {text})"
                out[d] = text
            return out
        raise self.fail(f"the logical expression with operators {ops}")

    def call(self, node: Any) -> dict[str, str]:
        fn = getattr(node.function, "reference", None)
        vensim = str(fn).upper().replace("_", " ")
        if fn not in _CALLS:
            raise self.fail(f"the function {vensim}")
        if len(node.arguments) != _CALLS[fn]:
            raise self.fail(f"{vensim} with {len(node.arguments)} arguments")
        a = [self.code(x) for x in node.arguments]
        if fn == "if_then_else":
            # numba: both branches evaluated into temporaries, then a select (as np.where)
            tc, ta, tb = (self.tmp(a[j]["numba"]) for j in range(3))
            return {
                "numba": f"({ta} if {tc} else {tb})",
                "python": f"({a[1]['python']} if {a[0]['python']} else {a[2]['python']})",
                "vector": f"np.where({a[0]['vector']}, {a[1]['vector']}, {a[2]['vector']})",
            }
        scalar = {"min": "min", "max": "max", "zidz": "_zidz", "xidz": "_xidz",
                  "sqrt": "math.sqrt", "exp": "math.exp"}[fn]
        jitted = {"zidz": "_zidz_nb", "xidz": "_xidz_nb"}.get(fn, scalar)
        vector = {"min": "np.minimum", "max": "np.maximum", "zidz": "_zidz_v",
                  "xidz": "_xidz_v", "sqrt": "np.sqrt", "exp": "np.exp"}[fn]
        nb = [x["numba"] for x in a]

        def divide(other: str) -> str:
            # inline (no calls) and branch-free, so that LLVM vectorises across lanes
            den = self.tmp(nb[1])
            quotient = self.tmp(f"{nb[0]} / {den}")
            return f"({other} if abs({den}) < {SMALL_VENSIM!r} else {quotient})"

        inline = {"zidz": lambda: divide("0.0"), "xidz": lambda: divide(self.tmp(nb[2]))}
        return {
            "numba": inline[fn]() if fn in inline else f"{jitted}({', '.join(nb)})",
            "python": f"{scalar}({', '.join(x['python'] for x in a)})",
            "vector": f"{vector}({', '.join(x['vector'] for x in a)})",
        }

    def lookup(self, node: Any) -> dict[str, str]:
        table = node.lookups
        if getattr(table, "type", "interpolate") != "interpolate":
            raise self.fail(f"a WITH LOOKUP of type {table.type!r} (only 'interpolate')")
        xs = [float(x) for x in table.x]
        ys = [float(y) for y in table.y]
        if len(xs) != len(ys) or not xs or any(b < a for a, b in zip(xs, xs[1:], strict=False)):
            raise self.fail("a WITH LOOKUP whose x values are not increasing")
        k = len(self.lookups)
        self.lookups.append((xs, ys))
        arg = self.code(node.argument)
        # numba: np.interp as a chain of selects (linear inside, flat outside, NaN kept)
        x = self.tmp(arg["numba"])
        sel = repr(ys[0])
        for j in range(len(xs) - 1):
            if xs[j + 1] == xs[j]:
                continue
            slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
            seg = self.tmp(f"{slope!r} * ({x} - {xs[j]!r}) + {ys[j]!r}")
            sel = self.tmp(f"({seg} if {x} >= {xs[j]!r} else {sel})")
        sel = self.tmp(f"({ys[-1]!r} if {x} >= {xs[-1]!r} else {sel})")
        return {
            "numba": f"({x} if {x} != {x} else {sel})",
            "python": f"_lookup_{k}({arg['python']})",
            "vector": f"np.interp({arg['vector']}, _LX_{k}, _LY_{k})",
        }


_DIALECTS = ("numba", "python", "vector")


def _same(code: str) -> dict[str, str]:
    return dict.fromkeys(_DIALECTS, code)


def _truth(node: Any, code: str) -> str:
    """Scalar truth value as a bool (PySD's np.logical_and returns bools, not operands)."""
    if type(node).__name__ == "LogicStructure":
        return code
    return f"({code} != 0.0)"


# -- the compiled model ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Plan:
    """Everything the code generator needs, in evaluation order."""

    version: str
    variables: list[_Var]  # model-file order
    parameters: list[str]  # constants, in P-column order
    init_order: list[str]
    dynamic_order: list[str]
    stocks: list[str]
    lookups: list[tuple[list[float], list[float]]]


def _plan(text: str, path: Path, model: Model) -> _Plan:
    from pysd.translators.vensim.vensim_file import VensimFile

    from ..model.parse import _py_name

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(text, encoding="utf-8")
        vfile = VensimFile(copy)
        vfile.parse()
        abstract = vfile.get_abstract_model()
    elements = [el for section in abstract.sections for el in section.elements]
    elements = [el for el in elements if el.name not in CONTROL_VARIABLES]
    idents = {_py_name(el.name): f"v_{_py_name(el.name)}" for el in elements}
    by_py = {_py_name(el.name): el.name for el in elements}
    lookups: list[tuple[list[float], list[float]]] = []
    variables: dict[str, _Var] = {}
    for el in elements:
        if len(el.components) != 1 or el.components[0].subscripts[0]:
            raise UnsupportedFunctionError(f"variable {el.name!r} uses subscripts or several "
                                           "equations, which the compiled engine does not support")
        ast = el.components[0].ast
        py = _py_name(el.name)
        var = _Var(name=el.name, ident=idents[py], kind="aux")
        tname = type(ast).__name__
        tr = _Translator(el.name, idents, lookups)
        if isinstance(ast, (int, float, np.integer, np.floating)) and not isinstance(ast, bool):
            var.kind, var.value = "constant", float(ast)
        elif tname == "IntegStructure":
            if getattr(ast, "non_negative", False):
                raise tr.fail("a non-negative INTEG")
            var.kind = "stock"
            var.expr = tr.code(ast.flow)
            var.deps = set(tr.deps)
            var.pre = tr.pre
            ti = _Translator(el.name + " (initial)", idents, lookups)
            var.init_expr = ti.code(ast.initial)
            var.init_deps = set(ti.deps)
            var.init_pre = ti.pre
        elif tname == "InitialStructure":
            var.kind = "initial"
            var.expr = tr.code(ast.initial)
            var.deps = set(tr.deps)
            var.pre = tr.pre
        else:
            var.expr = tr.code(ast)
            var.deps = set(tr.deps)
            var.pre = tr.pre
            var.uses_time = tr.uses_time
        variables[py] = var
    names = list(model.variables)
    order = {by_py.get(_py_name(n), n): i for i, n in enumerate(names)}
    if sorted(v.name for v in variables.values()) != sorted(names):
        raise ModelFormatError("the compiled model and the parsed model list different variables")
    ordered = sorted(variables.values(), key=lambda v: order[v.name])
    by_ident = {_py_name(v.name): v for v in ordered}

    # dynamic: depends on Time or a stock, directly or through other auxiliaries
    dynamic: dict[str, bool] = {}

    def is_dynamic(py: str, stack: tuple[str, ...] = ()) -> bool:
        if py in dynamic:
            return dynamic[py]
        v = by_ident[py]
        if v.kind in ("constant", "initial"):
            result = False
        elif v.kind == "stock":
            result = True
        else:
            if py in stack:
                raise ModelFormatError(f"circular equations: {' -> '.join(stack + (py,))}")
            result = v.uses_time or any(is_dynamic(d, stack + (py,)) for d in v.deps)
        dynamic[py] = result
        return result

    for py in by_ident:
        is_dynamic(py)
    dyn_aux = [py for py, v in by_ident.items() if v.kind == "aux" and dynamic[py]]
    dynamic_order = _toposort(dyn_aux, lambda py: [d for d in by_ident[py].deps
                                                   if by_ident[d].kind == "aux"], by_ident)

    # initialisation: stocks' initial values, INITIALs and constant auxiliaries, with what
    # they need, evaluated at the initial time with the stocks at their initial values
    def init_deps(py: str) -> list[str]:
        v = by_ident[py]
        deps = v.init_deps if v.kind == "stock" else v.deps
        return [d for d in deps if by_ident[d].kind != "constant"]

    wanted = [py for py, v in by_ident.items()
              if v.kind in ("stock", "initial") or (v.kind == "aux" and not dynamic[py])]
    needed: dict[str, None] = {}
    todo = list(wanted)
    while todo:
        py = todo.pop()
        if py in needed:
            continue
        needed[py] = None
        todo.extend(init_deps(py))
    init_order = _toposort([py for py in by_ident if py in needed], init_deps, by_ident)
    return _Plan(
        version=model_version(text),
        variables=ordered,
        parameters=[py for py, v in by_ident.items() if v.kind == "constant"],
        init_order=init_order,
        dynamic_order=dynamic_order,
        stocks=[py for py, v in by_ident.items() if v.kind == "stock"],
        lookups=lookups,
    )


def _toposort(
    nodes: list[str], deps: Callable[[str], Iterable[str]], by_ident: Mapping[str, _Var]
) -> list[str]:
    """Depth-first topological order, ties broken by model-file order; cycles are errors."""
    inside = set(nodes)
    done: dict[str, None] = {}
    state: dict[str, int] = {}

    def visit(py: str, path: tuple[str, ...]) -> None:
        if state.get(py) == 2:
            return
        if state.get(py) == 1:
            names = [by_ident[p].name for p in path[path.index(py):]] + [by_ident[py].name]
            raise ModelFormatError(f"circular equations: {' -> '.join(names)}")
        state[py] = 1
        for d in deps(py):
            if d in inside:
                visit(d, path + (py,))
        state[py] = 2
        done[py] = None

    for py in nodes:
        visit(py, ())
    return list(done)


# -- code generation ------------------------------------------------------------------------------


def _generate(plan: _Plan, key: str) -> str:
    """Return the source of the generated module (all three dialects)."""
    v = {_ident_key(x): x for x in plan.variables}
    lines = [
        f'"""Generated by slack_sim.engine from slack.mdl version {plan.version}. Do not edit."""',
        "",
        "import math",
        "",
        "import numpy as np",
        "",
        f"MODEL_VERSION = {plan.version!r}",
        f"CODEGEN_KEY = {key!r}",
        f"SMALL = {SMALL_VENSIM!r}",
        f"N_PARAMETERS = {len(plan.parameters)}",
        f"VARIABLES = {[x.name for x in plan.variables]!r}",
        f"PARAMETERS = {[v[p].name for p in plan.parameters]!r}",
        f"DEFAULTS = {[v[p].value for p in plan.parameters]!r}",
        f"DYNAMIC = {[v[p].name for p in _recorded_dynamic(plan)]!r}",
        f"STATIC = {[v[p].name for p in _recorded_static(plan)]!r}",
        "",
        "try:",
        "    import numba",
        "except ImportError:  # pure numpy fallback",
        "    numba = None",
        "",
        "",
        "def _zidz(a, b):",
        "    return 0.0 if abs(b) < SMALL else a / b",
        "",
        "",
        "def _xidz(a, b, x):",
        "    return x if abs(b) < SMALL else a / b",
        "",
        "",
        "def _zidz_v(a, b):",
        "    return np.where(np.abs(b) < SMALL, 0.0, np.divide(a, b))",
        "",
        "",
        "def _xidz_v(a, b, x):",
        "    return np.where(np.abs(b) < SMALL, x, np.divide(a, b))",
        "",
    ]
    for k, (xs, ys) in enumerate(plan.lookups):
        lines += ["", f"_LX_{k} = np.array({xs!r})", f"_LY_{k} = np.array({ys!r})", "", "",
                  f"def _lookup_{k}(x):", "    # np.interp: linear, flat outside the table",
                  "    if x != x:", "        return x", f"    if x <= {xs[0]!r}:",
                  f"        return {ys[0]!r}"]
        for j in range(len(xs) - 1):
            dx = xs[j + 1] - xs[j]
            if dx == 0:
                continue
            slope = (ys[j + 1] - ys[j]) / dx
            lines += [f"    if x < {xs[j + 1]!r}:",
                      f"        return {slope!r} * (x - {xs[j]!r}) + {ys[j]!r}"]
        lines += [f"    return {ys[-1]!r}", ""]
        # the same, branch-free (selects vectorise across scenario lanes)
        lines += ["", f"def _lookup_sel_{k}(x):", f"    y = {ys[0]!r}"]
        for j in range(len(xs) - 1):
            dx = xs[j + 1] - xs[j]
            if dx == 0:
                continue
            slope = (ys[j + 1] - ys[j]) / dx
            lines += [f"    y = {slope!r} * (x - {xs[j]!r}) + {ys[j]!r} if x >= {xs[j]!r} else y"]
        lines += [f"    y = {ys[-1]!r} if x >= {xs[-1]!r} else y", "    return x if x != x else y",
                  ""]
    lines += ["", *_numba_kernel(plan), "", "", *_python_kernel(plan), "", "",
              *_vector_kernel(plan), ""]
    lines += [
        "",
        "if numba is not None:",
        "    _jit = numba.njit(cache=True, error_model='numpy', nogil=True)",
        "    _zidz_nb = _jit(_zidz)",
        "    _xidz_nb = _jit(_xidz)",
    ]
    lines += [f"    _lookup_nb_{k} = _jit(_lookup_sel_{k})" for k in range(len(plan.lookups))]
    lines += [
        "    _init_nb = _jit(_init_nb)",
        "    _step_nb = _jit(_step_nb)",
        "    _step_rec_nb = _jit(_step_rec_nb)",
        "    kernel_numba = _jit(kernel_numba)",
        "",
    ]
    return "\n".join(lines)


def _ident_key(var: _Var) -> str:
    return var.ident[2:]


def _recorded_dynamic(plan: _Plan) -> list[str]:
    """Variables that change over time: stocks and dynamic auxiliaries (recorded per step)."""
    dyn = set(plan.dynamic_order) | set(plan.stocks)
    return [_ident_key(x) for x in plan.variables if _ident_key(x) in dyn]


def _recorded_static(plan: _Plan) -> list[str]:
    dyn = set(_recorded_dynamic(plan))
    return [_ident_key(x) for x in plan.variables if _ident_key(x) not in dyn]


def _init_lines(plan: _Plan, dialect: str, indent: str) -> list[str]:
    v = {_ident_key(x): x for x in plan.variables}
    out = []
    for py in plan.init_order:
        var = v[py]
        code = var.init_expr[dialect] if var.kind == "stock" else var.expr[dialect]
        out.append(f"{indent}{var.ident} = {code}")
    return out


def _step_lines(plan: _Plan, dialect: str, indent: str) -> list[str]:
    v = {_ident_key(x): x for x in plan.variables}
    return [f"{indent}{v[py].ident} = {v[py].expr[dialect]}" for py in plan.dynamic_order]


def _update_lines(plan: _Plan, dialect: str, indent: str) -> list[str]:
    v = {_ident_key(x): x for x in plan.variables}
    out = [f"{indent}d_{py} = {v[py].expr[dialect]}" for py in plan.stocks]
    # PySD: state = state + ddt * dt, all stocks at once
    out += [f"{indent}{v[py].ident} = {v[py].ident} + d_{py} * dt" for py in plan.stocks]
    return out


def _numba_kernel(plan: _Plan) -> list[str]:
    """Init and step functions over a block of ``LANES`` scenarios, and a driver loop.

    Each function is one loop over the block's lanes around the straight-line scalar
    equations (numba compiles straight-line code far faster than a large loop nest).
    The equations are branch-free (conditionals are selects between precomputed
    temporaries) and call-free, so LLVM vectorises the loop across scenarios. Row
    ``k`` of the work array ``W`` holds variable ``k`` (lane ``b`` at ``k * LANES + b``);
    the stocks' state follows in rows ``len(VARIABLES) + j``.
    """
    v = {_ident_key(x): x for x in plan.variables}
    rows = {_ident_key(x): k for k, x in enumerate(plan.variables)}
    state = {py: len(rows) + j for j, py in enumerate(plan.stocks)}
    dyn = set(plan.dynamic_order)
    used: set[str] = set()
    for q in plan.dynamic_order + plan.stocks:
        used |= v[q].deps
    lanes, ind = _LANES, " " * 8
    args = "dt, t0, tf, saveper"

    def at(row: int) -> str:
        return f"W[{row * lanes} + b]"

    lines = [f"def _init_nb(W, P, i0, t, {args}):", f"    for b in range({lanes}):"]
    for j, q in enumerate(plan.parameters):
        lines += [f"{ind}{v[q].ident} = P[i0 + b, {j}]", f"{ind}{at(rows[q])} = {v[q].ident}"]
    for q in plan.init_order:
        var = v[q]
        if var.kind == "stock":
            lines += [f"{ind}{x}" for x in var.init_pre]
            lines += [f"{ind}{var.ident} = {var.init_expr['numba']}",
                      f"{ind}{at(state[q])} = {var.ident}"]
        else:
            lines += [f"{ind}{x}" for x in var.pre]
            lines += [f"{ind}{var.ident} = {var.expr['numba']}"]
        lines += [f"{ind}{at(rows[q])} = {var.ident}"]
    for name, store in (("_step_nb", False), ("_step_rec_nb", True)):
        # two variants: only output steps store every variable's value for recording
        lines += ["", "", f"def {name}(W, t, {args}):", f"    for b in range({lanes}):"]
        for q in v:
            if q in used and q not in dyn and v[q].kind != "stock":
                lines += [f"{ind}{v[q].ident} = {at(rows[q])}"]
        for q in plan.stocks:
            lines += [f"{ind}{v[q].ident} = {at(state[q])}"]
            lines += [f"{ind}{at(rows[q])} = {v[q].ident}"] if store else []
        for q in plan.dynamic_order:
            lines += [f"{ind}{x}" for x in v[q].pre]
            lines += [f"{ind}{v[q].ident} = {v[q].expr['numba']}"]
            lines += [f"{ind}{at(rows[q])} = {v[q].ident}"] if store else []
        # Euler: state = state + ddt * dt, all stocks at once (the rows above keep the
        # values at time t for output; after the last step the new state is unused)
        for q in plan.stocks:
            lines += [f"{ind}{x}" for x in v[q].pre]
            lines += [f"{ind}d_{q} = {v[q].expr['numba']}"]
        lines += [f"{ind}{at(state[q])} = {v[q].ident} + d_{q} * dt" for q in plan.stocks]
    n_rows = len(rows) + len(plan.stocks)
    lines += [
        "",
        "",
        f"def kernel_numba(P, times, rec, rows, out, {args}, start, stop):",
        '    """Run scenarios start..stop-1 of P (rows padded to whole blocks of LANES);',
        '    output k is variable rows[k]."""',
        "    n_steps = times.shape[0] - 1",
        "    n_out = rows.shape[0]",
        f"    W = np.zeros({n_rows * lanes})",
        f"    for i0 in range(start, stop, {lanes}):",
        f"        nb = min({lanes}, stop - i0)",
        f"        _init_nb(W, P, i0, times[0], {args})",
        "        for s in range(n_steps + 1):",
        "            r = rec[s]",
        "            if r < 0:",
        f"                _step_nb(W, times[s], {args})",
        "            else:",
        f"                _step_rec_nb(W, times[s], {args})",
        "                for k in range(n_out):",
        "                    for b in range(nb):",
        f"                        out[k, i0 + b, r] = W[rows[k] * {lanes} + b]",
    ]
    return lines


def _python_kernel(plan: _Plan) -> list[str]:
    v = {_ident_key(x): x for x in plan.variables}
    dyn, static = _recorded_dynamic(plan), _recorded_static(plan)
    head = [
        "def kernel_python(p, times, rec, dt, t0, tf, saveper):",
        '    """Run one scenario; return (rows of DYNAMIC at each output, values of STATIC)."""',
        "    n_steps = len(times) - 1",
        "    rows = []",
    ]
    ind = " " * 4
    body = [f"{ind}({', '.join(v[p].ident for p in plan.parameters)},) = p"]
    body += [f"{ind}t = times[0]"]
    body += _init_lines(plan, "python", ind)
    body += [f"{ind}for s in range(n_steps + 1):", f"{ind}    t = times[s]"]
    body += _step_lines(plan, "python", ind + "    ")
    body += [f"{ind}    if rec[s] >= 0:",
             f"{ind}        rows.append(({', '.join(v[p].ident for p in dyn)},))",
             f"{ind}    if s < n_steps:"]
    body += _update_lines(plan, "python", ind + "        ")
    body += [f"{ind}return rows, ({', '.join(v[p].ident for p in static)},)"]
    return head + body


def _vector_kernel(plan: _Plan) -> list[str]:
    v = {_ident_key(x): x for x in plan.variables}
    dyn, static = _recorded_dynamic(plan), _recorded_static(plan)
    slot = {py: i for i, py in enumerate(x for x in map(_ident_key, plan.variables))}
    ind = " " * 4
    lines = [
        "def kernel_vector(P, times, rec, slots, out, dt, t0, tf, saveper):",
        '    """Run all scenarios as arrays; write variable j to out[slots[j], :, r]."""',
        "    n_steps = len(times) - 1",
        "    PT = np.ascontiguousarray(P.T)",
        "    slots = [int(x) for x in slots]",
    ]
    lines += [f"{ind}{v[p].ident} = PT[{j}]" for j, p in enumerate(plan.parameters)]
    lines += [f"{ind}t = times[0]"]
    lines += _init_lines(plan, "vector", ind)
    lines += [f"{ind}for s in range(n_steps + 1):", f"{ind}    t = times[s]"]
    lines += _step_lines(plan, "vector", ind + "    ")
    lines += [f"{ind}    r = rec[s]", f"{ind}    if r >= 0:"]
    for py in dyn:
        lines += [f"{ind}        if slots[{slot[py]}] >= 0:",
                  f"{ind}            out[slots[{slot[py]}], :, r] = {v[py].ident}"]
    lines += [f"{ind}    if s < n_steps:"]
    lines += _update_lines(plan, "vector", ind + "        ")
    for py in static:
        lines += [f"{ind}if slots[{slot[py]}] >= 0:",
                  f"{ind}    out[slots[{slot[py]}], :, :] = np.reshape({v[py].ident}, (-1, 1))"]
    return lines


# -- the time schedule (as PySD's Time object) ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Schedule:
    """Integration times and output stamps, exactly as PySD steps and records them.

    Attributes
    ----------
    times : numpy.ndarray
        Model time (months) at each integration step, by repeated addition of ``dt``.
    record : numpy.ndarray
        For each step, the output row it is written to, or -1.
    stamps : numpy.ndarray
        Model time of each output row, rounded as PySD rounds its output index.
    time_step, initial_time, final_time, output_step : float
        The run's control values.
    """

    times: np.ndarray
    record: np.ndarray
    stamps: np.ndarray
    time_step: float
    initial_time: float
    final_time: float
    output_step: float

    @property
    def years(self) -> np.ndarray:
        """Output times in decimal years (the index of :func:`~slack_sim.simulate`)."""
        return np.asarray(to_years(self.stamps), dtype=float)


@functools.lru_cache(maxsize=32)
def schedule(
    *,
    initial_time: float,
    time_step: float,
    output_step: float,
    final_time: float,
) -> Schedule:
    """Return the integration and output schedule PySD uses for these control values.

    Parameters
    ----------
    initial_time, time_step, output_step, final_time : float
        Control values in months.

    Returns
    -------
    Schedule
        Step times and the output row of each step (cached: treat as read-only).

    Raises
    ------
    ValueError
        If a step is not positive or the output step is not a multiple of the time step.
    """
    dt, step = float(time_step), float(output_step)
    if not dt > 0 or not step > 0:
        raise ValueError(f"time_step and output_step must be positive, got {dt!r}, {step!r}")
    if abs(step / dt - round(step / dt)) > 1e-9:
        raise ValueError(f"output_step {step} must be a multiple of time_step {dt}")
    t0, tf = float(initial_time), float(final_time)
    n = int(round((tf - t0) / step))
    pending = sorted((t0 + step * np.arange(n + 1)).tolist(), reverse=True)
    nxt = pending.pop() if pending else None
    prec = dt * _RPREC
    times, record, stamps = [t0], [], []
    digits = -int(np.log10(prec))
    t = t0

    def in_return() -> bool:
        nonlocal nxt
        while nxt is not None:
            if abs(t - nxt) <= 1e-8 + prec * abs(nxt):  # np.isclose(t, nxt, rtol=prec)
                nxt = pending.pop() if pending else None
                return True
            if t > nxt:
                nxt = pending.pop() if pending else None
                continue
            return False
        return False

    while t + prec < tf:
        record.append(len(stamps) if in_return() else -1)
        if record[-1] >= 0:
            stamps.append(round(t, digits))
        t = t + dt
        times.append(t)
    record.append(len(stamps) if in_return() else -1)
    if record[-1] >= 0:
        stamps.append(round(t, digits))
    return Schedule(
        times=np.array(times, dtype=float),
        record=np.array(record, dtype=np.int64),
        stamps=np.array(stamps, dtype=float),
        time_step=dt,
        initial_time=t0,
        final_time=tf,
        output_step=step,
    )


# -- compile and load -----------------------------------------------------------------------------


@functools.cache
def _generator_hash() -> str:
    # the generator's own code, its format and the translator it reads (PySD's parser):
    # a change to any of them makes a new cache entry
    from importlib.metadata import version

    source = Path(__file__).read_bytes()
    salt = f"{_CODEGEN_FORMAT}|pysd {version('pysd')}".encode()
    return hashlib.sha256(source + salt).hexdigest()[:12]


class CompiledModel:
    """The model compiled to generated code: run many scenarios at once.

    Use :func:`compile_model` rather than constructing it.

    Attributes
    ----------
    version : str
        The model version (hash of ``slack.mdl``'s equations) it was compiled from.
    variables : list of str
        Every model variable, in model-file order (the columns of
        :func:`~slack_sim.simulate`).
    parameters : list of str
        The constants, in the column order of a parameter matrix.
    defaults : numpy.ndarray
        Their values in the model file.
    path : pathlib.Path
        The generated source file.
    """

    def __init__(self, module: ModuleType, path: Path, model: Model) -> None:
        self._module = module
        self.path = path
        self.model = model
        self.version: str = module.MODEL_VERSION
        self.variables: list[str] = list(module.VARIABLES)
        self.parameters: list[str] = list(module.PARAMETERS)
        self.defaults = np.array(module.DEFAULTS, dtype=float)
        self._param_index = {n: i for i, n in enumerate(self.parameters)}
        self._var_index = {n: i for i, n in enumerate(self.variables)}
        self._dynamic = list(module.DYNAMIC)
        self._static = list(module.STATIC)

    # -- parameters --------------------------------------------------------------------
    def parameter_matrix(self, settings: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Return the (scenarios x parameters) matrix for a list of settings.

        Parameters
        ----------
        settings : sequence of mapping
            Constant values by Vensim name; unnamed constants take their defaults.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(settings), len(parameters))``, float64.
        """
        P = np.tile(self.defaults, (len(settings), 1))
        for i, values in enumerate(settings):
            for name, value in values.items():
                P[i, self._param_index[name]] = value
        return P

    def schedule(
        self,
        *,
        time_step: float | None = None,
        output_step: float | None = None,
        final_time: float | None = None,
    ) -> Schedule:
        """Return the run's schedule, defaulting to the model's control values."""
        m = self.model
        return schedule(
            initial_time=m.initial_time,
            time_step=float(time_step or m.time_step),
            output_step=float(output_step or m.saveper),
            final_time=float(final_time if final_time is not None else m.final_time),
        )

    # -- running -----------------------------------------------------------------------
    def run(
        self,
        P: np.ndarray,
        outputs: Sequence[str],
        *,
        sched: Schedule,
        backend: str = "auto",
    ) -> np.ndarray:
        """Integrate every row of ``P`` and return the requested outputs.

        Parameters
        ----------
        P : numpy.ndarray
            Parameter matrix, shape ``(N, len(parameters))`` (see :meth:`parameter_matrix`).
        outputs : sequence of str
            Variables to keep (only their time series are stored).
        sched : Schedule
            Integration and output times (see :meth:`schedule`).
        backend : str
            ``"auto"``, ``"numba"`` or ``"numpy"`` (see :data:`BACKENDS`).

        Returns
        -------
        numpy.ndarray
            Shape ``(len(outputs), N, len(sched.stamps))``: ``out[k, i, r]`` is output
            ``k`` of scenario ``i`` at output time ``r``.
        """
        P = np.ascontiguousarray(P, dtype=float)
        if P.ndim != 2 or P.shape[1] != len(self.parameters):
            raise ValueError(f"P must have shape (N, {len(self.parameters)}), got {P.shape}")
        unknown = [o for o in outputs if o not in self._var_index]
        if unknown:
            raise ValueError(f"unknown output variable(s): {', '.join(map(repr, unknown))}")
        slots = np.full(len(self.variables), -1, dtype=np.int64)
        for k, name in enumerate(outputs):
            slots[self._var_index[name]] = k
        n, r = P.shape[0], len(sched.stamps)
        out = np.empty((len(outputs), n, r), dtype=float)
        if n == 0:
            return out
        args = (sched.time_step, sched.initial_time, sched.final_time, sched.output_step)
        chosen = resolve_backend(backend)
        if chosen == "numba":
            kernel = self._module.kernel_numba
            rows = np.array([self._var_index[o] for o in outputs], dtype=np.int64)
            pad = -n % _LANES
            if pad:  # whole blocks of lanes; the padding lanes are never recorded
                P = np.concatenate([P, np.repeat(P[-1:], pad, axis=0)])
            chunks = _chunks(n, _threads(n))
            if len(chunks) == 1:
                kernel(P, sched.times, sched.record, rows, out, *args, 0, n)
            else:  # the kernel releases the GIL: one chunk of scenarios per core
                with ThreadPoolExecutor(len(chunks)) as pool:
                    futures = [pool.submit(kernel, P, sched.times, sched.record, rows, out,
                                           *args, a, b) for a, b in chunks]
                    for f in futures:
                        f.result()
        elif n <= SCALAR_PYTHON_MAX:
            self._run_python(P, outputs, sched, out)
        else:
            with np.errstate(all="ignore"):
                self._module.kernel_vector(P, sched.times, sched.record, slots, out, *args)
        return out

    def _run_python(
        self, P: np.ndarray, outputs: Sequence[str], sched: Schedule, out: np.ndarray
    ) -> None:
        dyn = {n: j for j, n in enumerate(self._dynamic)}
        sta = {n: j for j, n in enumerate(self._static)}
        times, rec = sched.times.tolist(), sched.record.tolist()
        args = (sched.time_step, sched.initial_time, sched.final_time, sched.output_step)
        for i, row in enumerate(P.tolist()):
            rows, static = self._module.kernel_python(row, times, rec, *args)
            table = np.array(rows, dtype=float).reshape(len(rows), len(self._dynamic))
            for k, name in enumerate(outputs):
                if name in dyn:
                    out[k, i, :] = table[:, dyn[name]]
                else:
                    out[k, i, :] = static[sta[name]]

    def warm_up(self, *, backend: str = "auto") -> None:
        """Compile (or load from numba's cache) the kernel by running one short scenario."""
        sched = self.schedule(final_time=self.model.initial_time + self.model.saveper)
        self.run(self.defaults[None, :], self.variables[:1], sched=sched, backend=backend)


def _threads(n: int) -> int:
    env = os.environ.get("SLACK_SIM_THREADS")
    cores = int(env) if env else len(os.sched_getaffinity(0)) if hasattr(
        os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, n // _MIN_PER_THREAD))


def _chunks(n: int, parts: int) -> list[tuple[int, int]]:
    # edges on whole blocks of lanes, so no block is split between threads
    edges = (np.linspace(0, n, parts + 1) / _LANES).round().astype(int) * _LANES
    edges[-1] = n
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def resolve_backend(backend: str = "auto") -> str:
    """Return the backend to use: ``"numba"`` or ``"numpy"``.

    ``"auto"`` takes the ``SLACK_SIM_BACKEND`` environment variable if set, else numba
    when installed, else numpy.

    Raises
    ------
    ValueError
        For an unknown backend, or ``"numba"`` when numba is not installed.
    """
    if backend == "auto":
        backend = os.environ.get("SLACK_SIM_BACKEND", "auto").strip().lower() or "auto"
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "auto":
        return "numba" if numba_available() else "numpy"
    if backend == "numba" and not numba_available():
        raise ValueError("backend 'numba' needs numba installed (pip install numba)")
    return backend


def compile_model(model: Model | None = None, *, cache: bool = True) -> CompiledModel:
    """Compile the model's equations into generated code (cached by the model's hash).

    The generated module lives in ``<cache>/engine-<model version>-<generator hash>/``
    (the cache folder is ``$SLACK_SIM_CACHE`` or ``~/.cache/slack-sim``); numba keeps its
    machine code beside it. A changed model or code generator gives a new folder, so a
    stale cache is never used.

    Parameters
    ----------
    model : Model, optional
        The parsed model (default: :func:`~slack_sim.load_model`).
    cache : bool
        Read and write the on-disk cache (``False`` compiles into a temporary folder).

    Returns
    -------
    CompiledModel

    Raises
    ------
    UnsupportedFunctionError
        If an equation uses a function the engine does not support (the message names
        the function and the variable).
    """
    model = model or load_model()
    key = f"{model.version}-{_generator_hash()}"
    if cache and key in _COMPILED:
        return _COMPILED[key]
    text = Path(model.path).read_text(encoding="utf-8")
    if model_version(text) != model.version:  # the file changed since it was parsed
        model = load_model(model.path)
        text = Path(model.path).read_text(encoding="utf-8")
        if model_version(text) != model.version:
            raise ModelFormatError(f"{model.path} is changing; try again")
        key = f"{model.version}-{_generator_hash()}"
    folder = (cache_dir() if cache else Path(tempfile.mkdtemp(prefix="slack-sim-"))) / (
        f"engine-{key}"
    )
    target = folder / "slack_kernel.py"
    module = _load(target, key) if target.is_file() else None
    if module is None:
        plan = _plan(text, Path(model.path), model)
        source = _generate(plan, key)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(source)
        os.replace(tmp, target)
        module = _load(target, key)
        if module is None:
            raise RuntimeError(f"generated engine {target} failed its version check")
    compiled = CompiledModel(module, target, model)
    if cache:
        _COMPILED[key] = compiled
    return compiled


def _load(path: Path, key: str) -> ModuleType | None:
    name = f"_slack_sim_kernel_{key.replace('-', '_')}"
    if name in sys.modules:
        module = sys.modules[name]
    else:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except SyntaxError:
            return None
        sys.modules[name] = module
    if getattr(module, "CODEGEN_KEY", None) != key:
        sys.modules.pop(name, None)
        return None
    return module


# -- the public entry points ----------------------------------------------------------------------


def run_scenario(
    scenario: Scenario,
    *,
    model: Model,
    time_step: float | None,
    output_step: float | None,
    final_time: float | None,
    backend: str = "auto",
) -> pd.DataFrame:
    """Run one scenario on the compiled engine: the ``"numpy"`` entry of ``ENGINES``.

    Returns
    -------
    pandas.DataFrame
        The same frame as the PySD engine: index ``year``, one column per variable.
    """
    compiled = compile_model(model)
    sched = compiled.schedule(time_step=time_step, output_step=output_step,
                              final_time=final_time)
    P = compiled.parameter_matrix([_profile_base(model, scenario.profile) | dict(scenario.values)])
    out = compiled.run(P, compiled.variables, sched=sched, backend=backend)
    frame = pd.DataFrame(out[:, 0, :].T, columns=list(compiled.variables))
    frame.index = pd.Index(sched.years, name="year")
    return frame


def _profile_base(model: Model, profile: str) -> dict[str, float]:
    """Model defaults overlaid with a profile's values (what Scenario.settings starts from).

    Cached by model version and the profile file's modification time.
    """
    path = models_dir() / "profiles" / f"{profile}.toml"
    key = (model.version, profile, path.stat().st_mtime_ns if path.is_file() else -1)
    if key not in _PROFILE_BASES:
        base = model.defaults()
        base.update(profile_values(profile, model=model))
        _PROFILE_BASES[key] = base
    return dict(_PROFILE_BASES[key])


def _parameters(
    scenarios: Sequence[Scenario] | pd.DataFrame,
    *,
    model: Model,
    compiled: CompiledModel,
    profile: str,
) -> tuple[np.ndarray, pd.Index, list[str]]:
    """Return the parameter matrix, the scenario index and the scenario names."""
    if isinstance(scenarios, pd.DataFrame):
        settable = set(model.settable)
        bad = [c for c in scenarios.columns if c not in settable]
        if bad:
            raise ScenarioError(f"unknown column(s) {bad}: columns must be levers, "
                                "uncertainties, profile inputs or loop switches of the model")
        base = _profile_base(model, profile)
        values = scenarios.to_numpy(dtype=float, copy=False)
        for j, name in enumerate(scenarios.columns):
            col, var = values[:, j], model.variables[name]
            lo = -np.inf if var.minimum is None else var.minimum
            hi = np.inf if var.maximum is None else var.maximum
            bad_rows = np.flatnonzero(~np.isfinite(col) | (col < lo) | (col > hi))
            if bad_rows.size:
                row = scenarios.index[bad_rows[0]]
                raise ScenarioError(f"row {row!r}: {name}: {col[bad_rows[0]]:g} is outside "
                                    f"the allowed range {var.range_text}")
        P = compiled.parameter_matrix([base])
        P = np.repeat(P, len(scenarios), axis=0)
        cols = [compiled.parameters.index(str(c)) for c in scenarios.columns]
        P[:, cols] = values
        return P, scenarios.index.copy(), [str(i) for i in scenarios.index]
    scenarios = list(scenarios)
    bases: dict[str, np.ndarray] = {}
    P = np.empty((len(scenarios), len(compiled.parameters)))
    index_of = {name: j for j, name in enumerate(compiled.parameters)}
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, Scenario):
            raise TypeError(f"expected Scenario objects or a DataFrame, got {type(sc).__name__}")
        if sc.profile not in bases:
            bases[sc.profile] = compiled.parameter_matrix([_profile_base(model, sc.profile)])[0]
        P[i] = bases[sc.profile]
        for name, value in sc.values.items():
            P[i, index_of[name]] = value
    index = pd.RangeIndex(len(scenarios), name="scenario")
    return P, index, [sc.name for sc in scenarios]


def simulate_many(
    scenarios: Sequence[Scenario] | pd.DataFrame,
    outputs: Sequence[str],
    *,
    profile: str = DEFAULT_PROFILE,
    time_step: float | None = None,
    output_step: float | None = None,
    final_time: float | None = None,
    backend: str = "auto",
) -> Any:
    """Run many scenarios in one pass and return the requested outputs as labelled arrays.

    Parameters
    ----------
    scenarios : sequence of Scenario or pandas.DataFrame
        Scenarios to run, or a table of parameter values with one row per scenario and
        one column per settable constant (Vensim names), applied on top of ``profile``.
    outputs : sequence of str
        Model variables to return. Only their time series are kept in memory.
    profile : str
        Calibration profile for a DataFrame of parameters (ignored for Scenario objects,
        which name their own profile).
    time_step, output_step, final_time : float, optional
        As for :func:`~slack_sim.simulate` (default: the model's control values).
    backend : str
        ``"auto"`` (numba if installed, else numpy; ``SLACK_SIM_BACKEND`` overrides),
        ``"numba"`` or ``"numpy"``.

    Returns
    -------
    xarray.Dataset
        One data variable per requested output (named by its Vensim name, with its
        ``units`` as an attribute), each with dimensions ``("scenario", "year")``:
        scenario by time in decimal years. The ``scenario`` coordinate is the
        DataFrame's index, or 0..N-1 for a list of scenarios (their names are in the
        ``name`` coordinate).

    Raises
    ------
    ScenarioError
        For an unknown column or an out-of-range value.
    ValueError
        For an unknown output, backend or inconsistent steps.

    Examples
    --------
    >>> import slack_sim as ss
    >>> ds = ss.simulate_many([ss.preset(p) for p in ss.presets()], ["Crisis queue"])
    >>> ds["Crisis queue"].sel(year=2021.0).to_series()  # doctest: +SKIP
    """
    import xarray as xr

    model = load_model()
    outputs = list(outputs)
    if isinstance(outputs, str) or not outputs:
        raise ValueError("outputs must be a non-empty list of variable names")
    missing = [o for o in outputs if o not in model.variables]
    if missing:
        import difflib

        hints = {o: difflib.get_close_matches(o, list(model.variables), n=1) for o in missing}
        detail = ", ".join(f"{o!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
                           for o, h in hints.items())
        raise ValueError(f"unknown output variable(s): {detail}")
    if len(set(outputs)) != len(outputs):
        raise ValueError("outputs lists a variable twice")
    compiled = compile_model(model)
    sched = compiled.schedule(time_step=time_step, output_step=output_step,
                              final_time=final_time)
    P, index, names = _parameters(scenarios, model=model, compiled=compiled, profile=profile)
    out = compiled.run(P, outputs, sched=sched, backend=backend)
    data = {
        name: xr.Variable(("scenario", "year"), out[k], attrs={"units": model[name].units})
        for k, name in enumerate(outputs)
    }
    coords = {"scenario": index.to_numpy(), "year": sched.years,
              "name": ("scenario", np.array(names, dtype=object))}
    return xr.Dataset(data, coords=coords, attrs={
        "model_version": compiled.version,
        "time_step": sched.time_step,
        "output_step": sched.output_step,
        "backend": resolve_backend(backend),
    })
