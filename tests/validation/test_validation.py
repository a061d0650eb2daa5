"""The one validation mechanism: constraints as data, one message format."""

import math

import pytest

from slack_sim.validation import (
    Interval,
    Options,
    ValidationError,
    given_text,
    problems,
    validate,
    validate_params,
)


def test_interval_accepts_inside_and_converts():
    assert Interval("real", 0, 1).check(1, "share") == 1.0
    assert isinstance(Interval("real", 0, 1).check(1, "share"), float)
    assert Interval("integer", 1, 10).check(3, "n") == 3


@pytest.mark.parametrize(
    ("constraint", "value", "message"),
    [
        (Interval("real", 0.02, 0.5, units="Dmnl"), 0.5000001,
         "Slack target: 0.5000001 is outside the allowed range [0.02, 0.5] Dmnl"),
        (Interval("real", 0, None, closed="neither", units="months"), 0,
         "Slack target: 0 is outside the allowed range (0, inf) months"),
        (Interval("integer", 0, None), -1,
         "Slack target: expected a whole number of at least 0, got -1"),
        (Interval("integer", 1, 1000), 2.0,
         "Slack target: expected a whole number from 1 to 1,000, got 2.0"),
        (Interval("real", 0, 1), "0.3", "Slack target: expected [0, 1], got '0.3'"),
        (Interval("real", 0, 1), True, "Slack target: expected [0, 1], got True"),
        (Interval("real", 0, 1), math.inf,
         "Slack target: expected [0, 1], got inf (not a finite number)"),
        (Options(("compiled", "pysd")), "fortran",
         "Slack target: expected one of 'compiled', 'pysd', got 'fortran'"),
    ],
)
def test_one_message_format(constraint, value, message):
    with pytest.raises(ValidationError) as err:
        constraint.check(value, "Slack target")
    assert str(err.value) == message


def test_bounds_closed_and_open():
    closed = Interval("real", 0, 1)
    assert closed.inside(0) and closed.inside(1)
    half = Interval("real", 0, 1, closed="right")
    assert not half.inside(0) and half.inside(1)
    assert Interval("real", 0, 1, optional=True).check(None, "cap") is None
    with pytest.raises(ValidationError):
        Interval("real", 0, 1).check(None, "cap")


def test_huge_integer_is_shortened_and_not_an_overflow():
    text = given_text(10 ** 400)
    assert "(401 digits)" in text and len(text) < 40
    with pytest.raises(ValidationError, match="is outside"):
        Interval("real", 0, 1).check(10 ** 400, "x")


def test_problems_lists_every_bad_value_with_labels():
    rules = {"seed": Interval("integer", 0, None), "n": Interval("integer", 2, None)}
    found = problems({"seed": -1, "n": 1, "other": "x"}, rules, labels={"seed": "--seed"})
    assert found == ["--seed: expected a whole number of at least 0, got -1",
                     "n: expected a whole number of at least 2, got 1"]
    assert validate({"seed": 3}, rules) == {"seed": 3}


def test_validate_params_checks_before_the_call():
    calls = []

    @validate_params({"n": Interval("integer", 1, 5)})
    def f(x, *, n=1):
        calls.append(n)
        return x * n

    assert f(2, n=3) == 6
    with pytest.raises(ValidationError, match="^n: expected a whole number from 1 to 5, got 9$"):
        f(2, n=9)
    assert calls == [3]
    with pytest.raises(TypeError, match="no argument"):
        validate_params({"nope": Interval("real")})(f)


def test_numbers_from_text_keep_their_text():
    from slack_sim.validation import number

    x = number("150")
    assert x == 150.0
    with pytest.raises(ValidationError, match=r"^--percentile: 150 is outside the allowed "
                                              r"range \(0, 100\] %$"):
        Interval("real", 0, 100, closed="right", units="%").check(x, "--percentile")
    for bad in ("０.３", "1,5", "0x10", "", "1e", "five"):
        with pytest.raises(ValueError):
            number(bad)
    assert number(" -2.5e-3 ") == -0.0025
