"""Clearances and holds from rules (anomalies.v1).

order.validated clears an order: it allocates it, or releases a hold on it. A clearance whose
event time precedes the order's active hold is stale (it was overtaken by the hold) and changes
nothing; a later one is a release: the hold is cleared and the order goes on, and an outbound
that the hold intercepted is reactivated with the waybill it already has (no second waybill,
no second shipment.created). order.held records the hold and intercepts an unshipped outbound.
Both are handled a run at a time (clear_run.py, hold_run.py); a single one is a run of one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fulfillment.carriers import CarrierProvider
from fulfillment.outbound.model import Clearance, HoldRequest
from fulfillment.outbound.service.clear_run import clear_orders
from fulfillment.outbound.service.hold_run import hold_orders
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx


async def clear_order(tx: Tx, order: CanonicalOrder, carrier: CarrierProvider, *, cleared_at: datetime) -> None:
    """One clearance: a run of one (see clear_run.py)."""
    await clear_orders(tx, [Clearance(order, cleared_at)], carrier)


async def hold_order(
    tx: Tx, order_id: str, rule_ids: Sequence[str], reasons: Sequence[str], *, held_at: datetime
) -> None:
    """One hold: a run of one (see hold_run.py)."""
    await hold_orders(tx, [HoldRequest(order_id, tuple(rule_ids), tuple(reasons), held_at)])
