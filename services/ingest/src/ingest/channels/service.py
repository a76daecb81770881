"""The use cases of channel intake: receiving a push (verify it, archive it raw with the verdict,
queue the fetch of every order it names, in one short transaction; no platform call here: the
fetch worker does those), replaying an archived push after a fix, making a fetch due now, and
taking a fetched platform order in.

A platform order seen for the first time is placed through `orders.service.accept_order` (global
ID, dedupe, order.placed); one already known is diffed with what was last applied and each change
is published as its own event, applied to the order record and put on the timeline. Applying the
same fetch twice, or a fetch older than the last one applied, changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import DomainEvent, OrderAddressChanged, OrderCancelled, OrderPaid, OrderRemarksChanged
from orderhub_contracts.phone import last4
from orderhub_contracts.state_machine import OrderStatus, can_transition
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.channels.base import ChannelAdapter, ChannelOrder, PushNotice, PushRejected
from ingest.channels.changes import KnownState, change_entry, diff, is_stale
from ingest.channels.hub import ChannelHub
from ingest.channels.repository import (
    ACCEPTED,
    REJECTED,
    archive_push,
    enqueue_fetch,
    get_platform_state,
    get_push,
    lock_push,
    make_due,
    record_replay,
    save_platform_state,
)
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
class PushOutcome:
    push_id: int
    accepted: bool
    reason: str = ""
    status: int = 200  # HTTP status to answer the platform with
    notices: tuple[PushNotice, ...] = ()


def verify(adapter: ChannelAdapter, headers: Mapping[str, str], body: bytes) -> tuple[list[PushNotice], str, int]:
    """Run the adapter's check; any failure (a malformed body, or a parser bug that a later fix
    removes) is a rejection kept for replay, never a 500 that loses the push."""
    try:
        return adapter.verify_push(headers, body), "", 200
    except PushRejected as exc:
        return [], exc.reason, exc.status
    except Exception as exc:
        return [], f"malformed push: {type(exc).__name__}: {exc}", 400


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    push: RowMapping  # the archived push after the replay
    accepted: bool
    reason: str
    notices: tuple[PushNotice, ...]


async def receive_push(tx: Tx, adapter: ChannelAdapter, headers: Mapping[str, str], body: bytes) -> PushOutcome:
    lowered = {k.lower(): v for k, v in headers.items()}
    notices, reason, status = verify(adapter, lowered, body)
    channel = adapter.channel.value
    push_id = await archive_push(
        tx.conn,
        channel=channel,
        headers=lowered,
        body=body,
        verdict=REJECTED if reason else ACCEPTED,
        reason=reason,
        notices=len(notices),
    )
    await _queue_fetches(tx, notices, source="push", push_id=push_id)
    if reason:
        log.warning("channel.push_rejected", channel=channel, push_id=push_id, reason=reason)
        return PushOutcome(push_id, accepted=False, reason=reason, status=status)
    log.info(
        "channel.push_accepted", channel=channel, push_id=push_id, orders=[n.ref.channel_order_no for n in notices]
    )
    return PushOutcome(push_id, accepted=True, notices=tuple(notices))


async def replay_push(tx: Tx, hub: ChannelHub, push_id: int) -> ReplayOutcome:
    """Verify an archived push again with the current configuration (after a fix, e.g. a corrected
    secret) and, if it now passes, queue its orders. The signature is always checked: replay never
    accepts an unsigned push. Replaying an accepted push refetches its orders."""
    row = await lock_push(tx.conn, push_id)
    if row is None:
        raise NotFound(f"push {push_id} is not in the archive")
    adapter = hub.adapter(row["channel"])
    notices, reason, _status = verify(adapter, dict(row["headers"]), bytes(row["body"]))
    await _queue_fetches(tx, notices, source="replay", push_id=push_id)
    previous = f" (was: {row['reason']})" if row["reason"] and not reason else ""
    await record_replay(
        tx.conn,
        push_id,
        verdict=REJECTED if reason else ACCEPTED,
        reason=reason or f"replayed{previous}",
        notices=len(notices),
    )
    replayed = await get_push(tx.conn, push_id)
    assert replayed is not None  # locked above, in this transaction
    log.info("channel.push_replayed", channel=row["channel"], push_id=push_id, accepted=not reason)
    return ReplayOutcome(replayed, accepted=not reason, reason=reason, notices=tuple(notices))


async def _queue_fetches(tx: Tx, notices: Sequence[PushNotice], *, source: str, push_id: int) -> None:
    """Queue the fetch of every order a verified push names (a push and its replay alike)."""
    for notice in notices:
        await enqueue_fetch(tx.conn, notice.ref, source=source, push_id=push_id)


async def retry_fetch(tx: Tx, task_id: int) -> RowMapping:
    """Make an open fetch due now instead of at the end of its backoff (e.g. after a fix)."""
    row = await make_due(tx.conn, task_id)
    if row is None:
        raise NotFound(f"fetch task {task_id} is not open")
    return row


# --- A fetched platform order ------------------------------------------------------------------


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
