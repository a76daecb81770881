"""Clearances and holds from rules (anomalies.v1).

order.validated clears an order: it allocates it, or releases a hold on it. A clearance whose
event time precedes the order's active hold is stale (it was overtaken by the hold) and changes
nothing; a later one is a release: the hold is cleared and the order goes on, and an outbound
that the hold intercepted is reactivated with the waybill it already has (no second waybill,
no second shipment.created). order.held records the hold and intercepts an unshipped outbound."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from fulfillment.cancellations import is_cancelled
from fulfillment.carriers import CarrierProvider
from fulfillment.holds import active_hold, record_hold, release_hold
from fulfillment.locks import lock_order
from fulfillment.outbound.allocate import allocate
from fulfillment.outbound.repository import (
    OutboundOrder,
    OutboundStatus,
    outbound_for_order,
    reactivate,
    set_status,
)
from fulfillment.outbound.waiting import waiting_order

log = get_logger(__name__)


async def clear_order(tx: Tx, order: CanonicalOrder, carrier: CarrierProvider, *, cleared_at: datetime) -> None:
    conn, order_id = tx.conn, order.order_id
    await lock_order(conn, order_id)
    if await is_cancelled(conn, order_id):
        log.info("clearance.ignored", order_id=order_id, reason="order is cancelled")
        return
    hold = await active_hold(conn, order_id)
    if hold is not None and hold.held_at > cleared_at:
        log.info(
            "clearance.ignored",
            order_id=order_id,
            reason="older than the active hold",
            held_at=hold.held_at.isoformat(),
            rule_ids=list(hold.rule_ids),
        )
        return
    if hold is not None:
        await release_hold(conn, order_id, cleared_at)
        log.info("hold.released", order_id=order_id, rule_ids=list(hold.rule_ids))
    outbound = await outbound_for_order(conn, order_id)
    if outbound is not None:
        if outbound.status is OutboundStatus.INTERCEPTED:
            await _reactivate(tx, outbound, order)
        else:
            log.info("clearance.ignored", order_id=order_id, reason="outbound exists", status=outbound.status.value)
        return
    # A repeated clearance of a queued order re-tries it quietly; after a release it is news.
    first_attempt = await waiting_order(conn, order_id) is None
    await allocate(tx, order, carrier, cleared_at=cleared_at, announce_shortage=first_attempt or hold is not None)


async def _reactivate(tx: Tx, outbound: OutboundOrder, order: CanonicalOrder) -> None:
    """Back to `created`, taking the released order's receiver and remarks (an address fixed
    during the hold must reach the parcel); its stock stayed reserved throughout."""
    await reactivate(tx.conn, outbound.outbound_id, order.receiver, order.buyer_remark, order.seller_memo)
    log.info(
        "outbound.reactivated",
        order_id=outbound.order_id,
        outbound_id=outbound.outbound_id,
        waybill_no=outbound.waybill_no,
        receiver_changed=order.receiver != outbound.receiver,
    )


async def hold_order(
    tx: Tx, order_id: str, rule_ids: Sequence[str], reasons: Sequence[str], *, held_at: datetime
) -> None:
    conn = tx.conn
    await lock_order(conn, order_id)
    await record_hold(conn, order_id, rule_ids, reasons, held_at)
    outbound = await outbound_for_order(conn, order_id)
    if outbound is not None and outbound.status is OutboundStatus.CREATED:
        await set_status(conn, outbound.outbound_id, OutboundStatus.INTERCEPTED)
        log.warning(
            "outbound.intercepted",
            order_id=order_id,
            outbound_id=outbound.outbound_id,
            waybill_no=outbound.waybill_no,
            rule_ids=list(rule_ids),
        )
        return
    log.info(
        "hold.recorded",
        order_id=order_id,
        rule_ids=list(rule_ids),
        outbound_status=outbound.status.value if outbound else None,
    )
