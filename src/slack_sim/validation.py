"""Constraints declared once, checked one way, reported in one message format.

In the spirit of scikit-learn's ``utils/_param_validation`` (``Interval``,
``validate_params``): a function declares the allowed values of its arguments as data
and :func:`validate` (or the :func:`validate_params` decorator) checks them. Every
message has the same shape, naming the field, the value *as given*, what is allowed and
the units::

    Austerity depth: 7 is outside the allowed range [0, 0.6] fraction
    seed: expected a whole number of at least 0, got -1
    engine: expected one of 'compiled', 'pysd', got 'fortran'

This module depends on nothing else in the package, so every stage (scenarios, engine,
analysis, the command line and the app) uses it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

__all__ = [
    "Given",
    "Interval",
    "Options",
    "ValidationError",
    "given_text",
    "number",
    "out_of_range",
    "problems",
    "validate",
    "validate_params",
    "wrong_value",
]

F = TypeVar("F", bound=Callable[..., Any])


class ValidationError(ValueError):
    """A value is not allowed; the message names the field, the value, the range and units."""


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)",
                          re.IGNORECASE | re.ASCII)


class Given(float):
    """A number read from text that remembers the text, so messages show it as typed."""

    text: str

    def __new__(cls, text: str) -> Given:
        """Read ``text`` (ASCII digits only: ``"０.３"`` is refused) as a number."""
        stripped = str(text).strip()
        if not _NUMBER_TEXT.fullmatch(stripped):
            raise ValueError(f"{text!r} is not a number")
        value = super().__new__(cls, stripped)
        value.text = stripped
        return value


def number(text: str) -> float:
    """Return the number written in ``text`` (ASCII digits, sign, point, exponent).

    Raises
    ------
    ValueError
        For anything else (full-width digits, commas, words): argparse reports it as an
        invalid value of the option.
    """
    return Given(text)


def given_text(value: Any) -> str:
    """Return a value as the user gave it: ``0.5000001`` stays ``0.5000001``, text quoted.

    Parameters
    ----------
    value : object
        The value given.

    Returns
    -------
    str
        ``repr`` for text and most objects, the shortest round-trip form for floats,
        digits for integers (long ones shortened so a message stays one line).
    """
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, Given):
        return value.text
    if isinstance(value, numbers.Integral):
        text = str(int(value))
        return text if len(text) <= 24 else f"{text[:10]}...({len(text)} digits)"
    if isinstance(value, numbers.Real):
        value = float(value)  # numpy floats print as plain numbers
        if not math.isfinite(value):
            return str(value)
        text = repr(value)  # the shortest text that reads back as the same number
        return text[:-2] if text.endswith(".0") else text
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def out_of_range(field: str, value: Any, allowed: str) -> str:
    """Return the message for a number outside its range: ``field: value is outside ...``."""
    return f"{field}: {given_text(value)} is outside the allowed range {allowed}".rstrip()


def wrong_value(field: str, value: Any, expected: str) -> str:
    """Return the message for a value of the wrong kind: ``field: expected ..., got value``."""
    return f"{field}: expected {expected}, got {given_text(value)}"


def _num(x: float, grouping: bool = True) -> str:
    return f"{x:,}" if grouping and isinstance(x, int) and abs(x) >= 1_000 else f"{x:g}"


def _real(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


@dataclasses.dataclass(frozen=True)
class Interval:
    """Numbers between two bounds, e.g. ``Interval("real", 0, 0.6, units="fraction")``.

    Parameters
    ----------
    kind : {"real", "integer"}
        Any finite number, or a whole number (``bool`` is neither).
    low, high : float or None
        Bounds; ``None`` is unbounded on that side.
    closed : {"both", "left", "right", "neither"}
        Which bounds are allowed values.
    units : str
        Units named in the message.
    optional : bool
        Whether ``None`` (meaning "not set", e.g. no cap) is allowed.
    grouping : bool
        Write bounds of 1,000 and more with thousands separators (not for years).
    """

    kind: Literal["real", "integer"]
    low: float | None = None
    high: float | None = None
    closed: Literal["both", "left", "right", "neither"] = "both"
    units: str = ""
    optional: bool = False
    grouping: bool = True

    def allowed(self) -> str:
        """Return what is allowed in words, e.g. ``"[0, 0.6] fraction"``."""
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        units = f" {self.units}" if self.units else ""
        none = " (or none)" if self.optional else ""
        g = self.grouping
        if self.kind == "integer":
            if self.low is not None and self.high is not None:
                text = f"a whole number from {_num(self.low, g)} to {_num(self.high, g)}"
            elif self.low is not None:
                text = f"a whole number of at least {_num(self.low, g)}"
            elif self.high is not None:
                text = f"a whole number of at most {_num(self.high, g)}"
            else:
                text = "a whole number"
            return text + units + none
        if self.low is None and self.high is None:
            return "a finite number" + units + none
        lo = "-inf" if self.low is None else _num(self.low, g)
        hi = "inf" if self.high is None else _num(self.high, g)
        brackets = ("[" if lo_in and self.low is not None else "(") + lo + ", " + hi + (
            "]" if hi_in and self.high is not None else ")")
        return brackets + units + none

    def inside(self, x: float) -> bool:
        """Return whether the finite number ``x`` lies inside the bounds."""
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and (x < self.low or (x == self.low and not lo_in)):
            return False
        return not (self.high is not None and (x > self.high or (x == self.high and not hi_in)))

    def check(self, value: Any, field: str) -> Any:
        """Return ``value`` (a float for ``"real"``) if allowed, else raise.

        Raises
        ------
        ValidationError
            In the one message format (field, value given, allowed range, units).
        """
        if value is None and self.optional:
            return None
        if self.kind == "integer":
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                shown = Given(repr(float(value))) if isinstance(value, float) else value
                raise ValidationError(wrong_value(field, shown, self.allowed()))
            if not self.inside(int(value)):
                raise ValidationError(wrong_value(field, value, self.allowed()))
            return int(value)
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            if not self.inside(int(value)):  # exact: a 400-digit integer is no overflow
                raise ValidationError(out_of_range(field, value, self.allowed()))
            return float(value)
        x = _real(value)
        if x is None:
            raise ValidationError(wrong_value(field, value, self.allowed()))
        if not math.isfinite(x):
            raise ValidationError(wrong_value(field, value, self.allowed())
                                  + " (not a finite number)")
        if not self.inside(x):
            raise ValidationError(out_of_range(field, value, self.allowed()))
        return x


@dataclasses.dataclass(frozen=True)
class Options:
    """One of a fixed set of values, e.g. ``Options(("compiled", "pysd"))``."""

    values: tuple[Any, ...]
    units: str = ""

    def allowed(self) -> str:
        """Return ``"one of 'a', 'b'"``."""
        return "one of " + ", ".join(repr(v) for v in self.values) + (
            f" {self.units}" if self.units else "")

    def check(self, value: Any, field: str) -> Any:
        """Return ``value`` if it is one of the options, else raise :class:`ValidationError`."""
        ok = any(value == v and type(value) is type(v) or (
            isinstance(v, float) and _real(value) == v) for v in self.values)
        if not ok:
            raise ValidationError(wrong_value(field, value, self.allowed()))
        return value


Constraint = Interval | Options


def validate(
    values: Mapping[str, Any],
    constraints: Mapping[str, Constraint],
    *,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check every value against its constraint and return the checked values.

    Parameters
    ----------
    values : mapping
        Field name to value.
    constraints : mapping
        Field name to :class:`Interval` or :class:`Options`; fields without one pass.
    labels : mapping, optional
        The name each field has in messages (e.g. ``{"seed": "--seed"}``).

    Returns
    -------
    dict
        The values, converted (floats for real intervals).

    Raises
    ------
    ValidationError
        On the first value that is not allowed.
    """
    found = problems(values, constraints, labels=labels)
    if found:
        raise ValidationError(found[0])
    return {k: (constraints[k].check(v, k) if k in constraints else v) for k, v in values.items()}


def problems(
    values: Mapping[str, Any],
    constraints: Mapping[str, Constraint],
    *,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """Return one message per value that breaks its constraint (empty: all fine)."""
    labels = labels or {}
    out = []
    for key, value in values.items():
        if key in constraints:
            try:
                constraints[key].check(value, labels.get(key, key))
            except ValidationError as exc:
                out.append(str(exc))
    return out


def validate_params(constraints: Mapping[str, Constraint]) -> Callable[[F], F]:
    """Decorate a function so its named arguments are checked on every call.

    Parameters
    ----------
    constraints : mapping
        Argument name to :class:`Interval` or :class:`Options`.

    Returns
    -------
    callable
        The decorator; the wrapped function raises :class:`ValidationError` before it runs.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        unknown = set(constraints) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{func.__name__} has no argument(s) {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            validate({k: bound.arguments[k] for k in constraints}, constraints)
            return func(*args, **kwargs)

        wrapper.__validation__ = dict(constraints)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate

