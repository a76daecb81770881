"""Remark flags from rules (e.g. R12 备注需关注), kept per order and copied onto its outbound orders
(see outbound_rows.refresh_remark_flags), so that the board and pick lists print them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import order_flags


async def record_flag(conn: AsyncConnection, order_id: str, rule_id: str, label: str, raised_at: datetime) -> None:
    """Record the flag; a rule raised again for the order keeps one flag, with the latest label."""
    stmt = pg_insert(order_flags).values(order_id=order_id, rule_id=rule_id, label=label, raised_at=raised_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[order_flags.c.order_id, order_flags.c.rule_id],
        set_={"label": stmt.excluded.label, "raised_at": stmt.excluded.raised_at},
    )
    await conn.execute(stmt)
