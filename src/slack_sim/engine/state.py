"""Runs that go on from a kept state: every scenario's stocks at an integration step.

Euler's state is the stocks alone (every other variable is recomputed from them and the
constants at each step), so a batch can keep its scenarios' stocks at a step
(:class:`RunState`) and another batch can go on from there: the same numbers, bit for
bit, as its own runs from the initial time, whenever its constants differ from the
keeping run's only in what has had no effect before that step. The no-shock
counterfactuals of recovery use it (:func:`slack_sim.analysis.batch.no_shock_queue`): a
shock's length does nothing before its start, so they skip the years before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .schedule import Schedule

__all__ = ["RunState", "run_state", "state_step"]


@dataclasses.dataclass(frozen=True)
class RunState:
    """Every scenario's stocks at the start of one integration step of a batch.

    Kept by :func:`simulate_many` (``keep_state=``) and given back to it
    (``from_state=``) to go on from there (numba only; see
    :meth:`slack_sim.engine.compiled.CompiledModel.run_state`).

    Attributes
    ----------
    step : int
        The integration step (index into the schedule's times).
    time : float
        Its model time, months.
    stocks : tuple of str
        The stocks, in the columns' order.
    values : numpy.ndarray
        Scenarios x stocks.
    before : int
        Output times before the step (a run from the state leaves them ``nan``).
    """

    step: int
    time: float
    stocks: tuple[str, ...]
    values: np.ndarray
    before: int

    def take(self, rows: np.ndarray) -> RunState:
        """Return the state of some scenarios (``rows``: their positions), in that order."""
        return dataclasses.replace(self, values=self.values[np.asarray(rows, dtype=int)])


def state_step(sched: Schedule, time: float) -> int:
    """Return the last integration step whose time is at or before ``time`` (months), or 0."""
    return max(0, int(np.searchsorted(sched.times, float(time), side="right")) - 1)


def run_state(
    compiled: Any,
    P: np.ndarray,
    outputs: Sequence[str],
    *,
    sched: Schedule,
    begin: int = 0,
    state: np.ndarray | None = None,
    keep: int | None = None,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Run from a state at an integration step, and keep the state at another.

    ``compiled`` is a :class:`~slack_sim.engine.compiled.CompiledModel`
    (:meth:`~slack_sim.engine.compiled.CompiledModel.run_state` checks its backend). The
    restartable form of its ``run`` (numba only): the same numbers, bit for bit,
    as :meth:`run` from the initial time when ``state`` is the state of the same
    scenarios at step ``begin`` (kept by a run of the same constants). A run whose
    constants differ from the keeping run's only in what has had no effect before
    step ``begin`` (a shock's length, before its start) goes on as its own run from
    the initial time would, saving the steps before ``begin``.

    Parameters
    ----------
    compiled : CompiledModel
        The compiled model.
    P : numpy.ndarray
        Parameter matrix, shape ``(N, len(parameters))``.
    outputs : sequence of str
        Variables to keep.
    sched : Schedule
        Integration and output times.
    begin : int
        Integration step to start from (index into ``sched.times``; 0: the initial
        time, ``state`` unused).
    state : numpy.ndarray, optional
        Shape ``(N, len(stocks))``: each scenario's stocks (:attr:`stocks`) at the
        start of step ``begin`` (needed when ``begin > 0``).
    keep : int, optional
        Integration step whose starting state to return (``None``: none).
    threads : int, optional
        As for :meth:`run`.

    Returns
    -------
    out : numpy.ndarray
        Shape ``(len(outputs), N, len(sched.stamps))``; output times before step
        ``begin`` are ``nan``.
    kept : numpy.ndarray or None
        Shape ``(N, len(stocks))``: the stocks at the start of step ``keep``.

    Raises
    ------
    ValueError
        For a step outside the schedule, or a state of the wrong
        shape.
    """
    P = np.ascontiguousarray(P, dtype=float)
    if P.ndim != 2 or P.shape[1] != len(compiled.parameters):
        raise ValueError(f"P must have shape (N, {len(compiled.parameters)}), got {P.shape}")
    n, n_steps, n_stocks = P.shape[0], len(sched.times), len(compiled._module.STOCKS)
    for name, step in (("begin", begin), ("keep", keep)):
        if step is not None and not 0 <= int(step) < n_steps:
            raise ValueError(f"{name} must be an integration step in [0, {n_steps - 1}], "
                             f"got {step}")
    if begin > 0:
        if state is None or np.shape(state) != (n, n_stocks):
            raise ValueError(f"state must have shape ({n}, {n_stocks}) to begin at step "
                             f"{begin}, got {None if state is None else np.shape(state)}")
        state_in = np.ascontiguousarray(state, dtype=float)
    else:
        state_in = np.zeros((1, n_stocks))
    rows = compiled._rows(tuple(outputs))
    out = np.empty((len(rows), n, len(sched.stamps)), dtype=float)
    kept = np.full((n, n_stocks), np.nan) if keep is not None else np.zeros((1, n_stocks))
    if n:
        compiled._run_blocks(compiled._module.kernel_numba_state, P, rows, out, sched, threads,
                         (int(begin), state_in, -1 if keep is None else int(keep), kept))
    return out, (kept if keep is not None else None)
