"""Money is integer fen (分) everywhere; conversion from decimal strings is exact."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100


class InvalidAmount(ValueError):
    pass


def to_fen(amount: str | int | Decimal, minor_units: int = 2) -> int:
    """Convert a decimal major-unit amount ("200.07", Decimal) to integer minor units exactly.

    Amounts with more decimals than the currency has are refused rather than rounded.
    """
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation as exc:
        raise InvalidAmount(f"not a decimal amount: {amount!r}") from exc
    if not value.is_finite():
        raise InvalidAmount(f"not a finite amount: {amount!r}")
    scaled = value.scaleb(minor_units)
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(f"{amount!r} has more than {minor_units} decimals")
    return int(scaled)


def format_yuan(fen: int) -> str:
    """Display form: 200007 -> '2000.07'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"
