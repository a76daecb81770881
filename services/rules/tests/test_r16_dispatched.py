"""R16 (ship-deadline risk) and the warehouse's events as fulfillment publishes them: a split order
announces its presale parcel first and its in-stock parcel last, so R16 keeps the in-stock
deadline; the ship scan's shipment.dispatched cancels it, so a shipped order never raises R16."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from orderhub_contracts.events import OrderPlaced, ShipmentCreated, ShipmentDispatched
from orderhub_runtime.app import ServiceContext
from rules.deps import RulesDeps
from rules.tables import timers
from rules.timers.service import BATCH
from rules.timers.service import fire_due as fire_round
from sqlalchemy import select

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _fire_due(ctx: ServiceContext[RulesDeps], now: datetime) -> None:
    while await fire_round(ctx.db, ctx.deps, now=now) == BATCH:
        pass


def _parcel(order: Any, zone: str, deadline: datetime) -> ShipmentCreated:
    return ShipmentCreated(
        order_id=order.order_id,
        outbound_id=f"OB-{zone}-{order.order_id}",
        carrier="LOCAL",
        waybill_no=f"LC{zone[:2].upper()}{order.order_id[-10:]}",
        receiver=order.receiver,
        items=order.items,
        ship_deadline=deadline,
        zone=zone,
    )


async def _r16(rules: RulesHarness, order_id: str) -> list[dict[str, Any]]:
    return [a for a in await rules.anomalies(order_id) if a["rule_id"] == "R16"]


async def test_r16_keeps_the_in_stock_deadline_and_a_dispatch_silences_it(rules: RulesHarness) -> None:
    shipped, waiting = rules.order(), rules.order()
    for order in (shipped, waiting):
        assert order.paid_at is not None
        await rules.deliver(OrderPlaced(order=order))
        in_stock_due = order.paid_at + timedelta(hours=24)
        await rules.deliver(_parcel(order, "presale", order.paid_at + timedelta(days=30)))
        await rules.deliver(_parcel(order, "in_stock", in_stock_due))
    dispatched_at = shipped.paid_at + timedelta(hours=2)  # type: ignore[operator]
    await rules.deliver(
        ShipmentDispatched(
            order_id=shipped.order_id,
            waybill_no=_parcel(shipped, "in_stock", dispatched_at).waybill_no,
            carrier="LOCAL",
            dispatched_at=dispatched_at,
            outbound_id=f"OB-in_stock-{shipped.order_id}",
            zone="in_stock",
        )
    )
    async with rules.db.connect() as conn:
        query = select(timers.c.status).where(
            timers.c.order_id == shipped.order_id, timers.c.kind == "ship_deadline.near"
        )
        assert (await conn.execute(query)).scalar_one() == "cancelled"

    # 3 h 59 min before the in-stock deadline: the unshipped order raises R16, the shipped one never does.
    latest = max(o.paid_at for o in (shipped, waiting) if o.paid_at is not None)
    await _fire_due(rules.ctx, latest + timedelta(hours=20, minutes=1))
    assert len(await _r16(rules, waiting.order_id)) == 1
    await _fire_due(rules.ctx, latest + timedelta(days=40))
    assert await _r16(rules, shipped.order_id) == []


async def test_a_presale_parcel_announced_after_the_in_stock_one_keeps_the_in_stock_deadline(
    rules: RulesHarness,
) -> None:
    """The presale part of a split order may be reserved later than its in-stock sibling (it waits
    for its own stock): its shipment.created must not move R16 to the presale date."""
    order = rules.order()
    assert order.paid_at is not None
    await rules.deliver(OrderPlaced(order=order))
    in_stock_due = order.paid_at + timedelta(hours=24)
    await rules.deliver(_parcel(order, "in_stock", in_stock_due))
    await rules.deliver(_parcel(order, "presale", order.paid_at + timedelta(days=30)))
    async with rules.db.connect() as conn:
        query = select(timers.c.due_at).where(
            timers.c.order_id == order.order_id, timers.c.kind == "ship_deadline.near"
        )
        assert (await conn.execute(query)).scalar_one() == in_stock_due - timedelta(hours=4)
    await _fire_due(rules.ctx, in_stock_due - timedelta(hours=3, minutes=59))
    assert len(await _r16(rules, order.order_id)) == 1
