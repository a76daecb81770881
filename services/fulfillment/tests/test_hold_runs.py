"""Holds handled a run at a time (the consumer's batch handler for order.held): each records or
widens the order's hold and intercepts an outbound not yet shipped, as one by one would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fulfillment.carriers import LocalCarrier
from fulfillment.deps import FulfillmentDeps
from fulfillment.handlers import build_batch_handlers
from fulfillment.outbound.service.clearance import clear_order
from fulfillment.settings import FulfillmentSettings
from fulfillment.tables import holds, outbound_orders
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import OrderHeld, to_envelope
from sqlalchemy import select

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _held(order_id: str, rule: str, reason: str, at: datetime) -> Envelope:
    event = OrderHeld(order_id=order_id, rule_ids=(rule,), reasons=(reason,))
    return to_envelope(event, source="orderhub/test").model_copy(update={"time": at})


async def test_a_run_of_holds_records_widens_and_intercepts(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 5)
    shipped_soon, fresh = fulfillment.order({sku: 1}), fulfillment.order({sku: 1})
    async with fulfillment.db.transaction() as tx:
        await clear_order(tx, shipped_soon, LocalCarrier(), cleared_at=datetime.now(UTC))
    now = datetime.now(UTC)
    run = [
        _held(shipped_soon.order_id, "R15", "收货信息变更", now),
        _held(fresh.order_id, "R11", "大额订单", now),
        _held(shipped_soon.order_id, "R09", "地址异常", now - timedelta(seconds=3)),  # a second rule, older
    ]
    handler = build_batch_handlers(FulfillmentDeps(FulfillmentSettings(), LocalCarrier()))[OrderHeld.event_type]
    async with fulfillment.db.transaction() as tx:
        await handler(tx, [(e, OrderHeld.model_validate(e.data)) for e in run])

    ids = [shipped_soon.order_id, fresh.order_id]
    async with fulfillment.engine.connect() as conn:
        rows = (await conn.execute(select(holds).where(holds.c.order_id.in_(ids)))).all()
        query = select(outbound_orders.c.order_id, outbound_orders.c.status)
        statuses = {r.order_id: r.status for r in await conn.execute(query.where(outbound_orders.c.order_id.in_(ids)))}
    active = {row.order_id: row for row in rows if row.released_at is None}
    assert len(rows) == 2  # one active hold per order, widened rather than doubled
    assert list(active[shipped_soon.order_id].rule_ids) == ["R09", "R15"]
    assert sorted(active[shipped_soon.order_id].reasons) == sorted(["收货信息变更", "地址异常"])
    assert active[shipped_soon.order_id].held_at == now  # the later of the two
    assert (list(active[fresh.order_id].rule_ids), list(active[fresh.order_id].reasons)) == (["R11"], ["大额订单"])
    assert statuses == {shipped_soon.order_id: "intercepted"}
    assert (await fulfillment.fulfillment_of(fresh.order_id))["on_hold"] is True

    # A clearance older than the hold does not allocate the fresh order; a newer one releases it.
    async with fulfillment.db.transaction() as tx:
        await clear_order(tx, fresh, LocalCarrier(), cleared_at=now - timedelta(seconds=1))
    assert (await fulfillment.fulfillment_of(fresh.order_id))["items"] == []
    async with fulfillment.db.transaction() as tx:
        await clear_order(tx, fresh, LocalCarrier(), cleared_at=now + timedelta(seconds=1))
    state = await fulfillment.fulfillment_of(fresh.order_id)
    assert (state["on_hold"], state["items"][0]["status"]) == (False, "created")
