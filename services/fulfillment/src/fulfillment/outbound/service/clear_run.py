"""Clearing a run of orders (order.validated from rules), set-based, with the outcome of clearing
them one by one in run order (see clearance.py for what a clearance does to one order).

The run's order locks are taken at once, in order ID order. The run is then taken in stretches
in which no order appears twice (a redelivered clearance starts a new one, so it sees what the
first did): one statement reads every order's state, the holds released are closed in one,
and the orders left to allocate go to allocate_run. Reactivating an intercepted outbound is
rare and done order by order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from fulfillment.carriers import CarrierProvider
from fulfillment.outbound.model import Clearance, OutboundStatus, segments
from fulfillment.outbound.repository import reactivate
from fulfillment.outbound.repository.holds import release_holds
from fulfillment.outbound.repository.locks import lock_orders
from fulfillment.outbound.repository.outbound_rows import outbound_by_id
from fulfillment.outbound.repository.receivers import changed_receivers
from fulfillment.outbound.repository.run_state import ExistingOutbound, OrderState, order_states
from fulfillment.outbound.repository.waiting import waiting_order
from fulfillment.outbound.service.allocate_run import Candidate, allocate_run
from fulfillment.outbound.service.parcels import ShipPolicy
from fulfillment.outbound.service.readdress import reissue_for
from orderhub_contracts.events import ShipmentReleased
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


async def clear_orders(
    tx: Tx, clearances: Sequence[Clearance], carrier: CarrierProvider, policy: ShipPolicy = ShipPolicy()
) -> None:
    order_ids = [c.order.order_id for c in clearances]
    await lock_orders(tx.conn, order_ids)
    # A clearance may carry the order as it was before an address change: the change wins.
    changed = await changed_receivers(tx.conn, order_ids)
    clearances = [
        replace(c, order=c.order.model_copy(update={"receiver": changed[c.order.order_id]}))
        if c.order.order_id in changed
        else c
        for c in clearances
    ]
    for start, end in segments(order_ids):
        await _clear_segment(tx, clearances[start:end], carrier, policy)


async def _clear_segment(tx: Tx, clearances: Sequence[Clearance], carrier: CarrierProvider, policy: ShipPolicy) -> None:
    conn = tx.conn
    states = await order_states(conn, [c.order.order_id for c in clearances])
    released: dict[str, datetime] = {}
    reactivations: list[tuple[ExistingOutbound, Clearance]] = []
    candidates: list[Candidate] = []
    rests: list[Clearance] = []  # a mixed order whose presale parcel still waits for stock
    for clearance in clearances:
        state = states[clearance.order.order_id]
        if not _goes_on(clearance, state):
            continue
        if state.hold is not None:
            released[clearance.order.order_id] = clearance.cleared_at
            log.info("hold.released", order_id=clearance.order.order_id, rule_ids=list(state.hold.rule_ids))
        if state.outbounds:
            intercepted = [o for o in state.outbounds if o.status is OutboundStatus.INTERCEPTED]
            reactivations += [(outbound, clearance) for outbound in intercepted]
            if state.waiting:
                rests.append(clearance)
            elif not intercepted:
                log.info(
                    "clearance.ignored",
                    order_id=clearance.order.order_id,
                    reason="outbound exists",
                    status=",".join(o.status.value for o in state.outbounds),
                )
            continue
        # A repeated clearance of a queued order re-tries it quietly; after a release it is news.
        announce = not state.waiting or state.hold is not None
        candidates.append(Candidate(clearance.order, clearance.cleared_at, announce, clearance.envelope))
    await release_holds(conn, released)
    for outbound, clearance in reactivations:
        if clearance.envelope is not None:
            tx.acting_on(clearance.envelope)
        await _reactivate(tx, outbound, clearance.order, carrier)
    for clearance in rests:  # rare: tried again, as a stock raise would, once the order is clear
        waiting = await waiting_order(conn, clearance.order.order_id)
        if waiting is not None:
            candidates.append(Candidate(waiting.order, waiting.cleared_at, False, clearance.envelope))
    await allocate_run(tx, candidates, carrier, policy)


def _goes_on(clearance: Clearance, state: OrderState) -> bool:
    """False for a cancelled order and for a clearance overtaken by the order's active hold."""
    order_id = clearance.order.order_id
    if state.cancelled:
        log.info("clearance.ignored", order_id=order_id, reason="order is cancelled")
        return False
    hold = state.hold
    if hold is not None and hold.held_at > clearance.cleared_at:
        log.info(
            "clearance.ignored",
            order_id=order_id,
            reason="older than the active hold",
            held_at=hold.held_at.isoformat(),
            rule_ids=list(hold.rule_ids),
        )
        return False
    return True


async def _reactivate(tx: Tx, outbound: ExistingOutbound, order: CanonicalOrder, carrier: CarrierProvider) -> None:
    """Back to `created`, taking the released order's receiver and remarks (an address fixed
    during the hold must reach the parcel, under a new waybill); its stock stayed reserved."""
    await reactivate(tx.conn, outbound.outbound_id, order.receiver, order.buyer_remark, order.seller_memo)
    # The release moved the order back to validated; this puts it back to allocated.
    await tx.publish(
        ShipmentReleased(order_id=order.order_id, outbound_id=outbound.outbound_id, waybill_no=outbound.waybill_no)
    )
    if order.receiver != outbound.receiver:
        full = await outbound_by_id(tx.conn, outbound.outbound_id)
        if full is not None:
            await reissue_for(tx, full, order.receiver, carrier)
    log.info(
        "outbound.reactivated",
        order_id=order.order_id,
        outbound_id=outbound.outbound_id,
        waybill_no=outbound.waybill_no,
        receiver_changed=order.receiver != outbound.receiver,
    )
