"""Amounts in yuan terms for the thresholds written in yuan (R11: ¥2,000). Orders keep their own
currency in minor units (fen for CNY, sen for MYR); a threshold compares the amount converted
at a reference rate. The rates are configuration (`RULES_CNY_REFERENCE_RATES`), set once at
start-up; they only decide which orders a person looks at, never what anyone pays."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

# Yuan per unit of each currency. CNY is always 1.
DEFAULT_CNY_RATES: dict[str, float] = {"CNY": 1.0, "MYR": 1.55}
_rates: dict[str, Decimal] = {code: Decimal(str(rate)) for code, rate in DEFAULT_CNY_RATES.items()}


class UnknownCurrency(ValueError):
    pass


def configure_rates(rates: Mapping[str, float]) -> None:
    """Replace the reference rates (start-up). Refuses a non-positive rate or a CNY rate other than 1."""
    converted = {code.upper(): Decimal(str(rate)) for code, rate in rates.items()}
    bad = sorted(code for code, rate in converted.items() if rate <= 0)
    if bad:
        raise ValueError(f"reference rates must be positive: {', '.join(bad)}")
    if converted.get("CNY", Decimal(1)) != 1:
        raise ValueError("the CNY reference rate is 1 by definition")
    _rates.clear()
    _rates.update({"CNY": Decimal(1), **converted})


def to_cny_fen(amount_minor: int, currency: str) -> int:
    """`amount_minor` (1/100 of `currency`) in CNY fen, rounded half up."""
    rate = _rates.get(currency.upper())
    if rate is None:
        raise UnknownCurrency(f"no reference rate for {currency!r}; set RULES_CNY_REFERENCE_RATES")
    return int((Decimal(amount_minor) * rate).to_integral_value(ROUND_HALF_UP))
