"""Outbound orders (出库单) as values: their status, zone and the order row itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import LineItem


class OutboundStatus(StrEnum):
    CREATED = "created"
    PICKING = "picking"  # on a printed pick list (set by the pick-list flow)
    INTERCEPTED = "intercepted"  # held after its waybill was issued: must not leave the warehouse
    CANCELLED = "cancelled"
    SHIPPED = "shipped"


# Waiting for the warehouse: on the board, may be scanned out.
OPEN_STATUSES = (OutboundStatus.CREATED, OutboundStatus.PICKING)


class Zone(StrEnum):
    IN_STOCK = "in_stock"
    PRESALE = "presale"  # packed in its own zone, ships from the presale date


@dataclass(frozen=True)
class OutboundOrder:
    outbound_id: str
    order_id: str
    status: OutboundStatus
    ship_deadline: datetime
    receiver: Receiver
    items: tuple[LineItem, ...]
    buyer_remark: str
    seller_memo: str
    carrier: str
    waybill_no: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    zone: Zone = Zone.IN_STOCK
    channel: str = ""
    channel_order_no: str = ""
    gift_note: str = ""
    remark_flags: tuple[str, ...] = ()
    shipped_at: datetime | None = None
