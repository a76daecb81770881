"""The order-reference use cases: keep what a return ticket needs of every order. The placement
(orders.v1) and the shipment (fulfillment.v1) may arrive in either order."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_runtime.db import Tx
from orderhub_runtime.errors import NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.order_refs import repository
from aftersales.order_refs.model import (
    OrderRef,
    RecordCategory,
    RecordPayment,
    RecordPlacement,
    RecordProgress,
    RecordShipment,
)

log = get_logger(__name__)


async def record_placements(tx: Tx, placements: Sequence[RecordPlacement]) -> None:
    await repository.record_placements(tx.conn, placements)


async def record_shipments(tx: Tx, shipments: Sequence[RecordShipment]) -> None:
    """The last shipment of an order in the run wins, as it would one by one."""
    for order_id in await repository.record_shipments(tx.conn, shipments):
        log.info("order_ref.shipment_before_placement", order_id=order_id)


async def record_payment(tx: Tx, payment: RecordPayment) -> None:
    await repository.record_payment(tx.conn, payment)


async def record_progress(tx: Tx, progress: RecordProgress) -> None:
    """Shipped, delivered or cancelled: the first time counts."""
    await repository.record_progress(tx.conn, progress)


async def record_category(tx: Tx, record: RecordCategory) -> None:
    """The newest catalogue entry of a SKU wins, whatever order they arrive in."""
    await repository.record_category(tx.conn, record)


async def order_ref(conn: AsyncConnection, order_id: str) -> OrderRef:
    ref = await repository.get_order_ref(conn, order_id)
    if ref is None:
        raise NotFound(f"order {order_id} is not known to aftersales")
    return ref
