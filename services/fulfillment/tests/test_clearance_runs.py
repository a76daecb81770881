"""Clearances handled a run at a time (the consumer's batch handler for order.validated): the
outcome is that of clearing the orders one by one in run order, and every event answers its
own clearance."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fulfillment.carriers import LocalCarrier
from fulfillment.deps import FulfillmentDeps
from fulfillment.handlers import build_batch_handlers
from fulfillment.outbound.model import segments
from fulfillment.outbound.service.cancel import cancel_order
from fulfillment.outbound.service.clearance import clear_order, hold_order
from fulfillment.settings import FulfillmentSettings
from fulfillment.tables import awaiting_stock, messaging, outbound_orders, reservations
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.envelope import Envelope, decode
from orderhub_contracts.events import OrderValidated, to_envelope
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.bus.outbox import headers_from_json
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
CARRIER = LocalCarrier()


def _clearance(order: CanonicalOrder, at: datetime | None = None) -> Envelope:
    envelope = to_envelope(OrderValidated(order=order, rule_set_version=1), source="orderhub/test")
    return envelope if at is None else envelope.model_copy(update={"time": at})


async def _run(fulfillment: FulfillmentEnv, envelopes: list[Envelope]) -> None:
    """Hand the clearances to the batch handler as one run, in one transaction."""
    handler = build_batch_handlers(FulfillmentDeps(FulfillmentSettings(), CARRIER))[OrderValidated.event_type]
    async with fulfillment.db.transaction() as tx:
        await handler(tx, [(e, OrderValidated.model_validate(e.data)) for e in envelopes])


async def _published(fulfillment: FulfillmentEnv, order_ids: list[str]) -> list[Envelope]:
    """The events committed for these orders, in outbox order."""
    outbox = messaging.outbox
    query = select(outbox.c.key, outbox.c.value, outbox.c.headers).where(outbox.c.key.in_(order_ids))
    async with fulfillment.engine.connect() as conn:
        rows = (await conn.execute(query.order_by(outbox.c.id))).all()
    return [decode(r.key.encode(), r.value, headers_from_json(r.headers)) for r in rows]


async def _outbounds(fulfillment: FulfillmentEnv, order_ids: list[str]) -> dict[str, Any]:
    query = select(outbound_orders).where(outbound_orders.c.order_id.in_(order_ids))
    async with fulfillment.engine.connect() as conn:
        return {row.order_id: row for row in (await conn.execute(query)).all()}


async def _waiting(fulfillment: FulfillmentEnv, order_ids: list[str]) -> list[str]:
    query = select(awaiting_stock.c.order_id).where(awaiting_stock.c.order_id.in_(order_ids))
    async with fulfillment.engine.connect() as conn:
        return [row.order_id for row in (await conn.execute(query.order_by(awaiting_stock.c.queue_seq))).all()]


async def test_stock_running_out_mid_run_is_first_come_first_served(fulfillment: FulfillmentEnv) -> None:
    sku, other = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_stock(sku, 5)
    await fulfillment.put_stock(other, 100)
    a, b = fulfillment.order({sku: 2, other: 1}), fulfillment.order({sku: 2})
    c, d = fulfillment.order({other: 3, sku: 2}), fulfillment.order({sku: 1})
    envelopes = [_clearance(o) for o in (a, b, c, d)]
    ids = [o.order_id for o in (a, b, c, d)]
    await _run(fulfillment, envelopes)

    # c finds one unit left and waits, reserving nothing; d, later and smaller, still fits.
    outbounds = await _outbounds(fulfillment, ids)
    assert set(outbounds) == {a.order_id, b.order_id, d.order_id}
    assert await _waiting(fulfillment, ids) == [c.order_id]
    assert (await fulfillment.stock(sku))["reserved"] == 5
    assert (await fulfillment.stock(other))["reserved"] == 1
    numbers = [outbounds[o.order_id].outbound_id for o in (a, b, d)]
    assert numbers == sorted(numbers)  # drawn in run order
    assert len({row.waybill_no for row in outbounds.values()}) == 3

    events = await _published(fulfillment, ids)
    assert [(e.subject, e.type) for e in events] == [
        (a.order_id, "shipment.created"),
        (b.order_id, "shipment.created"),
        (c.order_id, "stock.shortage"),
        (d.order_id, "shipment.created"),
    ]
    assert events[2].data["lines"] == [{"sku": sku, "requested": 2, "available": 1}]
    # Each event is caused by its own clearance.
    assert [e.causation_id for e in events] == [e.id for e in envelopes]
    assert [e.correlation_id for e in events] == [e.correlation_id or e.id for e in envelopes]
    assert events[3].data["waybill_no"] == outbounds[d.order_id].waybill_no
    assert events[3].data["receiver"]["phone"] == "13812345678"

    # The waiting order is allocated by the next raise, as any other.
    assert (await fulfillment.put_stock(sku, 7)).json()["allocated_orders"] == [c.order_id]


async def test_held_and_cancelled_orders_inside_a_run(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 2)
    held, cancelled, released, plain = (fulfillment.order({sku: 1}) for _ in range(4))
    now = datetime.now(UTC)
    async with fulfillment.db.transaction() as tx:
        await hold_order(tx, held.order_id, ["R11"], ["大额订单"], held_at=now)
        await hold_order(tx, released.order_id, ["R09"], ["地址异常"], held_at=now - timedelta(minutes=1))
        await cancel_order(tx, cancelled.order_id, "买家取消", CARRIER, cancelled_at=now)
    ids = [o.order_id for o in (held, cancelled, released, plain)]
    # The held order's clearance is older than its hold; the other held order's is its release.
    await _run(
        fulfillment,
        [_clearance(held, now - timedelta(seconds=5)), _clearance(cancelled), _clearance(released), _clearance(plain)],
    )

    outbounds = await _outbounds(fulfillment, ids)
    assert set(outbounds) == {released.order_id, plain.order_id}  # the stock was enough for both
    assert await _waiting(fulfillment, ids) == []
    assert (await fulfillment.stock(sku))["reserved"] == 2
    held_state = await fulfillment.fulfillment_of(held.order_id)
    assert (held_state["on_hold"], held_state["items"]) == (True, [])
    cancelled_state = await fulfillment.fulfillment_of(cancelled.order_id)
    assert (cancelled_state["cancelled"], cancelled_state["items"]) == (True, [])
    assert (await fulfillment.fulfillment_of(released.order_id))["on_hold"] is False
    assert [(e.subject, e.type) for e in await _published(fulfillment, ids)] == [
        (released.order_id, "shipment.created"),
        (plain.order_id, "shipment.created"),
    ]


async def test_intercepted_outbound_is_reactivated_from_a_run(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 3)
    order, other = fulfillment.order({sku: 2}), fulfillment.order({sku: 1})
    await _run(fulfillment, [_clearance(order)])
    async with fulfillment.db.transaction() as tx:
        await hold_order(tx, order.order_id, ["R15"], ["收货信息变更"], held_at=datetime.now(UTC))
    assert (await _outbounds(fulfillment, [order.order_id]))[order.order_id].status == "intercepted"

    await _run(fulfillment, [_clearance(order.model_copy(update={"seller_memo": "改址"})), _clearance(other)])
    outbounds = await _outbounds(fulfillment, [order.order_id, other.order_id])
    assert (outbounds[order.order_id].status, outbounds[order.order_id].seller_memo) == ("created", "改址")
    assert outbounds[other.order_id].status == "created"
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 1  # no second waybill
    assert (await fulfillment.stock(sku))["reserved"] == 3


async def test_an_order_repeated_in_a_run_is_cleared_once(fulfillment: FulfillmentEnv) -> None:
    sku, scarce = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_stock(sku, 10)
    await fulfillment.put_stock(scarce, 0)
    order, short, between = fulfillment.order({sku: 2}), fulfillment.order({scarce: 1}), fulfillment.order({sku: 1})
    await _run(
        fulfillment,
        [_clearance(order), _clearance(short), _clearance(between), _clearance(order), _clearance(short)],
    )

    ids = [order.order_id, short.order_id, between.order_id]
    assert set(await _outbounds(fulfillment, ids)) == {order.order_id, between.order_id}
    assert await _waiting(fulfillment, ids) == [short.order_id]
    assert (await fulfillment.stock(sku))["reserved"] == 3
    # The repeat of a queued order re-tries it quietly: one shortage, one shipment each.
    assert [(e.subject, e.type) for e in await _published(fulfillment, ids)] == [
        (order.order_id, "shipment.created"),
        (short.order_id, "stock.shortage"),
        (between.order_id, "shipment.created"),
    ]


async def test_a_run_ends_as_clearing_one_by_one_would(fulfillment: FulfillmentEnv) -> None:
    rng = random.Random(11)
    shape = [{k: rng.randint(1, 3) for k in rng.sample(range(3), rng.randint(1, 2))} for _ in range(40)]
    picks = [rng.randrange(40) for _ in range(60)]  # with repeats
    stocked = [8, 12, 5]

    async def scenario(batched: bool) -> tuple[list[str], list[tuple[int, str, Any]], list[int]]:
        skus = [fulfillment.sku() for _ in stocked]
        for sku, units in zip(skus, stocked, strict=True):
            await fulfillment.put_stock(sku, units)
        orders = [fulfillment.order({skus[k]: q for k, q in lines.items()}) for lines in shape]
        if batched:
            await _run(fulfillment, [_clearance(orders[i]) for i in picks])
        else:
            for i in picks:
                async with fulfillment.db.transaction() as tx:
                    await clear_order(tx, orders[i], CARRIER, cleared_at=datetime.now(UTC))
        ids = [o.order_id for o in orders]
        position = {order_id: n for n, order_id in enumerate(ids)}
        outbounds = await _outbounds(fulfillment, ids)
        allocated = sorted(outbounds, key=lambda order_id: outbounds[order_id].outbound_id)
        events = [
            (position[e.subject], e.type, sorted((skus.index(s["sku"]), s["requested"], s["available"]) for s in lines))
            for e in await _published(fulfillment, ids)
            for lines in [e.data.get("lines", [])]
        ]
        reserved = [(await fulfillment.stock(sku))["reserved"] for sku in skus]
        queue = [position[order_id] for order_id in await _waiting(fulfillment, ids)]
        return [str(position[order_id]) for order_id in allocated] + ["|"] + [str(n) for n in queue], events, reserved

    one_by_one = await scenario(batched=False)
    assert await scenario(batched=True) == one_by_one
    assert len(one_by_one[2]) > 0 and any(t == "stock.shortage" for _, t, _ in one_by_one[1])


async def test_reservations_of_a_run_match_each_order(fulfillment: FulfillmentEnv) -> None:
    sku, other = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_stock(sku, 10)
    await fulfillment.put_stock(other, 10)
    orders = [fulfillment.order({sku: 1, other: 2}), fulfillment.order({other: 3})]
    await _run(fulfillment, [_clearance(o) for o in orders])
    query = select(reservations.c.order_id, reservations.c.sku, func.sum(reservations.c.quantity)).group_by(
        reservations.c.order_id, reservations.c.sku
    )
    async with fulfillment.engine.connect() as conn:
        rows = (await conn.execute(query.where(reservations.c.order_id.in_([o.order_id for o in orders])))).all()
    assert sorted((r[0], r[1], r[2]) for r in rows) == sorted(
        [(orders[0].order_id, sku, 1), (orders[0].order_id, other, 2), (orders[1].order_id, other, 3)]
    )


async def test_segments_cut_a_run_where_an_order_repeats() -> None:
    assert segments([]) == []
    assert segments(["a", "b", "c"]) == [(0, 3)]
    assert segments(["a", "b", "a", "c", "b", "b"]) == [(0, 2), (2, 5), (5, 6)]
