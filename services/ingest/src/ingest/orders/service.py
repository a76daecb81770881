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
from orderhub_runtime.errors import Conflict, NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.orders.compare import material_differences
from ingest.orders.model import OrderRecord, PlaceOrder, Row
from ingest.orders.repository import (
    PlacedRows,
    TimelineRecord,
    claim_order_id,
    find_keyed_order,
    get_order_row,
    get_receiver_phone,
    insert_placed,
    list_rejections,
    list_timeline,
)
from ingest.projection.rules import Outcome
from ingest.timeline import placed_entry

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    order_id: str
    created: bool  # False: this channel order was already here; nothing was stored or published
    placed: PlacedRows | None = None  # what was written when created: the order shown without a re-read
    row: RowMapping | None = None  # the stored order row when it was already here


async def place_order(tx: Tx, command: PlaceOrder) -> tuple[Accepted, OrderRecord]:
    """Accept the order and answer it as stored (from what was just written, or as read in this
    transaction when this channel order was already here)."""
    accepted = await accept_order(tx, command)
    if accepted.placed is not None:
        placed = accepted.placed
        return accepted, OrderRecord(placed.row, [placed.timeline], [], order=placed.order)
    record = await read_order(tx.conn, accepted.order_id, row=accepted.row)
    if record is None:  # read in the transaction that found it
        raise RuntimeError(f"order {accepted.order_id} vanished")
    return accepted, record


async def read_order(conn: AsyncConnection, order_id: str, *, row: Row | None = None) -> OrderRecord | None:
    """The order with its timeline and refusals; `row` is its order row when already read."""
    if row is None:
        row = await get_order_row(conn, order_id)
    if row is None:
        return None
    return OrderRecord(row, await list_timeline(conn, order_id), await list_rejections(conn, order_id))


async def reveal_receiver_phone(conn: AsyncConnection, order_id: str, *, staff: str) -> str:
    """The full receiver phone for an agent who must call. Who saw which order's number is logged;
    the number itself never is."""
    phone = await get_receiver_phone(conn, order_id)
    if phone is None:
        raise NotFound(f"no order with ID {order_id!r}", details={"order_id": order_id})
    log.info("order.phone_revealed", order_id=order_id, staff=staff)
    return phone


async def accept_order(tx: Tx, command: PlaceOrder) -> Accepted:
    channel, number = command.channel.value, command.channel_order_no
    # Claiming first: a new order (the common case) needs no lookup. A claim fails when either the
    # channel order already has an ID (possibly from a concurrent submission of this very order,
    # whose outcome the claim waited for) or a different channel order holds this candidate.
    for candidate in candidate_order_ids(command.created_at, channel, number):
        if await claim_order_id(tx.conn, channel, number, candidate):
            placed = await _place(tx, command.to_order(candidate), entered_by=command.entered_by)
            return Accepted(candidate, created=True, placed=placed)
        existing = await find_keyed_order(tx.conn, channel, number)
        if existing is not None:
            return _resubmitted(existing, command)
    raise Conflict(
        f"no free order ID for {channel} order {number}: every candidate ID is held by another order",
        details={"channel": channel, "channel_order_no": number},
    )


def _resubmitted(row: RowMapping, command: PlaceOrder) -> Accepted:
    if row["order_id"] is None:  # the key and the order are written in one transaction
        raise RuntimeError(f"order key {row['key_order_id']} has no order row")
    order_id: str = row["order_id"]
    stored = CanonicalOrder.model_validate(row["snapshot"])
    differences = material_differences(stored, command.to_order(order_id))
    if differences:
        log.info("order.resubmission_conflict", order_id=order_id, differs=differences)
        raise Conflict(
            f"{command.channel.value} order {command.channel_order_no} was already placed as {order_id} "
            f"with different {', '.join(differences)}; a changed order needs its own channel order number",
            details={"order_id": order_id, "differs": differences},
        )
    log.info("order.duplicate_submission", order_id=order_id, channel=command.channel.value)
    return Accepted(order_id, created=False, row=row)


async def _place(tx: Tx, order: CanonicalOrder, *, entered_by: str) -> PlacedRows:
    now = datetime.now(UTC)
    event = OrderPlaced(order=order)
    event_id = await tx.publish(event)
    placed = await insert_placed(
        tx.conn,
        order,
        status_since=now,
        placed=TimelineRecord(
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
    return placed
