"""Prices: known answers for the deflator conversion (HM Treasury, March 2026 vintage)."""

import numpy as np
import pytest

from slack_sim.metrics import prices
from slack_sim.validation import ValidationError


def test_known_answers_from_the_published_index():
    # published index (2024-25 = 100): 2010-11 68.8561, 2025-26 103.2388, 2019-20 80.8738
    d = prices.deflator(["2010-11", "2025-26", "2019-20"])
    assert d["2010-11"] == 1.0
    assert d["2025-26"] == pytest.approx(103.2388 / 68.8561, rel=1e-6)
    assert d["2019-20"] == pytest.approx(80.8738 / 68.8561, rel=1e-6)
    # £1m of 2010-11 money is £1.4994m at 2025-26 prices
    f = prices.price_factors(np.array([2015.0, 2030.5]), "2025-26")
    assert f == pytest.approx([1.49934, 1.49934], rel=1e-5)


def test_cash_uses_each_months_financial_year():
    # March 2020 is in 2019-20, April 2020 in 2020-21 (85.1002)
    f = prices.price_factors(np.array([2020 + 2 / 12, 2020 + 3 / 12]), "cash")
    assert f[0] == pytest.approx(80.8738 / 68.8561, rel=1e-6)
    assert f[1] == pytest.approx(85.1002 / 68.8561, rel=1e-6)


def test_years_past_the_series_grow_at_two_percent():
    d = prices.deflator(["2030-31", "2032-33"])
    assert d["2032-33"] == pytest.approx(d["2030-31"] * 1.02 ** 2, rel=1e-12)


@pytest.mark.parametrize(("bad", "fragment"), [
    ("2025/26", "not a financial year"), ("2025-27", "not a financial year"),
    ("1990-91", "outside the deflator's years"), ("", "not a financial year"),
])
def test_unknown_price_base_is_refused(bad, fragment):
    with pytest.raises(ValidationError, match=fragment):
        prices.price_label(bad)


def test_vintage_is_named():
    assert "March 2026" in prices.vintage()
    assert prices.price_label("2025-26") == "real terms, 2025-26 prices"
