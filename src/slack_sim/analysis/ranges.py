"""The ranges an ensemble samples, and the draws.

Every uncertainty is sampled over the *plausible* range the model file gives for it (the
``Plausible: [lo, hi]`` tag of its comment, with the reason; ``Variable.plausible_minimum``
and ``Variable.plausible_maximum``; see ``docs/uncertainty.md``), narrower than its
declared (slider) range; levers over their declared range. :func:`sample` draws a Latin
hypercube (or independent uniform draws) over them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..model.parse import Model, load_model
from ..scenarios import ScenarioError
from ..validation import Interval, Options, validate_params

__all__ = ["DEFAULT_GROUPS", "SAMPLING", "default_parameters", "ranges_markdown", "sample",
           "uncertainty_ranges"]

#: Uncertainty groups sampled when no parameters are named.
DEFAULT_GROUPS: tuple[str, ...] = ("Effect sizes",)
#: The arguments of the draws, declared once (:func:`sample` and :func:`ensemble`).
SAMPLING = {
    "n": Interval("integer", 1, None, units="members"),
    "seed": Interval("integer", 0, None, optional=True),
    "method": Options(("lhs", "random")),
}



def default_parameters(
    groups: Sequence[str] = DEFAULT_GROUPS, *, model: Model | None = None
) -> list[str]:
    """Return the uncertainties in the given groups, in model-file order.

    Parameters
    ----------
    groups : sequence of str
        Uncertainty groups (``"Effect sizes"``, ``"Need"``, ``"Austerity"``,
        ``"Shock 1"``, ``"Shock 2"``).
    model : Model, optional
        The parsed model (default :func:`~slack_sim.load_model`).

    Returns
    -------
    list of str
    """
    model = model or load_model()
    known = {model[n].group for n in model.uncertainties}
    unknown = [g for g in groups if g not in known]
    if unknown:
        raise ValueError(f"unknown uncertainty group(s) {unknown}; choose from {sorted(known)}")
    return [n for n in model.uncertainties if model[n].group in set(groups)]


def uncertainty_ranges(
    parameters: Sequence[str] | None = None,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    model: Model | None = None,
) -> pd.DataFrame:
    """Return the sampling range of each parameter: its plausible range or an override.

    Uncertainties are sampled over the plausible range the model file states for them
    (narrower than the declared slider range, which also admits extreme-condition tests);
    levers, which have no plausible range, over their declared range.

    Parameters
    ----------
    parameters : sequence of str, optional
        Uncertainties (or levers) to sample; default :func:`default_parameters`.
    ranges : mapping of str to (float, float), optional
        Narrower ranges by name. Each must lie inside the model's declared range
        (``lo == hi`` fixes the parameter). A name not in ``parameters`` is added.
    model : Model, optional
        The parsed model.

    Returns
    -------
    pandas.DataFrame
        Indexed by name; columns ``group``, ``units``, ``default``, ``minimum``,
        ``maximum`` (the range sampled), ``declared_minimum``, ``declared_maximum``,
        ``source``, ``range_source`` (why the plausible range).

    Raises
    ------
    ScenarioError
        For an unknown name, a constant the model leaves open-ended, or an override outside
        the declared range.
    """
    model = model or load_model()
    names = list(parameters) if parameters is not None else default_parameters(model=model)
    ranges = dict(ranges or {})
    names += [n for n in ranges if n not in names]
    rows = []
    for name in names:
        if name not in model.variables or model[name].role not in ("uncertainty", "lever"):
            raise ScenarioError(f"{name!r} is not an uncertainty or lever of the model")
        var = model[name]
        if var.minimum is None or var.maximum is None:
            raise ScenarioError(f"{name}: the model declares no finite range to sample")
        plausible = (var.plausible_minimum, var.plausible_maximum)
        default_range = plausible if None not in plausible else (var.minimum, var.maximum)
        lo, hi = ranges.get(name, default_range)
        lo, hi = float(lo), float(hi)
        if not (var.minimum <= lo <= hi <= var.maximum):
            raise ScenarioError(
                f"{name}: range [{lo:g}, {hi:g}] must satisfy min <= lo <= hi <= max inside "
                f"the declared range {var.range_text}"
            )
        rows.append({
            "name": name, "group": var.group, "units": var.units, "default": var.default,
            "minimum": lo, "maximum": hi, "declared_minimum": var.minimum,
            "declared_maximum": var.maximum, "source": var.source,
            "range_source": var.plausible_note if name not in ranges else "set by the user",
        })
    if not rows:
        raise ValueError("no parameters to sample")
    return pd.DataFrame(rows).set_index("name")


def ranges_markdown(*, model: Model | None = None) -> str:
    """Return the Markdown tables of ``docs/uncertainty.md``: every uncertainty's range.

    One table per uncertainty group (Effect sizes first, the group sampled by default),
    with each constant's default, the range sampled (its plausible range) and why, the
    declared range (the slider's limits), units and the default's source, all read from
    the model file. ``tests/test_uncertainty.py`` checks the
    document holds the current text.
    """
    model = model or load_model()
    order = ["Effect sizes", "Need", "Austerity", "Shock 1", "Shock 2"]
    groups = order + sorted({model[n].group for n in model.uncertainties} - set(order))
    lines: list[str] = []
    for group in groups:
        names = [n for n in model.uncertainties if model[n].group == group]
        if not names:
            continue
        when = "sampled by default" if group in DEFAULT_GROUPS else "sampled on request"
        lines += ["", f"### {group} ({len(names)}; {when})", "",
                  "| name | default | range sampled | why that range | declared range "
                  "| units | source of the default |",
                  "|---|---:|---|---|---|---|---|"]
        for name in names:
            v = model[name]
            source = v.source.replace("|", "/")
            why = v.plausible_note.replace("|", "/")
            sampled = (f"[{v.plausible_minimum:g}, {v.plausible_maximum:g}]"
                       if v.plausible_minimum is not None else "declared range")
            lines.append(f"| {name} | {v.default:g} | {sampled} | {why} | "
                         f"[{v.minimum:g}, {v.maximum:g}] | {v.units} | {source} |")
    return "\n".join(lines).strip() + "\n"


@validate_params(SAMPLING)
def sample(
    table: pd.DataFrame,
    *,
    n: int,
    seed: int | None = 0,
    method: Literal["lhs", "random"] = "lhs",
) -> pd.DataFrame:
    """Draw ``n`` samples uniform over each parameter's range.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`uncertainty_ranges` (columns ``minimum`` and ``maximum``).
    n : int
        Number of draws.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same draws.
    method : {"lhs", "random"}
        ``"lhs"``: Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`, each
        parameter's range cut into ``n`` equal strata, one draw in each, strata paired
        at random); ``"random"``: independent uniform draws.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows (index ``member`` 0..n-1), one column per parameter.

    Notes
    -----
    A draw is ``lo + u (hi - lo)`` with ``u`` in ``[0, 1)``: the sample mean of each
    parameter tends to ``(lo + hi) / 2`` and, for LHS, every stratum of width
    ``(hi - lo) / n`` holds exactly one draw (McKay, Beckman and Conover 1979).

    References
    ----------
    McKay, M. D., Beckman, R. J. and Conover, W. J. (1979). A comparison of three methods
    for selecting values of input variables in the analysis of output from a computer code.
    *Technometrics* 21(2), 239-245.
    """
    from scipy.stats import qmc

    n, d = int(n), len(table)
    rng = np.random.default_rng(seed)
    if method == "lhs":
        u = qmc.LatinHypercube(d, rng=rng).random(n)
    else:
        u = rng.random((n, d))
    lo = table["minimum"].to_numpy(dtype=float)
    hi = table["maximum"].to_numpy(dtype=float)
    values = np.minimum(lo + u * (hi - lo), hi)
    return pd.DataFrame(values, columns=list(table.index),
                        index=pd.RangeIndex(n, name="member"))
