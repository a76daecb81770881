"""Use case: remember the orders placed, for the heat analysis."""

from __future__ import annotations

from collections.abc import Iterable

from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx

from insights.orders import repository
from insights.orders.model import placement_of


async def record_orders(tx: Tx, orders: Iterable[CanonicalOrder], customer_key_secret: str) -> None:
    placements = [p for p in (placement_of(order, customer_key_secret) for order in orders) if p is not None]
    await repository.record_placements(tx.conn, placements)
