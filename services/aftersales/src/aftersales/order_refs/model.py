"""Order references: what a return ticket needs to know of the order it is raised against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.order import CanonicalOrder


@dataclass(frozen=True)
class OrderRef:
    order_id: str
    channel: str
    receiver_name: str
    receiver_phone: str  # full: mask it wherever it is shown or logged
    items: list[dict[str, Any]]
    placed_at: datetime
    waybill_no: str | None
    carrier: str | None
    channel_order_no: str = ""
    buyer_id: str = ""  # the mini-program's openid; empty for platform orders
    receiver: dict[str, Any] | None = None
    currency: str = "CNY"
    discount_fen: int = 0
    paid_fen: int = 0
    refunded_fen: int = 0
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def shipped(self) -> bool:
        return self.shipped_at is not None or self.delivered_at is not None


@dataclass(frozen=True)
class RecordShipment:
    """A shipment of the order (shipment.created): its waybill and carrier."""

    order_id: str
    waybill_no: str
    carrier: str


@dataclass(frozen=True)
class RecordPlacement:
    """An order placed (order.placed)."""

    order: CanonicalOrder


@dataclass(frozen=True)
class RecordPayment:
    order_id: str
    paid_fen: int


@dataclass(frozen=True)
class RecordProgress:
    """The order left the warehouse (shipped), was signed for (delivered) or was cancelled."""

    order_id: str
    kind: str  # shipped | delivered | cancelled
    at: datetime


@dataclass(frozen=True)
class RecordCategory:
    """A SKU's product category (product.updated)."""

    sku: str
    category: str
    title: str
    updated_at: datetime
