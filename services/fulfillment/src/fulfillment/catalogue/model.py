"""Catalogue values: a product as fulfillment keeps it, and the command that sets one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class SetProduct:
    """Create or overwrite a SKU's catalogue entry (PUT /v1/products/{sku})."""

    sku: str
    title: str
    category: str
    list_price_fen: int
    currency: str
    bin_location: str  # e.g. A-03-12 (zone-aisle-shelf); "" when not shelved yet
    presale_ship_date: date | None  # set for a presale SKU: the business day it ships
    updated_by: str


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    category: str
    list_price_fen: int
    currency: str
    bin_location: str
    presale_ship_date: date | None
    updated_by: str
    updated_at: datetime

    @property
    def presale(self) -> bool:
        return self.presale_ship_date is not None

    def same_entry(self, command: SetProduct) -> bool:
        """True when the command changes nothing (a repeated PUT publishes nothing)."""
        return (
            self.title,
            self.category,
            self.list_price_fen,
            self.currency,
            self.bin_location,
            self.presale_ship_date,
        ) == (
            command.title,
            command.category,
            command.list_price_fen,
            command.currency,
            command.bin_location,
            command.presale_ship_date,
        )


@dataclass(frozen=True)
class ProductSet:
    product: Product
    changed: bool  # False for a PUT that repeated the entry as it was
