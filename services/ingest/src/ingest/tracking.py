"""The carrier's word on an order, as the customer sees it: timeline entries for the tracking
events fulfillment publishes, and the latest checkpoint (text and time) for the order views."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from orderhub_contracts.carriers import carrier_name
from orderhub_contracts.events import (
    DomainEvent,
    OrderCompleted,
    ShipmentDelivered,
    ShipmentException,
    TrackingUpdated,
)
from orderhub_contracts.phone import mask_phones_in_text
from orderhub_contracts.timezone import as_shanghai
from pydantic import BaseModel

Summary = tuple[str, dict[str, Any]]  # a timeline entry: the Chinese line and the data kept
STATUS_LABELS = {"in_transit": "运输中", "delivered": "已签收", "returned": "已退回", "exception": "物流异常"}
TRACKING_EVENT_TYPES = (TrackingUpdated.event_type, ShipmentDelivered.event_type, ShipmentException.event_type)


class TrackingView(BaseModel):
    """The latest checkpoint of the order's parcel(s)."""

    waybill_no: str
    status: str  # in_transit | delivered | returned | exception
    status_label: str  # 运输中, 已签收, 已退回, 物流异常
    description: str  # the carrier's text, phone numbers masked
    occurred_at: datetime  # the checkpoint's time, Asia/Shanghai


def _tracking(e: TrackingUpdated) -> Summary:
    text = mask_phones_in_text(e.description)
    data = {"waybill_no": e.waybill_no, "status": e.status, "description": text, "at": e.occurred_at.isoformat()}
    return (f"物流更新 ({STATUS_LABELS.get(e.status, e.status)}): {text}", data)


def _delivered(e: ShipmentDelivered) -> Summary:
    text = mask_phones_in_text(e.description)
    data = {
        "waybill_no": e.waybill_no,
        "carrier": e.carrier,
        "carrier_state": e.carrier_state,
        "description": text,
        "at": e.delivered_at.isoformat(),
    }
    return (f"已签收: {carrier_name(e.carrier)} {e.waybill_no}, {text}", data)


def _exception(e: ShipmentException) -> Summary:
    text = mask_phones_in_text(e.description)
    kind = "快递退回" if e.kind == "returned" else "物流疑难"
    data = {
        "waybill_no": e.waybill_no,
        "carrier": e.carrier,
        "carrier_state": e.carrier_state,
        "kind": e.kind,
        "description": text,
        "at": e.occurred_at.isoformat(),
    }
    return (f"物流异常 ({kind}): {e.carrier} {e.waybill_no}, {text}", data)


def _completed(e: OrderCompleted) -> Summary:
    data = {"delivered_at": e.delivered_at.isoformat(), "completed_at": e.completed_at.isoformat()}
    return ("交易完成: 签收后售后期已过, 无进行中的售后", data)


TRACKING_SUMMARIES: dict[type[DomainEvent], Callable[[Any], Summary]] = {
    TrackingUpdated: _tracking,
    ShipmentDelivered: _delivered,
    ShipmentException: _exception,
    OrderCompleted: _completed,
}


def latest_tracking(entries: Sequence[tuple[str, Mapping[str, Any]]]) -> TrackingView | None:
    """The newest checkpoint (by the carrier's time) among (event type, timeline data) pairs."""
    best: TrackingView | None = None
    for event_type, data in entries:
        if event_type not in TRACKING_EVENT_TYPES or "at" not in data:
            continue
        status = data.get("status") or (
            "delivered"
            if event_type == ShipmentDelivered.event_type
            else "returned"
            if data.get("kind") == "returned"
            else "exception"
        )
        view = TrackingView(
            waybill_no=str(data.get("waybill_no", "")),
            status=status,
            status_label=STATUS_LABELS.get(status, status),
            description=str(data.get("description", "")),
            occurred_at=as_shanghai(datetime.fromisoformat(str(data["at"]))),
        )
        if best is None or view.occurred_at > best.occurred_at:
            best = view
    return best
