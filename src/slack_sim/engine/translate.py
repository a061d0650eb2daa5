"""Translate: PySD's abstract syntax of each equation -> code in three dialects.

The model's equations come from :attr:`slack_sim.model.Model.elements` (PySD's own
Vensim translator, run once by :func:`slack_sim.model.load_model`). Each expression node
is turned into code by the builder registered for its type in
:attr:`Translator.builders`, as PySD's ``ASTVisitor._builders``; a node type without a
builder is an unsupported construct, reported with the variable that uses it.

The dialects are ``numba`` (scalar, branch-free: conditionals are selects between
temporaries, so LLVM vectorises across scenario lanes), ``python`` (scalar, for the
plain interpreter) and ``vector`` (numpy arrays over scenarios). See
:mod:`slack_sim.engine.codegen`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from ..model.parse import py_name
from ..model.variables import CONTROL_VARIABLES, Model, ModelFormatError
from .support import DIALECTS, SMALL_VENSIM, SUPPORTED_FUNCTIONS, UnsupportedFunctionError

__all__ = [
    "DIALECTS",
    "SMALL_VENSIM",
    "SUPPORTED_FUNCTIONS",
    "Translator",
    "UnsupportedFunctionError",
    "Var",
    "translate",
]

_CALLS = {"if_then_else": 3, "min": 2, "max": 2, "zidz": 2, "xidz": 3, "sqrt": 1, "exp": 1}
_COMPARE = {"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITH = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "**"}
_CONTROL_REFS = {"time": "t", "time_step": "dt", "initial_time": "t0", "final_time": "tf",
                 "saveper": "saveper"}
#: Names, in messages, of PySD structures the compiler has no builder for.
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
    "IntegStructure": "INTEG nested inside an expression",
    "InitialStructure": "INITIAL nested inside an expression",
}
_NUMBERS = (bool, np.bool_, int, float, np.integer, np.floating)

Code = dict[str, str]  # dialect -> code


@dataclasses.dataclass
class Var:
    """One model variable translated: its kind, code per dialect and dependencies."""

    name: str
    ident: str
    kind: str  # "constant", "aux", "stock", "initial"
    expr: Code = dataclasses.field(default_factory=dict)
    deps: set[str] = dataclasses.field(default_factory=set)
    init_expr: Code = dataclasses.field(default_factory=dict)  # stocks only
    init_deps: set[str] = dataclasses.field(default_factory=set)
    pre: list[str] = dataclasses.field(default_factory=list)  # numba temporaries for expr
    init_pre: list[str] = dataclasses.field(default_factory=list)
    value: float = math.nan  # constants only
    uses_time: bool = False

    @property
    def key(self) -> str:
        """PySD's name of the variable (``crisis_queue``), the key of the plan's tables."""
        return self.ident[2:]


def same(code: str) -> Code:
    """Return the same code for every dialect."""
    return dict.fromkeys(DIALECTS, code)


def _truth(node: Any, code: str) -> str:
    """Scalar truth value as a bool (PySD's np.logical_and returns bools, not operands)."""
    if isinstance(node, ae.LogicStructure):
        return code
    return f"({code} != 0.0)"


class Translator:
    """Turn one equation's abstract syntax into code for the three dialects.

    Parameters
    ----------
    variable : str
        The variable whose equation is translated (named in error messages).
    idents : mapping
        PySD name -> identifier in the generated code, for every model variable.
    lookups : list
        The model's inline lookup tables; tables met here are appended.
    """

    #: Node type -> name of the method that builds its code (PySD's ``_builders``).
    builders: ClassVar[dict[type, str]] = {
        **dict.fromkeys(_NUMBERS, "_number"),
        ae.ReferenceStructure: "_reference",
        ae.ArithmeticStructure: "_arithmetic",
        ae.LogicStructure: "_logic",
        ae.CallStructure: "_call",
        ae.InlineLookupsStructure: "_lookup",
    }

    def __init__(self, variable: str, idents: Mapping[str, str], lookups: list[Any]) -> None:
        self.variable = variable
        self.idents = idents
        self.lookups = lookups
        self.deps: set[str] = set()
        self.uses_time = False
        self.pre: list[str] = []  # numba dialect: temporaries computed before the value
        self.prefix = re.sub(r"\W+", "_", variable.lower()).strip("_")[:24]

    def tmp(self, code: str) -> str:
        """Hoist ``code`` into a temporary (numba dialect), so selects stay branch-free."""
        name = f"_t{len(self.pre)}_{self.prefix}"
        self.pre.append(f"{name} = {code}")
        return name

    def fail(self, what: str) -> UnsupportedFunctionError:
        """Return the error naming the unsupported construct and the variable."""
        return UnsupportedFunctionError(
            f"variable {self.variable!r} uses {what}, which the compiled engine does not "
            f"support (supported: {', '.join(SUPPORTED_FUNCTIONS)}); see docs/engine.md"
        )

    def code(self, node: Any) -> Code:
        """Return ``{dialect: code}`` for an expression node."""
        builder = self.builders.get(type(node))
        if builder is None:
            name = type(node).__name__
            raise self.fail(_STRUCTURE_FUNCTIONS.get(name, f"the construct {name}"))
        method: Callable[[Any], Code] = getattr(self, builder)
        return method(node)

    def _number(self, node: Any) -> Code:
        value = float(node)
        if not math.isfinite(value):
            raise self.fail(f"the non-finite number {value}")
        return same(repr(value))

    def _reference(self, node: ae.ReferenceStructure) -> Code:
        if node.subscripts:
            raise self.fail("subscripts")
        ref = node.reference
        if ref in _CONTROL_REFS:
            self.uses_time |= ref == "time"
            return same(_CONTROL_REFS[ref])
        if ref not in self.idents:
            raise UnsupportedFunctionError(
                f"variable {self.variable!r} refers to {ref!r}, which is not a model variable"
            )
        self.deps.add(ref)
        return same(self.idents[ref])

    def _arithmetic(self, node: ae.ArithmeticStructure) -> Code:
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
        for d in DIALECTS:
            text = args[0][d]
            for op, arg in zip(ops, args[1:], strict=True):
                text += f" {_ARITH[op]} {arg[d]}"
            out[d] = f"({text})"
        return out

    def _logic(self, node: ae.LogicStructure) -> Code:
        ops, raw = list(node.operators), list(node.arguments)
        args = [self.code(a) for a in raw]
        if len(ops) == 1 and ops[0] in _COMPARE and len(args) == 2:
            return {d: f"({args[0][d]} {_COMPARE[ops[0]]} {args[1][d]})" for d in DIALECTS}
        if ops and all(op == ":AND:" for op in ops) and len(args) == len(ops) + 1:
            # PySD nests from the right: a :AND: (b :AND: c)
            out = {}
            for d in DIALECTS:
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

    def _call(self, node: ae.CallStructure) -> Code:
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

    def _lookup(self, node: ae.InlineLookupsStructure) -> Code:
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


def _element(el: Any, idents: Mapping[str, str], lookups: list[Any]) -> Var:
    """Translate one model element (a top-level equation) into a :class:`Var`."""
    if len(el.components) != 1 or el.components[0].subscripts[0]:
        raise UnsupportedFunctionError(f"variable {el.name!r} uses subscripts or several "
                                       "equations, which the compiled engine does not support")
    ast = el.components[0].ast
    var = Var(name=el.name, ident=idents[py_name(el.name)], kind="aux")
    tr = Translator(el.name, idents, lookups)
    if isinstance(ast, _NUMBERS) and not isinstance(ast, (bool, np.bool_)):
        var.kind, var.value = "constant", float(ast)
        return var
    if isinstance(ast, ae.IntegStructure):
        if getattr(ast, "non_negative", False):
            raise tr.fail("a non-negative INTEG")
        var.kind, body = "stock", ast.flow
    elif isinstance(ast, ae.InitialStructure):
        var.kind, body = "initial", ast.initial
    else:
        body = ast
    var.expr = tr.code(body)
    var.deps, var.pre = set(tr.deps), tr.pre
    var.uses_time = tr.uses_time and var.kind == "aux"
    if var.kind == "stock":  # after the rate, so lookup tables keep their numbers
        ti = Translator(el.name + " (initial)", idents, lookups)
        var.init_expr = ti.code(ast.initial)
        var.init_deps, var.init_pre = set(ti.deps), ti.pre
    return var


def translate(model: Model) -> tuple[list[Var], list[tuple[list[float], list[float]]]]:
    """Translate every model variable's equation, from the model's one parse.

    Parameters
    ----------
    model : Model
        The parsed model (its ``elements`` hold PySD's abstract syntax).

    Returns
    -------
    variables : list of Var
        In model-file order (control variables excluded).
    lookups : list of (xs, ys)
        The inline lookup tables, in the order their code refers to them.

    Raises
    ------
    UnsupportedFunctionError
        For a function or construct without a builder (named with its variable).
    """
    elements = [el for el in model.elements if el.name not in CONTROL_VARIABLES]
    if not elements:
        raise ModelFormatError(f"{model.path}: the parsed model holds no equations")
    idents = {py_name(el.name): f"v_{py_name(el.name)}" for el in elements}
    lookups: list[tuple[list[float], list[float]]] = []
    return [_element(el, idents, lookups) for el in elements], lookups
