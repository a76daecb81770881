"""Amounts in yuan terms for the thresholds written in yuan (R11: ¥2,000). Orders keep their own
currency in minor units (fen for CNY, sen for MYR); a threshold compares the amount converted
at a reference rate. The rates are configuration (`RULES_CNY_REFERENCE_RATES`) turned into a
`ReferenceRates` value at start-up and handed to whatever computes facts: no process-wide
state, so two apps (or a test) with other rates never see each other's. The rates only decide
which orders a person looks at, never what anyone pays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

# Yuan per unit of each currency. CNY is always 1.
DEFAULT_CNY_RATES: Mapping[str, float] = MappingProxyType({"CNY": 1.0, "MYR": 1.55})


class UnknownCurrency(ValueError):
    pass


@dataclass(frozen=True)
class ReferenceRates:
    """Yuan per unit of each currency, validated; build it with `reference_rates`."""

    yuan_per_unit: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({"CNY": Decimal(1)}))

    def to_cny_fen(self, amount_minor: int, currency: str) -> int:
        """`amount_minor` (1/100 of `currency`) in CNY fen, rounded half up."""
        rate = self.yuan_per_unit.get(currency.upper())
        if rate is None:
            raise UnknownCurrency(f"no reference rate for {currency!r}; set RULES_CNY_REFERENCE_RATES")
        return int((Decimal(amount_minor) * rate).to_integral_value(ROUND_HALF_UP))


def reference_rates(rates: Mapping[str, float]) -> ReferenceRates:
    """The rates as configured. Refuses a non-positive rate or a CNY rate other than 1."""
    converted = {code.upper(): Decimal(str(rate)) for code, rate in rates.items()}
    bad = sorted(code for code, rate in converted.items() if rate <= 0)
    if bad:
        raise ValueError(f"reference rates must be positive: {', '.join(bad)}")
    if converted.get("CNY", Decimal(1)) != 1:
        raise ValueError("the CNY reference rate is 1 by definition")
    return ReferenceRates(MappingProxyType({"CNY": Decimal(1), **converted}))


DEFAULT_RATES = reference_rates(DEFAULT_CNY_RATES)


def to_cny_fen(amount_minor: int, currency: str, rates: ReferenceRates = DEFAULT_RATES) -> int:
    """`amount_minor` (1/100 of `currency`) in CNY fen at `rates`, rounded half up."""
    return rates.to_cny_fen(amount_minor, currency)
