"""Every SQL statement on tickets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from orderhub_contracts.returns import (
    CLAIMING_RETURN_STATUSES,
    OPEN_RETURN_STATUSES,
    ReceivedLine,
    ReturnLine,
    ReturnStatus,
    ReturnType,
)
from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.tables import tickets
from aftersales.tickets.model import Ticket, TicketFilter


def lines_json(lines: Sequence[ReturnLine] | Sequence[ReceivedLine]) -> list[dict[str, Any]]:
    return [line.model_dump(mode="json") for line in lines]


async def insert_ticket(conn: AsyncConnection, ticket: Ticket) -> None:
    await conn.execute(
        tickets.insert().values(
            ticket_id=ticket.ticket_id,
            order_id=ticket.order_id,
            buyer_id=ticket.buyer_id,
            return_type=ticket.return_type.value,
            status=ticket.status.value,
            lines=lines_json(ticket.lines),
            reason=ticket.reason,
            customer_photos=list(ticket.customer_photos),
            category=ticket.category,
            assignee=ticket.assignee,
            platform_case_no=ticket.platform_case_no,
            platform_status=ticket.platform_status,
            filed_at=ticket.filed_at,
        )
    )


async def lock_ticket(conn: AsyncConnection, ticket_id: str) -> Ticket | None:
    query = select(tickets).where(tickets.c.ticket_id == ticket_id).with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _ticket(row)


async def get_ticket(conn: AsyncConnection, ticket_id: str) -> Ticket | None:
    row = (await conn.execute(select(tickets).where(tickets.c.ticket_id == ticket_id))).mappings().first()
    return None if row is None else _ticket(row)


async def ticket_by_waybill(conn: AsyncConnection, waybill_no: str) -> Ticket | None:
    query = select(tickets).where(tickets.c.return_waybill_no == waybill_no)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _ticket(row)


async def ticket_by_platform_case(conn: AsyncConnection, case_no: str) -> Ticket | None:
    query = select(tickets).where(tickets.c.platform_case_no == case_no).with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _ticket(row)


async def update_ticket(conn: AsyncConnection, ticket_id: str, values: dict[str, Any]) -> Ticket:
    statement = update(tickets).where(tickets.c.ticket_id == ticket_id).values(**values, updated_at=func.now())
    row = (await conn.execute(statement.returning(*tickets.c))).mappings().one()
    return _ticket(row)


async def claimed_quantities(conn: AsyncConnection, order_id: str) -> dict[str, int]:
    """Per SKU, how much of the order is already returned or being returned."""
    query = select(tickets.c.lines).where(
        tickets.c.order_id == order_id, tickets.c.status.in_([s.value for s in CLAIMING_RETURN_STATUSES])
    )
    claimed: dict[str, int] = {}
    for (lines,) in await conn.execute(query):
        for line in lines:
            claimed[line["sku"]] = claimed.get(line["sku"], 0) + int(line["quantity"])
    return claimed


async def count_open(conn: AsyncConnection, order_id: str) -> int:
    query = select(func.count()).where(
        tickets.c.order_id == order_id, tickets.c.status.in_([s.value for s in OPEN_RETURN_STATUSES])
    )
    return int((await conn.execute(query)).scalar_one())


async def list_tickets(conn: AsyncConnection, where: TicketFilter) -> list[Ticket]:
    query = select(tickets).order_by(tickets.c.filed_at.desc()).limit(where.limit)
    if where.assignee is not None:
        query = query.where(tickets.c.assignee == where.assignee)
    if where.status is not None:
        query = query.where(tickets.c.status == where.status.value)
    if where.statuses:
        query = query.where(tickets.c.status.in_([s.value for s in where.statuses]))
    if where.category is not None:
        query = query.where(tickets.c.category == where.category)
    if where.order_id is not None:
        query = query.where(tickets.c.order_id == where.order_id)
    if where.buyer_id is not None:
        query = query.where(tickets.c.buyer_id == where.buyer_id)
    return [_ticket(row) for row in (await conn.execute(query)).mappings()]


async def clock_seconds(conn: AsyncConnection, since: datetime) -> tuple[list[float], list[float]]:
    """Seconds from filing to approval, and from filing to refund, of tickets filed since `since`."""
    query = select(
        func.extract("epoch", tickets.c.approved_at - tickets.c.filed_at),
        func.extract("epoch", tickets.c.refunded_at - tickets.c.filed_at),
    ).where(tickets.c.filed_at >= since, tickets.c.approved_at.is_not(None))
    approved: list[float] = []
    refunded: list[float] = []
    for to_approval, to_refund in await conn.execute(query):
        approved.append(float(to_approval))
        if to_refund is not None:
            refunded.append(float(to_refund))
    return approved, refunded


def _ticket(row: RowMapping) -> Ticket:
    received = row["received"]
    return Ticket(
        ticket_id=row["ticket_id"],
        order_id=row["order_id"],
        buyer_id=row["buyer_id"],
        return_type=ReturnType(row["return_type"]),
        status=ReturnStatus(row["status"]),
        lines=tuple(ReturnLine.model_validate(line) for line in row["lines"]),
        reason=row["reason"],
        customer_photos=tuple(row["customer_photos"]),
        category=row["category"],
        assignee=row["assignee"],
        decision_note=row["decision_note"],
        platform_case_no=row["platform_case_no"],
        platform_status=row["platform_status"],
        return_carrier=row["return_carrier"],
        return_waybill_no=row["return_waybill_no"],
        received=None if received is None else tuple(ReceivedLine.model_validate(line) for line in received),
        problems=tuple(row["problems"]),
        filed_at=row["filed_at"],
        approved_at=row["approved_at"],
        refunded_at=row["refunded_at"],
        closed_at=row["closed_at"],
    )


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
