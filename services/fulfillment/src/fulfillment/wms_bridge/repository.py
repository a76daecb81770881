"""Every SQL statement of the WMS bridge: the remarks of the export's orders, the run records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fulfillment.outbound.model import OutboundStatus
from fulfillment.tables import awaiting_stock, order_flags, outbound_orders, wms_bridge_runs
from fulfillment.wms_bridge.model import BridgeRun, OrderRemarks, RunStatus, SheetOrder

BRIDGE_LOCK = 0x574D5342  # "WMSB": one bridge round at a time, across processes


@asynccontextmanager
async def bridge_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the bridge's session advisory lock (waiting for it): the schedule's round and a
    `run now` never read the same file at once, nor do two service instances."""
    async with engine.connect() as conn:
        await conn.execute(select(func.pg_advisory_lock(BRIDGE_LOCK)))
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(select(func.pg_advisory_unlock(BRIDGE_LOCK)))
            await conn.commit()


async def find_remarks(conn: AsyncConnection, keys: Sequence[str]) -> dict[str, OrderRemarks]:
    """Remarks per key, a key being a global order ID or a channel order number: from the outbound
    orders, else from the orders still waiting for stock (known, but without an outbound yet)."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return {}
    o = outbound_orders
    query = (
        select(o.c.order_id, o.c.channel_order_no, o.c.buyer_remark, o.c.seller_memo, o.c.gift_note, o.c.remark_flags)
        .where(or_(o.c.order_id.in_(wanted), o.c.channel_order_no.in_(wanted)))
        .order_by(o.c.order_id, o.c.zone)
    )
    found: dict[str, OrderRemarks] = {}
    for row in await conn.execute(query):
        remarks = OrderRemarks(
            row.order_id,
            row.channel_order_no,
            row.buyer_remark,
            row.seller_memo,
            row.gift_note,
            tuple(row.remark_flags),
        )
        found.setdefault(row.order_id, remarks)
        if row.channel_order_no:
            found.setdefault(row.channel_order_no, remarks)
    missing = [k for k in wanted if k not in found]
    if missing:
        found |= await _waiting_remarks(conn, missing)
    return found


async def take_to_picking(conn: AsyncConnection, keys: Sequence[str]) -> list[SheetOrder]:
    """The sheet's outbound orders not yet on paper (`created`), by global order ID or channel
    order number, locked in outbound ID order and moved to `picking`."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return []
    o = outbound_orders
    query = (
        select(o.c.outbound_id, o.c.order_id, o.c.waybill_no)
        .where(
            o.c.status == OutboundStatus.CREATED.value,
            or_(o.c.order_id.in_(wanted), o.c.channel_order_no.in_(wanted)),
        )
        .order_by(o.c.outbound_id)
        .with_for_update(of=o)
    )
    found = [SheetOrder(row.order_id, row.outbound_id, row.waybill_no) for row in await conn.execute(query)]
    if found:
        await conn.execute(
            update(o)
            .where(o.c.outbound_id.in_([f.outbound_id for f in found]))
            .values(status=OutboundStatus.PICKING.value, updated_at=func.now())
        )
    return found


async def _waiting_remarks(conn: AsyncConnection, keys: Sequence[str]) -> dict[str, OrderRemarks]:
    snapshot = awaiting_stock.c.order_snapshot
    query = select(snapshot).where(
        or_(awaiting_stock.c.order_id.in_(keys), snapshot["channel_order_no"].astext.in_(keys))
    )
    orders = [row.order_snapshot for row in await conn.execute(query)]
    if not orders:
        return {}
    flags: dict[str, list[str]] = {}
    flag_query = (
        select(order_flags.c.order_id, order_flags.c.label)
        .where(order_flags.c.order_id.in_([o["order_id"] for o in orders]))
        .order_by(order_flags.c.rule_id)
    )
    for row in await conn.execute(flag_query):
        flags.setdefault(row.order_id, []).append(row.label)
    found: dict[str, OrderRemarks] = {}
    for order in orders:
        remarks = OrderRemarks(
            order_id=order["order_id"],
            channel_order_no=order.get("channel_order_no", ""),
            buyer_remark=order.get("buyer_remark", ""),
            seller_memo=order.get("seller_memo", ""),
            gift_note=order.get("gift_note", ""),
            remark_flags=tuple(flags.get(order["order_id"], ())),
        )
        found[remarks.order_id] = remarks
        if remarks.channel_order_no:
            found.setdefault(remarks.channel_order_no, remarks)
    return found


