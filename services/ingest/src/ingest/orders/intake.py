"""Accepting an order: give it its global ID, store it, and publish order.placed, all in the
caller's transaction. The same channel order again gets the same ID and publishes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from orderhub_contracts.events import OrderPlaced
from orderhub_contracts.ids import candidate_order_ids
from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.orders.commands import PlaceOrder
from ingest.orders.compare import material_differences
from ingest.orders.repository import claim_order_id, find_order_id, insert_order, load_order
from ingest.orders.timeline_repository import TimelineRecord, add_timeline
from ingest.projection.rules import Outcome
from ingest.timeline import placed_entry

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    order_id: str
    created: bool  # False: this channel order was already here; nothing was stored or published


async def accept_order(tx: Tx, command: PlaceOrder) -> Accepted:
    channel, number = command.channel.value, command.channel_order_no
    existing = await find_order_id(tx.conn, channel, number)
    if existing is not None:
        return await _resubmitted(tx.conn, existing, command)
    for candidate in candidate_order_ids(command.created_at, channel, number):
        if await claim_order_id(tx.conn, channel, number, candidate):
            await _place(tx, command.to_order(candidate), entered_by=command.entered_by)
            return Accepted(candidate, created=True)
        # Either a concurrent submission of this very order won (then it has an ID now), or a
        # different channel order holds this candidate and the next one is tried.
        existing = await find_order_id(tx.conn, channel, number)
        if existing is not None:
            return await _resubmitted(tx.conn, existing, command)
    raise Conflict(
        f"no free order ID for {channel} order {number}: every candidate ID is held by another order",
        details={"channel": channel, "channel_order_no": number},
    )


async def _resubmitted(conn: AsyncConnection, order_id: str, command: PlaceOrder) -> Accepted:
    stored = await load_order(conn, order_id)
    if stored is None:  # the key and the order are written in one transaction
        raise RuntimeError(f"order key {order_id} has no order row")
    differences = material_differences(stored, command.to_order(order_id))
    if differences:
        log.info("order.resubmission_conflict", order_id=order_id, differs=differences)
        raise Conflict(
            f"{command.channel.value} order {command.channel_order_no} was already placed as {order_id} "
            f"with different {', '.join(differences)}; a changed order needs its own channel order number",
            details={"order_id": order_id, "differs": differences},
        )
    log.info("order.duplicate_submission", order_id=order_id, channel=command.channel.value)
    return Accepted(order_id, created=False)


async def _place(tx: Tx, order: CanonicalOrder, *, entered_by: str) -> None:
    now = datetime.now(UTC)
    event = OrderPlaced(order=order)
    await insert_order(tx.conn, order, status_since=now)
    event_id = await tx.publish(event)
    await add_timeline(
        tx.conn,
        TimelineRecord(
            order_id=order.order_id,
            event_id=event_id,
            event_type=OrderPlaced.event_type,
            occurred_at=now,
            entry=placed_entry(event, entered_by=entered_by),
            outcome=Outcome.APPLIED,
            status_path=(OrderStatus.CREATED,),
        ),
    )
    log.info(
        "order.accepted",
        order_id=order.order_id,
        channel=order.channel.value,
        lines=len(order.items),
        paid=order.is_paid,
        receiver_phone=order.receiver.masked_phone,
    )
