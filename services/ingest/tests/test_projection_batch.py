"""The projection's set-based path: a run of events handled in one transaction ends exactly as the
same events handled one per transaction (statuses, timelines, refusals), with several events of
one order in a run, runs mixing orders, and redelivered events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ingest.deps import build_deps
from ingest.handlers import build_batch_handlers
from ingest.projection.service import ProjectedConcurrently, project_run
from ingest.settings import IngestSettings
from ingest.tables import messaging, order_timeline, orders, transition_rejections
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AnomalyRaised,
    DomainEvent,
    OrderHeld,
    to_envelope,
)
from orderhub_contracts.order import CanonicalOrder
from orderhub_devstack.testing import eventually
from orderhub_runtime.bus.errors import RetryLater
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database
from orderhub_runtime.settings import RuntimeSettings
from projection_support import Body, place, shipped, validated
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")
Item = tuple[Envelope, DomainEvent]
T0 = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def database(engine: AsyncEngine) -> Database:
    return Database(engine, OutboxWriter(messaging.outbox, source="orderhub/ingest"), lambda: None)


def at(event: DomainEvent, seconds: int) -> Item:
    envelope = to_envelope(event, source="orderhub/test", correlation_id="batch-test")
    return envelope.model_copy(update={"time": T0 + timedelta(seconds=seconds)}), event


def held(order: CanonicalOrder) -> OrderHeld:
    return OrderHeld(order_id=order.order_id, rule_ids=("R06",), reasons=("收货信息缺失",))


def remark(order: CanonicalOrder, n: int = 1) -> AnomalyRaised:
    return AnomalyRaised(
        anomaly_id=f"r12-{n}-{order.order_id}",
        order_id=order.order_id,
        rule_id="R12",
        rule_name="备注需关注",
        level=1,
        holds=False,
        evidence={"buyer_remark": "周末送货, 电话 13812345678"},
    )


def history(order: CanonicalOrder) -> list[Item]:
    """Validated, held, a shipment from before the hold (late), one after it (releases the hold),
    held again, cleared, a remark, and a repeated clearance."""
    return [
        at(validated(order), 1),
        at(held(order), 3),
        at(shipped(order), 2),
        at(shipped(order), 4),
        at(held(order), 5),
        at(validated(order), 6),
        at(remark(order), 7),
        at(validated(order), 8),
    ]


async def project(engine: AsyncEngine, items: Sequence[Item]) -> None:
    async with database(engine).transaction() as tx:
        await project_run(tx, items)


async def state(engine: AsyncEngine, order_id: str) -> dict[str, Any]:
    """Everything the projection writes for the order, minus IDs and write times."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(orders.c.status, orders.c.status_since, orders.c.updated_at).where(orders.c.order_id == order_id)
            )
        ).one()
        timeline = (
            await conn.execute(
                select(order_timeline)
                .where(order_timeline.c.order_id == order_id, order_timeline.c.event_type != "order.placed")
                .order_by(order_timeline.c.id)
            )
        ).mappings()
        rejections = (
            await conn.execute(
                select(transition_rejections)
                .where(transition_rejections.c.order_id == order_id)
                .order_by(transition_rejections.c.id)
            )
        ).mappings()
        return {
            "status": row.status,
            "status_since": row.status_since,
            "updated_at": row.updated_at,
            "timeline": [
                (
                    t["event_type"],
                    t["occurred_at"],
                    t["summary"],
                    t["data"],
                    t["outcome"],
                    t["status_from"],
                    tuple(t["status_path"]),
                )
                for t in timeline
            ],
            "rejections": [(r["event_type"], r["from_status"], r["to_status"]) for r in rejections],
        }


def comparable(s: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in s.items() if k != "updated_at"}


