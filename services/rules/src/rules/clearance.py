"""Clearing an order for fulfillment: OrderValidated is published for a paid order that is not
cancelled and that no unresolved anomaly holds. Placement, payment and release all end here.
It is published once, and once more after each later hold (an interception of an allocated
order) is released: that is how fulfillment lets the order go on."""

from __future__ import annotations

from orderhub_contracts.events import OrderValidated
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules import orders
from rules.anomalies import repository as anomaly_repo

log = get_logger(__name__)


async def clear_if_unheld(tx: Tx, record: orders.OrderRecord, *, known_unheld: bool = False) -> bool:
    """`record` must be locked in this transaction (inserted or `orders.lock`ed); `known_unheld`:
    the caller has just placed it without a hold, so there is nothing to count.
    Returns whether the order was cleared now."""
    if not record.paid or record.cancelled_at is not None or record.shipped_at is not None:
        return False
    if record.validated_at is not None and not record.needs_revalidation:
        return False
    if not known_unheld and await anomaly_repo.count_unresolved_holds(tx.conn, record.order_id) > 0:
        return False
    await tx.publish(OrderValidated(order=record.order, rule_set_version=record.rule_set_version))
    await orders.mark_validated(tx.conn, record.order_id)
    log.info("order.validated", order_id=record.order_id, rule_set_version=record.rule_set_version)
    return True
