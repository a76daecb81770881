"""Every SQL statement of the refund ledger."""

from __future__ import annotations

from datetime import datetime

from orderhub_contracts.returns import ReturnLine, ReturnStatus, ReturnType
from sqlalchemy import RowMapping, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.refunds.model import PENDING, SUCCEEDED, Refund
from aftersales.tables import refunds, tickets


async def insert_refund(conn: AsyncConnection, refund: Refund) -> None:
    await conn.execute(
        refunds.insert().values(
            refund_no=refund.refund_no,
            ticket_id=refund.ticket_id,
            order_id=refund.order_id,
            amount_fen=refund.amount_fen,
            currency=refund.currency,
            method=refund.method,
            status=refund.status,
            lines=[line.model_dump(mode="json") for line in refund.lines],
        )
    )


async def refund_of_ticket(conn: AsyncConnection, ticket_id: str, *, lock: bool = False) -> Refund | None:
    query = select(refunds).where(refunds.c.ticket_id == ticket_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).mappings().first()
    return None if row is None else _refund(row)


async def ticket_of_refund(conn: AsyncConnection, refund_no: str) -> str | None:
    found = await conn.scalar(select(refunds.c.ticket_id).where(refunds.c.refund_no == refund_no))
    return None if found is None else str(found)


async def mark_succeeded(conn: AsyncConnection, refund_no: str, provider_refund_id: str, at: datetime) -> bool:
    statement = (
        update(refunds)
        .where(refunds.c.refund_no == refund_no, refunds.c.status == PENDING)
        .values(status=SUCCEEDED, provider_refund_id=provider_refund_id, settled_at=at)
    )
    return (await conn.execute(statement)).rowcount == 1


async def count_attempt(conn: AsyncConnection, refund_no: str) -> None:
    await conn.execute(update(refunds).where(refunds.c.refund_no == refund_no).values(attempts=refunds.c.attempts + 1))


async def refunded_units(conn: AsyncConnection, order_id: str) -> dict[str, int]:
    units: dict[str, int] = {}
    for (lines,) in await conn.execute(select(refunds.c.lines).where(refunds.c.order_id == order_id)):
        for line in lines:
            units[line["sku"]] = units.get(line["sku"], 0) + int(line["quantity"])
    return units


async def tickets_awaiting_refund(conn: AsyncConnection, limit: int) -> list[str]:
    """Tickets whose money is due: a return received, a refund-only approved, or a refund booked
    and not yet confirmed by the provider (a crash, a timeout, PROCESSING)."""
    due = or_(
        and_(tickets.c.status == ReturnStatus.RECEIVED.value, tickets.c.return_type == ReturnType.RETURN_REFUND.value),
        and_(tickets.c.status == ReturnStatus.APPROVED.value, tickets.c.return_type == ReturnType.REFUND_ONLY.value),
    )
    query = select(tickets.c.ticket_id).where(due).order_by(tickets.c.updated_at).limit(limit)
    return [str(row[0]) for row in await conn.execute(query)]


async def ledger(conn: AsyncConnection, order_id: str | None, limit: int) -> list[Refund]:
    query = select(refunds).order_by(refunds.c.created_at.desc()).limit(limit)
    if order_id is not None:
        query = query.where(refunds.c.order_id == order_id)
    return [_refund(row) for row in (await conn.execute(query)).mappings()]


async def total_refunded(conn: AsyncConnection, order_id: str) -> int:
    query = select(func.coalesce(func.sum(refunds.c.amount_fen), 0)).where(refunds.c.order_id == order_id)
    return int((await conn.execute(query)).scalar_one())


def _refund(row: RowMapping) -> Refund:
    return Refund(
        refund_no=row["refund_no"],
        ticket_id=row["ticket_id"],
        order_id=row["order_id"],
        amount_fen=row["amount_fen"],
        currency=row["currency"],
        method=row["method"],
        status=row["status"],
        provider_refund_id=row["provider_refund_id"],
        lines=tuple(ReturnLine.model_validate(line) for line in row["lines"]),
        created_at=row["created_at"],
        settled_at=row["settled_at"],
    )
