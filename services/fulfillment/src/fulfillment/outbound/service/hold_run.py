"""Holds from rules (order.held) a run at a time: each records or widens the order's active
hold (see holds.py) and intercepts its outbound if one was created and not yet shipped, with
the outcome of applying them one by one in run order. One statement per stretch of the run in
which no order appears twice (a second hold of an order widens what the first recorded)."""

from __future__ import annotations

from collections.abc import Sequence

from fulfillment.outbound.model import OPEN_STATUSES, HoldRequest, segments
from fulfillment.outbound.repository.holds import HoldOutcome, record_holds
from fulfillment.outbound.repository.locks import lock_orders
from orderhub_contracts.events import ShipmentIntercepted
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


async def hold_orders(tx: Tx, requests: Sequence[HoldRequest]) -> None:
    order_ids = [r.order_id for r in requests]
    await lock_orders(tx.conn, order_ids)
    for start, end in segments(order_ids):
        stretch = requests[start:end]
        rows = await record_holds(tx.conn, [(r.order_id, r.rule_ids, r.reasons, r.held_at) for r in stretch])
        by_order: dict[str, list[HoldOutcome]] = {}
        for row in rows:
            by_order.setdefault(row.order_id, []).append(row)
        for request in stretch:
            for row in by_order.get(request.order_id, []):
                await _announce(tx, request, row)


async def _announce(tx: Tx, request: HoldRequest, row: HoldOutcome) -> None:
    """An intercepted outbound is news for the order's status and timeline (shipment.intercepted)."""
    if row.status in OPEN_VALUES and row.outbound_id is not None and row.waybill_no is not None:
        if request.envelope is not None:
            tx.acting_on(request.envelope)
        reason = "；".join(request.reasons) or "、".join(request.rule_ids)
        await tx.publish(
            ShipmentIntercepted(
                order_id=request.order_id, outbound_id=row.outbound_id, waybill_no=row.waybill_no, reason=reason
            )
        )
        log.warning(
            "outbound.intercepted",
            order_id=request.order_id,
            outbound_id=row.outbound_id,
            waybill_no=row.waybill_no,
            rule_ids=list(request.rule_ids),
        )
    else:
        log.info(
            "hold.recorded", order_id=request.order_id, rule_ids=list(request.rule_ids), outbound_status=row.status
        )


OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
