"""What a clearance needs to know of each order of a run, read in one statement: cancelled or
not, its active hold, its outbound order and whether it waits for stock. The caller holds the
orders' locks, so the answer stays true for the rest of the transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from orderhub_contracts.address import Receiver
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.outbound.model import OutboundStatus
from fulfillment.outbound.repository.holds import Hold


@dataclass(frozen=True)
class ExistingOutbound:
    outbound_id: str
    status: OutboundStatus
    waybill_no: str
    receiver: Receiver


@dataclass(frozen=True)
class OrderState:
    cancelled: bool
    hold: Hold | None
    outbounds: tuple[ExistingOutbound, ...]  # one per parcel; none before allocation
    waiting: bool


_STATES = text(
    """
SELECT
    i.order_id,
    EXISTS (SELECT 1 FROM fulfillment.cancelled_orders c WHERE c.order_id = i.order_id) AS cancelled,
    EXISTS (SELECT 1 FROM fulfillment.awaiting_stock w WHERE w.order_id = i.order_id) AS waiting,
    h.rule_ids, h.held_at,
    o.outbound_id, o.status, o.waybill_no, o.receiver
FROM unnest(CAST(:order_ids AS text[])) AS i(order_id)
LEFT JOIN fulfillment.holds h ON h.order_id = i.order_id AND h.released_at IS NULL
LEFT JOIN fulfillment.outbound_orders o ON o.order_id = i.order_id
ORDER BY i.order_id, o.outbound_id
"""
)


async def order_states(conn: AsyncConnection, order_ids: Collection[str]) -> dict[str, OrderState]:
    states: dict[str, OrderState] = {}
    for row in await conn.execute(_STATES, {"order_ids": list(order_ids)}):
        hold = None if row.held_at is None else Hold(row.order_id, tuple(row.rule_ids), row.held_at)
        outbounds: tuple[ExistingOutbound, ...] = () if row.outbound_id is None else (_existing(row),)
        known = states.get(row.order_id)
        if known is not None:  # a second parcel of a split order
            outbounds = known.outbounds + outbounds
        states[row.order_id] = OrderState(bool(row.cancelled), hold, outbounds, bool(row.waiting))
    return states


def _existing(row: Row[Any]) -> ExistingOutbound:
    return ExistingOutbound(
        row.outbound_id, OutboundStatus(row.status), row.waybill_no, Receiver.model_validate(row.receiver)
    )
