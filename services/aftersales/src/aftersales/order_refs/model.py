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
