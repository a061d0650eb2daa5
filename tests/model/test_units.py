"""Dimensional consistency of every equation of the model (DESIGN.md).

A small unit algebra over the Vensim unit strings of ``models/slack.mdl`` (``Person``,
``Month``, ``Year``, ``GBP``, ``FTE``, ``Volunteer``, ``Dmnl``; products, quotients and
powers): each equation's units are computed from the declared units of the variables it uses
and compared with its own declared units. ``Month`` and ``Year`` are distinct base units (the
model converts with ``Months per year``, Month/Year), so adding a flow a year to one a month
fails. Rules: ``+``, ``-``, ``MIN``, ``MAX``, comparisons and the branches of ``IF THEN ELSE``
need equal units; ``*`` and ``/`` combine them (``ZIDZ(a, b)`` is ``a / b``, and ``XIDZ``'s
fallback has its units); ``EXP`` and exponents need dimensionless arguments, ``SQRT`` halves
the powers; ``INTEG(flow, initial)`` needs flow x Month = initial = the stock; ``INITIAL(x)``
is ``x``; a ``WITH LOOKUP`` takes a dimensionless input and gives its declared units; ``Time``
is in Months. A numeric literal is a wildcard in sums, comparisons and fallbacks (``1 - x``,
``MAX(0, x)``) and dimensionless in products. The checker is tested on planted slips.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

import slack_sim as ss
from slack_sim.model.parse import load_model

TIME_UNITS = "Month"
BASE = ("Person", "Month", "Year", "GBP", "FTE", "Volunteer")
FUNCTIONS = ("IF THEN ELSE", "WITH LOOKUP", "INTEG", "INITIAL", "MIN", "MAX", "ZIDZ", "XIDZ",
             "EXP", "SQRT", "ABS", "LN")


class UnitError(ValueError):
    """An equation whose units do not add up."""


class Units:
    """A product of base units with rational powers (empty: dimensionless)."""

    def __init__(self, powers: dict[str, Fraction] | None = None):
        self.powers = {k: Fraction(v) for k, v in (powers or {}).items() if v != 0}

    def __mul__(self, other: Units) -> Units:
        out = dict(self.powers)
        for k, v in other.powers.items():
            out[k] = out.get(k, 0) + v
        return Units(out)

    def __truediv__(self, other: Units) -> Units:
        return self * other ** -1

    def __pow__(self, p) -> Units:
        return Units({k: v * Fraction(p) for k, v in self.powers.items()})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Units) and self.powers == other.powers

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.powers.items())))

    def __repr__(self) -> str:
        if not self.powers:
            return "Dmnl"
        return "*".join(f"{k}^{v}" if v != 1 else k for k, v in sorted(self.powers.items()))

    @property
    def dimensionless(self) -> bool:
        return not self.powers


DMNL = Units()
ANY = "any"  # a numeric literal's units: whatever its context needs
BOOL = "bool"


def parse_units(text: str) -> Units:
    """Parse a Vensim unit string (``GBP/(Person*Year)``, ``1/Month``, ``Dmnl``)."""
    tokens = re.findall(r"[A-Za-z]+|\d+(?:\.\d+)?|[*/()^]", text.replace(" ", ""))
    pos = 0

    def atom() -> Units:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            u = product()
            assert tokens[pos] == ")", text
            pos += 1
        elif tok in ("Dmnl", "1"):
            u = DMNL
        elif tok in BASE:
            u = Units({tok: 1})
        else:
            raise UnitError(f"unknown unit {tok!r} in {text!r}")
        if pos < len(tokens) and tokens[pos] == "^":
            u = u ** Fraction(tokens[pos + 1])
            pos += 2
        return u

    def product() -> Units:
        nonlocal pos
        u = atom()
        while pos < len(tokens) and tokens[pos] in "*/":
            op = tokens[pos]
            pos += 1
            u = u * atom() if op == "*" else u / atom()
        return u

    out = product()
    if pos != len(tokens):
        raise UnitError(f"cannot parse units {text!r}")
    return out


_TOKEN = re.compile(r"\s*(:AND:|:OR:|:NOT:|<=|>=|<>|[-+*/^(),<>=\[\]])\s*")


def tokenize(equation: str) -> list[str]:
    """Split an equation into operators and the names and numbers between them."""
    parts = [p.strip() for p in _TOKEN.split(equation)]
    return [p for p in parts if p]


def is_number(tok: str) -> bool:
    return re.fullmatch(r"\d+(\.\d*)?([eE]\d+)?|\.\d+", tok) is not None


class Checker:
    """Compute the units of an equation from the declared units of the model's variables."""

    def __init__(self, model: ss.Model):
        self.model = model
        self.declared = {n: parse_units(v.units) for n, v in model.variables.items()}

    # -- the expression grammar, lowest precedence first --------------------------------
    def units_of(self, equation: str):
        self.tokens = tokenize(equation)
        self.pos = 0
        u = self.logical()
        if self.pos != len(self.tokens):
            raise UnitError(f"unparsed tail {self.tokens[self.pos:]}")
        return u

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.tokens[self.pos]
        if expected is not None and tok != expected:
            raise UnitError(f"expected {expected!r}, found {tok!r}")
        self.pos += 1
        return tok

    def logical(self):
        u = self.comparison()
        while self.peek() in (":AND:", ":OR:"):
            self.take()
            v = self.comparison()
            if u != BOOL or v != BOOL:
                raise UnitError(":AND:/:OR: of non-conditions")
        return u

    def comparison(self):
        u = self.additive()
        while self.peek() in ("<", ">", "<=", ">=", "=", "<>"):
            self.take()
            self.same(u, self.additive(), "comparison")
            u = BOOL
        return u

    def additive(self):
        u = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take()
            u = self.same(u, self.multiplicative(), f"'{op}'")
        return u

    def multiplicative(self):
        u = self.power()
        while self.peek() in ("*", "/"):
            op = self.take()
            v = self.power()
            a, b = (DMNL if x == ANY else x for x in (u, v))
            u = a * b if op == "*" else a / b
        return u

    def power(self):
        u = self.unary()
        if self.peek() == "^":
            self.take()
            start = self.pos
            p = self.unary()
            literal = self.tokens[start] if self.pos == start + 1 else None
            if p not in (ANY, DMNL):
                raise UnitError(f"exponent with units {p}")
            if u in (ANY, DMNL):
                return u
            if literal is not None and is_number(literal):
                return u ** Fraction(literal)
            raise UnitError(f"{u} raised to a variable power")
        return u

    def unary(self):
        if self.peek() in ("-", "+"):
            self.take()
        return self.primary()

    def primary(self):
        tok = self.take()
        if tok == "(":
            u = self.logical()
            self.take(")")
            return u
        if is_number(tok):
            return ANY
        if tok in FUNCTIONS and self.peek() == "(":
            return self.function(tok)
        if tok == "Time":
            return parse_units(TIME_UNITS)
        if tok not in self.declared:
            raise UnitError(f"unknown name {tok!r}")
        return self.declared[tok]

    def arguments(self) -> list:
        self.take("(")
        args = [self.logical()]
        while self.peek() == ",":
            self.take()
            args.append(self.logical())
        self.take(")")
        return args

    def function(self, name: str):
        if name == "WITH LOOKUP":
            self.take("(")
            x = self.logical()
            if x not in (ANY, DMNL):
                raise UnitError(f"lookup input with units {x}")
            depth = 0  # skip the table: ([(x0,y0)-(x1,y1)],(x,y),...)
            while True:
                tok = self.take()
                depth += tok == "("
                if tok == ")":
                    if depth == 0:
                        return "lookup"
                    depth -= 1
        args = self.arguments()
        if name in ("MIN", "MAX"):
            return self.same(args[0], args[1], name)
        if name == "ZIDZ":
            a, b = (DMNL if x == ANY else x for x in args)
            return a / b
        if name == "XIDZ":
            a, b = (DMNL if x == ANY else x for x in args[:2])
            return self.same(a / b, args[2], "XIDZ fallback")
        if name == "IF THEN ELSE":
            if args[0] != BOOL:
                raise UnitError("IF THEN ELSE condition is not a comparison")
            return self.same(args[1], args[2], "IF THEN ELSE branches")
        if name in ("EXP", "LN"):
            if args[0] not in (ANY, DMNL):
                raise UnitError(f"{name} of {args[0]}")
            return DMNL
        if name == "SQRT":
            return args[0] if args[0] == ANY else args[0] ** Fraction(1, 2)
        if name == "ABS":
            return args[0]
        if name == "INITIAL":
            return args[0]
        if name == "INTEG":
            flow, initial = args
            return ("integ", flow, initial)
        raise UnitError(f"no unit rule for {name}")

    @staticmethod
    def same(a, b, where: str):
        if a == ANY:
            return b
        if b == ANY or a == b:
            return a
        raise UnitError(f"{where} of {a} and {b}")

    # -- one variable ----------------------------------------------------------------
    def check(self, name: str) -> None:
        """Raise :class:`UnitError` if the equation of ``name`` does not give its units."""
        var = self.model[name]
        declared = self.declared[name]
        if var.kind == "constant":
            return
        try:
            got = self.units_of(var.equation)
        except (UnitError, IndexError) as exc:
            raise UnitError(f"{name}: {exc}") from None
        if var.kind == "lookup":
            if got != "lookup":
                raise UnitError(f"{name}: not a lookup")
            return
        if isinstance(got, tuple) and got[0] == "integ":
            _, flow, initial = got
            time = parse_units(TIME_UNITS)
            if flow != ANY and flow * time != declared:
                raise UnitError(f"{name}: net flow {flow} x {time} is not {declared}")
            if initial != ANY and initial != declared:
                raise UnitError(f"{name}: initial value {initial} is not {declared}")
            return
        if got not in (ANY, declared):
            raise UnitError(f"{name}: equation gives {got}, declared {declared}")

    def problems(self) -> list[str]:
        out = []
        for name in self.model.variables:
            try:
                self.check(name)
            except UnitError as exc:
                out.append(str(exc))
        return out