def _run(row: RowMapping) -> BridgeRun:
    return BridgeRun(
        run_id=row["run_id"],
        business_date=row["business_date"],
        file_name=row["file_name"],
        status=RunStatus(row["status"]),
        rows_read=row["rows_read"],
        matched=row["matched"],
        unknown=row["unknown"],
        output_files=tuple(row["output_files"]),
        print_job_id=row["print_job_id"],
        error=row["error"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


async def run_of_file(conn: AsyncConnection, file_name: str, sha256: str) -> BridgeRun | None:
    r = wms_bridge_runs
    query = select(r).where(r.c.file_name == file_name, r.c.file_sha256 == sha256)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _run(row)


async def insert_run(
    conn: AsyncConnection,
    *,
    business_date: date,
    file_name: str,
    sha256: str,
    status: RunStatus,
    counts: tuple[int, int, int] = (0, 0, 0),
    output_files: Sequence[str] = (),
    error: str = "",
    at: datetime,
) -> BridgeRun:
    rows_read, matched, unknown = counts
    statement = (
        insert(wms_bridge_runs)
        .values(
            business_date=business_date,
            file_name=file_name,
            file_sha256=sha256,
            status=status.value,
            rows_read=rows_read,
            matched=matched,
            unknown=unknown,
            output_files=list(output_files),
            error=error,
            started_at=at,
            finished_at=at if status is RunStatus.FAILED else None,
        )
        .returning(wms_bridge_runs)
    )
    return _run((await conn.execute(statement)).mappings().one())


async def lock_annotated(conn: AsyncConnection, run_id: int) -> BridgeRun | None:
    """The run, locked, if it is still waiting to be printed; None once printed (or being printed)."""
    r = wms_bridge_runs
    query = (
        select(r).where(r.c.run_id == run_id, r.c.status == RunStatus.ANNOTATED.value).with_for_update(skip_locked=True)
    )
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _run(row)


async def annotated_runs(conn: AsyncConnection) -> list[BridgeRun]:
    r = wms_bridge_runs
    query = select(r).where(r.c.status == RunStatus.ANNOTATED.value).order_by(r.c.run_id)
    return [_run(row) for row in (await conn.execute(query)).mappings()]


async def runs_of_day(conn: AsyncConnection, day: date) -> list[BridgeRun]:
    r = wms_bridge_runs
    query = select(r).where(r.c.business_date == day).order_by(r.c.run_id)
    return [_run(row) for row in (await conn.execute(query)).mappings()]


async def mark_printed(conn: AsyncConnection, run_id: int, pdf: str, print_job_id: int, at: datetime) -> BridgeRun:
    r = wms_bridge_runs
    statement = (
        update(r)
        .where(r.c.run_id == run_id)
        .values(
            status=RunStatus.PRINTED.value,
            output_files=func.array_append(r.c.output_files, pdf),
            print_job_id=print_job_id,
            finished_at=at,
        )
        .returning(r)
    )
    return _run((await conn.execute(statement)).mappings().one())


async def mark_failed(conn: AsyncConnection, run_id: int, error: str, at: datetime) -> BridgeRun:
    r = wms_bridge_runs
    statement = (
        update(r)
        .where(r.c.run_id == run_id)
        .values(status=RunStatus.FAILED.value, error=error, finished_at=at)
        .returning(r)
    )
    return _run((await conn.execute(statement)).mappings().one())


async def recent_runs(conn: AsyncConnection, limit: int) -> list[BridgeRun]:
    query = select(wms_bridge_runs).order_by(wms_bridge_runs.c.run_id.desc()).limit(limit)
    return [_run(row) for row in (await conn.execute(query)).mappings()]