async def test_every_projected_type_is_batch_handled() -> None:
    deps = build_deps(IngestSettings(), RuntimeSettings(env="test"))
    try:
        handled = set(build_batch_handlers(deps))
    finally:
        await deps.hub.aclose()
    assert handled == {
        "anomaly.raised",
        "order.validated",
        "order.held",
        "stock.shortage",
        "shipment.created",
        "shipment.intercepted",
        "shipment.released",
        "shipment.dispatched",
        "outbound.status_changed",
        "order.shipped",
        "notification.sent",
        "notification.failed",
        "shipment.tracking_updated",
        "shipment.delivered",
        "shipment.exception",
        "order.completed",
        # the after-sales tickets (aftersales.v1)
        "return.requested",
        "return.reassigned",
        "return.approved",
        "return.order_cancel_requested",
        "return.rejected",
        "return.waybill_issued",
        "return.received",
        "return.discrepancy",
        "return.refunded",
        "return.exchanged",
        "return.closed",
        "return.cancelled",
        "aftersales.case_opened",
        "aftersales.case_closed",
        "aftersales.settled",
        # not projected, handled by their own use cases (catalogue, printed labels, the anomaly
        # queue's cancellations, the coupon wallet)
        "product.updated",
        "anomaly.resolved",
        "coupon.issued",
        "shipment.address_intercept_answered",
    }


