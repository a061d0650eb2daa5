"""One setting of a scenario: its name checked against the model, its value against its range.

The constraint of every settable constant is its Vensim ``[min, max]`` range and units, read
from ``models/slack.mdl``; the check and its message are those of :mod:`slack_sim.validation`.
"""

from __future__ import annotations

import difflib
import numbers
from typing import Any

from ..model import SETTABLE_ROLES, Model, Variable
from ..validation import Given, Interval, ValidationError, given_text

__all__ = ["SWITCH_VALUES", "ScenarioError", "ScenarioVersionWarning", "check_value",
           "constraint"]

#: The values a loop switch takes: off and on.
SWITCH_VALUES = (0.0, 1.0)


class ScenarioError(ValidationError):
    """A scenario setting is unknown, out of range or malformed."""


class ScenarioVersionWarning(UserWarning):
    """A scenario file was written for a different version of the model."""


def constraint(var: Variable) -> Interval:
    """Return the declared range of a settable constant as a validation ``Interval``."""
    return Interval("real", var.minimum, var.maximum, units=var.units)


def check_value(model: Model, name: str, value: Any, *, where: str = "") -> float:
    """Return ``value`` as a float after checking the name, the type and the range.

    Parameters
    ----------
    model : Model
        The parsed model (names, ranges, units).
    name : str
        A lever, uncertainty, profile input or loop switch, by its Vensim name.
    value : float
        The value given (text holding a number is read as that number).
    where : str
        Prefix of the message, e.g. ``"profile generic"``.

    Returns
    -------
    float

    Raises
    ------
    ScenarioError
        Naming the variable, the value given, the allowed range and the units; for a
        loop switch, anything but 0 and 1.
    """
    prefix = f"{where}: " if where else ""
    if name not in model.variables or model.variables[name].role not in SETTABLE_ROLES:
        close = difflib.get_close_matches(str(name), model.settable, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(
            f"{prefix}unknown variable {name!r}: not a lever, uncertainty, profile input or "
            f"loop switch of the model{hint} (see 'slack-sim doc')"
        )
    var = model.variables[name]
    if isinstance(value, str):  # text from a command line or a form: ASCII digits only
        try:
            value = Given(value)
        except ValueError:
            pass
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise ScenarioError(f"{prefix}{name}: expected a number in {var.range_text}, "
                            f"got {value!r}")
    try:
        checked = constraint(var).check(value, f"{prefix}{name}")
    except ValidationError as exc:
        raise ScenarioError(str(exc)) from None
    if var.role == "switch" and checked not in SWITCH_VALUES:
        # a loop switch is on or off: the CLI once ran 0.37 as 0.37, the app as 0
        raise ScenarioError(f"{prefix}{name}: expected 0 (loop off) or 1 (loop on), got "
                            f"{given_text(value)}")
    return checked
