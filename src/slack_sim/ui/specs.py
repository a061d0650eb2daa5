"""Slider specifications read from the model: nothing here is typed twice.

Every slider's range, default, step, units and help text come from ``models/slack.mdl``
through :func:`slack_sim.load_model`; only the order in which the assumption groups are
shown is set here (and a test checks it covers every group in the model).
"""

from __future__ import annotations

import dataclasses
import math

from ..model.calendar import model_month_text
from ..model.parse import Model

__all__ = [
    "ASSUMPTION_GROUP_ORDER",
    "EFFECT_SIZES",
    "SliderSpec",
    "assumption_groups",
    "lever_specs",
    "slider_spec",
    "switch_names",
    "units_text",
]

#: Order of the assumption (uncertainty) groups in the sidebar; groups the model adds
#: later are appended in model order.
ASSUMPTION_GROUP_ORDER = ("Austerity", "Shock 1", "Shock 2", "Need", "Effect sizes")

#: The group of effect sizes (many sliders, shown on request).
EFFECT_SIZES = "Effect sizes"

_UNIT_WORDS = {
    "Dmnl": "",
    "Month": "months",
    "1/Year": "per year",
    "1/Month": "per month",
    # v2 counts children (Person) and money for the profile's whole population
    "Person": "children",
    "Person/Year": "children a year",
    "Person/Month": "children a month",
    "GBP/Year": "GBP a year",
    "GBP/Month": "GBP a month",
    "GBP/(Person*Year)": "GBP per child a year",
    "GBP/Person": "GBP per child",
    "GBP/(FTE*Year)": "GBP per FTE a year",
}


def units_text(units: str) -> str:
    """Return model units as words for a label (``"Month"`` -> ``"months"``, Dmnl -> ``""``).

    Parameters
    ----------
    units : str
        Vensim units.

    Returns
    -------
    str
        Plain words, or the units unchanged when there is no plain form.
    """
    return _UNIT_WORDS.get(units, units)


@dataclasses.dataclass(frozen=True)
class SliderSpec:
    """Everything a slider needs, from one model constant.

    Attributes
    ----------
    name : str
        Vensim name (also the scenario key).
    key : str
        Streamlit widget key (``"var:" + name``).
    label : str
        Name with its units in words.
    minimum, maximum, step, default : float
        Declared range, step and model default.
    units : str
        Vensim units.
    format : str
        printf-style format with as many decimals as the step needs.
    help : str
        Definition, units, range, default and source.
    group : str
        Sidebar group.
    """

    name: str
    key: str
    label: str
    minimum: float
    maximum: float
    step: float
    default: float
    units: str
    format: str
    help: str
    group: str


def _decimals(step: float) -> int:
    if step >= 1 and float(step).is_integer():
        return 0
    text = f"{step:.10f}".rstrip("0")
    return max(1, len(text.split(".")[1])) if "." in text else 0


def slider_spec(model: Model, name: str) -> SliderSpec:
    """Return the slider specification of one lever, uncertainty or switch.

    Parameters
    ----------
    model : Model
        The parsed model.
    name : str
        Vensim name of a constant with a declared range.

    Returns
    -------
    SliderSpec

    Raises
    ------
    ValueError
        If the constant has no finite range or no default.
    """
    var = model[name]
    if var.minimum is None or var.maximum is None or var.default is None:
        raise ValueError(f"{name}: a slider needs a declared [min, max] and a default")
    step = var.step if var.step else (var.maximum - var.minimum) / 100.0
    decimals = _decimals(step)
    words = units_text(var.units)
    label = f"{name} ({words})" if words else name
    unit_note = var.units + (" (dimensionless)" if var.units == "Dmnl" else "")
    help_text = (
        f"{var.definition}\n\nUnits: {unit_note}. Range {var.minimum:g} to {var.maximum:g}, "
        f"step {step:g}; model default {var.default:g}.\n\nSource: {var.source or 'not given'}"
    )
    if math.isclose(var.maximum, model.final_time) and var.units == "Month":
        help_text += (f"\n\nMonth 0 is {model_month_text(0)}; month 120 is "
                      f"{model_month_text(120)}.")
    return SliderSpec(
        name=name,
        key=f"var:{name}",
        label=label,
        minimum=float(var.minimum),
        maximum=float(var.maximum),
        step=float(step),
        default=float(var.default),
        units=var.units,
        format=f"%.{decimals}f",
        help=help_text,
        group=var.group or var.sector,
    )


def lever_specs(model: Model) -> list[SliderSpec]:
    """Return the sliders of the levers (policies), in model order."""
    return [slider_spec(model, n) for n in model.levers]


def assumption_groups(model: Model) -> dict[str, list[SliderSpec]]:
    """Return the uncertainty sliders grouped by their model ``Group``.

    Returns
    -------
    dict of str to list of SliderSpec
        Groups in :data:`ASSUMPTION_GROUP_ORDER`, then any other group in model order.
    """
    groups: dict[str, list[SliderSpec]] = {g: [] for g in ASSUMPTION_GROUP_ORDER}
    for name in model.uncertainties:
        spec = slider_spec(model, name)
        groups.setdefault(spec.group, []).append(spec)
    return {g: specs for g, specs in groups.items() if specs}


def switch_names(model: Model) -> list[str]:
    """Return the loop switches (on/off constants for teaching), in model order."""
    return model.names(role="switch")
