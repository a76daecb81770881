"""shipment.created, set-based: a run of shipments from one consumer batch records each order's
waybill (R15 knows a waybill exists) and moves its R16 ship-deadline timer, in two statements.
The order rows are locked first, in order-ID order. Within a run, an order's last shipment wins,
as it would one by one; a shipment of an order not placed yet is retried later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, ShipmentCreated
from orderhub_runtime.bus.errors import RetryLater
from orderhub_runtime.db import Tx
from sqlalchemy import text

from rules.timers import TimerKind

# Only what the decision needs: not the whole snapshot.
_LOCK = text(
    """
SELECT order_id, snapshot->>'paid_at' AS paid_at, shipped_at FROM rules.orders
WHERE order_id = ANY(CAST(:order_ids AS text[])) ORDER BY order_id FOR UPDATE
"""
)

# Waybills, and the ship-deadline timers: created, or moved while still pending (fire once).
_RECORD = text(
    """
WITH waybills AS (
    UPDATE rules.orders o SET waybill_no = w.waybill_no, updated_at = now()
    FROM unnest(CAST(:order_ids AS text[]), CAST(:waybills AS text[])) AS w(order_id, waybill_no)
    WHERE o.order_id = w.order_id
)
INSERT INTO rules.timers (order_id, kind, due_at, reference_at)
SELECT t.order_id, :kind, t.due_at, t.reference_at
FROM unnest(
    CAST(:timer_orders AS text[]), CAST(:timer_due AS timestamptz[]), CAST(:timer_reference AS timestamptz[])
) AS t(order_id, due_at, reference_at)
ON CONFLICT (order_id, kind) DO UPDATE SET due_at = excluded.due_at, reference_at = excluded.reference_at
WHERE rules.timers.status = 'pending'
"""
)


@dataclass(frozen=True)
class ShipmentRecorder:
    ship_within: timedelta  # deadline after payment when fulfillment gives none
    warning: timedelta  # the R16 check runs this long before the deadline

    async def on_shipments_created(self, tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        shipments = [event for _, event in items if isinstance(event, ShipmentCreated)]
        order_ids = sorted({s.order_id for s in shipments})
        rows = {r.order_id: r for r in await tx.conn.execute(_LOCK, {"order_ids": order_ids})}
        missing = [order_id for order_id in order_ids if order_id not in rows]
        if missing:
            raise RetryLater(f"orders {', '.join(missing)}: shipment before their placement arrived")
        waybills: dict[str, str] = {}
        deadlines: dict[str, datetime] = {}
        for shipment in shipments:  # later shipments of an order overwrite earlier ones
            row = rows[shipment.order_id]
            waybills[shipment.order_id] = shipment.waybill_no
            deadline = self._deadline(shipment, row.paid_at)
            if deadline is not None and row.shipped_at is None:
                deadlines[shipment.order_id] = deadline
        params: dict[str, Any] = {
            "order_ids": list(waybills),
            "waybills": list(waybills.values()),
            "kind": TimerKind.SHIP_DEADLINE.value,
            "timer_orders": list(deadlines),
            "timer_due": [d - self.warning for d in deadlines.values()],
            "timer_reference": list(deadlines.values()),
        }
        await tx.conn.execute(_RECORD, params)

    def _deadline(self, shipment: ShipmentCreated, paid_at: str | None) -> datetime | None:
        """Fulfillment's deadline; else 24 h after payment for in-stock lines; presale: none."""
        if shipment.ship_deadline is not None:
            return shipment.ship_deadline
        if paid_at is not None and any(not item.presale for item in shipment.items):
            return datetime.fromisoformat(paid_at) + self.ship_within
        return None
