"""Plan: which variables change over time, and the order they are evaluated in.

From the translated equations (:func:`slack_sim.engine.translate.translate`) the plan
sorts out constants (the parameter matrix's columns), what is computed once at the
initial time (stocks' initial values, ``INITIAL`` values and auxiliaries that depend on
neither time nor a stock) and what is recomputed every step, each in a topological
order with ties broken by model-file order. Circular equations are an error naming the
cycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

from ..model.variables import Model, ModelFormatError
from .translate import Var, translate

__all__ = ["Plan", "make_plan", "toposort"]


@dataclasses.dataclass(frozen=True)
class Plan:
    """Everything the code generator needs, in evaluation order.

    Attributes
    ----------
    version : str
        The model version.
    variables : list of Var
        Every variable, in model-file order.
    parameters : list of str
        The constants (keys), in parameter-matrix column order.
    init_order, dynamic_order, stocks : list of str
        Keys evaluated at the initial time, at every step, and the stocks.
    lookups : list of (xs, ys)
        The inline lookup tables.
    """

    version: str
    variables: list[Var]
    parameters: list[str]
    init_order: list[str]
    dynamic_order: list[str]
    stocks: list[str]
    lookups: list[tuple[list[float], list[float]]]

    def by_key(self) -> dict[str, Var]:
        """Return the variables by key (PySD name)."""
        return {x.key: x for x in self.variables}

    def recorded_dynamic(self) -> list[str]:
        """Keys that change over time: stocks and dynamic auxiliaries (recorded per step)."""
        dyn = set(self.dynamic_order) | set(self.stocks)
        return [x.key for x in self.variables if x.key in dyn]

    def recorded_static(self) -> list[str]:
        """Keys that keep their initial value (recorded once)."""
        dyn = set(self.recorded_dynamic())
        return [x.key for x in self.variables if x.key not in dyn]


def make_plan(model: Model) -> Plan:
    """Translate the model's equations and order them for evaluation.

    Parameters
    ----------
    model : Model
        The parsed model.

    Returns
    -------
    Plan

    Raises
    ------
    UnsupportedFunctionError
        For an unsupported function (see :mod:`slack_sim.engine.translate`).
    ModelFormatError
        For circular equations.
    """
    variables, lookups = translate(model)
    by_key = {v.key: v for v in variables}

    # dynamic: depends on Time or a stock, directly or through other auxiliaries
    dynamic: dict[str, bool] = {}

    def is_dynamic(key: str, stack: tuple[str, ...] = ()) -> bool:
        if key in dynamic:
            return dynamic[key]
        v = by_key[key]
        if v.kind in ("constant", "initial"):
            result = False
        elif v.kind == "stock":
            result = True
        else:
            if key in stack:
                raise ModelFormatError(f"circular equations: {' -> '.join(stack + (key,))}")
            result = v.uses_time or any(is_dynamic(d, stack + (key,)) for d in v.deps)
        dynamic[key] = result
        return result

    for key in by_key:
        is_dynamic(key)
    dyn_aux = [k for k, v in by_key.items() if v.kind == "aux" and dynamic[k]]
    dynamic_order = toposort(dyn_aux, lambda k: [d for d in by_key[k].deps
                                                 if by_key[d].kind == "aux"], by_key)

    # initialisation: stocks' initial values, INITIALs and constant auxiliaries, with what
    # they need, evaluated at the initial time with the stocks at their initial values
    def init_deps(key: str) -> list[str]:
        v = by_key[key]
        deps = v.init_deps if v.kind == "stock" else v.deps
        return [d for d in deps if by_key[d].kind != "constant"]

    wanted = [k for k, v in by_key.items()
              if v.kind in ("stock", "initial") or (v.kind == "aux" and not dynamic[k])]
    needed: dict[str, None] = {}
    todo = list(wanted)
    while todo:
        key = todo.pop()
        if key in needed:
            continue
        needed[key] = None
        todo.extend(init_deps(key))
    init_order = toposort([k for k in by_key if k in needed], init_deps, by_key)
    return Plan(
        version=model.version,
        variables=variables,
        parameters=[k for k, v in by_key.items() if v.kind == "constant"],
        init_order=init_order,
        dynamic_order=dynamic_order,
        stocks=[k for k, v in by_key.items() if v.kind == "stock"],
        lookups=lookups,
    )


def toposort(
    nodes: list[str], deps: Callable[[str], Iterable[str]], by_key: Mapping[str, Var]
) -> list[str]:
    """Depth-first topological order, ties broken by model-file order; cycles are errors."""
    inside = set(nodes)
    rank = {k: i for i, k in enumerate(by_key)}  # model-file order, so the order is
    done: dict[str, None] = {}  # the same in every process (a set's is not)
    state: dict[str, int] = {}

    def visit(key: str, path: tuple[str, ...]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            names = [by_key[p].name for p in path[path.index(key):]] + [by_key[key].name]
            raise ModelFormatError(f"circular equations: {' -> '.join(names)}")
        state[key] = 1
        for d in sorted(deps(key), key=rank.__getitem__):
            if d in inside:
                visit(d, path + (key,))
        state[key] = 2
        done[key] = None

    for key in nodes:
        visit(key, ())
    return list(done)
