"""Holds (order.held from rules): at most one active hold per order, released ones kept. A hold
is recorded, or the active one widened with more rules (a second rule can fire later), with the
unshipped outbound intercepted, by record_holds (called by outbound/service/hold_run.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import holds


@dataclass(frozen=True)
class Hold:
    order_id: str
    rule_ids: tuple[str, ...]
    held_at: datetime


async def active_hold(conn: AsyncConnection, order_id: str) -> Hold | None:
    query = select(holds.c.order_id, holds.c.rule_ids, holds.c.held_at).where(
        holds.c.order_id == order_id, holds.c.released_at.is_(None)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else Hold(order_id=row.order_id, rule_ids=tuple(row.rule_ids), held_at=row.held_at)


_RELEASE_MANY = text(
    """
UPDATE fulfillment.holds h SET released_at = r.released_at
FROM unnest(CAST(:order_ids AS text[]), CAST(:released_ats AS timestamptz[])) AS r(order_id, released_at)
WHERE h.order_id = r.order_id AND h.released_at IS NULL
"""
)


async def release_holds(conn: AsyncConnection, released_at: Mapping[str, datetime]) -> None:
    """Release several orders' active holds in one statement (order ID -> release time)."""
    if released_at:
        params = {"order_ids": list(released_at), "released_ats": list(released_at.values())}
        await conn.execute(_RELEASE_MANY, params)


@dataclass(frozen=True)
class HoldOutcome:
    """The order's outbound as it was before the hold (None fields: no outbound)."""

    order_id: str
    outbound_id: str | None
    status: str | None
    waybill_no: str | None


# The statement's snapshot shows each outbound as it was before the interception.
_HOLD = text(
    """
WITH h AS (
    SELECT * FROM unnest(
        CAST(:order_ids AS text[]), CAST(:rule_ids AS text[]), CAST(:reasons AS text[]),
        CAST(:held_ats AS timestamptz[])
    ) WITH ORDINALITY AS h(order_id, rule_ids, reasons, held_at, n)
), recorded AS (
    INSERT INTO fulfillment.holds AS holds (order_id, rule_ids, reasons, held_at)
    SELECT h.order_id, ARRAY(SELECT jsonb_array_elements_text(CAST(h.rule_ids AS jsonb))),
           ARRAY(SELECT jsonb_array_elements_text(CAST(h.reasons AS jsonb))), h.held_at
    FROM h ORDER BY h.n
    ON CONFLICT (order_id) WHERE released_at IS NULL DO UPDATE SET
        rule_ids = ARRAY(SELECT DISTINCT unnest(holds.rule_ids || excluded.rule_ids) ORDER BY 1),
        reasons = ARRAY(SELECT DISTINCT unnest(holds.reasons || excluded.reasons) ORDER BY 1),
        held_at = greatest(holds.held_at, excluded.held_at)
), intercepted AS (
    UPDATE fulfillment.outbound_orders o SET status = 'intercepted', updated_at = now()
    FROM h WHERE o.order_id = h.order_id AND o.status IN ('created', 'picking')
)
SELECT h.order_id, o.outbound_id, o.status, o.waybill_no
FROM h LEFT JOIN fulfillment.outbound_orders o ON o.order_id = h.order_id
ORDER BY h.n
"""
)


async def record_holds(
    conn: AsyncConnection, holds_in_order: Sequence[tuple[str, Sequence[str], Sequence[str], datetime]]
) -> list[HoldOutcome]:
    """Record or widen each (order ID, rule IDs, reasons, held at) hold and intercept the order's
    open outbound orders; one stretch in which no order appears twice. Answers one row per
    outbound (or per order without one), in the given order."""
    params = {
        "order_ids": [h[0] for h in holds_in_order],
        "rule_ids": [json.dumps(list(h[1])) for h in holds_in_order],
        "reasons": [json.dumps(list(h[2]), ensure_ascii=False) for h in holds_in_order],
        "held_ats": [h[3] for h in holds_in_order],
    }
    rows = await conn.execute(_HOLD, params)
    return [HoldOutcome(r.order_id, r.outbound_id, r.status, r.waybill_no) for r in rows]
