"""Tipping-point maps: recovery time over a grid of two settings, "did not recover" marked.

``tipping_map(scenario, x=("Slack target", [...]), y=("Shock 1 demand surge", [...]))``
runs the scenario at every point of the grid in one batch on the compiled engine and
measures, for each, the recovery of the crisis queue after the main shock with the
definition of :func:`slack_sim.metrics.shock_response` (months from the shock's **end**
until the queue is back to at most 5% above the queue of the same point without the shock,
its no-shock counterfactual, and stays there to the end of the run, or to the next shock;
one-sided: settling lower counts as recovered). A point that never recovers has tipped
into a lasting degraded state. (Model v2's demand grows with the child population and
need, so its queue does not return to the level it had when the shock began even without
one: the counterfactual, not that level, is what recovery returns to.)

Two standard maps (:data:`STANDARD_MAPS`) show "slack enables resilience" on the RB3
experiment (:func:`rb3_scenario`, the ``[experiments.rb3]`` table of
``models/presets.toml``): austerity depth by shock size, and slack target by shock size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..metrics.resilience import RECOVERY_TOLERANCE, main_shock, model_months, shock_rows
from ..model.parse import load_model
from ..scenarios import Scenario, check_value, preset
from ..scenarios import experiment as scenario_experiment
from ..validation import Interval, Options, validate
from .batch import member_settings, no_shock_queue, run_batch
from .chunks import CHUNK_MEMBERS, member_chunks

__all__ = ["RB3_SHOCK", "STANDARD_MAPS", "TippingMap", "check_axis", "rb3_scenario",
           "standard_map", "tipping_map"]



def experiment(name: str) -> dict[str, Any]:
    """Return an experiment of ``models/presets.toml`` (its ``[experiments.<name>]`` table).

    Returns
    -------
    dict
        ``name`` and ``description`` of the scenario, ``base`` (the preset it starts
        from), ``shock`` (the shock's settings) and ``values`` (further settings).
    """
    entry = scenario_experiment(name)
    return {"name": entry.get("name", name), "description": entry.get("description", ""),
            "base": entry.get("base", "baseline"), "shock": dict(entry.get("shock", {})),
            "values": dict(entry.get("values", {}))}


#: The one-year shock of the tipping-point experiment (reference behaviour RB3, notebook 03,
#: the Teach page, the Slack target lever page): from January 2020, 10% of staff off sick, no
#: suppressed presentation, emergency money or collaboration boost. Add a demand surge.
#: Read from ``[experiments.rb3.shock]`` in ``models/presets.toml``.
RB3_SHOCK: dict[str, float] = experiment("rb3")["shock"]

#: The arguments of :func:`tipping_map`, declared once (the axes: :func:`check_axis`).
CONSTRAINTS = {"tolerance": Interval("real", 0, None, units="(share above the pre-shock queue)")}

#: Shock sizes of the standard maps (Shock 1 demand surge, fraction of the usual inflow).
SHOCK_SIZES: tuple[float, ...] = tuple(np.round(np.linspace(0.0, 2.0, 21), 3))
#: The standard maps: name -> (x axis, y axis), each (variable, values).
STANDARD_MAPS: dict[str, tuple[tuple[str, tuple[float, ...]], tuple[str, tuple[float, ...]]]] = {
    "austerity-by-shock": (
        ("Austerity depth", tuple(np.round(np.linspace(0.0, 0.5, 11), 3))),
        ("Shock 1 demand surge", SHOCK_SIZES),
    ),
    "slack-by-shock": (
        ("Slack target", tuple(np.round(np.linspace(0.05, 0.35, 13), 3))),
        ("Shock 1 demand surge", SHOCK_SIZES),
    ),
}


def rb3_scenario(profile: str = "children-services-england-uncalibrated") -> Scenario:
    """Return the RB3 tipping experiment: the no-austerity baseline, a one-year shock in 2020.

    A reference behaviour, so on England's sourced values by default (the profile without
    its calibration, as ``tests/model/test_reference_behaviours.py``); the calibrated
    profile sits further from the tipping point (``docs/technical-reference.md``).

    Read from ``[experiments.rb3]`` in ``models/presets.toml``: Shock 1 starts at month 120
    and lasts 12 months with a capacity loss of 0.1 and no suppressed presentation,
    emergency funding or collaboration boost, demand surge 0.6, as in
    ``tests/model/test_reference_behaviours.py``. On model v2, recovery judged against the
    no-shock counterfactual (failure demand at its evidenced strength): at a slack target
    of 0.15 a demand surge of 0.6 recovers and 1.5 does not; the smallest surge that does
    not recover is about 0.7 at 0.10, 1.4 at 0.15 and 1.8 at 0.20.
    """
    spec = experiment("rb3")
    return preset(spec["base"], profile=profile).with_values(
        {**spec["shock"], **spec["values"]}, name=spec["name"],
        description=spec["description"])


@dataclasses.dataclass(frozen=True)
class TippingMap:
    """Recovery time over a grid of two settings.

    Attributes
    ----------
    x, y : str
        The settings on the axes (Vensim names).
    recovery : pandas.DataFrame
        Months from the shock's end to recovery; index the ``y`` values, columns the ``x``
        values; ``nan`` where the service did not recover.
    recovered : pandas.DataFrame
        Same shape, ``True`` where it recovered.
    table : pandas.DataFrame
        Tidy: one row per grid point with ``x``, ``y`` values, ``recovery_months``,
        ``recovered``, ``peak_crisis_queue``, ``final_crisis_queue_ratio`` (the queue at the
        end of the run relative to its pre-shock level) and ``final_to_no_shock_ratio``
        (relative to the same point's queue without the shock).
    scenario : Scenario
        The scenario the grid varies.
    seconds : float
        Time taken.
    """

    x: str
    y: str
    recovery: pd.DataFrame
    recovered: pd.DataFrame
    table: pd.DataFrame
    scenario: Scenario
    seconds: float

    def threshold(self) -> pd.Series:
        """Return, for each ``x`` value, the smallest ``y`` value that did not recover.

        Returns
        -------
        pandas.Series
            Indexed by the ``x`` values; ``nan`` where every ``y`` recovered. With ``y`` a
            shock size this is the tipping threshold; RB3 says it rises with slack.
        """
        out = {}
        for xv in self.recovered.columns:
            failed = self.recovered.index[~self.recovered[xv].to_numpy(dtype=bool)]
            out[xv] = float(failed.min()) if len(failed) else np.nan
        return pd.Series(out, name=f"smallest {self.y} that did not recover").rename_axis(
            self.x)


def check_axis(
    name: str,
    values: Sequence[float],
    *,
    name_label: str = "x axis",
    values_label: str = "x axis",
) -> np.ndarray:
    """Check one axis of a tipping map and return its values.

    Parameters
    ----------
    name : str
        A lever, uncertainty, profile input or loop switch of the model.
    values : sequence of float
        The values to try: at least one, each finite, inside the model's declared range and
        given once.
    name_label, values_label : str
        How the messages name the setting and its values (:func:`tipping_map` uses
        ``"x axis"``; the command line ``"--x"`` and ``"--x-values"``).

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        Naming the label, the variable, the value given, the allowed range and the units
        (a :class:`~slack_sim.ScenarioError` for an unknown name or a value out of range).
    """
    model = load_model()
    try:
        items = list(values)
    except TypeError:
        raise ValueError(f"{values_label}: expected a list of numbers, got {values!r}") from None
    if not items:
        raise ValueError(f"{values_label}: give at least one value for {name!r}")
    if name not in model.settable:
        check_value(model, name, 0.0, where=name_label)  # raises: not a setting
    checked = [check_value(model, name, v, where=values_label) for v in items]
    seen: set[float] = set()
    for v in checked:
        if v in seen:
            raise ValueError(f"{values_label}: {name} {v:g} is given more than once; give each "
                             "value once")
        seen.add(v)
    return np.asarray(checked, dtype=float)


def _axis(spec: Any, label: str) -> tuple[str, np.ndarray]:
    try:
        name, values = spec
    except (TypeError, ValueError):
        raise ValueError(f"{label} must be (variable name, values)") from None
    name = str(name)
    return name, check_axis(name, values, name_label=f"{label} axis",
                            values_label=f"{label} axis")


def tipping_map(
    scenario: Scenario,
    *,
    x: tuple[str, Sequence[float]],
    y: tuple[str, Sequence[float]],
    tolerance: float = RECOVERY_TOLERANCE,
    progress: Callable[[int, int], None] | None = None,
) -> TippingMap:
    r"""Return recovery time after the main shock over a grid of two settings.

    Parameters
    ----------
    scenario : Scenario
        The scenario varied; it must have a shock (a ``Shock n length`` above 0), or one
        of the axes must give it one.
    x, y : (str, sequence of float)
        A lever or uncertainty by its Vensim name and the values to try, e.g.
        ``("Slack target", [0.05, 0.1, ...])`` and ``("Shock 1 demand surge", [...])``.
        Values are checked against the model's ranges (:func:`check_axis`).
    tolerance : float
        Recovery band above the no-shock counterfactual queue (default 5%, as in
        :func:`slack_sim.metrics.shock_response`).
    progress : callable, optional
        Called as ``progress(done, points)`` after each chunk of grid points
        (:func:`~slack_sim.analysis.chunks.member_chunks`); the map is the same, bit
        for bit, as one batch over every point.

    Returns
    -------
    TippingMap
        ``recovery`` (y by x, months; ``nan`` did not recover), ``recovered``,
        ``table`` and :meth:`TippingMap.threshold`.

    Notes
    -----
    Recovery :math:`r` is the first month after the shock's end :math:`e` from which
    :math:`q(t) \le (1 + \text{tolerance})\,q_0(t)` for every :math:`t` up to the window
    end, with :math:`q_0` the crisis queue of the same grid point without the shock (its
    length 0; :func:`~slack_sim.analysis.batch.no_shock_queue`); ``recovery`` holds
    :math:`r - e`. Known answer (RB3, :func:`rb3_scenario`, model v2): at a slack target of
    0.15 a demand surge of 0.6 recovers and 1.5 does not; at 0.10, 1.0 does not recover
    and at 0.20 it does.
    """
    import time

    t0 = time.perf_counter()
    validate({"tolerance": tolerance}, CONSTRAINTS)
    xname, xs = _axis(x, "x")
    yname, ys = _axis(y, "y")
    if xname == yname:
        raise ValueError(f"x and y must be different settings, both are {xname!r}")
    grid_x, grid_y = np.meshgrid(xs, ys)
    samples = pd.DataFrame({xname: grid_x.ravel(), yname: grid_y.ravel()})
    number, start, length, window = main_shock(member_settings(scenario, samples))
    if not (number > 0).any():
        raise ValueError("the scenario has no shock to recover from: give Shock 1 length > 0")
    queues, references = [], []
    for part in member_chunks(len(samples), CHUNK_MEMBERS):
        chunk = samples.iloc[part]
        run = run_batch(scenario, chunk, outputs=["Crisis queue"], outcomes=False)
        queues.append(np.asarray(run.data["Crisis queue"].values, dtype=float))
        references.append(no_shock_queue(scenario, chunk, run.settings))
        if progress is not None:
            progress(part.stop, len(samples))
    queue, reference = np.concatenate(queues), np.concatenate(references)
    shock = shock_rows(queue, model_months(run.data["year"].values), start=start,
                       length=length, window_end=window, tolerance=tolerance,
                       reference=reference)
    rec, pre = shock["recovery_months"], shock["pre_shock_level"]
    table = samples.copy()
    table["recovery_months"] = rec
    table["recovered"] = ~np.isnan(rec)
    table["peak_crisis_queue"] = queue.max(axis=1)
    table["final_crisis_queue_ratio"] = queue[:, -1] / pre
    table["final_to_no_shock_ratio"] = queue[:, -1] / reference[:, -1]
    recovery = pd.DataFrame(rec.reshape(grid_x.shape), index=pd.Index(ys, name=yname),
                            columns=pd.Index(xs, name=xname))
    return TippingMap(
        x=xname, y=yname, recovery=recovery, recovered=recovery.notna(), table=table,
        scenario=scenario, seconds=time.perf_counter() - t0,
    )


def standard_map(name: str, scenario: Scenario | None = None) -> TippingMap:
    """Return one of the :data:`STANDARD_MAPS` on a scenario (default :func:`rb3_scenario`).

    Parameters
    ----------
    name : str
        ``"austerity-by-shock"`` or ``"slack-by-shock"``.
    scenario : Scenario, optional
        The scenario varied (default the RB3 experiment).

    Returns
    -------
    TippingMap
    """
    validate({"name": name}, {"name": Options(tuple(STANDARD_MAPS))})
    x, y = STANDARD_MAPS[name]
    return tipping_map(scenario or rb3_scenario(), x=x, y=y)