@pytest.fixture(scope="module")
def checker(model):
    return Checker(model)


def test_unit_algebra_known_answers():
    assert parse_units("GBP/(Person*Year)") == Units({"GBP": 1, "Person": -1, "Year": -1})
    assert parse_units("Dmnl") == DMNL == parse_units("1")
    assert parse_units("1/Month") == Units({"Month": -1})
    assert parse_units("Person/(Month*Month)") == Units({"Person": 1, "Month": -2})
    assert parse_units("Month/Year") * parse_units("1/Month") == parse_units("1/Year")
    with pytest.raises(UnitError):
        parse_units("Persons")
    assert tokenize("MAX(0, Shock 1 start - 1.5)") == ["MAX", "(", "0", ",", "Shock 1 start",
                                                      "-", "1.5", ")"]


def test_every_declared_unit_is_understood(checker, model):
    for var in model.variables.values():
        parse_units(var.units)  # raises on an unknown unit
    assert len(checker.declared) == len(model.variables)


def test_every_equation_is_dimensionally_consistent(checker):
    problems = checker.problems()
    assert not problems, "\n".join(problems)


# -- the checker catches planted slips ---------------------------------------------------

SLIPS = {
    # a flow a year (Referrals, children a year) added to one a month (New need)
    "New need": ("Underlying new need * (1 + Shock demand surge)",
                 "Underlying new need * (1 + Shock demand surge) + Referrals"),
    # a rate a year used as a rate a month (the / Months per year dropped)
    "Staff leaving": ("Workforce * Base attrition rate / Months per year",
                      "Workforce * Base attrition rate"),
    # a flow in people, not people a month (the delay dropped)
    "Hidden need resolution": ("Hidden need / Natural resolution time", "Hidden need"),
    # a stock started from a flow (children a year) instead of a count of children
    "Children looked after": ("\t\tChildren looked after 2010)", "\t\tCare starts 2010)"),
    # money a year compared with money a month
    "Reserve drawdown": ("MAX(0, Total spending - Funding)",
                         "MAX(0, Total spending - Early help spending)"),
}


@pytest.fixture(scope="module")
def slipped(tmp_path_factory, model):
    text = model.path.read_text(encoding="utf-8")
    for name, (old, new) in SLIPS.items():
        head = text.index(f"\n{name}=")
        end = text.index("\t~", head)
        assert text[head:end].count(old) == 1, name
        text = text[:head] + text[head:end].replace(old, new) + text[end:]
    path = tmp_path_factory.mktemp("slips") / "slack.mdl"
    path.write_text(text, encoding="utf-8")
    return Checker(load_model(path))


@pytest.mark.parametrize("name", list(SLIPS))
def test_a_planted_slip_is_caught(slipped, checker, name):
    checker.check(name)  # the model's own equation passes
    with pytest.raises(UnitError, match=name):
        slipped.check(name)


def test_only_the_planted_slips_are_caught(slipped):
    caught = {p.split(":")[0] for p in slipped.problems()}
    assert caught == set(SLIPS)
