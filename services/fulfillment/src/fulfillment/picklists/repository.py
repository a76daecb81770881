"""Every SQL statement of the pick lists: choosing a wave's orders, storing the wave and its sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.timezone import as_shanghai
from sqlalchemy import and_, exists, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.outbound.model import OutboundStatus, Zone
from fulfillment.picklists.model import PicklistSummary, PickSheet
from fulfillment.tables import outbound_orders, picklist_orders, picklist_seq, picklists


@dataclass(frozen=True)
class Moved:
    """An outbound order whose status a wave changed (to `picking`, or back to `created`)."""

    outbound_id: str
    order_id: str
    waybill_no: str


async def next_picklist_id(conn: AsyncConnection, at: datetime) -> str:
    """'PL' + Asia/Shanghai date + '-' + a number, e.g. PL20261202-0007."""
    number = (await conn.execute(select(picklist_seq.next_value()))).scalar_one()
    return f"PL{as_shanghai(at):%Y%m%d}-{int(number):04d}"


async def lock_wave_candidates(
    conn: AsyncConnection, *, limit: int, zone: Zone | None, carrier: str | None
) -> list[str]:
    """The most urgent unpicked outbound orders in no open wave, locked for this transaction;
    orders another wave is taking right now are skipped, not waited for."""
    o = outbound_orders
    in_open_wave = exists().where(and_(picklist_orders.c.outbound_id == o.c.outbound_id, picklist_orders.c.open))
    query = (
        select(o.c.outbound_id)
        .where(o.c.status == OutboundStatus.CREATED.value, ~in_open_wave)
        .order_by(o.c.ship_deadline, o.c.outbound_id)
        .limit(limit)
        .with_for_update(of=o, skip_locked=True)
    )
    if zone is not None:
        query = query.where(o.c.zone == zone.value)
    if carrier is not None:
        query = query.where(o.c.carrier == carrier)
    return list((await conn.execute(query)).scalars())


_MOVED = (outbound_orders.c.outbound_id, outbound_orders.c.order_id, outbound_orders.c.waybill_no)


async def mark_picking(conn: AsyncConnection, outbound_ids: Sequence[str]) -> list[Moved]:
    """`created` -> `picking`; answers the outbound orders moved, by outbound ID."""
    rows = await conn.execute(
        update(outbound_orders)
        .where(
            outbound_orders.c.outbound_id.in_(list(outbound_ids)),
            outbound_orders.c.status == OutboundStatus.CREATED.value,
        )
        .values(status=OutboundStatus.PICKING.value, updated_at=func.now())
        .returning(*_MOVED)
    )
    return sorted((Moved(r.outbound_id, r.order_id, r.waybill_no) for r in rows), key=lambda m: m.outbound_id)


async def insert_picklist(conn: AsyncConnection, sheet: PickSheet) -> None:
    await conn.execute(
        insert(picklists).values(
            picklist_id=sheet.picklist_id,
            zone=sheet.zone.value if sheet.zone else None,
            carrier=sheet.carrier,
            created_by=sheet.created_by,
            sheet=sheet.to_json(),
            created_at=sheet.created_at,
        )
    )
    rows: list[dict[str, Any]] = [
        {"picklist_id": sheet.picklist_id, "outbound_id": order.outbound_id, "position": position}
        for position, order in enumerate(sheet.orders, start=1)
    ]
    await conn.execute(insert(picklist_orders), rows)


async def load_sheet(conn: AsyncConnection, picklist_id: str) -> tuple[PickSheet, str] | None:
    """The wave's sheet as generated, and the wave's status."""
    query = select(picklists.c.sheet, picklists.c.status).where(picklists.c.picklist_id == picklist_id)
    row = (await conn.execute(query)).first()
    return None if row is None else (PickSheet.from_json(row.sheet), row.status)


async def close_picklist(conn: AsyncConnection, picklist_id: str, at: datetime) -> list[Moved] | None:
    """Close an open wave: its orders leave it, and those not yet shipped (still `picking`) go back
    to the board as unpicked. Answers their IDs; None when the wave is not open."""
    closed = await conn.execute(
        update(picklists)
        .where(picklists.c.picklist_id == picklist_id, picklists.c.status == "open")
        .values(status="closed", closed_at=at)
        .returning(picklists.c.picklist_id)
    )
    if closed.first() is None:
        return None
    members = await conn.execute(
        update(picklist_orders)
        .where(picklist_orders.c.picklist_id == picklist_id)
        .values(open=False)
        .returning(picklist_orders.c.outbound_id)
    )
    ids = list(members.scalars())
    returned = await conn.execute(
        update(outbound_orders)
        .where(outbound_orders.c.outbound_id.in_(ids), outbound_orders.c.status == OutboundStatus.PICKING.value)
        .values(status=OutboundStatus.CREATED.value, updated_at=func.now())
        .returning(*_MOVED)
    )
    return sorted((Moved(r.outbound_id, r.order_id, r.waybill_no) for r in returned), key=lambda m: m.outbound_id)


# The waves are locked first, in ID order, in a statement of their own: two scans finishing the
# last two orders of a wave at once then check one after the other, the second (a new snapshot
# in READ COMMITTED) seeing the first's parcel shipped, so the wave cannot stay open.
_LOCK_WAVES = text(
    """
SELECT p.picklist_id FROM fulfillment.picklists p
WHERE p.status = 'open' AND p.picklist_id IN (
    SELECT m.picklist_id FROM fulfillment.picklist_orders m
    WHERE m.open AND m.outbound_id = ANY(CAST(:outbound_ids AS text[]))
)
ORDER BY p.picklist_id
FOR UPDATE
"""
)
_FINISHED = text(
    """
WITH done AS (
    UPDATE fulfillment.picklists p SET status = 'closed', closed_at = now()
    WHERE p.status = 'open'
      AND p.picklist_id = ANY(CAST(:picklist_ids AS text[]))
      AND NOT EXISTS (
          SELECT 1 FROM fulfillment.picklist_orders m
          JOIN fulfillment.outbound_orders o ON o.outbound_id = m.outbound_id
          WHERE m.picklist_id = p.picklist_id AND o.status NOT IN ('shipped', 'cancelled')
      )
    RETURNING p.picklist_id
), members AS (
    UPDATE fulfillment.picklist_orders m SET open = false
    FROM done WHERE m.picklist_id = done.picklist_id
)
SELECT picklist_id FROM done ORDER BY picklist_id
"""
)


async def close_finished_waves(conn: AsyncConnection, outbound_ids: Sequence[str]) -> list[str]:
    """Close the open waves of these outbound orders in which every order has shipped or been
    cancelled (the caller has just changed these, in this transaction); answers their IDs."""
    waves = list((await conn.execute(_LOCK_WAVES, {"outbound_ids": list(outbound_ids)})).scalars())
    if not waves:
        return []
    rows = await conn.execute(_FINISHED, {"picklist_ids": waves})
    return list(rows.scalars())


async def list_picklists(conn: AsyncConnection, *, status: str | None, limit: int) -> list[PicklistSummary]:
    p = picklists
    query = (
        select(
            p.c.picklist_id,
            p.c.status,
            p.c.zone,
            p.c.carrier,
            p.c.created_by,
            p.c.created_at,
            p.c.closed_at,
            func.jsonb_array_length(p.c.sheet["orders"]).label("orders"),
        )
        .order_by(p.c.created_at.desc(), p.c.picklist_id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(p.c.status == status)
    return [PicklistSummary(**row) for row in (await conn.execute(query)).mappings()]
