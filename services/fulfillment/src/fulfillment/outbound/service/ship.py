"""Handing a parcel to the carrier (POST /v1/scans/ship): the PDA scans its waybill number.

The parcel's outbound order becomes shipped and shipment.dispatched is published (rules cancels
R16 and arms R17, notify sends the 「已发货」 SMS); once every parcel of the order has left,
order.shipped follows (ingest moves the order to shipped). A waybill that is unknown, cancelled,
intercepted or whose order is on hold is refused with a code and a Chinese message the PDA
shows, and nothing changes; scanning a shipped parcel again answers as before and publishes
nothing."""

from __future__ import annotations

from fulfillment.outbound.model import OutboundOrder, OutboundStatus, ParcelShipped, ShipParcel
from fulfillment.outbound.repository import outbounds_for_order
from fulfillment.outbound.repository.holds import active_hold
from fulfillment.outbound.repository.locks import lock_order
from fulfillment.outbound.repository.outbound_rows import mark_shipped, outbound_by_waybill
from fulfillment.outbound.repository.waiting import waiting_order
from fulfillment.picklists.service import close_finished_waves
from fulfillment.tracking.model import TrackDispatch
from fulfillment.tracking.service import track_dispatch
from orderhub_contracts.events import OrderShipped, ShipmentDispatched
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, NotFound
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


class WaybillUnknown(NotFound):
    code = "waybill_unknown"


class WaybillCancelled(Conflict):
    code = "waybill_cancelled"


class ParcelIntercepted(Conflict):
    code = "parcel_intercepted"


class OrderOnHold(Conflict):
    code = "order_on_hold"


def normalise_waybill(raw: str) -> str:
    return raw.strip().upper()


async def ship_parcel(tx: Tx, command: ShipParcel) -> ParcelShipped:
    conn, waybill_no = tx.conn, normalise_waybill(command.waybill_no)
    found = await outbound_by_waybill(conn, waybill_no)
    if found is None:
        raise WaybillUnknown(f"运单号 {waybill_no} 不存在，请核对后重扫", details={"waybill_no": waybill_no})
    await lock_order(conn, found.order_id)  # the order lock first, as every use case takes it
    outbound = await outbound_by_waybill(conn, waybill_no, for_update=True)
    assert outbound is not None  # outbound orders are never deleted
    details = {"waybill_no": waybill_no, "order_id": outbound.order_id, "outbound_id": outbound.outbound_id}
    if outbound.status is OutboundStatus.SHIPPED:
        assert outbound.shipped_at is not None
        log.info("parcel.scanned_again", order_id=outbound.order_id, waybill_no=waybill_no, by=command.scanned_by)
        siblings = await outbounds_for_order(conn, outbound.order_id)
        left = _all_left(siblings) and await waiting_order(conn, outbound.order_id) is None
        return ParcelShipped(outbound, outbound.shipped_at, already_shipped=True, order_shipped=left)
    if outbound.status is OutboundStatus.CANCELLED:
        raise WaybillCancelled(f"运单 {waybill_no} 已取消（订单已取消），请勿发货，将包裹退回库位", details=details)
    if outbound.status is OutboundStatus.INTERCEPTED:
        raise ParcelIntercepted(f"运单 {waybill_no} 已被拦截，请勿发货，交给仓库组长处理", details=details)
    hold = await active_hold(conn, outbound.order_id)
    if hold is not None:
        raise OrderOnHold(
            f"订单 {outbound.order_id} 正在复核中（{'、'.join(hold.rule_ids)}），请勿发货",
            details=details | {"rule_ids": list(hold.rule_ids)},
        )

    shipped_at = await mark_shipped(conn, outbound.outbound_id)
    await tx.publish(
        ShipmentDispatched(
            order_id=outbound.order_id,
            waybill_no=waybill_no,
            carrier=outbound.carrier,
            dispatched_at=shipped_at,
            outbound_id=outbound.outbound_id,
            zone=outbound.zone.value,
            receiver=outbound.receiver,
        )
    )
    # The carrier is asked (outside this transaction) to push the parcel's track to us.
    parcel = TrackDispatch(
        order_id=outbound.order_id,
        outbound_id=outbound.outbound_id,
        carrier=outbound.carrier,
        waybill_no=waybill_no,
        phone=outbound.receiver.phone,
        dispatched_at=shipped_at,
    )
    await track_dispatch(tx, parcel)
    await close_finished_waves(tx, [outbound.outbound_id])
    siblings = await outbounds_for_order(conn, outbound.order_id)
    # A presale parcel still waiting for its stock has no outbound yet, but is still to leave.
    order_shipped = _all_left(siblings) and await waiting_order(conn, outbound.order_id) is None
    if order_shipped:
        waybills = tuple(o.waybill_no for o in siblings if o.status is OutboundStatus.SHIPPED)
        await tx.publish(OrderShipped(order_id=outbound.order_id, waybill_nos=waybills, shipped_at=shipped_at))
    log.info(
        "parcel.shipped",
        order_id=outbound.order_id,
        outbound_id=outbound.outbound_id,
        waybill_no=waybill_no,
        zone=outbound.zone.value,
        order_shipped=order_shipped,
        by=command.scanned_by,
    )
    return ParcelShipped(outbound, shipped_at, already_shipped=False, order_shipped=order_shipped)


def _all_left(outbounds: list[OutboundOrder]) -> bool:
    """Every parcel that is going to leave has left (cancelled ones never will)."""
    live = [o for o in outbounds if o.status is not OutboundStatus.CANCELLED]
    return bool(live) and all(o.status is OutboundStatus.SHIPPED for o in live)
