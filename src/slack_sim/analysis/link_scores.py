"""Link scores of the Loops that Matter method, on a run recorded at every integration step.

Loops that Matter (LTM; Schoenberg, Davidsen and Eberlein 2020, *System Dynamics Review*
36(2); Eberlein and Schoenberg 2020) measures, at every time step of a run, how much of
the change in each variable each of its causes accounts for: its *link scores*.

Nothing here retypes an equation. Each variable's equation is the compiled engine's own
vector code (:func:`slack_sim.engine.translate.translate`, evaluated in the generated
module's namespace), fed with the values of a run of the same engine recorded at every
integration step. For a link ``x -> z`` with ``z = f(x, y, ...)``:

``LS(x -> z) = |Δx z / Δz| * sign(Δx z / Δx)``

where ``Δz = z(t) - z(t - dt)`` and ``Δx z = f(x(t), y(t - dt), ...) - z(t - dt)`` is the
change in ``z`` had only ``x`` moved (0 when ``z`` does not move). For a flow ``f`` into
or out of a stock ``S`` (sign ``s``), ``LS(f -> S) = s * |Δf / ΔN|`` with ``N`` the
stock's net flow. A link's polarity is the sign of the partial derivative along the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.parse import load_model
from ..model.variables import Model
from ..scenarios import Scenario
from .loop_paths import causal_graph

__all__ = ["PERTURBATIONS", "STILL", "link_polarities", "loop_run"]

#: Relative change below which a variable counts as not moving in a step (floating-point
#: noise around an equilibrium would otherwise give link scores of noise over noise).
STILL = 1e-10

#: Relative perturbations for a link's polarity (the sign of the partial derivative): the
#: smallest first; a larger one only where a link is inactive all along the run (a MIN or
#: MAX on its other side), to find the sign it has where it is active.
PERTURBATIONS = (1e-6, 1e-2, 0.1, 0.5, 0.9, 0.99)


class _Equations:
    """The compiled engine's vector code of each equation, evaluated on whole runs."""

    def __init__(self, model: Model) -> None:
        from ..engine.compiled import compile_model
        from ..engine.translate import translate

        compiled = compile_model(model)
        # the generated module's helpers (ZIDZ, XIDZ, the lookup tables): its namespace
        self.namespace = dict(vars(compiled._module))
        translated, _ = translate(model)
        self.ident = {v.name: v.ident for v in translated}
        self.code = {v.name: compile(v.expr["vector"], f"<{v.name}>", "eval")
                     for v in translated if v.kind in ("aux", "stock")}

    def evaluate(self, name: str, values: Mapping[str, Any]) -> np.ndarray:
        """Evaluate ``name``'s equation (a stock: its net flow) on arrays of values."""
        with np.errstate(all="ignore"):
            return np.asarray(eval(self.code[name], self.namespace, dict(values)), dtype=float)  # noqa: S307


_EQUATIONS: dict[tuple[str, str], _Equations] = {}


def _equations(model: Model) -> _Equations:
    key = (str(model.path), model.version)
    if key not in _EQUATIONS:
        _EQUATIONS[key] = _Equations(model)
    return _EQUATIONS[key]


def loop_run(scenario: Scenario | None = None, *, model: Model | None = None,
             settings: Mapping[str, float] | None = None, backend: str = "auto"
             ) -> pd.DataFrame:
    """Run the compiled engine and record every variable at every integration step.

    Parameters
    ----------
    scenario : Scenario, optional
        For ``slack.mdl`` (default: the default preset).
    model : Model, optional
        The model (default: ``slack.mdl``); another model is run with ``settings``.
    settings : mapping, optional
        Constants by name for a model other than ``slack.mdl`` (default: its values).
    backend : str
        The engine's backend (``"auto"``, ``"numba"``, ``"numpy"``).

    Returns
    -------
    pandas.DataFrame
        Index: model time in months; one column per variable.
    """
    from ..engine.compiled import compile_model
    from ..engine.inputs import scenario_row

    model = model or load_model()
    compiled = compile_model(model)
    sched = compiled.schedule(output_step=model.time_step)
    if scenario is None and settings is None and model.path == load_model().path:
        from ..scenarios import preset

        scenario = preset()
    if scenario is not None:
        p = scenario_row(scenario, model=model, compiled=compiled)
    else:
        p = compiled.parameter_matrix([dict(settings or {})])[0]
    block = compiled.run_one(p, sched=sched, backend=backend)
    return pd.DataFrame(block, index=pd.Index(sched.stamps, name="month"),
                        columns=compiled.columns)


