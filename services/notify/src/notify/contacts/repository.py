"""Order contacts: who the customer of an order is, kept from order.placed for the messages
about later events that do not name the receiver (order.refunded). Statements only, over arrays:
a run of placements is one statement, the contacts of a run of refunds one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orderhub_contracts.order import CanonicalOrder
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_RECORD = text(
    """
INSERT INTO notify.order_contacts (order_id, phone, province, currency)
SELECT * FROM unnest(
    CAST(:order_ids AS text[]), CAST(:phones AS text[]), CAST(:provinces AS text[]), CAST(:currencies AS text[])
)
ON CONFLICT (order_id) DO NOTHING
"""
)
_FIND = text(
    "SELECT order_id, phone, province, currency FROM notify.order_contacts "
    "WHERE order_id = ANY(CAST(:order_ids AS text[]))"
)


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str
    province: str
    currency: str


async def record_contacts(conn: AsyncConnection, orders: Sequence[CanonicalOrder]) -> None:
    params = {
        "order_ids": [o.order_id for o in orders],
        "phones": [o.receiver.phone for o in orders],
        "provinces": [o.receiver.province for o in orders],
        "currencies": [o.currency for o in orders],
    }
    await conn.execute(_RECORD, params)


async def find_contacts(conn: AsyncConnection, order_ids: Sequence[str]) -> dict[str, Contact]:
    rows = await conn.execute(_FIND, {"order_ids": list(order_ids)})
    return {row.order_id: Contact(row.phone, row.province, row.currency) for row in rows}
