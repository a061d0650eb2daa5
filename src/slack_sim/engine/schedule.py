"""The time schedule: integration steps and output stamps exactly as PySD's ``Time``.

Time advances by repeated addition of ``dt`` (not ``t0 + k * dt``) and a step is written
to the output when it is within PySD's relative precision of a return time stamp, so the
compiled engine steps and records at the very same floating-point times as PySD.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ..model.calendar import to_years

__all__ = ["RPREC", "Schedule", "schedule"]

#: PySD's relative precision for time comparisons (``components.Time.rprec``).
RPREC = 1e-5


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
    start_year : float
        Decimal year of model time 0 (the model's origin).
    """

    times: np.ndarray
    record: np.ndarray
    stamps: np.ndarray
    time_step: float
    initial_time: float
    final_time: float
    output_step: float
    start_year: float

    @functools.cached_property
    def years(self) -> np.ndarray:
        """Output times in decimal years (the values of :attr:`year_index`; read-only)."""
        years = np.asarray(to_years(self.stamps, start=self.start_year), dtype=float)
        years.setflags(write=False)
        return years

    @functools.cached_property
    def year_index(self) -> pd.Index:
        """The output times as the (shared, immutable) index of :func:`~slack_sim.simulate`."""
        return pd.Index(self.years.copy(), name="year")


@functools.lru_cache(maxsize=32)
def schedule(
    *,
    initial_time: float,
    time_step: float,
    output_step: float,
    final_time: float,
    start_year: float,
) -> Schedule:
    """Return the integration and output schedule PySD uses for these control values.

    Parameters
    ----------
    initial_time, time_step, output_step, final_time : float
        Control values in months.
    start_year : float
        Decimal year of model time 0 (for :attr:`Schedule.years`).

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
    prec = dt * RPREC
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
        start_year=float(start_year),
    )
