"""Message handlers: keep the order reference that return tickets are linked to."""

from __future__ import annotations

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderPlaced, ShipmentCreated
from orderhub_runtime.bus.consumer import Handler
from orderhub_runtime.db import Tx
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from aftersales.tables import order_refs


async def on_order_placed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
    assert isinstance(event, OrderPlaced)
    order = event.order
    await tx.conn.execute(
        pg_insert(order_refs)
        .values(
            order_id=order.order_id,
            channel=order.channel.value,
            receiver_name=order.receiver.name,
            receiver_phone=order.receiver.phone,
            items=[item.model_dump(mode="json") for item in order.items],
            placed_at=order.created_at,
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
    )


async def on_shipment_created(tx: Tx, _: Envelope, event: DomainEvent) -> None:
    assert isinstance(event, ShipmentCreated)
    await tx.conn.execute(
        update(order_refs)
        .where(order_refs.c.order_id == event.order_id)
        .values(waybill_no=event.waybill_no, carrier=event.carrier, updated_at=func.now())
    )


HANDLERS: dict[str, Handler] = {
    OrderPlaced.event_type: on_order_placed,
    ShipmentCreated.event_type: on_shipment_created,
}
