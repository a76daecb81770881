"""Outbound orders (出库单) as values: their status, zone and the order row itself, and the commands
that change them (clear, hold, ship a parcel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.order import CanonicalOrder, LineItem


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


# ---- commands and results ------------------------------------------------------------------
@dataclass(frozen=True)
class Clearance:
    order: CanonicalOrder
    cleared_at: datetime  # the clearance's event time, ordered against the order's hold
    envelope: Envelope | None = None  # the event it came in: what its outgoing events are caused by


@dataclass(frozen=True)
class HoldRequest:
    order_id: str
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    held_at: datetime
    envelope: Envelope | None = None  # the event it came in: what its outgoing events are caused by


@dataclass(frozen=True)
class ShipParcel:
    waybill_no: str
    scanned_by: str


@dataclass(frozen=True)
class ParcelShipped:
    outbound: OutboundOrder
    shipped_at: datetime
    already_shipped: bool  # a repeated scan: nothing changed
    order_shipped: bool  # every parcel of the order has left


def segments(order_ids: list[str]) -> list[tuple[int, int]]:
    """Split a run into consecutive [start, end) stretches in which no order appears twice: an
    order's state read for a stretch stays true throughout it, and taking the stretches one
    after another keeps the run's order exactly."""
    bounds: list[tuple[int, int]] = []
    start, seen = 0, set[str]()
    for index, order_id in enumerate(order_ids):
        if order_id in seen:
            bounds.append((start, index))
            start, seen = index, set()
        seen.add(order_id)
    if start < len(order_ids):
        bounds.append((start, len(order_ids)))
    return bounds
