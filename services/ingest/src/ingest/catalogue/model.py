"""The catalogue's values and its refusals."""

from __future__ import annotations

from dataclasses import dataclass

from orderhub_runtime.errors import DomainError


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    sku: str
    title: str
    list_price_fen: int
    currency: str


@dataclass(frozen=True, slots=True)
class WantedLine:
    """What a customer may choose for a line: the SKU and how many (never the price)."""

    sku: str
    quantity: int
    sent_price_fen: int | None = None  # what the client sent, compared and never used


class UnknownSku(DomainError):
    status_code = 422
    code = "unknown_sku"


class PriceMismatch(DomainError):
    status_code = 422
    code = "price_not_ours"