def _values(eq: _Equations, run: pd.DataFrame, rows: slice) -> dict[str, Any]:
    months = run.index.to_numpy(dtype=float)
    out: dict[str, Any] = {eq.ident[n]: run[n].to_numpy()[rows] for n in run.columns
                           if n in eq.ident}
    dt = float(months[1] - months[0]) if len(months) > 1 else 1.0
    out.update(t=months[rows], dt=dt, t0=float(months[0]), tf=float(months[-1]), saveper=dt)
    return out


def link_polarities(model: Model, run: pd.DataFrame,
                    graph: Mapping[str, Sequence[str]] | None = None, *,
                    extra: Iterable[tuple[str, str]] = ()) -> dict[tuple[str, str], int]:
    """Return each link's polarity: the sign of the partial derivative along the run.

    The effect's equation is evaluated with the cause nudged up and down (by the first of
    :data:`PERTURBATIONS` of its size) and everything else as it was, at every step of
    the run; the polarity is the sign the difference takes most often where it is not
    zero. A link inactive all along the run at that size (the other side of a ``MIN``
    binds) is tried with the next, larger nudge; 0 means it never acts (switched off). A
    flow's link to its stock has the sign it has in the stock's equation.

    Parameters
    ----------
    model : Model
        The parsed model.
    run : pandas.DataFrame
        A run from :func:`loop_run`.
    graph : mapping, optional
        The causal graph (default: :func:`causal_graph`).
    extra : iterable of (str, str)
        More links to sign, e.g. from a lever (a constant) to the variables it appears in.

    Returns
    -------
    dict of (str, str) to int
        +1, -1 or 0 for every link of the graph and of ``extra``.
    """
    graph = graph if graph is not None else causal_graph(model)
    eq = _equations(model)
    base = _values(eq, run, slice(None))
    out: dict[tuple[str, str], int] = {}
    links: dict[str, list[str]] = {c: list(e) for c, e in graph.items()}
    for cause, effect in extra:
        if effect not in links.setdefault(cause, []):
            links[cause].append(effect)
    for cause, effects in links.items():
        x = run[cause].to_numpy()
        size = np.maximum(np.abs(x), max(float(np.max(np.abs(x))) * 1e-3, 1e-9))
        for effect in effects:
            if model[effect].kind == "stock":  # a flow's sign; 0 for its initial value
                out[(cause, effect)] = dict(model.stock_flows[effect]).get(cause, 0)
                continue
            out[(cause, effect)] = 0
            for step in PERTURBATIONS:
                up, down = dict(base), dict(base)
                up[eq.ident[cause]] = x + step * size
                down[eq.ident[cause]] = x - step * size
                diff = np.sign(eq.evaluate(effect, up) - eq.evaluate(effect, down))
                diff = diff[np.isfinite(diff) & (diff != 0)]
                if diff.size:
                    out[(cause, effect)] = int(np.sign(diff.sum()))
                    break
    return out


def _link_scores(model: Model, run: pd.DataFrame, links: Iterable[tuple[str, str]]
                 ) -> dict[tuple[str, str], np.ndarray]:
    eq = _equations(model)
    prev = _values(eq, run, slice(None, -1))
    out: dict[tuple[str, str], np.ndarray] = {}
    net: dict[str, np.ndarray] = {}
    for cause, effect in dict.fromkeys(links):
        var = model[effect]
        with np.errstate(all="ignore"):
            if var.kind == "stock":
                flows = model.stock_flows[effect]
                if effect not in net:
                    net[effect] = sum(s * run[f].to_numpy() for f, s in flows)  # type: ignore[assignment]
                dn = np.diff(net[effect])
                df = np.diff(run[cause].to_numpy())
                still = np.abs(dn) <= STILL * max(float(np.max(np.abs(net[effect]))), 1e-300)
                score = dict(flows)[cause] * np.abs(df / np.where(still, 1.0, dn))
            else:
                z = run[effect].to_numpy()
                x = run[cause].to_numpy()
                dz, dx = np.diff(z), np.diff(x)
                moved = dict(prev)
                moved[eq.ident[cause]] = x[1:]
                dxz = eq.evaluate(effect, moved) - z[:-1]
                still = np.abs(dz) <= STILL * max(float(np.max(np.abs(z))), 1e-300)
                score = np.abs(dxz / np.where(still, 1.0, dz)) * np.sign(dxz * dx)
        out[(cause, effect)] = np.where(still | ~np.isfinite(score), 0.0, score)
    return out
