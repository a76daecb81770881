"""From an allocated order to its outbound orders: one per parcel (see deadlines.plan_parcels),
each with its own outbound ID and waybill, announced with shipment.created.

Each parcel reserves its own lines: a mixed order (R14) reserves its in-stock parcel first (short
of that, the whole order waits, as any order does); the presale parcel is reserved then too if
its stock is there, else its rest of the order (`rest_of`) waits in the awaiting-stock queue on
its own, quietly (no stock.shortage: rules' R09 would hold the order, and with it the in-stock
parcel that is to go first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fulfillment.catalogue.repository import presale_dates
from fulfillment.deadlines import IN_STOCK_SHIP_WINDOW, Parcel, plan_parcels
from fulfillment.outbound.model import OutboundOrder, OutboundStatus, Zone
from orderhub_contracts.events import ShipmentCreated
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

log = get_logger(__name__)


@dataclass(frozen=True)
class ShipPolicy:
    """How deadlines are set: the in-stock window (FULFILLMENT_IN_STOCK_SHIP_HOURS)."""

    in_stock_window: timedelta = IN_STOCK_SHIP_WINDOW


async def plan_orders(
    conn: AsyncConnection, orders: Sequence[tuple[CanonicalOrder, datetime]], policy: ShipPolicy
) -> list[list[Parcel]]:
    """Each (order, cleared at)'s parcels, with the catalogue's presale dates read once."""
    dates = await presale_dates(conn, {item.sku for order, _ in orders for item in order.items})
    return [
        plan_parcels(order, dates, cleared_at=cleared_at, in_stock_window=policy.in_stock_window)
        for order, cleared_at in orders
    ]


def rest_of(order: CanonicalOrder, parcel: Parcel) -> CanonicalOrder:
    """The order reduced to one parcel's lines, for the awaiting-stock queue. Its lines are
    marked presale with the parcel's deadline, so that planning it again, whatever the catalogue
    says by then, gives the same single parcel in the same zone with the same deadline."""
    if parcel.zone is Zone.IN_STOCK:
        items = parcel.items
    else:
        items = tuple(
            item.model_copy(update={"presale": True, "presale_ship_date": parcel.ship_deadline})
            for item in parcel.items
        )
    return order.model_copy(update={"items": items})


def outbound_of(
    order: CanonicalOrder, parcel: Parcel, outbound_id: str, carrier: str, waybill_no: str
) -> OutboundOrder:
    return OutboundOrder(
        outbound_id=outbound_id,
        order_id=order.order_id,
        status=OutboundStatus.CREATED,
        ship_deadline=parcel.ship_deadline,
        receiver=order.receiver,
        items=parcel.items,
        buyer_remark=order.buyer_remark,
        seller_memo=order.seller_memo,
        carrier=carrier,
        waybill_no=waybill_no,
        zone=parcel.zone,
        channel=order.channel.value,
        channel_order_no=order.channel_order_no,
        gift_note=order.gift_note,
    )


async def announce_outbounds(tx: Tx, outbounds: Sequence[OutboundOrder]) -> None:
    """shipment.created for each of one order's outbounds, with its zone (rules' R16 follows only
    the in-stock parcel's deadline). The presale one goes first."""
    for outbound in sorted(outbounds, key=lambda o: o.zone.value, reverse=True):
        await tx.publish(
            ShipmentCreated(
                order_id=outbound.order_id,
                outbound_id=outbound.outbound_id,
                carrier=outbound.carrier,
                waybill_no=outbound.waybill_no,
                receiver=outbound.receiver,
                items=outbound.items,
                ship_deadline=outbound.ship_deadline,
                zone=outbound.zone.value,
            )
        )
        log.info(
            "outbound.created",
            order_id=outbound.order_id,
            outbound_id=outbound.outbound_id,
            zone=outbound.zone.value,
            carrier=outbound.carrier,
            waybill_no=outbound.waybill_no,
            ship_deadline=outbound.ship_deadline.isoformat(),
        )