async def test_one_orders_events_in_one_run_end_as_one_by_one(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    batched = await place(client, ingest_engine, order_body())
    single = await place(client, ingest_engine, order_body())
    await project(ingest_engine, history(batched))
    for item in history(single):
        await project(ingest_engine, [item])

    got, expected = await state(ingest_engine, batched.order_id), await state(ingest_engine, single.order_id)
    assert [(t[0], t[4], t[5], t[6]) for t in got["timeline"]] == [
        ("order.validated", "applied", "created", ("validated",)),
        ("order.held", "applied", "validated", ("on_hold",)),
        ("shipment.created", "late", "on_hold", ()),
        ("shipment.created", "applied", "on_hold", ("validated", "allocated")),
        ("order.held", "applied", "allocated", ("on_hold",)),
        ("order.validated", "applied", "on_hold", ("validated",)),
        ("anomaly.raised", "info", "validated", ()),
        ("order.validated", "unchanged", "validated", ()),
    ]
    assert got["status"] == "validated" and got["status_since"] == T0 + timedelta(seconds=6)
    assert "13812345678" not in str(got["timeline"])  # the remark's phone number is masked
    # Identical apart from the order IDs (and waybill numbers made of them) inside summaries and data.
    swap = str(comparable(expected)).replace(single.order_id[-9:], batched.order_id[-9:])
    assert str(comparable(got)) == swap


async def test_a_run_mixing_orders_moves_each_one(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    cleared, fresh, cancelled = [await place(client, ingest_engine, order_body()) for _ in range(3)]
    await project(ingest_engine, [at(validated(cleared), 1)])
    async with ingest_engine.begin() as conn:
        await conn.execute(update(orders).where(orders.c.order_id == cancelled.order_id).values(status="cancelled"))
    run = [at(shipped(cancelled), 10), at(shipped(cleared), 11), at(shipped(fresh), 12), at(shipped(cancelled), 13)]
    await project(ingest_engine, run)

    one, two, three = [await state(ingest_engine, o.order_id) for o in (cleared, fresh, cancelled)]
    assert one["status"] == "allocated" and one["timeline"][-1][4:] == ("applied", "validated", ("allocated",))
    assert two["status"] == "allocated"
    assert two["timeline"][-1][4:] == ("applied", "created", ("validated", "allocated"))
    assert three["status"] == "cancelled"
    assert [t[4:] for t in three["timeline"]] == [("rejected", "cancelled", ())] * 2
    assert three["rejections"] == [("shipment.created", "cancelled", "allocated")] * 2


async def test_redelivered_events_in_a_run_are_skipped_and_the_rest_follow_on(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    first = [at(validated(order), 1), at(held(order), 2)]
    await project(ingest_engine, first)
    before = await state(ingest_engine, order.order_id)
    await project(ingest_engine, first)  # the whole run again: nothing changes, not even updated_at
    assert await state(ingest_engine, order.order_id) == before

    # The old events again, with a new one of the same order after them.
    await project(ingest_engine, [*first, at(validated(order), 3)])
    after = await state(ingest_engine, order.order_id)
    assert after["timeline"][:2] == before["timeline"]
    assert [t[4:] for t in after["timeline"][2:]] == [("applied", "on_hold", ("validated",))]
    assert after["status"] == "validated" and after["status_since"] == T0 + timedelta(seconds=3)


async def test_an_order_moved_back_where_it_was_is_still_written(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    await project(ingest_engine, [at(validated(order), 5)])
    before = await state(ingest_engine, order.order_id)
    # Held, then a clearance from the same moment as the first one: status and since end as before.
    await project(ingest_engine, [at(held(order), 6), at(validated(order), 5)])
    after = await state(ingest_engine, order.order_id)
    assert (after["status"], after["status_since"]) == (before["status"], before["status_since"])
    assert [t[4:] for t in after["timeline"][1:]] == [
        ("applied", "validated", ("on_hold",)),
        ("applied", "on_hold", ("validated",)),
    ]
    assert after["updated_at"] > before["updated_at"]  # as two one-by-one status writes would leave it


async def test_an_event_projected_while_the_run_waited_for_its_order_fails_the_run(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    """The run reads the timeline in the statement that waits for the order's lock; an event put on
    the timeline meanwhile is caught on insert and the run is undone (the consumer then replays it
    event by event, which skips that event)."""
    order = await place(client, ingest_engine, order_body())
    item = at(validated(order), 1)
    async with ingest_engine.connect() as other:
        await other.begin()
        await other.execute(select(orders.c.order_id).where(orders.c.order_id == order.order_id).with_for_update())
        holder = await other.scalar(text("SELECT pg_backend_pid()"))
        run = asyncio.create_task(project(ingest_engine, [item, at(held(order), 2)]))
        await eventually(lambda: blocked_by(ingest_engine, holder))  # the run is now waiting for the lock
        await other.execute(
            order_timeline.insert().values(
                order_id=order.order_id,
                event_id=item[0].id,
                event_type=item[0].type,
                occurred_at=item[0].time,
                summary="projected elsewhere",
                data={},
                outcome="info",
                status_path=[],
            )
        )
        await other.commit()
    with pytest.raises(ProjectedConcurrently):
        await run
    after = await state(ingest_engine, order.order_id)
    assert after["status"] == "created" and [t[2] for t in after["timeline"]] == ["projected elsewhere"]
    await project(ingest_engine, [item, at(held(order), 2)])  # as the replay would: the known event is skipped
    after = await state(ingest_engine, order.order_id)
    assert after["status"] == "on_hold" and [t[4] for t in after["timeline"]] == ["info", "applied"]


async def test_a_run_naming_an_unknown_order_writes_nothing(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    before = await state(ingest_engine, order.order_id)
    unknown = held(order).model_copy(update={"order_id": "DABE209901010000QQQQQ"})
    with pytest.raises(RetryLater, match="DABE209901010000QQQQQ"):
        await project(ingest_engine, [at(held(order), 1), at(unknown, 2)])
    assert await state(ingest_engine, order.order_id) == before


async def test_a_burst_through_the_consumer_is_projected_in_order(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    from aiokafka import AIOKafkaProducer
    from orderhub_contracts.envelope import encode
    from orderhub_contracts.topics import resolve_topic

    order = await place(client, ingest_engine, order_body())
    burst = [remark(order, 1), held(order), held(order), held(order), remark(order, 2), remark(order, 3)]
    producer = AIOKafkaProducer(bootstrap_servers=ingest_runtime.kafka_bootstrap_servers, linger_ms=50)
    await producer.start()
    try:  # one topic, one key: one partition, consumed in this order, mostly in one batch
        for event in burst:
            record = encode(to_envelope(event, source="orderhub/rules"))
            topic = resolve_topic(event.topic.value, ingest_runtime.topic_prefix)
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()

    async def projected() -> dict[str, Any] | None:
        s = await state(ingest_engine, order.order_id)
        return s if len(s["timeline"]) == len(burst) else None

    got = await eventually(projected, timeout_s=20)
    assert [(t[0], t[4], tuple(t[6])) for t in got["timeline"]] == [
        ("anomaly.raised", "info", ()),
        ("order.held", "applied", ("on_hold",)),
        ("order.held", "unchanged", ()),
        ("order.held", "unchanged", ()),
        ("anomaly.raised", "info", ()),
        ("anomaly.raised", "info", ()),
    ]
    assert got["status"] == "on_hold"


async def blocked_by(engine: AsyncEngine, pid: int) -> bool:
    """Whether some session waits for a lock the session `pid` holds."""
    async with engine.connect() as conn:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
        return bool(await conn.scalar(query, {"pid": pid}))
