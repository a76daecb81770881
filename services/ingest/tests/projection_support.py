"""What the projection tests share: placing an order through the API and the downstream events
that move it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from ingest.tables import orders
from orderhub_contracts.events import OrderValidated, ShipmentCreated
from orderhub_contracts.order import CanonicalOrder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

CS = {"Authorization": "Bearer local-cs"}
Body = Callable[..., dict[str, Any]]


async def place(client: httpx.AsyncClient, engine: AsyncEngine, body: dict[str, Any]) -> CanonicalOrder:
    response = await client.post("/v1/orders", json=body, headers=CS)
    assert response.status_code == 201, response.text
    async with engine.connect() as conn:
        snapshot = await conn.scalar(select(orders.c.snapshot).where(orders.c.order_id == response.json()["order_id"]))
    return CanonicalOrder.model_validate(snapshot)


def validated(order: CanonicalOrder) -> OrderValidated:
    return OrderValidated(order=order, rule_set_version=3)


def shipped(order: CanonicalOrder) -> ShipmentCreated:
    return ShipmentCreated(
        order_id=order.order_id,
        outbound_id=f"OB-{order.order_id}",
        carrier="SF",
        waybill_no=f"SF{order.order_id[-9:]}",
        receiver=order.receiver,
        items=order.items,
    )
