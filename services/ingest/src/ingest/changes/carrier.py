"""An address change after the parcel has left: the carrier may re-address it (快递100
interceptOrder MODIFY_ADDR) where it allows that (`INGEST_ADDRESS_INTERCEPT_CARRIERS`, carriers as
fulfillment names them). Ingest asks fulfillment (order.address_intercept_requested), which asks
the carrier; the answer (shipment.address_intercept_answered) comes later and is shown on the
timeline; only an accepted one changes the order's receiver."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import AddressInterceptAnswered, AddressInterceptRequested, OrderAddressChanged
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from ingest.changes import repository
from ingest.changes.model import AddressChanged, AddressNotChangeable, AddressOutcome, ChangeAddress
from ingest.channels.service import apply_change
from ingest.orders.repository import TimelineRecord, add_timeline, get_order_row, lock_status
from ingest.projection.rules import Outcome
from ingest.timeline import TimelineEntry

log = get_logger(__name__)
RECEIVER_PARTS = ("name", "phone", "province", "city", "district", "street", "detail")


async def intercept_at_carrier(tx: Tx, command: ChangeAddress, *, allowed: Collection[str]) -> AddressChanged:
    order_id = command.order_id
    carrier = await repository.shipped_carrier(tx.conn, order_id)
    if carrier is None or carrier.upper() not in {c.upper() for c in allowed}:
        shown = carrier or "未知"
        raise AddressNotChangeable(
            f"订单 {order_id} 的包裹已发出，承运商 {shown} 不支持拦截改址 (MODIFY_ADDR)；"
            "请联系快递或在签收后走退货流程",
            details={"order_id": order_id, "status": "shipped", "carrier": shown},
        )
    event = AddressInterceptRequested(
        order_id=order_id, receiver=command.receiver, requested_by=command.by, reason=command.reason
    )
    event_id = await tx.publish(event)
    r = command.receiver
    await add_timeline(
        tx.conn,
        TimelineRecord(
            order_id=order_id,
            event_id=event_id,
            event_type=event.event_type,
            occurred_at=datetime.now(UTC),
            entry=TimelineEntry(
                f"已向快递 {carrier} 申请拦截改址 ({command.by}): {r.full_address}, {r.name} {r.masked_phone}",
                {"carrier": carrier, "address": r.full_address, "reason": command.reason},
            ),
            outcome=Outcome.INFO,
        ),
    )
    log.info("order.carrier_intercept_requested", order_id=order_id, carrier=carrier, by=command.by)
    return AddressChanged(
        order_id,
        AddressOutcome.CARRIER_INTERCEPT,
        message=f"已向快递 {carrier} 申请拦截改址，结果稍后显示在订单时间线上",
    )


async def record_intercept_answer(tx: Tx, event_id: str, event: AddressInterceptAnswered) -> None:
    """The carrier's answer on the timeline; an accepted one changes the receiver (order.address_changed
    with outcome `carrier_intercept`: no R15, nothing for the warehouse to re-print)."""
    await lock_status(tx.conn, event.order_id)
    current = await get_order_row(tx.conn, event.order_id)
    verdict = "已受理" if event.accepted else "未受理"
    new = await add_timeline(
        tx.conn,
        TimelineRecord(
            order_id=event.order_id,
            event_id=event_id,
            event_type=event.event_type,
            occurred_at=datetime.now(UTC),
            entry=TimelineEntry(
                f"快递 {event.carrier} 拦截改址{verdict} (运单号 {event.waybill_no}): {event.message}".rstrip(": "),
                {"carrier": event.carrier, "waybill_no": event.waybill_no, "accepted": event.accepted},
            ),
            outcome=Outcome.INFO,
        ),
    )
    if new and event.accepted and current is not None:
        previous = Receiver(**{part: current[f"receiver_{part}"] for part in RECEIVER_PARTS})
        changed = OrderAddressChanged(
            order_id=event.order_id,
            receiver=event.receiver,
            previous=previous,
            changed_by=f"carrier:{event.carrier}",
            changed_at=datetime.now(UTC),
            outcome=AddressOutcome.CARRIER_INTERCEPT.value,
        )
        await apply_change(tx, event.order_id, changed)
