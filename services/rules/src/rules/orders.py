"""The `orders` table: each order's snapshot and where it stands with the rules service.

Every path that may clear or close an order locks its row first (`lock`), so a release from
the API and a payment from the bus cannot both publish OrderValidated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.order import CanonicalOrder
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.tables import orders, rule_sets


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


async def record(conn: AsyncConnection, order: CanonicalOrder) -> int | None:
    """Store the order as placed, with the version of the rule set active now (read in the same
    statement: one round trip); None when it is already known (a redelivered placement).
    A rule set must be active (`rulebook.seed_default` has run)."""
    active = select(rule_sets.c.version).where(rule_sets.c.active).scalar_subquery()
    result = await conn.execute(
        pg_insert(orders)
        .values(
            order_id=order.order_id,
            snapshot=order.model_dump(mode="json"),
            paid=order.is_paid,
            province=order.receiver.province,
            channel=order.channel.value,
            created_at=order.created_at,
            rule_set_version=active,
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(orders.c.rule_set_version)
    )
    version = result.scalar()
    return None if version is None else int(version)


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
    await conn.execute(
        update(orders)
        .where(orders.c.order_id == order_id)
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
