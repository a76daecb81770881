"""Address changes (order.address_changed from ingest, which decided the outcome) and labels going
on paper.

- outcome `changed`: an outbound order not yet on paper (`created`) gets the new receiver and a new
  waybill; the old one goes back to the carrier; shipment.created announces the new waybill. No
  person is involved. If the label went on paper meanwhile (the outbound is `picking`: ingest had
  not heard yet), the outbound is intercepted instead (cause `address_after_print`: rules raise R15,
  whose release re-issues the waybill): never a parcel leaving with a label for an address the
  customer no longer wants.
- outcome `intercepted`: nothing here; R15 holds the order and the hold intercepts the outbound.
  The release takes the new receiver and issues a new waybill (clear_run._reactivate).
- every outcome: the receiver is remembered, so a clearance with an older snapshot of the order
  still allocates to the new address.

The pick-list flow (a wave) and the WMS bridge (its sheet printed) move outbound orders to
`picking` and announce it with outbound.status_changed, so ingest knows from then on (its
`label_printed_at`) that an address change needs an intercept."""

from __future__ import annotations

from datetime import datetime

from fulfillment.carriers import CarrierProvider, WaybillRequest
from fulfillment.outbound.model import OutboundOrder, OutboundStatus
from fulfillment.outbound.repository import outbounds_for_order, set_status
from fulfillment.outbound.repository.cancellations import is_cancelled
from fulfillment.outbound.repository.locks import lock_order
from fulfillment.outbound.repository.receivers import readdress, record_receiver_change
from fulfillment.tracking.service import cancel_waybill
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import AddressInterceptAnswered, ShipmentCreated, ShipmentIntercepted
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)
CHANGED = "changed"
ADDRESS_AFTER_PRINT = "address_after_print"  # ShipmentIntercepted.cause: rules raise R15 for it


async def give_back_waybill(tx: Tx, carrier: CarrierProvider, outbound: OutboundOrder) -> None:
    """The one place a replaced waybill goes back to the carrier: a cancel job on the carrier job
    queue, run outside this transaction (the local carrier's cancel does nothing)."""
    await cancel_waybill(tx, provider=carrier.name, carrier=outbound.carrier, waybill_no=outbound.waybill_no)
    log.info("waybill.given_back", order_id=outbound.order_id, carrier=outbound.carrier, waybill_no=outbound.waybill_no)


async def change_receiver(
    tx: Tx, order_id: str, receiver: Receiver, outcome: str, *, changed_at: datetime, carrier: CarrierProvider
) -> None:
    conn = tx.conn
    await lock_order(conn, order_id)
    await record_receiver_change(conn, order_id, receiver, changed_at)
    if outcome != CHANGED or await is_cancelled(conn, order_id):
        return
    for outbound in await outbounds_for_order(conn, order_id):
        if outbound.receiver == receiver:
            continue  # a redelivered change: already re-addressed
        if outbound.status is OutboundStatus.CREATED:
            await _reissue(tx, outbound, receiver, carrier)
        elif outbound.status is OutboundStatus.PICKING:
            await set_status(conn, outbound.outbound_id, OutboundStatus.INTERCEPTED)
            reason = "改地址时面单已打印：拦截包裹，放行后按新地址重新打单"
            await tx.publish(
                ShipmentIntercepted(
                    order_id=order_id,
                    outbound_id=outbound.outbound_id,
                    waybill_no=outbound.waybill_no,
                    reason=reason,
                    cause=ADDRESS_AFTER_PRINT,
                )
            )
            log.info(
                "outbound.intercepted", order_id=order_id, outbound_id=outbound.outbound_id, reason="label printed"
            )


async def _reissue(tx: Tx, outbound: OutboundOrder, receiver: Receiver, carrier: CarrierProvider) -> str:
    request = WaybillRequest(outbound_id=outbound.outbound_id, order_id=outbound.order_id, receiver=receiver)
    waybill_no = await carrier.issue_waybill(tx.conn, request)
    await readdress(tx.conn, outbound.outbound_id, receiver, waybill_no)
    await give_back_waybill(tx, carrier, outbound)
    await tx.publish(
        ShipmentCreated(
            order_id=outbound.order_id,
            outbound_id=outbound.outbound_id,
            carrier=outbound.carrier,
            waybill_no=waybill_no,
            receiver=receiver,
            items=outbound.items,
            ship_deadline=outbound.ship_deadline,
            zone=outbound.zone.value,
        )
    )
    log.info(
        "waybill.reissued",
        order_id=outbound.order_id,
        outbound_id=outbound.outbound_id,
        old_waybill_no=outbound.waybill_no,
        waybill_no=waybill_no,
    )
    return waybill_no


async def reissue_for(tx: Tx, outbound: OutboundOrder, receiver: Receiver, carrier: CarrierProvider) -> str:
    """A new waybill for the outbound's new receiver (an intercepted parcel released)."""
    return await _reissue(tx, outbound, receiver, carrier)


async def intercept_shipped(
    tx: Tx, order_id: str, receiver: Receiver, carrier: CarrierProvider
) -> list[AddressInterceptAnswered]:
    """order.address_intercept_requested: ask the carrier to re-address each parcel that has left
    (MODIFY_ADDR) and announce its answer; ingest changes the receiver only for an accepted one.
    The local provider answers at once, with no I/O; a real one (快递100) must not call out inside
    this transaction: it submits through its carrier job queue and its answer comes by callback."""
    await lock_order(tx.conn, order_id)
    answers = []
    for outbound in await outbounds_for_order(tx.conn, order_id):
        if outbound.status is not OutboundStatus.SHIPPED:
            continue
        answer = await carrier.modify_address(outbound.carrier, outbound.waybill_no, receiver)
        event = AddressInterceptAnswered(
            order_id=order_id,
            waybill_no=outbound.waybill_no,
            carrier=outbound.carrier,
            accepted=answer.accepted,
            receiver=receiver,
            message=answer.message,
        )
        await tx.publish(event)
        answers.append(event)
        log.info(
            "waybill.intercept_answered", order_id=order_id, waybill_no=outbound.waybill_no, accepted=answer.accepted
        )
    return answers
