"""Cancellation (order.cancelled from ingest): release the stock, cancel the outbound if it has
not shipped, and remember the cancellation in case the clearance is still to come. The units
released go to orders waiting for them at once."""

from __future__ import annotations

from datetime import datetime

from fulfillment.carriers import CarrierProvider
from fulfillment.outbound.model import OutboundStatus
from fulfillment.outbound.repository import outbounds_for_order, set_status
from fulfillment.outbound.repository.cancellations import record_cancellation
from fulfillment.outbound.repository.locks import lock_order
from fulfillment.outbound.repository.waiting import dequeue
from fulfillment.outbound.service.backfill import allocate_waiting
from fulfillment.outbound.service.parcels import ShipPolicy
from fulfillment.picklists.service import close_finished_waves
from fulfillment.stock.repository import release
from fulfillment.tracking.service import cancel_waybill
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


async def cancel_order(
    tx: Tx,
    order_id: str,
    reason: str,
    carrier: CarrierProvider,
    *,
    cancelled_at: datetime,
    policy: ShipPolicy = ShipPolicy(),
) -> None:
    conn = tx.conn
    await lock_order(conn, order_id)
    outbounds = await outbounds_for_order(conn, order_id)
    shipped = [o.outbound_id for o in outbounds if o.status is OutboundStatus.SHIPPED]
    if shipped:
        # The state machine allows no cancellation after shipping: that is after-sales' job.
        log.warning("cancellation.ignored", order_id=order_id, reason="already shipped", outbound_ids=shipped)
        return
    await record_cancellation(conn, order_id, reason, cancelled_at)
    was_waiting = await dequeue(conn, order_id)
    released = await release(conn, order_id)
    for outbound in outbounds:
        if outbound.status is not OutboundStatus.CANCELLED:
            await set_status(conn, outbound.outbound_id, OutboundStatus.CANCELLED)
            # The waybill goes back to the carrier (outside this transaction: a carrier job).
            await cancel_waybill(tx, provider=carrier.name, carrier=outbound.carrier, waybill_no=outbound.waybill_no)
    await close_finished_waves(tx, [o.outbound_id for o in outbounds])
    log.info(
        "cancellation.applied",
        order_id=order_id,
        released=released,
        was_waiting=was_waiting,
        outbound_ids=[o.outbound_id for o in outbounds],
    )
    if released:
        await allocate_waiting(tx, released, carrier, policy)
