"""Platform orders into the one intake. A channel order seen for the first time is placed through
`orders.intake.accept_order` (global ID, dedupe, order.placed); one already known is diffed with
what was last applied and each change is published as its own event, applied to the order record
and put on the timeline. Runs in the caller's transaction; applying the same fetch twice, or a
fetch older than the last one applied, changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import DomainEvent, OrderAddressChanged, OrderCancelled, OrderPaid, OrderRemarksChanged
from orderhub_contracts.phone import last4
from orderhub_contracts.state_machine import OrderStatus, can_transition
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.channels.base import ChannelOrder
from ingest.channels.changes import KnownState, change_entry, diff, is_stale
from ingest.channels.repository import get_platform_state, save_platform_state
from ingest.orders.repository import (
    TimelineRecord,
    add_timeline,
    find_order_id,
    get_order_row,
    lock_status,
    record_rejection,
    set_status,
    update_order,
)
from ingest.orders.service import accept_order
from ingest.orders.text import clean_receiver
from ingest.projection.rules import Outcome

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class IntakeResult:
    order_id: str
    created: bool
    events: tuple[str, ...]  # event types published for changes (order.placed not included)
    stale: bool = False


async def ingest_platform_order(tx: Tx, order: ChannelOrder, source: str) -> IntakeResult:
    """Place or update the channel order; `source` (push, sync, replay, ...) is kept for audit."""
    # Bidi controls in a platform's receiver are dropped here (a platform order cannot be refused).
    order = replace(order, command=replace(order.command, receiver=clean_receiver(order.command.receiver)))
    command = order.command
    order_id = await find_order_id(tx.conn, command.channel.value, command.channel_order_no)
    created = False
    if order_id is None:
        try:
            accepted = await accept_order(tx, command)
            order_id, created = accepted.order_id, accepted.created
        except Conflict as exc:
            placed = (exc.details or {}).get("order_id")
            if placed is None:  # no free ID at all: nothing was written, the fetch is retried
                raise
            order_id = str(placed)  # placed concurrently with other content: it is a change, diff it
    if created:
        known = KnownState(order_id, command.paid_at, command.receiver, command.buyer_remark, command.seller_memo)
    else:
        loaded = await _load_known(tx.conn, order_id)
        if is_stale(loaded, order):
            log.info("channel.stale_fetch", order_id=order_id, source=source)
            return IntakeResult(order_id, created=False, events=(), stale=True)
        known = loaded
    events = diff(known, order, now=datetime.now(UTC))
    for event in events:
        await _apply(tx, order_id, event)
    await _save_state(tx.conn, order_id, order, known, source)
    if events:
        log.info("channel.order_changed", order_id=order_id, source=source, events=[e.event_type for e in events])
    return IntakeResult(order_id, created, tuple(e.event_type for e in events))


async def _load_known(conn: AsyncConnection, order_id: str) -> KnownState:
    await lock_status(conn, order_id)  # one writer per order: concurrent fetches apply one after the other
    row = await get_order_row(conn, order_id)
    if row is None:
        raise RuntimeError(f"order key {order_id} has no order row")
    state = await get_platform_state(conn, order_id)
    receiver = Receiver(
        name=row["receiver_name"],
        phone=row["receiver_phone"],
        province=row["receiver_province"],
        city=row["receiver_city"],
        district=row["receiver_district"],
        street=row["receiver_street"],
        detail=row["receiver_detail"],
    )
    return KnownState(
        order_id=order_id,
        paid_at=row["paid_at"],
        receiver=receiver,
        buyer_remark=row["buyer_remark"],
        seller_memo=row["seller_memo"],
        cancelled=bool(state["cancelled"]) if state else row["status"] == OrderStatus.CANCELLED.value,
        refunded_fen=int(state["refunded_fen"]) if state else 0,
        platform_updated_at=state["platform_updated_at"] if state else None,
    )


async def apply_change(tx: Tx, order_id: str, event: DomainEvent) -> None:
    """Publish one change event, apply it to the order record and add it to the timeline."""
    await _apply(tx, order_id, event)


async def _apply(tx: Tx, order_id: str, event: DomainEvent) -> None:
    event_id = await tx.publish(event)
    now = datetime.now(UTC)
    outcome, status_from = Outcome.INFO, None
    path: tuple[OrderStatus, ...] = ()
    values: dict[str, object] = {}
    if isinstance(event, OrderPaid):
        values = {"paid_at": event.paid_at, "paid_total_fen": event.paid_total_fen}
    elif isinstance(event, OrderAddressChanged):
        r = event.receiver
        values = {
            "receiver_name": r.name,
            "receiver_phone": r.phone,
            "receiver_phone_last4": last4(r.phone),
            "receiver_province": r.province,
            "receiver_city": r.city,
            "receiver_district": r.district,
            "receiver_street": r.street,
            "receiver_detail": r.detail,
        }
    elif isinstance(event, OrderRemarksChanged):
        values = {"buyer_remark": event.buyer_remark, "seller_memo": event.seller_memo}
    elif isinstance(event, OrderCancelled):
        locked = await lock_status(tx.conn, order_id)
        if locked is not None:
            status_from = locked[0]
            if can_transition(status_from, OrderStatus.CANCELLED):
                await set_status(tx.conn, order_id, OrderStatus.CANCELLED, since=now)
                outcome, path = Outcome.APPLIED, (OrderStatus.CANCELLED,)
            elif status_from is not OrderStatus.CANCELLED:
                # Cancelled on the platform after it left the warehouse: recorded for people to act on.
                outcome = Outcome.REJECTED
                await record_rejection(
                    tx.conn,
                    order_id=order_id,
                    event_id=event_id,
                    event_type=event.event_type,
                    from_status=status_from,
                    to_status=OrderStatus.CANCELLED,
                )
    if values:
        await update_order(tx.conn, order_id, values)
    await add_timeline(
        tx.conn,
        TimelineRecord(
            order_id=order_id,
            event_id=event_id,
            event_type=event.event_type,
            occurred_at=now,
            entry=change_entry(event),
            outcome=outcome,
            status_from=status_from,
            status_path=path,
        ),
    )


async def _save_state(
    conn: AsyncConnection, order_id: str, order: ChannelOrder, known: KnownState, source: str
) -> None:
    values = {
        "platform_status": order.platform_status,
        "platform_updated_at": order.updated_at,
        # A cancellation or refund, once applied, is never taken back by a later fetch.
        "cancelled": order.cancelled or known.cancelled,
        "refunded_fen": max(order.refunded_fen, known.refunded_fen),
        "last_source": source,
    }
    await save_platform_state(conn, order_id, values)
