"""The `orders` table: each order's snapshot and where it stands with the rules service.
Statements only: the caller owns the transaction.

Every path that may clear or close an order locks its row first (`lock`), so a release from
the API and a payment from the bus cannot both publish OrderValidated."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import CanonicalOrder
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.engine.address import resolve_receiver
from rules.tables import orders
from rules.timers.model import TimerKind


@dataclass(frozen=True)
class OrderRecord:
    order: CanonicalOrder
    paid: bool
    rule_set_version: int
    validated_at: datetime | None
    cancelled_at: datetime | None
    waybill_no: str | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    needs_revalidation: bool = False

    @property
    def order_id(self) -> str:
        return self.order.order_id


# Placed orders, set-based, each with the version of the rule set active now (read in the same
# statement). The serialised snapshot is cast to jsonb by Postgres.
_RECORD_MANY = text(
    """
INSERT INTO rules.orders (order_id, snapshot, paid, province, channel, created_at, rule_set_version,
                          resolved_address, division_code)
SELECT o.order_id, CAST(o.snapshot AS jsonb), o.paid, o.province, o.channel, o.created_at,
       (SELECT version FROM rules.rule_sets WHERE active), CAST(o.resolved AS jsonb), o.division_code
FROM unnest(
    CAST(:order_ids AS text[]), CAST(:snapshots AS text[]), CAST(:paid AS boolean[]),
    CAST(:provinces AS text[]), CAST(:channels AS text[]), CAST(:created_ats AS timestamptz[]),
    CAST(:resolved AS text[]), CAST(:division_codes AS text[])
) AS o(order_id, snapshot, paid, province, channel, created_at, resolved, division_code)
ON CONFLICT (order_id) DO NOTHING
RETURNING order_id, rule_set_version
"""
)


async def record_many(conn: AsyncConnection, placed: Sequence[CanonicalOrder]) -> dict[str, int]:
    """Store the orders as placed; returns the rule set version of each one that was new (an order
    already known is a redelivered placement and is left out). One round trip. A rule set must be
    active (seeded at start-up); order IDs must be distinct."""
    if not placed:
        return {}
    places = [resolve_receiver(o.receiver) for o in placed]
    params = {
        "order_ids": [o.order_id for o in placed],
        "snapshots": [o.model_dump_json() for o in placed],
        "paid": [o.is_paid for o in placed],
        "provinces": [o.receiver.province for o in placed],
        "channels": [o.channel.value for o in placed],
        "created_ats": [o.created_at for o in placed],
        "resolved": [json.dumps(p.record(), ensure_ascii=False) for p in places],
        "division_codes": [p.division_code for p in places],
    }
    rows = (await conn.execute(_RECORD_MANY, params)).all()
    return {row.order_id: int(row.rule_set_version) for row in rows}


async def lock(conn: AsyncConnection, order_id: str) -> OrderRecord | None:
    t = orders
    query = (
        select(
            t.c.snapshot,
            t.c.paid,
            t.c.rule_set_version,
            t.c.validated_at,
            t.c.cancelled_at,
            t.c.waybill_no,
            t.c.shipped_at,
            t.c.delivered_at,
            t.c.needs_revalidation,
        )
        .where(t.c.order_id == order_id)
        .with_for_update()
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return OrderRecord(
        order=CanonicalOrder.model_validate(row.snapshot),
        paid=row.paid,
        rule_set_version=row.rule_set_version,
        validated_at=row.validated_at,
        cancelled_at=row.cancelled_at,
        waybill_no=row.waybill_no,
        shipped_at=row.shipped_at,
        delivered_at=row.delivered_at,
        needs_revalidation=row.needs_revalidation,
    )


async def mark_paid(conn: AsyncConnection, order: CanonicalOrder) -> None:
    """`order` is the snapshot with its paid_at set."""
    await conn.execute(
        update(orders)
        .where(orders.c.order_id == order.order_id)
        .values(paid=True, snapshot=order.model_dump(mode="json"), updated_at=func.now())
    )


async def mark_validated(conn: AsyncConnection, order_id: str) -> None:
    await mark_validated_many(conn, [order_id])


async def mark_validated_many(conn: AsyncConnection, order_ids: Sequence[str]) -> None:
    if not order_ids:
        return
    await conn.execute(
        update(orders)
        .where(orders.c.order_id.in_(order_ids))
        .values(
            validated_at=func.coalesce(orders.c.validated_at, func.now()),
            needs_revalidation=False,
            updated_at=func.now(),
        )
    )


async def update_fields(conn: AsyncConnection, order_id: str, **values: Any) -> None:
    """Set facts fulfillment or ingest told us (waybill_no, shipped_at, delivered_at,
    needs_revalidation, snapshot)."""
    await conn.execute(update(orders).where(orders.c.order_id == order_id).values(**values, updated_at=func.now()))


async def mark_cancelled(conn: AsyncConnection, order_id: str, reason: str) -> None:
    await conn.execute(
        update(orders)
        .where(orders.c.order_id == order_id, orders.c.cancelled_at.is_(None))
        .values(cancelled_at=func.now(), cancel_reason=reason, updated_at=func.now())
    )


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """What a waybill decision needs of a locked order: not the whole snapshot."""

    order_id: str
    paid_at: datetime | None
    shipped_at: datetime | None


_LOCK_FOR_SHIPMENTS = text(
    """
SELECT order_id, snapshot->>'paid_at' AS paid_at, shipped_at FROM rules.orders
WHERE order_id = ANY(CAST(:order_ids AS text[])) ORDER BY order_id FOR UPDATE
"""
)

# Waybills, and the ship-deadline timers: created, or moved while still pending (fire once).
_RECORD_WAYBILLS = text(
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


async def lock_for_shipments(conn: AsyncConnection, order_ids: Sequence[str]) -> dict[str, ShipmentFacts]:
    """Lock the orders, in order-ID order (one lock order for every run); unknown ones are absent."""
    rows = await conn.execute(_LOCK_FOR_SHIPMENTS, {"order_ids": sorted(order_ids)})
    return {
        r.order_id: ShipmentFacts(
            r.order_id, datetime.fromisoformat(r.paid_at) if r.paid_at is not None else None, r.shipped_at
        )
        for r in rows
    }


async def record_waybills(
    conn: AsyncConnection, waybills: Mapping[str, str], deadlines: Mapping[str, tuple[datetime, datetime]]
) -> None:
    """Set each order's waybill and move its R16 timer (`deadlines`: order → (due, deadline)),
    in one statement."""
    params: dict[str, Any] = {
        "order_ids": list(waybills),
        "waybills": list(waybills.values()),
        "kind": TimerKind.SHIP_DEADLINE.value,
        "timer_orders": list(deadlines),
        "timer_due": [due for due, _ in deadlines.values()],
        "timer_reference": [deadline for _, deadline in deadlines.values()],
    }
    await conn.execute(_RECORD_WAYBILLS, params)


def address_fields(receiver: Receiver) -> dict[str, Any]:
    """The resolved-address columns for a (changed) receiver, for `update_fields`."""
    place = resolve_receiver(receiver)
    return {"resolved_address": place.record(), "division_code": place.division_code}


async def resolved_address(conn: AsyncConnection, order_id: str) -> dict[str, Any] | None:
    """The receiver as the rules service resolved it (None for an unknown order)."""
    found = await conn.scalar(select(orders.c.resolved_address).where(orders.c.order_id == order_id))
    return dict(found) if found is not None else None
